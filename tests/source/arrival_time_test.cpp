// Arrival-time distributions against their definitions: normalisation, means, and the
// closed-form exGaussian against a numerical convolution.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"
#include "cevns/source/arrival_time.hpp"

namespace cevns {
namespace {

double integrate(auto f, double a, double b) {
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, a, b, 15, 1e-12);
}

TEST(ExGaussian, MatchesNumericalConvolution) {
  // ∫ N(x − y; σ) Exp(y; τ) dy, for several σ/τ including the CSNS (σ ≈ 34 ns, τ_π) case.
  for (double sigma : {5.0, 34.0, 161.0, 2000.0})
    for (double tau : {constants::pion_lifetime, constants::muon_lifetime})
      for (double x : {-100.0, 0.0, 50.0, 400.0, 3000.0}) {
        const auto integrand = [&](double y) {
          const double z = (x - y) / sigma;
          return std::exp(-0.5 * z * z) / (sigma * std::sqrt(2.0 * std::numbers::pi)) * std::exp(-y / tau) / tau;
        };
        // Integrate where the Gaussian is: ±12σ around x, clipped to the exponential's support.
        const double low = std::max(0.0, x - 12.0 * sigma);
        const double numeric = low < x + 12.0 * sigma ? integrate(integrand, low, x + 12.0 * sigma) : 0.0;
        EXPECT_NEAR(exgaussian_pdf(x, sigma, tau), numeric, 1e-9 * std::max(numeric, 1e-6) + 1e-15)
            << "sigma=" << sigma << " tau=" << tau << " x=" << x;
      }
}

TEST(ExGaussian, CdfIsIntegralOfPdfAndStable) {
  for (double sigma : {0.0, 34.0, 5000.0}) {
    const double tau = constants::pion_lifetime;
    EXPECT_NEAR(exgaussian_cdf(1e6, sigma, tau), 1.0, 1e-12);
    EXPECT_NEAR(exgaussian_cdf(-1e6, sigma, tau), 0.0, 1e-12);
    if (sigma > 0.0) {
      const double numeric = integrate([&](double t) { return exgaussian_pdf(t, sigma, tau); }, -10 * sigma, 30.0);
      EXPECT_NEAR(exgaussian_cdf(30.0, sigma, tau), numeric, 1e-9);
    }
    for (double x = -3e4; x < 3e4; x += 777.0) EXPECT_TRUE(std::isfinite(exgaussian_cdf(x, sigma, tau)));
  }
}

TEST(ArrivalTimeModel, NormalisedWithExpectedMeans) {
  // Mean arrival = mean bunch time + L/c + τ_π (prompt) or + τ_π + τ_μ (delayed).
  PulseConfig pulse;  // CSNS: bunches at 0 and 410 ns → mean 205 ns
  const double tof = 35.0;
  const ArrivalTimeModel model(pulse, tof);
  for (Flavor f : all_flavors) {
    EXPECT_NEAR(model.cdf(f, 1e6), 1.0, 1e-10);
    const double mean = integrate([&](double t) { return t * model.pdf(f, t); }, -1000.0, 40000.0);
    const double expected = 205.0 + tof + constants::pion_lifetime + (f == Flavor::nu_mu ? 0.0 : constants::muon_lifetime);
    EXPECT_NEAR(mean, expected, 0.05) << flavor_name(f);
  }
}

TEST(ArrivalTimeModel, BunchWeights) {
  PulseConfig pulse{.bunch_times_ns = {0.0, 1000.0}, .bunch_weights = {3.0, 1.0}, .shape = PulseShape::gaussian, .bunch_fwhm_ns = 10.0};
  const ArrivalTimeModel model(pulse, 0.0);
  // The first bunch's pion-decay tail beyond 500 ns, e^{−500/26} ≈ 4e-9, is the tolerance.
  EXPECT_NEAR(model.probability(Flavor::nu_mu, -100.0, 500.0), 0.75, 1e-8);
}

TEST(FlatTop, MatchesNumericalConvolutionWithTheBox) {
  // (1/W) ∫_{−W/2}^{W/2} F(x − s) ds of the exGaussian CDF F, numerically, against the closed
  // form through F's antiderivative; and the density against (1/W) ∫ f(x − s) ds.
  for (double width : {50.0, 380.0})
    for (double sigma : {0.0, 10.0, 40.0})
      for (double tau : {constants::pion_lifetime, constants::muon_lifetime})
        for (double x : {-400.0, -150.0, 0.0, 120.0, 200.0, 900.0, 8000.0}) {
          // Split where x − u = 0: for σ = 0 the integrand jumps there.
          const auto box = [&](auto g) {
            const auto at = [&](double u) { return g(x - u); };
            const double split = std::clamp(x, -0.5 * width, 0.5 * width);
            return (integrate(at, -0.5 * width, split) + integrate(at, split, 0.5 * width)) / width;
          };
          const double cdf = box([&](double y) { return exgaussian_cdf(y, sigma, tau); });
          const double pdf = box([&](double y) { return exgaussian_pdf(y, sigma, tau); });
          EXPECT_NEAR(box_exgaussian_cdf(x, width, sigma, tau), cdf, 1e-10) << width << " " << sigma << " " << x;
          EXPECT_NEAR(box_exgaussian_pdf(x, width, sigma, tau), pdf, 1e-10 * std::max(pdf, 1e-3))
              << width << " " << sigma << " " << x;
        }
}

TEST(FlatTop, NormalisedWithTheMomentsOfABox) {
  // A box of width W with Gaussian edges of σ = rise/2.5631, then the decays: the mean is
  // the bunch time + L/c + τ_π (+ τ_μ) as for a Gaussian, and the prompt variance
  // W²/12 + σ² + τ_π² (independent sums).
  PulseConfig pulse{.bunch_times_ns = {640.0}, .bunch_weights = {}, .shape = PulseShape::flat_top,
                    .bunch_fwhm_ns = 380.0, .bunch_rise_ns = 60.0};
  pulse.validate();
  const double tof = 64.4;
  const ArrivalTimeModel model(pulse, tof);
  const double sigma = 60.0 / 2.5631031310892007;
  for (Flavor f : all_flavors) {
    EXPECT_NEAR(model.cdf(f, 1e6), 1.0, 1e-10);
    EXPECT_NEAR(model.cdf(f, -1e4), 0.0, 1e-12);
    const double mean = integrate([&](double t) { return t * model.pdf(f, t); }, -1000.0, 40000.0);
    const double expected = 640.0 + tof + constants::pion_lifetime + (f == Flavor::nu_mu ? 0.0 : constants::muon_lifetime);
    EXPECT_NEAR(mean, expected, 0.05) << flavor_name(f);
  }
  const double m = 640.0 + tof + constants::pion_lifetime;
  const double variance = integrate([&](double t) { return (t - m) * (t - m) * model.pdf(Flavor::nu_mu, t); }, -1000.0, 4000.0);
  const double tau = constants::pion_lifetime;
  EXPECT_NEAR(variance, 380.0 * 380.0 / 12.0 + sigma * sigma + tau * tau, 0.5);
  // Flat on top: ±100 ns from the centre the prompt density is within 2 % of the centre's,
  // where a Gaussian of the same FWHM falls by 17.5 % (e^{−100²/2·161.4²}).
  const double centre = model.pdf(Flavor::nu_mu, 640.0 + tof + tau);
  EXPECT_NEAR(model.pdf(Flavor::nu_mu, 540.0 + tof + tau) / centre, 1.0, 0.02);
  EXPECT_NEAR(model.pdf(Flavor::nu_mu, 740.0 + tof + tau) / centre, 1.0, 0.02);
  // A flat top needs a width.
  pulse.bunch_fwhm_ns = 0.0;
  EXPECT_THROW(pulse.validate(), InvalidValue);
}

}  // namespace
}  // namespace cevns
