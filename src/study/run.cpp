// The core of `cevns run` (docs/output.md, "cevns run"), shared by the program
// (apps/cevns/study.cpp) and Python's cevns.run: the whole study in stages, each recorded
// in DIR/study.json with a hash of what it was computed from, so that a resumed run reuses
// the stages already done.

#include "cevns/study/run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "cevns/core/cancelled.hpp"
#include "cevns/core/duration.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/version.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/fit/analysis.hpp"
#include "cevns/fit/fit_inputs.hpp"
#include "cevns/fit/model_builder.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reconstruct_run.hpp"
#include "cevns/io/reduced_file.hpp"
#include "cevns/io/selection_writer.hpp"
#include "cevns/reco/reconstruction.hpp"
#include "cevns/report/fit_plots.hpp"
#include "cevns/report/html_report.hpp"
#include "cevns/report/plots.hpp"
#include "cevns/report/prediction_table.hpp"
#include "cevns/report/selection_table.hpp"
#include "cevns/selection/event_selection.hpp"

namespace cevns::study {

const std::vector<std::string>& run_stage_names() {
  static const std::vector<std::string> names{"prediction", "simulate", "reconstruct", "select", "fit"};
  return names;
}

Sensitivity sensitivity_of(const Prediction& p) {
  return sensitivity(p, 2.0 * p.config.detector.mass_kg, std::max(365.0, 2.0 * p.days()));
}

std::vector<std::filesystem::path> write_likelihood_sensitivity(const Prediction& prediction, const Sensitivity& counting,
                                                                const fit::LikelihoodSensitivity& likelihood,
                                                                const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::string csv = "# Asimov likelihood significance (NPE x time) with signal and background scaled by mass x days\n"
                    "mass_kg,days,significance\n";
  for (std::size_t i = 0; i < counting.map_mass_kg.size(); ++i)
    for (std::size_t j = 0; j < counting.map_days.size(); ++j)
      csv += fmt::format("{:g},{:g},{:.6g}\n", counting.map_mass_kg[i], counting.map_days[j],
                         likelihood.map_significance[i * counting.map_days.size() + j]);
  io::write_file_atomically(dir / "likelihood_sensitivity.json", fit::to_json(likelihood).dump(2) + "\n");
  io::write_file_atomically(dir / "significance_map_likelihood.csv", csv);
  std::vector<fs::path> written{dir / "likelihood_sensitivity.json", dir / "significance_map_likelihood.csv"};
  if (likelihood.map_significance.size() != counting.map_significance.size() || likelihood.binnings.empty())
    return written;  // no map on the counting grid: the CSV and JSON only
  Sensitivity map = counting;
  map.map_significance = likelihood.map_significance;
  map.significance = likelihood.binnings.front().significance;  // NPE × time
  for (auto& f : report::write_likelihood_significance_map(prediction, map, dir)) written.push_back(std::move(f));
  return written;
}

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;


/// 64-bit FNV-1a of `text` as 16 hex digits: a stage's fingerprint (not a security hash;
/// it only has to tell configurations apart).
std::string fingerprint(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw IoError(fmt::format("cannot read {}", file.string()));
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw IoError(fmt::format("{}: not JSON ({})", file.string(), e.what()));
  }
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot read {}", file.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// File names relative to the study directory, as study.json lists them.
std::vector<std::string> relative(const std::vector<fs::path>& files, const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.lexically_relative(dir).generic_string());
  return out;
}

/// DIR/study.json: what was run, with which options, and each finished stage with its
/// fingerprint, time and files. Written (atomically) after every stage.
class Manifest {
 public:
  explicit Manifest(fs::path dir) : dir_(std::move(dir)), file_(dir_ / "study.json") {}

