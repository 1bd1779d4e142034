#pragma once
/// \file
/// Machine-readable output of a prediction: JSON, and CSV spectra for plotting.

#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/experiment/prediction.hpp"

namespace cevns::io {

/// The prediction as JSON: `events.total`, `events.by_flavor`, `events.by_isotope`,
/// `events.above_threshold`, and the binned spectra with their units
/// (docs/output.md describes every field).
nlohmann::json to_json(const Prediction& prediction);

/// The sensitivity as JSON: `significance`, `days_to_5sigma` and the map.
nlohmann::json to_json(const Sensitivity& sensitivity);

/// Writes prediction.json, the 1-D spectra recoil_spectrum.csv, arrival_time.csv,
/// npe_spectrum.csv and arrival_time_selected.csv (per flavour and per background), the
/// 2-D npe_time.csv and the resolved config.toml into `directory` (created if needed);
/// returns the files written (docs/output.md lists them). Each file
/// is written to a temporary name first and renamed, so a failure never leaves a
/// half-written file under the final name. Throws IoError.
std::vector<std::filesystem::path> write_prediction(const Prediction& prediction,
                                                    const std::filesystem::path& directory);

/// Writes sensitivity.json and significance_map.csv (mass_kg, days, significance) into
/// `directory`; returns the files written. Throws IoError.
std::vector<std::filesystem::path> write_sensitivity(const Sensitivity& sensitivity,
                                                     const std::filesystem::path& directory);

/// Creates `directory` and its parents if needed. Throws IoError.
void create_output_directory(const std::filesystem::path& directory);

/// Writes `content` to `path` atomically: to `path`.part, flushed to the disk, then
/// renamed. Throws IoError naming `path` ("disk full while writing PATH" when the disk
/// is full); a failure removes `path`.part and leaves an existing `path` as it was.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

}  // namespace cevns::io
