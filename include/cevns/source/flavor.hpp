#pragma once
/// \file
/// The neutrino flavours of a spallation source: the three of π⁺ decay at rest, and ν̄_e,
/// which only a tabulated flux gives (μ⁻ and π⁻ decays in flight, docs/physics.md).

#include <array>
#include <string_view>

namespace cevns {

enum class Flavor {
  nu_mu,     ///< prompt, from π⁺ → μ⁺ ν_μ
  nu_e,      ///< delayed, from μ⁺ → e⁺ ν_e ν̄_μ
  nubar_mu,  ///< delayed, from μ⁺ → e⁺ ν_e ν̄_μ
  nubar_e,   ///< absent from π⁺ decay at rest; a tabulated flux may give it (source.flux = "table")
};

/// The three flavours of π⁺ decay at rest, which every source gives (DecayAtRestSource::flavors()
/// adds ν̄_e when a table holds it).
inline constexpr std::array<Flavor, 3> all_flavors{Flavor::nu_mu, Flavor::nu_e, Flavor::nubar_mu};
/// Every flavour, in the order of the enumeration (and of a flux table's columns).
inline constexpr std::array<Flavor, 4> every_flavor{Flavor::nu_mu, Flavor::nu_e, Flavor::nubar_mu, Flavor::nubar_e};

/// Machine-readable name: "nu_mu", "nu_e", "nubar_mu", "nubar_e".
constexpr std::string_view flavor_name(Flavor f) {
  switch (f) {
    case Flavor::nu_mu: return "nu_mu";
    case Flavor::nu_e: return "nu_e";
    case Flavor::nubar_mu: return "nubar_mu";
    case Flavor::nubar_e: return "nubar_e";
  }
  return "?";
}

/// Label for tables: "ν_μ", "ν_e", "ν̄_μ", "ν̄_e".
constexpr std::string_view flavor_label(Flavor f) {
  switch (f) {
    case Flavor::nu_mu: return "ν_μ";
    case Flavor::nu_e: return "ν_e";
    case Flavor::nubar_mu: return "ν̄_μ";
    case Flavor::nubar_e: return "ν̄_e";
  }
  return "?";
}

/// ν_e and ν̄_e: the flavours whose charge radius, magnetic moment and NSI are the
/// electron-flavour ones (ν̄_μ takes ν_μ's, ν̄_e ν_e's).
constexpr bool is_electron_flavor(Flavor f) { return f == Flavor::nu_e || f == Flavor::nubar_e; }

}  // namespace cevns