  /// The stages of an earlier run of this directory (--resume).
  void load_previous() {
    if (!fs::exists(file_)) return;
    const json old = read_json(file_);
    if (!old.contains("stages") || !old["stages"].is_array())
      throw IoError(fmt::format("{}: no stages list; not written by cevns run", file_.string()));
    for (const auto& s : old["stages"]) previous_.push_back(s);
  }
  /// The earlier record of stage `name`, if any.
  [[nodiscard]] const json* previous(const std::string& name) const {
    for (const auto& s : previous_)
      if (s.value("name", "") == name) return &s;
    return nullptr;
  }
  /// Whether stage `name` of an earlier run has this fingerprint and all its files.
  [[nodiscard]] bool reusable(const std::string& name, const std::string& hash) const {
    const json* s = previous(name);
    if (!s || s->value("hash", "") != hash || s->value("status", "") != "done") return false;
    for (const auto& f : (*s)["files"])
      if (!fs::exists(dir_ / f.get<std::string>())) return false;
    return true;
  }
  json& document() { return doc_; }
  void record(json stage) {
    auto& stages = doc_["stages"];
    for (auto& s : stages)
      if (s["name"] == stage["name"]) {
        s = std::move(stage);
        save();
        return;
      }
    stages.push_back(std::move(stage));
    save();
  }
  void save() const { io::write_file_atomically(file_, doc_.dump(2) + "\n"); }

 private:
  fs::path dir_, file_;
  json doc_ = {{"stages", json::array()}};
  std::vector<json> previous_;
};


/// How the Monte Carlo's configuration differs from the study's, and why.
struct McPlan {
  std::uint64_t triggers = 0;
  double exposure_s = 0.0;
  double expected_signal = 0.0;  ///< CEvNS in the ROI of the study's configuration over the MC exposure
  double factor = 1.0;           ///< beam × mass scale applied
  std::vector<std::string> overrides;  ///< --set overrides of the scaling
  std::string note;              ///< what was scaled and why, for the log and the report
};

McPlan plan_mc(const io::Configuration& config, const Prediction& prediction, const std::string& exposure,
               double min_signal) {
  McPlan plan;
  const auto& exp = config.simulation.experiment;
  const double rate_hz = exp.source.beam.repetition_rate_Hz;
  plan.exposure_s = parse_duration_s(exposure);
  const double wanted = plan.exposure_s * rate_hz;
  if (wanted > static_cast<double>(daq::max_run_triggers))
    throw ConfigError(fmt::format("--mc-exposure {} is {:.3g} triggers at {:g} Hz, more than the {} a run may have", exposure,
                                  wanted, rate_hz, daq::max_run_triggers));
  plan.triggers = static_cast<std::uint64_t>(std::llround(wanted));
  if (plan.triggers == 0)
    throw ConfigError(fmt::format("--mc-exposure {} is less than one trigger at {:g} Hz", exposure, rate_hz));
  const double beam_on_s = plan.exposure_s * (1.0 - config.simulation.daq.beam.beam_off_fraction);
  plan.expected_signal = prediction.roi_signal() * beam_on_s / prediction.beam_on_time_s;
  require_finite("expected Monte Carlo CEvNS", plan.expected_signal);
  if (min_signal <= 0.0 || plan.expected_signal >= min_signal) {
    plan.note = fmt::format("{} of data taking as configured: {:.4g} CEvNS expected in the region of interest", exposure,
                            plan.expected_signal);
    return plan;
  }
  if (!(plan.expected_signal > 0.0))
    throw ConfigError(fmt::format("{}: no CEvNS in the region of interest, the Monte Carlo cannot be scaled to {:g} of "
                                  "them; run with --mc-min-signal 0 or --no-mc",
                                  exp.name, min_signal));
  // A round factor (two significant digits, rounded up).
  double factor = min_signal / plan.expected_signal;
  const double decade = std::pow(10.0, std::floor(std::log10(factor)) - 1.0);
  factor = std::ceil(factor / decade) * decade;
  plan.factor = factor;
  // The beam first (source.beam_power_kW ≤ 10⁶ kW, its valid range), the rest by mass.
  const double power = exp.source.beam.power_kW;
  const double beam_factor = std::min(factor, 1e6 / power);
  const double mass_factor = factor / beam_factor;
  plan.overrides.push_back(fmt::format("source.beam_power_kW={:.17g}", power * beam_factor));
  std::string what = fmt::format("beam power × {:.4g} ({:g} kW → {:.4g} kW)", beam_factor, power, power * beam_factor);
  if (mass_factor > 1.0 + 1e-12) {
    const double mass = exp.detector.mass_kg;
    if (mass * mass_factor > 1e5)
      throw ConfigError(fmt::format("--mc-exposure {}: {:g} CEvNS would need the beam and the mass × {:.3g}, beyond "
                                    "source.beam_power_kW ≤ 1e6 and detector.mass_kg ≤ 1e5; give a longer --mc-exposure "
                                    "or a smaller --mc-min-signal",
                                    exposure, min_signal, factor));
    plan.overrides.push_back(fmt::format("detector.mass_kg={:.17g}", mass * mass_factor));
    what += fmt::format(" and mass × {:.4g} ({:g} kg → {:.4g} kg)", mass_factor, mass, mass * mass_factor);
  }
  plan.note = fmt::format("{} of data taking would hold {:.3g} CEvNS in the region of interest, too few for the fit "
                          "(--mc-min-signal {:g}): the Monte Carlo scales the {} — {:.4g} CEvNS expected",
                          exposure, plan.expected_signal, min_signal, what,
                          plan.expected_signal * factor);
  return plan;
}

