#include "cevns/physics/physics_config.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/physics/isotope.hpp"

namespace cevns {
namespace {

void require_within(const std::string& key, double value, double lo, double hi, const std::string& why) {
  if (!(std::isfinite(value) && value >= lo && value <= hi)) throw InvalidValue(key, format_value(value), why);
}

}  // namespace

std::optional<double> PhysicsConfig::neutron_radius_of(std::string_view isotope) const {
  if (auto it = neutron_radius_fm.find(std::string(isotope)); it != neutron_radius_fm.end()) return it->second;
  if (auto it = neutron_radius_fm.find("all"); it != neutron_radius_fm.end()) return it->second;
  return std::nullopt;
}

void PhysicsConfig::validate() const {
  if (!(sin2_theta_w > 0.0 && sin2_theta_w < 1.0))
    throw InvalidValue("physics.sin2_theta_w", format_value(sin2_theta_w), "must be in (0, 1); PDG 2024: 0.23857");
  if (!std::isfinite(neutron_skin_fm) || std::abs(neutron_skin_fm) > 2.0)
    throw InvalidValue("physics.neutron_skin_fm", format_value(neutron_skin_fm),
                       "must be within ±2 fm; measured skins are a few tenths of a fm");
  for (const auto& [name, radius] : neutron_radius_fm) {
    const std::string key = "physics.neutron_radius_fm." + name;
    if (name != "all") find_isotope(name);  // throws, listing the known isotopes
    // From below the lightest target nucleus (Na: 2.99 fm charge radius) to beyond the
    // heaviest known nucleus (U: 5.86 fm); each form factor checks its own lower bound.
    require_within(key, radius, 1.0, 10.0, "must be within [1, 10] fm (Cs133's proton rms radius is ≈4.8 fm)");
    if (neutron_skin_fm != 0.0)
      throw InvalidValue(key, format_value(radius),
                         "cannot be given together with physics.neutron_skin_fm (both set the neutron radius); "
                         "set one of them");
  }
  for (const auto& [name, qw] : weak_charge_override) {
    const Isotope& isotope = find_isotope(name);
    const std::string key = "physics.weak_charge_override." + name;
    // |Q_W| = |N − (1 − 4s²)Z| ≤ A for any s² in [0, 1]; twice that leaves room for new physics.
    const double bound = 2.0 * isotope.mass_number;
    require_within(key, qw, -bound, bound,
                   fmt::format("must be within ±2A = ±{:g} (the Standard Model gives N − (1 − 4 sin²θ_W) Z)", bound));
  }
  const std::pair<const char*, double> scales[] = {{"physics.flavor_scale_nu_e", flavor_scale_nu_e},
                                                   {"physics.flavor_scale_nu_mu", flavor_scale_nu_mu},
                                                   {"physics.flavor_scale_nubar_mu", flavor_scale_nubar_mu},
                                                   {"physics.flavor_scale_nubar_e", flavor_scale_nubar_e}};
  for (const auto& [key, value] : scales)
    require_within(key, value, 0.0, 10.0, "must be within [0, 10] (1: the cross section as computed)");
  const std::pair<const char*, double> eps[] = {
      {"physics.nsi.eps_u_ee", nsi.eps_u_ee},     {"physics.nsi.eps_u_mumu", nsi.eps_u_mumu},
      {"physics.nsi.eps_u_emu", nsi.eps_u_emu},   {"physics.nsi.eps_u_etau", nsi.eps_u_etau},
      {"physics.nsi.eps_u_mutau", nsi.eps_u_mutau}, {"physics.nsi.eps_d_ee", nsi.eps_d_ee},
      {"physics.nsi.eps_d_mumu", nsi.eps_d_mumu}, {"physics.nsi.eps_d_emu", nsi.eps_d_emu},
      {"physics.nsi.eps_d_etau", nsi.eps_d_etau}, {"physics.nsi.eps_d_mutau", nsi.eps_d_mutau}};
  for (const auto& [key, value] : eps)
    require_within(key, value, -5.0, 5.0,
                   "must be within ±5 (in units of G_F; COHERENT 2017 allows |ε| of order 1)");
  require_within("physics.vector_mediator.coupling", vector_mediator.coupling, 0.0, 1.0,
                 "must be within [0, 1] (a perturbative gauge coupling; 0: no Z')");
  require_within("physics.vector_mediator.mass_MeV", vector_mediator.mass_MeV, 1e-3, 1e6,
                 "must be within [1e-3, 1e6] MeV (1 keV to 1 TeV; a massless mediator has no finite rate)");
  require_within("physics.scalar_mediator.coupling", scalar_mediator.coupling, 0.0, 1.0,
                 "must be within [0, 1] (√(g_ν g_q), perturbative; 0: no scalar)");
  require_within("physics.scalar_mediator.mass_MeV", scalar_mediator.mass_MeV, 1e-3, 1e6,
                 "must be within [1e-3, 1e6] MeV (1 keV to 1 TeV; a massless mediator has no finite rate)");
  const std::pair<const char*, double> moments[] = {{"physics.magnetic_moment_nu_e_muB", magnetic_moment_nu_e_muB},
                                                    {"physics.magnetic_moment_nu_mu_muB", magnetic_moment_nu_mu_muB}};
  for (const auto& [key, value] : moments)
    require_within(key, value, 0.0, 1e-6,
                   "must be within [0, 1e-6] Bohr magnetons (reactor limits are ≈3e-11, COHERENT's ≈1e-8)");
  const std::pair<const char*, double> radii[] = {{"physics.charge_radius_nu_e_cm2", charge_radius_nu_e_cm2},
                                                  {"physics.charge_radius_nu_mu_cm2", charge_radius_nu_mu_cm2}};
  for (const auto& [key, value] : radii)
    require_within(key, value, -1e-29, 1e-29,
                   "must be within ±1e-29 cm² (the Standard Model's are ≈ −1e-32 cm², COHERENT limits ≈1e-31)");
}

}  // namespace cevns
