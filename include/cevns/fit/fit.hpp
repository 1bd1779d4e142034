#pragma once
/// \file
/// Maximum-likelihood fits of a Model (NLopt's L-BFGS with bounds and analytic gradients),
/// uncertainties from the Hessian (Eigen), profile-likelihood intervals and scans,
/// discovery significance q₀, upper limits, goodness of fit, and toy experiments.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cevns/fit/model.hpp"

namespace cevns::fit {

/// A minimum of the deviance t = −2 ln L.
struct Minimum {
  std::vector<double> values;
  double deviance = 0.0;  ///< t at the minimum
  bool converged = false;
  std::string status;     ///< NLopt's result, or why the fit failed
  int evaluations = 0;
};

/// A fit: the minimum, Hessian errors and the goodness of fit.
struct FitResult {
  Minimum minimum;
  std::vector<double> errors;    ///< √(2 H⁻¹)_ii; 0 for fixed parameters and those at a bound
  std::vector<bool> at_limit;    ///< at a bound: left out of the Hessian
  std::vector<std::vector<double>> covariance;  ///< over all parameters (zero rows for the left-out ones)
  std::vector<std::vector<double>> correlation;
  bool hessian_ok = false;       ///< positive definite
  double poisson_deviance = 0.0; ///< the saturated-model deviance of the data at the minimum
  std::size_t bins = 0;
  std::size_t free_parameters = 0;
  double gof_p_value = 0.0;      ///< χ² survival of poisson_deviance with bins − free parameters degrees of freedom
};

/// An asymmetric profile-likelihood interval of one parameter: where t rises by `up`.
struct Interval {
  double best = 0.0;
  double lower = 0.0, upper = 0.0;
  bool lower_at_bound = false, upper_at_bound = false;
  double up = 1.0;  ///< 1 for 68.3 %, 4 for 95.4 % (two-sided)
};

/// A 1-D profile scan: t_profile(value) − t_min.
struct ProfileScan {
  std::string parameter;
  std::vector<double> values, delta_deviance;
};

/// Minimises and measures one model against one dataset. `fixed` parameters (by the
/// model's Parameter::fixed and those added with fix()) are held at their start values.
class Fitter {
 public:
  Fitter(const Model& model, Dataset data);

  [[nodiscard]] const Model& model() const { return *model_; }
  [[nodiscard]] const Dataset& data() const { return data_; }

  /// The minimum from `start` (default: the nominal values), with parameter `hold` (if set)
  /// also fixed at start[hold].
  [[nodiscard]] Minimum minimize(std::vector<double> start, std::optional<std::size_t> hold = std::nullopt) const;
  [[nodiscard]] Minimum minimize() const { return minimize(model_->nominal()); }
  /// Minimum, Hessian errors, correlations and goodness of fit.
  [[nodiscard]] FitResult fit(std::vector<double> start) const;
  [[nodiscard]] FitResult fit() const { return fit(model_->nominal()); }

  /// t minimised over the other parameters with parameter `p` held at `value`, from `start`.
  [[nodiscard]] Minimum profile(std::size_t p, double value, const std::vector<double>& start) const;
  /// The MINOS-like interval of `p` around the fit `best`: where the profiled t − t_min = up.
  [[nodiscard]] Interval interval(std::size_t p, const FitResult& best, double up = 1.0) const;
  /// The profile from `low` to `high` in `points` steps.
  [[nodiscard]] ProfileScan scan(std::size_t p, const FitResult& best, double low, double high, int points) const;
  /// The discovery test statistic q₀ = t(p = null) − t_min for an excess (p̂ > null), else 0.
  [[nodiscard]] double q0(std::size_t p, const FitResult& best, double null_value = 0.0) const;
  /// The one-sided profile-likelihood upper limit on p at confidence `cl` (asymptotic:
  /// q_p = t(p) − t_min = Φ⁻¹(cl)², Cowan et al. EPJC 71 (2011) 1554 eq. 14).
  [[nodiscard]] double upper_limit(std::size_t p, const FitResult& best, double cl = 0.95) const;

 private:
  const Model* model_;
  Dataset data_;
};

/// What a set of toy experiments found.
struct ToyResults {
  std::vector<double> poi_hat, poi_error, q0, deviance;
  std::vector<bool> converged;
  double seconds = 0.0;
};

/// Runs `count` toys drawn from `truth` (counts Poisson, auxiliary measurements around the
/// truth by their constraints), each fitted from `truth`; toy i draws from
/// random_stream(seed, i), so the results do not depend on `threads`. With `with_q0` each
/// toy also gives q₀ of `poi` against 0. `first`: the toys are toys first … first + count − 1
/// of a larger set (toy i draws from random_stream(seed, first + i)), so that toys shared
/// out over processes give the same results as one process running all. `stop`, when given,
/// is polled before each toy: once set, run_toys throws Cancelled (Ctrl-C in Python).
ToyResults run_toys(const Model& model, const std::vector<double>& truth, std::size_t poi, int count, std::uint64_t seed,
                    int threads, bool with_q0 = false, std::size_t first = 0, const std::atomic<bool>* stop = nullptr);

/// The significance √q₀ and its one-sided p-value (Wilks / Chernoff: ½χ²₁).
double wilks_p_value(double q0);

}  // namespace cevns::fit
