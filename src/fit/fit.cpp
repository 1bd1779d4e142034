#include "cevns/fit/fit.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <thread>

#include <Eigen/Dense>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/tools/roots.hpp>
#include <fmt/format.h>
#include <nlopt.hpp>

#include "cevns/core/cancelled.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/random.hpp"

namespace cevns::fit {

namespace {

struct Objective {
  const Model* model;
  const Dataset* data;
  std::vector<std::size_t> free;  // model index of each optimiser variable
  std::vector<double> full;       // all parameters, the fixed ones at their values
  std::vector<double> grad_full;
  int evaluations = 0;
};

double objective(unsigned n, const double* x, double* grad, void* user) {
  auto& o = *static_cast<Objective*>(user);
  for (unsigned i = 0; i < n; ++i) o.full[o.free[i]] = x[i];
  ++o.evaluations;
  const double t = o.model->deviance(*o.data, o.full.data(), grad ? o.grad_full.data() : nullptr);
  if (grad)
    for (unsigned i = 0; i < n; ++i) grad[i] = o.grad_full[o.free[i]];
  return t;
}

std::string result_name(nlopt::result r) {
  switch (r) {
    case nlopt::SUCCESS: return "success";
    case nlopt::STOPVAL_REACHED: return "stopval reached";
    case nlopt::FTOL_REACHED: return "ftol reached";
    case nlopt::XTOL_REACHED: return "xtol reached";
    case nlopt::MAXEVAL_REACHED: return "maximum evaluations reached";
    case nlopt::MAXTIME_REACHED: return "maximum time reached";
    default: return fmt::format("nlopt result {}", static_cast<int>(r));
  }
}

}  // namespace

Fitter::Fitter(const Model& model, Dataset data) : model_(&model), data_(std::move(data)) {
  if (data_.counts.size() != model.bin_count())
    throw ConfigError(fmt::format("fit: the data have {} bins, the model {}", data_.counts.size(), model.bin_count()));
  if (data_.aux.empty()) data_.aux = model.nominal_aux();
}

Minimum Fitter::minimize(std::vector<double> start, std::optional<std::size_t> hold) const {
  const auto& params = model_->parameters();
  Objective o{model_, &data_, {}, start, std::vector<double>(params.size()), 0};
  std::vector<double> x, lo, hi;
  for (std::size_t i = 0; i < params.size(); ++i) {
    o.full[i] = std::clamp(start[i], params[i].lower, params[i].upper);
    if (params[i].fixed || (hold && *hold == i)) continue;
    o.free.push_back(i);
    x.push_back(o.full[i]);
    lo.push_back(params[i].lower);
    hi.push_back(params[i].upper);
  }
  Minimum m;
  if (o.free.empty()) {
    m.values = o.full;
    m.deviance = model_->deviance(data_, o.full.data(), nullptr);
    m.converged = std::isfinite(m.deviance);
    m.status = "all parameters fixed";
    return m;
  }
  // L-BFGS with bounds; two passes, since a restart from the first minimum refreshes the
  // quasi-Newton memory and settles the last digits that the 1e-6 agreement needs.
  double t = 0.0;
  nlopt::result result = nlopt::FAILURE;
  // NLopt's L-BFGS sometimes ends in a generic failure when its line search cannot
  // improve (near a minimum, or at a bound): the next pass restarts from its best point,
  // with the truncated Newton method after a failure.
  bool failed = false;
  for (int pass = 0; pass < 4; ++pass) {
    if (pass >= 2 && !failed) break;
    nlopt::opt opt(failed ? nlopt::LD_TNEWTON_PRECOND_RESTART : nlopt::LD_LBFGS, static_cast<unsigned>(x.size()));
    opt.set_lower_bounds(lo);
    opt.set_upper_bounds(hi);
    opt.set_min_objective(objective, &o);
    opt.set_ftol_abs(1e-10);
    opt.set_ftol_rel(1e-14);
    opt.set_xtol_rel(1e-10);
    opt.set_maxeval(20000);
    opt.set_vector_storage(20);
    try {
      result = opt.optimize(x, t);
      m.status = result_name(result);
      m.converged = result > 0 && result != nlopt::MAXEVAL_REACHED && result != nlopt::MAXTIME_REACHED;
      failed = false;
    } catch (const nlopt::roundoff_limited&) {
      // Round-off stops at the minimum to machine precision; x holds the best point.
      m.status = "roundoff limited";
      m.converged = true;
      failed = false;
    } catch (const std::exception& e) {
      m.status = std::string("failed: ") + e.what();
      m.converged = false;
      failed = true;
    }
  }
  // Accept a failure whose end point is a minimum: what the gradient left could still gain,
  // g_i² / 2H_ii summed over the parameters not pinned at a bound (H_ii by a finite
  // difference of the gradient), is below 1e-6 in −2 ln L — far below any interval's
  // precision. (An absolute gradient bound does not scale: a parameter constrained to 5 %
  // has H ≈ 800, and a gradient of 5e-4 there leaves 2e-10 to gain.)
  if (failed) {
    const auto n = static_cast<unsigned>(x.size());
    std::vector<double> g(x.size()), g_step(x.size()), moved = x;
    objective(n, x.data(), g.data(), &o);
    double gain = 0.0, worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const bool pinned = (x[i] <= lo[i] && g[i] > 0.0) || (x[i] >= hi[i] && g[i] < 0.0);
      if (pinned) continue;
      worst = std::max(worst, std::abs(g[i]) * std::max(1.0, std::abs(x[i])));
      double h = 1e-6 * std::max(1.0, std::abs(x[i]));
      if (x[i] + h > hi[i]) h = -h;
      moved[i] = x[i] + h;
      objective(n, moved.data(), g_step.data(), &o);
      moved[i] = x[i];
      const double curvature = (g_step[i] - g[i]) / h;
      gain += curvature > 0.0 ? g[i] * g[i] / (2.0 * curvature) : std::numeric_limits<double>::infinity();
    }
    if (gain < 1e-6) {
      m.converged = true;
      m.status = fmt::format("line search ended at a minimum (projected gradient {:.1e}, {:.1e} left to gain)", worst, gain);
    } else {
      m.status += fmt::format(" (projected gradient {:.1e}, {:.1e} left to gain)", worst, gain);
    }
  }
  for (std::size_t i = 0; i < o.free.size(); ++i) o.full[o.free[i]] = x[i];
  m.values = o.full;
  m.deviance = model_->deviance(data_, m.values.data(), nullptr);
  m.evaluations = o.evaluations;
  if (!std::isfinite(m.deviance)) {
    m.converged = false;
    m.status = "the deviance is not finite at the minimum";
  }
  return m;
}

