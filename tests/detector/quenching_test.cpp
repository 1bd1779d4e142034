#include <gtest/gtest.h>

#include <cmath>

#include "cevns/core/error.hpp"
#include "cevns/detector/quenching.hpp"

namespace cevns {
namespace {

const Isotope& cs() { return find_isotope("Cs133"); }

TEST(Quenching, CoherentPolynomial) {
  // E_ee = 0.0554628 E + 4.30681 E² − 111.707 E³ + 840.384 E⁴ (E in MeV; DESIGN.md §2).
  const Quenching q(QuenchingConfig{}, cs());
  for (double e_kev : {1.0, 5.0, 20.0, 40.0}) {
    const double e = e_kev * 1e-3;
    const double expected = 0.0554628 * e + 4.30681 * e * e - 111.707 * e * e * e + 840.384 * e * e * e * e;
    EXPECT_NEAR(in_keVee(q.electron_equivalent(keVnr(e_kev))), expected * 1e3, 1e-12) << e_kev;
  }
  // At 10 keVnr: 0.0554628 + 0.0430681 − 0.0111707 + 0.0008404 = 0.08820 (hand calculation).
  EXPECT_NEAR(q.quenching_factor(keVnr(10.0)), 0.08820, 1e-5);
}

TEST(Quenching, ConstantAndShifts) {
  QuenchingConfig config;
  config.model = QuenchingModel::constant;
  EXPECT_NEAR(Quenching(config, cs()).quenching_factor(keVnr(7.0)), 0.0878, 1e-15);
  config.shift_sigma = 1.0;
  EXPECT_NEAR(Quenching(config, cs()).quenching_factor(keVnr(7.0)), 0.0878 + 0.0166, 1e-15);
  config.shift_sigma = -1.0;
  EXPECT_NEAR(Quenching(config, cs()).quenching_factor(keVnr(7.0)), 0.0878 - 0.0166, 1e-15);
  QuenchingConfig poly;
  poly.shift_sigma = 1.0;
  EXPECT_NEAR(Quenching(poly, cs()).quenching_factor(keVnr(10.0)) / Quenching(QuenchingConfig{}, cs()).quenching_factor(keVnr(10.0)),
              1.04, 1e-12);
}

TEST(Quenching, Lindhard) {
  // k = 0.133 Z^(2/3) A^(−1/2) = 0.16678 for Cs133; at 10 keVnr ε = 11.5·10·55^(−7/3) = 0.009992,
  // g = 3ε^0.15 + 0.7ε^0.6 + ε = 1.5574, QF = kg/(1+kg) = 0.2062 (hand calculation).
  QuenchingConfig config;
  config.model = QuenchingModel::lindhard;
  EXPECT_NEAR(Quenching(config, cs()).quenching_factor(keVnr(10.0)), 0.2062, 0.0002);
  config.lindhard_k = 0.1;
  const double eps = 11.5 * 10.0 * std::pow(55.0, -7.0 / 3.0);
  const double g = 3 * std::pow(eps, 0.15) + 0.7 * std::pow(eps, 0.6) + eps;
  EXPECT_NEAR(Quenching(config, cs()).quenching_factor(keVnr(10.0)), 0.1 * g / (1 + 0.1 * g), 1e-14);
}

TEST(Quenching, TableInterpolates) {
  QuenchingConfig config;
  config.model = QuenchingModel::table;
  config.table_keVnr = {2.0, 10.0};
  config.table_qf = {0.05, 0.09};
  config.table_qf_uncertainty = {0.01, 0.01};
  const Quenching q(config, cs());
  EXPECT_NEAR(q.quenching_factor(keVnr(6.0)), 0.07, 1e-15);
  EXPECT_NEAR(q.quenching_factor(keVnr(1.0)), 0.05, 1e-15);
  EXPECT_NEAR(q.quenching_factor(keVnr(30.0)), 0.09, 1e-15);
  config.shift_sigma = 2.0;
  EXPECT_NEAR(Quenching(config, cs()).quenching_factor(keVnr(6.0)), 0.09, 1e-15);
  config.table_qf = {0.05, 1.5};
  EXPECT_THROW(Quenching(config, cs()), InvalidValue);
}

TEST(Quenching, InverseRoundTrips) {
  for (auto model : {QuenchingModel::coherent_polynomial, QuenchingModel::constant, QuenchingModel::lindhard}) {
    QuenchingConfig config;
    config.model = model;
    const Quenching q(config, cs());
    for (double e : {0.5, 1.5, 7.0, 40.0})
      EXPECT_NEAR(in_keVnr(q.recoil_for(q.electron_equivalent(keVnr(e)))), e, 1e-8) << to_string(model);
  }
}

}  // namespace
}  // namespace cevns
