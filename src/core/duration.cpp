#include "cevns/core/duration.hpp"

#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "cevns/core/error.hpp"

namespace cevns {

double parse_duration_s(const std::string& text) {
  static const std::regex pattern(R"(^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(s|min|h|d)\s*$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern))
    throw ConfigError(text + ": expected a number with a unit s, min, h or d, e.g. 180d");
  const std::string unit = match[2];
  const double seconds = std::strtod(match[1].str().c_str(), nullptr) * (unit == "min" ? 60.0 : unit == "h" ? 3600.0 : unit == "d" ? 86400.0 : 1.0);
  if (!(seconds > 0.0)) throw ConfigError(text + ": nothing to simulate");
  if (!(seconds <= max_duration_s))
    throw ConfigError(fmt::format("{}: {:.3g} years of data taking, at most 100 years (36525d)", text,
                                  seconds / (365.25 * 86400.0)));
  return seconds;
}

}  // namespace cevns
