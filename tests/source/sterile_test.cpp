// The 3+1 sterile neutrino: the extent-averaged oscillation against a direct numerical
// average, the 3+1 probabilities' unitarity, and the oscillated spectra's tail moments
// against quadrature of φ(E)·P(E).
#include <gtest/gtest.h>

#include <cmath>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"
#include "cevns/source/decay_at_rest_source.hpp"

namespace cevns {
namespace {

double integrate(auto f, double a, double b, double tolerance = 1e-12) {
  return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(f, a, b, 15, tolerance);
}

SourceConfig sterile_source(double dm2, double ue, double umu, double source_m, double detector_m) {
  SourceConfig c;
  c.distance_m = 19.3;  // COHERENT's CsI (Science 357 (2017) 1123)
  c.sterile = {dm2, ue, umu, source_m, detector_m};
  return c;
}

TEST(Sterile, OscillationPhaseIsTheTextbookOne) {
  // Δm² L/(4E) in natural units = 1.26693 Δm²[eV²] L[m]/E[MeV] (ħc = 197.327 MeV fm).
  SterileConfig st;
  st.dm2_eV2 = 1.0;
  for (double e : {10.0, 30.0, 50.0})
    EXPECT_NEAR(st.mean_sin2(20.0, e), std::pow(std::sin(1.26693 * 20.0 / e), 2), 2e-5) << e;
}

TEST(Sterile, ExtentAverageEqualsADirectNumericalAverage) {
  // ⟨sin²(κL)⟩ over L = L₀ + x_s + x_d, x uniform over the source (1.5 m) and the detector
  // (0.8 m), by nested adaptive quadrature.
  SterileConfig st;
  st.dm2_eV2 = 3.0;
  st.source_length_m = 1.5;
  st.detector_length_m = 0.8;
  const double l0 = 19.3;
  for (double e : {8.0, 20.0, 29.79, 45.0}) {
    const double kappa = st.dm2_eV2 * 1e-12 / (4.0 * 197.3269804e-15 * e);  // Δm²/(4ħcE) per m
    const double direct = integrate(
                              [&](double xs) {
                                return integrate(
                                    [&](double xd) { return std::pow(std::sin(kappa * (l0 + xs + xd)), 2); }, -0.4,
                                    0.4);
                              },
                              -0.75, 0.75) /
                          (1.5 * 0.8);
    EXPECT_NEAR(st.mean_sin2(l0, e), direct, 1e-10) << e;
  }
}

TEST(Sterile, ProbabilitiesAreThoseOfThreePlusOne) {
  // P_ee = 1 − sin²2θ_ee S, P_μe = sin²2θ_μe S, and unitarity: what leaves the active
  // flavours is P_αs = 4|U_α4|²|U_s4|² S with |U_s4|² = 1 − |U_e4|² − |U_μ4|² (U_τ4 = 0).
  const double ue = 0.04, umu = 0.02;
  const DecayAtRestSource source(sterile_source(1.7, ue, umu, 0.0, 0.0));
  for (double e : {15.0, 29.79, 40.0}) {
    const double s = source.config().sterile.mean_sin2(19.3, e);
    EXPECT_NEAR(source.oscillation_probability(Flavor::nu_e, true, e), 1.0 - 4 * ue * (1 - ue) * s, 1e-15);
    EXPECT_NEAR(source.oscillation_probability(Flavor::nu_mu, false, e), 4 * ue * umu * s, 1e-15);
    for (Flavor f : all_flavors) {
      const double u = f == Flavor::nu_e ? ue : umu;
      const double active =
          source.oscillation_probability(f, true, e) + source.oscillation_probability(f, false, e);
      EXPECT_NEAR(1.0 - active, 4 * u * (1 - ue - umu) * s, 1e-15) << flavor_name(f);
    }
  }
  EXPECT_EQ(DecayAtRestSource::appeared_flavor(Flavor::nu_mu), Flavor::nu_e);
  EXPECT_EQ(DecayAtRestSource::appeared_flavor(Flavor::nu_e), Flavor::nu_mu);
  // ν̄_μ → ν̄_e (whose cross section is ν_e's), and back for a table's ν̄_e.
  EXPECT_EQ(DecayAtRestSource::appeared_flavor(Flavor::nubar_mu), Flavor::nubar_e);
  EXPECT_EQ(DecayAtRestSource::appeared_flavor(Flavor::nubar_e), Flavor::nubar_mu);
}

TEST(Sterile, OscillatedTailMomentsEqualQuadrature) {
  // ∫_{E_min} E^k φ(E) P(E) dE from the tables against adaptive quadrature, with
  // Δm² = 5 eV² (1.267 Δm² L/E ≈ 4 rad at 30 MeV over 19.3 m, 175 rad at 0.7 MeV) and with extents.
  for (double dm2 : {5.0, 50.0})
  for (double source_m : {0.0, 1.0}) {
    const DecayAtRestSource source(sterile_source(dm2, 0.1, 0.05, source_m, 0.5));
    for (Flavor f : {Flavor::nu_e, Flavor::nubar_mu})
      for (bool same : {true, false}) {
        const auto oscillated = source.spectrum_at_detector(f, same);
        const auto bare = NeutrinoSpectrum::decay_at_rest(f);
        for (int k = -2; k <= 1; ++k)
          for (double e_min : {0.7, 5.0, 17.3, 33.3, 52.0}) {
            const double direct = integrate(
                [&](double e) { return std::pow(e, k) * bare.density(e) * source.oscillation_probability(f, same, e); },
                e_min, bare.max_energy(), 1e-13);
            EXPECT_NEAR(oscillated.tail_moment(k, e_min), direct, 1e-9 * std::abs(direct) + 1e-16)
                << flavor_name(f) << " k=" << k << " E_min=" << e_min << " dm2=" << dm2;
          }
      }
    // The prompt line keeps its energy, weighted by P(E₀).
    const auto line = source.spectrum_at_detector(Flavor::nu_mu, true);
    const double e0 = constants::prompt_numu_energy;
    EXPECT_NEAR(line.tail_moment(0, 10.0), source.oscillation_probability(Flavor::nu_mu, true, e0), 1e-15);
    EXPECT_NEAR(line.tail_moment(-1, 10.0), source.oscillation_probability(Flavor::nu_mu, true, e0) / e0, 1e-15);
  }
  // Fast oscillation (Δm² = 50 eV²: 1.267 Δm² L/E ≈ 40 rad at 30 MeV) averages ⟨sin²⟩ to 1/2:
  // 4|U_e4|²(1 − |U_e4|²)/2 = 0.18 of the ν_e disappear.
  const DecayAtRestSource source(sterile_source(50.0, 0.1, 0.05, 0.0, 0.5));
  EXPECT_NEAR(source.spectrum_at_detector(Flavor::nu_e, true).tail_moment(0, 0.0), 1.0 - 0.36 * 0.5, 0.005);
}

TEST(Sterile, ValuesOutsideTheirRangesAreErrors) {
  EXPECT_THROW(DecayAtRestSource(sterile_source(1e3, 0.1, 0.0, 0.0, 0.0)), InvalidValue);
  EXPECT_THROW(DecayAtRestSource(sterile_source(1.0, 0.7, 0.0, 0.0, 0.0)), InvalidValue);
  EXPECT_THROW(DecayAtRestSource(sterile_source(1.0, 0.1, -0.1, 0.0, 0.0)), InvalidValue);
  EXPECT_THROW(DecayAtRestSource(sterile_source(1.0, 0.1, 0.0, 20.0, 0.0)), InvalidValue);
  try {
    DecayAtRestSource(sterile_source(1.0, 0.1, 0.0, 0.0, -1.0));
    ADD_FAILURE() << "no error";
  } catch (const InvalidValue& e) {
    EXPECT_NE(std::string(e.what()).find("physics.sterile.detector_length_m"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cevns