FitResult Fitter::fit(std::vector<double> start) const {
  FitResult r;
  r.minimum = minimize(std::move(start));
  const auto& params = model_->parameters();
  const std::size_t n = params.size();
  r.errors.assign(n, 0.0);
  r.at_limit.assign(n, false);
  r.covariance.assign(n, std::vector<double>(n, 0.0));
  r.correlation.assign(n, std::vector<double>(n, 0.0));
  const auto& v = r.minimum.values;
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < n; ++i) {
    if (params[i].fixed) continue;
    const double span = params[i].upper - params[i].lower;
    const double h = 1e-4 * std::max(1.0, std::abs(v[i]));
    if (v[i] - params[i].lower < std::max(1e-6 * span, 1e-9) || params[i].upper - v[i] < std::max(1e-6 * span, 1e-9) ||
        v[i] - h < params[i].lower) {
      r.at_limit[i] = true;
      continue;
    }
    free.push_back(i);
  }
  // The Hessian of t from central differences of the analytic gradient, symmetrised.
  const std::size_t m = free.size();
  Eigen::MatrixXd h(m, m);
  std::vector<double> p = v, gp(n), gm(n);
  for (std::size_t a = 0; a < m; ++a) {
    const std::size_t i = free[a];
    const double step = 1e-4 * std::max(1.0, std::abs(v[i]));
    p[i] = v[i] + step;
    model_->deviance(data_, p.data(), gp.data());
    p[i] = v[i] - step;
    model_->deviance(data_, p.data(), gm.data());
    p[i] = v[i];
    for (std::size_t b = 0; b < m; ++b) h(b, a) = (gp[free[b]] - gm[free[b]]) / (2.0 * step);
  }
  h = 0.5 * (h + h.transpose()).eval();
  if (m > 0) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(h);
    r.hessian_ok = eigen.info() == Eigen::Success && eigen.eigenvalues().minCoeff() > 0.0;
    if (r.hessian_ok) {
      const Eigen::MatrixXd cov = 2.0 * h.inverse();
      for (std::size_t a = 0; a < m; ++a)
        for (std::size_t b = 0; b < m; ++b) r.covariance[free[a]][free[b]] = cov(a, b);
      for (std::size_t a = 0; a < m; ++a) r.errors[free[a]] = std::sqrt(cov(a, a));
      for (std::size_t a = 0; a < m; ++a)
        for (std::size_t b = 0; b < m; ++b)
          r.correlation[free[a]][free[b]] = cov(a, b) / std::sqrt(cov(a, a) * cov(b, b));
    }
  }
  r.poisson_deviance = model_->poisson_deviance(data_, v);
  r.bins = model_->bin_count();
  r.free_parameters = 0;
  for (const auto& q : params) r.free_parameters += q.fixed ? 0 : 1;
  const double dof = static_cast<double>(r.bins) - static_cast<double>(r.free_parameters);
  // χ² survival = Q(dof/2, D/2), the regularised upper incomplete gamma function.
  r.gof_p_value = 1.0;
  if (dof > 0 && r.poisson_deviance > 0.0) {
    try {
      r.gof_p_value = boost::math::gamma_q(0.5 * dof, 0.5 * r.poisson_deviance);
    } catch (const std::exception&) {
      r.gof_p_value = std::numeric_limits<double>::quiet_NaN();
    }
  }
  return r;
}

