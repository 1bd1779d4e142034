#include "cevns/detector/response.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include <boost/math/quadrature/gauss.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace cevns {

double coincidence_efficiency(int photoelectrons, double share) {
  if (photoelectrons <= 0) return 0.0;
  return 1.0 - std::pow(share, photoelectrons) - std::pow(1.0 - share, photoelectrons);
}

std::pair<std::size_t, std::size_t> poisson_probabilities(double mean, std::size_t size, std::vector<double>& out) {
  out.assign(size, 0.0);
  if (size == 0) return {0, 0};
  if (mean <= 0.0) {
    out[0] = 1.0;
    return {0, 1};
  }
  const double reach = 10.0 * std::sqrt(mean) + 10.0;
  const auto first = static_cast<std::size_t>(std::max(0.0, mean - reach));
  const auto last = std::min(size, static_cast<std::size_t>(mean + reach) + 1);
  if (first >= last) return {first, first};
  // Start at the mode with log P computed by lgamma, then recur both ways.
  const auto mode = std::clamp<std::size_t>(static_cast<std::size_t>(mean), first, last - 1);
  out[mode] = std::exp(mode * std::log(mean) - mean - std::lgamma(mode + 1.0));
  for (std::size_t n = mode + 1; n < last; ++n) out[n] = out[n - 1] * mean / static_cast<double>(n);
  for (std::size_t n = mode; n-- > first;) out[n] = out[n + 1] * static_cast<double>(n + 1) / mean;
  return {first, last};
}

namespace {

/// The Gamma's probabilities (or acceptance-weighted integrals) in the cells
/// [low(n), low(n + 1)), n = 0 … size − 1, the last one to ∞ (gamma_pe_probabilities).
template <class Low>
void gamma_cells(double mean, double shape, std::size_t size, Low&& low_of, std::vector<double>& out,
                 const AcceptanceConfig* acceptance) {
  out.assign(size, 0.0);
  if (size == 0) return;
  if (!(mean > 0.0)) {
    out[0] = acceptance ? acceptance->at(0.0) : 1.0;
    return;
  }
  const double scale = mean / shape;
  const auto cdf = [&](double x) { return x <= 0.0 ? 0.0 : boost::math::gamma_p(shape, x / scale); };
  const auto density = [&](double x) { return x <= 0.0 ? 0.0 : boost::math::gamma_p_derivative(shape, x / scale) / scale; };
  // The Gamma's bulk: mean ± 12 σ (σ = mean/√shape) and a little more; beyond, P < 10⁻²⁰.
  const double sigma = mean / std::sqrt(shape);
  const double reach_high = mean + 12.0 * sigma + 20.0;
  for (std::size_t n = 0; n < size; ++n) {
    const double low = low_of(n);
    const double high = n + 1 == size ? std::numeric_limits<double>::infinity() : low_of(n + 1);
    if (low > reach_high) break;
    if (!acceptance || acceptance->model == AcceptanceModel::none || std::isinf(high)) {
      out[n] = (std::isinf(high) ? 1.0 : cdf(high)) - cdf(low);
      if (acceptance && std::isinf(high)) out[n] *= acceptance->at(low);  // the overflow bin, at its edge
      continue;
    }
    // Split at the acceptance's steps, where the integrand jumps.
    std::vector<double> edges{low};
    for (double step : {acceptance->step_PE, acceptance->step_PE + 1.0})
      if (acceptance->step_PE > 0.0 && step > low && step < high) edges.push_back(step);
    edges.push_back(high);
    double sum = 0.0;
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
      const auto f = [&](double x) { return acceptance->at(x) * density(x); };
      sum += boost::math::quadrature::gauss<double, 10>::integrate(f, edges[i], edges[i + 1]);
    }
    out[n] = sum;
  }
}

}  // namespace

void gamma_pe_probabilities(double mean, double shape, std::size_t size, std::vector<double>& out,
                            const AcceptanceConfig* acceptance) {
  gamma_cells(
      mean, shape, size, [](std::size_t n) { return n == 0 ? 0.0 : n - 0.5; }, out, acceptance);
}

