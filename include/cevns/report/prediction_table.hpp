#pragma once
/// \file
/// The human-readable summary of a prediction, as `cevns predict` prints it.

#include <string>
#include <vector>

#include "cevns/experiment/prediction.hpp"

namespace cevns::fit {
struct LikelihoodSensitivity;  // cevns/fit/sensitivity.hpp
}

namespace cevns::report {

/// The exposure as configured, in its own unit, for titles and headers: "180 days",
/// "365 days at 60 % beam", "5000 beam hours", "7.48 GW h" (of beam); `digits` significant.
std::string format_exposure(const ExposureConfig& exposure, int digits = 4);

/// The exposures that `description` names ("180 days", "5000 h", "7.48 GW h") and that
/// disagree with the prediction's, e.g. {"180 days"} for a description written for 180
/// days when `--set exposure.calendar_days=365` was given; empty when it names none or
/// only the true one.
std::vector<std::string> contradicted_exposures(const std::string& description, const Prediction& prediction);

/// A plain-text table: exposure, events by flavour × isotope, above thresholds. The
/// configuration's description heads it unless it names another exposure than the one
/// predicted (then a note says so): the header never shows a stale exposure.
std::string format_prediction_table(const Prediction& prediction);

/// Significance and days to 5σ, as `cevns sensitivity` prints them.
std::string format_sensitivity_table(const Sensitivity& sensitivity);

/// The likelihood significance (NPE x time, NPE only, time only) beside the counting one,
/// days to 5σ with each, and the nuisances with their constraints.
std::string format_likelihood_sensitivity_table(const Sensitivity& counting, const fit::LikelihoodSensitivity& likelihood);

}  // namespace cevns::report
