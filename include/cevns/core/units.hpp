#pragma once
/// \file
/// The native unit system of cevns and named unit constants.
///
/// Native units: energy MeV, length cm, time ns, macroscopic mass g. Multiply a number
/// by a unit constant on input (`3.0 * units::kg`) and divide on output
/// (`mass / units::kg`). Particle masses are energies (c = 1).

namespace cevns::units {

// Energy
inline constexpr double MeV = 1.0;
inline constexpr double keV = 1e-3 * MeV;
inline constexpr double eV = 1e-6 * MeV;
inline constexpr double GeV = 1e3 * MeV;

// Length
inline constexpr double cm = 1.0;
inline constexpr double m = 100.0 * cm;
inline constexpr double mm = 0.1 * cm;
inline constexpr double fm = 1e-13 * cm;
inline constexpr double cm2 = cm * cm;

// Time
inline constexpr double ns = 1.0;
inline constexpr double us = 1e3 * ns;
inline constexpr double ms = 1e6 * ns;
inline constexpr double s = 1e9 * ns;
inline constexpr double hour = 3600.0 * s;
inline constexpr double day = 86400.0 * s;

// Macroscopic mass
inline constexpr double g = 1.0;
inline constexpr double kg = 1e3 * g;

// Energy, power and beam exposure in SI-derived units. The electron-volt is exact in
// the 2019 SI (elementary charge 1.602176634e-19 C).
inline constexpr double joule = MeV / 1.602176634e-13;
inline constexpr double watt = joule / s;
inline constexpr double kW = 1e3 * watt;
inline constexpr double MW = 1e6 * watt;
inline constexpr double GW = 1e9 * watt;
inline constexpr double GWh = GW * hour;  ///< COHERENT's unit of delivered beam energy

// Frequency
inline constexpr double Hz = 1.0 / s;

}  // namespace cevns::units
