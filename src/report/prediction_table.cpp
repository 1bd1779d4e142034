#include "cevns/report/prediction_table.hpp"

#include <fmt/format.h>

namespace cevns::report {

std::string format_prediction_table(const Prediction& p) {
  const auto& cfg = p.config;
  std::string out;
  auto line = [&out](const std::string& text) { out += text + '\n'; };

  line(fmt::format("CEvNS prediction — {}", cfg.name));
  if (!cfg.description.empty()) line(fmt::format("  {}", cfg.description));
  line("");
  line(fmt::format("  target        {:g} kg {} ({} crystal{}), {:g} m from the {} target", cfg.detector.mass_kg,
                   cfg.detector.material, cfg.detector.crystals, cfg.detector.crystals == 1 ? "" : "s",
                   cfg.source.distance_m, cfg.source.facility));
  line(fmt::format("  beam on       {:.4g} days ({:.4g} h), {:.4g} protons on target", p.beam_on_time_s / 86400.0,
                   p.beam_on_time_s / 3600.0, p.protons_on_target));
  line(fmt::format("  flux          {:.4g} ν/cm²/s per flavour ({:.4g} /cm² per flavour over the exposure)",
                   p.flux_per_cm2_s, p.fluence_per_cm2));
  line(fmt::format("  physics       form factor {}, weak charge {}, sin²θ_W = {:g}", to_string(cfg.physics.form_factor),
                   to_string(cfg.physics.weak_charge), cfg.physics.sin2_theta_w));
  line("");

  const auto by_isotope = p.events_by_isotope();
  std::string header = fmt::format("  {:<10}", "events");
  for (const auto& [isotope, events] : by_isotope) header += fmt::format("{:>12}", isotope);
  header += fmt::format("{:>12}{:>16}", "total", "T_max (keVnr)");
  line(header);
  for (Flavor flavor : all_flavors) {
    // Every flavour label is 3 columns wide on screen but more bytes, so pad by hand.
    std::string row = "  " + std::string(flavor_label(flavor)) + std::string(7, ' ');
    double sum = 0.0;
    double t_max = 0.0;
    for (const auto& [isotope, events] : by_isotope)
      for (const auto& c : p.channels)
        if (c.flavor == flavor && c.isotope == isotope) {
          row += fmt::format("{:>12.2f}", c.events);
          sum += c.events;
          t_max = std::max(t_max, c.max_recoil_keVnr);
        }
    row += fmt::format("{:>12.2f}{:>16.1f}", sum, t_max);
    line(row);
  }
  std::string total_row = fmt::format("  {:<10}", "total");
  for (const auto& [isotope, events] : by_isotope) total_row += fmt::format("{:>12.2f}", events);
  total_row += fmt::format("{:>12.2f}", p.total_events());
  line(total_row);

  const auto above = p.events_above_thresholds();
  if (!above.empty()) {
    line("");
    for (std::size_t k = 0; k < above.size(); ++k)
      line(fmt::format("  above {:>5g} keVnr   {:>10.2f} events ({:.1f} %)", cfg.spectra.thresholds_keVnr[k], above[k],
                       100.0 * above[k] / p.total_events()));
  }
  return out;
}

}  // namespace cevns::report
