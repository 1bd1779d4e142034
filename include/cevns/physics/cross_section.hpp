#pragma once
/// \file
/// The CEvNS cross section on one isotope:
///   dσ/dT = (G_F² M / π) · Q(q)² · (1 − M T / 2E²),
///   Q(q)  = Z g_V^p F_p(q) + N g_V^n F_n(q),   q² = 2 M T,
/// which for tree-level couplings (g_V^p = 1/2 − 2 sin²θ_W, g_V^n = −1/2) and F_p = F_n is
/// the familiar G_F² M/(4π) · Q_W² · F²(q) · (1 − MT/2E²) with Q_W = N − (1 − 4 sin²θ_W) Z.
/// Terms of order T/E (< 10⁻³ here) are neglected.

#include "cevns/physics/form_factor.hpp"
#include "cevns/physics/isotope.hpp"
#include "cevns/physics/physics_config.hpp"
#include "cevns/source/flavor.hpp"
#include "cevns/source/neutrino_spectrum.hpp"

namespace cevns {

/// Vector couplings of the Z to protons and neutrons seen by a neutrino.
struct NucleonCouplings {
  double proton;
  double neutron;
};

/// Tree level from sin²θ_W, or the radiatively corrected, flavour-dependent values.
NucleonCouplings vector_couplings(WeakChargeModel model, Flavor flavor, double sin2_theta_w);

class CevnsCrossSection {
 public:
  CevnsCrossSection(const Isotope& isotope, const PhysicsConfig& physics);

  /// dσ/dT in cm²/MeV for neutrino energy `energy` and recoil energy `recoil` (MeV).
  [[nodiscard]] double differential(Flavor flavor, double energy, double recoil) const;
  /// σ(E) in cm², integrated numerically over recoil energy.
  [[nodiscard]] double total(Flavor flavor, double energy) const;
  /// ∫ φ(E) dσ/dT dE in cm²/MeV: the cross section averaged over a spectrum normalised
  /// to one neutrino, exact through the spectrum's tail moments.
  [[nodiscard]] double spectrum_averaged(Flavor flavor, const NeutrinoSpectrum& spectrum, double recoil) const;

  /// Largest recoil energy a neutrino of `energy` can give: 2E²/(M + 2E).
  [[nodiscard]] double max_recoil(double energy) const;
  /// Smallest neutrino energy that gives `recoil`: (T + √(T² + 2MT))/2.
  [[nodiscard]] double min_neutrino_energy(double recoil) const;
  /// Weak charge Q_W = −2(Z g_V^p + N g_V^n) at q = 0 (tree: N − (1 − 4 sin²θ_W) Z).
  [[nodiscard]] double weak_charge(Flavor flavor) const;
  /// Momentum transfer in fm⁻¹ for a recoil energy in MeV.
  [[nodiscard]] double momentum_transfer(double recoil) const;

  [[nodiscard]] const Isotope& isotope() const { return isotope_; }
  [[nodiscard]] const NuclearFormFactor& form_factor() const { return form_factor_; }
  [[nodiscard]] double nuclear_mass() const { return mass_; }

 private:
  /// (G_F² M/π)(ħc)² Q(q)², the energy-independent factor of dσ/dT, in cm²/MeV.
  [[nodiscard]] double coherent_factor(Flavor flavor, double recoil) const;

  Isotope isotope_;
  PhysicsConfig physics_;
  NuclearFormFactor form_factor_;
  double mass_;  // nuclear mass, MeV
};

}  // namespace cevns
