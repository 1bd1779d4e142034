#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"
#include "cevns/physics/isotope.hpp"

namespace cevns {

// Sources:
//  atomic masses — AME2020: M. Wang et al., Chinese Phys. C 45 (2021) 030003;
//  abundances    — IUPAC/CIAAW 2013 representative isotopic compositions:
//                  J. Meija et al., Pure Appl. Chem. 88 (2016) 293;
//  charge radii  — I. Angeli, K.P. Marinova, At. Data Nucl. Data Tables 99 (2013) 69.
// Only the symmetrised-Fermi form factor uses the charge radii.
const std::vector<Isotope>& isotope_table() {
  static const std::vector<Isotope> table{
      // name      element Z    A   atomic mass (u)  abundance  r_ch (fm)
      {"Na23",  "Na", 11, 23, 22.989769282,  1.0,      2.9936},
      {"Ar36",  "Ar", 18, 36, 35.967545105,  0.003336, 3.3905},
      {"Ar38",  "Ar", 18, 38, 37.96273211,   0.000629, 3.4028},
      {"Ar40",  "Ar", 18, 40, 39.9623831237, 0.996035, 3.4274},
      {"Ge70",  "Ge", 32, 70, 69.92424875,   0.2052,   4.0414},
      {"Ge72",  "Ge", 32, 72, 71.922075826,  0.2745,   4.0576},
      {"Ge73",  "Ge", 32, 73, 72.923458956,  0.0776,   4.0632},
      {"Ge74",  "Ge", 32, 74, 73.921177761,  0.3652,   4.0742},
      {"Ge76",  "Ge", 32, 76, 75.921402726,  0.0775,   4.0811},
      {"I127",  "I",  53, 127, 126.9044719,  1.0,      4.7500},
      {"Xe124", "Xe", 54, 124, 123.905892,   0.000952, 4.7664},
      {"Xe126", "Xe", 54, 126, 125.904298,   0.000890, 4.7725},
      {"Xe128", "Xe", 54, 128, 127.903531,   0.019102, 4.7774},
      {"Xe129", "Xe", 54, 129, 128.904780861, 0.264006, 4.7775},
      {"Xe130", "Xe", 54, 130, 129.903509349, 0.040710, 4.7818},
      {"Xe131", "Xe", 54, 131, 130.905084057, 0.212324, 4.7808},
      {"Xe132", "Xe", 54, 132, 131.904155086, 0.269086, 4.7859},
      {"Xe134", "Xe", 54, 134, 133.905393,   0.104357, 4.7899},
      {"Xe136", "Xe", 54, 136, 135.907214484, 0.088573, 4.7964},
      {"Cs133", "Cs", 55, 133, 132.905451961, 1.0,      4.8041},
  };
  return table;
}

double Isotope::nuclear_mass() const {
  return atomic_mass_u * constants::atomic_mass_unit - protons * constants::electron_mass;
}

const Isotope& find_isotope(std::string_view name) {
  const auto& table = isotope_table();
  auto it = std::find_if(table.begin(), table.end(), [&](const Isotope& i) { return i.name == name; });
  if (it == table.end()) {
    std::vector<std::string> names;
    for (const auto& i : table) names.push_back(i.name);
    throw ConfigError(fmt::format("unknown isotope '{}' (known: {})", name, fmt::join(names, ", ")));
  }
  return *it;
}

std::vector<Isotope> natural_element(std::string_view symbol) {
  std::vector<Isotope> isotopes;
  for (const auto& i : isotope_table())
    if (i.element == symbol) isotopes.push_back(i);
  if (isotopes.empty()) {
    std::vector<std::string> symbols;
    for (const auto& i : isotope_table())
      if (std::find(symbols.begin(), symbols.end(), i.element) == symbols.end()) symbols.push_back(i.element);
    throw ConfigError(fmt::format("unknown element '{}' (known: {}; add it to src/physics/isotope_table.cpp)",
                                  symbol, fmt::join(symbols, ", ")));
  }
  return isotopes;
}

}  // namespace cevns
