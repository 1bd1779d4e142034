#include "cevns/fit/model.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "cevns/core/error.hpp"

namespace cevns::fit {

Interpolated interpolate(double alpha, double delta_up, double delta_down) {
  if (alpha >= 1.0) return {alpha * delta_up, delta_up};
  if (alpha <= -1.0) return {-alpha * delta_down, -delta_down};
  // Δ(α) = α S + A g(α), g = α²(15 − 10α² + 3α⁴)/8: g(±1) = 1, g'(±1) = ±1, g''(±1) = 0,
  // so value, slope and curvature join the linear pieces at α = ±1.
  const double s = 0.5 * (delta_up - delta_down);
  const double a = 0.5 * (delta_up + delta_down);
  const double a2 = alpha * alpha;
  const double g = a2 * (15.0 - 10.0 * a2 + 3.0 * a2 * a2) / 8.0;
  const double dg = alpha * (30.0 - 40.0 * a2 + 18.0 * a2 * a2) / 8.0;
  return {alpha * s + a * g, s + a * dg};
}

namespace {

/// Δ(α) = c1 S + c2 A and its derivative d1 S + d2 A: interpolate() for every bin of a
/// variation at once, from S = (δ_up − δ_down)/2 and A = (δ_up + δ_down)/2.
struct Coefficients {
  double c1, c2, d1, d2;
};
Coefficients coefficients(double alpha) {
  if (alpha >= 1.0) return {alpha, alpha, 1.0, 1.0};
  if (alpha <= -1.0) return {alpha, -alpha, 1.0, -1.0};
  const double a2 = alpha * alpha;
  return {alpha, a2 * (15.0 - 10.0 * a2 + 3.0 * a2 * a2) / 8.0, 1.0, alpha * (30.0 - 40.0 * a2 + 18.0 * a2 * a2) / 8.0};
}

}  // namespace

Model::Model(std::vector<RegionLayout> layout, std::vector<Parameter> parameters, std::vector<Sample> samples)
    : layout_(std::move(layout)), parameters_(std::move(parameters)), samples_(std::move(samples)) {
  for (const auto& r : layout_) {
    if (r.offset != bins_) throw ConfigError(fmt::format("fit model: region '{}' does not follow the previous one", r.name));
    bins_ += r.npe_bins * r.time_bins;
  }
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const auto& p = parameters_[i];
    if (!seen.emplace(p.name, i).second) throw ConfigError(fmt::format("fit model: parameter '{}' defined twice", p.name));
    if (!(p.lower <= p.nominal && p.nominal <= p.upper))
      throw ConfigError(fmt::format("fit model: parameter '{}' = {} outside its range [{}, {}]", p.name, p.nominal, p.lower,
                                    p.upper));
    if (p.constraint != Constraint::none && !(p.sigma > 0.0 && std::isfinite(p.sigma)))
      throw ConfigError(fmt::format("fit model: the constraint of '{}' needs a positive width, not {}", p.name, p.sigma));
    if (p.constraint == Constraint::lognormal && !(p.lower > 0.0))
      throw ConfigError(fmt::format("fit model: the log-normal parameter '{}' needs a positive lower bound", p.name));
  }
  const auto param = [&](const std::string& name, bool alpha) -> std::size_t {
    const auto it = seen.find(name);
    if (it != seen.end()) return it->second;
    if (!alpha) {
      parameters_.push_back({.name = name, .nominal = 1.0, .lower = 0.0, .upper = 100.0, .source = "free"});
    } else {
      parameters_.push_back({.name = name, .nominal = 0.0, .lower = -5.0, .upper = 5.0, .constraint = Constraint::gaussian,
                             .sigma = 1.0, .source = "±1σ variation"});
    }
    seen.emplace(name, parameters_.size() - 1);
    return parameters_.size() - 1;
  };
  for (const auto& s : samples_) {
    const auto check = [&](const std::vector<double>& t, const std::string& what) {
      if (t.size() != bins_)
        throw ConfigError(fmt::format("fit model: {} of sample '{}' has {} bins, the data {}", what, s.name, t.size(), bins_));
      for (double v : t)
        if (!(v >= 0.0 && std::isfinite(v)))
          throw NumericalError(fmt::format("fit model: {} of sample '{}' holds {}, not a finite count ≥ 0", what, s.name, v));
    };
    check(s.nominal, "the template");
    Compiled c;
    for (const auto& f : s.norm_factors) c.factors.push_back(param(f, false));
    for (const auto& set : s.bin_factors) {
      if (set.size() != bins_)
        throw ConfigError(fmt::format("fit model: sample '{}' has {} bin factors for {} bins", s.name, set.size(), bins_));
      std::vector<int> indices;
      for (const auto& f : set) indices.push_back(f.empty() ? -1 : static_cast<int>(param(f, false)));
      c.bin_factor.push_back(std::move(indices));
    }
    for (const auto& n : s.norm_variations) {
      if (!(n.up > 0.0 && n.down > 0.0 && std::isfinite(n.up) && std::isfinite(n.down)))
        throw ConfigError(fmt::format("fit model: variation '{}' of sample '{}' needs positive factors, not {} / {}", n.parameter,
                                      s.name, n.up, n.down));
      c.norms.push_back({param(n.parameter, true), std::log(n.up), std::log(n.down)});
    }
    for (const auto& v : s.shape_variations) {
      check(v.up, "the +1σ template '" + v.parameter + "'");
      check(v.down, "the −1σ template '" + v.parameter + "'");
      CompiledShape cs{param(v.parameter, true), std::vector<double>(bins_), std::vector<double>(bins_)};
      for (std::size_t b = 0; b < bins_; ++b) {
        const double du = v.up[b] - s.nominal[b], dd = v.down[b] - s.nominal[b];
        cs.half_diff[b] = 0.5 * (du - dd);
        cs.half_sum[b] = 0.5 * (du + dd);
      }
      c.shapes.push_back(std::move(cs));
    }
    for (std::size_t b = 0; b < bins_; ++b) {
      bool any = s.nominal[b] != 0.0;
      for (const auto& v : s.shape_variations) any = any || v.up[b] != 0.0 || v.down[b] != 0.0;
      if (any) c.active.push_back(b);
    }
    compiled_.push_back(std::move(c));
  }
}

