#pragma once
/// \file
/// `cevns run`, the whole study in stages (prediction and sensitivity, then the Monte
/// Carlo: simulate, reconstruct, select, fit and its closure; then the report), each
/// recorded in DIR/study.json so that `--resume` reuses what is done; and `cevns report
/// DIR`, which writes DIR/report.html again from the files of a finished run
/// (docs/output.md, "cevns run").

#include <filesystem>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/sensitivity.hpp"

namespace cevns::app {

/// A registered command: `selected()` after parsing, then `run()`.
class Command {
 public:
  virtual ~Command() = default;
  [[nodiscard]] virtual bool selected() const = 0;
  /// Runs the command; throws cevns::Error on bad input.
  virtual void run() const = 0;
};

/// Adds `run` (the study) to `app`.
std::unique_ptr<Command> add_run_command(CLI::App& app);
/// Adds `report DIR` to `app`.
std::unique_ptr<Command> add_report_command(CLI::App& app);

/// The counting sensitivity of `cevns sensitivity` and `cevns run`: its map spans twice the
/// configured mass and time (at least a year).
Sensitivity sensitivity_of(const Prediction& prediction);

/// likelihood_sensitivity.json and Figure 14 from the likelihood (significance_map_likelihood.csv
/// and fig14_significance_map_likelihood.png/.svg) into `dir`; returns the files written.
std::vector<std::filesystem::path> write_likelihood_sensitivity(const Prediction& prediction, const Sensitivity& counting,
                                                                const fit::LikelihoodSensitivity& likelihood,
                                                                const std::filesystem::path& dir);

}  // namespace cevns::app
