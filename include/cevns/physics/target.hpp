#pragma once
/// \file
/// A detector material as a set of isotopes with their number per formula unit.

#include <string>
#include <string_view>
#include <vector>

#include "cevns/physics/isotope.hpp"

namespace cevns {

class Target {
 public:
  struct Component {
    Isotope isotope;
    double atoms_per_formula_unit;  ///< stoichiometry × natural abundance
  };

  /// Parses a chemical formula of natural elements: "CsI", "NaI", "Ge", "Xe", "Ar",
  /// "C3F8" (if its elements are known). Throws ConfigError on a malformed formula or
  /// an unknown element.
  static Target from_formula(std::string_view formula);

  [[nodiscard]] const std::string& formula() const { return formula_; }
  [[nodiscard]] const std::vector<Component>& components() const { return components_; }
  /// Molar mass of one formula unit in g/mol.
  [[nodiscard]] double molar_mass_g_per_mol() const;
  /// Nuclei of `component` in `mass` (native grams) of this material.
  [[nodiscard]] double nuclei(const Component& component, double mass) const;

 private:
  std::string formula_;
  std::vector<Component> components_;
};

}  // namespace cevns
