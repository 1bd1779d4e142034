#pragma once
/// \file
/// `cevns fit`: the likelihood fit of observed (or Asimov) data (docs/statistics.md).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/fit_inputs.hpp"

namespace cevns::app {

/// The registered `cevns fit` command: `selected()` after parsing, then `run()`.
class FitCommand {
 public:
  virtual ~FitCommand() = default;
  [[nodiscard]] virtual bool selected() const = 0;
  /// Runs the command; throws cevns::Error on bad input.
  virtual void run() const = 0;
};

/// The experiment a fit of `data` predicts its templates from: `config_file` (default: the
/// COHERENT 2017 configuration for the release, else clovers.toml) with `overrides`.
struct FitExperiment {
  std::filesystem::path config_path;
  fit::PredictWith predict_with;  ///< its prediction with more overrides
};
FitExperiment fit_experiment(const std::string& config_file, const std::vector<std::string>& overrides,
                             const std::string& data);

/// Parses --fix name=value options.
std::vector<std::pair<std::string, double>> parse_fix_options(const std::vector<std::string>& fix);
/// Adds `fit` to `app`.
std::unique_ptr<FitCommand> add_fit_command(CLI::App& app);

}  // namespace cevns::app
