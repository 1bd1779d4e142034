#include "cevns/report/plots.hpp"

#include <mgl2/mgl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/detector/response.hpp"
#include "cevns/report/prediction_table.hpp"
#include "figure.hpp"
#include "plots_module.hpp"

namespace cevns::report {
namespace {

namespace fs = std::filesystem;

using figure::Canvas;
using figure::save;
using figure::tex_escape;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// MathGL's TeX-like label of a flavour.
const char* flavor_tex(Flavor f) {
  switch (f) {
    case Flavor::nu_mu: return "\\nu_{\\mu}";
    case Flavor::nu_e: return "\\nu_e";
    case Flavor::nubar_mu: return "\\bar{\\nu}_{\\mu}";
    case Flavor::nubar_e: return "\\bar{\\nu}_e";
  }
  return "?";
}

/// Pen of a flavour's curve: the same colour in every figure.
const char* flavor_pen(Flavor f) {
  switch (f) {
    case Flavor::nu_mu: return "r-2";
    case Flavor::nu_e: return "g-2";
    case Flavor::nubar_mu: return "b-2";
    case Flavor::nubar_e: return "m-2";
  }
  return "k-2";
}



/// "12 kg, 180 days" or "300 kg, 5000 beam hours" for titles: the exposure as configured.
std::string exposure_text(const Prediction& p) {
  return fmt::format("{:.3g} kg, {}", p.config.detector.mass_kg, format_exposure(p.config.exposure, 3));
}

/// The axis of data-taking days: calendar days, or days of beam when the exposure is beam
/// time or energy (the days Prediction::days() and the sensitivity map count).
const char* days_axis_label(const Prediction& p) {
  return p.config.exposure.calendar_days ? "data taking (days)" : "beam time (days of beam)";
}

/// Title size (relative to the font size) that fits `tex` on the 800 px canvas: MathGL
/// clips a long title at both edges instead of shrinking it. About 60 glyphs fit at the
/// house size; a TeX command (\nu) or a brace counts as drawn glyphs are counted.
double title_size(const std::string& tex) {
  constexpr double house_size = -1.2;
  constexpr double fitting_glyphs = 54.0;
  double glyphs = 0.0;
  for (std::size_t i = 0; i < tex.size(); ++i) {
    const char c = tex[i];
    if (c == '{' || c == '}' || c == '^' || c == '_') continue;
    if (c == '\\') {  // a command such as \nu is one glyph; an escaped character is itself
      std::size_t j = i + 1;
      while (j < tex.size() && std::isalpha(static_cast<unsigned char>(tex[j])) != 0) ++j;
      if (j > i + 1) i = j - 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) {
      continue;  // a UTF-8 continuation byte
    }
    glyphs += 1.0;
  }
  return house_size * std::min(1.0, fitting_glyphs / std::max(glyphs, 1.0));
}

/// The points of a histogram outline: (low, c), (high, c) for bins first … last.
std::pair<std::vector<double>, std::vector<double>> histogram_outline(const Spectrum& s, std::size_t first,
                                                                      std::size_t last) {
  std::vector<double> x;
  std::vector<double> y;
  for (std::size_t i = first; i <= last && i < s.counts.size(); ++i) {
    x.push_back(s.binning.low(i));
    y.push_back(s.counts[i]);
    x.push_back(s.binning.high(i));
    y.push_back(s.counts[i]);
  }
  return {std::move(x), std::move(y)};
}

/// Counts per unit of the x axis at the bin centres, NaN where empty (for log axes).
std::pair<std::vector<double>, std::vector<double>> density_points(const Spectrum& s, std::size_t first,
                                                                   std::size_t last) {
  std::vector<double> x;
  std::vector<double> y;
  for (std::size_t i = first; i <= last && i < s.counts.size(); ++i) {
    x.push_back(s.binning.center(i));
    const double density = s.counts[i] / s.binning.width(i);
    y.push_back(density > 0.0 ? density : nan);
  }
  return {std::move(x), std::move(y)};
}


/// Axes, grid, frame and labels of a 2-D plot, after the ranges are set.
void decorate(mglGraph& gr, const std::string& title, const char* x_label, const char* y_label) {
  gr.Title(title.c_str(), "", title_size(title));
  gr.Grid("xy", "{h9}:");
  gr.Axis("xy");
  gr.Box();
  gr.Label('x', x_label, 0);
  gr.Label('y', y_label, 0);
}

/// Figure 5: efficiency of each selection criterion and of all of them against NPE.
void selection_efficiency(const Prediction& p, const fs::path& directory, std::vector<fs::path>& written) {
  const auto& cfg = p.config;
  const SelectionEfficiency selection(cfg.detector, cfg.selection, cfg.spectra.npe_max);
  constexpr int max_npe = 30;
  std::vector<double> n;
  std::vector<double> veto;
  std::vector<double> afterglow;
  std::vector<double> total;
  for (int i = 0; i <= max_npe; ++i) {
    n.push_back(i);
    veto.push_back(cfg.selection.muon_veto_efficiency);
    afterglow.push_back(cfg.selection.afterglow_efficiency);
    total.push_back(selection.efficiency(i));
  }

  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(0, max_npe, 0, 1.05);
  gr.SetTicks('y', 0.2, 1);
  decorate(gr, fmt::format("{}: selection efficiency", tex_escape(cfg.name)), "number of photoelectrons (NPE)",
           "efficiency");
  // The veto line is wider, so that it shows when both cuts have the same efficiency.
  gr.Plot(mglData(n), mglData(veto), "g-6");
  gr.Plot(mglData(n), mglData(afterglow), "b-3");
  gr.Plot(mglData(n), mglData(total), "k-3");
  gr.AddLegend(fmt::format("\\mu{{}} veto ({:.3f})", cfg.selection.muon_veto_efficiency).c_str(), "g-6");
  gr.AddLegend(fmt::format("afterglow ({:.3f})", cfg.selection.afterglow_efficiency).c_str(), "b-3");
  std::string total_label = "total";
  if (cfg.selection.two_pmt_coincidence && (cfg.selection.acceptance.model == AcceptanceModel::logistic))
    total_label += " (with coincidence, acceptance)";
  else if (cfg.selection.two_pmt_coincidence)
    total_label += " (with two-PMT coincidence)";
  else if ((cfg.selection.acceptance.model == AcceptanceModel::logistic))
    total_label += " (with acceptance)";
  gr.AddLegend(total_label.c_str(), "k-3");
  gr.Legend(1.0, 0.3, "#");
  save(gr, directory, "fig05_selection_efficiency", written);
}

/// Figure 6: recoil spectrum, total and per flavour and isotope, events per keVnr.
void recoil_spectrum(const Prediction& p, const fs::path& directory, std::vector<fs::path>& written) {
  const Spectrum total = p.recoil_spectrum();
  const auto& b = total.binning;
  std::size_t last = 0;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (b.low(i) < 50.0) last = i;

  struct Curve {
    std::string label;
    std::string pen;
    Spectrum spectrum;
  };
  std::vector<Curve> curves;
  curves.push_back({"total", "k-3", total});
  for (Flavor f : p.flavors())
    curves.push_back({flavor_tex(f), flavor_pen(f),
                      p.recoil_spectrum([f](const ChannelPrediction& c) { return c.flavor == f; })});
  const char* isotope_pens[] = {"m|2", "c|2", "y|2", "H|2"};
  std::size_t k = 0;
  for (const auto& [isotope, events] : p.events_by_isotope()) {
    std::string label = isotope;
    const auto digit = std::find_if(label.begin(), label.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    if (digit != label.end()) label = "^{" + std::string(digit, label.end()) + "}" + std::string(label.begin(), digit);
    curves.push_back({label, isotope_pens[k++ % 4],
                      p.recoil_spectrum([&name = isotope](const ChannelPrediction& c) { return c.isotope == name; })});
  }

  double peak = 0.0;
  for (std::size_t i = 0; i <= last; ++i) peak = std::max(peak, total.counts[i] / b.width(i));
  if (peak <= 0.0) peak = 1.0;

  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(0, 50, peak * 1e-4, peak * 3.0);
  gr.SetFunc("", "lg(y)");
  decorate(gr,
           fmt::format("{}: recoil spectrum ({})", tex_escape(p.config.name), exposure_text(p)),
           "nuclear recoil energy (keV_{nr})", "events / keV_{nr}");
  for (const auto& c : curves) {
    const auto [x, y] = density_points(c.spectrum, 0, last);
    gr.Plot(mglData(x), mglData(y), c.pen.c_str());
    const char* unit = &c == &curves.front() ? " events" : "";
    gr.AddLegend(fmt::format("{} ({:.1f}{})", c.label, c.spectrum.total(), unit).c_str(), c.pen.c_str());
  }
  gr.Legend(3, "#");
  save(gr, directory, "fig06_recoil_spectrum", written);
}

/// Figure 7: photoelectron spectrum before the selection, total and per flavour.
void npe_spectrum(const Prediction& p, const fs::path& directory, std::vector<fs::path>& written) {
  if (p.npe_before_selection.empty()) return;  // predict() always fills it
  Spectrum total(p.npe_before_selection.begin()->second.binning);
  for (const auto& [flavor, s] : p.npe_before_selection) total += s;
  const auto& b = total.binning;
  // Bins 0 … cap, without the overflow bin; the x axis ends where the spectrum has fallen
  // to 10⁻⁴ of its peak.
  const std::size_t cap = std::min<std::size_t>(b.size() - 2, static_cast<std::size_t>(p.config.spectra.npe_max - 1));
  double peak = 0.0;
  for (std::size_t i = 0; i <= cap; ++i) peak = std::max(peak, total.counts[i] / b.width(i));
  if (peak <= 0.0) peak = 1.0;
  std::size_t last = 1;
  for (std::size_t i = 0; i <= cap; ++i)
    if (total.counts[i] / b.width(i) > 1e-4 * peak) last = i;
  const double x_max = std::min(b.high(cap), std::ceil((b.high(last) + 1.0) / 10.0) * 10.0);

  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(0, x_max, peak * 1e-4, peak * 3.0);
  gr.SetFunc("", "lg(y)");
  decorate(gr,
           fmt::format("{}: NPE spectrum before selection ({})", tex_escape(p.config.name), exposure_text(p)),
           "number of photoelectrons (NPE)", "events / PE");
  {
    const auto [x, y] = density_points(total, 0, cap);
    gr.Plot(mglData(x), mglData(y), "k-3");
    gr.AddLegend(fmt::format("total ({:.1f} events)", total.total()).c_str(), "k-3");
  }
  for (const auto& [flavor, s] : p.npe_before_selection) {
    const auto [x, y] = density_points(s, 0, cap);
    gr.Plot(mglData(x), mglData(y), flavor_pen(flavor));
    gr.AddLegend(fmt::format("{} ({:.1f})", flavor_tex(flavor), s.total()).c_str(), flavor_pen(flavor));
  }
  gr.Legend(3, "#");
  save(gr, directory, "fig07_npe_spectrum", written);
}

/// Figure 13: signal, background and their sum after the selection, with the ROI.
void signal_background(const Prediction& p, const fs::path& directory, std::vector<fs::path>& written) {
  const auto& sel = p.config.selection;
  const Spectrum signal = p.signal_total().project_x();
  const bool has_background = !p.backgrounds.empty();
  Spectrum background(signal.binning);
  if (has_background) background = p.background_total().project_x();
  Spectrum sum = signal;
  sum += background;

  const auto& b = signal.binning;
  const double x_max = sel.roi_npe_max + 10.0;
  std::size_t last = 0;
  for (std::size_t i = 0; i + 1 < b.size(); ++i)  // the last bin is overflow
    if (b.low(i) < x_max) last = i;
  double signal_peak = 0.0;
  for (std::size_t i = 0; i <= last; ++i) signal_peak = std::max(signal_peak, signal.counts[i]);
  if (signal_peak <= 0.0) signal_peak = 1.0;
  // Like the paper: scaled so the signal reads well; the dark-count bins may go off scale.
  double y_max = 3.0 * signal_peak;
  if (!has_background) y_max = 1.3 * signal_peak;

  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(b.low(0), x_max, 0, y_max);
  // Plain tick values: MathGL's common factor (×10³ for CICENNS) is drawn above the canvas.
  gr.SetTuneTicks(0);
  gr.SetCut(true);
  decorate(gr,
           fmt::format("{}: after selection ({})", tex_escape(p.config.name), exposure_text(p)),
           "number of photoelectrons (NPE)", "events / PE");

  // The region of interest: light shading between its bin edges.
  const double roi_low = b.low(static_cast<std::size_t>(std::max(sel.roi_npe_min, 0)));
  const double roi_high = b.high(static_cast<std::size_t>(std::min<int>(sel.roi_npe_max, static_cast<int>(last))));
  const std::vector<double> roi_x{roi_low, roi_high};
  gr.Region(mglData(roi_x), mglData(std::vector<double>{0.0, 0.0}), mglData(std::vector<double>{y_max, y_max}),
            "{y9}");
  gr.Line(mglPoint(roi_low, 0), mglPoint(roi_low, y_max), "q;2");
  gr.Line(mglPoint(roi_high, 0), mglPoint(roi_high, y_max), "q;2");

  const double roi_signal = p.roi_signal();
  if (has_background) {
    const auto [x, y] = histogram_outline(background, 0, last);
    const std::vector<double> zero(x.size(), 0.0);
    gr.Region(mglData(x), mglData(zero), mglData(y), "{h7}");
    gr.AddLegend(fmt::format("background ({:.0f} in ROI)", p.roi_background()).c_str(), "{h7}9");
    const auto [sx, sy] = histogram_outline(sum, 0, last);
    gr.Plot(mglData(sx), mglData(sy), "b-3");
    gr.AddLegend(fmt::format("signal + background ({:.0f} in ROI)", roi_signal + p.roi_background()).c_str(), "b-3");
  }
  {
    const auto [x, y] = histogram_outline(signal, 0, last);
    gr.Plot(mglData(x), mglData(y), "r;3");
    gr.AddLegend(fmt::format("CE\\nu NS signal ({:.0f} in ROI)", roi_signal).c_str(), "r;3");
  }
  gr.AddLegend(fmt::format("ROI {}-{} PE", sel.roi_npe_min, sel.roi_npe_max).c_str(), "q;2");
  gr.Axis("xy");  // over the fills
  gr.Box();
  gr.Legend(3, "#");
  save(gr, directory, "fig13_signal_background", written);
}

/// Figure 14: significance over detector mass × days, with the configured point.
/// `what` names the significance in the title; `name` the file.
void significance_map(const Prediction& p, const Sensitivity& s, const fs::path& directory,
                      std::vector<fs::path>& written,
                      const std::string& what = "significance N_{sig}/(N_{sig}+N_{bkg})^{1/2}",
                      const std::string& name = "fig14_significance_map") {
  const auto n_mass = static_cast<long>(s.map_mass_kg.size());
  const auto n_days = static_cast<long>(s.map_days.size());
  mglData mass(s.map_mass_kg);
  mglData days(s.map_days);
  mglData z(n_mass, n_days);
  double z_max = 0.0;
  for (long i = 0; i < n_mass; ++i)
    for (long j = 0; j < n_days; ++j) {
      const double v = s.map_significance[static_cast<std::size_t>(i * n_days + j)];
      z.a[i + n_mass * j] = v;
      z_max = std::max(z_max, v);
    }
  if (z_max <= 0.0) z_max = 1.0;

  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_>");
  gr.SetRanges(s.map_mass_kg.front(), s.map_mass_kg.back(), s.map_days.front(), s.map_days.back());
  gr.SetRange('c', 0, z_max);
  const std::string title = fmt::format("{}: {}", tex_escape(p.config.name), what);
  gr.Title(title.c_str(), "", title_size(title));
  const char* scheme = "BbcyrR";
  gr.Dens(mass, days, z, scheme);
  gr.SetTickTempl('c', "%g\\sigma");
  gr.Colorbar("BbcyrR>");

  // 3σ, and multiples of a 1-2-5 step giving at most ten lines; the target apart.
  double step = 1.0;
  for (double decade = 1.0; z_max / step > 10.0; decade *= 10.0)
    for (double m : {1.0, 2.0, 5.0})
      if (z_max / step > 10.0) step = m * decade;
  std::vector<double> levels;
  if (step > 1.0 && s.target_sigma != 3.0) levels.push_back(3.0);
  for (double level = step; level < z_max; level += step)
    if (std::abs(level - s.target_sigma) > 1e-9) levels.push_back(level);
  // '_': in the plane, not at z = level. No 't': MathGL's own labels follow the line, are
  // tiny and come out upside down; the labels are placed below.
  gr.Cont(mglData(levels), mass, days, z, "k_");
  const std::vector<double> target{s.target_sigma};
  gr.Cont(mglData(target), mass, days, z, "w4_");

  // Contour labels, upright at the size of the tick labels, where each contour crosses the
  // path from the origin up to 60 % of the mass range at the top and on along the top
  // edge: the levels are spread along it roughly as they are spaced, and it stays clear of
  // the configured point (at half the mass range, at most half the days).
  const auto z_at = [&](double u, double v) {  // bilinear, u and v in [0, 1]
    const double fi = u * double(n_mass - 1), fj = v * double(n_days - 1);
    const long i = std::min<long>(static_cast<long>(fi), n_mass - 2), j = std::min<long>(static_cast<long>(fj), n_days - 2);
    const double a = fi - double(i), b = fj - double(j);
    const auto at = [&](long ii, long jj) { return z.a[ii + n_mass * jj]; };
    return (1 - a) * (1 - b) * at(i, j) + a * (1 - b) * at(i + 1, j) + (1 - a) * b * at(i, j + 1) + a * b * at(i + 1, j + 1);
  };
  const auto path = [](double t) {  // t in [0, 2]
    return t <= 1.0 ? std::pair{0.6 * t, t} : std::pair{0.6 + 0.4 * (t - 1.0), 1.0};
  };
  // The target first: a label too close to one already placed is left out.
  std::vector<double> all_levels{s.target_sigma};
  all_levels.insert(all_levels.end(), levels.begin(), levels.end());
  std::vector<std::pair<double, double>> placed;
  constexpr int path_steps = 2000;
  if (n_mass >= 2 && n_days >= 2)
    for (std::size_t l = 0; l < all_levels.size(); ++l)
      for (int k = 1; k <= path_steps; ++k) {
        const double level = all_levels[l];
        const auto point = path(2.0 * k / path_steps);  // not a structured binding: clang 14 cannot capture one
        const double u = point.first, v = point.second;
        if (z_at(u, v) < level) continue;
        if (std::any_of(placed.begin(), placed.end(),
                        [&](const auto& q) { return std::hypot(q.first - u, q.second - v) < 0.06; }))
          break;
        placed.emplace_back(u, v);
        const double m = s.map_mass_kg.front() + u * (s.map_mass_kg.back() - s.map_mass_kg.front());
        const double d = s.map_days.front() + v * (s.map_days.back() - s.map_days.front());
        // Dark ends of the colour scheme take white text, the middle black.
        const double shade = level / z_max;
        const bool target_level = l == 0;
        // Left of the line, unless that would put it over the y axis.
        const bool left = u > 0.1;
        const std::string font = std::string(shade < 0.3 || shade > 0.85 ? "w" : "k") + (target_level ? ":b" : ":") +
                                 (left ? "R" : "L");
        const std::string text = left ? fmt::format("{:g}\\sigma  ", level) : fmt::format("  {:g}\\sigma", level);
        gr.Puts(mglPoint(m, v >= 1.0 ? d - 0.04 * (s.map_days.back() - s.map_days.front()) : d), text.c_str(),
                font.c_str(), -0.9);
        break;
      }

  const double m0 = p.config.detector.mass_kg;
  const double d0 = p.days();
  gr.SetMarkSize(3.0);
  gr.Mark(mglPoint(m0, d0), "k*");
  gr.Puts(mglPoint(m0, d0), fmt::format("  {:.1f}\\sigma", s.significance).c_str(), ":L", -0.9);
  gr.Puts(mglPoint(m0, d0 - 0.06 * (s.map_days.back() - s.map_days.front())),
          fmt::format("  ({})", exposure_text(p)).c_str(), ":L", -0.9);

  gr.Axis("xy");
  gr.Box();
  gr.Label('x', "detector mass (kg)", 0);
  gr.Label('y', days_axis_label(p), 0);
  save(gr, directory, name, written);
}


/// The pens of the backgrounds in order, as the paper's Figure 9 colours its sources
/// (beam neutrons orange, dark counts green, radioactivity red, then purple, cyan, grey).
const char* background_pen(std::size_t index) {
  static constexpr const char* pens[] = {"q-3", "g-3", "r-3", "m-3", "c-3", "h-3"};
  return pens[index % std::size(pens)];
}

/// The paper's Figure 9: every background's NPE spectrum after all cuts, log scale.
void background_spectra(const Prediction& p, const fs::path& directory, std::vector<fs::path>& written) {
  if (p.backgrounds.empty()) return;
  const auto& sel = p.config.selection;
  const Binning& b = p.backgrounds.front().npe_time.x;
  const std::size_t last = std::min<std::size_t>(b.size() - 2, static_cast<std::size_t>(sel.roi_npe_max + 10));
  double peak = 0.0;
  for (const auto& bg : p.backgrounds) {
    const auto npe = bg.npe_time.project_x();
    for (std::size_t i = 0; i <= last; ++i) peak = std::max(peak, npe.counts[i]);
  }
  if (peak <= 0.0) peak = 1.0;
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  // Room above the spectra for the legend: a decade per legend line and then some.
  const double y_min = peak * 1e-5, y_max = peak * std::pow(10.0, 1.0 + 0.6 * double(p.backgrounds.size() + 1));
  gr.SetRanges(b.low(0), b.high(last), y_min, y_max);
  gr.SetFunc("", "lg(y)");
  decorate(gr, fmt::format("{}: backgrounds after all cuts ({})", tex_escape(p.config.name), exposure_text(p)),
           "number of photoelectrons (NPE)", "events / PE");
  const double roi_low = b.low(static_cast<std::size_t>(std::max(sel.roi_npe_min, 0)));
  const double roi_high = b.high(static_cast<std::size_t>(std::min<int>(sel.roi_npe_max, static_cast<int>(last))));
  gr.Line(mglPoint(roi_low, y_min), mglPoint(roi_low, y_max), "k;1");
  gr.Line(mglPoint(roi_high, y_min), mglPoint(roi_high, y_max), "k;1");
  for (std::size_t k = 0; k < p.backgrounds.size(); ++k) {
    const auto& bg = p.backgrounds[k];
    auto [x, y] = histogram_outline(bg.npe_time.project_x(), 0, last);
    for (double& v : y) v = v > 0.0 ? v : nan;  // log scale: empty bins not drawn
    gr.Plot(mglData(x), mglData(y), background_pen(k));
    gr.AddLegend(fmt::format("{}: {:.3g} in ROI ({})", tex_escape(bg.name), bg.roi, tex_escape(bg.drivers)).c_str(),
                 background_pen(k));
  }
  gr.AddLegend(fmt::format("ROI {}-{} PE", sel.roi_npe_min, sel.roi_npe_max).c_str(), "k;1");
  gr.Legend(3, "#");
  save(gr, directory, "fig09_backgrounds", written);
}

/// The paper's Figure 10 from the model: PMT dark counts of all crystals with and without
/// criterion 3 (the two-PMT coincidence), the other criteria applied.
void dark_count_model(const Prediction& p, const fs::path& directory, std::vector<fs::path>& written) {
  const auto& cfg = p.config;
  const bool has_model = std::any_of(cfg.backgrounds.begin(), cfg.backgrounds.end(), [](const BackgroundConfig& b) {
    return b.model == BackgroundKind::pmt_dark_counts;
  });
  if (!has_model) return;
  const int npe_max = std::min(cfg.spectra.npe_max, 30);
  SelectionConfig without_3 = cfg.selection;
  without_3.two_pmt_coincidence = false;
  const double triggers = p.beam_on_time_s * cfg.source.beam.repetition_rate_Hz;
  const auto with = dark_counts_per_trigger(cfg.dark_counts, cfg.detector, cfg.selection, npe_max);
  const auto without = dark_counts_per_trigger(cfg.dark_counts, cfg.detector, without_3, npe_max);
  const Binning b = Binning::uniform(-0.5, npe_max - 0.5, static_cast<std::size_t>(npe_max));  // no overflow bin
  Spectrum s_with(b), s_without(b);
  for (std::size_t i = 0; i < b.size(); ++i) {
    s_with.counts[i] = with.selected_npe[i] * triggers;
    s_without.counts[i] = without.selected_npe[i] * triggers;
  }
  double peak = 1e-300, low = 1e300;
  for (double c : s_without.counts) peak = std::max(peak, c);
  for (double c : s_with.counts)
    if (c > 0.0) low = std::min(low, c);
  const double y_min = std::max(peak * 1e-12, std::min(low, peak) * 0.3);
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(-0.5, b.high(b.size() - 1), y_min, peak * 5.0);
  gr.SetFunc("", "lg(y)");
  decorate(gr, fmt::format("{}: PMT dark counts, model (Fig. 10; {})", tex_escape(cfg.name), exposure_text(p)),
           "number of photoelectrons (NPE)", "crystals / PE");
  const double total_with = s_with.total(), total_without = s_without.total();
  for (const auto& [spectrum, pen, label] :
       {std::tuple{&s_without, "q-3", "without criterion 3"}, std::tuple{&s_with, "b-3", "with criterion 3 (both PMTs)"}}) {
    auto [x, y] = histogram_outline(*spectrum, 0, b.size() - 1);
    for (double& v : y) v = v > 0.0 ? v : nan;
    gr.Plot(mglData(x), mglData(y), pen);
    gr.AddLegend(fmt::format("{} ({:.3g})", label, spectrum->total()).c_str(), pen);
  }
  gr.AddLegend(fmt::format("{} crystals, {:g} Hz per PMT; suppression {:.2g}", cfg.detector.crystals,
                           cfg.dark_counts.dark_rate_Hz, total_with > 0.0 ? total_without / total_with : 0.0)
                   .c_str(),
               "");
  gr.Legend(1, "#");
  save(gr, directory, "fig10_dark_counts_model", written);
}

/// Arrival time after the selection in the NPE region of interest: signal and each
/// background (the timing argument of the paper's §4), log scale.
void arrival_times(const Prediction& p, const fs::path& directory, std::vector<fs::path>& written) {
  const auto& sel = p.config.selection;
  const Spectrum signal = time_in_npe_roi(p.signal_total(), sel);
  const auto& b = signal.binning;
  std::vector<Spectrum> backgrounds;
  double peak = 0.0;
  for (double c : signal.counts) peak = std::max(peak, c);
  for (const auto& bg : p.backgrounds) {
    backgrounds.push_back(time_in_npe_roi(bg.npe_time, sel));
    for (double c : backgrounds.back().counts) peak = std::max(peak, c);
  }
  if (peak <= 0.0) peak = 1.0;
  const double y_min = peak * 1e-4;
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(b.low(0), b.high(b.size() - 1), y_min, peak * 5.0);
  gr.SetFunc("", "lg(y)");
  decorate(gr,
           fmt::format("{}: arrival time after selection, {}-{} PE ({})", tex_escape(p.config.name), sel.roi_npe_min,
                       sel.roi_npe_max, exposure_text(p)),
           "time after the first proton bunch (\\mu s)", fmt::format("events / {:g} \\mu s", b.width(0)).c_str());
  const auto draw = [&](const Spectrum& s, const char* pen, const std::string& label) {
    auto [x, y] = histogram_outline(s, 0, b.size() - 1);
    for (double& v : y) v = v > 0.0 ? v : nan;
    gr.Plot(mglData(x), mglData(y), pen);
    gr.AddLegend(label.c_str(), pen);
  };
  draw(signal, "k-4", fmt::format("CE\\nu NS signal ({:.3g})", signal.total()));
  for (std::size_t k = 0; k < backgrounds.size(); ++k)
    draw(backgrounds[k], background_pen(k),
         fmt::format("{} ({:.3g})", tex_escape(p.backgrounds[k].name), backgrounds[k].total()));
  gr.Legend(3, "#");
  save(gr, directory, "fig_arrival_time", written);
}

/// Creates `directory` and sets MathGL up for headless, single-threaded drawing.
void prepare(const fs::path& directory) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec || !fs::is_directory(directory))
    throw IoError(fmt::format("cannot create the figure directory {} ({}); choose a writable directory",
                              directory.string(), ec ? ec.message() : "not a directory"));
  mglGraph::SuppressWarn(true);  // MathGL would print its warnings to the console
  // MathGL renders with OpenMP threads by default; one thread draws these small figures in
  // milliseconds and rules out races inside the library (a rare heap corruption was seen
  // in CI with its default threading).
  mgl_set_num_thr(1);
}

}  // namespace

