// Relations between the physical constants and units (sources in constants.hpp).
#include <gtest/gtest.h>

#include "cevns/core/constants.hpp"

namespace cevns {
namespace {

using namespace units;

TEST(Constants, AtomicMassUnitMatchesAvogadroAndJoule) {
  // m_u c² = (1 g/mol / N_A) c²; CODATA 2018 is consistent with the exact SI constants
  // to its own uncertainty (3e-10 relative).
  const double c_si = 299792458.0;  // m/s
  const double mu_joule = 1e-3 / constants::avogadro * c_si * c_si;
  EXPECT_NEAR(mu_joule * joule / constants::atomic_mass_unit, 1.0, 1e-9);
}

TEST(Constants, DecayAtRestEnergies) {
  // (m_π² − m_μ²)/2m_π = 29.79 MeV and m_μ/2 = 52.83 MeV (DESIGN.md §2).
  EXPECT_NEAR(constants::prompt_numu_energy / MeV, 29.79, 0.005);
  EXPECT_NEAR(constants::michel_endpoint / MeV, 52.83, 0.005);
}

TEST(Constants, LifetimesAndSpeedOfLight) {
  EXPECT_NEAR(constants::pion_lifetime / ns, 26.03, 0.01);     // DESIGN.md §2
  EXPECT_NEAR(constants::muon_lifetime / ns, 2196.98, 0.01);   // DESIGN.md §2
  EXPECT_NEAR(constants::speed_of_light / (m / ns), 0.299792458, 1e-12);
}

TEST(Constants, FermiCouplingInNaturalUnits) {
  // G_F² E² (ħc)²/π for E = 1 MeV: (1.1663788e-11)² × (197.3269804e-13)²/π = 1.686174e-44 cm²,
  // the familiar weak cross-section scale (hand calculation from PDG G_F and CODATA ħc).
  const double sigma = constants::fermi_coupling * constants::fermi_coupling * MeV * MeV *
                       constants::hbar_c * constants::hbar_c / 3.141592653589793;
  EXPECT_NEAR(sigma / cm2, 1.686174e-44, 1e-50);
}

TEST(Units, PowerAndBeamEnergy) {
  EXPECT_DOUBLE_EQ(watt * s, joule);
  EXPECT_NEAR(GWh / joule, 3.6e12, 1.0);
  // 1 J = 6.241509074e12 MeV (exact SI elementary charge).
  EXPECT_NEAR(joule / MeV, 6.241509074e12, 1e3);
}

}  // namespace
}  // namespace cevns
