#pragma once
/// \file
/// The three neutrino flavours of a π⁺ decay-at-rest source.

#include <array>
#include <string_view>

namespace cevns {

enum class Flavor {
  nu_mu,     ///< prompt, from π⁺ → μ⁺ ν_μ
  nu_e,      ///< delayed, from μ⁺ → e⁺ ν_e ν̄_μ
  nubar_mu,  ///< delayed, from μ⁺ → e⁺ ν_e ν̄_μ
};

inline constexpr std::array<Flavor, 3> all_flavors{Flavor::nu_mu, Flavor::nu_e, Flavor::nubar_mu};

/// Machine-readable name: "nu_mu", "nu_e", "nubar_mu".
constexpr std::string_view flavor_name(Flavor f) {
  switch (f) {
    case Flavor::nu_mu: return "nu_mu";
    case Flavor::nu_e: return "nu_e";
    case Flavor::nubar_mu: return "nubar_mu";
  }
  return "?";
}

/// Label for tables: "ν_μ", "ν_e", "ν̄_μ".
constexpr std::string_view flavor_label(Flavor f) {
  switch (f) {
    case Flavor::nu_mu: return "ν_μ";
    case Flavor::nu_e: return "ν_e";
    case Flavor::nubar_mu: return "ν̄_μ";
  }
  return "?";
}

}  // namespace cevns
