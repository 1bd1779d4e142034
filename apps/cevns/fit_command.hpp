#pragma once
/// \file
/// `cevns fit`: the likelihood fit of observed (or Asimov) data (docs/statistics.md).

#include <memory>

#include <CLI/CLI.hpp>

#include "cevns/experiment/prediction.hpp"

namespace cevns::app {

/// The registered `cevns fit` command: `selected()` after parsing, then `run()`.
class FitCommand {
 public:
  virtual ~FitCommand() = default;
  [[nodiscard]] virtual bool selected() const = 0;
  /// Runs the command; throws cevns::Error on bad input.
  virtual void run() const = 0;
};

/// `p` scaled to `protons_on_target` (every template ∝ POT at fixed trigger efficiency, as
/// cevns select's own "cevns predict for these protons on target"): the templates of a fit
/// of a `cevns select` run.
Prediction scaled_to_protons(Prediction p, double protons_on_target);

/// Adds `fit` to `app`.
std::unique_ptr<FitCommand> add_fit_command(CLI::App& app);

}  // namespace cevns::app
