#pragma once
/// \file
/// Observed counts for a fit: regions (on-beam, off-beam, …), each an NPE × arrival-time
/// histogram with its live time. Readers for the generic CSV format (docs/statistics.md,
/// "observed.csv") and for the COHERENT CsI[Na] 2017 data release.

#include <filesystem>
#include <string>
#include <vector>

#include "cevns/core/spectrum.hpp"

namespace cevns::fit {

/// One region of observed data. NPE bins are half-open in the whole number of
/// photoelectrons n: bin [lo, hi) holds lo ≤ n < hi. Time bins are half-open in µs.
struct Region {
  std::string name;          ///< e.g. "on-beam", "off-beam"
  double live_time_s = 0.0;  ///< time the region was open for events
  Binning npe;
  Binning time_us;
  std::vector<double> counts;  ///< counts[i_npe * time_us.size() + i_time]

  Region(std::string region_name, double live_s, Binning npe_bins, Binning time_bins)
      : name(std::move(region_name)), live_time_s(live_s), npe(std::move(npe_bins)), time_us(std::move(time_bins)),
        counts(npe.size() * time_us.size(), 0.0) {}
  [[nodiscard]] std::size_t size() const { return counts.size(); }
  [[nodiscard]] double total() const;
  [[nodiscard]] double& at(std::size_t i_npe, std::size_t i_time) { return counts[i_npe * time_us.size() + i_time]; }
  [[nodiscard]] double at(std::size_t i_npe, std::size_t i_time) const { return counts[i_npe * time_us.size() + i_time]; }
};

/// Observed data: the regions a likelihood fits at once.
struct ObservedData {
  std::vector<Region> regions;
  std::string source;  ///< where it was read from, for reports

  /// The region called `name`; throws ConfigError listing the regions there are.
  [[nodiscard]] const Region& region(const std::string& name) const;
  [[nodiscard]] bool has_region(const std::string& name) const;
  /// All regions' bins one after the other (the order of `regions`).
  [[nodiscard]] std::vector<double> flat_counts() const;
  [[nodiscard]] std::size_t bin_count() const;
};

/// Reads the generic CSV format: a header line
/// `region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts`, then one row per
/// 2-D bin. Every region's bins must tile a rectangular grid exactly once; counts are
/// whole non-negative numbers; the live time is the same on every row of a region.
/// Throws IoError (unreadable) or ConfigError naming file:line and what is wrong.
ObservedData read_observed_csv(const std::filesystem::path& file);

/// The CSV text of `data` in the format read_observed_csv reads.
std::string to_observed_csv(const ObservedData& data);

/// True when `dir` holds the COHERENT 2017 CsI release (data_coincidence_beamOn.txt).
bool is_coherent_2017_release(const std::filesystem::path& dir);

/// Reads the COHERENT 2017 CsI release: coincidence beam-on as "on-beam",
/// anti-coincidence beam-on as "off-beam" (the same window length before the beam, so the
/// same live time), and with `beam_off` the two beam-off files as "on-beam-beam-off" and
/// "off-beam-beam-off". The release's PE bins (2 PE wide, centres 1 … 49) cover the
/// 1-PE bins n − ½ of n photoelectrons, so its bin [0, 2) holds n = 1, 2: NPE edges
/// 1, 3, …, 51 here. The release states no live time; each window is given `window_live_s`
/// (any common value: only ratios enter the fit).
ObservedData read_coherent_2017(const std::filesystem::path& dir, bool beam_off = false, double window_live_s = 1.0);

/// Reads `path`: a COHERENT release directory or a generic CSV file.
ObservedData read_observed_data(const std::filesystem::path& path);

}  // namespace cevns::fit
