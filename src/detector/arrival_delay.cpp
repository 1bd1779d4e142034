#include "cevns/detector/arrival_delay.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cevns/core/error.hpp"

namespace cevns {
namespace {

/// Φ(z), the standard normal CDF.
double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/// ln P(D_n > t) below which the delay counts as certain to be over (e^−30 ≈ 1e-13).
constexpr double log_survival_floor = -30.0;

}  // namespace

void ArrivalDelayConfig::validate() const {
  // The profile is the simulation's (detector.scintillation, daq.pmt): the same ranges.
  if (decay_times_ns.empty() || decay_times_ns.size() != weights.size() || decay_times_ns.size() > 10)
    throw InvalidValue("detector.scintillation.weights", std::to_string(weights.size()) + " values",
                       "needs one weight per decay time (" + std::to_string(decay_times_ns.size()) + "), at most 10");
  for (double t : decay_times_ns)
    require_range("detector.scintillation.decay_times_ns", t, 0.0, 1e5, "scintillators decay within ≈ 10 µs", true);
  for (double w : weights) require_range("detector.scintillation.weights", w, 0.0, 1.0, "shares summing to 1", true);
  if (std::abs(std::accumulate(weights.begin(), weights.end(), 0.0) - 1.0) > 1e-6)
    throw InvalidValue("detector.scintillation.weights", "their sum", "must sum to 1");
  require_range("daq.pmt.transit_time_spread_ns", transit_time_spread_ns, 0.0, 100.0, "PMT transit-time spreads are ns");
  require_range("reco.pulse_threshold_adc", offset_ns, -100.0, 100.0,
                "the pulse start after its photoelectron (from the PMT pulse and the threshold) is a few ns");
}

double ArrivalDelayConfig::photoelectron_survival(double t_ns) const {
  const double x = t_ns - offset_ns, sigma = transit_time_spread_ns;
  if (sigma <= 0.0) {
    if (x <= 0.0) return 1.0;
    double s = 0.0;
    for (std::size_t k = 0; k < decay_times_ns.size(); ++k) s += weights[k] * std::exp(-x / decay_times_ns[k]);
    return s;
  }
  if (x < -10.0 * sigma) return 1.0;
  double s = 0.0;
  for (std::size_t k = 0; k < decay_times_ns.size(); ++k) {
    const double tau = decay_times_ns[k];
    // P(E + G > x) = P(G > x) + ∫_{g<x} φ(g) e^{−(x−g)/τ} dg (E exponential, G normal).
    const double tail = 0.5 * std::erfc(x / (sigma * std::sqrt(2.0)));
    const double z = x / sigma - sigma / tau;
    const double exponent = -x / tau + 0.5 * sigma * sigma / (tau * tau);
    const double cdf = normal_cdf(z);
    s += weights[k] * (tail + (cdf > 0.0 ? std::exp(exponent + std::log(cdf)) : 0.0));
  }
  return std::clamp(s, 0.0, 1.0);
}

double ArrivalDelayConfig::survival(double t_ns, int photoelectrons) const {
  if (photoelectrons <= 0) return 1.0;
  const double s = photoelectron_survival(t_ns);
  return s <= 0.0 ? 0.0 : std::exp(photoelectrons * std::log(s));
}

std::vector<std::vector<double>> ArrivalDelayConfig::delayed_time_spectra(
    const std::function<double(double, double)>& probability_us, const Binning& time_us, int npe_max) const {
  const std::size_t bins = time_us.size();
  std::vector<std::vector<double>> out(static_cast<std::size_t>(npe_max) + 1, std::vector<double>(bins, 0.0));
  const double bin_us = time_us.width(0);
  const double bin_ns = bin_us * 1000.0;
  // Cells of ≤ 2 ns dividing the bins (fine against the ≥ 80 ns proton pulses and the
  // delay of ≥ 5 ns at 200 PE for undoped CsI); each bin edge is a cell edge.
  const auto per_bin = static_cast<std::size_t>(std::max(1.0, std::ceil(bin_ns / 2.0 - 1e-9)));
  const double cell_us = bin_us / static_cast<double>(per_bin), cell_ns = cell_us * 1000.0;
  // Arrivals before the window are delayed into it: whole bins before it while they hold any.
  std::size_t before = 0;
  for (double low = time_us.low(0); before < 10000 && probability_us(low - bin_us, low) > 0.0; low -= bin_us) ++before;
  // Arrivals after the window reach it only by a negative jitter: a few σ.
  // (None when the offset exceeds 10 σ of the jitter.)
  const auto after_cells =
      static_cast<std::size_t>(std::max(0.0, std::ceil((10.0 * transit_time_spread_ns - offset_ns) / cell_ns))) + 1;
  const double start_us = time_us.low(0) - static_cast<double>(before) * bin_us;
  const std::size_t cells = (before + bins) * per_bin + std::max<std::size_t>(after_cells, 1);
  // prefix[c] = Σ of the cells below c.
  std::vector<double> prefix(cells + 1, 0.0), mass(cells, 0.0);
  for (std::size_t c = 0; c < cells; ++c) {
    const double low = start_us + static_cast<double>(c) * cell_us;
    mass[c] = std::max(0.0, probability_us(low, low + cell_us));
    prefix[c + 1] = prefix[c] + mass[c];
  }
  // Lags from a cell centre to an edge: (k + ½) × cell, k whole. F_n(k) = 1 − S((k+½)h)ⁿ is
  // 0 below k_low and 1 (to e^−30) from k_one(n) on.
  const long k_low = static_cast<long>(std::floor((offset_ns - 10.0 * transit_time_spread_ns) / cell_ns)) - 1;
  std::vector<double> log_s;  // ln S at k = k_low + i, up to where n = 1 is certain
  for (long k = k_low;; ++k) {
    const double s = photoelectron_survival((static_cast<double>(k) + 0.5) * cell_ns);
    log_s.push_back(s > 0.0 ? std::log(s) : -1e300);
    if (log_s.back() < log_survival_floor || log_s.size() > 50'000'000) break;
  }
  std::vector<double> edge_sum(bins + 1);
  std::vector<double> f;
  for (int n = 1; n <= npe_max; ++n) {
    // Its lag table, up to k_one.
    f.clear();
    for (double ls : log_s) {
      const double exponent = n * ls;
      if (exponent < log_survival_floor) break;
      f.push_back(-std::expm1(exponent));
    }
    const long k_one = k_low + static_cast<long>(f.size());
    for (std::size_t b = 0; b <= bins; ++b) {
      // Edge b is the lower edge of cell j; cell c lies at lag k = j − c − 1.
      const auto j = static_cast<long>((before + b) * per_bin);
      // Cells c ≤ j − 1 − k_one: delayed past the edge for certain.
      const long full_end = std::clamp<long>(j - k_one, 0, static_cast<long>(cells));
      double sum = prefix[static_cast<std::size_t>(full_end)];
      const long partial_end = std::clamp<long>(j - k_low, 0, static_cast<long>(cells));
      for (long c = full_end; c < partial_end; ++c) sum += mass[static_cast<std::size_t>(c)] * f[static_cast<std::size_t>(j - c - 1 - k_low)];
      edge_sum[b] = sum;
    }
    auto& spectrum = out[static_cast<std::size_t>(n)];
    for (std::size_t b = 0; b < bins; ++b) spectrum[b] = std::max(0.0, edge_sum[b + 1] - edge_sum[b]);
  }
  return out;
}

}  // namespace cevns
