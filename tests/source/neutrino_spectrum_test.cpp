// Michel and prompt spectra: normalisation, mean energies, and the closed-form tail
// moments against numerical integration.
#include <gtest/gtest.h>

#include <cmath>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "cevns/core/constants.hpp"
#include "cevns/source/neutrino_spectrum.hpp"

namespace cevns {
namespace {

double integrate(auto f, double a, double b) {
  return boost::math::quadrature::gauss_kronrod<double, 31>::integrate(f, a, b, 10, 1e-13);
}

TEST(NeutrinoSpectrum, MichelSpectraAreNormalised) {
  for (Flavor f : {Flavor::nu_e, Flavor::nubar_mu}) {
    const auto s = NeutrinoSpectrum::decay_at_rest(f);
    EXPECT_NEAR(integrate([&](double e) { return s.density(e); }, 0.0, s.max_energy()), 1.0, 1e-12);
    EXPECT_NEAR(s.tail_moment(0, 0.0), 1.0, 1e-12);
  }
}

TEST(NeutrinoSpectrum, MeanEnergies) {
  // ⟨x⟩ = 0.3 for ν_e and 0.35 for ν̄_μ, x = E/m_μ (analytic moments of the Michel
  // spectra): 31.70 MeV and 36.98 MeV; the prompt line sits at 29.79 MeV.
  const double m = constants::muon_mass;
  EXPECT_NEAR(NeutrinoSpectrum::decay_at_rest(Flavor::nu_e).mean_energy(), 0.30 * m, 1e-10);
  EXPECT_NEAR(NeutrinoSpectrum::decay_at_rest(Flavor::nubar_mu).mean_energy(), 0.35 * m, 1e-10);
  EXPECT_NEAR(NeutrinoSpectrum::decay_at_rest(Flavor::nu_mu).mean_energy(), 29.79, 0.005);
}

TEST(NeutrinoSpectrum, TailMomentsMatchNumericalIntegrals) {
  for (Flavor f : {Flavor::nu_e, Flavor::nubar_mu}) {
    const auto s = NeutrinoSpectrum::decay_at_rest(f);
    for (int k : {-2, -1, 0, 1, 2})
      for (double e_min : {0.5, 10.0, 30.0, 52.0}) {
        const double numeric =
            integrate([&](double e) { return std::pow(e, k) * s.density(e); }, e_min, s.max_energy());
        EXPECT_NEAR(s.tail_moment(k, e_min), numeric, 1e-11 * std::max(1.0, std::abs(numeric)))
            << flavor_name(f) << " k=" << k << " E_min=" << e_min;
      }
    EXPECT_EQ(s.tail_moment(0, 60.0), 0.0);
  }
}

TEST(NeutrinoSpectrum, LineTailMoments) {
  const auto line = NeutrinoSpectrum::decay_at_rest(Flavor::nu_mu);
  EXPECT_TRUE(line.is_line());
  EXPECT_DOUBLE_EQ(line.tail_moment(0, 10.0), 1.0);
  EXPECT_DOUBLE_EQ(line.tail_moment(-2, 10.0), 1.0 / (line.max_energy() * line.max_energy()));
  EXPECT_DOUBLE_EQ(line.tail_moment(0, 30.0), 0.0);
  EXPECT_DOUBLE_EQ(line.density(29.79), 0.0);
}

}  // namespace
}  // namespace cevns
