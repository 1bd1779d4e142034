// cevns — the command-line program. Thin by design: parse the command line, load the
// configuration, check the outputs, call the library, print, and turn exceptions into
// exit codes (README "Exit codes"):
//   0 success; 1 bad input — configuration, input files, outputs that may not be written,
//   not enough disk space, failed I/O (cevns::Error); 2 bad command line — unknown
//   command or option, malformed option value; 3 internal error.

#include <chrono>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/core/version.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/sensitivity.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/file_part.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reconstruct_run.hpp"
#include "cevns/io/reduced_file.hpp"
#include "cevns/io/selection_writer.hpp"
#include "cevns/reco/reconstruction.hpp"
#include "cevns/report/materials_table.hpp"
#include "cevns/report/plots.hpp"
#include "cevns/report/prediction_table.hpp"
#include "cevns/report/selection_table.hpp"
#include "cevns/selection/event_selection.hpp"
#include "fit_command.hpp"
#include "merge_command.hpp"
#include "scan_command.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "progress.hpp"
#include "study.hpp"
#include "variations.hpp"

namespace {

namespace fs = std::filesystem;
using cevns::io::OutputKind;
using cevns::io::OutputLock;

/// Options shared by the subcommands: configuration, format, output.
struct StudyOptions {
  std::string config_file;  ///< empty: the shipped clovers.toml, or for a file's command the one stored in it
  std::vector<std::string> overrides;
  std::string format = "table";
  std::string output;
  bool force = false;

  void add_config(CLI::App& command,
                  const std::string& description = "Experiment configuration (TOML): a file, or the name of a shipped "
                                                   "one (clovers.toml, cicenns.toml, …); default: clovers.toml") {
    command.add_option("-c,--config", config_file, description);
    command.add_option("-s,--set", overrides, "Override a configuration key, e.g. --set physics.form_factor=helm")
        ->take_all()
        ->allow_extra_args(false);
  }
  void add_format(CLI::App& command) {
    command.add_option("-f,--format", format, "Output on stdout")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
  }
  CLI::Option* add_output(CLI::App& command, const std::string& description) {
    command.add_flag("--force", force, "Replace an existing output");
    return command.add_option("-o,--output", output, description);
  }
  /// The configuration file read: --config, found among the shipped ones if need be.
  [[nodiscard]] fs::path config_path() const { return cevns::app::find_config(config_file); }
  [[nodiscard]] cevns::ExperimentConfig load() const {
    return cevns::io::read_experiment_config(config_path(), overrides);
  }
  /// Claims the output (OutputKind::directory) when one was given.
  [[nodiscard]] std::optional<OutputLock> claim_directory(std::vector<fs::path> inputs) const {
    if (output.empty()) return std::nullopt;
    return cevns::io::claim_output(output, OutputKind::directory, inputs, force);
  }
};

void log_written(const std::vector<fs::path>& files) {
  for (const auto& file : files) cevns::logger("cevns")->info("wrote {}", file.string());
}

/// The configuration of a file's run: `--config` when given, else the one stored in the file.
cevns::io::Configuration configuration_for(const StudyOptions& options, const std::string& stored_toml,
                                           const std::string& file) {
  if (!options.config_file.empty()) return cevns::io::read_configuration(options.config_path(), options.overrides);
  return cevns::io::parse_configuration(stored_toml, file + ":/run/config_toml", options.overrides);
}

/// What `configuration_for` read, for messages.
std::string configuration_name(const StudyOptions& options, const std::string& file) {
  if (!options.config_file.empty()) return "--config " + options.config_file;
  return fmt::format("the configuration stored in {}{}", file, options.overrides.empty() ? "" : " with --set");
}

/// Counts what a simulation wrote, for its closing summary.
struct SimulationSummary {
  std::uint64_t triggers = 0, beam_on = 0, vetoed = 0;
  double protons_on_target = 0.0;
  std::map<std::uint16_t, std::uint64_t> interactions, photoelectrons;  // by source

