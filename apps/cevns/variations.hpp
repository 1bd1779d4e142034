#pragma once
/// \file
/// `cevns predict --variations`: each [[systematics]] nuisance's ±1σ signal, as a table or
/// as the "variations" member of the prediction's JSON.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/experiment/variations.hpp"

namespace cevns::app {

/// Per nuisance: name, parameter, the ROI signal at −1σ and +1σ and the selected signal
/// (all flavours, NPE × time, rows of NPE) at each, on the prediction's binning.
[[nodiscard]] nlohmann::json variations_json(const std::vector<Variation>& variations);
/// The ROI signal of each nuisance at −1σ, central and +1σ.
[[nodiscard]] std::string variations_table(const Prediction& central, const std::vector<Variation>& variations);

}  // namespace cevns::app
