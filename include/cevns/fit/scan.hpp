#pragma once
/// \file
/// Profile-likelihood scans in parameters of the prediction (physics.sin2_theta_w, …):
/// at every point of a 1-D or 2-D grid the CEvNS templates are those of the parameters'
/// values and every parameter of the likelihood (normalisations, nuisances) is profiled;
/// intervals and contours from Wilks' theorem (docs/statistics.md, "cevns scan").

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/fit/model.hpp"

namespace cevns::fit {

/// One scanned parameter: `points` values from `low` to `high` (both included).
struct ScanAxis {
  std::string name;  ///< a dotted configuration key, e.g. "physics.sin2_theta_w"
  double low = 0.0, high = 1.0;
  int points = 2;
  [[nodiscard]] std::vector<double> values() const;
};

/// Parses "name=lo:hi:n" (lo < hi, 2 ≤ n ≤ 10000). Throws ConfigError naming the text.
ScanAxis parse_scan_axis(const std::string& text);

/// A confidence level of the scan: its name, probability and the Δχ² that bounds it.
struct ScanLevel {
  std::string name;  ///< "1sigma", "90%", "2sigma", "3sigma"
  double cl = 0.0;
  double delta_chi2 = 0.0;
};

/// 1σ (68.27 %), 90 %, 2σ (95.45 %) and 3σ (99.73 %) as Δχ² quantiles of a χ² with
/// `dof` degrees of freedom (Wilks: the number of scanned parameters).
std::vector<ScanLevel> wilks_levels(int dof);

/// What one axis allows at one level: the ranges where Δχ² < level (the profile of a 1-D
/// scan crossing by linear interpolation; for 2-D scans the extent of the region).
struct ScanInterval {
  std::string parameter, level;
  double cl = 0.0, delta_chi2 = 0.0;
  std::vector<std::pair<double, double>> ranges;
  bool at_low_edge = false, at_high_edge = false;  ///< the region reaches the scan's edge
};

/// The CEvNS templates (per CEvNS sample name, over every bin of the model) at one point,
/// `values` in the order of the axes. Called from several threads at once.
using PointTemplates = std::function<std::map<std::string, std::vector<double>>(const std::vector<double>& values)>;

struct ScanOptions {
  int threads = 1;
  /// Called (serialised) after each point: points done, of total.
  std::function<void(std::size_t, std::size_t)> progress;
  /// Points spread over processes (MPI): this process fits the grid points
  /// [`share(total)`.first, .second), and `gather` returns every process's packed results
  /// one after the other in process order — contiguous shares in order, so grid order.
  /// Unset: every point here. Points are independent, so the result is the same.
  std::function<std::pair<std::size_t, std::size_t>(std::size_t total)> share;
  std::function<std::vector<double>(const std::vector<double>& mine)> gather;
  /// When set, polled before every point: once true, the points in work finish, no more
  /// start, and profile_scan throws Cancelled (not with `gather`: the other processes wait).
  const std::atomic<bool>* stop = nullptr;
};

struct ScanResult {
  std::vector<ScanAxis> axes;
  std::vector<std::vector<double>> axis_values;
  std::vector<std::string> parameter_names;  ///< the likelihood's parameters
  /// Per grid point (index i₀ · n₁ + i₁): t = −2 ln L profiled, t − t_min, fit converged,
  /// and the profiled parameters.
  std::vector<double> deviance, delta;
  std::vector<bool> converged;
  std::vector<std::vector<double>> profiled;
  double t_min = 0.0;
  std::vector<double> best;       ///< the grid point of t_min
  std::vector<double> reference;  ///< the configuration's values (the Standard Model point)
  double reference_delta = 0.0;   ///< Δχ² of the reference
  int dof = 1;
  std::vector<ScanLevel> levels;
  std::vector<ScanInterval> intervals;  ///< per axis, per level
  double seconds = 0.0;
  int threads = 1;
};

/// `model` with the nominal templates of the samples named in `templates` replaced; their
/// shape variations keep their relative size per bin (a detector systematic is taken to
/// change the spectrum by the same fraction whatever the cross section).
Model with_templates(const Model& model, const std::map<std::string, std::vector<double>>& templates);

/// Scans `axes` (one or two): at each point the model with `templates(values)`, fitted to
/// `data` from the best fit of `model` (which is at `reference`), every free parameter
/// profiled. Points are independent, so the result does not depend on `threads`. Throws
/// NumericalError when no point converges, Cancelled when `options.stop` was set.
ScanResult profile_scan(const Model& model, const Dataset& data, const std::vector<ScanAxis>& axes,
                        const PointTemplates& templates, const std::vector<double>& reference,
                        const ScanOptions& options = {});

/// The scan as JSON (scan.json, docs/statistics.md) and the grid as CSV (scan.csv: the
/// axes' values, t, Δχ², converged, every profiled parameter).
nlohmann::json to_json(const ScanResult& scan);
std::string to_csv(const ScanResult& scan);
/// The summary `cevns scan` prints.
std::string format_scan_table(const ScanResult& scan);

}  // namespace cevns::fit
