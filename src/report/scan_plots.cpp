// The figures of `cevns scan` (fit_plots.hpp), in the plotting module.
#include <mgl2/mgl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/report/fit_plots.hpp"
#include "figure.hpp"
#include "plots_module.hpp"

namespace cevns::report {
namespace {

namespace fs = std::filesystem;
using figure::Canvas;
using figure::save;
using figure::tex_escape;

/// MathGL colours of the levels, innermost first.
const char* level_colour(std::size_t k) {
  static const char* colours[] = {"b", "g", "y", "r"};
  return colours[k % 4];
}

void profile_1d(const fit::ScanResult& s, const std::string& title, const fs::path& directory, std::vector<fs::path>& written) {
  const auto& x = s.axis_values[0];
  std::vector<double> px, py;
  double y_max = s.levels.back().delta_chi2 * 1.3;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (std::isfinite(s.delta[i])) px.push_back(x[i]), py.push_back(s.delta[i]);
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(x.front(), x.back(), 0, y_max);
  gr.SetCut(true);
  gr.Title(title.c_str(), "", -1.1);
  gr.Grid("xy", "{h9}:");
  gr.Axis("xy");
  gr.Box();
  gr.Label('x', tex_escape(s.axes[0].name).c_str(), 0);
  gr.Label('y', "\\Delta\\chi^2 = \\Delta(-2 ln L)", 0);
  if (px.size() >= 2) gr.Plot(mglData(px), mglData(py), "k-3");
  gr.AddLegend("profile likelihood", "k-3");
  for (std::size_t k = 0; k < s.levels.size(); ++k) {
    const auto& l = s.levels[k];
    const std::string pen = fmt::format("{}|2", level_colour(k));
    gr.Line(mglPoint(x.front(), l.delta_chi2), mglPoint(x.back(), l.delta_chi2), pen.c_str());
    std::string ranges;
    for (const auto& iv : s.intervals)
      if (iv.level == l.name)
        for (const auto& [lo, hi] : iv.ranges) ranges += fmt::format("{}[{:.4g}, {:.4g}]", ranges.empty() ? "" : " ", lo, hi);
    gr.AddLegend(fmt::format("{} ({:.2f}): {}", tex_escape(l.name), l.delta_chi2, ranges).c_str(), pen.c_str());
  }
  if (std::isfinite(s.reference[0])) {
    gr.Line(mglPoint(s.reference[0], 0), mglPoint(s.reference[0], y_max), "m-2");
    gr.AddLegend("configuration (SM)", "m-2");
  }
  gr.Legend(3, "#");
  save(gr, directory, "scan_profile", written);
}

void contours_2d(const fit::ScanResult& s, const std::string& title, const fs::path& directory, std::vector<fs::path>& written) {
  const auto& x = s.axis_values[0];
  const auto& y = s.axis_values[1];
  const long nx = static_cast<long>(x.size()), ny = static_cast<long>(y.size());
  const double big = 1e3;  // unconverged points: outside every region
  mglData z(nx, ny);
  for (long i = 0; i < nx; ++i)
    for (long j = 0; j < ny; ++j) {
      const double d = s.delta[static_cast<std::size_t>(i * ny + j)];
      z.a[i + nx * j] = std::isfinite(d) ? d : big;
    }
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(x.front(), x.back(), y.front(), y.back());
  gr.Title(title.c_str(), "", -1.1);
  // Filled regions Δχ² < level, outermost first so that each inner one is painted over it
  // in its own colour (ContF colours a band by its value on the colour axis, not by its
  // index: one call with all the levels painted them all alike); the levels as lines on top.
  static const char* fills[] = {"B", "b", "c", "y"};
  for (std::size_t k = s.levels.size(); k-- > 0;) {
    mglData region(2);
    region.a[0] = -1.0;
    region.a[1] = s.levels[k].delta_chi2;
    gr.ContF(region, mglData(x), mglData(y), z, fills[k % 4]);
  }
  mglData lines(static_cast<long>(s.levels.size()));
  for (std::size_t k = 0; k < s.levels.size(); ++k) lines.a[k] = s.levels[k].delta_chi2;
  gr.Cont(lines, mglData(x), mglData(y), z, "k");
  gr.Grid("xy", "{h9}:");
  gr.Axis("xy");
  gr.Box();
  gr.Label('x', tex_escape(s.axes[0].name).c_str(), 0);
  gr.Label('y', tex_escape(s.axes[1].name).c_str(), 0);
  for (std::size_t k = 0; k < s.levels.size(); ++k)
    gr.AddLegend(fmt::format("{} (\\Delta\\chi^2 < {:.2f})", tex_escape(s.levels[k].name), s.levels[k].delta_chi2).c_str(),
                 fmt::format("{}s", fills[k % 4]).c_str());
  gr.SetMarkSize(2.5);  // the points must show on the darkest fill
  if (std::isfinite(s.reference[0]) && std::isfinite(s.reference[1])) {
    gr.Mark(mglPoint(s.reference[0], s.reference[1]), "r*");
    gr.AddLegend("configuration (SM)", "r*");
  }
  gr.Mark(mglPoint(s.best[0], s.best[1]), "w+");
  gr.AddLegend("best fit (grid)", "k+");
  gr.Legend(3, "#");
  save(gr, directory, "scan_contours", written);
  (void)level_colour;
}

}  // namespace

std::vector<fs::path> write_scan_figures(const fit::ScanResult& scan, const std::string& title, const fs::path& directory) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) throw IoError(fmt::format("cannot create {} ({})", directory.string(), ec.message()));
  std::vector<fs::path> written;
  const std::string t = tex_escape(title);
  if (scan.axes.size() == 1)
    profile_1d(scan, t + ": profile-likelihood scan", directory, written);
  else
    contours_2d(scan, t + ": allowed regions (Wilks, 2 dof)", directory, written);
  return written;
}

}  // namespace cevns::report

// What the loader (plots_loader.cpp) calls.
CEVNS_PLOT_ENTRY(write_scan_figures)
