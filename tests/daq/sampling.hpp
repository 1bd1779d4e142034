#pragma once
// The goodness-of-fit pieces the samplers' tests share: Pearson's χ² p-value and the
// histogram of sampled arrival times.
#include <algorithm>
#include <cstddef>
#include <vector>

#include <boost/math/distributions/chi_squared.hpp>

#include "cevns/core/random.hpp"
#include "cevns/core/spectrum.hpp"
#include "cevns/daq/simulation.hpp"

namespace cevns::test {

/// p-value of Pearson's χ² for observed counts against expected probabilities, merging
/// neighbouring bins until each expects at least 10 entries.
inline double chi2_p_value(const std::vector<double>& observed, const std::vector<double>& probability, double total) {
  double chi2 = 0.0;
  int bins = 0;
  double o = 0.0, e = 0.0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    o += observed[i];
    e += probability[i] * total;
    if (e >= 10.0 || i + 1 == observed.size()) {
      if (e > 0.0) {
        chi2 += (o - e) * (o - e) / e;
        ++bins;
      }
      o = e = 0.0;
    }
  }
  const boost::math::chi_squared distribution(std::max(1, bins - 1));
  return boost::math::cdf(boost::math::complement(distribution, chi2));
}

/// `draws` arrival times (ns) of `flavor` histogrammed on the uniform `bins`; `kept`: those
/// inside them.
struct ArrivalHistogram {
  std::vector<double> counts;
  int kept = 0;
};
inline ArrivalHistogram sampled_arrivals_ns(const daq::Simulation& simulation, Flavor flavor, const Binning& bins, int draws,
                                            Rng& rng) {
  ArrivalHistogram h{std::vector<double>(bins.size(), 0.0), 0};
  for (int i = 0; i < draws; ++i) {
    const double t = simulation.sample_arrival_ns(flavor, rng);
    if (t < bins.low(0) || t >= bins.high(bins.size() - 1)) continue;
    h.counts[static_cast<std::size_t>((t - bins.low(0)) / bins.width(0))] += 1.0;
    ++h.kept;
  }
  return h;
}

}  // namespace cevns::test
