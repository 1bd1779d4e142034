#pragma once
/// \file
/// The figures of a likelihood fit (`cevns fit --output DIR`), rendered headless with
/// MathGL as PNG and SVG.

#include <filesystem>
#include <vector>

#include "cevns/fit/analysis.hpp"
#include "cevns/fit/scan.hpp"

namespace cevns::report {

/// Writes, into `directory`: per region fit_<region>_npe and fit_<region>_time (post-fit
/// projections: data ± √N over the stacked components, residuals below), fit_profile (the
/// POI's profile likelihood with its 1σ/2σ crossings), fit_pulls (constrained nuisance
/// parameters) and fit_correlation (the correlation matrix of the parameters that are not
/// per-bin steady-state rates). Returns the files written; throws IoError when one cannot be.
std::vector<std::filesystem::path> write_fit_figures(const fit::Analysis& analysis, const std::string& title,
                                                     const std::filesystem::path& directory);

/// Writes the figure of a `cevns scan` into `directory`: scan_profile (1-D: Δχ² with the
/// levels of scan.levels and the reference point) or scan_contours (2-D: filled regions
/// at 1σ, 90 %, 2σ, 3σ, the best point and the reference point marked). Returns the files
/// written; throws IoError when one cannot be.
std::vector<std::filesystem::path> write_scan_figures(const fit::ScanResult& scan, const std::string& title,
                                                      const std::filesystem::path& directory);

}  // namespace cevns::report
