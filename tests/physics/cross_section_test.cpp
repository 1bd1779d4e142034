// The CEvNS cross section: kinematics, weak charge, closed-form totals, spectrum averages.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "cevns/core/constants.hpp"
#include "cevns/physics/cross_section.hpp"

namespace cevns {
namespace {

using namespace units;

PhysicsConfig physics(FormFactorModel ff) {
  PhysicsConfig p;
  p.form_factor = ff;
  return p;
}

TEST(CrossSection, Kinematics) {
  const CevnsCrossSection cs(find_isotope("Cs133"), physics(FormFactorModel::helm));
  // T_max = 2E²/(M + 2E): prompt ν_μ on Cs ≈ 14.3 keV, Michel end point ≈ 45.0 keV
  // (M(Cs133) = 123.8 GeV; hand calculation).
  EXPECT_NEAR(cs.max_recoil(constants::prompt_numu_energy) / keV, 14.33, 0.01);
  EXPECT_NEAR(cs.max_recoil(constants::michel_endpoint) / keV, 45.06, 0.01);
  for (double e : {10.0, 29.79, 52.8}) EXPECT_NEAR(cs.min_neutrino_energy(cs.max_recoil(e)), e, 1e-9);
  // q = √(2MT)/ħc: 10 keV on Cs133 → 0.2522 fm⁻¹.
  EXPECT_NEAR(cs.momentum_transfer(10.0 * keV), std::sqrt(2.0 * cs.nuclear_mass() * 0.01) / 197.3269804, 1e-12);
  EXPECT_NEAR(cs.nuclear_mass() / GeV, 123.8, 0.05);
}

TEST(CrossSection, TreeLevelWeakCharge) {
  // Q_W = N − (1 − 4 sin²θ_W) Z with sin²θ_W = 0.23857: Cs133 78 − 0.04572·55 = 75.485.
  const CevnsCrossSection cs(find_isotope("Cs133"), physics(FormFactorModel::none));
  EXPECT_NEAR(cs.weak_charge(Flavor::nu_mu), 78.0 - (1.0 - 4.0 * 0.23857) * 55.0, 1e-12);
  EXPECT_DOUBLE_EQ(cs.weak_charge(Flavor::nu_e), cs.weak_charge(Flavor::nubar_mu));
  // Radiative corrections: Q_W(ν_e) < Q_W(ν_μ) (larger proton coupling), both within 2 %.
  PhysicsConfig radiative;
  radiative.weak_charge = WeakChargeModel::radiative;
  const CevnsCrossSection rc(find_isotope("Cs133"), radiative);
  EXPECT_LT(rc.weak_charge(Flavor::nu_e), rc.weak_charge(Flavor::nu_mu));
  EXPECT_NEAR(rc.weak_charge(Flavor::nu_mu) / cs.weak_charge(Flavor::nu_mu), 1.0, 0.02);
}

TEST(CrossSection, TotalWithoutFormFactorEqualsClosedForm) {
  // With F = 1: σ(E) = G_F² M Q_W²/(4π) · [T_max − M T_max²/(4E²)] (integral of dσ/dT).
  for (const char* name : {"Cs133", "I127", "Ar40", "Na23"}) {
    const CevnsCrossSection cs(find_isotope(name), physics(FormFactorModel::none));
    const double m = cs.nuclear_mass();
    for (double e : {10.0, 29.79, 50.0}) {
      const double t_max = cs.max_recoil(e);
      const double qw = cs.weak_charge(Flavor::nu_mu);
      const double gf = constants::fermi_coupling;
      const double closed = gf * gf * m * qw * qw / (4.0 * std::numbers::pi) *
                            (t_max - m * t_max * t_max / (4.0 * e * e)) * constants::hbar_c * constants::hbar_c;
      EXPECT_NEAR(cs.total(Flavor::nu_mu, e) / closed, 1.0, 1e-12) << name << " E=" << e;
    }
  }
  // For M ≫ E the total is G_F² Q_W² E²/(4π)·(ħc)²: for Cs at 30 MeV, 1.686e-44 cm²/4 ×
  // 75.485² × 900 = 2.162e-38 cm² (hand calculation), up to O(E/M) = 5e-4 corrections.
  const CevnsCrossSection cs(find_isotope("Cs133"), physics(FormFactorModel::none));
  EXPECT_NEAR(cs.total(Flavor::nu_mu, 30.0) / cm2 / 2.162e-38, 1.0, 2e-3);
}

TEST(CrossSection, FormFactorSuppressesAtHighRecoil) {
  const CevnsCrossSection with(find_isotope("I127"), physics(FormFactorModel::helm));
  const CevnsCrossSection without(find_isotope("I127"), physics(FormFactorModel::none));
  // At T = 1 meV, q²R²/3 ≈ 5e-8: no suppression yet.
  EXPECT_NEAR(with.differential(Flavor::nu_e, 40.0, 1e-9) / without.differential(Flavor::nu_e, 40.0, 1e-9), 1.0, 1e-6);
  EXPECT_LT(with.differential(Flavor::nu_e, 40.0, 20 * keV), 0.6 * without.differential(Flavor::nu_e, 40.0, 20 * keV));
  EXPECT_EQ(with.differential(Flavor::nu_e, 10.0, 10 * keV), 0.0);  // above T_max(10 MeV)
}

TEST(CrossSection, SpectrumAverageEqualsNumericalIntegral) {
  // ∫ φ(E) dσ/dT dE by quadrature against the closed-form tail moments.
  for (auto model : {FormFactorModel::helm, FormFactorModel::symmetrized_fermi}) {
    const CevnsCrossSection cs(find_isotope("Cs133"), physics(model));
    for (Flavor f : all_flavors) {
      const auto spectrum = NeutrinoSpectrum::decay_at_rest(f);
      for (double t : {0.5 * keV, 5 * keV, 13 * keV, 30 * keV}) {
        double numeric = 0.0;
        if (spectrum.is_line()) {
          numeric = cs.differential(f, spectrum.max_energy(), t);
        } else {
          numeric = boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
              [&](double e) { return spectrum.density(e) * cs.differential(f, e, t); }, cs.min_neutrino_energy(t),
              spectrum.max_energy(), 10, 1e-13);
        }
        EXPECT_NEAR(cs.spectrum_averaged(f, spectrum, t), numeric, 1e-10 * numeric + 1e-60)
            << flavor_name(f) << " T=" << t;
      }
    }
  }
}

}  // namespace
}  // namespace cevns
