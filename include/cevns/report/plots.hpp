#pragma once
/// \file
/// The paper-style figures of a prediction (CLOVERS paper, arXiv:2303.13423, Figures 5,
/// 6, 7, 13 and 14), rendered headless with MathGL as PNG and SVG.
#include <filesystem>
#include <vector>
#include "cevns/experiment/prediction.hpp"
namespace cevns::report {
/// Writes fig05_selection_efficiency, fig06_recoil_spectrum, fig07_npe_spectrum,
/// fig13_signal_background and fig14_significance_map, each as .png and .svg, into
/// `directory` (created if needed). Returns the files written. Throws IoError (from
/// cevns/core/error.hpp) when a file cannot be written.
std::vector<std::filesystem::path> write_figures(const Prediction& prediction, const Sensitivity& sensitivity,
                                                 const std::filesystem::path& directory);
}  // namespace cevns::report
