#include <gtest/gtest.h>

#include <cmath>

#include "cevns/stats/significance.hpp"

namespace cevns::stats {
namespace {

TEST(Significance, ThePapersFigureOfMerit) {
  // CLOVERS §4: 160 signal and 833 background give 5.1σ (160/√993 = 5.077).
  EXPECT_NEAR(simple_significance(160.0, 833.0), 5.1, 0.05);
  EXPECT_NEAR(simple_significance(160.0, 833.0), 160.0 / std::sqrt(993.0), 1e-12);
  EXPECT_EQ(simple_significance(0.0, 0.0), 0.0);
  // Significance grows as √exposure: 5σ needs (5/5.077)² = 0.970 of the exposure.
  EXPECT_NEAR(exposure_factor_for(160.0, 833.0, 5.0), 993.0 * 25.0 / (160.0 * 160.0), 1e-12);
}

TEST(Significance, Asimov) {
  // For s ≪ b the Asimov significance tends to s/√b (Cowan et al. 2011).
  EXPECT_NEAR(*asimov_significance(10.0, 1e6), 10.0 / 1e3, 1e-5);
  EXPECT_NEAR(*asimov_significance(160.0, 833.0), std::sqrt(2 * (993 * std::log(1 + 160.0 / 833.0) - 160)), 1e-12);
  // No background: the Asimov Z diverges and is reported as not available, not as ∞.
  EXPECT_FALSE(asimov_significance(5.0, 0.0).has_value());
  EXPECT_EQ(asimov_significance(0.0, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(simple_significance(25.0, 0.0), 5.0);  // √N_sig
}

}  // namespace
}  // namespace cevns::stats
