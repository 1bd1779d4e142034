#pragma once
/// \file
/// The core of `cevns run` that the program and Python's cevns.run share: the whole study
/// in stages (prediction and sensitivity, then the Monte Carlo: simulate, reconstruct,
/// select, fit and its closure; then the report), each recorded in DIR/study.json so that
/// `resume` reuses what is done (docs/output.md, "cevns run").

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/sensitivity.hpp"

namespace cevns::study {

/// The stages of a study, in order; the report is always written again.
const std::vector<std::string>& run_stage_names();

/// What `cevns run` is asked: its options.
struct RunRequest {
  std::filesystem::path config_path;  ///< the configuration file (found by the caller)
  std::vector<std::string> overrides;
  std::filesystem::path output = "results";
  bool force = false, resume = false, no_mc = false;
  std::string mc_exposure = "1d";     ///< data-taking time of the Monte Carlo (a duration)
  double mc_min_signal = 500.0;       ///< scale the Monte Carlo up to this many CEvNS in the ROI (0: never)
  std::uint64_t seed = 1;
  int threads = 1;
  std::string stop_after;             ///< a stage name, or empty
  std::string command_line;           ///< recorded in study.json
  /// Progress of the simulate and reconstruct stages: stage, fraction done, what.
  std::function<void(const std::string& stage, double fraction, const std::string& what)> progress;
  /// When set, polled between stages and blocks: once true the study stops (Cancelled);
  /// the stages done stay recorded for `resume`.
  const std::atomic<bool>* stop = nullptr;
};

struct RunOutcome {
  std::string summary;               ///< summary.txt: the stages' tables
  std::filesystem::path report;      ///< report.html
  nlohmann::json manifest;           ///< study.json
};

/// Runs the study into `request.output`. Throws cevns::Error on bad input, Cancelled
/// when stopped.
RunOutcome run_study(const RunRequest& request);

/// The counting sensitivity of `cevns sensitivity` and `cevns run`: its map spans twice the
/// configured mass and time (at least a year).
Sensitivity sensitivity_of(const Prediction& prediction);

/// likelihood_sensitivity.json and Figure 14 from the likelihood (significance_map_likelihood.csv
/// and fig14_significance_map_likelihood.png/.svg) into `dir`; returns the files written.
std::vector<std::filesystem::path> write_likelihood_sensitivity(const Prediction& prediction, const Sensitivity& counting,
                                                                const fit::LikelihoodSensitivity& likelihood,
                                                                const std::filesystem::path& dir);

}  // namespace cevns::study