std::size_t Model::index(const std::string& name) const {
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    if (parameters_[i].name == name) return i;
  std::string names;
  for (const auto& p : parameters_) names += (names.empty() ? "" : ", ") + p.name;
  throw ConfigError(fmt::format("unknown fit parameter '{}'; the model's parameters: {}", name, names));
}

std::vector<double> Model::nominal() const {
  std::vector<double> p;
  for (const auto& q : parameters_) p.push_back(q.nominal);
  return p;
}

std::vector<double> Model::nominal_aux() const { return nominal(); }

void Model::sample_expected(std::size_t s, const double* p, double* out) const {
  const auto& c = compiled_[s];
  const auto& nominal = samples_[s].nominal;
  double scale = 1.0, log_scale = 0.0;
  for (auto f : c.factors) scale *= p[f];
  for (const auto& n : c.norms) log_scale += interpolate(p[n.param], n.log_up, n.log_down).value;
  scale *= std::exp(log_scale);
  std::vector<Coefficients> coef;
  for (const auto& v : c.shapes) coef.push_back(coefficients(p[v.param]));
  std::fill(out, out + bins_, 0.0);
  for (const std::size_t b : c.active) {
    double base = nominal[b];
    for (std::size_t m = 0; m < c.shapes.size(); ++m) base += coef[m].c1 * c.shapes[m].half_diff[b] + coef[m].c2 * c.shapes[m].half_sum[b];
    double g = 1.0;
    for (const auto& set : c.bin_factor)
      if (set[b] >= 0) g *= p[set[b]];
    out[b] = scale * g * std::max(base, 0.0);
  }
}

std::vector<double> Model::expected(const std::vector<double>& p) const {
  std::vector<double> total(bins_, 0.0), one(bins_);
  for (std::size_t s = 0; s < samples_.size(); ++s) {
    sample_expected(s, p.data(), one.data());
    for (std::size_t b = 0; b < bins_; ++b) total[b] += one[b];
  }
  return total;
}

namespace {
constexpr double tiny = 1e-300;
}

