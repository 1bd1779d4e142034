// cevns — the command-line program. Thin by design: parse the command line, load the
// configuration, call the library, print, and turn exceptions into exit codes:
//   0 success, 1 bad input or failed I/O (cevns::Error), 2 bad command line, 3 internal error.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/version.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reduced_file.hpp"
#include "cevns/io/selection_writer.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/reco/reconstruction.hpp"
#include "cevns/report/selection_table.hpp"
#include "cevns/selection/event_selection.hpp"
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

/// Seconds in a duration such as "90s", "30min", "12h", "180d" (a bare number is seconds).
double parse_duration_s(const std::string& text) {
  static const std::regex pattern(R"(^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(s|min|h|d)?\s*$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern))
    throw cevns::ConfigError("--duration " + text + ": expected a number with a unit s, min, h or d, e.g. 180d");
  const double value = std::stod(match[1]);
  const std::string unit = match[2];
  return value * (unit == "min" ? 60.0 : unit == "h" ? 3600.0 : unit == "d" ? 86400.0 : 1.0);
}

/// The configuration of a file's run: `--config` when given, else the one stored in the file.
cevns::io::Configuration configuration_for(const std::string& config_file, const std::string& stored_toml,
                                           const std::string& file, const std::vector<std::string>& overrides) {
  if (!config_file.empty()) return cevns::io::read_configuration(config_file, overrides);
  return cevns::io::parse_configuration(stored_toml, file + ":/run/config_toml", overrides);
}

/// A progress bar on a terminal; a log line every 10 % otherwise.
class ProgressBar {
 public:
  explicit ProgressBar(std::string component) : component_(std::move(component)) {}

  void operator()(const cevns::daq::Progress& p) {
    const double fraction = p.triggers_total ? double(p.triggers_done) / double(p.triggers_total) : 1.0;
    const double rate = p.elapsed_s > 0 ? p.triggers_done / p.elapsed_s : 0.0;
    const double eta = rate > 0 ? (p.triggers_total - p.triggers_done) / rate : 0.0;
    if (isatty(fileno(stderr))) {
      constexpr int width = 30;
      const int filled = static_cast<int>(fraction * width);
      std::fprintf(stderr, "\r[%s%s] %5.1f %%  %.3g/%.3g triggers  %.3g triggers/s  ETA %.0f s ",
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), 100 * fraction,
                   double(p.triggers_done), double(p.triggers_total), rate, eta);
      if (p.triggers_done == p.triggers_total) std::fprintf(stderr, "\n");
    } else if (fraction >= next_report_ || p.triggers_done == p.triggers_total) {
      cevns::logger(component_)->info("{:.0f} %: {:.4g} of {:.4g} triggers, {:.3g} triggers/s", 100 * fraction,
                                      double(p.triggers_done), double(p.triggers_total), rate);
      while (next_report_ <= fraction) next_report_ += 0.1;
    }
  }

 private:
  std::string component_;
  double next_report_ = 0.1;
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

  StudyOptions simulate_options;
  CLI::App* simulate = app.add_subcommand("simulate", "Monte Carlo of the DAQ: triggers, waveforms and truth into an HDF5 raw file");
  simulate_options.add_config(*simulate);
  std::uint64_t simulate_triggers = 0;
  std::string simulate_duration;
  std::string simulate_mode = "zero-suppressed";
  std::uint64_t simulate_seed = 1;
  int simulate_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto* triggers_option = simulate->add_option("-n,--triggers", simulate_triggers, "Number of beam triggers to simulate");
  auto* duration_option =
      simulate->add_option("-d,--duration", simulate_duration, "Or a data-taking time: 90s, 30min, 12h, 180d");
  triggers_option->excludes(duration_option);
  simulate->add_option("-o,--output", simulate_options.output_dir, "Raw-data file to write (HDF5)")->required();
  simulate->add_option("-m,--mode", simulate_mode, "Waveforms: every sample, or only around pulses")
      ->check(CLI::IsMember({"full", "zero-suppressed"}))
      ->capture_default_str();
  simulate->add_option("--seed", simulate_seed, "Random seed: the same seed gives the same run")->capture_default_str();
  simulate->add_option("-t,--threads", simulate_threads, "Worker threads")->check(CLI::Range(1, 1024))->capture_default_str();

  StudyOptions reconstruct_options;
  reconstruct_options.config_file.clear();
  std::string raw_input;
  int reconstruct_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App* reconstruct = app.add_subcommand(
      "reconstruct", "Raw waveforms → photoelectrons and arrival times per trigger and crystal (reduced HDF5 file)");
  reconstruct->add_option("raw", raw_input, "Raw-data file (cevns simulate, or real data in the same layout)")
      ->required()
      ->check(CLI::ExistingFile);
  reconstruct_options.add_config(*reconstruct);
  reconstruct->get_option("--config")->description("Configuration; default: the one stored in the raw file");
  reconstruct->add_option("-o,--output", reconstruct_options.output_dir, "Reduced file to write")->required();
  reconstruct->add_option("-t,--threads", reconstruct_threads, "Worker threads")->check(CLI::Range(1, 1024))->capture_default_str();

  StudyOptions select_options;
  select_options.config_file.clear();
  std::string reduced_input;
  CLI::App* select = app.add_subcommand("select", "The event selection on a reduced file: cut flow and spectra");
  select->add_option("reduced", reduced_input, "Reduced file (cevns reconstruct)")->required()->check(CLI::ExistingFile);
  select_options.add_config(*select);
  select->get_option("--config")->description("Configuration; default: the one stored in the file");
  select_options.add_format(*select);
  select->add_option("-o,--output", select_options.output_dir, "Also write selection.json and Figure 10 into this directory");

  CLI::App* config_command = app.add_subcommand("config", "Inspect experiment configurations");
  config_command->require_subcommand(1);
  StudyOptions show_options;
  CLI::App* show = config_command->add_subcommand("show", "Print the resolved configuration (defaults filled in, overrides applied)");
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
  } else if (*simulate) {
    const auto everything = cevns::io::read_configuration(simulate_options.config_file, simulate_options.overrides);
    const auto& simulation_config = everything.simulation;
    if (!*triggers_option && !*duration_option)
      throw cevns::ConfigError("cevns simulate needs --triggers N or --duration TIME (e.g. --duration 1h)");
    const double rate_hz = simulation_config.experiment.source.beam.repetition_rate_Hz;
    const std::uint64_t triggers =
        *triggers_option ? simulate_triggers
                         : static_cast<std::uint64_t>(std::llround(parse_duration_s(simulate_duration) * rate_hz));
    if (triggers == 0) throw cevns::ConfigError("cevns simulate: nothing to do (0 triggers)");
    const auto mode = simulate_mode == "full" ? cevns::daq::WaveformMode::full : cevns::daq::WaveformMode::zero_suppressed;
    const cevns::daq::Simulation simulation(simulation_config, mode);
    auto info = simulation.run_info(simulate_seed);
    info.config_toml = cevns::io::to_toml(everything);
    cevns::logger("simulate")->info("{}: {} triggers ({:.4g} s of data taking), {} mode, seed {}, {} threads",
                                    simulation_config.experiment.name, triggers, triggers / rate_hz, simulate_mode, simulate_seed,
                                    simulate_threads);
    cevns::io::RawFileWriter writer(simulate_options.output_dir, info);
    ProgressBar progress("simulate");
    cevns::daq::run_simulation(
        simulation, triggers, simulate_seed, simulate_threads,
        [&writer](cevns::daq::TriggerBlock&& block) { writer.write(block); }, std::ref(progress));
    writer.close();
    cevns::logger("simulate")->info("wrote {}", simulate_options.output_dir);
  } else if (*reconstruct) {
    const cevns::io::RawFileReader reader(raw_input);
    const auto& run = reader.info();
    if (!reader.complete())
      cevns::logger("reconstruct")->warn("{} is the file of an unfinished run: reconstructing its {} finished blocks",
                                         raw_input, reader.block_count());
    const auto config = configuration_for(reconstruct_options.config_file, run.config_toml, raw_input,
                                          reconstruct_options.overrides);
    cevns::reco::Reconstruction reco(run, config.reco, config.simulation.daq);
    std::uint64_t calibration_blocks = 0;
    while (calibration_blocks < reader.block_count() && !reco.collect_calibration(reader.read_block(calibration_blocks)))
      ++calibration_blocks;
    reco.finish_calibration();
    cevns::logger("reconstruct")->info("single-PE charge calibrated on {} blocks: {:.1f} ADC×samples (channel 0)",
                                       calibration_blocks, reco.spe_charge().front());
    cevns::reco::ReducedRunInfo info{run, raw_input, cevns::io::to_toml(config), reco.spe_charge(), 0};
    for (const auto& c : run.channels) info.crystals = std::max<std::uint16_t>(info.crystals, c.crystal + 1);
    cevns::io::ReducedFileWriter writer(reconstruct_options.output_dir, info);
    ProgressBar progress("reconstruct");
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t triggers = 0, samples = 0, rows = 0;
    const std::uint64_t blocks = reader.block_count();
    cevns::ordered_pipeline(
        blocks, reconstruct_threads,
        [&](std::uint64_t i) {
          auto block = reader.read_block(i);
          samples += block.waveforms.size() + block.segments.samples.size();
          return block;
        },
        [&](cevns::daq::TriggerBlock&& block) { return reco.reconstruct(block); },
        [&](std::uint64_t, cevns::reco::ReducedBlock&& block) {
          triggers += block.trigger_count;
          rows += block.events.size();
          writer.write(block);
          const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          const std::uint64_t total = blocks * run.triggers_per_block;
          progress({std::min(triggers, total), total, elapsed});
        });
    writer.close();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    cevns::logger("reconstruct")->info("{} triggers, {} crystal rows, {:.3g} samples in {:.2f} s ({:.3g} samples/s); wrote {}",
                                       triggers, rows, double(samples), elapsed, samples / std::max(elapsed, 1e-9),
                                       reconstruct_options.output_dir);
  } else if (*select) {
    const cevns::io::ReducedFileReader reader(reduced_input);
    const auto config = configuration_for(select_options.config_file, reader.info().raw.config_toml, reduced_input,
                                          select_options.overrides);
    const auto& experiment = config.simulation.experiment;
    cevns::selection::EventSelection selection(experiment.selection, experiment.spectra.npe_max,
                                               experiment.spectra.time_min_us, experiment.spectra.time_max_us,
                                               experiment.spectra.time_bin_us);
    for (std::uint64_t i = 0; i < reader.block_count(); ++i) selection.add(reader.read_block(i));
    const auto prediction = cevns::predict(experiment);
    if (select_options.format == "json")
      std::cout << cevns::io::to_json(selection, reader.info(), prediction).dump(2) << '\n';
    else
      std::cout << cevns::report::format_selection_table(selection, reader.info(), prediction);
    if (!select_options.output_dir.empty()) {
      log_written(cevns::io::write_selection(selection, reader.info(), prediction, select_options.output_dir));
      log_written(cevns::report::write_dark_count_figure(selection, experiment.name, select_options.output_dir));
      log_written(cevns::report::write_npe_response_figure(selection, experiment.name, select_options.output_dir));
    }
  } else if (*show) {
    std::cout << cevns::io::to_toml(cevns::io::read_configuration(show_options.config_file, show_options.overrides));
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
