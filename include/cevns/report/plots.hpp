#pragma once
/// \file
/// The paper-style figures of a prediction (CLOVERS paper, arXiv:2303.13423, Figures 5,
/// 6, 7, 13 and 14), rendered headless with MathGL as PNG and SVG.
#include <filesystem>
#include <vector>
#include "cevns/experiment/prediction.hpp"
#include "cevns/selection/event_selection.hpp"
namespace cevns::report {
/// Writes fig05_selection_efficiency, fig06_recoil_spectrum, fig07_npe_spectrum,
/// fig13_signal_background and fig14_significance_map, each as .png and .svg, into
/// `directory` (created if needed). Returns the files written. Throws IoError (from
/// cevns/core/error.hpp) when a file cannot be written.
std::vector<std::filesystem::path> write_figures(const Prediction& prediction, const Sensitivity& sensitivity,
                                                 const std::filesystem::path& directory);
/// The backgrounds of a prediction: fig09_backgrounds (each background's NPE spectrum after
/// all cuts, log scale: the paper's Figure 9), fig10_dark_counts_model (the PMT dark-count
/// model with and without criterion 3, when one is configured: Figure 10 from the model)
/// and fig_arrival_time (signal and each background over arrival time in the NPE ROI),
/// each as .png and .svg. Returns the files written; throws IoError as write_figures.
std::vector<std::filesystem::path> write_background_figures(const Prediction& prediction,
                                                            const std::filesystem::path& directory);

/// The paper's Figure 14 from the likelihood: `map` is the counting Sensitivity with its
/// map_significance and significance replaced by the Asimov likelihood ones (NPE × time,
/// fit::likelihood_sensitivity), drawn as fig14_significance_map_likelihood.png and .svg.
std::vector<std::filesystem::path> write_likelihood_significance_map(const Prediction& prediction,
                                                                     const Sensitivity& map,
                                                                     const std::filesystem::path& directory);

/// The paper's Figure 10 from a selection: the NPE of every candidate crystal (all
/// sources together) without and with the two-PMT coincidence — for dark-count data, the
/// coincidence suppression — as fig10_npe_before_after_coincidence.png and .svg in
/// `directory`. (The name is kept for the callers; the file was fig10_dark_counts.)
std::vector<std::filesystem::path> write_dark_count_figure(const selection::EventSelection& selection,
                                                           const std::string& title,
                                                           const std::filesystem::path& directory);

/// Reconstructed against true NPE of simulated data (bias and resolution per true NPE), as
/// fig_npe_response.png and .svg; nothing for data without Monte Carlo truth.
std::vector<std::filesystem::path> write_npe_response_figure(const selection::EventSelection& selection,
                                                             const std::string& title,
                                                             const std::filesystem::path& directory);

}  // namespace cevns::report
