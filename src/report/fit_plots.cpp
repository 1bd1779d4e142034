#include "cevns/report/fit_plots.hpp"

#include <mgl2/mgl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "figure.hpp"
#include "plots_module.hpp"

namespace cevns::report {
namespace {

namespace fs = std::filesystem;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
using figure::Canvas;
using figure::save;
using figure::tex_escape;

const char* sample_colour(std::size_t k) {
  static const char* colours[] = {"r", "b", "g", "y", "m", "c"};
  return colours[k % 6];
}

/// The projection of `counts` (one region) onto NPE (axis 0) or time (axis 1).
std::vector<double> project(const std::vector<double>& counts, const fit::RegionLayout& r, int axis) {
  std::vector<double> out(axis == 0 ? r.npe_bins : r.time_bins, 0.0);
  for (std::size_t i = 0; i < r.npe_bins; ++i)
    for (std::size_t j = 0; j < r.time_bins; ++j) out[axis == 0 ? i : j] += counts[r.offset + i * r.time_bins + j];
  return out;
}

/// Step outline (x, y) of a histogram.
void outline(const std::vector<double>& edges, const std::vector<double>& y, std::vector<double>& ox, std::vector<double>& oy) {
  ox.clear();
  oy.clear();
  for (std::size_t k = 0; k < y.size(); ++k) {
    ox.push_back(edges[k]);
    oy.push_back(y[k]);
    ox.push_back(edges[k + 1]);
    oy.push_back(y[k]);
  }
}

void projection_figure(const fit::Analysis& a, const fit::RegionLayout& r, int axis, const std::string& title,
                       const fs::path& directory, std::vector<fs::path>& written) {
  const auto& model = a.built.model;
  const auto& edges = axis == 0 ? r.npe_edges : r.time_edges_us;
  const auto data = project(a.data.counts, r, axis);
  std::vector<std::vector<double>> stack;  // cumulative, sample by sample
  std::vector<std::size_t> shown;
  std::vector<double> running(data.size(), 0.0);
  for (std::size_t s = 0; s < model.samples().size(); ++s) {
    const auto p = project(a.post_fit[s], r, axis);
    double sum = 0;
    for (double v : p) sum += v;
    if (sum <= 0) continue;
    for (std::size_t k = 0; k < p.size(); ++k) running[k] += p[k];
    stack.push_back(running);
    shown.push_back(s);
  }
  double y_max = 1.0;
  for (std::size_t k = 0; k < data.size(); ++k) y_max = std::max({y_max, data[k] + std::sqrt(data[k]), running[k]});
  Canvas gr(800, 700);
  gr.MultiPlot(1, 3, 0, 1, 2, "<_");
  gr.SetRanges(edges.front(), edges.back(), 0, 1.25 * y_max);
  gr.SetTuneTicks(0);
  gr.Title(title.c_str(), "", -1.1);
  gr.Grid("xy", "{h9}:");
  gr.Axis("y");
  gr.Box();
  gr.Label('y', "counts / bin", 0);
  std::vector<double> ox, oy;
  for (std::size_t k = stack.size(); k-- > 0;) {
    outline(edges, stack[k], ox, oy);
    const std::string pen = std::string(sample_colour(shown[k]));
    gr.Area(mglData(ox), mglData(oy), pen.c_str());
    gr.Plot(mglData(ox), mglData(oy), (pen + "-2").c_str());
    double sum = 0;
    for (std::size_t b = r.offset; b < r.offset + r.npe_bins * r.time_bins; ++b) sum += a.post_fit[shown[k]][b];
    gr.AddLegend(fmt::format("{} ({:.1f})", tex_escape(model.samples()[shown[k]].name), sum).c_str(), (pen + "-5").c_str());
  }
  std::vector<double> cx, err;
  double total = 0;
  for (std::size_t k = 0; k < data.size(); ++k) {
    cx.push_back(0.5 * (edges[k] + edges[k + 1]));
    err.push_back(std::sqrt(data[k]));
    total += data[k];
  }
  gr.Error(mglData(cx), mglData(data), mglData(err), "k");
  gr.Plot(mglData(cx), mglData(data), " ko");
  gr.AddLegend(fmt::format("data ({:.0f}) \\pm \\sqrt{{N}}", total).c_str(), "ko");
  gr.Legend(3, "#");
  // Residuals (data − fit)/√fit.
  gr.SubPlot(1, 3, 2, "<_");
  std::vector<double> res;
  double r_max = 2.0;
  for (std::size_t k = 0; k < data.size(); ++k) {
    const double fit = running[k];
    res.push_back(fit > 0 ? (data[k] - fit) / std::sqrt(fit) : nan);
    if (fit > 0) r_max = std::max(r_max, std::abs(res.back()) * 1.15);
  }
  gr.SetRanges(edges.front(), edges.back(), -r_max, r_max);
  gr.Grid("xy", "{h9}:");
  gr.Axis("xy");
  gr.Box();
  gr.Label('x', axis == 0 ? "number of photoelectrons (NPE)" : "arrival time (\\mu{}s)", 0);
  gr.Label('y', "(data-fit)/\\sqrt{fit}", 0);
  gr.Line(mglPoint(edges.front(), 0), mglPoint(edges.back(), 0), "k-1");
  gr.Plot(mglData(cx), mglData(res), " ko");
  save(gr, directory, fmt::format("fit_{}_{}", r.name, axis == 0 ? "npe" : "time"), written);
}

void profile_figure(const fit::Analysis& a, const std::string& title, const fs::path& directory, std::vector<fs::path>& written) {
  if (a.scan.values.size() < 2) return;
  const double k = a.poi_events_per_unit;
  std::vector<double> x, y;
  double y_max = 5.0;
  for (std::size_t i = 0; i < a.scan.values.size(); ++i) {
    x.push_back(a.scan.values[i] * k);
    y.push_back(a.scan.delta_deviance[i]);
    y_max = std::max(y_max, std::min(y.back(), 12.0));
  }
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(x.front(), x.back(), 0, y_max * 1.05);
  gr.SetCut(true);
  gr.Title(title.c_str(), "", -1.1);
  gr.Grid("xy", "{h9}:");
  gr.Axis("xy");
  gr.Box();
  gr.Label('x', fmt::format("{} (events)", tex_escape(a.scan.parameter)).c_str(), 0);
  gr.Label('y', "\\Delta(-2 ln L)", 0);
  gr.Plot(mglData(x), mglData(y), "b-3");
  gr.AddLegend("profile likelihood", "b-3");
  for (double level : {1.0, 4.0}) gr.Line(mglPoint(x.front(), level), mglPoint(x.back(), level), "k|1");
  const auto mark = [&](const fit::Interval& iv, const char* pen, const char* label) {
    for (double v : {iv.lower, iv.upper}) gr.Line(mglPoint(v * k, 0), mglPoint(v * k, iv.up), pen);
    gr.AddLegend(fmt::format("{}: [{:.1f}, {:.1f}]", label, iv.lower * k, iv.upper * k).c_str(), pen);
  };
  mark(a.interval_1sigma, "g-2", "1\\sigma");
  mark(a.interval_2sigma, "r-2", "2\\sigma");
  gr.Legend(2, "#");
  save(gr, directory, "fit_profile", written);
}

void pulls_figure(const fit::Analysis& a, const std::string& title, const fs::path& directory, std::vector<fs::path>& written) {
  const auto& params = a.built.model.parameters();
  std::vector<std::size_t> constrained;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].constraint != fit::Constraint::none && !params[i].fixed) constrained.push_back(i);
  if (constrained.empty()) return;
  const double n = static_cast<double>(constrained.size());
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  gr.SetRanges(-3, 3, -0.5, n - 0.5);
  gr.Title(title.c_str(), "", -1.1);
  gr.Grid("x", "{h9}:");
  gr.Axis("x");
  gr.Box();
  gr.Label('x', "pull (\\hat{\\theta} - \\theta_0)/\\sigma, error \\sigma_{\\hat\\theta}/\\sigma", 0);
  for (double v : {-2.0, 2.0}) gr.Line(mglPoint(v, -0.5), mglPoint(v, n - 0.5), "y-3");
  for (double v : {-1.0, 1.0}) gr.Line(mglPoint(v, -0.5), mglPoint(v, n - 0.5), "g-3");
  std::vector<double> y, pull, err;
  for (std::size_t k = 0; k < constrained.size(); ++k) {
    const auto i = constrained[k];
    y.push_back(static_cast<double>(k));
    pull.push_back((a.fit.minimum.values[i] - a.data.aux[i]) / params[i].sigma);
    err.push_back(a.fit.errors[i] / params[i].sigma);
    gr.Puts(mglPoint(-2.9, static_cast<double>(k) + 0.2), tex_escape(params[i].name).c_str(), ":L", -1.0);
  }
  gr.Error(mglData(pull), mglData(y), mglData(err), mglData(std::vector<double>(y.size(), 0.0)), "k");
  gr.Plot(mglData(pull), mglData(y), " ko");
  save(gr, directory, "fit_pulls", written);
}

