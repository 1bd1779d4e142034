#pragma once
/// \file
/// Strongly typed quantities that share a dimension but not a meaning.
///
/// A nuclear-recoil energy (keVnr), an electron-equivalent energy (keVee) and a number
/// of photoelectrons are all "numbers", but adding one to another is always a bug. Each
/// is a distinct `Quantity<Tag>`: same-tag arithmetic works, mixing tags does not
/// compile, and conversion between them goes only through a named model (quenching,
/// light yield). Energies are stored in native MeV.

#include <compare>

#include "cevns/core/units.hpp"

namespace cevns {

template <class Tag>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double native_value) : value_(native_value) {}

  /// The value in native units (MeV for energies, count for photoelectrons).
  [[nodiscard]] constexpr double native() const { return value_; }

  constexpr Quantity& operator+=(Quantity other) { value_ += other.value_; return *this; }
  constexpr Quantity& operator-=(Quantity other) { value_ -= other.value_; return *this; }
  constexpr Quantity& operator*=(double factor) { value_ *= factor; return *this; }

  friend constexpr Quantity operator+(Quantity a, Quantity b) { return Quantity(a.value_ + b.value_); }
  friend constexpr Quantity operator-(Quantity a, Quantity b) { return Quantity(a.value_ - b.value_); }
  friend constexpr Quantity operator*(Quantity a, double f) { return Quantity(a.value_ * f); }
  friend constexpr Quantity operator*(double f, Quantity a) { return Quantity(a.value_ * f); }
  friend constexpr Quantity operator/(Quantity a, double f) { return Quantity(a.value_ / f); }
  /// The ratio of two like quantities is a plain number.
  friend constexpr double operator/(Quantity a, Quantity b) { return a.value_ / b.value_; }
  friend constexpr auto operator<=>(Quantity, Quantity) = default;

 private:
  double value_ = 0.0;
};

struct NuclearRecoilTag {};
struct ElectronEquivalentTag {};
struct PhotoelectronTag {};

/// Kinetic energy of a recoiling nucleus (keVnr when printed).
using RecoilEnergy = Quantity<NuclearRecoilTag>;
/// Energy a recoil shows as scintillation, calibrated on electrons (keVee when printed).
using ElectronEquivalentEnergy = Quantity<ElectronEquivalentTag>;
/// A (mean) number of photoelectrons.
using Photoelectrons = Quantity<PhotoelectronTag>;

constexpr RecoilEnergy keVnr(double value) { return RecoilEnergy(value * units::keV); }
constexpr ElectronEquivalentEnergy keVee(double value) { return ElectronEquivalentEnergy(value * units::keV); }
constexpr Photoelectrons photoelectrons(double value) { return Photoelectrons(value); }

constexpr double in_keVnr(RecoilEnergy e) { return e.native() / units::keV; }
constexpr double in_keVee(ElectronEquivalentEnergy e) { return e.native() / units::keV; }

}  // namespace cevns
