#pragma once
/// \file
/// The human-readable summary of a prediction, as `cevns predict` prints it.

#include <string>

#include "cevns/experiment/prediction.hpp"

namespace cevns::report {

/// A plain-text table: exposure, events by flavour × isotope, above thresholds.
std::string format_prediction_table(const Prediction& prediction);

/// Significance and days to 5σ, as `cevns sensitivity` prints them.
std::string format_sensitivity_table(const Sensitivity& sensitivity);

}  // namespace cevns::report
