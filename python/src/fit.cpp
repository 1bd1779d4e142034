// cevns._fit: the likelihood fit of `cevns fit` (docs/statistics.md) for Python.

#include <filesystem>
#include <optional>

#include <pybind11/stl.h>

#include "common.hpp"
#include "cevns/core/error.hpp"
#include "cevns/fit/analysis.hpp"

namespace cevns::python {

void bind_fit(py::module_& m) {
  m.def(
      "_fit",
      [](const Configuration& config, std::optional<std::string> data_path, std::optional<std::string> fit_config,
         bool asimov, int toys, std::uint64_t seed, int threads, std::vector<std::pair<std::string, double>> fix,
         std::vector<std::string> free, std::string poi) {
        const auto json = without_gil_no_hdf5([&] {
          fit::FitConfig fc;
          if (fit_config) fc = fit::read_fit_config(*fit_config);
          fit::ObservedData data;
          const auto prediction = cevns::predict(config.resolved.simulation.experiment);
          if (data_path) {
            data = std::filesystem::is_directory(*data_path) ? fit::read_coherent_2017(*data_path, fc.beam_off)
                                                             : fit::read_observed_data(*data_path);
            if (!fit_config) fc = fit::default_fit_config(data);
            if (fit::is_coherent_2017_release(*data_path) && fc.release_dir.empty()) fc.release_dir = *data_path;
          } else if (!asimov) {
            throw ConfigError("cevns.fit needs data (an observed.csv or the COHERENT 2017 release), or asimov=True");
          } else {
            throw ConfigError("cevns.fit(asimov=True) needs data for its bins here; the command line's `cevns fit --asimov` "
                              "fits the prediction's region of interest without data");
          }
          if (!poi.empty()) fc.poi = poi;
          const fit::Repredict repredict = [&](const std::vector<std::string>& more) {
            auto all = config.overrides;
            all.insert(all.end(), more.begin(), more.end());
            return cevns::predict(Configuration(config.text, config.source_name, all).resolved.simulation.experiment);
          };
          fit::AnalysisOptions options;
          options.poi = poi;
          options.asimov = asimov;
          options.toys = toys;
          options.seed = seed;
          options.threads = threads;
          options.fix = fix;
          options.free = free;
          auto analysis = fit::analyse(fit::build_model(prediction, data, fc, repredict), data, options);
          auto j = fit::to_json(analysis);
          j["experiment"] = prediction.config.name;
          j["fit_config"] = fc.source;
          j["table"] = fit::format_fit_table(analysis);
          return j.dump();
        });
        return py::module_::import("json").attr("loads")(json);
      },
      py::arg("config"), py::arg("data"), py::arg("fit_config"), py::arg("asimov"), py::arg("toys"), py::arg("seed"),
      py::arg("threads"), py::arg("fix"), py::arg("free"), py::arg("poi"));
}

}  // namespace cevns::python
