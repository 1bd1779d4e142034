#include "cevns/io/table_reader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/materials/decay_data.hpp"
#include "cevns/materials/geometry.hpp"

namespace cevns::io {

std::vector<TableRow> read_table_rows(const std::filesystem::path& file, const TableFileSpec& spec,
                                      std::vector<std::string>* comments) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (!std::filesystem::exists(status))
    throw ConfigError(fmt::format("{}: cannot read '{}' (no such file; {})", spec.what, file.string(), spec.lookup));
  if (!std::filesystem::is_regular_file(status))
    throw ConfigError(fmt::format("{}: '{}' is not a regular file", spec.what, file.string()));
  if (const auto bytes = std::filesystem::file_size(file, error); error || bytes > spec.largest_bytes)
    throw ConfigError(fmt::format("{}: '{}' is larger than {} bytes (rows are {})", spec.what, file.string(),
                                  spec.largest_bytes, spec.row_description));
  std::ifstream in(file);
  if (!in) throw ConfigError(fmt::format("{}: cannot read '{}'", spec.what, file.string()));
  std::vector<TableRow> rows;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) {
      if (comments) comments->push_back(line.substr(hash + 1));
      line.erase(hash);
    }
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream row(line);
    TableRow parsed{number, {}};
    std::string word;
    while (row >> word) {
      try {
        std::size_t used = 0;
        parsed.values.push_back(std::stod(word, &used));
        if (used != word.size() || !std::isfinite(parsed.values.back())) throw std::invalid_argument(word);
      } catch (const std::exception&) {
        throw ConfigError(fmt::format("{}:{}: '{}' is not a finite number (rows are {}; {})", file.string(), number,
                                      word, spec.row_description, spec.what));
      }
    }
    if (!parsed.values.empty()) rows.push_back(std::move(parsed));
  }
  if (in.bad()) throw ConfigError(fmt::format("{}: reading '{}' failed", spec.what, file.string()));
  return rows;
}

std::filesystem::path resolve_data_file(const std::string& path, const std::filesystem::path& directory) {
  std::filesystem::path p(path);
  if (!p.is_relative()) return p;
  std::error_code error;
  std::vector<std::filesystem::path> candidates{directory / p, directory.parent_path() / p};
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) candidates.push_back(program.parent_path() / CEVNS_INSTALLED_DATA_PARENT / p);
  candidates.push_back(std::filesystem::path(CEVNS_SOURCE_DATA_PARENT) / p);
  for (auto& c : candidates) c = std::filesystem::absolute(c, error).lexically_normal();
  const auto found = std::find_if(candidates.begin(), candidates.end(),
                                  [&](const std::filesystem::path& c) { return std::filesystem::exists(c, error); });
  return found != candidates.end() ? *found : candidates.front();
}

Table read_xy_table(const std::filesystem::path& file, const std::string& what) {
  // Spectra and profiles have tens to thousands of rows.
  const TableFileSpec spec{.what = what, .row_description = "x, y", .largest_bytes = 1 << 22, .lookup = data_file_lookup};
  Table table;
  for (const auto& row : read_table_rows(file, spec)) {
    const std::string at = fmt::format("{}:{}", file.string(), row.line);
    if (row.values.size() != 2)
      throw ConfigError(fmt::format("{}: {} columns, expected 2 (x, y; {})", at, row.values.size(), what));
    if (!table.x.empty() && !(row.values[0] > table.x.back()))
      throw ConfigError(fmt::format("{}: x = {} does not increase ({})", at, format_value(row.values[0]), what));
    if (row.values[1] < 0.0)
      throw ConfigError(fmt::format("{}: y = {} is negative ({})", at, format_value(row.values[1]), what));
    table.x.push_back(row.values[0]);
    table.y.push_back(row.values[1]);
  }
  if (table.x.empty()) throw ConfigError(fmt::format("{}: '{}' holds no rows", what, file.string()));
  return table;
}

void load_background_files(BackgroundConfig& b, const std::filesystem::path& directory, const std::string& key) {
  // The resolved paths replace the given ones, so that the written configuration reads back.
  if (!b.spectrum_file.empty()) {
    b.spectrum_file = resolve_data_file(b.spectrum_file, directory).string();
    b.spectrum = read_xy_table(b.spectrum_file, key + ".spectrum_file");
  }
  if (!b.time_file.empty()) {
    b.time_file = resolve_data_file(b.time_file, directory).string();
    b.time = read_xy_table(b.time_file, key + ".time_file");
  }
  if (b.model == BackgroundKind::materials) {
    if (b.geometry_file.empty())
      throw InvalidValue(key + ".geometry_file", "\"\"", "is required for model = \"materials\" (e.g. \"data/materials/clovers.txt\")");
    b.geometry_file = resolve_data_file(b.geometry_file, directory).string();
    b.decay_file = resolve_data_file(b.decay_file, directory).string();
    b.check_material_files(key);
  }
}

}  // namespace cevns::io