Minimum Fitter::profile(std::size_t p, double value, const std::vector<double>& start) const {
  auto s = start;
  s[p] = value;
  return minimize(s, p);
}

Interval Fitter::interval(std::size_t p, const FitResult& best, double up) const {
  const auto& q = model_->parameters()[p];
  Interval out;
  out.best = best.minimum.values[p];
  out.up = up;
  const double t_min = best.minimum.deviance;
  const double sigma = best.errors[p] > 0 ? best.errors[p] * std::sqrt(up) : 0.1 * std::max(1.0, std::abs(out.best));
  std::vector<double> warm = best.minimum.values;
  const auto f = [&](double x) {
    const auto m = profile(p, x, warm);
    return m.deviance - t_min - up;
  };
  for (int side : {-1, +1}) {
    const double bound = side < 0 ? q.lower : q.upper;
    double inner = out.best, outer = out.best + side * sigma;
    bool at_bound = false;
    double f_outer = 0.0, f_inner = -up;
    for (int k = 0; k < 40; ++k) {
      if ((side < 0 && outer <= bound) || (side > 0 && outer >= bound)) {
        outer = bound;
        f_outer = f(outer);
        at_bound = f_outer < 0.0;
        break;
      }
      f_outer = f(outer);
      if (f_outer >= 0.0) break;
      inner = outer;
      f_inner = f_outer;
      outer = out.best + side * sigma * std::pow(1.6, k + 1);
    }
    double crossing = outer;
    if (!at_bound && f_outer > 0.0) {
      boost::uintmax_t iterations = 60;
      const auto tol = [&](double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, sigma); };
      double a = std::min(inner, outer), b = std::max(inner, outer);
      const double fa = side < 0 ? f_outer : f_inner, fb = side < 0 ? f_inner : f_outer;
      const auto root = boost::math::tools::toms748_solve(f, a, b, fa, fb, tol, iterations);
      crossing = 0.5 * (root.first + root.second);
    }
    (side < 0 ? out.lower : out.upper) = crossing;
    (side < 0 ? out.lower_at_bound : out.upper_at_bound) = at_bound;
  }
  return out;
}

