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
#include "cevns/study/run.hpp"

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

/// The counting sensitivity and likelihood map of `cevns sensitivity` and `cevns run`
/// (their core is the library's, src/study/run.cpp).
using study::sensitivity_of;
using study::write_likelihood_sensitivity;

}  // namespace cevns::app
