// The inputs of a fit or scan (fit_inputs.hpp): data, fit configuration, templates at the
// data's exposure.

#include "cevns/fit/fit_inputs.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"

namespace cevns::fit {

namespace fs = std::filesystem;

ObservedData prediction_layout(const Prediction& p) {
  const auto& sel = p.config.selection;
  const auto& s = p.config.spectra;
  const double t_low = sel.roi_time_min_us.value_or(s.time_min_us);
  const double t_high = sel.roi_time_max_us.value_or(s.time_max_us);
  std::vector<double> time_edges;
  const auto& e = p.signal.begin()->second.y.edges();
  for (double t : e)
    if (t >= t_low - 1e-9 && t <= t_high + 1e-9) time_edges.push_back(t);
  if (time_edges.size() < 2) throw ConfigError("the time region of interest holds no time bin of the spectra");
  const int n_high = std::min(sel.roi_npe_max + 1, s.npe_max);
  ObservedData d;
  d.source = "the prediction's region of interest (no --data)";
  d.regions.emplace_back("on-beam", p.beam_on_time_s, Binning::uniform(sel.roi_npe_min, n_high, n_high - sel.roi_npe_min),
                         Binning(time_edges));
  return d;
}

std::optional<double> selected_protons_on_target(const fs::path& observed_csv) {
  const fs::path json_file = observed_csv.parent_path() / "selection.json";
  if (!fs::exists(json_file)) return std::nullopt;
  std::ifstream in(json_file);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw IoError(fmt::format("{}: not JSON ({})", json_file.string(), e.what()));
  }
  const auto* pot = j.contains("exposure") && j["exposure"].contains("protons_on_target") ? &j["exposure"]["protons_on_target"]
                                                                                        : nullptr;
  if (!pot || !pot->is_number() || !(pot->get<double>() > 0.0) || !std::isfinite(pot->get<double>()))
    throw ConfigError(fmt::format("{}: exposure.protons_on_target must be a positive number", json_file.string()));
  return pot->get<double>();
}

FitInputs load_fit_inputs(const fs::path& data_path, const fs::path& fit_config, bool asimov,
                          const PredictWith& predict_with, std::string_view command) {
  FitInputs in;
  auto& data = in.data;
  auto& config = in.config;
  in.have_data = !data_path.empty();
  if (!fit_config.empty()) config = read_fit_config(fit_config);
  if (in.have_data) {
    const fs::path path = data_path;
    if (fs::is_directory(path))
      data = read_coherent_2017(path, config.beam_off);
    else
      data = read_observed_data(path);
    if (fit_config.empty()) config = default_fit_config(data);
    if (is_coherent_2017_release(path) && config.release_dir.empty()) config.release_dir = path;
  } else if (!asimov) {
    throw ConfigError(fmt::format("cevns {} needs --data FILE (an observed.csv or the COHERENT 2017 release), or --asimov", command));
  }
  const bool coherent = in.have_data && is_coherent_2017_release(data_path);
  // A cevns select run: the templates for its protons on target, so that the signal
  // strength and the constrained backgrounds refer to the data's exposure.
  const auto pot = in.have_data && !coherent ? selected_protons_on_target(data_path) : std::nullopt;
  const auto at_exposure = [pot](Prediction p) { return pot ? scaled_to_protons(std::move(p), *pot) : p; };
  auto unscaled = predict_with({});
  if (pot) in.exposure_factor = *pot / unscaled.protons_on_target;
  in.prediction = at_exposure(std::move(unscaled));
  if (pot) logger(std::string(command))->info("templates scaled to the {:.6g} protons on target of the selection (selection.json)", *pot);
  if (!in.have_data) {
    data = prediction_layout(in.prediction);
    if (fit_config.empty()) config = default_fit_config(data);
  }
  in.repredict = [predict_with, at_exposure](const std::vector<std::string>& more) {
    return at_exposure(predict_with(more));
  };
  if (in.have_data && !coherent && config.roi) data = crop_to_roi(data, in.prediction);
  return in;
}

Prediction scaled_to_protons(Prediction p, double protons_on_target) {
  const double f = protons_on_target / p.protons_on_target;
  for (auto& [flavor, s] : p.signal)
    for (auto& c : s.counts) c *= f;
  for (auto& b : p.backgrounds) {
    for (auto& c : b.npe_time.counts) c *= f;
    b.roi *= f;
  }
  for (auto& [flavor, n] : p.roi_signal_by_flavor) n *= f;
  p.beam_on_time_s *= f;
  p.protons_on_target = protons_on_target;
  return p;
}

}  // namespace cevns::fit