ProfileScan Fitter::scan(std::size_t p, const FitResult& best, double low, double high, int points) const {
  ProfileScan s;
  s.parameter = model_->parameters()[p].name;
  std::vector<double> warm = best.minimum.values;
  for (int k = 0; k < points; ++k) {
    const double x = points == 1 ? low : low + (high - low) * k / (points - 1);
    const auto m = profile(p, x, warm);
    s.values.push_back(x);
    s.delta_deviance.push_back(m.deviance - best.minimum.deviance);
  }
  return s;
}

double Fitter::q0(std::size_t p, const FitResult& best, double null_value) const {
  if (best.minimum.values[p] <= null_value) return 0.0;
  const auto m = profile(p, null_value, best.minimum.values);
  return std::max(0.0, m.deviance - best.minimum.deviance);
}

double Fitter::upper_limit(std::size_t p, const FitResult& best, double cl) const {
  const double z = boost::math::quantile(boost::math::normal(), cl);
  const auto i = interval(p, best, z * z);
  return i.upper;
}

double wilks_p_value(double q0) {
  return q0 <= 0.0 ? 0.5 : boost::math::cdf(boost::math::complement(boost::math::normal(), std::sqrt(q0)));
}

ToyResults run_toys(const Model& model, const std::vector<double>& truth, std::size_t poi, int count, std::uint64_t seed,
                    int threads, bool with_q0, std::size_t first, const std::atomic<bool>* stop) {
  ToyResults out;
  const auto n = static_cast<std::size_t>(std::max(count, 0));
  out.poi_hat.assign(n, 0.0);
  out.poi_error.assign(n, 0.0);
  out.q0.assign(n, 0.0);
  out.deviance.assign(n, 0.0);
  out.converged.assign(n, false);
  std::vector<char> converged(n, 0);
  const auto expected = model.expected(truth);
  const auto& params = model.parameters();
  std::atomic<std::size_t> next{0};
  const auto started = std::chrono::steady_clock::now();
  const auto worker = [&]() {
    for (std::size_t i = next++; i < n; i = next++) {
      if (stop != nullptr && stop->load()) return;
      auto rng = random_stream(seed, first + i);
      Dataset d{std::vector<double>(expected.size()), model.nominal_aux()};
      for (std::size_t b = 0; b < expected.size(); ++b)
        d.counts[b] = expected[b] > 0 ? static_cast<double>(std::poisson_distribution<long long>(expected[b])(rng)) : 0.0;
      for (std::size_t k = 0; k < params.size(); ++k) {
        const auto& q = params[k];
        if (q.constraint == Constraint::gaussian) d.aux[k] = std::normal_distribution<double>(truth[k], q.sigma)(rng);
        if (q.constraint == Constraint::lognormal)
          d.aux[k] = truth[k] * std::exp(std::normal_distribution<double>(0.0, std::log1p(q.sigma))(rng));
      }
      const Fitter fitter(model, std::move(d));
      const auto r = fitter.fit(truth);
      out.poi_hat[i] = r.minimum.values[poi];
      out.poi_error[i] = r.errors[poi];
      out.deviance[i] = r.minimum.deviance;
      converged[i] = r.minimum.converged && r.hessian_ok;
      if (with_q0) out.q0[i] = fitter.q0(poi, r);
    }
  };
  std::vector<std::thread> pool;
  for (int k = 1; k < std::max(threads, 1); ++k) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (stop != nullptr && stop->load()) throw Cancelled("the toys were stopped");
  for (std::size_t i = 0; i < n; ++i) out.converged[i] = converged[i] != 0;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace cevns::fit
