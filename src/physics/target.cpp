#include "cevns/physics/target.hpp"

#include <cctype>

#include <fmt/format.h>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"

namespace cevns {

Target Target::from_formula(std::string_view formula) {
  Target target;
  target.formula_ = std::string(formula);
  std::size_t i = 0;
  const auto fail = [&](const std::string& why) -> Target {
    throw ConfigError(fmt::format("invalid material formula '{}' ({}); write e.g. \"CsI\", \"NaI\", \"Ge\"",
                                  formula, why));
  };
  if (formula.empty()) return fail("empty");
  while (i < formula.size()) {
    if (!std::isupper(static_cast<unsigned char>(formula[i])))
      return fail(fmt::format("expected an element symbol at position {}", i + 1));
    std::string symbol(1, formula[i++]);
    while (i < formula.size() && std::islower(static_cast<unsigned char>(formula[i]))) symbol += formula[i++];
    int count = 0;
    while (i < formula.size() && std::isdigit(static_cast<unsigned char>(formula[i]))) {
      count = count * 10 + (formula[i++] - '0');
      if (count > 1000) return fail("stoichiometric count too large");
    }
    if (count == 0) count = 1;
    for (const auto& isotope : natural_element(symbol))
      target.components_.push_back({isotope, count * isotope.abundance});
  }
  return target;
}

double Target::molar_mass_g_per_mol() const {
  double sum = 0.0;
  for (const auto& c : components_) sum += c.atoms_per_formula_unit * c.isotope.atomic_mass_u;
  return sum;  // 1 u per particle = 1 g/mol
}

double Target::nuclei(const Component& component, double mass) const {
  const double formula_units = mass / units::g / molar_mass_g_per_mol() * constants::avogadro;
  return formula_units * component.atoms_per_formula_unit;
}

}  // namespace cevns
