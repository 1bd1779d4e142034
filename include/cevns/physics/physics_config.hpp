#pragma once
/// \file
/// Plain configuration of the CEvNS cross section.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cevns/core/constants.hpp"
#include "cevns/core/named_values.hpp"

namespace cevns {

/// Nuclear form-factor models (see docs/physics.md for formulas and sources).
enum class FormFactorModel {
  helm,               ///< Helm, Lewin–Smith parameters (Astropart. Phys. 6 (1996) 87)
  klein_nystrand,     ///< Klein–Nystrand (PRC 60 (1999) 014903), COHERENT 2017's choice
  symmetrized_fermi,  ///< symmetrised Fermi from the measured charge radius
  none,               ///< F = 1
};

/// How the weak charge is computed.
enum class WeakChargeModel {
  tree,       ///< Q_W = N − (1 − 4 sin²θ_W) Z, flavour independent
  radiative,  ///< radiatively corrected, flavour-dependent nucleon couplings
};

inline constexpr NamedValues<FormFactorModel, 4> form_factor_names{{{
    {"helm", FormFactorModel::helm},
    {"klein-nystrand", FormFactorModel::klein_nystrand},
    {"symmetrized-fermi", FormFactorModel::symmetrized_fermi},
    {"none", FormFactorModel::none},
}}};
inline constexpr NamedValues<WeakChargeModel, 2> weak_charge_names{{{
    {"tree", WeakChargeModel::tree},
    {"radiative", WeakChargeModel::radiative},
}}};
constexpr std::string_view to_string(FormFactorModel model) { return form_factor_names.name(model); }
constexpr std::string_view to_string(WeakChargeModel model) { return weak_charge_names.name(model); }

/// Charges of a light vector mediator Z' (docs/physics.md, "Light mediators").
enum class VectorMediatorCharges {
  universal,       ///< Q'_ν = Q'_u = Q'_d = 1
  b_minus_l,       ///< B − L: Q'_ν = −1, Q'_u = Q'_d = 1/3
  lmu_minus_ltau,  ///< L_μ − L_τ: Q'(ν_μ) = 1, Q'(ν_e) = 0; quarks only through the μ/τ loop (kinetic mixing)
};
inline constexpr NamedValues<VectorMediatorCharges, 3> vector_mediator_charge_names{{{
    {"universal", VectorMediatorCharges::universal},
    {"b-l", VectorMediatorCharges::b_minus_l},
    {"lmu-ltau", VectorMediatorCharges::lmu_minus_ltau},
}}};
constexpr std::string_view to_string(VectorMediatorCharges c) { return vector_mediator_charge_names.name(c); }

/// Non-standard vector interactions ε^{qV}_{αβ} (q = u, d), normalised to G_F as in
/// Barranco, Miranda, Rashba, JHEP 0512 (2005) 021: L = −2√2 G_F ε^{qP}_{αβ}
/// (ν̄_α γ^μ P_L ν_β)(q̄ γ_μ P q), ε^{qV} = ε^{qL} + ε^{qR}. Real and symmetric (ε_μe = ε_eμ).
struct NsiCouplings {
  double eps_u_ee = 0.0, eps_u_mumu = 0.0, eps_u_emu = 0.0, eps_u_etau = 0.0, eps_u_mutau = 0.0;
  double eps_d_ee = 0.0, eps_d_mumu = 0.0, eps_d_emu = 0.0, eps_d_etau = 0.0, eps_d_mutau = 0.0;
};

/// A light vector mediator Z' coupling with g to the charges `charges`.
struct VectorMediatorConfig {
  double coupling = 0.0;     ///< g_Z' (0: absent)
  double mass_MeV = 1000.0;  ///< M_Z'
  VectorMediatorCharges charges = VectorMediatorCharges::universal;
};

/// A light scalar mediator coupling with g_ν g_q = coupling² to neutrinos and to every quark.
struct ScalarMediatorConfig {
  double coupling = 0.0;     ///< √(g_ν g_q) (0: absent)
  double mass_MeV = 1000.0;  ///< m_φ
};

struct PhysicsConfig {
  FormFactorModel form_factor = FormFactorModel::helm;
  WeakChargeModel weak_charge = WeakChargeModel::tree;
  /// sin²θ_W at low momentum transfer (PDG 2024); used by the tree-level weak charge.
  double sin2_theta_w = constants::sin2_theta_w_low_q;
  /// R_n − R_p: neutron rms radius minus the model's proton rms radius, in fm.
  double neutron_skin_fm = 0.0;
  /// Neutron rms radius in fm by isotope name ("Cs133"), or "all" for every isotope not
  /// named; replaces R_p + neutron_skin_fm (the proton radius stays the model's).
  std::map<std::string, double> neutron_radius_fm;
  /// The weak charge Q_W = N − (1 − 4 sin²θ_W) Z given directly, by isotope name: scales
  /// the nucleon couplings of `weak_charge` so that Q_W(q = 0) is this value, every flavour.
  std::map<std::string, double> weak_charge_override;
  /// Flavour normalisations: every term of the cross section of that flavour times this.
  double flavor_scale_nu_e = 1.0;
  double flavor_scale_nu_mu = 1.0;
  double flavor_scale_nubar_mu = 1.0;
  double flavor_scale_nubar_e = 1.0;  ///< only a tabulated flux gives ν̄_e (source.flux = "table")
  NsiCouplings nsi;
  VectorMediatorConfig vector_mediator;
  ScalarMediatorConfig scalar_mediator;
  /// Neutrino magnetic moments in Bohr magnetons (ν̄_μ has ν_μ's).
  double magnetic_moment_nu_e_muB = 0.0;
  double magnetic_moment_nu_mu_muB = 0.0;
  /// Neutrino charge radii ⟨r²⟩ in cm² beyond those of `weak_charge` (ν̄_μ has ν_μ's shift).
  double charge_radius_nu_e_cm2 = 0.0;
  double charge_radius_nu_mu_cm2 = 0.0;

  /// The configured neutron rms radius of `isotope` (fm), if any.
  [[nodiscard]] std::optional<double> neutron_radius_of(std::string_view isotope) const;
  void validate() const;
};

}  // namespace cevns
