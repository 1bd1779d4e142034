#pragma once
/// \file
/// The figures of a likelihood fit (`cevns fit --output DIR`), rendered headless with
/// MathGL as PNG and SVG.

#include <filesystem>
#include <vector>

#include "cevns/fit/analysis.hpp"

namespace cevns::report {

/// Writes, into `directory`: per region fit_<region>_npe and fit_<region>_time (post-fit
/// projections: data ± √N over the stacked components, residuals below), fit_profile (the
/// POI's profile likelihood with its 1σ/2σ crossings), fit_pulls (constrained nuisance
/// parameters) and fit_correlation (the correlation matrix of the parameters that are not
/// per-bin steady-state rates). Returns the files written; throws IoError when one cannot be.
std::vector<std::filesystem::path> write_fit_figures(const fit::Analysis& analysis, const std::string& title,
                                                     const std::filesystem::path& directory);

}  // namespace cevns::report