/// `data` with every `group` adjacent time bins summed into one (the last may hold fewer).
fit::ObservedData coarser_in_time(const fit::ObservedData& data, std::size_t group) {
  if (group <= 1) return data;
  fit::ObservedData out;
  out.source = data.source;
  for (const auto& r : data.regions) {
    const auto& e = r.time_us.edges();
    std::vector<double> edges;
    for (std::size_t i = 0; i < r.time_us.size(); i += group) edges.push_back(e[i]);
    edges.push_back(e.back());
    fit::Region c(r.name, r.live_time_s, r.npe, Binning(edges));
    for (std::size_t n = 0; n < r.npe.size(); ++n)
      for (std::size_t t = 0; t < r.time_us.size(); ++t) c.at(n, t / group) += r.at(n, t);
    out.regions.push_back(std::move(c));
  }
  return out;
}

/// A stage's outcome: the files it wrote (or that an earlier run wrote) and its summary text.
struct StageOutput {
  std::vector<fs::path> files;
  json extra = json::object();
};

/// What the report's "experiment and exposure" table shows of the configuration.
json setup_json(const ExperimentConfig& c) {
  const auto& ly = c.detector.light_yield_PE_per_keVee;
  const auto [ly_min, ly_max] = std::minmax_element(ly.begin(), ly.end());
  return {{"facility", c.source.facility},
          {"beam_power_kW", c.source.beam.power_kW},
          {"proton_energy_GeV", c.source.beam.proton_energy_GeV},
          {"repetition_rate_Hz", c.source.beam.repetition_rate_Hz},
          {"nu_per_proton_per_flavor", c.source.beam.nu_per_proton_per_flavor},
          {"distance_m", c.source.distance_m},
          {"material", c.detector.material},
          {"mass_kg", c.detector.mass_kg},
          {"crystals", c.detector.crystals},
          {"light_yield_PE_per_keVee", ly_min == ly.end() ? json(nullptr) : json({*ly_min, *ly_max})},
          {"quenching", std::string(to_string(c.detector.quenching.model))},
          {"form_factor", std::string(to_string(c.physics.form_factor))},
          {"weak_charge", std::string(to_string(c.physics.weak_charge))},
          {"sin2_theta_w", c.physics.sin2_theta_w},
          {"exposure", report::format_exposure(c.exposure)}};
}

class Study {
 public:
  explicit Study(const RunRequest& request) : q_(request) {}

