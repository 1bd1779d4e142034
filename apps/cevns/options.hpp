#pragma once
/// \file
/// Checks and conversions of the command-line values that CLI11 cannot judge: counts,
/// durations, and where the shipped configurations are.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cevns/core/duration.hpp"

namespace cevns::app {

/// A CLI11 check that a value is a whole number in [min, max] written in plain digits:
/// CLI11 itself wraps "-5" into 18446744073709551611 and truncates "2.5".
[[nodiscard]] CLI::Validator whole_number(std::uint64_t min, std::uint64_t max, std::string why = {});

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
