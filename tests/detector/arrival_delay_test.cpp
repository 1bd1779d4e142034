// The first-photoelectron delay of the predicted arrival time (arrival_delay.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "cevns/core/error.hpp"
#include "cevns/detector/arrival_delay.hpp"

namespace cevns {
namespace {

ArrivalDelayConfig single_exponential(double tau_ns) {
  ArrivalDelayConfig c;
  c.decay_times_ns = {tau_ns};
  c.weights = {1.0};
  return c;
}

TEST(ArrivalDelay, FirstOfNExponentialsIsExponentialOfTauOverN) {
  // Closed form: the minimum of n exponentials of τ is exponential of τ/n, P(D_n > t) =
  // e^{−nt/τ}; tolerance 1e-12 (relative, round-off).
  const auto c = single_exponential(1015.0);
  for (int n : {1, 4, 20, 150})
    for (double t : {0.0, 3.0, 50.0, 400.0, 2000.0})
      EXPECT_NEAR(c.survival(t, n), std::exp(-n * t / 1015.0), 1e-12 * std::exp(-n * t / 1015.0) + 1e-300) << n << " " << t;
  EXPECT_EQ(c.survival(-5.0, 10), 1.0);
}

TEST(ArrivalDelay, TimeSpectrumOfAPointArrivalIsTheDelayOverEachBin) {
  // An arrival at 0.101 µs (a cell centre of the 2 ns cells of 0.1 µs bins): bin [l, h)
  // holds e^{−n(l−a)/τ} − e^{−n(h−a)/τ} exactly (closed form; tolerance 1e-12).
  const auto c = single_exponential(1015.0);
  const Binning bins = Binning::uniform(-1.0, 10.0, 110);
  const double a = 0.101;
  const auto point = [&](double low, double high) { return low < a && a <= high ? 1.0 : 0.0; };
  const auto spectra = c.delayed_time_spectra(point, bins, 60);
  ASSERT_EQ(spectra.size(), 61U);
  for (double x : spectra[0]) EXPECT_EQ(x, 0.0);  // no photoelectron, no time
  for (int n : {1, 4, 60}) {
    double total = 0.0;
    for (std::size_t b = 0; b < bins.size(); ++b) {
      const double lo = std::max(0.0, (bins.low(b) - a) * 1000.0), hi = std::max(0.0, (bins.high(b) - a) * 1000.0);
      const double expected = std::exp(-n * lo / 1015.0) - std::exp(-n * hi / 1015.0);
      EXPECT_NEAR(spectra[static_cast<std::size_t>(n)][b], expected, 1e-12) << n << " bin " << b;
      total += spectra[static_cast<std::size_t>(n)][b];
    }
    // What is delayed past the window's end is lost: e^{−n(10 − a)/τ}.
    EXPECT_NEAR(total, 1.0 - std::exp(-n * (10.0 - a) * 1000.0 / 1015.0), 1e-12);
  }
}

TEST(ArrivalDelay, TimeSpectrumOfAFlatArrivalMatchesItsIntegral) {
  // Arrival uniform over [0, 0.3) µs, τ = 100 ns, n = 5 (τ/n = 20 ns): bin [l, h) holds
  // (1/W)∫₀^W [F(h−a) − F(l−a)] da with F(x) = 1 − e^{−x n/τ} for x > 0 (closed form;
  // tolerance 2e-4 absolute: the arrival is taken at the centres of 2 ns cells).
  const auto c = single_exponential(100.0);
  const Binning bins = Binning::uniform(-0.2, 1.0, 12);
  const double w = 0.3, rate = 5.0 / 100.0 * 1000.0;  // per µs
  const auto flat = [&](double low, double high) { return std::max(0.0, std::min(high, w) - std::max(low, 0.0)) / w; };
  const auto spectra = c.delayed_time_spectra(flat, bins, 5);
  // G(x) = ∫₀^W F(x − a) da / W, F(y) = y > 0 ? 1 − e^{−r y} : 0.
  const auto integral_F = [&](double y) { return y <= 0.0 ? 0.0 : y + std::expm1(-rate * y) / rate; };  // ∫₀^y F
  const auto G = [&](double x) { return (integral_F(x) - integral_F(x - w)) / w; };
  for (std::size_t b = 0; b < bins.size(); ++b)
    EXPECT_NEAR(spectra[5][b], G(bins.high(b)) - G(bins.low(b)), 2e-4) << "bin " << b;
}

TEST(ArrivalDelay, TransitJitterIsTheExponentiallyModifiedNormal) {
  // With σ = 0 the jitter-free form; with σ the survival of E + G at t = offset is
  // ½ + e^{σ²/2τ²}Φ(−σ/τ) (closed form at x = 0; tolerance 1e-12) and it falls from 1.
  auto c = single_exponential(20.0);
  c.transit_time_spread_ns = 2.0;
  c.offset_ns = 1.0;
  const double expected = 0.5 + std::exp(0.5 * 0.01) * 0.5 * std::erfc(0.1 / std::sqrt(2.0));
  EXPECT_NEAR(c.photoelectron_survival(1.0), expected, 1e-12);
  EXPECT_NEAR(c.photoelectron_survival(-30.0), 1.0, 1e-12);
  double previous = 1.0;
  for (double t = -10.0; t < 100.0; t += 0.5) {
    const double s = c.photoelectron_survival(t);
    EXPECT_LE(s, previous + 1e-15);
    previous = s;
  }
}

TEST(ArrivalDelay, ImpossibleProfilesAreRefused) {
  auto c = single_exponential(1015.0);
  c.weights = {0.5};
  EXPECT_THROW(c.validate(), InvalidValue);
  c = single_exponential(-1.0);
  EXPECT_THROW(c.validate(), InvalidValue);
  c = single_exponential(1015.0);
  c.transit_time_spread_ns = -1.0;
  EXPECT_THROW(c.validate(), InvalidValue);
}

}  // namespace
}  // namespace cevns
