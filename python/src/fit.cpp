// cevns._fit: the likelihood fit of `cevns fit` (docs/statistics.md) for Python.

#include <filesystem>
#include <optional>

#include <pybind11/stl.h>

#include "common.hpp"
#include "cevns/core/error.hpp"
#include "cevns/fit/analysis.hpp"
#include "cevns/fit/fit_inputs.hpp"

namespace cevns::python {

void bind_fit(py::module_& m) {
  m.def(
      "_fit",
      [](const Configuration& config, std::optional<std::string> data_path, std::optional<std::string> fit_config,
         bool asimov, int toys, std::uint64_t seed, int threads, std::vector<std::pair<std::string, double>> fix,
         std::vector<std::string> free, std::string poi) {
        // On a thread of its own, so that Ctrl-C stops it between stages and toys (common.hpp).
        const auto json = interruptible([&](const std::atomic<bool>& stop) {
          // The inputs as `cevns fit` reads them (fit_inputs.hpp): the data, the fit
          // configuration, the templates at the data's exposure, the region of interest.
          const fit::PredictWith predict_with = [&config](const std::vector<std::string>& more) {
            auto all = config.overrides;
            all.insert(all.end(), more.begin(), more.end());
            return cevns::predict(Configuration(config.text, config.source_name, all).resolved.simulation.experiment);
          };
          auto in = fit::load_fit_inputs(data_path.value_or(""), fit_config.value_or(""), asimov, predict_with, "fit");
          if (!poi.empty()) in.config.poi = poi;
          const auto& prediction = in.prediction;
          fit::AnalysisOptions options;
          options.poi = poi;
          options.asimov = asimov;
          options.toys = toys;
          options.seed = seed;
          options.threads = threads;
          options.fix = fix;
          options.free = free;
          options.stop = &stop;
          auto analysis = fit::analyse(fit::build_model(prediction, in.data, in.config, in.repredict), in.data, options);
          auto j = fit::to_json(analysis);
          j["experiment"] = prediction.config.name;
          j["fit_config"] = in.config.source;
          j["table"] = fit::format_fit_table(analysis);
          return j.dump();
        }, [] { return true; });
        return py::module_::import("json").attr("loads")(json);
      },
      py::arg("config"), py::arg("data"), py::arg("fit_config"), py::arg("asimov"), py::arg("toys"), py::arg("seed"),
      py::arg("threads"), py::arg("fix"), py::arg("free"), py::arg("poi"));
}

}  // namespace cevns::python
