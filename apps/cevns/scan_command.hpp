#pragma once
/// \file
/// `cevns scan`: profile-likelihood scans in parameters of the prediction (docs/statistics.md).

#include <memory>

#include <CLI/CLI.hpp>

#include "fit_command.hpp"

namespace cevns::app {

/// Adds `scan` to `app`; the same interface as `cevns fit`'s.
std::unique_ptr<FitCommand> add_scan_command(CLI::App& app);

}  // namespace cevns::app
