#pragma once
/// \file
/// Durations of data taking written by people: "90s", "30min", "12h", "180d".

#include <string>

namespace cevns {

/// The longest duration accepted: 100 years of data taking, longer than any experiment runs.
inline constexpr double max_duration_s = 100 * 365.25 * 86400.0;

/// Seconds in a duration such as "90s", "30min", "12h", "180d": a number > 0 and a unit.
/// Throws ConfigError otherwise, or when it is longer than max_duration_s.
[[nodiscard]] double parse_duration_s(const std::string& text);

}  // namespace cevns
