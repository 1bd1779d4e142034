#include "cevns/detector/response.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

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

SelectionEfficiency::SelectionEfficiency(const DetectorConfig& detector, const SelectionConfig& selection, int max_npe)
    : detector_(detector),
      selection_(selection),
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
  const double coincidence = selection_.two_pmt_coincidence ? coincidence_efficiency(n, detector_.pmt_share) : 1.0;
  return constant_ * coincidence * selection_.acceptance(n);
}

std::vector<double> SelectionEfficiency::apply(const std::vector<double>& true_npe) const {
  std::vector<double> observed(true_npe.size(), 0.0);
  for (std::size_t n = 0; n < true_npe.size(); ++n) {
    const double kept = true_npe[n] * (selection_.two_pmt_coincidence
                                           ? coincidence_efficiency(static_cast<int>(n), detector_.pmt_share)
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

}  // namespace cevns
