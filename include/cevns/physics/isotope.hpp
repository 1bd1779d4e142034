#pragma once
/// \file
/// Nuclides and natural elements for CEvNS targets (data in src/physics/isotope_table.cpp,
/// each value with its source).

#include <string>
#include <string_view>
#include <vector>

namespace cevns {

struct Isotope {
  std::string name;            ///< e.g. "Cs133"
  std::string element;         ///< chemical symbol, e.g. "Cs"
  int protons = 0;             ///< Z
  int mass_number = 0;         ///< A
  double atomic_mass_u = 0.0;  ///< atomic (not nuclear) mass in u — AME2020
  double abundance = 0.0;      ///< natural isotopic abundance (amount fraction) — IUPAC/CIAAW
  double charge_radius_fm = 0.0;  ///< rms nuclear charge radius — Angeli & Marinova 2013

  [[nodiscard]] int neutrons() const { return mass_number - protons; }
  /// Nuclear mass in MeV: atomic mass less the electrons (their binding, < 0.2 MeV for
  /// Cs, is neglected).
  [[nodiscard]] double nuclear_mass() const;
};

/// Every isotope cevns knows, in table order.
const std::vector<Isotope>& isotope_table();
/// The isotope called `name` ("Cs133"); throws ConfigError listing the known ones.
const Isotope& find_isotope(std::string_view name);
/// The stable isotopes of a natural element ("Ge"), abundances summing to one; throws
/// ConfigError naming the known elements.
std::vector<Isotope> natural_element(std::string_view symbol);

}  // namespace cevns
