#pragma once
/// \file
/// Checks and conversions of the command-line values that CLI11 cannot judge: counts,
/// durations, and where the shipped configurations are.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace cevns::app {

/// The most triggers a run may have: 10¹² is over 1200 years of beam at CSNS' 25 Hz and
/// 500 at the SNS' 60 Hz; a larger count is a typo, not a run.
inline constexpr std::uint64_t max_triggers = 1'000'000'000'000;
/// The longest --duration: 100 years of data taking, longer than any experiment runs.
inline constexpr double max_duration_s = 100 * 365.25 * 86400.0;
/// The most worker threads: 4 per core. More do not run faster, they only hold more
/// blocks in memory (two per thread, up to 256 MB each in full mode).
[[nodiscard]] int max_threads();

/// A CLI11 check that a value is a whole number in [min, max] written in plain digits:
/// CLI11 itself wraps "-5" into 18446744073709551611 and truncates "2.5".
[[nodiscard]] CLI::Validator whole_number(std::uint64_t min, std::uint64_t max, std::string why = {});

/// Seconds in a duration such as "90s", "30min", "12h", "180d": a number > 0 and a unit.
/// Throws cevns::ConfigError otherwise, or when it is longer than max_duration_s.
[[nodiscard]] double parse_duration_s(const std::string& text);
/// A CLI11 check of parse_duration_s().
[[nodiscard]] CLI::Validator duration();

/// The folders the shipped configurations may be in, in the order they are searched:
/// <program>/../share/cevns/configs (an installed cevns), then the source tree's configs/.
[[nodiscard]] std::vector<std::filesystem::path> shipped_config_dirs();
/// The configuration file to read for `--config name`: `name` when it exists; else, for a
/// name without a folder (or in configs/), the shipped configuration of that name; else
/// `name`, for the reader to report. An empty name is the default study, clovers.toml.
[[nodiscard]] std::filesystem::path find_config(const std::string& name);

}  // namespace cevns::app