  RunOutcome run() const {
    const auto started = clock_type::now();
    const fs::path config_path = q_.config_path;
    const fs::path dir = q_.output;
    const auto config = io::read_configuration(config_path, q_.overrides);
    std::optional<io::OutputLock> lock;
    try {
      lock.emplace(io::claim_output(dir, io::OutputKind::directory, {config_path}, q_.force || q_.resume));
    } catch (const IoError& e) {
      if (fs::exists(dir / "study.json"))
        throw IoError(fmt::format("{}; or --resume to continue the study there", e.what()));
      throw;
    }
    io::create_output_directory(dir);
    Manifest manifest(dir);
    if (q_.resume)
      manifest.load_previous();
    else
      fs::remove(dir / "study.json");  // --force: the old record goes first, so that no stage of it is taken for this run's

    const auto log = logger("run");
    const auto prediction = predict(config.simulation.experiment);
    const std::string config_toml = io::to_toml(config);
    std::optional<McPlan> mc;
    std::optional<io::Configuration> mc_config;
    if (!q_.no_mc) {
      mc = plan_mc(config, prediction, q_.mc_exposure, q_.mc_min_signal);
      auto all = q_.overrides;
      all.insert(all.end(), mc->overrides.begin(), mc->overrides.end());
      mc_config = io::read_configuration(config_path, all);
      daq::check_time_roi_is_recorded(mc_config->simulation);
    }

    // The fingerprint of each stage: the program, what it computes from, and the one before.
    std::vector<std::pair<std::string, std::string>> hashes;
    const std::string v(version());
    hashes.emplace_back("prediction", fingerprint(fmt::format("prediction|{}|{}|likelihood {} {} {} {}", v, config_toml,
                                                              likelihood_.flux_sigma, likelihood_.beam_background_sigma,
                                                              likelihood_.beam_background_npe_tilt,
                                                              likelihood_.off_beam_live_time_ratio)));
    if (mc) {
      const std::string mc_toml = io::to_toml(*mc_config);
      hashes.emplace_back("simulate",
                          fingerprint(fmt::format("simulate|{}|{}|triggers {}|seed {}|zero-suppressed", v, mc_toml, mc->triggers, q_.seed)));
      hashes.emplace_back("reconstruct", fingerprint("reconstruct|" + hashes.back().second));
      hashes.emplace_back("select", fingerprint("select|" + hashes.back().second));
      hashes.emplace_back("fit", fingerprint("fit|run-v3 beam-related samples, time bins 4 tau/npe_min|" + hashes.back().second));
    }
    // --resume never replaces a stage of another configuration without --force.
    if (q_.resume && !q_.force)
      for (const auto& [name, hash] : hashes)
        if (const json* old = manifest.previous(name); old && old->value("hash", "") != hash)
          throw IoError(fmt::format("{} holds the stage '{}' of another configuration or options (fingerprint {}, now {}): "
                                    "--resume --force replaces it, or choose another --output",
                                    dir.string(), name, old->value("hash", ""), hash));

    auto& doc = manifest.document();
    doc["cevns_version"] = v;
    doc["command"] = q_.command_line;
    doc["experiment"] = config.simulation.experiment.name;
    doc["description"] = config.simulation.experiment.description;
    doc["config_file"] = config_path.string();
    doc["overrides"] = q_.overrides;
    doc["started_utc"] = utc_now();
    doc["setup"] = setup_json(config.simulation.experiment);
    doc["threads"] = q_.threads;
    doc["seed"] = q_.seed;
    doc["mc"] = mc ? json{{"exposure", q_.mc_exposure},
                         {"exposure_s", mc->exposure_s},
                         {"triggers", mc->triggers},
                         {"mode", "zero-suppressed"},
                         {"seed", q_.seed},
                         {"min_signal", q_.mc_min_signal},
                         {"expected_signal_unscaled", mc->expected_signal},
                         {"scale_factor", mc->factor},
                         {"scaling_overrides", mc->overrides},
                         {"note", mc->note}}
                   : json(nullptr);
    manifest.save();
    if (mc) log->info("Monte Carlo: {}", mc->note);

    bool rerun_downstream = false;
    std::string summary;
    for (const auto& [name, hash] : hashes) {
      check_stop();
      const auto t0 = clock_type::now();
      json record = {{"name", name}, {"hash", hash}};
      std::vector<std::string> files;
      if (!rerun_downstream && q_.resume && manifest.reusable(name, hash)) {
        const json& old = *manifest.previous(name);
        record = old;
        record["reused"] = true;
        log->info("stage {}: done before with the same configuration (fingerprint {}), kept", name, hash);
      } else {
        rerun_downstream = true;
        log->info("stage {}: running", name);
        StageOutput out;
        if (name == "prediction") out = run_prediction(prediction, dir);
        if (name == "simulate") out = run_simulate(*mc_config, *mc, dir);
        if (name == "reconstruct") out = run_reconstruct(*mc_config, dir);
        if (name == "select") out = run_select(*mc_config, dir);
        if (name == "fit") out = run_fit(*mc_config, dir);
        record["files"] = relative(out.files, dir);
        record["status"] = "done";
        record["reused"] = false;
        record["seconds"] = seconds_since(t0);
        record["finished_utc"] = utc_now();
        for (const auto& [key, value] : out.extra.items()) record[key] = value;
      }
      manifest.record(record);
      if (record.contains("summary_file")) summary += read_text(dir / record["summary_file"].get<std::string>()) + "\n";
      if (q_.stop_after == name) {
        log->info("stopped after stage {} (--stop-after): cevns run --resume continues", name);
        break;
      }
    }
    doc["seconds"] = seconds_since(started);
    doc["finished_utc"] = utc_now();
    manifest.save();
    io::write_file_atomically(dir / "summary.txt", summary);
    RunOutcome outcome;
    outcome.summary = summary;
    outcome.report = report::write_html_report(dir);
    outcome.manifest = doc;
    log->info("wrote {} ({})", outcome.report.string(), io::format_bytes(double(fs::file_size(outcome.report))));
    return outcome;
  }

