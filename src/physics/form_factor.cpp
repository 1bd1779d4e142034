#include "cevns/physics/form_factor.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"

namespace cevns {
namespace {

using std::numbers::pi;

// Helm, Lewin & Smith, Astropart. Phys. 6 (1996) 87, eq. 4.11:
// c = 1.23 A^(1/3) − 0.60 fm, a = 0.52 fm, s = 0.9 fm, R₀² = c² + (7/3)π²a² − 5s².
constexpr double helm_skin_fm = 0.9;
constexpr double helm_a_fm = 0.52;
// Klein & Nystrand, PRC 60 (1999) 014903: R_A = 1.2 A^(1/3) fm, Yukawa range a_k = 0.7 fm.
constexpr double kn_radius_coefficient_fm = 1.2;
constexpr double kn_yukawa_range_fm = 0.7;
// Symmetrised Fermi diffuseness, the common choice for Cs and I (e.g. Cadeddu et al.,
// PRL 120 (2018) 072501): a = 0.52 fm.
constexpr double sf_diffuseness_fm = 0.52;

}  // namespace

double uniform_sphere_form_factor(double x) {
  const double x2 = x * x;
  if (std::abs(x) < 1e-2) return 1.0 - x2 / 10.0 + x2 * x2 / 280.0;
  return 3.0 * (std::sin(x) - x * std::cos(x)) / (x2 * x);
}

double helm_form_factor(double q, double box_radius, double skin_thickness) {
  return uniform_sphere_form_factor(q * box_radius) * std::exp(-0.5 * q * q * skin_thickness * skin_thickness);
}

double klein_nystrand_form_factor(double q, double hard_sphere_radius, double yukawa_range) {
  return uniform_sphere_form_factor(q * hard_sphere_radius) / (1.0 + q * q * yukawa_range * yukawa_range);
}

double symmetrized_fermi_form_factor(double q, double c, double a) {
  const double qc = q * c;
  const double pqa = pi * q * a;
  // Below q·r ≈ 0.05 the closed form cancels badly; F = 1 − q²⟨r²⟩/6 is exact to 1e-7 there.
  if (std::max(qc, pqa) < 0.05) return 1.0 - (0.6 * qc * qc + 1.4 * pqa * pqa) / 6.0;
  const double bracket = pqa / std::tanh(pqa) * std::sin(qc) - qc * std::cos(qc);
  return 3.0 / (qc * (qc * qc + pqa * pqa)) * (pqa / std::sinh(pqa)) * bracket;
}

NuclearFormFactor::NuclearFormFactor(FormFactorModel model, const Isotope& isotope, double neutron_skin_fm,
                                     std::optional<double> neutron_rms_fm, const std::string& neutron_key)
    : model_(model) {
  const double a13 = std::cbrt(static_cast<double>(isotope.mass_number));
  double proton_rms = 0.0;
  switch (model) {
    case FormFactorModel::helm: {
      const double c = 1.23 * a13 - 0.60;
      const double r0_squared = c * c + 7.0 / 3.0 * pi * pi * helm_a_fm * helm_a_fm - 5.0 * helm_skin_fm * helm_skin_fm;
      proton_rms = std::sqrt(0.6 * r0_squared + 3.0 * helm_skin_fm * helm_skin_fm);
      break;
    }
    case FormFactorModel::klein_nystrand: {
      const double ra = kn_radius_coefficient_fm * a13;
      proton_rms = std::sqrt(0.6 * ra * ra + 6.0 * kn_yukawa_range_fm * kn_yukawa_range_fm);
      break;
    }
    case FormFactorModel::symmetrized_fermi: {
      // Point-proton radius from the charge radius: R_p² = R_ch² − r_p² − (N/Z)⟨r_n²⟩.
      const double rp = constants::proton_charge_radius / units::fm;
      const double rn2 = constants::neutron_charge_radius_squared / (units::fm * units::fm);
      proton_rms = std::sqrt(isotope.charge_radius_fm * isotope.charge_radius_fm - rp * rp -
                             double(isotope.neutrons()) / isotope.protons * rn2);
      break;
    }
    case FormFactorModel::none:
      break;
  }
  proton_ = shape_with_rms(proton_rms, "physics.form_factor");
  neutron_ = shape_with_rms(neutron_rms_fm ? *neutron_rms_fm : proton_rms + neutron_skin_fm, neutron_key);
}

NuclearFormFactor::Shape NuclearFormFactor::shape_with_rms(double rms, const std::string& key) const {
  // Invert the rms-radius relation of each model for its size parameter:
  // Helm ⟨r²⟩ = 3/5 R₀² + 3s²; Klein–Nystrand ⟨r²⟩ = 3/5 R_A² + 6a_k²;
  // symmetrised Fermi ⟨r²⟩ = 3/5 c² + 7/5 π²a².
  double size_squared = 0.0;
  switch (model_) {
    case FormFactorModel::helm: size_squared = 5.0 / 3.0 * (rms * rms - 3.0 * helm_skin_fm * helm_skin_fm); break;
    case FormFactorModel::klein_nystrand:
      size_squared = 5.0 / 3.0 * (rms * rms - 6.0 * kn_yukawa_range_fm * kn_yukawa_range_fm);
      break;
    case FormFactorModel::symmetrized_fermi:
      size_squared = 5.0 / 3.0 * (rms * rms - 1.4 * pi * pi * sf_diffuseness_fm * sf_diffuseness_fm);
      break;
    case FormFactorModel::none: return {rms, 0.0};
  }
  if (!(size_squared > 0.0))
    throw InvalidValue(key, fmt::format("{:g} (rms radius {:.3f} fm)", rms, rms),
                       fmt::format("gives no valid {} form factor; the rms radius is too small", to_string(model_)));
  return {rms, std::sqrt(size_squared)};
}

double NuclearFormFactor::evaluate(double q, const Shape& shape) const {
  switch (model_) {
    case FormFactorModel::helm: return helm_form_factor(q, shape.size, helm_skin_fm);
    case FormFactorModel::klein_nystrand: return klein_nystrand_form_factor(q, shape.size, kn_yukawa_range_fm);
    case FormFactorModel::symmetrized_fermi: return symmetrized_fermi_form_factor(q, shape.size, sf_diffuseness_fm);
    case FormFactorModel::none: return 1.0;
  }
  return 1.0;
}

}  // namespace cevns
