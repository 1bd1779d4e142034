#include "cevns/physics/cross_section.hpp"

#include <cmath>
#include <numbers>

#include <boost/math/quadrature/gauss.hpp>

#include "cevns/core/constants.hpp"

namespace cevns {

NucleonCouplings vector_couplings(WeakChargeModel model, Flavor flavor, double sin2_theta_w) {
  if (model == WeakChargeModel::tree) return {0.5 - 2.0 * sin2_theta_w, -0.5};
  // Radiatively corrected low-energy couplings (PDG electroweak review, Erler & Su,
  // Prog. Part. Nucl. Phys. 71 (2013) 119), as tabulated for CEvNS by Atzori Corona et
  // al., Eur. Phys. J. C 83 (2023) 683 [arXiv:2303.09360]: the proton coupling depends on
  // the flavour through the neutrino charge radius; ν̄_μ takes the ν_μ value.
  const double proton = flavor == Flavor::nu_e ? 0.0379 : 0.0297;
  return {proton, -0.5117};
}

CevnsCrossSection::CevnsCrossSection(const Isotope& isotope, const PhysicsConfig& physics)
    : isotope_(isotope),
      physics_((physics.validate(), physics)),
      form_factor_(physics.form_factor, isotope, physics.neutron_skin_fm),
      mass_(isotope.nuclear_mass()) {}

double CevnsCrossSection::max_recoil(double energy) const { return 2.0 * energy * energy / (mass_ + 2.0 * energy); }

double CevnsCrossSection::min_neutrino_energy(double recoil) const {
  return 0.5 * (recoil + std::sqrt(recoil * recoil + 2.0 * mass_ * recoil));
}

double CevnsCrossSection::momentum_transfer(double recoil) const {
  return std::sqrt(2.0 * mass_ * recoil) / (constants::hbar_c / units::fm);
}

double CevnsCrossSection::weak_charge(Flavor flavor) const {
  const auto g = vector_couplings(physics_.weak_charge, flavor, physics_.sin2_theta_w);
  return -2.0 * (isotope_.protons * g.proton + isotope_.neutrons() * g.neutron);
}

double CevnsCrossSection::coherent_factor(Flavor flavor, double recoil) const {
  const auto g = vector_couplings(physics_.weak_charge, flavor, physics_.sin2_theta_w);
  const double q = momentum_transfer(recoil);
  const double charge = isotope_.protons * g.proton * form_factor_.proton(q) +
                        isotope_.neutrons() * g.neutron * form_factor_.neutron(q);
  const double gf = constants::fermi_coupling;
  const double hbar_c = constants::hbar_c;
  return gf * gf * mass_ / std::numbers::pi * charge * charge * hbar_c * hbar_c;
}

double CevnsCrossSection::differential(Flavor flavor, double energy, double recoil) const {
  if (recoil < 0.0 || recoil > max_recoil(energy)) return 0.0;
  return coherent_factor(flavor, recoil) * (1.0 - mass_ * recoil / (2.0 * energy * energy));
}

double CevnsCrossSection::total(Flavor flavor, double energy) const {
  const auto integrand = [&](double t) { return differential(flavor, energy, t); };
  return boost::math::quadrature::gauss<double, 30>::integrate(integrand, 0.0, max_recoil(energy));
}

double CevnsCrossSection::spectrum_averaged(Flavor flavor, const NeutrinoSpectrum& spectrum, double recoil) const {
  if (recoil < 0.0) return 0.0;
  const double e_min = min_neutrino_energy(recoil);
  const double m0 = spectrum.tail_moment(0, e_min);
  if (m0 <= 0.0) return 0.0;
  // ∫ φ (1 − MT/2E²) dE = m₀ − (MT/2) m₋₂
  const double kinematic = m0 - 0.5 * mass_ * recoil * spectrum.tail_moment(-2, e_min);
  return coherent_factor(flavor, recoil) * std::max(kinematic, 0.0);
}

}  // namespace cevns
