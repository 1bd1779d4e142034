// Photostatistics and selection efficiency against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "cevns/core/error.hpp"
#include "cevns/detector/response.hpp"

namespace cevns {
namespace {

TEST(Coincidence, ClosedFormOfThePaper) {
  // CLOVERS Figure 5: with equal sharing, P(≥1 PE in both PMTs | n) = 1 − 2^(1−n).
  EXPECT_EQ(coincidence_efficiency(0, 0.5), 0.0);
  EXPECT_EQ(coincidence_efficiency(1, 0.5), 0.0);
  for (int n = 1; n <= 40; ++n) EXPECT_NEAR(coincidence_efficiency(n, 0.5), 1.0 - std::pow(2.0, 1 - n), 1e-15) << n;
  // Asymmetric sharing p: 1 − pⁿ − (1−p)ⁿ, checked against the binomial sum for n = 5.
  const double p = 0.3;
  double both = 0.0;
  for (int k = 1; k <= 4; ++k) both += std::tgamma(6.0) / (std::tgamma(k + 1.0) * std::tgamma(6.0 - k)) *
                                       std::pow(p, k) * std::pow(1 - p, 5 - k);
  EXPECT_NEAR(coincidence_efficiency(5, p), both, 1e-14);
}

TEST(Poisson, NormalisedAndStableForLargeMeans) {
  std::vector<double> pmf;
  for (double mean : {0.0, 0.3, 4.0, 35.0, 140.0, 900.0}) {
    poisson_probabilities(mean, 2000, pmf);
    EXPECT_NEAR(std::accumulate(pmf.begin(), pmf.end(), 0.0), 1.0, 1e-12) << mean;
    double first = 0.0;
    for (std::size_t n = 0; n < pmf.size(); ++n) first += n * pmf[n];
    EXPECT_NEAR(first, mean, 1e-9 * (1 + mean)) << mean;
  }
  poisson_probabilities(3.0, 4, pmf);
  EXPECT_NEAR(pmf[2], 9.0 / 2.0 * std::exp(-3.0), 1e-15);
}

TEST(SelectionEfficiency, ProductOfTheCuts) {
  DetectorConfig detector;
  SelectionConfig selection;
  const SelectionEfficiency eff(detector, selection, 100);
  // CLOVERS §2.4: 98.9 % × 73.8 % × (1 − 2^(1−n)).
  EXPECT_NEAR(eff.constant_efficiency(), 0.989 * 0.738, 1e-15);
  EXPECT_NEAR(eff.efficiency(4), 0.989 * 0.738 * 0.875, 1e-15);
  std::vector<double> flat(101, 1.0);
  const auto kept = eff.apply(flat);
  EXPECT_NEAR(kept[4], eff.efficiency(4), 1e-15);
  EXPECT_EQ(kept[0], 0.0);
}

TEST(SelectionEfficiency, ChargeSmearingConservesEvents) {
  DetectorConfig detector;
  detector.spe_resolution = 0.4;
  SelectionConfig selection;
  selection.muon_veto_efficiency = selection.afterglow_efficiency = 1.0;
  selection.two_pmt_coincidence = false;
  const SelectionEfficiency eff(detector, selection, 200);
  std::vector<double> spectrum(201, 0.0);
  spectrum[20] = 100.0;
  const auto observed = eff.apply(spectrum);
  EXPECT_NEAR(std::accumulate(observed.begin(), observed.end(), 0.0), 100.0, 1e-9);
  double mean = 0.0, variance = 0.0;
  for (std::size_t m = 0; m < observed.size(); ++m) mean += m * observed[m] / 100.0;
  for (std::size_t m = 0; m < observed.size(); ++m) variance += (m - mean) * (m - mean) * observed[m] / 100.0;
  EXPECT_NEAR(mean, 20.0, 0.01);
  // σ² = n·σ_spe² + 1/12 from rounding to integers: 3.2 + 0.083.
  EXPECT_NEAR(variance, 20 * 0.16 + 1.0 / 12.0, 0.02);
}

TEST(Acceptance, CoherentLogisticWithStep) {
  // coherent_parameters.yaml: a/(1 + exp(−k(x − x₀)))·H(x − 5); the release's "n-PE bin"
  // read as (n − 1, n], evaluated at its centre x = n − ½.
  AcceptanceConfig acceptance{.model = AcceptanceModel::logistic, .evaluate_at = AcceptanceEvaluation::bin_centre};
  EXPECT_EQ(acceptance(5), 0.0);  // x = 4.5 < 5
  EXPECT_NEAR(acceptance(6), 0.5 * 0.6655 / (1 + std::exp(-0.4942 * (5.5 - 10.8507))), 1e-15);
  EXPECT_NEAR(acceptance(12), 0.6655 / (1 + std::exp(-0.4942 * (11.5 - 10.8507))), 1e-15);
  EXPECT_EQ(AcceptanceConfig{}(3), 1.0);
  // x = n (the default) and "continuous", which for a count is n as well.
  for (auto at : {AcceptanceEvaluation::npe, AcceptanceEvaluation::continuous}) {
    acceptance.evaluate_at = at;
    EXPECT_EQ(acceptance(4), 0.0);  // x = 4 < 5
    EXPECT_NEAR(acceptance(5), 0.5 * 0.6655 / (1 + std::exp(-0.4942 * (5.0 - 10.8507))), 1e-15);
    EXPECT_NEAR(acceptance(12), 0.6655 / (1 + std::exp(-0.4942 * (12.0 - 10.8507))), 1e-15);
  }
}

TEST(Acceptance, OffsetAndClipping) {
  // COHERENT's 2021 CsI form a/(1 + e^(−k(x − x₀))) + offset with (1.32045, 0.285979,
  // 10.8646, −0.333322) and no step: negative below x ≈ 5.2, so clipped to 0 there, and
  // a + offset = 0.987 on the plateau; a large amplitude is clipped to 1.
  AcceptanceConfig acceptance{.model = AcceptanceModel::logistic, .a = 1.32045, .k = 0.285979, .x0 = 10.8646,
                              .offset = -0.333322, .step_PE = 0.0};
  acceptance.validate();
  EXPECT_EQ(acceptance.at(2.0), 0.0);
  EXPECT_NEAR(acceptance.at(20.0), 1.32045 / (1 + std::exp(-0.285979 * (20.0 - 10.8646))) - 0.333322, 1e-15);
  EXPECT_NEAR(acceptance.at(1e4), 1.32045 - 0.333322, 1e-12);
  // Where the unclipped form crosses zero: x₀ − ln(a/(−offset) − 1)/k = 5.1964.
  const double zero = 10.8646 - std::log(1.32045 / 0.333322 - 1.0) / 0.285979;
  EXPECT_EQ(acceptance.at(zero - 1e-6), 0.0);
  EXPECT_GT(acceptance.at(zero + 1e-3), 0.0);
  acceptance.offset = 0.5;
  EXPECT_EQ(acceptance.at(100.0), 1.0);
  acceptance.offset = -1.5;  // no positive plateau
  EXPECT_THROW(acceptance.validate(), InvalidValue);
}

TEST(TimeEfficiency, FlatThenExponential) {
  const TimeEfficiencyConfig eps{.model = TimeEfficiencyModel::exponential, .flat_until_us = 0.52, .decay_per_us = 0.0494};
  eps.validate();
  EXPECT_EQ(eps(0.3), 1.0);
  EXPECT_NEAR(eps(10.52), std::exp(-0.494), 1e-15);
  EXPECT_EQ(TimeEfficiencyConfig{}(100.0), 1.0);
  // Against closed forms for an exponential arrival F(t) = 1 − e^{−t/τ}: over (l, h] after
  // t₀, ∫ e^{−b(t−t₀)} e^{−t/τ}/τ dt = e^{bt₀}(e^{−l(b+1/τ)} − e^{−h(b+1/τ)})/(1 + bτ).
  for (double tau : {0.026, 2.197, 30.0}) {
    const auto cdf = [tau](double t) { return t <= 0.0 ? 0.0 : -std::expm1(-t / tau); };
    const double c = 0.0494 + 1.0 / tau;
    const auto tail = [&](double l, double h) {
      return std::exp(0.0494 * 0.52) * (std::exp(-l * c) - std::exp(-h * c)) / (1.0 + 0.0494 * tau);
    };
    EXPECT_NEAR(eps.weighted_probability(cdf, 0.0, 0.5), cdf(0.5), 1e-15);  // all before t₀
    EXPECT_NEAR(eps.weighted_probability(cdf, 1.0, 1.5), tail(1.0, 1.5), 1e-13) << tau;
    // A bin that straddles t₀, and the whole range in 0.5 µs bins.
    EXPECT_NEAR(eps.weighted_probability(cdf, 0.25, 0.75), cdf(0.52) - cdf(0.25) + tail(0.52, 0.75), 1e-13) << tau;
    double sum = 0.0;
    for (int i = 0; i < 2000; ++i) sum += eps.weighted_probability(cdf, 0.5 * i, 0.5 * (i + 1));
    EXPECT_NEAR(sum, cdf(0.52) + tail(0.52, 1000.0), 1e-12) << tau;
  }
  // Ranges: a decay rate is not negative.
  TimeEfficiencyConfig bad = eps;
  bad.decay_per_us = -1.0;
  EXPECT_THROW(bad.validate(), InvalidValue);
}

TEST(GammaResolution, MeanAndVarianceOfTheClosedForm) {
  // A Gamma of mean μ and shape k has variance μ²/k; binned into [n − ½, n + ½) the mean
  // stays μ (to the bin-0 edge effect, e^{-…}) and the variance gains 1/12 (Sheppard).
  // COHERENT's b = 9.56 /keVee at 2 and 10 keVee with 13.35 PE/keVee: μ = 26.7, 133.5.
  std::vector<double> p;
  for (double keVee : {2.0, 10.0}) {
    const double mu = 13.35 * keVee;
    const double shape = ResolutionConfig{}.shape(keVee);
    EXPECT_DOUBLE_EQ(shape, 1.0 + 9.56 * keVee);
    gamma_pe_probabilities(mu, shape, 1000, p);
    double sum = 0.0, mean = 0.0, second = 0.0;
    for (std::size_t n = 0; n < p.size(); ++n) sum += p[n], mean += n * p[n], second += double(n) * n * p[n];
    const double variance = second - mean * mean;
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_NEAR(mean / mu, 1.0, 1e-6) << keVee;
    EXPECT_NEAR(variance / (mu * mu / shape + 1.0 / 12.0), 1.0, 1e-4) << keVee;
    // Wider than Poisson (variance μ) above ≈ 0.1 keVee: μ/k = 13.35 E/(1 + 9.56 E) > 1.
    EXPECT_GT(variance, mu);
  }
  // An exponential (shape 1): P(bin 0) = 1 − e^{−0.5/μ}.
  gamma_pe_probabilities(4.0, 1.0, 200, p);
  EXPECT_NEAR(p[0], -std::expm1(-0.5 / 4.0), 1e-14);
  EXPECT_NEAR(p[3], std::exp(-2.5 / 4.0) - std::exp(-3.5 / 4.0), 1e-14);
}

TEST(GammaResolution, AcceptanceAtTheContinuousPE) {
  // ∫ f(x) p(x) dx per bin against a midpoint sum of 20000 steps per bin, with the
  // COHERENT 2017 acceptance, whose step at 5 and 6 PE lies inside bins.
  const AcceptanceConfig acceptance{.model = AcceptanceModel::logistic};
  std::vector<double> p, plain;
  const double mu = 12.0, shape = 8.0, scale = mu / shape;
  gamma_pe_probabilities(mu, shape, 60, p, &acceptance);
  gamma_pe_probabilities(mu, shape, 60, plain);
  for (std::size_t n : {3u, 5u, 6u, 12u, 30u}) {
    double reference = 0.0;
    const int steps = 20000;
    for (int i = 0; i < steps; ++i) {
      const double x = n - 0.5 + (i + 0.5) / steps;
      const double density = std::exp((shape - 1.0) * std::log(x / scale) - x / scale - std::lgamma(shape)) / scale;
      reference += acceptance.at(x) * density / steps;
    }
    EXPECT_NEAR(p[n], reference, 1e-8 * std::max(reference, 1e-3)) << n;
    EXPECT_LE(p[n], plain[n] + 1e-15);
  }
  EXPECT_EQ(p[3], 0.0);  // below the step at 5 PE
}

TEST(GammaResolution, CellsOfAnyEdgesAgainstSimpsonIntegration) {
  // The Gamma of mean 7.3 PE and shape 3.2 in the cells [0, 1.3), [1.3, 2), [2, 5.55),
  // [5.55, 9.1), [9.1, ∞) against composite Simpson integration of its density
  // x^(k−1) e^(−x/θ)/(Γ(k) θ^k), θ = μ/k (4000 intervals per cell; tolerance 10⁻⁹), and with
  // COHERENT's acceptance (steps at 5 and 6 PE, integrated piecewise between them).
  const double mean = 7.3, shape = 3.2, theta = mean / shape;
  const auto density = [&](double x) {
    return x <= 0.0 ? 0.0 : std::exp((shape - 1.0) * std::log(x) - x / theta - std::lgamma(shape) - shape * std::log(theta));
  };
  const auto simpson = [](auto&& f, double a, double b) {
    constexpr int n = 4000;
    const double h = (b - a) / n;
    double sum = f(a + 1e-13) + f(b - 1e-13);  // the limits inside the interval (the acceptance jumps at steps)
    for (int i = 1; i < n; ++i) sum += f(a + i * h) * (i % 2 ? 4.0 : 2.0);
    return sum * h / 3.0;
  };
  const std::vector<double> lows{0.0, 1.3, 2.0, 5.55, 9.1};
  std::vector<double> out;
  gamma_pe_probabilities(mean, shape, lows, out);
  ASSERT_EQ(out.size(), lows.size());
  double sum = 0.0;
  for (std::size_t i = 0; i + 1 < lows.size(); ++i) {
    EXPECT_NEAR(out[i], simpson(density, lows[i], lows[i + 1]), 1e-9) << i;
    sum += out[i];
  }
  EXPECT_NEAR(out.back(), 1.0 - sum, 1e-12);
  AcceptanceConfig acceptance;
  acceptance.model = AcceptanceModel::logistic;
  gamma_pe_probabilities(mean, shape, lows, out, &acceptance);
  const auto weighted = [&](double x) { return acceptance.at(x) * density(x); };
  EXPECT_NEAR(out[2], simpson(weighted, 2.0, 5.0) + simpson(weighted, 5.0, 5.55), 1e-9);
  EXPECT_NEAR(out[3], simpson(weighted, 5.55, 6.0) + simpson(weighted, 6.0, 9.1), 1e-9);
  // The integer bins [n − ½, n + ½) are the cells 0, ½, 3/2, …: the same numbers, bit for bit.
  std::vector<double> integer_lows{0.0}, by_cells, by_bins;
  for (int n = 1; n < 40; ++n) integer_lows.push_back(n - 0.5);
  gamma_pe_probabilities(mean, shape, integer_lows, by_cells, &acceptance);
  gamma_pe_probabilities(mean, shape, integer_lows.size(), by_bins, &acceptance);
  EXPECT_EQ(by_cells, by_bins);
}

}  // namespace
}  // namespace cevns
