#pragma once
/// \file
/// The CLOVERS paper's Figure 11 from the materials model: the energy deposited in the
/// crystals by the radioactivity of each material (cevns::MaterialsBackground).
#include <filesystem>
#include <string>
#include <vector>

namespace cevns::report {

/// One material's deposited-energy spectrum over the exposure (criterion 4 applied).
struct MaterialSpectrum {
  std::string label;               ///< e.g. "crystal (CsI)"
  std::vector<double> energy_keV;  ///< bin edges, one more than counts
  std::vector<double> counts;      ///< deposits per bin over the exposure
  double roi_count = 0.0;          ///< after the selection in the NPE ROI
};

/// Writes fig11_materials.png and .svg (counts per keV against keV, log-log, one line per
/// material) into `directory`. Returns the files written; throws IoError.
std::vector<std::filesystem::path> write_materials_figure(const std::vector<MaterialSpectrum>& spectra,
                                                          const std::string& title,
                                                          const std::filesystem::path& directory);

}  // namespace cevns::report