std::vector<fs::path> write_dark_count_figure(const selection::EventSelection& selection, const std::string& title,
                                              const fs::path& directory) {
  prepare(directory);
  const Spectrum& without = selection.npe_without_coincidence();
  const Spectrum& with = selection.npe_with_coincidence();
  const std::size_t last = std::min<std::size_t>(without.counts.size() - 2, 30);
  double peak = 1.0;
  for (std::size_t i = 0; i <= last; ++i) peak = std::max(peak, without.counts[i]);
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(0, static_cast<double>(last) + 0.5, 0.5, peak * 3.0);
  gr.SetFunc("", "lg(y)");
  decorate(gr, fmt::format("{}: NPE before and after the two-PMT coincidence (Fig. 10)", tex_escape(title)),
           "number of photoelectrons (NPE)", "crystals / PE");
  std::vector<fs::path> written;
  for (const auto& [spectrum, pen, label] :
       {std::tuple{&without, "q-3", "all sources, before"}, std::tuple{&with, "b-3", "after the coincidence (criterion 3)"}}) {
    auto [x, y] = histogram_outline(*spectrum, 0, last);
    for (double& v : y) v = v > 0.0 ? v : nan;
    gr.Plot(mglData(x), mglData(y), pen);
    gr.AddLegend(fmt::format("{} ({:g})", label, spectrum->total()).c_str(), pen);
  }
  gr.Legend(3, "#");
  save(gr, directory, "fig10_npe_before_after_coincidence", written);
  return written;
}

