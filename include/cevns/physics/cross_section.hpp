#pragma once
/// \file
/// The CEvNS cross section on one isotope:
///   dσ/dT = (G_F² M / π) · Q(q)² · (1 − M T / 2E²),
///   Q(q)  = Z g_V^p F_p(q) + N g_V^n F_n(q),   q² = 2 M T,
/// which for tree-level couplings (g_V^p = 1/2 − 2 sin²θ_W, g_V^n = −1/2) and F_p = F_n is
/// the familiar G_F² M/(4π) · Q_W² · F²(q) · (1 − MT/2E²) with Q_W = N − (1 − 4 sin²θ_W) Z.
/// Terms of order T/E (< 10⁻³ here) are neglected.
///
/// Beyond the Standard Model (docs/physics.md, each term with its source), per flavour α:
///   Q(q) → Z (g_p + 2ε^u_αα + ε^d_αα + δ_r + δ'_p(q)) F_p + N (g_n + ε^u_αα + 2ε^d_αα + δ'_n(q)) F_n,
///   Q² → Q² + Σ_{β≠α} [Z (2ε^u_αβ + ε^d_αβ) F_p + N (ε^u_αβ + 2ε^d_αβ) F_n]²   (incoherent),
/// with the Z' shift δ'(q) = g² Q'_ν Q'_nucleon / (√2 G_F (q² + M²)) and the charge-radius
/// shift δ_r = −(√2 π α / 3 G_F) ⟨r²_α⟩; plus, without interference, a scalar mediator
///   dσ/dT += Q_S(q)² M² T / (4π E² (q² + m_φ²)²),  Q_S = g² (15.1 Z F_p + 14 N F_n),
/// and a magnetic moment  dσ/dT += (π α² μ_α² / m_e²)(1/T − 1/E) Z² F_p².
/// Every term of flavour α is then scaled by its flavour normalisation.

#include <array>

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
  /// Weak charge Q_W = −2(Z g_V^p + N g_V^n) at q = 0 (tree: N − (1 − 4 sin²θ_W) Z), with
  /// the flavour-diagonal NSI, the charge radius and the override of the configuration
  /// (not the Z', whose shift depends on q, nor the flavour normalisation).
  [[nodiscard]] double weak_charge(Flavor flavor) const;
  /// Momentum transfer in fm⁻¹ for a recoil energy in MeV.
  [[nodiscard]] double momentum_transfer(double recoil) const;

  [[nodiscard]] const Isotope& isotope() const { return isotope_; }
  [[nodiscard]] const NuclearFormFactor& form_factor() const { return form_factor_; }
  [[nodiscard]] double nuclear_mass() const { return mass_; }

 private:
  /// What the cross section of one flavour needs, computed once.
  struct FlavorTerms {
    double proton = 0.0, neutron = 0.0;  // diagonal nucleon couplings at q = 0
    // Σ_{β≠α} of a_β² , 2 a_β b_β, b_β²: proton (a) and neutron (b) couplings of ε_αβ.
    double off_pp = 0.0, off_pn = 0.0, off_nn = 0.0;
    // Z' shift numerators g² Q'_ν Q'_p,n / (√2 G_F) in MeV² (L_μ − L_τ: proton only, × loop).
    double zprime_proton = 0.0, zprime_neutron = 0.0;
    double magnetic = 0.0;  // π α² μ² / m_e² · Z² (ħc)² in cm² (per 1/T − 1/E in MeV⁻¹)
    double scale = 1.0;     // flavour normalisation
    bool off_diagonal = false;
  };
  [[nodiscard]] const FlavorTerms& terms(Flavor flavor) const { return terms_[static_cast<std::size_t>(flavor)]; }
  /// (G_F² M/π)(ħc)² Q(q)², the energy-independent factor of dσ/dT, in cm²/MeV.
  [[nodiscard]] double coherent_factor(const FlavorTerms& terms, double recoil) const;
  /// Q_S(q)² M² T/(4π (q² + m_φ²)²) (ħc)², the scalar term times E², in cm² MeV.
  [[nodiscard]] double scalar_factor(double recoil) const;
  /// The L_μ − L_τ loop 6∫₀¹ x(1−x) ln[(m_τ² + x(1−x)q²)/(m_μ² + x(1−x)q²)] dx (→ ln m_τ²/m_μ² at q = 0).
  [[nodiscard]] static double lmu_ltau_loop(double q2_MeV2);

  Isotope isotope_;
  PhysicsConfig physics_;
  NuclearFormFactor form_factor_;
  double mass_;  // nuclear mass, MeV
  std::array<FlavorTerms, 4> terms_{};  // indexed by Flavor
  bool zprime_ = false;  // a Z' is configured
  bool lmu_ltau_ = false;
  bool scalar_ = false;  // a scalar mediator is configured
};

}  // namespace cevns
