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
#include "cevns/fit/model_builder.hpp"

namespace cevns::app {

/// The registered `cevns fit` command: `selected()` after parsing, then `run()`.
class FitCommand {
 public:
  virtual ~FitCommand() = default;
  [[nodiscard]] virtual bool selected() const = 0;
  /// Runs the command; throws cevns::Error on bad input.
  virtual void run() const = 0;
};

/// What `cevns fit` and `cevns scan` fit: the data (or the prediction's region of
/// interest for --asimov), the fit configuration, the experiment configuration and its
/// prediction at the data's exposure.
struct FitInputs {
  fit::ObservedData data;
  fit::FitConfig config;
  std::filesystem::path config_path;
  Prediction prediction;
  /// The prediction with more overrides, at the data's exposure.
  std::function<Prediction(const std::vector<std::string>&)> repredict;
  /// Templates × this = at the data's exposure (a cevns select run: its protons on target).
  double exposure_factor = 1.0;
  bool have_data = false;
};

/// Reads the inputs as `cevns fit` does: `data` empty means the prediction's region of
/// interest (allowed only with `asimov`). Throws ConfigError on bad input.
FitInputs load_fit_inputs(const std::string& config_file, const std::vector<std::string>& overrides,
                          const std::string& data, const std::string& fit_config, bool asimov, const std::string& command);

/// Parses --fix name=value options.
std::vector<std::pair<std::string, double>> parse_fix_options(const std::vector<std::string>& fix);
/// `p` scaled to `protons_on_target` (every template ∝ POT at fixed trigger efficiency, as
/// cevns select's own "cevns predict for these protons on target"): the templates of a fit
/// of a `cevns select` run.
Prediction scaled_to_protons(Prediction p, double protons_on_target);

/// Adds `fit` to `app`.
std::unique_ptr<FitCommand> add_fit_command(CLI::App& app);

}  // namespace cevns::app
