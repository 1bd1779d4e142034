// cevns._run: the whole study of `cevns run` (docs/output.md) for Python, through the same
// core as the command (cevns/study/run.hpp). The study runs on a thread of its own; the
// calling thread runs Python's signal handlers and the progress callback, and Ctrl-C stops
// the study between blocks and stages (KeyboardInterrupt; the stages done stay recorded).

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "common.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/study/run.hpp"

namespace cevns::python {

void bind_run(py::module_& m) {
  m.def(
      "_run",
      [](const Configuration& config, const std::string& config_file, const std::string& output, bool force, bool resume,
         bool no_mc, const std::string& mc_exposure, double mc_min_signal, std::uint64_t seed, int threads,
         const std::string& stop_after, const std::string& command_line, py::object progress) {
        if (threads < 1 || threads > max_pipeline_threads())
          throw py::value_error(fmt::format("threads = {}: must be 1 … {}", threads, max_pipeline_threads()));
        if (!(mc_min_signal >= 0.0 && mc_min_signal <= 1e7))
          throw py::value_error(fmt::format("mc_min_signal = {}: must be 0 … 1e7", mc_min_signal));
        const auto& stages = study::run_stage_names();
        if (!stop_after.empty() && std::find(stages.begin(), stages.end(), stop_after) == stages.end())
          throw py::value_error("stop_after = '" + stop_after + "': must be prediction, simulate, reconstruct, select or fit");
        study::RunRequest request;
        request.config_path = config_file;
        request.overrides = config.overrides;
        request.output = output;
        request.force = force;
        request.resume = resume;
        request.no_mc = no_mc;
        request.mc_exposure = mc_exposure;
        request.mc_min_signal = mc_min_signal;
        request.seed = seed;
        request.threads = threads;
        request.stop_after = stop_after;
        request.command_line = command_line;
        // The latest progress, handed from the study's thread to the calling one.
        std::mutex mutex;
        std::string stage, what;
        double fraction = 0.0;
        bool fresh = false;
        request.progress = [&](const std::string& s, double f, const std::string& w) {
          const std::lock_guard lock(mutex);
          stage = s, fraction = f, what = w, fresh = true;
        };
        const auto report = [&]() {
          std::string s, w;
          double f = 0.0;
          {
            const std::lock_guard lock(mutex);
            if (!fresh || progress.is_none()) return true;
            fresh = false;
            s = stage, w = what, f = fraction;
          }
          try {
            progress(s, f, w);
          } catch (py::error_already_set& e) {
            e.restore();
            return false;
          }
          return true;
        };
        const auto outcome = interruptible(
            [&](const std::atomic<bool>& stop) {
              request.stop = &stop;
              const std::lock_guard lock(hdf5_mutex());
              return study::run_study(request);
            },
            report);
        py::dict result;
        result["summary"] = outcome.summary;
        result["report"] = outcome.report.string();
        result["study"] = py::module_::import("json").attr("loads")(outcome.manifest.dump());
        return result;
      },
      py::arg("config"), py::arg("config_file"), py::arg("output"), py::arg("force"), py::arg("resume"),
      py::arg("no_mc"), py::arg("mc_exposure"), py::arg("mc_min_signal"), py::arg("seed"), py::arg("threads"),
      py::arg("stop_after"), py::arg("command_line"), py::arg("progress"));
}

}  // namespace cevns::python