void gamma_pe_probabilities(double mean, double shape, const std::vector<double>& lows, std::vector<double>& out,
                            const AcceptanceConfig* acceptance) {
  gamma_cells(
      mean, shape, lows.size(), [&lows](std::size_t n) { return std::max(0.0, lows[n]); }, out, acceptance);
}

SelectionEfficiency::SelectionEfficiency(const DetectorConfig& detector, const SelectionConfig& selection, int max_npe)
    : detector_(detector),
      selection_(selection.with_acceptance(selection.acceptance_of(0))),
      max_npe_(max_npe),
      constant_((selection.muon_veto ? selection.muon_veto_efficiency : 1.0) *
                (selection.afterglow_cut ? selection.afterglow_efficiency : 1.0)) {
  if (detector.spe_resolution <= 0.0) return;
  // n true PE give a charge of n ± σ√n single-PE units; observed NPE m is the charge rounded.
  const auto size = static_cast<std::size_t>(max_npe) + 1;
  smearing_.assign(size, std::vector<double>(size, 0.0));
  smearing_[0][0] = 1.0;
  for (std::size_t n = 1; n < size; ++n) {
    const double width = detector.spe_resolution * std::sqrt(static_cast<double>(n));
    const auto cdf = [&](double x) { return 0.5 * std::erfc(-(x - double(n)) / (width * std::numbers::sqrt2)); };
    for (std::size_t m = 0; m < size; ++m)
      smearing_[n][m] = (m + 1 == size ? 1.0 : cdf(m + 0.5)) - (m == 0 ? 0.0 : cdf(m - 0.5));
  }
}

double SelectionEfficiency::efficiency(int n) const {
  const double coincidence = selection_.two_pmt_coincidence ? coincidence_efficiency(n, detector_.pmt_share_of(0)) : 1.0;
  return constant_ * coincidence * selection_.acceptance(n);
}

std::vector<double> SelectionEfficiency::apply(const std::vector<double>& true_npe) const {
  std::vector<double> observed(true_npe.size(), 0.0);
  for (std::size_t n = 0; n < true_npe.size(); ++n) {
    const double kept = true_npe[n] * (selection_.two_pmt_coincidence
                                           ? coincidence_efficiency(static_cast<int>(n), detector_.pmt_share_of(0))
                                           : 1.0);
    if (smearing_.empty()) {
      observed[n] += kept;
    } else {
      for (std::size_t m = 0; m < observed.size(); ++m) observed[m] += kept * smearing_[n][m];
    }
  }
  for (std::size_t m = 0; m < observed.size(); ++m) observed[m] *= constant_ * selection_.acceptance(static_cast<int>(m));
  return observed;
}

std::vector<double> SelectionEfficiency::apply_timed(const std::vector<double>& true_npe,
                                                     const std::vector<std::vector<double>>& time_by_npe) const {
  const std::size_t times = time_by_npe.empty() ? 0 : time_by_npe.front().size();
  std::vector<double> out(true_npe.size() * times, 0.0);
  for (std::size_t n = 0; n < true_npe.size(); ++n) {
    const double kept = true_npe[n] * (selection_.two_pmt_coincidence
                                           ? coincidence_efficiency(static_cast<int>(n), detector_.pmt_share_of(0))
                                           : 1.0);
    const auto& time = time_by_npe[std::min(n, time_by_npe.size() - 1)];
    if (smearing_.empty()) {
      const double observed = kept * (constant_ * selection_.acceptance(static_cast<int>(n)));
      for (std::size_t t = 0; t < times; ++t) out[n * times + t] += observed * time[t];
      continue;
    }
    for (std::size_t m = 0; m < true_npe.size(); ++m) {
      const double observed = kept * smearing_[n][m] * (constant_ * selection_.acceptance(static_cast<int>(m)));
      if (observed == 0.0) continue;
      for (std::size_t t = 0; t < times; ++t) out[m * times + t] += observed * time[t];
    }
  }
  return out;
}

}  // namespace cevns
