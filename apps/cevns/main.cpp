// cevns — the command-line program. Thin by design: parse the command line, load the
// configuration, call the library, print, and turn exceptions into exit codes:
//   0 success, 1 bad input or failed I/O (cevns::Error), 2 bad command line, 3 internal error.

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/version.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/report/plots.hpp"
#include "cevns/report/prediction_table.hpp"

namespace {

/// Options shared by the subcommands that read an experiment configuration.
struct StudyOptions {
  std::string config_file = "configs/clovers.toml";
  std::vector<std::string> overrides;
  std::string format = "table";
  std::string output_dir;

  void add_config(CLI::App& command) {
    command.add_option("-c,--config", config_file, "Experiment configuration (TOML)")->capture_default_str();
    command.add_option("-s,--set", overrides, "Override a configuration key, e.g. --set physics.form_factor=helm")
        ->take_all()
        ->allow_extra_args(false);
  }
  void add_format(CLI::App& command) {
    command.add_option("-f,--format", format, "Output on stdout")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
  }
  [[nodiscard]] cevns::ExperimentConfig load() const { return cevns::io::read_experiment_config(config_file, overrides); }
};

/// The sensitivity map spans twice the configured mass and time (at least a year).
cevns::Sensitivity sensitivity_of(const cevns::Prediction& p) {
  return cevns::sensitivity(p, 2.0 * p.config.detector.mass_kg, std::max(365.0, 2.0 * p.days()));
}

void log_written(const std::vector<std::filesystem::path>& files) {
  for (const auto& file : files) cevns::logger("cevns")->info("wrote {}", file.string());
}

int run(int argc, char** argv) {
  CLI::App app{"cevns — coherent elastic neutrino-nucleus scattering at pulsed spallation sources"};
  app.set_version_flag("--version", std::string(cevns::version()));
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q work after the subcommand too
  bool verbose = false;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log debugging detail to stderr");
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");

  StudyOptions predict_options;
  CLI::App* predict = app.add_subcommand("predict", "Expected CEvNS and background spectra for an experiment");
  predict_options.add_config(*predict);
  predict_options.add_format(*predict);
  predict->add_option("-o,--output", predict_options.output_dir,
                      "Also write prediction.json, CSV spectra and the resolved config.toml into this directory");

  StudyOptions sensitivity_options;
  CLI::App* sensitivity = app.add_subcommand(
      "sensitivity", "Significance N_sig/sqrt(N_sig+N_bkg), days to 5 sigma, and the map over mass x time");
  sensitivity_options.add_config(*sensitivity);
  sensitivity_options.add_format(*sensitivity);
  sensitivity->add_option("-o,--output", sensitivity_options.output_dir,
                          "Also write sensitivity.json and significance_map.csv into this directory");

  StudyOptions study_options;
  study_options.output_dir = "results";
  CLI::App* study = app.add_subcommand(
      "run", "The whole study: prediction, sensitivity, figures and a summary, written to the output directory");
  study_options.add_config(*study);
  study->add_option("-o,--output", study_options.output_dir, "Output directory")->capture_default_str();

  CLI::App* config = app.add_subcommand("config", "Inspect experiment configurations");
  config->require_subcommand(1);
  StudyOptions show_options;
  CLI::App* show = config->add_subcommand("show", "Print the resolved configuration (defaults filled in, overrides applied)");
  show_options.add_config(*show);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  cevns::set_log_level(verbose ? cevns::LogLevel::debug : quiet ? cevns::LogLevel::warning : cevns::LogLevel::info);

  if (*predict) {
    const auto prediction = cevns::predict(predict_options.load());
    if (predict_options.format == "json")
      std::cout << cevns::io::to_json(prediction).dump(2) << '\n';
    else
      std::cout << cevns::report::format_prediction_table(prediction);
    if (!predict_options.output_dir.empty()) log_written(cevns::io::write_prediction(prediction, predict_options.output_dir));
  } else if (*sensitivity) {
    const auto prediction = cevns::predict(sensitivity_options.load());
    const auto result = sensitivity_of(prediction);
    if (sensitivity_options.format == "json") {
      auto json = cevns::io::to_json(result);
      json["experiment"] = prediction.config.name;
      json["roi"] = cevns::io::to_json(prediction)["roi"];
      std::cout << json.dump(2) << '\n';
    } else {
      std::cout << cevns::report::format_prediction_table(prediction) << '\n'
                << cevns::report::format_sensitivity_table(result);
    }
    if (!sensitivity_options.output_dir.empty())
      log_written(cevns::io::write_sensitivity(result, sensitivity_options.output_dir));
  } else if (*study) {
    const auto prediction = cevns::predict(study_options.load());
    const auto result = sensitivity_of(prediction);
    const std::string summary =
        cevns::report::format_prediction_table(prediction) + "\n" + cevns::report::format_sensitivity_table(result);
    std::cout << summary;
    const std::filesystem::path dir = study_options.output_dir;
    auto files = cevns::io::write_prediction(prediction, dir);
    const auto more = cevns::io::write_sensitivity(result, dir);
    files.insert(files.end(), more.begin(), more.end());
    const auto figures = cevns::report::write_figures(prediction, result, dir);
    files.insert(files.end(), figures.begin(), figures.end());
    cevns::io::write_file_atomically(dir / "summary.txt", summary);
    files.push_back(dir / "summary.txt");
    cevns::logger("cevns")->info("wrote {} files into {}", files.size(), dir.string());
  } else if (*show) {
    std::cout << cevns::io::to_toml(show_options.load());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const cevns::Error& e) {
    std::fprintf(stderr, "cevns: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cevns: internal error: %s (please report this with the command you ran)\n", e.what());
    return 3;
  }
}
