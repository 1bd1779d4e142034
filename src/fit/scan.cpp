#include "cevns/fit/scan.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/math/distributions/chi_squared.hpp>
#include <fmt/format.h>

#include "cevns/core/cancelled.hpp"
#include "cevns/core/error.hpp"
#include "cevns/fit/fit.hpp"

namespace cevns::fit {

std::vector<double> ScanAxis::values() const {
  std::vector<double> v;
  for (int i = 0; i < points; ++i) v.push_back(low + (high - low) * i / (points - 1));
  v.back() = high;
  return v;
}

ScanAxis parse_scan_axis(const std::string& text) {
  const auto fail = [&](const std::string& why) {
    return ConfigError(fmt::format("--param {}: {} (expected name=low:high:points, e.g. physics.sin2_theta_w=0.1:0.4:31)",
                                   text, why));
  };
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw fail("no name=");
  ScanAxis a;
  a.name = text.substr(0, eq);
  const std::string rest = text.substr(eq + 1);
  const auto c1 = rest.find(':');
  const auto c2 = c1 == std::string::npos ? std::string::npos : rest.find(':', c1 + 1);
  if (c2 == std::string::npos) throw fail("expected low:high:points");
  const auto number = [&](const std::string& s, const char* what) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) throw fail(fmt::format("{} '{}' is not a number", what, s));
    return v;
  };
  a.low = number(rest.substr(0, c1), "low");
  a.high = number(rest.substr(c1 + 1, c2 - c1 - 1), "high");
  const double n = number(rest.substr(c2 + 1), "points");
  if (!(a.high > a.low)) throw fail("high must be above low");
  if (n != std::floor(n) || n < 2 || n > 10000) throw fail("points must be a whole number from 2 to 10000");
  a.points = static_cast<int>(n);
  return a;
}

std::vector<ScanLevel> wilks_levels(int dof) {
  const boost::math::chi_squared chi2(dof);
  std::vector<ScanLevel> out;
  const auto add = [&](const std::string& name, double cl) { out.push_back({name, cl, boost::math::quantile(chi2, cl)}); };
  add("1sigma", std::erf(1.0 / std::sqrt(2.0)));
  add("90%", 0.90);
  add("2sigma", std::erf(2.0 / std::sqrt(2.0)));
  add("3sigma", std::erf(3.0 / std::sqrt(2.0)));
  return out;
}

Model with_templates(const Model& model, const std::map<std::string, std::vector<double>>& templates) {
  auto samples = model.samples();
  for (auto& s : samples) {
    const auto it = templates.find(s.name);
    if (it == templates.end()) continue;
    const auto& t = it->second;
    if (t.size() != s.nominal.size())
      throw ConfigError(fmt::format("scan: the template of '{}' has {} bins, the model {}", s.name, t.size(), s.nominal.size()));
    for (auto& v : s.shape_variations)
      for (std::size_t b = 0; b < t.size(); ++b) {
        const double ratio = s.nominal[b] > 0.0 ? t[b] / s.nominal[b] : 0.0;
        v.up[b] = s.nominal[b] > 0.0 ? v.up[b] * ratio : t[b];
        v.down[b] = s.nominal[b] > 0.0 ? v.down[b] * ratio : t[b];
      }
    s.nominal = t;
  }
  return Model(model.layout(), model.parameters(), std::move(samples));
}

