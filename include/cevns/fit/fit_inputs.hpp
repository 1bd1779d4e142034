#pragma once
/// \file
/// What a fit or a scan fits (`cevns fit`, `cevns scan`, `cevns run` and Python's
/// cevns.fit/cevns.scan alike): the data — an observed.csv, the COHERENT 2017 release, or
/// for Asimov studies the prediction's region of interest —, the fit configuration, and the
/// prediction at the data's exposure.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/model_builder.hpp"
#include "cevns/fit/observed_data.hpp"

namespace cevns::fit {

/// The experiment's prediction with `more` configuration overrides ("key=value") on top of
/// the caller's own; the caller knows the configuration (a file, a Python object).
using PredictWith = std::function<Prediction(const std::vector<std::string>& more)>;

struct FitInputs {
  ObservedData data;
  FitConfig config;
  Prediction prediction;  ///< at the data's exposure
  /// The prediction with more overrides, at the data's exposure.
  std::function<Prediction(const std::vector<std::string>&)> repredict;
  /// Templates × this = at the data's exposure (a cevns select run: its protons on target).
  double exposure_factor = 1.0;
  bool have_data = false;
};

/// Reads the inputs: `data` an observed.csv or the COHERENT release directory, empty for
/// the prediction's region of interest (allowed only with `asimov`); `fit_config` a TOML
/// with a [fit] table, empty for default_fit_config. The data of a `cevns select --output
/// DIR` run are fitted with templates at the protons on target of DIR/selection.json, and,
/// with fit.roi, only inside the prediction's region of interest. `command` names the
/// caller in messages ("fit", "scan"). Throws ConfigError on bad input.
FitInputs load_fit_inputs(const std::filesystem::path& data, const std::filesystem::path& fit_config, bool asimov,
                          const PredictWith& predict_with, std::string_view command);

/// `p` scaled to `protons_on_target` (every template ∝ POT at fixed trigger efficiency, as
/// cevns select's own "cevns predict for these protons on target").
Prediction scaled_to_protons(Prediction p, double protons_on_target);

/// One region over the prediction's region of interest (1-PE × time bins), for Asimov
/// studies without data: its counts are replaced by the Asimov data set.
ObservedData prediction_layout(const Prediction& p);

/// The protons on target of a `cevns select --output DIR` run, from DIR/selection.json
/// beside DIR/observed.csv; unset for other data. Throws IoError/ConfigError for a
/// selection.json that is not JSON or has no positive exposure.protons_on_target.
std::optional<double> selected_protons_on_target(const std::filesystem::path& observed_csv);

}  // namespace cevns::fit
