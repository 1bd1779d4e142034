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

std::shared_ptr<const FluxTable> read_flux_table(const std::filesystem::path& file, const std::string& what) {
  // A beam-target simulation's table: up to ~10⁶ cells of ≈ 60 bytes.
  const TableFileSpec spec{.what = what, .row_description = flux_table_columns, .largest_bytes = std::uintmax_t{1} << 26,
                           .lookup = data_file_lookup};
  auto table = std::make_shared<FluxTable>();
  table->file = file.string();
  // Energies up to a few GeV (the proton beam's), times within 1 ms of the pulse (the muon
  // lives 2.2 µs; a DAQ window is tens of µs).
  constexpr double highest_energy_MeV = 1e4, latest_ns = 1e6;
  std::size_t columns = 0, row_in_energy_bin = 0;
  for (const auto& row : read_table_rows(file, spec)) {
    const std::string at = fmt::format("{}:{}", file.string(), row.line);
    const auto& v = row.values;
    if (columns == 0) {
      if (v.size() != 7 && v.size() != 8)
        throw ConfigError(fmt::format("{}: {} columns, expected 7 or 8 ({}; {})", at, v.size(), flux_table_columns, what));
      columns = v.size();
      for (std::size_t f = 0; f + 4 < columns; ++f) table->nu_per_pot[f].reserve(1024);
    } else if (v.size() != columns) {
      throw ConfigError(fmt::format("{}: {} columns, but the first row has {} ({}; {})", at, v.size(), columns,
                                    flux_table_columns, what));
    }
    const double e_low = v[0], e_high = v[1], t_low = v[2], t_high = v[3];
    if (!(e_low >= 0.0) || !(e_high > e_low) || e_high > highest_energy_MeV)
      throw ConfigError(fmt::format("{}: energy bin [{}, {}] MeV must have 0 ≤ low < high ≤ {:g} ({})", at,
                                    format_value(e_low), format_value(e_high), highest_energy_MeV, what));
    if (!(t_high > t_low) || t_low < -latest_ns || t_high > latest_ns)
      throw ConfigError(fmt::format("{}: time bin [{}, {}] ns must have low < high within ±{:g} ns ({})", at,
                                    format_value(t_low), format_value(t_high), latest_ns, what));
    auto& energies = table->energy_edges_MeV;
    auto& times = table->time_edges_ns;
    const bool first_energy_bin = energies.size() <= 2 && (energies.empty() || energies.front() == e_low);
    if (energies.empty()) energies = {e_low, e_high};
    if (e_low == energies[energies.size() - 2] && e_high == energies.back()) {
      // Another time bin of the current energy bin.
      ++row_in_energy_bin;
    } else if (e_low == energies.back()) {
      // The next energy bin: the previous one must have had every time bin.
      if (row_in_energy_bin != times.size() - 1)
        throw ConfigError(fmt::format("{}: a new energy bin starts after {} of the {} time bins of [{}, {}] MeV ({})",
                                      at, row_in_energy_bin, times.size() - 1, format_value(energies[energies.size() - 2]),
                                      format_value(energies.back()), what));
      energies.push_back(e_high);
      row_in_energy_bin = 1;
    } else {
      throw ConfigError(fmt::format("{}: energy bin [{}, {}] MeV does not continue the grid: after [{}, {}] the "
                                    "next energy bin starts at {} (energy bins contiguous and increasing; {})",
                                    at, format_value(e_low), format_value(e_high),
                                    format_value(energies[energies.size() - 2]), format_value(energies.back()),
                                    format_value(energies.back()), what));
    }
    const std::size_t j = row_in_energy_bin - 1;  // time bin
    if (first_energy_bin && energies.size() == 2) {
      if (times.empty()) times.push_back(t_low);
      if (t_low != times.back())
        throw ConfigError(fmt::format("{}: time bin [{}, {}] ns does not continue the grid: the previous one ends at {} "
                                      "(time bins contiguous and increasing; {})",
                                      at, format_value(t_low), format_value(t_high), format_value(times.back()), what));
      times.push_back(t_high);
    } else if (j + 1 >= times.size() || t_low != times[j] || t_high != times[j + 1]) {
      throw ConfigError(fmt::format("{}: time bin [{}, {}] ns differs from time bin {} of the first energy bin{} (every "
                                    "energy bin has the same time bins, in order; {})",
                                    at, format_value(t_low), format_value(t_high), j + 1,
                                    j + 1 < times.size() ? fmt::format(", [{}, {}]", format_value(times[j]), format_value(times[j + 1]))
                                                         : std::string(" (it has fewer)"),
                                    what));
    }
    for (std::size_t f = 0; f + 4 < columns; ++f) {
      if (v[4 + f] < 0.0)
        throw ConfigError(fmt::format("{}: {} = {} neutrinos per POT is negative ({})", at,
                                      flavor_name(every_flavor[f]), format_value(v[4 + f]), what));
      table->nu_per_pot[f].push_back(v[4 + f]);
    }
  }
  if (columns == 0) throw ConfigError(fmt::format("{}: '{}' holds no rows ({})", what, file.string(), flux_table_columns));
  if (row_in_energy_bin != table->time_bins())
    throw ConfigError(fmt::format("{}: the last energy bin has {} of the {} time bins ({})", file.string(),
                                  row_in_energy_bin, table->time_bins(), what));
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