  /// Under MPI: the counts of every rank's blocks, on every rank.
  void add_over_ranks(std::size_t sources) {
    std::vector<double> all{double(triggers), double(beam_on), double(vetoed), protons_on_target};
    for (std::size_t s = 0; s < sources; ++s) {
      const auto source = static_cast<std::uint16_t>(s);
      all.push_back(interactions.contains(source) ? double(interactions[source]) : 0.0);
      all.push_back(photoelectrons.contains(source) ? double(photoelectrons[source]) : 0.0);
    }
    cevns::app::job_sum(all);  // counts below 2⁵³: exact in a double
    triggers = static_cast<std::uint64_t>(all[0]), beam_on = static_cast<std::uint64_t>(all[1]);
    vetoed = static_cast<std::uint64_t>(all[2]), protons_on_target = all[3];
    for (std::size_t s = 0; s < sources; ++s) {
      const auto source = static_cast<std::uint16_t>(s);
      if (all[4 + 2 * s] > 0) interactions[source] = static_cast<std::uint64_t>(all[4 + 2 * s]);
      if (all[5 + 2 * s] > 0) photoelectrons[source] = static_cast<std::uint64_t>(all[5 + 2 * s]);
    }
  }

  void add(const cevns::daq::TriggerBlock& block) {
    triggers += block.trigger_count;
    beam_on += block.beam_on_triggers;
    vetoed += block.vetoed_triggers;
    protons_on_target += block.protons_on_target;
    for (const auto& i : block.interactions) ++interactions[i.source];
    for (const auto& pe : block.photoelectrons) ++photoelectrons[pe.source];
  }
  /// Events (interactions) of every source that deposits energy, photoelectrons of those
  /// that do not (dark counts, afterpulses).
  [[nodiscard]] std::string format(const std::vector<std::string>& sources) const {
    std::string events, light;
    for (std::size_t s = 0; s < sources.size(); ++s) {
      const auto count = [&](const std::map<std::uint16_t, std::uint64_t>& by_source) {
        const auto it = by_source.find(static_cast<std::uint16_t>(s));
        return it == by_source.end() ? std::uint64_t{0} : it->second;
      };
      const bool light_only = s == cevns::daq::Simulation::dark_count || s == cevns::daq::Simulation::afterpulse;
      std::string& list = light_only ? light : events;
      list += fmt::format("{}{} {}", list.empty() ? "" : ", ", sources[s], count(light_only ? photoelectrons : interactions));
    }
    return fmt::format("{} triggers ({} beam-on, {} vetoed), {:.4g} protons on target; events: {}; photoelectrons: {}",
                       triggers, beam_on, vetoed, protons_on_target, events, light);
  }
};

/// "5200 triggers/s".
std::string rate(double done, double seconds, const char* unit) {
  return seconds > 0 ? fmt::format("{:.0f} {}/s", done / seconds, unit) : fmt::format("– {}/s", unit);
}

/// Says "unknown command 'X'" (or "no command given") with the list of commands when the
/// command words of the command line are not ones `app` has; returns false then.
bool known_command(int argc, char** argv, const CLI::App& app) {
  const CLI::App* level = &app;
  std::string command;  // the words so far, e.g. "config "
  const auto names = [](const CLI::App* a) {
    std::vector<std::string> out;
    for (const CLI::App* sub : a->get_subcommands([](const CLI::App*) { return true; })) out.push_back(sub->get_name());
    return out;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "-v" || word == "--verbose" || word == "-q" || word == "--quiet") continue;
    if (word.empty() || word.front() == '-') return true;  // --help, --version, an option: CLI11 judges
    const auto known = names(level);
    if (known.empty()) return true;  // a positional argument
    const auto it = std::find(known.begin(), known.end(), word);
    if (it == known.end()) {
      std::fprintf(stderr, "cevns: error: unknown command '%s%s'; the commands%s are: %s (cevns --help says what they do)\n",
                   command.c_str(), word.c_str(), command.empty() ? "" : (" of cevns " + command.substr(0, command.size() - 1)).c_str(),
                   fmt::format("{}", fmt::join(known, ", ")).c_str());
      return false;
    }
    level = level->get_subcommand(word);
    command += word + " ";
  }
  if (level == &app) {
    std::fprintf(stderr, "cevns: error: no command given; the commands are: %s (cevns --help says what they do)\n",
                 fmt::format("{}", fmt::join(names(&app), ", ")).c_str());
    return false;
  }
  return true;
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
  predict_options.add_output(*predict,
                             "Also write prediction.json, CSV spectra and the resolved config.toml into this directory");
  bool predict_variations = false;
  predict->add_flag("--variations", predict_variations,
                    "Also predict each [[systematics]] nuisance at -1 and +1 sigma (table rows; JSON \"variations\")");