 private:

 private:
  void check_stop() const {
    if (q_.stop && q_.stop->load()) throw Cancelled("cevns run: stopped (the stages done are kept for resume)");
  }
  void report_progress(const std::string& stage, double fraction, const std::string& what) const {
    if (q_.progress) q_.progress(stage, fraction, what);
  }

  StageOutput run_prediction(const Prediction& prediction, const fs::path& dir) const {
    StageOutput out;
    const auto counting = sensitivity_of(prediction);
    const auto likelihood = fit::likelihood_sensitivity(prediction, likelihood_, &counting);
    const auto add = [&](std::vector<fs::path> files) {
      for (auto& f : files) out.files.push_back(std::move(f));
    };
    add(io::write_prediction(prediction, dir));
    add(io::write_sensitivity(counting, dir));
    if (!likelihood.undefined) add(write_likelihood_sensitivity(prediction, counting, likelihood, dir));
    add(report::write_figures(prediction, counting, dir));
    add(report::write_background_figures(prediction, dir));
    std::string text = report::format_prediction_table(prediction) + "\n" + report::format_sensitivity_table(counting) +
                       report::format_likelihood_sensitivity_table(counting, likelihood);
    io::write_file_atomically(dir / "prediction.txt", text);
    out.files.push_back(dir / "prediction.txt");
    out.extra["summary_file"] = "prediction.txt";
    return out;
  }

  StageOutput run_simulate(const io::Configuration& config, const McPlan& plan, const fs::path& dir) const {
    const fs::path file = dir / "raw" / "run.h5";
    const auto mode = daq::WaveformMode::zero_suppressed;
    const daq::Simulation simulation(config.simulation, mode);
    io::check_free_space(file, io::estimated_raw_file_bytes(simulation, config.simulation, mode, plan.triggers));
    auto info = simulation.run_info(q_.seed);
    info.config_toml = io::to_toml(config);
    io::RawFileWriter writer(file, info);
    std::uint64_t beam_on = 0;
    double pot = 0.0;
    daq::run_simulation(
        simulation, plan.triggers, q_.seed, q_.threads,
        [&](daq::TriggerBlock&& block) {
          beam_on += block.beam_on_triggers;
          pot += block.protons_on_target;
          writer.write(block);
        },
        [&](const daq::Progress& p) {
          check_stop();
          report_progress("simulate", p.triggers_total ? double(p.triggers_done) / double(p.triggers_total) : 1.0,
                          fmt::format("{} of {} triggers", p.triggers_done, p.triggers_total));
        });
    writer.close();
    StageOutput out;
    out.files = {file};
    out.extra = {{"triggers", plan.triggers}, {"beam_on_triggers", beam_on}, {"protons_on_target", pot}};
    logger("simulate")->info("{} triggers ({} beam-on), {:.4g} protons on target; wrote {} ({})", plan.triggers, beam_on,
                             pot, file.string(), io::format_bytes(double(fs::file_size(file))));
    return out;
  }