std::vector<fs::path> write_npe_response_figure(const selection::EventSelection& selection, const std::string& title,
                                                const fs::path& directory) {
  prepare(directory);
  const auto r = selection.npe_response();
  // Per true NPE with enough entries: the mean difference with its standard error
  // (rms/√entries, the error bars), and mean ± rms (the resolution band).
  std::vector<double> n, bias, error, low, high;
  for (std::size_t i = 1; i < r.entries.size(); ++i)
    if (r.entries[i] >= 10.0) {
      n.push_back(static_cast<double>(i));
      bias.push_back(r.mean_difference[i]);
      error.push_back(r.rms_difference[i] / std::sqrt(r.entries[i]));
      low.push_back(r.mean_difference[i] - r.rms_difference[i]);
      high.push_back(r.mean_difference[i] + r.rms_difference[i]);
    }
  std::vector<fs::path> written;
  if (n.size() < 2) return written;  // no Monte Carlo truth: nothing to draw
  double span = 1.0;
  for (std::size_t i = 0; i < n.size(); ++i) span = std::max({span, std::abs(low[i]), std::abs(high[i])});
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(0, n.back() + 1, -1.2 * span, 1.2 * span);
  decorate(gr, fmt::format("{}: reconstructed vs true photoelectrons", tex_escape(title)), "true NPE",
           "reconstructed − true NPE");
  gr.Plot(mglData(n), mglData(high), "b-1");
  gr.Plot(mglData(n), mglData(low), "b-1");
  gr.SetMarkSize(1.0);
  gr.Error(mglData(n), mglData(bias), mglData(error), "ko");
  gr.AddLegend("mean (bias) ± its standard error", "ko");
  gr.AddLegend("mean ± rms (resolution)", "b-1");
  gr.Legend(3, "#");
  save(gr, directory, "fig_npe_response", written);
  return written;
}

