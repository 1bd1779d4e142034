#include <gtest/gtest.h>

#include <stdexcept>

#include "cevns/core/spectrum.hpp"

namespace cevns {
namespace {

TEST(Binning, Uniform) {
  const auto b = Binning::uniform(0.0, 10.0, 4);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_DOUBLE_EQ(b.low(1), 2.5);
  EXPECT_DOUBLE_EQ(b.high(3), 10.0);
  EXPECT_DOUBLE_EQ(b.center(0), 1.25);
  EXPECT_DOUBLE_EQ(b.width(2), 2.5);
}

TEST(Binning, RejectsBadEdges) {
  EXPECT_THROW(Binning({1.0}), std::invalid_argument);
  EXPECT_THROW(Binning({1.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(Binning({2.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(Binning::uniform(1.0, 0.0, 3), std::invalid_argument);
  EXPECT_THROW(Binning::uniform(0.0, 1.0, 0), std::invalid_argument);
}

TEST(Spectrum, SumAndAdd) {
  Spectrum a(Binning::uniform(0, 3, 3));
  a.counts = {1, 2, 3};
  Spectrum b(Binning::uniform(0, 3, 3));
  b.counts = {0.5, 0.5, 0.5};
  a += b;
  EXPECT_DOUBLE_EQ(a.total(), 7.5);
  Spectrum c(Binning::uniform(0, 4, 3));
  EXPECT_THROW(a += c, std::invalid_argument);
}

}  // namespace
}  // namespace cevns
