#pragma once
/// \file
/// Machine-readable output of `cevns select`.

#include <filesystem>
#include <string>
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

/// observed.csv, the input of `cevns fit` (docs/output.md): one row per bin of each window's
/// NPE × arrival-time histogram (criteria 1–4), with the window's live time — the regions
/// `on-beam` and, when `run` has an off-beam window, `off-beam`.
std::string observed_csv(const selection::EventSelection& selection, const reco::ReducedRunInfo& run);

/// Writes selection.json, selected_npe.csv and observed.csv into `directory`; returns the
/// files written.
std::vector<std::filesystem::path> write_selection(const selection::EventSelection& selection,
                                                   const reco::ReducedRunInfo& run, const Prediction& prediction,
                                                   const std::filesystem::path& directory);

}  // namespace cevns::io
