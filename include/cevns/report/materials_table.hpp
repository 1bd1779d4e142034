#pragma once
// The table of `cevns materials` (and cevns.materials in Python): the materials background
// per volume and isotope (docs/backgrounds.md).
#include <filesystem>
#include <string>
#include <vector>

#include "cevns/experiment/prediction.hpp"

namespace cevns::report {

/// The table of every (volume, isotope) of each model = "materials" background of the
/// prediction's configuration: activity, ROI count after the selection, the 90 % bound when
/// no simulated decay reached the ROI; per-volume totals. With a non-empty `directory`,
/// also fig11_materials.png/.svg and materials.csv there (the files appended to `written`).
/// Throws ConfigError when the configuration has no materials background. With `rows`, also
/// the table's numbers, one row per (background, volume, isotope).
struct MaterialsRow {
  std::string background, volume, isotope;
  double activity_Bq = 0.0, decays_simulated = 0.0;
  double roi_count = 0.0;     ///< after the selection, in the ROI (events over the exposure)
  double roi_upper_90 = 0.0;  ///< the 90 % bound when no simulated decay reached the ROI
};
std::string materials_report(const Prediction& prediction, const std::filesystem::path& directory,
                             std::vector<std::filesystem::path>& written, std::vector<MaterialsRow>* rows = nullptr);

}  // namespace cevns::report
