#include "cevns/source/arrival_time.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

#include "cevns/core/constants.hpp"

namespace cevns {
namespace {

constexpr double fwhm_per_sigma = 2.3548200450309493;  // 2√(2 ln 2)

/// exp(a)·erfc(z), stable where exp(a) would overflow: there z is large and
/// erfc(z) = exp(−z²)/(z√π) · (1 − 1/2z² + 3/4z⁴ − 15/8z⁶ + 105/16z⁸ − …) (asymptotic;
/// relative error < 1e-7 for z ≥ 8). For z < 8, a < 64 whatever σ/τ, so the direct form is safe.
double exp_times_erfc(double a, double z) {
  if (z < 8.0) return std::exp(a) * std::erfc(z);
  const double u = 1.0 / (2.0 * z * z);
  const double series = 1.0 - u * (1.0 - 3.0 * u * (1.0 - 5.0 * u * (1.0 - 7.0 * u)));
  return std::exp(a - z * z) / (z * std::sqrt(std::numbers::pi)) * series;
}

/// The sum of the pion and muon decay times has density
/// (e^{−t/τμ} − e^{−t/τπ})/(τμ − τπ) = [τμ·Exp(τμ) − τπ·Exp(τπ)]/(τμ − τπ),
/// so its Gaussian-smeared CDF and PDF are the same combination of exGaussians.
template <class F>
double delayed(F&& exg) {
  const double tau_pi = constants::pion_lifetime;
  const double tau_mu = constants::muon_lifetime;
  return (tau_mu * exg(tau_mu) - tau_pi * exg(tau_pi)) / (tau_mu - tau_pi);
}

}  // namespace

double exgaussian_cdf(double x, double sigma, double tau) {
  if (sigma <= 0.0) return x <= 0.0 ? 0.0 : -std::expm1(-x / tau);
  const double gauss = 0.5 * std::erfc(-x / (sigma * std::numbers::sqrt2));
  const double a = -x / tau + 0.5 * (sigma / tau) * (sigma / tau);
  const double z = (sigma / tau - x / sigma) / std::numbers::sqrt2;
  return gauss - 0.5 * exp_times_erfc(a, z);
}

double exgaussian_pdf(double x, double sigma, double tau) {
  if (sigma <= 0.0) return x < 0.0 ? 0.0 : std::exp(-x / tau) / tau;
  const double a = -x / tau + 0.5 * (sigma / tau) * (sigma / tau);
  const double z = (sigma / tau - x / sigma) / std::numbers::sqrt2;
  return 0.5 / tau * exp_times_erfc(a, z);
}

namespace {

/// ∫ F dx of the exGaussian CDF F (see box_exgaussian_cdf).
double exgaussian_cdf_antiderivative(double x, double sigma, double tau) {
  if (sigma <= 0.0) return std::max(x, 0.0) - tau * exgaussian_cdf(x, 0.0, tau);
  const double u = x / sigma;
  const double gauss_cdf = 0.5 * std::erfc(-u / std::numbers::sqrt2);
  const double gauss_pdf = std::exp(-0.5 * u * u) / std::sqrt(2.0 * std::numbers::pi);
  return x * gauss_cdf + sigma * gauss_pdf - tau * exgaussian_cdf(x, sigma, tau);
}

/// 10–90 % rise of a Gaussian edge (an erf step) per σ: 2 × 1.2815516.
constexpr double rise_per_sigma = 2.5631031310892007;

}  // namespace

double box_exgaussian_cdf(double x, double width, double sigma, double tau) {
  if (width <= 0.0) return exgaussian_cdf(x, sigma, tau);
  return (exgaussian_cdf_antiderivative(x + 0.5 * width, sigma, tau) -
          exgaussian_cdf_antiderivative(x - 0.5 * width, sigma, tau)) /
         width;
}

double box_exgaussian_pdf(double x, double width, double sigma, double tau) {
  if (width <= 0.0) return exgaussian_pdf(x, sigma, tau);
  return (exgaussian_cdf(x + 0.5 * width, sigma, tau) - exgaussian_cdf(x - 0.5 * width, sigma, tau)) / width;
}

ArrivalTimeModel::ArrivalTimeModel(const PulseConfig& pulse, double time_of_flight_ns)
    : sigma_(pulse.shape == PulseShape::flat_top ? pulse.bunch_rise_ns / rise_per_sigma
                                                 : pulse.bunch_fwhm_ns / fwhm_per_sigma),
      box_(pulse.shape == PulseShape::flat_top ? pulse.bunch_fwhm_ns : 0.0) {
  pulse.validate();
  const auto n = pulse.bunch_times_ns.size();
  const double weight_sum = pulse.bunch_weights.empty()
                                ? static_cast<double>(n)
                                : std::accumulate(pulse.bunch_weights.begin(), pulse.bunch_weights.end(), 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double w = pulse.bunch_weights.empty() ? 1.0 : pulse.bunch_weights[i];
    bunches_.push_back({pulse.bunch_times_ns[i] + time_of_flight_ns, w / weight_sum});
  }
}

ArrivalTimeModel::ArrivalTimeModel(std::vector<double> edges_ns, const std::array<std::vector<double>, 4>& content,
                                   double time_of_flight_ns)
    : sigma_(0.0), box_(0.0) {
  table_edges_ = std::move(edges_ns);
  for (double& t : table_edges_) t += time_of_flight_ns;
  const std::size_t bins = table_edges_.size() - 1;
  for (std::size_t f = 0; f < content.size(); ++f) {
    const auto& c = content[f].empty() ? content[static_cast<std::size_t>(Flavor::nu_e)] : content[f];
    if (c.size() != bins) throw std::invalid_argument("ArrivalTimeModel: one content per time bin");
    std::vector<double> cdf(bins + 1, 0.0);
    std::partial_sum(c.begin(), c.end(), cdf.begin() + 1);
    const double total = cdf.back();
    if (!(total > 0.0)) throw std::invalid_argument("ArrivalTimeModel: a flavour with no neutrinos");
    for (double& x : cdf) x /= total;
    cdf.back() = 1.0;
    table_cdf_[f] = std::move(cdf);
  }
}

template <class ExGaussian>
double ArrivalTimeModel::sum_over_bunches(Flavor flavor, double time, ExGaussian exgaussian) const {
  double sum = 0.0;
  for (const auto& bunch : bunches_) {
    const auto exg = [&](double tau) { return exgaussian(time - bunch.time, box_, sigma_, tau); };
    sum += bunch.weight * (flavor == Flavor::nu_mu ? exg(constants::pion_lifetime) : delayed(exg));
  }
  return sum;
}

double ArrivalTimeModel::cdf(Flavor flavor, double time) const {
  if (!table_edges_.empty()) {
    const auto& cdf = table_cdf_[static_cast<std::size_t>(flavor)];
    if (time <= table_edges_.front()) return 0.0;
    if (time >= table_edges_.back()) return 1.0;
    const auto i = static_cast<std::size_t>(std::upper_bound(table_edges_.begin(), table_edges_.end(), time) -
                                            table_edges_.begin()) - 1;
    const double fraction = (time - table_edges_[i]) / (table_edges_[i + 1] - table_edges_[i]);
    return cdf[i] + fraction * (cdf[i + 1] - cdf[i]);
  }
  return sum_over_bunches(flavor, time, box_exgaussian_cdf);
}

double ArrivalTimeModel::pdf(Flavor flavor, double time) const {
  if (!table_edges_.empty()) {
    const auto& cdf = table_cdf_[static_cast<std::size_t>(flavor)];
    if (time < table_edges_.front() || time >= table_edges_.back()) return 0.0;
    const auto i = static_cast<std::size_t>(std::upper_bound(table_edges_.begin(), table_edges_.end(), time) -
                                            table_edges_.begin()) - 1;
    return (cdf[i + 1] - cdf[i]) / (table_edges_[i + 1] - table_edges_[i]);
  }
  return sum_over_bunches(flavor, time, box_exgaussian_pdf);
}

}  // namespace cevns
