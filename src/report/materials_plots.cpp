// Figure 11 of the CLOVERS paper from the materials model (include/cevns/report/materials_plots.hpp).
#include "cevns/report/materials_plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "figure.hpp"
#include "plots_module.hpp"

namespace cevns::report {

namespace fs = std::filesystem;
using figure::Canvas;
using figure::tex_escape;

std::vector<fs::path> write_materials_figure(const std::vector<MaterialSpectrum>& spectra, const std::string& title,
                                             const fs::path& directory) {
  std::error_code error;
  fs::create_directories(directory, error);
  std::vector<fs::path> written;
  // Counts per keV, log-log from 1 keV to 3 MeV (the paper's axes).
  constexpr double x_min = 1.0, x_max = 3000.0;
  double peak = 0.0;
  std::vector<std::vector<double>> density(spectra.size());
  for (std::size_t k = 0; k < spectra.size(); ++k) {
    const auto& s = spectra[k];
    for (std::size_t i = 0; i < s.counts.size(); ++i) {
      const double w = s.energy_keV[i + 1] - s.energy_keV[i];
      density[k].push_back(s.counts[i] / w);
      if (s.energy_keV[i] >= x_min) peak = std::max(peak, density[k].back());
    }
  }
  if (!(peak > 0.0)) peak = 1.0;
  const double y_min = peak * 1e-6, y_max = peak * 1e2;
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(x_min, x_max, y_min, y_max);
  gr.SetFunc("lg(x)", "lg(y)");
  gr.Title(tex_escape(title).c_str(), "", -1.2);
  // The paper's colours: CsI blue, steel purple, PMTs red, copper orange, LN₂ green; others after.
  const auto pen_of = [](const std::string& label, std::size_t k) -> const char* {
    if (label.rfind("crystal", 0) == 0) return "b-2";
    if (label.rfind("steel", 0) == 0) return "m-2";
    if (label.rfind("pmt", 0) == 0) return "r-2";
    if (label.rfind("copper", 0) == 0) return "q-2";
    if (label.rfind("ln2", 0) == 0) return "g-2";
    static constexpr const char* others[] = {"c-2", "h-2", "k-2", "n-2", "p-2"};
    return others[k % std::size(others)];
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t k = 0; k < spectra.size(); ++k) {
    // Rebinned to 50 logarithmic bins per decade for display (the fine 0.01 keV bins are noise).
    std::vector<double> x, y;
    const auto& s = spectra[k];
    constexpr int per_decade = 25;
    for (int j = 0; j < per_decade * 4; ++j) {
      const double lo = x_min * std::pow(10.0, double(j) / per_decade), hi = x_min * std::pow(10.0, double(j + 1) / per_decade);
      if (lo >= x_max) break;
      double sum = 0.0;
      for (std::size_t i = 0; i < s.counts.size(); ++i) {
        const double a = std::max(lo, s.energy_keV[i]), b = std::min(hi, s.energy_keV[i + 1]);
        if (b > a) sum += density[k][i] * (b - a);
      }
      x.push_back(std::sqrt(lo * hi));
      y.push_back(sum > 0.0 ? sum / (hi - lo) : nan);
    }
    const char* pen = pen_of(s.label, k);
    gr.Plot(mglData(x), mglData(y), pen);
    gr.AddLegend(fmt::format("{}: {:.3g} in ROI", tex_escape(s.label), s.roi_count).c_str(), pen);
  }
  gr.Axis("xy");
  gr.Box();
  gr.Label('x', "deposited energy (keV)", 0);
  gr.Label('y', "deposits / keV (exposure, criterion 4)", 0);
  gr.Legend(3, "#");
  figure::save(gr, directory, "fig11_materials", written);
  return written;
}

}  // namespace cevns::report

CEVNS_PLOT_ENTRY(write_materials_figure)