void correlation_figure(const fit::Analysis& a, const std::string& title, const fs::path& directory,
                        std::vector<fs::path>& written) {
  const auto& params = a.built.model.parameters();
  std::vector<std::size_t> shown;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (!params[i].fixed && !a.fit.at_limit[i] && params[i].name.rfind("ss_", 0) != 0) shown.push_back(i);
  if (shown.size() < 2) return;
  const auto m = static_cast<long>(shown.size());
  mglData z(m, m);
  for (long u = 0; u < m; ++u)
    for (long v = 0; v < m; ++v) z.a[u + m * v] = a.fit.correlation[shown[u]][shown[v]];
  Canvas gr;
  gr.SubPlot(1, 1, 0, "<_");
  // Tile draws each cell at the height of its value: the texts go above the highest (z = 1.05).
  gr.SetRanges(-0.5, m - 0.5, -0.5, m - 0.5, -1, 1.1);
  gr.SetRange('c', -1, 1);
  gr.Title(title.c_str(), "", -1.1);
  gr.Box();
  gr.Tile(z, "BbwrR");
  for (long u = 0; u < m; ++u) {
    // Column names on two staggered lines, so that long ones do not overlap.
    gr.Puts(mglPoint(double(u), -0.5 - (u % 2 == 0 ? 0.035 : 0.085) * double(m), 1.05),
            tex_escape(params[shown[u]].name).c_str(), ":C", -0.8);
    gr.Puts(mglPoint(-0.5, double(u), 1.05), (tex_escape(params[shown[u]].name) + " ").c_str(), ":R", -0.8);
    for (long v = 0; v < m; ++v)
      gr.Puts(mglPoint(double(u), double(v), 1.05), fmt::format("{:.2f}", z.a[u + m * v]).c_str(),
              std::abs(z.a[u + m * v]) > 0.6 ? ":Cw" : ":C", -0.8);
  }
  gr.Colorbar("BbwrR");
  save(gr, directory, "fit_correlation", written);
}

}  // namespace

std::vector<fs::path> write_fit_figures(const fit::Analysis& analysis, const std::string& title, const fs::path& directory) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) throw IoError(fmt::format("cannot create {} ({})", directory.string(), ec.message()));
  std::vector<fs::path> written;
  const std::string t = tex_escape(title);
  for (const auto& r : analysis.built.model.layout()) {
    projection_figure(analysis, r, 0, fmt::format("{}: {} post-fit, NPE", t, tex_escape(r.name)), directory, written);
    projection_figure(analysis, r, 1, fmt::format("{}: {} post-fit, time", t, tex_escape(r.name)), directory, written);
  }
  profile_figure(analysis, t + ": profile likelihood", directory, written);
  pulls_figure(analysis, t + ": pulls", directory, written);
  correlation_figure(analysis, t + ": correlations", directory, written);
  return written;
}

}  // namespace cevns::report

// What the loader (plots_loader.cpp) calls.
CEVNS_PLOT_ENTRY(write_fit_figures)
