#pragma once
/// \file
/// The core of `cevns scan` that the program and Python's cevns.scan share: the inputs of
/// a profile-likelihood scan read as the command reads them, the CEvNS templates at each
/// grid point, the scan itself, and scan.json / scan.csv / the figures
/// (docs/statistics.md, "cevns scan").

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/fit/fit_inputs.hpp"
#include "cevns/fit/scan.hpp"

namespace cevns::study {

/// What `cevns scan` is asked: its options.
struct ScanRequest {
  std::vector<std::string> params;  ///< "name=low:high:points" (a numeric configuration key), once or twice
  std::filesystem::path data;       ///< an observed.csv or the COHERENT 2017 release; empty: the prediction's ROI
  std::filesystem::path fit_config; ///< a TOML with a [fit] table; empty: the default
  bool asimov = false;              ///< scan the Asimov data set of the nominal model
  bool full_predict = false;        ///< every point predicted in full (not the cached detector response)
  std::vector<std::pair<std::string, double>> fix;  ///< likelihood parameters held at a value (--fix)
  std::vector<std::string> free;                    ///< likelihood parameters freed of their constraint (--free)
  std::string config_name;          ///< the configuration in messages (its file)
};

/// A scan ready to run: the inputs read, the model built (with --fix / --free), the
/// templates' source chosen and checked at the reference. Bad input throws ConfigError
/// here, before any point is fitted.
class ScanStudy {
 public:
  /// `predict_with` predicts the experiment with more overrides (the caller knows its
  /// configuration: a file, a Python object).
  ScanStudy(const ScanRequest& request, const fit::PredictWith& predict_with);
  ~ScanStudy();
  ScanStudy(const ScanStudy&) = delete;
  ScanStudy& operator=(const ScanStudy&) = delete;

  /// Runs the scan (threads, progress, MPI shares and `stop` in `options`). Throws
  /// Cancelled when `options.stop` is set before the grid is done.
  [[nodiscard]] fit::ScanResult run(const fit::ScanOptions& options) const;
  /// scan.json: the result with the experiment, fit configuration, data and templates.
  [[nodiscard]] nlohmann::json to_json(const fit::ScanResult& result) const;
  /// Writes scan.json, scan.csv and the figures into `dir` (created); returns the files.
  std::vector<std::filesystem::path> write(const fit::ScanResult& result, const std::filesystem::path& dir) const;

  [[nodiscard]] bool have_data() const;
  /// Whether the points use the cached detector response (every axis a physics.* key).
  [[nodiscard]] bool cached_response() const;
  [[nodiscard]] const std::string& experiment() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cevns::study
