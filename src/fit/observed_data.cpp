#include "cevns/fit/observed_data.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "cevns/core/error.hpp"

namespace cevns::fit {

namespace fs = std::filesystem;

double Region::total() const { return std::accumulate(counts.begin(), counts.end(), 0.0); }

const Region& ObservedData::region(const std::string& name) const {
  for (const auto& r : regions)
    if (r.name == name) return r;
  std::string names;
  for (const auto& r : regions) names += (names.empty() ? "" : ", ") + r.name;
  throw ConfigError(fmt::format("the data ({}) have no region '{}'; their regions: {}", source, name, names));
}

bool ObservedData::has_region(const std::string& name) const {
  return std::any_of(regions.begin(), regions.end(), [&](const Region& r) { return r.name == name; });
}

std::vector<double> ObservedData::flat_counts() const {
  std::vector<double> out;
  for (const auto& r : regions) out.insert(out.end(), r.counts.begin(), r.counts.end());
  return out;
}

std::size_t ObservedData::bin_count() const {
  std::size_t n = 0;
  for (const auto& r : regions) n += r.size();
  return n;
}

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) {
    const auto b = field.find_first_not_of(" \t\r");
    const auto e = field.find_last_not_of(" \t\r");
    out.push_back(b == std::string::npos ? "" : field.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

/// The number in `text`, or ConfigError naming `where` and the column.
double number(const std::string& text, const std::string& where, const std::string& column) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw ConfigError(fmt::format("{}: {} '{}' is not a number", where, column, text));
  if (!std::isfinite(v)) throw ConfigError(fmt::format("{}: {} = {} is not finite", where, column, text));
  return v;
}

/// A whole, non-negative count (a count written as 3.0 or 3e0 is fine).
double count(double v, const std::string& where) {
  if (v < 0.0 || std::abs(v - std::round(v)) > 1e-9 * std::max(1.0, v))
    throw ConfigError(fmt::format("{}: counts = {} is not a whole non-negative number (observed data are counts of events)",
                                  where, format_value(v)));
  return std::round(v);
}

struct Row {
  double npe_low, npe_high, time_low, time_high, counts;
  std::string where;
};

/// The edges a set of [low, high) intervals tile, or ConfigError when they do not tile one axis.
std::vector<double> tiled_edges(const std::vector<std::pair<double, double>>& bins, const std::string& what,
                                const std::string& where) {
  std::set<std::pair<double, double>> unique(bins.begin(), bins.end());
  std::vector<double> edges{unique.begin()->first};
  for (const auto& [lo, hi] : unique) {
    if (lo != edges.back())
      throw ConfigError(fmt::format("{}: the {} bins do not tile one axis: a bin starts at {} where the previous one ends at {} "
                                    "(bins must be contiguous and not overlap)",
                                    where, what, format_value(lo), format_value(edges.back())));
    edges.push_back(hi);
  }
  return edges;
}

}  // namespace

