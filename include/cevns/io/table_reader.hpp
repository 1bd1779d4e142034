#pragma once
/// \file
/// The one reader of the project's text tables: the backgrounds' spectrum and time shapes,
/// the quenching table and the tabulated neutrino flux (docs/configuration.md).
///
/// A table is rows of numbers separated by commas or blanks; '#' starts a comment (to the
/// end of the line); blank lines are skipped. Every error names the file and the line.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cevns/background/background.hpp"
#include "cevns/source/source_config.hpp"

namespace cevns::io {

/// One row of a table file: its numbers and its (1-based) line in the file.
struct TableRow {
  int line = 0;
  std::vector<double> values;
};

/// How read_table_rows() checks and names a file.
struct TableFileSpec {
  /// Which key named the file, for messages ("backgrounds[0].spectrum_file").
  std::string what;
  /// What a row holds, for messages ("x, y"; "recoil_keVnr, QF[, sigma_QF]").
  std::string row_description;
  /// A larger file is refused: the bound keeps a device or a wrong file (/dev/zero, a
  /// data file) from being read without end.
  std::uintmax_t largest_bytes = 1 << 22;
  /// Where a relative path is looked up, for the message about a missing file.
  std::string lookup = "relative paths are relative to the configuration file";
};

/// The rows of numbers of `file`, in order, with their line numbers, and the comment lines
/// (without '#') in `comments` when given. Throws ConfigError naming the file (and line) for
/// a missing, irregular or too large file, and for a word that is not a finite number.
std::vector<TableRow> read_table_rows(const std::filesystem::path& file, const TableFileSpec& spec,
                                      std::vector<std::string>* comments = nullptr);

/// A data file's path as the configuration names it, resolved: an absolute path as it is; a
/// relative one in `directory` (the configuration file's), its parent (configs/ naming the
/// project's data/… as "data/…"), then the shipped data (installed beside the program, or
/// this source tree) — the first that exists; none: the first, for the message.
std::filesystem::path resolve_data_file(const std::string& path, const std::filesystem::path& directory);

/// The description of the resolve_data_file() lookup, for messages.
inline constexpr const char* data_file_lookup =
    "a relative path is looked up beside the configuration file, above it, then in the shipped data/";

/// A two-column table "x, y" with increasing x and non-negative y (the backgrounds' spectrum
/// and time files). `what` names the key that named the file.
Table read_xy_table(const std::filesystem::path& file, const std::string& what);

/// The columns of a flux table, for messages.
inline constexpr const char* flux_table_columns =
    "energy_low_MeV, energy_high_MeV, time_low_ns, time_high_ns, nu_mu, nu_e, nubar_mu[, nubar_e]";

/// A tabulated neutrino flux (source.flux_file, docs/configuration.md): one row per energy ×
/// time cell, "energy_low_MeV, energy_high_MeV, time_low_ns, time_high_ns, nu_mu, nu_e,
/// nubar_mu[, nubar_e]" — neutrinos of each flavour emitted per proton on target into the cell
/// (not a density), at the target, times relative to the proton pulse's time zero. Rows run
/// over the time bins of the first energy bin, then of the next: energy bins contiguous and
/// increasing from ≥ 0 MeV, every energy bin with the same contiguous increasing time bins.
/// Every row has the same number of columns (7 without ν̄_e, 8 with). Throws ConfigError
/// naming the file and line for a negative value, an irregular grid or a missing cell.
std::shared_ptr<const FluxTable> read_flux_table(const std::filesystem::path& file, const std::string& what);

/// Reads the spectrum and time files of a [[backgrounds]] entry (resolve_data_file from
/// `directory`, the paths replaced by the resolved ones so that the written configuration
/// reads back) and checks its materials files; `key` is "backgrounds[i]".
void load_background_files(BackgroundConfig& b, const std::filesystem::path& directory, const std::string& key);

}  // namespace cevns::io