double Model::deviance(const Dataset& data, const double* p, double* grad) const {
  const std::size_t np = parameters_.size();
  std::vector<double> nu(bins_, 0.0), one(bins_);
  for (std::size_t s = 0; s < samples_.size(); ++s) {
    sample_expected(s, p, one.data());
    for (std::size_t b = 0; b < bins_; ++b) nu[b] += one[b];
  }
  double t = 0.0;
  std::vector<double> dt_dnu(grad ? bins_ : 0);
  for (std::size_t b = 0; b < bins_; ++b) {
    const double n = data.counts[b], v = std::max(nu[b], tiny);
    t += 2.0 * (v - n + (n > 0.0 ? n * std::log(n / v) : 0.0));
    if (grad) dt_dnu[b] = 2.0 * (1.0 - n / v);
  }
  if (grad) {
    std::fill(grad, grad + np, 0.0);
    for (std::size_t s = 0; s < samples_.size(); ++s) {
      const auto& c = compiled_[s];
      const auto& nominal = samples_[s].nominal;
      double factors = 1.0, log_scale = 0.0;
      for (auto f : c.factors) factors *= p[f];
      std::vector<double> dlog(c.norms.size());
      for (std::size_t k = 0; k < c.norms.size(); ++k) {
        const auto in = interpolate(p[c.norms[k].param], c.norms[k].log_up, c.norms[k].log_down);
        log_scale += in.value;
        dlog[k] = in.derivative;
      }
      const double norm = std::exp(log_scale);
      // ∂ν/∂(factor f) = ν without f: the product of the other factors.
      std::vector<double> without(c.factors.size(), norm);
      for (std::size_t k = 0; k < c.factors.size(); ++k)
        for (std::size_t m = 0; m < c.factors.size(); ++m)
          if (m != k) without[k] *= p[c.factors[m]];
      std::vector<double> g_factor(c.factors.size(), 0.0), g_norm(c.norms.size(), 0.0), g_shape(c.shapes.size(), 0.0);
      std::vector<Coefficients> coef;
      for (const auto& v : c.shapes) coef.push_back(coefficients(p[v.param]));
      for (const std::size_t b : c.active) {
        double base = nominal[b];
        for (std::size_t m = 0; m < c.shapes.size(); ++m)
          base += coef[m].c1 * c.shapes[m].half_diff[b] + coef[m].c2 * c.shapes[m].half_sum[b];
        const bool clipped = base < 0.0;
        base = std::max(base, 0.0);
        double g = 1.0;
        for (const auto& set : c.bin_factor)
          if (set[b] >= 0) g *= p[set[b]];
        const double w = dt_dnu[b];
        const double nu_s = factors * norm * g * base;
        for (std::size_t k = 0; k < c.factors.size(); ++k) g_factor[k] += w * without[k] * g * base;
        for (std::size_t k = 0; k < c.norms.size(); ++k) g_norm[k] += w * nu_s * dlog[k];
        if (!clipped)
          for (std::size_t m = 0; m < c.shapes.size(); ++m)
            g_shape[m] += w * factors * norm * g * (coef[m].d1 * c.shapes[m].half_diff[b] + coef[m].d2 * c.shapes[m].half_sum[b]);
        // ∂ν/∂(bin factor) = ν without that factor: the other sets' factors of this bin.
        for (std::size_t k = 0; k < c.bin_factor.size(); ++k) {
          const int f = c.bin_factor[k][b];
          if (f < 0) continue;
          double others = 1.0;
          for (std::size_t m = 0; m < c.bin_factor.size(); ++m)
            if (m != k && c.bin_factor[m][b] >= 0) others *= p[c.bin_factor[m][b]];
          grad[f] += w * factors * norm * others * base;
        }
      }
      for (std::size_t k = 0; k < c.factors.size(); ++k) grad[c.factors[k]] += g_factor[k];
      for (std::size_t k = 0; k < c.norms.size(); ++k) grad[c.norms[k].param] += g_norm[k];
      for (std::size_t m = 0; m < c.shapes.size(); ++m) grad[c.shapes[m].param] += g_shape[m];
    }
  }
  for (std::size_t i = 0; i < np; ++i) {
    const auto& q = parameters_[i];
    if (q.constraint == Constraint::gaussian) {
      const double z = (p[i] - data.aux[i]) / q.sigma;
      t += z * z;
      if (grad) grad[i] += 2.0 * z / q.sigma;
    } else if (q.constraint == Constraint::lognormal) {
      const double s = std::log1p(q.sigma);
      const double z = std::log(std::max(p[i], tiny) / data.aux[i]) / s;
      t += z * z;
      if (grad) grad[i] += 2.0 * z / (s * std::max(p[i], tiny));
    }
  }
  return t;
}

double Model::poisson_deviance(const Dataset& data, const std::vector<double>& p) const {
  const auto nu = expected(p);
  double t = 0.0;
  for (std::size_t b = 0; b < bins_; ++b) {
    const double n = data.counts[b], v = std::max(nu[b], tiny);
    t += 2.0 * (v - n + (n > 0.0 ? n * std::log(n / v) : 0.0));
  }
  return t;
}

Dataset Model::asimov(const std::vector<double>& p) const {
  Dataset d{expected(p), nominal_aux()};
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    if (parameters_[i].constraint != Constraint::none) d.aux[i] = p[i];
  return d;
}

}  // namespace cevns::fit