  StageOutput run_reconstruct(const io::Configuration& config, const fs::path& dir) const {
    const fs::path raw_file = dir / "raw" / "run.h5", file = dir / "reduced" / "reduced.h5";
    const io::RawFileReader reader(raw_file);
    if (!reader.complete()) throw IoError(fmt::format("{} is incomplete: run the simulate stage again", raw_file.string()));
    const auto& run = reader.info();
    reco::check_config_matches_run(run, config.simulation, "the study's configuration", raw_file.string());
    reco::Reconstruction reco(run, config.reco, config.simulation.daq);
    std::optional<io::ReducedFileWriter> writer;
    const std::uint64_t blocks = reader.block_count();
    const auto summary = io::reconstruct_run(
        reader, reco, q_.threads,
        [&] {
          // "raw/run.h5": relative to the study, so that the files do not depend on where it lies.
          reco::ReducedRunInfo info{run, "raw/run.h5", io::to_toml(config), reco.spe_charge(), 0, reco.off_beam_window_start_us()};
          for (const auto& c : run.channels) info.crystals = std::max<std::uint16_t>(info.crystals, c.crystal + 1);
          writer.emplace(file, info);
        },
        [&](reco::ReducedBlock&& block) { writer->write(block); },
        [&](const io::ReconstructRunSummary& done) {
          check_stop();
          if (reco.calibrated())
            report_progress("reconstruct", double(done.blocks) / double(blocks), fmt::format("block {} of {}", done.blocks, blocks));
        });
    if (!writer) throw IoError(fmt::format("{}: no block to reconstruct", raw_file.string()));
    writer->close();
    StageOutput out;
    out.files = {file};
    out.extra = {{"triggers", summary.triggers},
                 {"crystal_rows", summary.rows},
                 {"samples", summary.samples},
                 {"calibration_blocks", summary.calibration_blocks},
                 {"nominal_spe_charge", summary.nominal_spe_charge}};
    logger("reconstruct")->info("{} triggers, {} crystal rows, {} samples; wrote {}", summary.triggers, summary.rows,
                                summary.samples, file.string());
    return out;
  }

  StageOutput run_select(const io::Configuration& config, const fs::path& dir) const {
    const fs::path reduced = dir / "reduced" / "reduced.h5", out_dir = dir / "selection";
    const io::ReducedFileReader reader(reduced);
    if (!reader.complete()) throw IoError(fmt::format("{} is incomplete: run the reconstruct stage again", reduced.string()));
    const auto& experiment = config.simulation.experiment;
    selection::EventSelection selection(experiment.selection, experiment.spectra.npe_max, experiment.spectra.time_min_us,
                                        experiment.spectra.time_max_us, experiment.spectra.time_bin_us);
    for (std::uint64_t i = 0; i < reader.block_count(); ++i) {
      check_stop();
      selection.add(reader.read_block(i));
    }
    const auto prediction = predict(experiment);
    StageOutput out;
    out.files = io::write_selection(selection, reader.info(), prediction, out_dir);
    for (auto& f : report::write_dark_count_figure(selection, experiment.name, out_dir)) out.files.push_back(std::move(f));
    for (auto& f : report::write_npe_response_figure(selection, experiment.name, out_dir)) out.files.push_back(std::move(f));
    io::write_file_atomically(out_dir / "selection.txt", report::format_selection_table(selection, reader.info(), prediction));
    out.files.push_back(out_dir / "selection.txt");
    out.extra["summary_file"] = "selection/selection.txt";
    return out;
  }

