#pragma once
// cevns materials: the materials background per material and isotope (docs/backgrounds.md).
#include <filesystem>
#include <string>
#include <vector>

#include "cevns/experiment/prediction.hpp"

namespace cevns::app {

/// The table of every (volume, isotope) of each model = "materials" background of the
/// prediction's configuration: activity, ROI count after the selection, the 90 % bound when
/// no simulated decay reached the ROI; per-volume totals. With a non-empty `directory`,
/// also fig11_materials.png/.svg and materials.csv there (the files appended to `written`).
/// Throws ConfigError when the configuration has no materials background.
std::string materials_report(const Prediction& prediction, const std::filesystem::path& directory,
                             std::vector<std::filesystem::path>& written);

}  // namespace cevns::app
