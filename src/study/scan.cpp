// The core of `cevns scan` (docs/statistics.md, "cevns scan"), shared by the program
// (apps/cevns/scan_command.cpp) and Python's cevns.scan (python/src/scan.cpp).

#include "cevns/study/scan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/experiment/signal_response.hpp"
#include "cevns/fit/analysis.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/report/fit_plots.hpp"
#include "cevns/source/flavor.hpp"

namespace cevns::study {

namespace fs = std::filesystem;

namespace {

/// The value of numeric configuration key `key` in `config` (its TOML form).
double numeric_key(const ExperimentConfig& config, const std::string& key, double low) {
  const auto table = toml::parse(io::to_toml(config));
  const auto node = table.at_path(key);
  if (const auto v = node.value<double>()) return *v;
  if (!node) {  // unset: a key only if the reader takes it (it names the key and what is allowed when not)
    (void)io::parse_experiment_config(io::to_toml(config), "the configuration", {fmt::format("{}={:.17g}", key, low)});
  }
  if (node) throw ConfigError(fmt::format("--param {}: not a number in this configuration (a scan needs a numeric key)", key));
  // A key the configuration leaves unset (e.g. physics.neutron_radius_fm.all): no reference value.
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

struct ScanStudy::State {
  std::vector<fit::ScanAxis> axes;
  fit::FitInputs in;
  std::optional<fit::BuiltModel> built;
  std::vector<double> reference;
  bool fast = true, asimov = false;
  std::string config_name, toml_text;
  Prediction light;  ///< what cevns_templates reads: the signal and the configuration
  std::optional<SignalResponse> response;
  fit::Dataset dataset;

  [[nodiscard]] std::vector<std::string> overrides_at(const std::vector<double>& values) const {
    std::vector<std::string> o;
    for (std::size_t a = 0; a < axes.size(); ++a) o.push_back(fmt::format("{}={:.17g}", axes[a].name, values[a]));
    return o;
  }

  /// The templates at a point: the configuration with the axes' values set, its CEvNS
  /// signal from the cached detector response (physics.* keys change only the cross
  /// section), or a whole prediction for any other key. Called from several threads.
  [[nodiscard]] std::map<std::string, std::vector<double>> templates(const std::vector<double>& values) const {
    const auto point_config = io::parse_experiment_config(toml_text, config_name, overrides_at(values));
    if (!fast) return fit::cevns_templates(in.repredict(overrides_at(values)), in.data, in.config);
    Prediction p = light;
    p.config = point_config;
    auto signal = response->signal(point_config.physics);
    for (auto& [flavor, s] : signal) {
      for (auto& c : s.counts) c *= in.exposure_factor;
      for (std::size_t i = 0; i < s.counts.size(); ++i)
        require_finite(fmt::format("scan: CEvNS signal of {} at {}", flavor_name(flavor), fmt::join(values, ", ")),
                       s.counts[i]);
    }
    p.signal = std::move(signal);
    return fit::cevns_templates(p, in.data, in.config);
  }
};

ScanStudy::ScanStudy(const ScanRequest& request, const fit::PredictWith& predict_with) : state_(std::make_unique<State>()) {
  auto& s = *state_;
  for (const auto& p : request.params) s.axes.push_back(fit::parse_scan_axis(p));
  if (s.axes.empty()) throw ConfigError("cevns scan: no --param (name=low:high:points, e.g. physics.sin2_theta_w=0.1:0.4:31)");
  if (s.axes.size() > 2) throw ConfigError("cevns scan: --param at most twice (1-D and 2-D scans)");
  s.asimov = request.asimov;
  s.config_name = request.config_name;
  s.in = fit::load_fit_inputs(request.data, request.fit_config, request.asimov, predict_with, "scan");
  s.built.emplace(fit::build_model(s.in.prediction, s.in.data, s.in.config, s.in.repredict));
  auto& model = s.built->model;
  fit::apply_free_and_fix(model, request.free, request.fix);
  for (const auto& p : model.parameters())
    if ((p.name == "cevns" || p.name == "cevns_prompt" || p.name == "cevns_delayed") && !p.fixed &&
        p.constraint == fit::Constraint::none)
      logger("scan")->warn("the CEvNS normalisation '{}' is free: only the spectral shape constrains the scanned "
                           "parameters (set fit.cevns_sigma to the rate uncertainty, or --fix {}=1)",
                           p.name, p.name);

  for (const auto& a : s.axes) s.reference.push_back(numeric_key(s.in.prediction.config, a.name, a.low));
  s.fast = !request.full_predict && std::all_of(s.axes.begin(), s.axes.end(), [](const fit::ScanAxis& a) {
    return a.name.rfind("physics.", 0) == 0;
  });
  s.toml_text = io::to_toml(s.in.prediction.config);
  s.light = s.in.prediction;
  s.light.backgrounds.clear();
  s.light.channels.clear();
  if (s.fast) s.response.emplace(s.in.prediction.config);
  if (s.fast && std::all_of(s.reference.begin(), s.reference.end(), [](double v) { return std::isfinite(v); })) {
    // the cached response must give the prediction's own templates at the reference
    const auto at_reference = s.templates(s.reference);
    for (const auto& sample : model.samples()) {
      const auto it = at_reference.find(sample.name);
      if (it == at_reference.end()) continue;
      for (std::size_t b = 0; b < sample.nominal.size(); ++b)
        if (std::abs(it->second[b] - sample.nominal[b]) > 1e-9 * std::max(1.0, sample.nominal[b]))
          throw NumericalError(fmt::format("scan: the cached detector response gives {} events in bin {} of '{}', the "
                                           "prediction {} (a bug: run with --full-predict)",
                                           it->second[b], b, sample.name, sample.nominal[b]));
    }
  }
  if (s.fast) {
    logger("scan")->info("cached detector response: {} recoil-energy nodes per point", s.response->node_count());
  } else {
    logger("scan")->info("every scan point predicted in full ({})", request.full_predict ? "--full-predict"
                                                                                          : "a --param outside physics.*");
  }
  s.dataset = s.asimov ? model.asimov(model.nominal()) : fit::Dataset{s.in.data.flat_counts(), model.nominal_aux()};
}

ScanStudy::~ScanStudy() = default;

fit::ScanResult ScanStudy::run(const fit::ScanOptions& options) const {
  const auto& s = *state_;
  const fit::PointTemplates templates = [&s](const std::vector<double>& values) { return s.templates(values); };
  return fit::profile_scan(s.built->model, s.dataset, s.axes, templates, s.reference, options);
}

nlohmann::json ScanStudy::to_json(const fit::ScanResult& result) const {
  const auto& s = *state_;
  auto json = fit::to_json(result);
  json["experiment"] = s.in.prediction.config.name;
  json["fit_config"] = s.in.config.source;
  json["data"] = s.asimov ? "Asimov data of the nominal model" : s.in.data.source;
  json["templates"] = s.fast ? "cached detector response" : "full prediction per point";
  return json;
}

std::vector<fs::path> ScanStudy::write(const fit::ScanResult& result, const fs::path& dir) const {
  fs::create_directories(dir);
  io::write_file_atomically(dir / "scan.json", to_json(result).dump(2) + "\n");
  io::write_file_atomically(dir / "scan.csv", fit::to_csv(result));
  std::vector<fs::path> files{dir / "scan.json", dir / "scan.csv"};
  logger("scan")->info("wrote {} and scan.csv", files.front().string());
  for (auto& f : report::write_scan_figures(result, experiment(), dir)) {
    logger("scan")->info("wrote {}", f.string());
    files.push_back(std::move(f));
  }
  return files;
}

bool ScanStudy::have_data() const { return state_->in.have_data; }
bool ScanStudy::cached_response() const { return state_->fast; }
const std::string& ScanStudy::experiment() const { return state_->in.prediction.config.name; }

}  // namespace cevns::study
