#include <gtest/gtest.h>

#include "cevns/core/error.hpp"
#include "cevns/core/units.hpp"
#include "cevns/physics/target.hpp"

namespace cevns {
namespace {

TEST(Isotope, TableIsConsistent) {
  // Natural abundances of each element sum to one (IUPAC 2013 rounding: 1e-4).
  for (const char* element : {"Na", "Ar", "Ge", "I", "Xe", "Cs"}) {
    double sum = 0.0;
    for (const auto& i : natural_element(element)) {
      sum += i.abundance;
      EXPECT_NEAR(i.atomic_mass_u, i.mass_number, 0.1) << i.name;
    }
    EXPECT_NEAR(sum, 1.0, 1e-4) << element;
  }
  EXPECT_EQ(find_isotope("Cs133").neutrons(), 78);
  EXPECT_EQ(find_isotope("I127").neutrons(), 74);
  EXPECT_THROW(find_isotope("Cs137"), ConfigError);
}

TEST(Target, CsIFromFormula) {
  const auto csi = Target::from_formula("CsI");
  ASSERT_EQ(csi.components().size(), 2u);
  // Molar mass of CsI: 132.905 + 126.904 = 259.810 g/mol (AME2020 masses).
  EXPECT_NEAR(csi.molar_mass_g_per_mol(), 259.8099, 1e-3);
  // 1 kg CsI holds N_A/259.81 × 1000 = 2.318e24 nuclei of each.
  for (const auto& c : csi.components()) EXPECT_NEAR(csi.nuclei(c, units::kg) / 2.3179e24, 1.0, 1e-4);
}

TEST(Target, NaturalGermaniumAndCompounds) {
  const auto ge = Target::from_formula("Ge");
  EXPECT_EQ(ge.components().size(), 5u);
  EXPECT_NEAR(ge.molar_mass_g_per_mol(), 72.63, 0.01);  // standard atomic weight 72.630(8)
  const auto nai = Target::from_formula("NaI");
  EXPECT_EQ(nai.components().size(), 2u);
  EXPECT_NEAR(Target::from_formula("Xe").molar_mass_g_per_mol(), 131.29, 0.01);  // 131.293(6)
}

TEST(Target, RejectsMalformedFormulas) {
  EXPECT_THROW(Target::from_formula(""), ConfigError);
  EXPECT_THROW(Target::from_formula("csi"), ConfigError);
  EXPECT_THROW(Target::from_formula("CsQ"), ConfigError);
  EXPECT_THROW(Target::from_formula("Cs-I"), ConfigError);
}

}  // namespace
}  // namespace cevns
