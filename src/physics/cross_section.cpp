#include "cevns/physics/cross_section.hpp"

#include <cmath>
#include <numbers>

#include <boost/math/quadrature/gauss.hpp>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"

namespace cevns {

namespace {

using std::numbers::pi;

// Fine-structure constant at q = 0 — CODATA 2018: 1/137.035999084.
constexpr double fine_structure = 1.0 / 137.035999084;
// τ mass — PDG 2024: 1776.93(9) MeV.
constexpr double tau_mass_MeV = 1776.93;

}  // namespace

NucleonCouplings vector_couplings(WeakChargeModel model, Flavor flavor, double sin2_theta_w) {
  if (model == WeakChargeModel::tree) return {0.5 - 2.0 * sin2_theta_w, -0.5};
  // Radiatively corrected low-energy couplings (PDG electroweak review, Erler & Su,
  // Prog. Part. Nucl. Phys. 71 (2013) 119), as tabulated for CEvNS by Atzori Corona et
  // al., Eur. Phys. J. C 83 (2023) 683 [arXiv:2303.09360]: the proton coupling depends on
  // the flavour through the neutrino charge radius; ν̄_μ takes the ν_μ value, ν̄_e the ν_e one.
  const double proton = is_electron_flavor(flavor) ? 0.0379 : 0.0297;
  return {proton, -0.5117};
}

CevnsCrossSection::CevnsCrossSection(const Isotope& isotope, const PhysicsConfig& physics)
    : isotope_(isotope),
      physics_((physics.validate(), physics)),
      form_factor_(physics.form_factor, isotope, physics.neutron_skin_fm, physics.neutron_radius_of(isotope.name),
                   physics.neutron_radius_fm.count(isotope.name) ? "physics.neutron_radius_fm." + isotope.name
                                                                 : "physics.neutron_radius_fm.all"),
      mass_(isotope.nuclear_mass()) {
  const auto& nsi = physics.nsi;
  const auto& zp = physics.vector_mediator;
  const double gf = constants::fermi_coupling;
  const double hbar_c = constants::hbar_c;
  const double z = isotope.protons;
  const auto override_it = physics.weak_charge_override.find(isotope.name);
  zprime_ = zp.coupling > 0.0;
  lmu_ltau_ = zprime_ && zp.charges == VectorMediatorCharges::lmu_minus_ltau;
  scalar_ = physics.scalar_mediator.coupling > 0.0;
  // ν̄_e (a tabulated flux) takes ν_e's charge radius, magnetic moment and NSI, as ν̄_μ takes ν_μ's.
  for (Flavor flavor : every_flavor) {
    FlavorTerms& t = terms_[static_cast<std::size_t>(flavor)];
    const bool electron = is_electron_flavor(flavor);
    const auto g = vector_couplings(physics.weak_charge, flavor, physics.sin2_theta_w);
    t.proton = g.proton;
    t.neutron = g.neutron;
    if (override_it != physics.weak_charge_override.end()) {
      // Scale both couplings so that Q_W(0) = −2(Z g_p + N g_n) is the given value.
      const double model_qw = -2.0 * (z * g.proton + isotope.neutrons() * g.neutron);
      if (model_qw == 0.0)
        throw InvalidValue("physics.weak_charge_override." + isotope.name, format_value(override_it->second),
                           "cannot rescale a weak charge that is zero in the chosen weak_charge model");
      t.proton *= override_it->second / model_qw;
      t.neutron *= override_it->second / model_qw;
    }
    // Flavour-diagonal NSI: g_p += 2ε^u + ε^d, g_n += ε^u + 2ε^d (Barranco et al. 2005).
    const double eu = electron ? nsi.eps_u_ee : nsi.eps_u_mumu;
    const double ed = electron ? nsi.eps_d_ee : nsi.eps_d_mumu;
    if (eu != 0.0 || ed != 0.0) t.proton += 2.0 * eu + ed, t.neutron += eu + 2.0 * ed;
    // Charge radius: g_p −= (√2 π α / 3 G_F) ⟨r²⟩ (Cadeddu et al., PRD 98 (2018) 113010, eq. 3
    // as (2/3) m_W² sin²θ_W ⟨r²⟩ = √2 π α ⟨r²⟩/(3 G_F)); ⟨r²⟩ from cm² to MeV⁻².
    const double r2_cm2 = electron ? physics.charge_radius_nu_e_cm2 : physics.charge_radius_nu_mu_cm2;
    if (r2_cm2 != 0.0)
      t.proton -= std::numbers::sqrt2 * pi * fine_structure / (3.0 * gf) * (r2_cm2 * units::cm2 / (hbar_c * hbar_c));
    // Off-diagonal NSI ε_αβ, β ≠ α, add incoherently (the final neutrino differs).
    const double off_u[2] = {nsi.eps_u_emu, electron ? nsi.eps_u_etau : nsi.eps_u_mutau};
    const double off_d[2] = {nsi.eps_d_emu, electron ? nsi.eps_d_etau : nsi.eps_d_mutau};
    for (int b = 0; b < 2; ++b) {
      const double a_p = 2.0 * off_u[b] + off_d[b], a_n = off_u[b] + 2.0 * off_d[b];
      t.off_pp += a_p * a_p, t.off_pn += 2.0 * a_p * a_n, t.off_nn += a_n * a_n;
    }
    t.off_diagonal = t.off_pp != 0.0 || t.off_nn != 0.0;
    // Z': δg(q) = g² Q'_ν Q'_nucleon / (√2 G_F (q² + M²)), Q'_p = 2Q'_u + Q'_d, Q'_n = Q'_u + 2Q'_d.
    if (zprime_) {
      const double g2 = zp.coupling * zp.coupling / (std::numbers::sqrt2 * gf);
      switch (zp.charges) {
        case VectorMediatorCharges::universal: t.zprime_proton = t.zprime_neutron = 3.0 * g2; break;
        case VectorMediatorCharges::b_minus_l: t.zprime_proton = t.zprime_neutron = -g2; break;  // Q'_ν = −1, Q'_q = 1/3
        case VectorMediatorCharges::lmu_minus_ltau:
          // Only ν_μ (Q' = 1) couples; the nucleus through the Z'–photon mixing of the μ and τ
          // loops: e Π(q²) = (α g / 3π) · lmu_ltau_loop(q²) on the proton (Cadeddu et al.,
          // JHEP 01 (2021) 116; Abdullah et al., PRD 98 (2018) 015005; sign: docs/physics.md).
          t.zprime_proton = electron ? 0.0 : g2 * fine_structure / (3.0 * pi);
          break;
      }
    }
    // Magnetic moment: (π α² μ² / m_e²)(1/T − 1/E) Z² F_p² (Vogel & Engel, PRD 39 (1989) 3378).
    const double mu = electron ? physics.magnetic_moment_nu_e_muB : physics.magnetic_moment_nu_mu_muB;
    const double me = constants::electron_mass;
    t.magnetic = pi * fine_structure * fine_structure * mu * mu / (me * me) * z * z * hbar_c * hbar_c;
    t.scale = flavor == Flavor::nu_e      ? physics.flavor_scale_nu_e
              : flavor == Flavor::nu_mu   ? physics.flavor_scale_nu_mu
              : flavor == Flavor::nubar_e ? physics.flavor_scale_nubar_e
                                          : physics.flavor_scale_nubar_mu;
  }
}

double CevnsCrossSection::max_recoil(double energy) const { return 2.0 * energy * energy / (mass_ + 2.0 * energy); }

double CevnsCrossSection::min_neutrino_energy(double recoil) const {
  return 0.5 * (recoil + std::sqrt(recoil * recoil + 2.0 * mass_ * recoil));
}

double CevnsCrossSection::momentum_transfer(double recoil) const {
  return std::sqrt(2.0 * mass_ * recoil) / (constants::hbar_c / units::fm);
}

double CevnsCrossSection::weak_charge(Flavor flavor) const {
  const auto& t = terms(flavor);
  return -2.0 * (isotope_.protons * t.proton + isotope_.neutrons() * t.neutron);
}

double CevnsCrossSection::lmu_ltau_loop(double q2) {
  const double mm2 = constants::muon_mass * constants::muon_mass, mt2 = tau_mass_MeV * tau_mass_MeV;
  const auto integrand = [&](double x) {
    const double w = x * (1.0 - x);
    return w * std::log((mt2 + w * q2) / (mm2 + w * q2));
  };
  return 6.0 * boost::math::quadrature::gauss<double, 20>::integrate(integrand, 0.0, 1.0);
}

double CevnsCrossSection::coherent_factor(const FlavorTerms& t, double recoil) const {
  const double q = momentum_transfer(recoil);
  const double fp = form_factor_.proton(q), fn = form_factor_.neutron(q);
  double charge = isotope_.protons * t.proton * fp + isotope_.neutrons() * t.neutron * fn;
  if (zprime_) {
    const double q2 = 2.0 * mass_ * recoil;  // MeV²
    const double m = physics_.vector_mediator.mass_MeV;
    const double propagator = 1.0 / (q2 + m * m);
    const double proton = lmu_ltau_ ? t.zprime_proton * lmu_ltau_loop(q2) : t.zprime_proton;
    charge += (isotope_.protons * proton * fp + isotope_.neutrons() * t.zprime_neutron * fn) * propagator;
  }
  const double gf = constants::fermi_coupling;
  const double hbar_c = constants::hbar_c;
  // The Standard-Model expression first, in its own order, so that it is unchanged bit for bit.
  double factor = gf * gf * mass_ / pi * charge * charge * hbar_c * hbar_c;
  if (t.off_diagonal) {
    const double z = isotope_.protons * fp, n = isotope_.neutrons() * fn;
    factor += gf * gf * mass_ / pi * (z * z * t.off_pp + z * n * t.off_pn + n * n * t.off_nn) * hbar_c * hbar_c;
  }
  return factor * t.scale;
}

double CevnsCrossSection::scalar_factor(double recoil) const {
  // Cerdeño et al., JHEP 05 (2016) 118 [arXiv:1604.01025], Table IV; Dent et al., PRD 97
  // (2018) 035009 [arXiv:1701.07443], eq. 3.6: Q_S = g_ν g_q (14 A + 1.1 Z) for equal
  // couplings to every quark (nucleon scalar matrix elements), split here into protons and
  // neutrons, 15.1 Z + 14 N, to carry their form factors.
  const double q = momentum_transfer(recoil);
  const double g2 = physics_.scalar_mediator.coupling * physics_.scalar_mediator.coupling;
  const double qs = g2 * (15.1 * isotope_.protons * form_factor_.proton(q) + 14.0 * isotope_.neutrons() * form_factor_.neutron(q));
  const double m = physics_.scalar_mediator.mass_MeV;
  const double denominator = 2.0 * mass_ * recoil + m * m;
  return qs * qs * mass_ * mass_ * recoil / (4.0 * pi * denominator * denominator) * constants::hbar_c * constants::hbar_c;
}

double CevnsCrossSection::differential(Flavor flavor, double energy, double recoil) const {
  if (recoil < 0.0 || recoil > max_recoil(energy)) return 0.0;
  const auto& t = terms(flavor);
  double result = coherent_factor(t, recoil) * (1.0 - mass_ * recoil / (2.0 * energy * energy));
  if (scalar_) result += t.scale * scalar_factor(recoil) / (energy * energy);
  if (t.magnetic > 0.0 && recoil > 0.0) {
    const double fp = form_factor_.proton(momentum_transfer(recoil));
    result += t.scale * t.magnetic * fp * fp * (1.0 / recoil - 1.0 / energy);
  }
  return result;
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
  const auto& t = terms(flavor);
  // ∫ φ (1 − MT/2E²) dE = m₀ − (MT/2) m₋₂
  const double m_2 = spectrum.tail_moment(-2, e_min);
  const double kinematic = m0 - 0.5 * mass_ * recoil * m_2;
  double result = coherent_factor(t, recoil) * std::max(kinematic, 0.0);
  if (scalar_) result += t.scale * scalar_factor(recoil) * m_2;  // ∫ φ/E² dE = m₋₂
  if (t.magnetic > 0.0 && recoil > 0.0) {
    // ∫ φ (1/T − 1/E) dE = m₀/T − m₋₁
    const double fp = form_factor_.proton(momentum_transfer(recoil));
    result += t.scale * t.magnetic * fp * fp * std::max(m0 / recoil - spectrum.tail_moment(-1, e_min), 0.0);
  }
  return result;
}

}  // namespace cevns
