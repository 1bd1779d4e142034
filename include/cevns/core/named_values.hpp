#pragma once
/// \file
/// The names of an enum's values, as configuration files and outputs spell them.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cevns {

template <class Enum, std::size_t N>
class NamedValues {
 public:
  constexpr explicit NamedValues(std::array<std::pair<std::string_view, Enum>, N> entries) : entries_(entries) {}

  [[nodiscard]] constexpr std::string_view name(Enum value) const {
    for (const auto& [name, v] : entries_)
      if (v == value) return name;
    return "?";
  }
  [[nodiscard]] constexpr std::optional<Enum> parse(std::string_view text) const {
    for (const auto& [name, v] : entries_)
      if (name == text) return v;
    return std::nullopt;
  }
  /// Every name, in declaration order (for "must be one of" messages).
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, v] : entries_) out.emplace_back(name);
    return out;
  }

 private:
  std::array<std::pair<std::string_view, Enum>, N> entries_;
};

}  // namespace cevns
