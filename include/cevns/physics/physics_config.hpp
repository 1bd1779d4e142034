#pragma once
/// \file
/// Plain configuration of the CEvNS cross section.

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

struct PhysicsConfig {
  FormFactorModel form_factor = FormFactorModel::helm;
  WeakChargeModel weak_charge = WeakChargeModel::tree;
  /// sin²θ_W at low momentum transfer (PDG 2024); used by the tree-level weak charge.
  double sin2_theta_w = constants::sin2_theta_w_low_q;
  /// R_n − R_p: neutron rms radius minus the model's proton rms radius, in fm.
  double neutron_skin_fm = 0.0;

  void validate() const;
};

}  // namespace cevns
