// keVnr, keVee and photoelectrons must not mix silently: these are compile-time checks of
// misuse (the "compile-fail" tests of the style guide) plus the arithmetic that is allowed.
#include <gtest/gtest.h>

#include <functional>
#include <type_traits>

#include "cevns/core/quantity.hpp"

namespace cevns {
namespace {

template <class A, class B>
concept Addable = requires(A a, B b) { a + b; };
template <class A, class B>
concept Comparable = requires(A a, B b) { a < b; };

static_assert(!std::is_convertible_v<RecoilEnergy, ElectronEquivalentEnergy>);
static_assert(!std::is_convertible_v<ElectronEquivalentEnergy, RecoilEnergy>);
static_assert(!std::is_convertible_v<double, RecoilEnergy>, "a bare number is not an energy");
static_assert(!std::is_convertible_v<RecoilEnergy, double>, "an energy does not decay to a number");
static_assert(!Addable<RecoilEnergy, ElectronEquivalentEnergy>);
static_assert(!Addable<Photoelectrons, ElectronEquivalentEnergy>);
static_assert(!Addable<RecoilEnergy, double>);
static_assert(!Comparable<RecoilEnergy, ElectronEquivalentEnergy>);
static_assert(Addable<RecoilEnergy, RecoilEnergy>);

TEST(Quantity, SameKindArithmetic) {
  const RecoilEnergy a = keVnr(3.0);
  const RecoilEnergy b = keVnr(1.5);
  EXPECT_DOUBLE_EQ(in_keVnr(a + b), 4.5);
  EXPECT_DOUBLE_EQ(in_keVnr(a - b), 1.5);
  EXPECT_DOUBLE_EQ(a / b, 2.0);
  EXPECT_DOUBLE_EQ(in_keVnr(2.0 * b), 3.0);
  EXPECT_LT(b, a);
  EXPECT_DOUBLE_EQ(a.native(), 3e-3);  // native MeV
  EXPECT_DOUBLE_EQ(in_keVee(keVee(2.0)), 2.0);
  EXPECT_DOUBLE_EQ(photoelectrons(4.0).native(), 4.0);
}

}  // namespace
}  // namespace cevns