  /// The fit of selection/observed.csv with templates predicted for the Monte Carlo's
  /// configuration at its protons on target (as cevns fit --data does), and the closure:
  /// the fitted CEvNS count against the selected CEvNS of the truth.
  StageOutput run_fit(const io::Configuration& config, const fs::path& dir) const {
    const fs::path csv = dir / "selection" / "observed.csv", out_dir = dir / "fit";
    const json selected = read_json(dir / "selection" / "selection.json");
    const double pot = selected.at("exposure").at("protons_on_target").get<double>();
    if (!(pot > 0.0) || !std::isfinite(pot))
      throw ConfigError(fmt::format("{}: the Monte Carlo has no protons on target: no fit", csv.string()));
    const auto& experiment = config.simulation.experiment;
    const Prediction prediction = fit::scaled_to_protons(predict(experiment), pot);
    auto data = fit::read_observed_csv(csv);
    data.source = "selection/observed.csv";  // relative to the study, as every path its files hold
    fit::FitConfig fit_config = fit::default_fit_config(data);
    data = fit::crop_to_roi(data, prediction);
    // The steady state (dark counts, radioactivity, …) is measured by the off-beam window
    // (a free rate per NPE bin), the beam-related backgrounds enter as samples with their
    // log-normal normalisation; without an off-beam window every configured background is a
    // sample.
    std::vector<std::string> beam;
    for (const auto& b : prediction.backgrounds)
      if (fit::is_beam_related(b)) beam.push_back(b.name);
    std::string steady_note;
    if (data.has_region("off-beam")) {
      fit_config.backgrounds = beam;
      steady_note = fmt::format("steady state measured by the off-beam window ({:.0f} counts in the ROI)",
                                data.region("off-beam").total());
    } else {
      fit_config.steady_state = "none";
      fit_config.backgrounds.reset();  // all configured backgrounds as samples
      steady_note = "no off-beam window: steady state from the configured models";
    }
    // The reconstructed arrival time is the first photoelectron's, later than the
    // interaction by the scintillation delay (on average τ/n for n photoelectrons). The
    // prediction holds that delay (detector.arrival_time = "first-photoelectron", the
    // default), so the fit uses the spectra's time bins. At the interaction time it does
    // not, and the fit's time bins are then at least 4 τ̄ / roi_npe_min wide (whole numbers
    // of the spectra's bins), so that the delay stays within a bin.
    std::string time_note;
    if (experiment.detector.arrival_delay.enabled()) {
      time_note = fmt::format("time bins of {:.3g} µs (predicted with the first-photoelectron delay)",
                              experiment.spectra.time_bin_us);
    } else {
      const auto& scint = config.simulation.daq.scintillation;
      double tau_ns = 0.0;
      for (std::size_t i = 0; i < scint.decay_times_ns.size(); ++i) tau_ns += scint.weights[i] * scint.decay_times_ns[i];
      const double wanted_us = 4.0 * tau_ns / 1000.0 / std::max(1, experiment.selection.roi_npe_min);
      const auto group = static_cast<std::size_t>(std::max(1.0, std::round(wanted_us / experiment.spectra.time_bin_us)));
      data = coarser_in_time(data, group);
      time_note = fmt::format("time bins of {:.3g} µs (≥ 4 × scintillation {:.4g} ns / {} PE)",
                              group * experiment.spectra.time_bin_us, tau_ns, experiment.selection.roi_npe_min);
    }
    fit_config.source = fmt::format("cevns run: the Monte Carlo's configuration; {}; {}", steady_note, time_note);
    auto built = fit::build_model(prediction, data, fit_config);
    const double per_unit = built.events_per_unit.at(built.poi);
    fit::AnalysisOptions options;
    options.threads = q_.threads;
    options.seed = q_.seed;
    io::create_output_directory(out_dir);
    StageOutput out;
    std::optional<fit::Analysis> result;
    try {
      result.emplace(fit::analyse(std::move(built), data, options));
    } catch (const NumericalError& e) {
      // A fit that does not converge is a result of the study, not a failure of the run.
      const json closure = {{"converged", false}, {"closes", false}, {"error", e.what()}, {"fit_config", fit_config.source}};
      io::write_file_atomically(out_dir / "closure.json", closure.dump(2) + "\n");
      io::write_file_atomically(out_dir / "fit.txt", fmt::format("fit of the Monte Carlo: {}\n", e.what()));
      logger("fit")->warn("the fit of the Monte Carlo failed: {}", e.what());
      out.files = {out_dir / "closure.json", out_dir / "fit.txt"};
      out.extra["summary_file"] = "fit/fit.txt";
      out.extra["closure"] = closure;
      return out;
    }
    const auto& analysis = *result;
    auto fit_json = fit::to_json(analysis);
    fit_json["experiment"] = experiment.name;
    fit_json["fit_config"] = fit_config.source;
    io::write_file_atomically(out_dir / "fit.json", fit_json.dump(2) + "\n");
    out.files.push_back(out_dir / "fit.json");
    for (auto& f : report::write_fit_figures(analysis, experiment.name, out_dir)) out.files.push_back(std::move(f));

    // The closure: selected CEvNS crystals in the region of interest (the truth).
    double injected = 0.0;
    for (const auto& stage : selected.at("cut_flow"))
      if (stage.at("stage") == "region of interest")
        for (const auto& [source, count] : stage.at("by_source").items())
          if (source.rfind("CEvNS", 0) == 0) injected += count.get<double>();
    const double fitted = analysis.fit.minimum.values[analysis.poi] * per_unit;
    const double sigma = analysis.fit.errors[analysis.poi] * per_unit;
    const double predicted = prediction.roi_signal();
    require_finite("fitted CEvNS", fitted);
    require_finite("fitted CEvNS uncertainty", sigma);
    const double pull = sigma > 0.0 ? (fitted - injected) / sigma : 0.0;
    const json closure = {
        {"description", "the fitted CEvNS count of the Monte Carlo against its truth (selected CEvNS in the region of "
                        "interest) and the prediction for the same protons on target"},
        {"protons_on_target", pot},
        {"injected_cevns", injected},
        {"predicted_cevns", predicted},
        {"fitted_cevns", fitted},
        {"fitted_cevns_error", sigma},
        {"interval_1sigma", fit_json["poi"]["interval_1sigma"]},
        {"pull", pull},
        {"pull_definition", "(fitted - injected) / fitted error"},
        {"injected_vs_predicted_sigma", predicted > 0.0 ? (injected - predicted) / std::sqrt(predicted) : 0.0},
        {"converged", analysis.fit.minimum.converged},
        {"closes", analysis.fit.minimum.converged && std::abs(pull) < 2.0},
        {"criterion", "|pull| < 2 and the fit converged"},
        {"significance_z", analysis.significance},
    };
    io::write_file_atomically(out_dir / "closure.json", closure.dump(2) + "\n");
    out.files.push_back(out_dir / "closure.json");
    std::string text = fit::format_fit_table(analysis);
    text += fmt::format("\nclosure: fitted {:.1f} ± {:.1f} CEvNS, injected {:.0f} (predicted {:.1f} for {:.4g} POT): pull "
                        "{:+.2f} — {}\n",
                        fitted, sigma, injected, predicted, pot, pull,
                        closure["closes"].get<bool>() ? "closes (|pull| < 2)" : "does NOT close (|pull| ≥ 2 or no convergence)");
    io::write_file_atomically(out_dir / "fit.txt", text);
    out.files.push_back(out_dir / "fit.txt");
    out.extra["summary_file"] = "fit/fit.txt";
    out.extra["closure"] = closure;
    return out;
  }

  const RunRequest& q_;
  fit::LikelihoodSensitivityOptions likelihood_{};
};

}  // namespace

RunOutcome run_study(const RunRequest& request) { return Study(request).run(); }

}  // namespace cevns::study
