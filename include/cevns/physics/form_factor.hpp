#pragma once
/// \file
/// Nuclear form factors F(q), normalised to F(0) = 1, for protons and neutrons
/// separately so that the neutron radius can differ from the proton radius.

#include <optional>
#include <string>

#include "cevns/physics/isotope.hpp"
#include "cevns/physics/physics_config.hpp"

namespace cevns {

/// 3 j₁(x)/x, the form factor of a uniform sphere, stable at small x.
double uniform_sphere_form_factor(double x);
/// Helm: 3 j₁(qR₀)/(qR₀) · exp(−q²s²/2); q in fm⁻¹, lengths in fm.
double helm_form_factor(double q, double box_radius, double skin_thickness);
/// Klein–Nystrand: 3 j₁(qR_A)/(qR_A) · 1/(1 + q²a_k²).
double klein_nystrand_form_factor(double q, double hard_sphere_radius, double yukawa_range);
/// Symmetrised Fermi (analytic; Sprung & Martorell, J. Phys. A 30 (1997) 6525):
/// half-density radius c, diffuseness a.
double symmetrized_fermi_form_factor(double q, double half_density_radius, double diffuseness);

class NuclearFormFactor {
 public:
  /// The neutron rms radius is `neutron_rms_fm` when given, else the proton one plus
  /// `neutron_skin_fm`; `neutron_key` names the setting in error messages.
  NuclearFormFactor(FormFactorModel model, const Isotope& isotope, double neutron_skin_fm,
                    std::optional<double> neutron_rms_fm = std::nullopt,
                    const std::string& neutron_key = "physics.neutron_skin_fm");

  /// Proton and neutron form factors at momentum transfer `q_per_fm` (fm⁻¹).
  [[nodiscard]] double proton(double q_per_fm) const { return evaluate(q_per_fm, proton_); }
  [[nodiscard]] double neutron(double q_per_fm) const { return evaluate(q_per_fm, neutron_); }
  /// The rms radii (fm) of the proton and neutron distributions the model uses.
  [[nodiscard]] double proton_rms_radius() const { return proton_.rms; }
  [[nodiscard]] double neutron_rms_radius() const { return neutron_.rms; }

 private:
  struct Shape {
    double rms = 0.0;   // fm
    double size = 0.0;  // R₀ (Helm), R_A (Klein–Nystrand), c (symmetrised Fermi), fm
  };
  [[nodiscard]] Shape shape_with_rms(double rms, const std::string& key) const;
  [[nodiscard]] double evaluate(double q, const Shape& shape) const;

  FormFactorModel model_;
  Shape proton_;
  Shape neutron_;
};

}  // namespace cevns
