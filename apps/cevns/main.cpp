// cevns — the command-line program. Thin by design: parse the command line, load the
// configuration, call the library, print, and turn exceptions into exit codes:
//   0 success, 1 bad input or failed I/O (cevns::Error), 2 bad command line, 3 internal error.

#include <cstdio>
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
#include "cevns/report/prediction_table.hpp"

namespace {

/// Options shared by the subcommands that read an experiment configuration.
struct ConfigOptions {
  std::string config_file = "configs/clovers.toml";
  std::vector<std::string> overrides;

  void add_to(CLI::App& command) {
    command.add_option("-c,--config", config_file, "Experiment configuration (TOML)")->capture_default_str();
    command.add_option("-s,--set", overrides, "Override a configuration key, e.g. --set physics.form_factor=helm")
        ->take_all()
        ->allow_extra_args(false);
  }
  [[nodiscard]] cevns::ExperimentConfig load() const { return cevns::io::read_experiment_config(config_file, overrides); }
};

int run(int argc, char** argv) {
  CLI::App app{"cevns — coherent elastic neutrino-nucleus scattering at pulsed spallation sources"};
  app.set_version_flag("--version", std::string(cevns::version()));
  app.require_subcommand(1);
  app.fallthrough();  // -v and -q work after the subcommand too
  bool verbose = false;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log debugging detail to stderr");
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");

  // predict
  CLI::App* predict = app.add_subcommand("predict", "Expected CEvNS events and spectra for an experiment");
  ConfigOptions predict_config;
  predict_config.add_to(*predict);
  std::string format = "table";
  predict->add_option("-f,--format", format, "Output on stdout")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  std::string output_dir;
  predict->add_option("-o,--output", output_dir,
                      "Also write prediction.json, CSV spectra and the resolved config.toml into this directory");

  // config show
  CLI::App* config = app.add_subcommand("config", "Inspect experiment configurations");
  config->require_subcommand(1);
  CLI::App* show = config->add_subcommand("show", "Print the resolved configuration (defaults filled in, overrides applied)");
  ConfigOptions show_config;
  show_config.add_to(*show);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  cevns::set_log_level(verbose ? cevns::LogLevel::debug : quiet ? cevns::LogLevel::warning : cevns::LogLevel::info);

  if (*predict) {
    const auto prediction = cevns::predict(predict_config.load());
    if (format == "json")
      std::cout << cevns::io::to_json(prediction).dump(2) << '\n';
    else
      std::cout << cevns::report::format_prediction_table(prediction);
    if (!output_dir.empty()) {
      for (const auto& file : cevns::io::write_prediction(prediction, output_dir))
        cevns::logger("cevns")->info("wrote {}", file.string());
    }
  } else if (*show) {
    std::cout << cevns::io::to_toml(show_config.load());
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