  StudyOptions sensitivity_options;
  CLI::App* sensitivity = app.add_subcommand(
      "sensitivity", "Significance N_sig/sqrt(N_sig+N_bkg) and from the likelihood (NPE x time, Asimov), days to 5 sigma, "
                     "and the map over mass x time");
  sensitivity_options.add_config(*sensitivity);
  sensitivity_options.add_format(*sensitivity);
  sensitivity_options.add_output(*sensitivity, "Also write sensitivity.json, significance_map.csv, likelihood_sensitivity.json and "
                                              "significance_map_likelihood.csv into this directory");
  cevns::fit::LikelihoodSensitivityOptions likelihood_options;
  sensitivity->add_option("--flux-sigma", likelihood_options.flux_sigma,
                          "Likelihood: relative Gaussian width of the neutrino flux (0: left out)")
      ->capture_default_str();
  sensitivity->add_option("--beam-background-sigma", likelihood_options.beam_background_sigma,
                          "Likelihood: relative log-normal width of each beam-related background")
      ->capture_default_str();
  sensitivity->add_option("--beam-background-npe-tilt", likelihood_options.beam_background_npe_tilt,
                          "Likelihood: +-relative linear NPE tilt of each beam-related background (a shape nuisance; 0: none)")
      ->capture_default_str();
  sensitivity->add_option("--off-beam-ratio", likelihood_options.off_beam_live_time_ratio,
                          "Likelihood: off-beam / on-beam live time measuring the steady state (0: steady state free)")
      ->capture_default_str();

  const auto study = cevns::app::add_run_command(app);

  StudyOptions simulate_options;
  CLI::App* simulate = app.add_subcommand("simulate", "Monte Carlo of the DAQ: triggers, waveforms and truth into an HDF5 raw file");
  simulate_options.add_config(*simulate);
  std::uint64_t simulate_triggers = 0;
  std::string simulate_duration;
  std::string simulate_mode = "zero-suppressed";
  std::uint64_t simulate_seed = 1;
  const auto default_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int simulate_threads = default_threads;
  const std::string threads_why = "more threads than 4 per core only hold more blocks in memory";
  auto* triggers_option =
      simulate->add_option("-n,--triggers", simulate_triggers, "Number of beam triggers to simulate")
          ->check(cevns::app::whole_number(1, cevns::daq::max_run_triggers, "10^12 triggers are over 1000 years of beam"));
  auto* duration_option =
      simulate->add_option("-d,--duration", simulate_duration, "Or a data-taking time: 90s, 30min, 12h, 180d")
          ->check(cevns::app::duration());
  triggers_option->excludes(duration_option);
  simulate_options.add_output(*simulate, "Raw-data file to write (HDF5)")->required();
  simulate->add_option("-m,--mode", simulate_mode, "Waveforms: every sample, or only around pulses")
      ->check(CLI::IsMember({"full", "zero-suppressed"}))
      ->capture_default_str();
  simulate->add_option("--seed", simulate_seed, "Random seed: the same seed gives the same run")
      ->check(cevns::app::whole_number(0, UINT64_MAX))
      ->capture_default_str();
  simulate->add_option("-t,--threads", simulate_threads, "Worker threads")
      ->check(cevns::app::whole_number(1, cevns::max_pipeline_threads(), threads_why))
      ->capture_default_str();
  // Lossless HDF5 filters of the written file (docs/raw-format.md, "Compression").
  std::string compression_choice(cevns::io::compression_name(cevns::io::default_compression));
  const auto add_compression = [&](CLI::App& command) {
    std::vector<std::string> allowed;
    for (const auto c : {cevns::io::Compression::none, cevns::io::Compression::deflate, cevns::io::Compression::lz4,
                         cevns::io::Compression::zstd})
      allowed.emplace_back(cevns::io::compression_name(c));
    command.add_option("--compression", compression_choice, "Lossless compression of the file written")
        ->check(CLI::IsMember(allowed))
        ->capture_default_str();
  };
  add_compression(*simulate);
  std::string simulate_part;
  simulate->add_option("--part", simulate_part,
                       "Simulate only part K of N of the run's blocks into a part file, for cevns merge (job arrays; "
                       "docs/production.md)");

