#pragma once
/// \file
/// Machine-readable output of `cevns select`.

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/experiment/prediction.hpp"
#include "cevns/reco/reduced_event.hpp"
#include "cevns/selection/event_selection.hpp"

namespace cevns::io {

/// The cut flow (total and per source name), exposure, selected NPE and time spectra per
/// source, Figure 10's spectra, and the prediction for the same protons on target.
nlohmann::json to_json(const selection::EventSelection& selection, const reco::ReducedRunInfo& run,
                       const Prediction& prediction);

/// Writes selection.json and selected_npe.csv into `directory`; returns the files written.
std::vector<std::filesystem::path> write_selection(const selection::EventSelection& selection,
                                                   const reco::ReducedRunInfo& run, const Prediction& prediction,
                                                   const std::filesystem::path& directory);

}  // namespace cevns::io
