#include "cevns/report/materials_table.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <map>

#include "cevns/background/background.hpp"
#include "cevns/core/error.hpp"
#include "cevns/report/materials_plots.hpp"

namespace cevns::report {

std::string materials_report(const Prediction& prediction, const std::filesystem::path& directory,
                             std::vector<std::filesystem::path>& written, std::vector<MaterialsRow>* rows) {
  const auto& config = prediction.config;
  std::string out;
  bool any = false;
  for (const auto& b : config.backgrounds) {
    if (b.model != BackgroundKind::materials) continue;
    any = true;
    const auto found = std::find_if(prediction.backgrounds.begin(), prediction.backgrounds.end(),
                                    [&](const BackgroundPrediction& p) { return p.name == b.name; });
    if (found == prediction.backgrounds.end()) continue;
    const Binning& npe = found->npe_time.x;
    const Binning& time = found->npe_time.y;
    // The context of a steady background (experiment/prediction.cpp builds the same numbers).
    BackgroundContext context;
    context.exposure_kg_days = config.exposure_kg_days();
    context.roi_npe_min = config.selection.roi_npe_min;
    context.roi_npe_max = config.selection.roi_npe_max;
    context.triggers = prediction.beam_on_time_s * config.source.beam.repetition_rate_Hz;
    context.detector = &config.detector;
    context.selection = &config.selection;
    context.dark_counts = &config.dark_counts;
    context.window_us = time.high(time.size() - 1) - time.low(0);
    const MaterialsBackground model(b);
    const auto parts = model.contributions(npe, time, context);
    // The time ROI of a steady background: its share of the window.
    const double t_low = config.selection.roi_time_min_us.value_or(config.spectra.time_min_us);
    const double t_high = config.selection.roi_time_max_us.value_or(config.spectra.time_max_us);
    const double time_share = std::clamp((std::min(t_high, time.high(time.size() - 1)) - std::max(t_low, time.low(0))) /
                                             context.window_us, 0.0, 1.0);
    out += fmt::format("{} (model = \"materials\", {}; cache {})\n", b.name, b.geometry_file, model.cache_file().string());
    out += fmt::format("  {:<10} {:<11} {:>12} {:>11} {:>14}\n", "volume", "isotope", "activity_Bq", "decays",
                       fmt::format("ROI {}-{} NPE", config.selection.roi_npe_min, config.selection.roi_npe_max));
    std::map<std::string, double> by_volume, bound_by_volume;
    std::map<std::string, MaterialSpectrum> spectra;
    std::vector<std::string> order;
    double total = 0.0;
    for (const auto& c : parts) {
      const double roi = c.roi_count * time_share;
      if (!std::isfinite(roi)) throw std::runtime_error("materials: a non-finite ROI count for " + c.volume + " " + c.isotope);
      total += roi;
      by_volume[c.volume] += roi;
      bound_by_volume[c.volume] += c.roi_count > 0.0 ? roi : c.roi_upper_90 * time_share;
      const std::string count = c.roi_count > 0.0 ? fmt::format("{:.4g}", roi)
                                                   : fmt::format("< {:.2g}", c.roi_upper_90 * time_share);
      out += fmt::format("  {:<10} {:<11} {:>12.4g} {:>11.3g} {:>14}\n", c.volume, c.isotope, c.activity_Bq,
                         c.decays_simulated, count);
      if (rows != nullptr)
        rows->push_back({b.name, c.volume, c.isotope, c.activity_Bq, c.decays_simulated, roi, c.roi_upper_90 * time_share});
      if (!spectra.contains(c.volume)) {
        order.push_back(c.volume);
        auto& s = spectra[c.volume];
        s.label = c.volume;
        for (std::size_t i = 0; i < c.energy_keV.size(); ++i) {
          const double half = c.energy_keV[i] < 20.0 ? 0.005 : 0.5;
          s.energy_keV.push_back(c.energy_keV[i] - half);
        }
        s.energy_keV.push_back(c.energy_keV.back() + 0.5);
        s.counts.assign(c.counts.size(), 0.0);
      }
      auto& s = spectra[c.volume];
      for (std::size_t i = 0; i < c.counts.size(); ++i) s.counts[i] += c.counts[i];
    }
    out += "  per volume:\n";
    for (const auto& v : order) {
      spectra[v].roi_count = by_volume[v];
      out += fmt::format("    {:<10} {:>10.4g}   (with the bounds of sources without ROI decays: < {:.3g})\n", v,
                         by_volume[v], bound_by_volume[v]);
    }
    out += fmt::format("  total {:.4g} in the ROI (the prediction's {:.4g})\n", total, found->roi);
    if (!directory.empty()) {
      std::vector<MaterialSpectrum> list;
      for (const auto& v : order) list.push_back(spectra[v]);
      for (auto& f : write_materials_figure(
               list, fmt::format("{}: energy deposited by the materials' radioactivity", config.name), directory))
        written.push_back(std::move(f));
      const auto csv = directory / "materials.csv";
      std::ofstream file(csv);
      file << "# volume, isotope, activity_Bq, decays_simulated, roi_count, roi_upper_90\n";
      for (const auto& c : parts)
        file << fmt::format("{},{},{:.6g},{:.6g},{:.6g},{:.6g}\n", c.volume, c.isotope, c.activity_Bq, c.decays_simulated,
                            c.roi_count * time_share, c.roi_upper_90 * time_share);
      if (!file) throw IoError("cannot write " + csv.string());
      written.push_back(csv);
    }
  }
  if (!any)
    throw ConfigError("cevns materials: the configuration has no [[backgrounds]] entry with model = \"materials\" "
                      "(e.g. configs/clovers-materials.toml)");
  return out;
}

}  // namespace cevns::report