ObservedData read_observed_csv(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw IoError(fmt::format("cannot read the observed data {}", file.string()));
  const std::string expected_header = "region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts";
  std::string line;
  std::size_t line_number = 0;
  std::map<std::string, std::vector<Row>> rows;
  std::vector<std::string> order;
  std::map<std::string, std::pair<double, std::string>> live;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = fmt::format("{}:{}", file.string(), line_number);
    if (line.empty() || line.front() == '#') continue;
    if (line_number == 1 || (rows.empty() && line.rfind("region", 0) == 0)) {
      std::string compact;
      for (char c : line)
        if (c != ' ') compact += c;
      if (compact != expected_header)
        throw ConfigError(fmt::format("{}: the header must be '{}' (docs/statistics.md, observed.csv), not '{}'", where,
                                      expected_header, line));
      continue;
    }
    const auto f = split(line, ',');
    if (f.size() != 7) throw ConfigError(fmt::format("{}: {} fields, expected 7 ({})", where, f.size(), expected_header));
    if (f[0].empty()) throw ConfigError(fmt::format("{}: empty region name", where));
    Row row{number(f[2], where, "npe_low"), number(f[3], where, "npe_high"), number(f[4], where, "time_low_us"),
            number(f[5], where, "time_high_us"), count(number(f[6], where, "counts"), where), where};
    const double live_s = number(f[1], where, "live_time_s");
    if (!(live_s > 0.0)) throw ConfigError(fmt::format("{}: live_time_s = {} must be positive", where, f[1]));
    if (!(row.npe_high > row.npe_low))
      throw ConfigError(fmt::format("{}: npe_high = {} must exceed npe_low = {}", where, f[3], f[2]));
    if (!(row.time_high > row.time_low))
      throw ConfigError(fmt::format("{}: time_high_us = {} must exceed time_low_us = {}", where, f[5], f[4]));
    if (!rows.count(f[0])) {
      order.push_back(f[0]);
      live[f[0]] = {live_s, where};
    } else if (live[f[0]].first != live_s) {
      throw ConfigError(fmt::format("{}: live_time_s = {} of region '{}' differs from {} on {} (one live time per region)",
                                    where, f[1], f[0], format_value(live[f[0]].first), live[f[0]].second));
    }
    rows[f[0]].push_back(row);
  }
  if (rows.empty()) throw ConfigError(fmt::format("{}: no data rows", file.string()));
  ObservedData data;
  data.source = file.string();
  for (const auto& name : order) {
    const auto& rs = rows[name];
    std::vector<std::pair<double, double>> npe, time;
    for (const auto& r : rs) {
      npe.emplace_back(r.npe_low, r.npe_high);
      time.emplace_back(r.time_low, r.time_high);
    }
    const std::string where = fmt::format("{} region '{}'", file.string(), name);
    Region region(name, live[name].first, Binning(tiled_edges(npe, "npe", where)), Binning(tiled_edges(time, "time", where)));
    std::vector<std::string> seen(region.size());
    for (const auto& r : rs) {
      const auto& ne = region.npe.edges();
      const auto& te = region.time_us.edges();
      const auto i = static_cast<std::size_t>(std::lower_bound(ne.begin(), ne.end(), r.npe_low) - ne.begin());
      const auto j = static_cast<std::size_t>(std::lower_bound(te.begin(), te.end(), r.time_low) - te.begin());
      if (ne[i + 1] != r.npe_high || te[j + 1] != r.time_high)
        throw ConfigError(fmt::format("{}: bin npe [{}, {}) × time [{}, {}) does not match the grid of region '{}' (other rows "
                                      "split it differently)",
                                      r.where, format_value(r.npe_low), format_value(r.npe_high), format_value(r.time_low),
                                      format_value(r.time_high), name));
      const std::size_t k = i * region.time_us.size() + j;
      if (!seen[k].empty()) throw ConfigError(fmt::format("{}: the same bin as {}", r.where, seen[k]));
      seen[k] = r.where;
      region.counts[k] = r.counts;
    }
    const auto missing = std::count(seen.begin(), seen.end(), std::string());
    if (missing > 0)
      throw ConfigError(fmt::format("{}: {} of its {} × {} bins have no row (every bin of the grid needs one, 0 counts "
                                    "included)",
                                    where, missing, region.npe.size(), region.time_us.size()));
    data.regions.push_back(std::move(region));
  }
  return data;
}

std::string to_observed_csv(const ObservedData& data) {
  std::string out = "region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts\n";
  for (const auto& r : data.regions)
    for (std::size_t i = 0; i < r.npe.size(); ++i)
      for (std::size_t j = 0; j < r.time_us.size(); ++j)
        out += fmt::format("{},{:.17g},{:.17g},{:.17g},{:.17g},{:.17g},{:.0f}\n", r.name, r.live_time_s, r.npe.low(i),
                           r.npe.high(i), r.time_us.low(j), r.time_us.high(j), r.at(i, j));
  return out;
}