  StudyOptions reconstruct_options;
  std::string raw_input;
  int reconstruct_threads = default_threads;
  CLI::App* reconstruct = app.add_subcommand(
      "reconstruct", "Raw waveforms → photoelectrons and arrival times per trigger and crystal (reduced HDF5 file)");
  reconstruct->add_option("raw", raw_input, "Raw-data file (cevns simulate, or real data in the same layout)")->required();
  reconstruct_options.add_config(*reconstruct, "Configuration; default: the one stored in the raw file");
  reconstruct_options.add_output(*reconstruct, "Reduced file to write")->required();
  reconstruct->add_option("-t,--threads", reconstruct_threads, "Worker threads")
      ->check(cevns::app::whole_number(1, cevns::max_pipeline_threads(), threads_why))
      ->capture_default_str();
  add_compression(*reconstruct);
  std::string reconstruct_part;
  reconstruct->add_option("--part", reconstruct_part,
                          "Reconstruct only part K of N of the blocks into a part file, for cevns merge (job arrays; "
                          "docs/production.md)");

  StudyOptions select_options;
  std::string reduced_input;
  CLI::App* select = app.add_subcommand("select", "The event selection on a reduced file: cut flow and spectra");
  select->add_option("reduced", reduced_input, "Reduced file (cevns reconstruct)")->required();
  select_options.add_config(*select, "Configuration; default: the one stored in the file");
  select_options.add_format(*select);
  select_options.add_output(*select, "Also write selection.json, observed.csv and Figure 10 into this directory");

  CLI::App* config_command = app.add_subcommand("config", "Inspect experiment configurations");
  config_command->require_subcommand(1);
  StudyOptions show_options;
  CLI::App* show = config_command->add_subcommand("show", "Print the resolved configuration (defaults filled in, overrides applied)");
  show_options.add_config(*show);

  const auto fit = cevns::app::add_fit_command(app);
  const auto scan = cevns::app::add_scan_command(app);
  const auto merge = cevns::app::add_merge_command(app);
  const auto report = cevns::app::add_report_command(app);
  StudyOptions materials_options;
  CLI::App* materials = app.add_subcommand(
      "materials", "The materials background (model = \"materials\") per volume and isotope: ROI counts, and with "
                   "--output Figure 11 (fig11_materials) and materials.csv");
  materials_options.add_config(*materials);
  materials_options.add_output(*materials, "Also write fig11_materials.png/.svg and materials.csv into this directory");


