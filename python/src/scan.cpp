// cevns._scan: the profile-likelihood scan of `cevns scan` (docs/statistics.md) for Python,
// through the same core as the command (cevns/study/scan.hpp). The scan runs on a thread
// of its own; the calling thread runs Python's signal handlers and the progress callback,
// and Ctrl-C stops the scan after the points in work (KeyboardInterrupt, no file written).

#include <chrono>
#include <filesystem>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "common.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/study/scan.hpp"

namespace cevns::python {

namespace {

namespace fs = std::filesystem;

/// The scan's grid arrays in its shape: (n0,) or (n0, n1), and per point `extra` more.
std::vector<py::ssize_t> grid_shape(const fit::ScanResult& r, std::size_t extra = 0) {
  std::vector<py::ssize_t> shape;
  for (const auto& v : r.axis_values) shape.push_back(static_cast<py::ssize_t>(v.size()));
  if (extra) shape.push_back(static_cast<py::ssize_t>(extra));
  return shape;
}

}  // namespace

void bind_scan(py::module_& m) {
  m.def(
      "_scan",
      [](const Configuration& config, std::vector<std::string> params, std::optional<std::string> data_path,
         std::optional<std::string> fit_config, bool asimov, std::vector<std::pair<std::string, double>> fix,
         std::vector<std::string> free, int threads, bool full_predict, std::optional<std::string> output, bool force,
         std::optional<std::string> config_file, py::object progress) {
        if (threads < 1 || threads > max_pipeline_threads())
          throw py::value_error(fmt::format("threads = {}: must be 1 … {}", threads, max_pipeline_threads()));
        // Copies: the scan runs on another thread, and Python may change `config` meanwhile.
        const std::string text = config.text, name = config.source_name;
        const std::vector<std::string> overrides = config.overrides;
        std::optional<io::OutputLock> lock;
        if (output) {  // as the command: checked and locked before any work
          std::vector<fs::path> inputs;
          if (config_file) inputs.emplace_back(*config_file);
          if (data_path) inputs.emplace_back(*data_path);
          lock.emplace(io::claim_output(*output, io::OutputKind::directory, inputs, force));
        }
        std::atomic<std::size_t> done{0}, total{0};
        std::size_t reported = 0;
        const auto started = std::chrono::steady_clock::now();
        const auto report = [&]() {
          if (progress.is_none() || total == 0 || done == reported) return true;
          reported = done;
          try {
            progress(reported, total.load(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          } catch (py::error_already_set& e) {
            e.restore();  // raised once the scan has stopped
            return false;
          }
          return true;
        };
        struct Out {
          fit::ScanResult result;
          std::string json, table;
          std::vector<fs::path> files;
        };
        Out out = interruptible(
            [&](const std::atomic<bool>& stop) {
              const fit::PredictWith predict_with = [&](const std::vector<std::string>& more) {
                auto all = overrides;
                all.insert(all.end(), more.begin(), more.end());
                return cevns::predict(Configuration(text, name, all).resolved.simulation.experiment);
              };
              study::ScanRequest request;
              request.params = params;
              request.data = data_path.value_or("");
              request.fit_config = fit_config.value_or("");
              request.asimov = asimov;
              request.full_predict = full_predict;
              request.fix = fix;
              request.free = free;
              request.config_name = name;
              const study::ScanStudy scan(request, predict_with);
              fit::ScanOptions options;
              options.threads = threads;
              options.stop = &stop;
              options.progress = [&](std::size_t d, std::size_t t) {
                total = t;
                done = d;
              };
              Out o;
              o.result = scan.run(options);
              o.json = scan.to_json(o.result).dump();
              o.table = fit::format_scan_table(o.result);
              if (lock) o.files = scan.write(o.result, *output);
              return o;
            },
            report);
        lock.reset();
        if (!report()) throw py::error_already_set();  // the last points
        py::dict result = py::module_::import("json").attr("loads")(out.json);
        auto& r = out.result;
        // The grid as numpy arrays in its shape: Δχ² (= −2 Δln L; NaN where the fit did not
        // converge), t = −2 ln L, converged, and the profiled likelihood parameters.
        py::list axes = result["axes"];
        for (std::size_t a = 0; a < r.axis_values.size(); ++a)
          axes[a]["values"] = adopt(std::vector<double>(r.axis_values[a]));
        result["delta_chi2"] = adopt(std::vector<double>(r.delta), grid_shape(r));
        result["deviance"] = adopt(std::vector<double>(r.deviance), grid_shape(r));
        std::vector<std::uint8_t> converged(r.converged.begin(), r.converged.end());
        result["converged"] = adopt(std::move(converged), grid_shape(r)).attr("astype")("bool");
        const std::size_t np = r.parameter_names.size();
        std::vector<double> profiled;
        profiled.reserve(r.profiled.size() * np);
        for (auto values : r.profiled) {
          values.resize(np, std::numeric_limits<double>::quiet_NaN());
          profiled.insert(profiled.end(), values.begin(), values.end());
        }
        result["profiled"] = adopt(std::move(profiled), grid_shape(r, np));
        result["parameters"] = r.parameter_names;
        result["table"] = out.table;
        py::list files;
        for (const auto& f : out.files) files.append(f.string());
        result["files"] = files;
        return result;
      },
      py::arg("config"), py::arg("params"), py::arg("data"), py::arg("fit_config"), py::arg("asimov"), py::arg("fix"),
      py::arg("free"), py::arg("threads"), py::arg("full_predict"), py::arg("output"), py::arg("force"),
      py::arg("config_file"), py::arg("progress"));
}

}  // namespace cevns::python