namespace {

/// Where the 1-D profile `delta` over `x` is below `level`: ranges with linearly
/// interpolated ends.
ScanInterval interval_1d(const std::vector<double>& all_x, const std::vector<double>& all_delta, const ScanLevel& level) {
  // Points that did not converge are left out: the profile is interpolated across them.
  std::vector<double> x, delta;
  for (std::size_t i = 0; i < all_x.size(); ++i)
    if (std::isfinite(all_delta[i])) x.push_back(all_x[i]), delta.push_back(all_delta[i]);
  ScanInterval out;
  out.level = level.name;
  out.cl = level.cl;
  out.delta_chi2 = level.delta_chi2;
  const auto inside = [&](std::size_t i) { return std::isfinite(delta[i]) && delta[i] < level.delta_chi2; };
  const auto crossing = [&](std::size_t a, std::size_t b) {  // a inside, b outside or the other way
    if (!std::isfinite(delta[a]) || !std::isfinite(delta[b])) return inside(a) ? x[a] : x[b];
    const double f = (level.delta_chi2 - delta[a]) / (delta[b] - delta[a]);
    return x[a] + f * (x[b] - x[a]);
  };
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!inside(i) || (i > 0 && inside(i - 1))) continue;
    std::size_t j = i;
    while (j + 1 < x.size() && inside(j + 1)) ++j;
    const double lo = i == 0 ? x.front() : crossing(i - 1, i);
    const double hi = j + 1 == x.size() ? x.back() : crossing(j, j + 1);
    if (i == 0 && x.front() == all_x.front()) out.at_low_edge = true;
    if (j + 1 == x.size() && x.back() == all_x.back()) out.at_high_edge = true;
    out.ranges.emplace_back(lo, hi);
  }
  return out;
}

}  // namespace