  if (!known_command(argc, argv, app)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "cevns: error: %s\nRun with --help for the options.\n", e.what());
    return 2;
  }
  cevns::set_log_level(verbose ? cevns::LogLevel::debug : quiet ? cevns::LogLevel::warning : cevns::LogLevel::info);
  cevns::app::quiet_other_ranks();  // under mpirun: rank 0 speaks for the job

  if (*materials) {
    const auto lock = materials_options.claim_directory({materials_options.config_path()});
    // The benchmark of issue 16: the wall time of the prediction (the Monte Carlo when the
    // cache is cold) and of the report.
    const auto start = std::chrono::steady_clock::now();
    const auto prediction = cevns::predict(materials_options.load());
    std::vector<fs::path> written;
    std::cout << cevns::report::materials_report(prediction, lock ? fs::path(materials_options.output) : fs::path(), written);
    std::cout << "wall time " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
              << " s (Monte Carlo, when not cached, included)\n";
    if (lock) log_written(written);
    return 0;
  }
  if (*predict) {
    const auto lock = predict_options.claim_directory({predict_options.config_path()});
    const auto prediction = cevns::predict(predict_options.load());
    const auto variations =
        predict_variations ? cevns::predict_variations(prediction.config) : std::vector<cevns::Variation>{};
    if (predict_options.format == "json") {
      auto json = cevns::io::to_json(prediction);
      if (predict_variations) json["variations"] = cevns::app::variations_json(variations);
      std::cout << json.dump(2) << '\n';
    } else {
      std::cout << cevns::report::format_prediction_table(prediction);
      if (predict_variations) std::cout << cevns::app::variations_table(prediction, variations);
    }
    if (lock) log_written(cevns::io::write_prediction(prediction, predict_options.output));
  } else if (*sensitivity) {
    const auto lock = sensitivity_options.claim_directory({sensitivity_options.config_path()});
    const auto prediction = cevns::predict(sensitivity_options.load());
    const auto result = cevns::app::sensitivity_of(prediction);
    const auto likelihood = cevns::fit::likelihood_sensitivity(prediction, likelihood_options, &result);
    if (sensitivity_options.format == "json") {
      auto json = cevns::io::to_json(result);
      json["experiment"] = prediction.config.name;
      json["roi"] = cevns::io::to_json(prediction)["roi"];
      json["likelihood"] = cevns::fit::to_json(likelihood);
      std::cout << json.dump(2) << '\n';
    } else {
      std::cout << cevns::report::format_prediction_table(prediction) << '\n'
                << cevns::report::format_sensitivity_table(result)
                << cevns::report::format_likelihood_sensitivity_table(result, likelihood);
    }
    if (lock) {
      log_written(cevns::io::write_sensitivity(result, sensitivity_options.output));
      if (!likelihood.undefined) log_written(cevns::app::write_likelihood_sensitivity(prediction, result, likelihood, sensitivity_options.output));
    }
  } else if (study->selected()) {
    study->run();
  } else if (report->selected()) {
    report->run();
  } else if (*simulate) {
    if (!simulate_part.empty()) (void)cevns::io::parse_part(simulate_part);  // a bad --part before any work
    const fs::path config_file = simulate_options.config_path();
    const auto everything = cevns::io::read_configuration(config_file, simulate_options.overrides);
    const auto& simulation_config = everything.simulation;
    if (!*triggers_option && !*duration_option)
      throw cevns::ConfigError("cevns simulate needs --triggers N or --duration TIME (e.g. --duration 1h)");
    const double rate_hz = simulation_config.experiment.source.beam.repetition_rate_Hz;
    std::uint64_t triggers = simulate_triggers;
    if (*duration_option) {
      const double wanted = cevns::parse_duration_s(simulate_duration) * rate_hz;  // ≤ 100 years × the rate: finite
      if (wanted > static_cast<double>(cevns::daq::max_run_triggers))
        throw cevns::ConfigError(fmt::format("--duration {} is {:.3g} triggers at {:g} Hz, more than the {} a run may have",
                                             simulate_duration, wanted, rate_hz, cevns::daq::max_run_triggers));
      triggers = static_cast<std::uint64_t>(std::llround(wanted));
    }
    if (triggers == 0)
      throw cevns::ConfigError(fmt::format("--duration {} is less than one trigger at {:g} Hz: nothing to do",
                                           simulate_duration, rate_hz));
    const auto mode = simulate_mode == "full" ? cevns::daq::WaveformMode::full : cevns::daq::WaveformMode::zero_suppressed;
    const fs::path output = simulate_options.output;
    const auto compression = cevns::io::parse_compression(compression_choice, "--compression");
    cevns::io::require_compression(compression);
    std::optional<OutputLock> lock;
    if (cevns::app::job_rank() == 0)
      lock.emplace(cevns::io::claim_output(output, OutputKind::file, {config_file}, simulate_options.force));
    const cevns::daq::Simulation simulation(simulation_config, mode);
    // This process's share of the blocks: all, its --part K/N, or its MPI rank's part.
    const std::uint64_t per_block = simulation.triggers_per_block();
    const auto share = cevns::app::share_of_run(simulate_part, output, cevns::daq::block_count(simulation, triggers), triggers);
    if (share.file != output)
      lock.emplace(cevns::io::claim_output(share.file, OutputKind::file, {config_file}, true));
    const std::uint64_t end_block = share.end_block(cevns::daq::block_count(simulation, triggers));
    const std::uint64_t share_triggers =
        std::min(triggers, end_block * per_block) - std::min(triggers, share.first_block() * per_block);
    double bytes = cevns::io::estimated_raw_file_bytes(simulation, simulation_config, mode, share_triggers);
    if (share.mpi && share.root()) bytes += cevns::io::estimated_raw_file_bytes(simulation, simulation_config, mode, triggers);
    cevns::io::check_free_space(share.file, bytes);
    auto info = simulation.run_info(simulate_seed);
    info.config_toml = cevns::io::to_toml(everything);
    const std::string where = share.mpi ? fmt::format(" on each of {} MPI ranks", cevns::app::job_size())
                              : share.part ? ", " + share.part->describe()
                                           : "";
    cevns::logger("simulate")->info(
        "{}: {} triggers ({} of data taking), {} mode, seed {}, {} threads{}; about {} to write",
        simulation_config.experiment.name, triggers, cevns::app::format_duration(triggers / rate_hz), simulate_mode,
        simulate_seed, simulate_threads, where, cevns::io::format_bytes(bytes));
    cevns::io::RawFileWriter writer(share.file, info, compression, share.part);
    cevns::app::JobProgress progress("simulate", share.mpi ? triggers : share_triggers, "triggers");
    SimulationSummary summary;
    cevns::daq::run_simulation(
        simulation, triggers, simulate_seed, simulate_threads,
        [&](cevns::daq::TriggerBlock&& block) {
          summary.add(block);
          writer.write(block);
        },
        [&](const cevns::daq::Progress& p) {
          progress.update(p.triggers_done, fmt::format("{} of {} triggers, {}", p.triggers_done, p.triggers_total,
                                                       rate(double(p.triggers_done), p.elapsed_s, "triggers")));
        },
        share.first_block(), end_block);
    writer.close();
    progress.finish(share_triggers);
    summary.add_over_ranks(simulation.source_names().size());
    cevns::logger("simulate")->info("simulated {}", summary.format(simulation.source_names()));
    cevns::app::finish_share(share);  // MPI: rank 0 merges the ranks' parts
    if (share.root())
      cevns::logger("simulate")->info("wrote {} ({})", output.string(),
                                      cevns::io::format_bytes(static_cast<double>(fs::file_size(output))));
  } else if (*reconstruct) {
    if (!reconstruct_part.empty()) (void)cevns::io::parse_part(reconstruct_part);  // before any work
    const cevns::io::RawFileReader reader(raw_input);
    const auto& run = reader.info();
    if (const auto& part = reader.part())
      throw cevns::ConfigError(fmt::format(
          "{} is {} of a run: merge the parts first (cevns merge), then reconstruct the merged file (with --part for "
          "a share of it) — the single-PE calibration needs the run's first blocks",
          raw_input, part->describe()));
    if (!reader.complete())
      cevns::logger("reconstruct")->warn("{} is the file of an unfinished run: reconstructing its {} finished blocks",
                                         raw_input, reader.block_count());
    const auto config = configuration_for(reconstruct_options, run.config_toml, raw_input);
    cevns::reco::check_config_matches_run(run, config.simulation, configuration_name(reconstruct_options, raw_input),
                                          raw_input);
    const fs::path output = reconstruct_options.output;
    const auto compression = cevns::io::parse_compression(compression_choice, "--compression");
    cevns::io::require_compression(compression);
    const std::vector<fs::path> inputs{raw_input, reconstruct_options.config_file.empty() ? fs::path()
                                                                                         : reconstruct_options.config_path()};
    std::optional<OutputLock> lock;
    if (cevns::app::job_rank() == 0)
      lock.emplace(cevns::io::claim_output(output, OutputKind::file, inputs, reconstruct_options.force));
    const std::uint64_t blocks = reader.block_count();
    const auto share = cevns::app::share_of_run(reconstruct_part, output, blocks, reader.trigger_count());
    if (share.file != output) lock.emplace(cevns::io::claim_output(share.file, OutputKind::file, inputs, true));
    if (share.part)
      cevns::logger("reconstruct")->info("{}: {}", raw_input,
                                         share.mpi ? fmt::format("{} blocks on {} MPI ranks", blocks, cevns::app::job_size())
                                                   : share.part->describe());
    cevns::reco::Reconstruction reco(run, config.reco, config.simulation.daq);
    // One pass: the single-PE calibration is collected from the first blocks on the way,
    // and the reduced file is created once it is fixed.
    std::optional<cevns::io::ReducedFileWriter> writer;
    std::optional<cevns::app::ProgressBar> calibration;
    if (!reco.calibrated() && share.root()) calibration.emplace("calibration");  // every rank calibrates alike
    const std::uint64_t share_blocks = share.end_block(blocks) - share.first_block();
    cevns::app::JobProgress progress("reconstruct", share.mpi ? blocks : share_blocks, "blocks");
    auto summary = cevns::io::reconstruct_run(
        reader, reco, reconstruct_threads,
        [&] {
          cevns::reco::ReducedRunInfo info{run, raw_input, cevns::io::to_toml(config), reco.spe_charge(), 0,
                                            reco.off_beam_window_start_us()};
          for (const auto& c : run.channels) info.crystals = std::max<std::uint16_t>(info.crystals, c.crystal + 1);
          writer.emplace(share.file, info, compression, share.part);
        },
        [&](cevns::reco::ReducedBlock&& block) { writer->write(block); },
        [&](const cevns::io::ReconstructRunSummary& done) {
          if (!reco.calibrated()) {
            if (!calibration) return;
            const double block_share = double(done.calibration_blocks) / double(blocks);
            calibration->update(std::max(reco.calibration_progress(), block_share),
                                fmt::format("single-PE calibration: {} of at most {} blocks read, {:.0f} % of the "
                                            "pulses needed",
                                            done.calibration_blocks, blocks, 100 * reco.calibration_progress()));
            return;
          }
          if (calibration && done.blocks == 1) calibration->update(1.0, "single-PE calibration done");
          progress.update(done.blocks, fmt::format("block {} of {}, {} triggers, {}", done.blocks, share_blocks,
                                                   done.triggers, rate(double(done.triggers), progress.elapsed_s(), "triggers")));
        },
        0, share.first_block(), share.end_block(blocks));
    writer->close();
    progress.finish(summary.blocks);
    std::vector<double> counts{double(summary.triggers), double(summary.rows), double(summary.samples)};
    cevns::app::job_sum(counts);  // under MPI: the job's
    summary.triggers = static_cast<std::uint64_t>(counts[0]), summary.rows = static_cast<std::uint64_t>(counts[1]);
    summary.samples = static_cast<std::uint64_t>(counts[2]);
    cevns::app::finish_share(share);  // MPI: rank 0 merges the ranks' parts
    const double elapsed = progress.elapsed_s();
    if (config.reco.spe_charge_adc_samples <= 0.0 && !summary.nominal_spe_charge)
      cevns::logger("reconstruct")->info("single-PE charge calibrated on {} blocks: {:.1f} ADC×samples (channel 0)",
                                         summary.calibration_blocks, reco.spe_charge().front());
    cevns::logger("reconstruct")->info("{} triggers, {} crystal rows, {} samples in {} ({:.3g} samples/s); wrote {}",
                                       summary.triggers, summary.rows, summary.samples,
                                       cevns::app::format_duration(elapsed), summary.samples / std::max(elapsed, 1e-9),
                                       output.string());
  } else if (*select) {
    const cevns::io::ReducedFileReader reader(reduced_input);
    if (const auto& part = reader.part())
      throw cevns::ConfigError(fmt::format("{} is {} of a reconstruction: merge the parts first (cevns merge)",
                                           reduced_input, part->describe()));
    if (!reader.info().off_beam_window_start_us)
      cevns::logger("select")->warn("{} has no off-beam window (format version 2, or a pretrace shorter than twice the "
                                    "signal region): only the on-beam window is selected; reconstruct it again for one",
                                    reduced_input);
    const auto config = configuration_for(select_options, reader.info().raw.config_toml, reduced_input);
    cevns::reco::check_config_matches_run(reader.info().raw, config.simulation,
                                          configuration_name(select_options, reduced_input), reduced_input);
    cevns::daq::check_time_roi_is_recorded(config.simulation);
    if (const auto& wanted = config.reco.off_beam_window_start_us;
        wanted && reader.info().off_beam_window_start_us &&
        std::abs(*wanted - *reader.info().off_beam_window_start_us) > 1e-9)
      cevns::logger("select")->warn("the off-beam window stays where the reconstruction put it, {:g} µs, not at "
                                    "reco.off_beam_window_start_us = {:g}: reconstruct again to move it",
                                    *reader.info().off_beam_window_start_us, *wanted);
    const auto lock = select_options.claim_directory(
        {reduced_input, select_options.config_file.empty() ? fs::path() : select_options.config_path()});
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
    if (lock) {
      log_written(cevns::io::write_selection(selection, reader.info(), prediction, select_options.output));
      log_written(cevns::report::write_dark_count_figure(selection, experiment.name, select_options.output));
      log_written(cevns::report::write_npe_response_figure(selection, experiment.name, select_options.output));
    }
  } else if (fit->selected()) {
    fit->run();
  } else if (scan->selected()) {
    scan->run();
  } else if (merge->selected()) {
    merge->run();
  } else if (*show) {
    std::cout << cevns::io::to_toml(cevns::io::read_configuration(show_options.config_path(), show_options.overrides));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const cevns::app::Job job(argc, argv);  // under mpirun: MPI (parallel.hpp)
  try {
    return run(argc, argv);
  } catch (const cevns::Error& e) {
    std::fprintf(stderr, "cevns: error: %s\n", e.what());
    return cevns::app::Job::abort_others(1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cevns: internal error: %s (please report this with the command you ran)\n", e.what());
    return cevns::app::Job::abort_others(3);
  }
}
