#pragma once
/// \file
/// The cut flow of `cevns select` as a table.

#include <string>

#include "cevns/experiment/prediction.hpp"
#include "cevns/reco/reduced_event.hpp"
#include "cevns/selection/event_selection.hpp"

namespace cevns::report {

/// The cut flow (all candidates and per Monte Carlo source), the exposure, and the
/// prediction for the same protons on target.
std::string format_selection_table(const selection::EventSelection& selection, const reco::ReducedRunInfo& run,
                                   const Prediction& prediction);

}  // namespace cevns::report