std::vector<fs::path> write_background_figures(const Prediction& prediction, const fs::path& directory) {
  prepare(directory);
  std::vector<fs::path> written;
  background_spectra(prediction, directory, written);
  dark_count_model(prediction, directory, written);
  arrival_times(prediction, directory, written);
  return written;
}

std::vector<fs::path> write_figures(const Prediction& prediction, const Sensitivity& sensitivity,
                                    const fs::path& directory) {
  prepare(directory);
  std::vector<fs::path> written;
  selection_efficiency(prediction, directory, written);
  recoil_spectrum(prediction, directory, written);
  npe_spectrum(prediction, directory, written);
  signal_background(prediction, directory, written);
  significance_map(prediction, sensitivity, directory, written);
  return written;
}

std::vector<fs::path> write_likelihood_significance_map(const Prediction& prediction, const Sensitivity& map,
                                                        const fs::path& directory) {
  std::vector<fs::path> written;
  significance_map(prediction, map, directory, written, "likelihood significance (NPE and arrival time, Asimov)",
                   "fig14_significance_map_likelihood");
  return written;
}

}  // namespace cevns::report

// What the loader (plots_loader.cpp) calls.
CEVNS_PLOT_ENTRY(write_figures)
CEVNS_PLOT_ENTRY(write_dark_count_figure)
CEVNS_PLOT_ENTRY(write_npe_response_figure)
CEVNS_PLOT_ENTRY(write_background_figures)
CEVNS_PLOT_ENTRY(write_likelihood_significance_map)
