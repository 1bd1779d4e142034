#pragma once
/// \file
/// Physical constants in native units (MeV, cm, ns), each with its source edition.
/// `tests/core/constants_test.cpp` checks the relations between them.

#include "cevns/core/units.hpp"

namespace cevns::constants {

using namespace cevns::units;

/// Fermi coupling G_F/(ħc)³ in MeV⁻² — PDG 2024: 1.1663788(6)×10⁻⁵ GeV⁻².
inline constexpr double fermi_coupling = 1.1663788e-5 / (GeV * GeV);
/// ħc — CODATA 2018 (exact in the 2019 SI): 197.3269804 MeV fm.
inline constexpr double hbar_c = 197.3269804 * MeV * fm;
/// Speed of light — exact: 299792458 m/s.
inline constexpr double speed_of_light = 299792458.0 * m / s;
/// Avogadro constant — exact in the 2019 SI, per mol.
inline constexpr double avogadro = 6.02214076e23;
/// Atomic mass constant m_u c² — CODATA 2018: 931.49410242 MeV.
inline constexpr double atomic_mass_unit = 931.49410242 * MeV;
/// Electron mass — CODATA 2018: 0.51099895000 MeV.
inline constexpr double electron_mass = 0.51099895000 * MeV;
/// Charged-pion mass — PDG 2024: 139.57039(18) MeV.
inline constexpr double charged_pion_mass = 139.57039 * MeV;
/// Muon mass — PDG 2024: 105.6583755(23) MeV.
inline constexpr double muon_mass = 105.6583755 * MeV;
/// Charged-pion mean life — PDG 2024: 2.6033(5)×10⁻⁸ s.
inline constexpr double pion_lifetime = 26.033 * ns;
/// Muon mean life — PDG 2024: 2.1969811(22)×10⁻⁶ s.
inline constexpr double muon_lifetime = 2196.9811 * ns;
/// Weak mixing angle sin²θ_W (MS-bar) at low momentum transfer — PDG 2024,
/// "Electroweak model and constraints on new physics": 0.23857(5).
inline constexpr double sin2_theta_w_low_q = 0.23857;
/// Proton rms charge radius — CODATA 2018: 0.8414(19) fm.
inline constexpr double proton_charge_radius = 0.8414 * fm;
/// Neutron mean-square charge radius — PDG 2024: −0.1155(17) fm².
inline constexpr double neutron_charge_radius_squared = -0.1155 * fm * fm;

/// Energy of the prompt ν_μ from π⁺ → μ⁺ ν_μ at rest: (m_π² − m_μ²)/(2 m_π) ≈ 29.79 MeV.
inline constexpr double prompt_numu_energy =
    (charged_pion_mass * charged_pion_mass - muon_mass * muon_mass) / (2.0 * charged_pion_mass);
/// Endpoint of the Michel spectra from μ⁺ decay at rest: m_μ/2 ≈ 52.83 MeV (m_e neglected).
inline constexpr double michel_endpoint = muon_mass / 2.0;

}  // namespace cevns::constants
