// The checks shared by the modules: ranges, Poisson means and finite results.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cevns/core/error.hpp"

namespace cevns {
namespace {

template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

TEST(Checks, RangeNamesTheKeyTheBoundsAndTheReason) {
  EXPECT_NO_THROW(require_range("a.b", 1.0, 1.0, 2.0, "why"));
  EXPECT_THROW(require_range("a.b", 1.0, 1.0, 2.0, "why", true), InvalidValue);
  EXPECT_THROW(require_range("a.b", std::nan(""), 0.0, 2.0, "why"), InvalidValue);
  EXPECT_EQ(message_of<InvalidValue>([] { require_range("daq.pmt.dark_rate_Hz", 1e15, 0.0, 1e5, "PMTs"); }),
            "invalid daq.pmt.dark_rate_Hz = 1e+15 (must be in [0, 100000]: PMTs)");
}

TEST(Checks, PoissonMeanMustBeSamplable) {
  // std::poisson_distribution never returns for a mean >= 2^64 or inf: refuse before drawing.
  EXPECT_EQ(checked_poisson_mean(0.0, "x"), 0.0);
  EXPECT_EQ(checked_poisson_mean(12.5, "x"), 12.5);
  EXPECT_EQ(checked_poisson_mean(max_poisson_mean, "x"), max_poisson_mean);
  for (double bad : {std::numeric_limits<double>::infinity(), std::nan(""), -1.0, 0x1p64, 1e300, 2 * max_poisson_mean}) {
    const auto message = message_of<NumericalError>([&] { checked_poisson_mean(bad, "PMT dark counts in a block"); });
    EXPECT_EQ(message.rfind("PMT dark counts in a block = ", 0), 0u) << message;
  }
}

TEST(Checks, FiniteResults) {
  EXPECT_NO_THROW(require_finite("x", 1e308));
  EXPECT_EQ(message_of<NumericalError>([] { require_finite("CEvNS events", std::numeric_limits<double>::infinity()); })
                .rfind("CEvNS events is inf, not a finite number", 0),
            0u);
  EXPECT_THROW(require_finite("x", std::nan("")), NumericalError);
}

}  // namespace
}  // namespace cevns