ScanResult profile_scan(const Model& model, const Dataset& data, const std::vector<ScanAxis>& axes,
                        const PointTemplates& templates, const std::vector<double>& reference, const ScanOptions& options) {
  if (axes.empty() || axes.size() > 2) throw ConfigError("cevns scan scans one or two parameters (--param, once or twice)");
  if (reference.size() != axes.size()) throw ConfigError("scan: one reference value per axis");
  if (axes.size() == 2 && axes[0].name == axes[1].name) throw ConfigError("scan: the two --param name the same key " + axes[0].name);
  const auto t0 = std::chrono::steady_clock::now();
  ScanResult r;
  r.axes = axes;
  r.dof = static_cast<int>(axes.size());
  r.levels = wilks_levels(r.dof);
  r.reference = reference;
  r.threads = std::max(1, options.threads);
  for (const auto& a : axes) r.axis_values.push_back(a.values());
  for (const auto& p : model.parameters()) r.parameter_names.push_back(p.name);
  const std::size_t n0 = r.axis_values[0].size(), n1 = axes.size() == 2 ? r.axis_values[1].size() : 1;
  const std::size_t total = n0 * n1;

  // The best fit at the reference: the start of every point.
  const Fitter reference_fitter(model, data);
  const Minimum at_reference = reference_fitter.minimize();
  const std::vector<double> start = at_reference.values;
  const auto nominal = model.nominal();

  r.deviance.assign(total, std::numeric_limits<double>::quiet_NaN());
  r.converged.assign(total, false);
  r.profiled.assign(total, {});
  // Not a structured binding: clang 14 cannot capture one in the workers' lambda.
  const std::pair<std::size_t, std::size_t> mine_range = options.share ? options.share(total) : std::pair<std::size_t, std::size_t>{0, total};
  const std::size_t first = mine_range.first, end = mine_range.second;
  if (first > end || end > total) throw std::logic_error("profile_scan: a share beyond the grid");
  std::atomic<std::size_t> next{first};
  std::size_t done = 0;
  std::mutex mutex;
  std::exception_ptr error;
  const auto work = [&] {
    for (std::size_t i = next++; i < end; i = next++) {
      if (options.stop && options.stop->load()) {
        next = end;
        break;
      }
      try {
        std::vector<double> values{r.axis_values[0][i / n1]};
        if (axes.size() == 2) values.push_back(r.axis_values[1][i % n1]);
        const Model point = with_templates(model, templates(values));
        const Fitter fitter(point, data);
        Minimum m = fitter.minimize(start);
        // A second start from the nominal values where the first did not converge.
        // Restarts where the first did not converge: from where it stopped (a fresh
        // quasi-Newton memory), then from the nominal values.
        for (int attempt = 0; attempt < 2 && (!m.converged || !std::isfinite(m.deviance)); ++attempt) {
          Minimum again = fitter.minimize(attempt == 0 && std::isfinite(m.deviance) ? m.values : nominal);
          if (again.converged || !std::isfinite(m.deviance) || again.deviance < m.deviance) m = std::move(again);
        }
        r.deviance[i] = m.deviance;
        r.converged[i] = m.converged && std::isfinite(m.deviance);
        r.profiled[i] = std::move(m.values);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next = end;
      }
      const std::lock_guard<std::mutex> lock(mutex);
      ++done;
      if (options.progress) options.progress(done, end - first);
    }
  };
  std::vector<std::thread> pool;
  for (int k = 1; k < r.threads; ++k) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  if (options.stop && options.stop->load() && done < end - first)
    throw Cancelled(fmt::format("cevns scan: stopped after {} of {} points", done, end - first));
  if (options.gather) {
    // Every process's points: deviance, converged, the profiled parameters, per point.
    const std::size_t fields = 2 + model.parameters().size();
    std::vector<double> mine;
    mine.reserve(fields * (end - first));
    for (std::size_t i = first; i < end; ++i) {
      mine.push_back(r.deviance[i]);
      mine.push_back(r.converged[i] ? 1.0 : 0.0);
      auto values = r.profiled[i];
      values.resize(model.parameters().size(), std::numeric_limits<double>::quiet_NaN());
      mine.insert(mine.end(), values.begin(), values.end());
    }
    const auto all = options.gather(mine);
    if (all.size() != fields * total) throw std::logic_error("profile_scan: the processes' points do not add up to the grid");
    for (std::size_t i = 0; i < total; ++i) {
      const double* row = all.data() + fields * i;
      r.deviance[i] = row[0];
      r.converged[i] = row[1] != 0.0;
      r.profiled[i].assign(row + 2, row + fields);
    }
  }

  // t_min over the converged points and the reference (the minimum on the grid).
  r.t_min = at_reference.converged ? at_reference.deviance : std::numeric_limits<double>::infinity();
  std::size_t best = total;
  for (std::size_t i = 0; i < total; ++i)
    if (r.converged[i] && (best == total || r.deviance[i] < r.deviance[best])) best = i;
  if (best == total) throw NumericalError("cevns scan: the fit converged at no point of the grid");
  double best_t = r.deviance[best];
  r.best = {r.axis_values[0][best / n1]};
  if (axes.size() == 2) r.best.push_back(r.axis_values[1][best % n1]);
  const bool reference_known = std::all_of(reference.begin(), reference.end(), [](double v) { return std::isfinite(v); });
  if (reference_known && at_reference.converged && at_reference.deviance < best_t) r.best = reference;
  if (!reference_known) r.t_min = std::numeric_limits<double>::infinity();  // the configuration's point is off the axes
  r.t_min = std::min(r.t_min, best_t);
  r.reference_delta = at_reference.converged ? at_reference.deviance - r.t_min : std::numeric_limits<double>::quiet_NaN();
  r.delta.resize(total);
  for (std::size_t i = 0; i < total; ++i)
    r.delta[i] = r.converged[i] ? r.deviance[i] - r.t_min : std::numeric_limits<double>::quiet_NaN();
  for (double d : r.delta)
    if (!std::isnan(d)) require_finite("cevns scan: Δχ²", d);

  // Intervals: the 1-D profile itself, or the extent of the 2-D region (its projection).
  for (std::size_t a = 0; a < axes.size(); ++a) {
    std::vector<double> profile;
    if (axes.size() == 1) {
      profile = r.delta;
    } else {  // the profile of the 2-D Δχ² along the axis: the region's extent
      const std::size_t na = r.axis_values[a].size();
      profile.assign(na, std::numeric_limits<double>::quiet_NaN());
      for (std::size_t i = 0; i < total; ++i) {
        const std::size_t k = a == 0 ? i / n1 : i % n1;
        if (std::isfinite(r.delta[i]) && !(profile[k] <= r.delta[i])) profile[k] = r.delta[i];
      }
    }
    for (const auto& level : r.levels) {
      auto iv = interval_1d(r.axis_values[a], profile, level);
      iv.parameter = axes[a].name;
      r.intervals.push_back(std::move(iv));
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

nlohmann::json to_json(const ScanResult& s) {
  nlohmann::json j;
  j["dof"] = s.dof;
  j["threads"] = s.threads;
  j["seconds"] = s.seconds;
  j["t_min"] = s.t_min;
  for (std::size_t a = 0; a < s.axes.size(); ++a)
    j["axes"].push_back({{"name", s.axes[a].name},
                         {"low", s.axes[a].low},
                         {"high", s.axes[a].high},
                         {"points", s.axes[a].points},
                         {"values", s.axis_values[a]},
                         {"best", s.best[a]},
                         {"reference", std::isfinite(s.reference[a]) ? nlohmann::json(s.reference[a]) : nlohmann::json(nullptr)}});
  j["reference_delta_chi2"] = std::isfinite(s.reference_delta) ? nlohmann::json(s.reference_delta) : nlohmann::json(nullptr);
  for (const auto& l : s.levels) j["levels"].push_back({{"name", l.name}, {"cl", l.cl}, {"delta_chi2", l.delta_chi2}});
  for (const auto& iv : s.intervals) {
    nlohmann::json ranges = nlohmann::json::array();
    for (const auto& [lo, hi] : iv.ranges) ranges.push_back({lo, hi});
    j["intervals"].push_back({{"parameter", iv.parameter},
                              {"level", iv.level},
                              {"cl", iv.cl},
                              {"delta_chi2", iv.delta_chi2},
                              {"ranges", ranges},
                              {"at_low_edge", iv.at_low_edge},
                              {"at_high_edge", iv.at_high_edge}});
  }
  nlohmann::json delta = nlohmann::json::array(), converged = nlohmann::json::array();
  for (std::size_t i = 0; i < s.delta.size(); ++i) {
    delta.push_back(std::isfinite(s.delta[i]) ? nlohmann::json(s.delta[i]) : nlohmann::json(nullptr));
    converged.push_back(static_cast<bool>(s.converged[i]));
  }
  j["delta_chi2"] = delta;  // row-major: index i0 * points1 + i1
  j["converged"] = converged;
  return j;
}

std::string to_csv(const ScanResult& s) {
  std::string out;
  for (const auto& a : s.axes) out += a.name + ",";
  out += "deviance,delta_chi2,converged";
  for (const auto& p : s.parameter_names) out += "," + p;
  out += "\n";
  const std::size_t n1 = s.axes.size() == 2 ? s.axis_values[1].size() : 1;
  for (std::size_t i = 0; i < s.delta.size(); ++i) {
    out += fmt::format("{:.10g},", s.axis_values[0][i / n1]);
    if (s.axes.size() == 2) out += fmt::format("{:.10g},", s.axis_values[1][i % n1]);
    out += fmt::format("{:.10g},{:.10g},{}", s.deviance[i], s.delta[i], s.converged[i] ? 1 : 0);
    for (double v : s.profiled[i]) out += fmt::format(",{:.8g}", v);
    out += "\n";
  }
  return out;
}

std::string format_scan_table(const ScanResult& s) {
  std::string out = fmt::format("profile-likelihood scan, {} point{} ({} parameter{} profiled at each), {:.2f} s on {} thread{}\n",
                                s.delta.size(), s.delta.size() == 1 ? "" : "s", s.parameter_names.size(),
                                s.parameter_names.size() == 1 ? "" : "s", s.seconds, s.threads, s.threads == 1 ? "" : "s");
  std::size_t failed = 0;
  for (bool c : s.converged) failed += c ? 0 : 1;
  if (failed) out += fmt::format("  WARNING: {} point(s) did not converge (blank in the output)\n", failed);
  for (std::size_t a = 0; a < s.axes.size(); ++a)
    out += fmt::format("  {:<28} best {:.6g} (grid), reference {:.6g}\n", s.axes[a].name, s.best[a], s.reference[a]);
  out += fmt::format("  Δχ² of the reference point: {:.3f} (Wilks, {} degree{} of freedom)\n", s.reference_delta, s.dof,
                     s.dof == 1 ? "" : "s");
  for (const auto& iv : s.intervals) {
    std::string ranges;
    for (const auto& [lo, hi] : iv.ranges) ranges += fmt::format("{}[{:.6g}, {:.6g}]", ranges.empty() ? "" : " ∪ ", lo, hi);
    if (ranges.empty()) ranges = "(none on the grid)";
    out += fmt::format("  {:<28} {:>7} (Δχ² < {:.3f}): {}{}{}\n", iv.parameter, iv.level, iv.delta_chi2, ranges,
                       iv.at_low_edge ? "  [reaches the low edge]" : "", iv.at_high_edge ? "  [reaches the high edge]" : "");
  }
  return out;
}

}  // namespace cevns::fit