bool is_coherent_2017_release(const fs::path& dir) {
  return fs::is_directory(dir) && fs::exists(dir / "data_coincidence_beamOn.txt");
}

namespace {

/// One release histogram: rows "PE centre, time centre, counts" (2-PE × 0.5 µs bins), an
/// optional header line.
Region read_release_histogram(const fs::path& file, const std::string& name, double live_s) {
  std::ifstream in(file);
  if (!in) throw IoError(fmt::format("cannot read {} (the COHERENT 2017 release)", file.string()));
  std::map<std::pair<double, double>, double> bins;
  std::set<double> pe, t;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const std::string where = fmt::format("{}:{}", file.string(), line_number);
    if (line.empty() || line.front() == '#' || std::isalpha(static_cast<unsigned char>(line.front()))) continue;
    const auto f = split(line, ',');
    if (f.size() != 3) throw ConfigError(fmt::format("{}: {} fields, expected 3 (PE, time, counts)", where, f.size()));
    const double x = number(f[0], where, "PE"), y = number(f[1], where, "arrival time");
    if (!bins.emplace(std::pair{x, y}, count(number(f[2], where, "counts"), where)).second)
      throw ConfigError(fmt::format("{}: bin ({}, {}) appears twice", where, f[0], f[1]));
    pe.insert(x);
    t.insert(y);
  }
  // The release's grid: PE centres 1, 3, …, 49 (2-PE bins), times 0.25 … 11.75 µs (0.5 µs).
  const auto check_grid = [&](const std::set<double>& centres, double first, double width, const char* what) {
    std::size_t k = 0;
    for (double c : centres)
      if (std::abs(c - (first + width * static_cast<double>(k++))) > 1e-9)
        throw ConfigError(fmt::format("{}: {} bin centres are not the release's {} + {}·k", file.string(), what, first, width));
  };
  check_grid(pe, 1.0, 2.0, "PE");
  check_grid(t, 0.25, 0.5, "time");
  if (bins.size() != pe.size() * t.size())
    throw ConfigError(fmt::format("{}: {} bins, not the full {} × {} grid", file.string(), bins.size(), pe.size(), t.size()));
  // Release PE bin [x − 1, x + 1) holds n − ½ of n photoelectrons: n from x to x + 1.
  Region r(name, live_s, Binning::uniform(1.0, 1.0 + 2.0 * double(pe.size()), pe.size()),
           Binning::uniform(0.0, 0.5 * double(t.size()), t.size()));
  std::size_t i = 0;
  for (double x : pe) {
    std::size_t j = 0;
    for (double y : t) r.at(i, j++) = bins.at({x, y});
    ++i;
  }
  return r;
}

}  // namespace

ObservedData read_coherent_2017(const fs::path& dir, bool beam_off, double window_live_s) {
  if (!is_coherent_2017_release(dir))
    throw IoError(fmt::format("{} is not the COHERENT 2017 CsI release (no data_coincidence_beamOn.txt in it)", dir.string()));
  ObservedData data;
  data.source = dir.string();
  data.regions.push_back(read_release_histogram(dir / "data_coincidence_beamOn.txt", "on-beam", window_live_s));
  data.regions.push_back(read_release_histogram(dir / "data_anticoincidence_beamOn.txt", "off-beam", window_live_s));
  if (beam_off) {
    data.regions.push_back(read_release_histogram(dir / "data_coincidence_beamOff.txt", "on-beam-beam-off", window_live_s));
    data.regions.push_back(read_release_histogram(dir / "data_anticoincidence_beamOff.txt", "off-beam-beam-off", window_live_s));
  }
  return data;
}

ObservedData read_observed_data(const fs::path& path) {
  if (fs::is_directory(path)) return read_coherent_2017(path);
  if (!fs::exists(path)) throw IoError(fmt::format("the data {} do not exist", path.string()));
  return read_observed_csv(path);
}

}  // namespace cevns::fit
