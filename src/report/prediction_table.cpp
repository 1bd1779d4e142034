#include "cevns/report/prediction_table.hpp"

#include "cevns/fit/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include <fmt/format.h>

namespace cevns::report {

namespace {

/// `digits` significant digits, without an exponent below a million ("5000", not "5e+03").
std::string significant(double value, int digits) {
  std::string text = fmt::format("{:.{}g}", value, digits);
  if (text.find('e') != std::string::npos && std::abs(value) < 1e6) text = fmt::format("{:.0f}", value);
  return text;
}

}  // namespace

std::string format_exposure(const ExposureConfig& e, int digits) {
  if (e.calendar_days) {
    std::string text = significant(*e.calendar_days, digits) + " days";
    if (e.beam_on_fraction < 1.0) text += fmt::format(" at {:.3g} % beam", 100.0 * e.beam_on_fraction);
    return text;
  }
  if (e.beam_hours) return significant(*e.beam_hours, digits) + " beam hours";
  if (e.beam_energy_GWh) return significant(*e.beam_energy_GWh, digits) + " GW h";
  if (e.protons_on_target) return fmt::format("{:.{}g} POT", *e.protons_on_target, digits);
  return "no exposure";
}

std::vector<std::string> contradicted_exposures(const std::string& description, const Prediction& p) {
  const auto& e = p.config.exposure;
  const double beam_h = p.beam_on_time_s / 3600.0;
  // A number and a time or beam-energy unit, not followed by more letters ("7 dB" is not days).
  static const std::regex pattern(R"((\d+(?:\.\d+)?)\s*(days?|d|hours?|h|GW\s*h|GWh)(?![A-Za-z]))");
  std::vector<std::string> stale;
  for (auto it = std::sregex_iterator(description.begin(), description.end(), pattern); it != std::sregex_iterator();
       ++it) {
    const std::string number = (*it)[1];
    const char unit = (*it)[2].str().front();
    const double stated = std::stod(number);
    const double actual = unit == 'd'   ? e.calendar_days.value_or(beam_h / 24.0)
                          : unit == 'h' ? e.beam_hours.value_or(beam_h)
                                        : e.beam_energy_GWh.value_or(beam_h * p.config.source.beam.power_kW * 1e-6);
    // Agreement to 1 %, or to the digits the description gives ("7.48 GW h" for 7.47594).
    const auto point = number.find('.');
    const double last_digit = point == std::string::npos ? 1.0 : std::pow(10.0, -double(number.size() - point - 1));
    if (std::abs(stated - actual) > std::max(0.01 * actual, 0.5 * last_digit)) stale.push_back(it->str());
  }
  return stale;
}

std::string format_prediction_table(const Prediction& p) {
  const auto& cfg = p.config;
  std::string out;
  auto line = [&out](const std::string& text) { out += text + '\n'; };

  line(fmt::format("CEvNS prediction — {}", cfg.name));
  if (const auto stale = contradicted_exposures(cfg.description, p); !stale.empty())
    line(fmt::format("  (the configuration's description, written for {}, is not shown: this is {})", stale.front(),
                     format_exposure(cfg.exposure)));
  else if (!cfg.description.empty())
    line(fmt::format("  {}", cfg.description));
  line("");
  line(fmt::format("  target        {:g} kg {} ({} crystal{}), {:g} m from the {} target", cfg.detector.mass_kg,
                   cfg.detector.material, cfg.detector.crystals, cfg.detector.crystals == 1 ? "" : "s",
                   cfg.source.distance_m, cfg.source.facility));
  line(fmt::format("  exposure      {}: beam on {:.4g} days ({:.4g} h), {:.4g} protons on target",
                   format_exposure(cfg.exposure), p.beam_on_time_s / 86400.0, p.beam_on_time_s / 3600.0,
                   p.protons_on_target));
  line(fmt::format("  flux          {:.4g} ν/cm²/s per flavour ({:.4g} /cm² per flavour over the exposure)",
                   p.flux_per_cm2_s, p.fluence_per_cm2));
  line(fmt::format("  physics       form factor {}, weak charge {}, sin²θ_W = {:g}", to_string(cfg.physics.form_factor),
                   to_string(cfg.physics.weak_charge), cfg.physics.sin2_theta_w));
  const auto& ly = cfg.detector.light_yield_PE_per_keVee;
  const auto [ly_min, ly_max] = std::minmax_element(ly.begin(), ly.end());
  line(fmt::format("  response      {} PE/keVee, quenching {}", *ly_min == *ly_max ? fmt::format("{:g}", *ly_min)
                                                                 : fmt::format("{:g}–{:g}", *ly_min, *ly_max),
                   to_string(cfg.detector.quenching.model)));
  line("");

  const auto by_isotope = p.events_by_isotope();
  std::string header = fmt::format("  {:<10}", "events");
  for (const auto& [isotope, events] : by_isotope) header += fmt::format("{:>12}", isotope);
  header += fmt::format("{:>12}{:>16}", "total", "T_max (keVnr)");
  line(header);
  for (Flavor flavor : p.flavors()) {
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

  const auto& sel = cfg.selection;
  line("");
  line(fmt::format("  after the selection, {}–{} NPE, {:g}–{:g} µs", sel.roi_npe_min, sel.roi_npe_max,
                   sel.roi_time_min_us.value_or(cfg.spectra.time_min_us),
                   sel.roi_time_max_us.value_or(cfg.spectra.time_max_us)));
  const std::string threshold =
      sel.roi_npe_min > 0 ? fmt::format("; {} PE ≈ {:.2f} keVnr", sel.roi_npe_min, p.roi_threshold_keVnr) : "";
  line(fmt::format("  {:<28}{:>10.2f}   {:.3f} /day/kg{}", "CEvNS signal", p.roi_signal(),
                   p.roi_signal() / p.days() / cfg.detector.mass_kg, threshold));
  for (const auto& b : p.backgrounds) line(fmt::format("  {:<28}{:>10.2f}", b.name, b.roi));
  if (p.backgrounds.empty())
    line("  (no backgrounds configured)");
  else
    line(fmt::format("  {:<28}{:>10.2f}", "background total", p.roi_background()));
  return out;
}

std::string format_sensitivity_table(const Sensitivity& s) {
  std::string out;
  // Without background the Asimov Z diverges: say so rather than print ∞ (stats).
  const std::string asimov = s.asimov_significance
                                 ? fmt::format("(Asimov {:.2f} σ)", *s.asimov_significance)
                                 : std::string("(no background configured: N_sig/√N_sig; Asimov undefined)");
  out += fmt::format("  significance N_sig/√(N_sig+N_bkg) {:>8.2f} σ   {}\n", s.significance, asimov);
  out += fmt::format("  days to {:g}σ                      {:>8.1f}\n", s.target_sigma, s.days_to_5sigma);
  return out;
}

std::string format_likelihood_sensitivity_table(const Sensitivity& counting, const fit::LikelihoodSensitivity& likelihood) {
  const auto days = [](const std::optional<double>& d) {
    return d ? fmt::format("{:>10.1f}", *d) : fmt::format("{:>10}", "never");
  };
  if (likelihood.undefined) return fmt::format("  likelihood significance: undefined ({})\n", *likelihood.undefined);
  std::string out = "\n  expected significance (Asimov)        sigma   days to 5σ\n";
  out += fmt::format("  {:<34}{:>8.2f}  {}\n", "counting N/√(N+B)", counting.significance,
                     days(std::optional<double>(counting.days_to_5sigma)));
  for (const auto& b : likelihood.binnings)
    out += fmt::format("  {:<34}{:>8.2f}  {}\n", fmt::format("likelihood, {} ({} bins)", b.binning, b.bins), b.significance,
                       days(b.days_to_target));
  out += "  likelihood nuisances:\n";
  for (const auto& p : likelihood.parameters) {
    if (p.constraint == fit::Constraint::none && p.name == "cevns") continue;
    const std::string width = p.constraint == fit::Constraint::none ? "free"
                              : p.constraint == fit::Constraint::gaussian
                                  ? fmt::format("Gaussian ± {:.3g}", p.sigma)
                                  : fmt::format("log-normal ± {:.3g}", p.sigma);
    out += fmt::format("    {:<30} {:<20} {}\n", p.name, width, p.source);
  }
  out += fmt::format("  ({} Asimov fits, {:.2f} s; docs/statistics.md, \"cevns sensitivity\")\n", likelihood.fits,
                     likelihood.seconds);
  return out;
}

}  // namespace cevns::report
