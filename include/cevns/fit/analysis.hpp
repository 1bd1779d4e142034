#pragma once
/// \file
/// One complete statistical analysis of a built model and its data (what `cevns fit`
/// reports): the fit, the POI's profile-likelihood interval and scan, q₀ and the
/// significance, an upper limit, goodness of fit, and optionally toys.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/fit/fit.hpp"
#include "cevns/fit/model_builder.hpp"

namespace cevns::fit {

struct AnalysisOptions {
  std::string poi;  ///< empty: the model's
  std::vector<std::pair<std::string, double>> fix;  ///< parameters held at a value (--fix)
  std::vector<std::string> free;  ///< parameters freed of their constraint and of any fixing (--free)
  bool asimov = false;  ///< fit the Asimov data set of the nominal model instead of the data
  int toys = 0;
  std::uint64_t seed = 1;
  int threads = 1;
  int scan_points = 41;
  /// Runs the toys (fit::run_toys's arguments); empty: run_toys in this process. The CLI
  /// shares them out over MPI ranks with it; the results must be run_toys's.
  std::function<ToyResults(const Model&, const std::vector<double>&, std::size_t, int, std::uint64_t, int, bool)>
      run_toys{};
  /// Polled between the stages (fit, intervals, profile scan, toys) and before each toy:
  /// once set, analyse throws Cancelled (Ctrl-C in Python). Not used by `run_toys` above.
  const std::atomic<bool>* stop = nullptr;
};

/// Toy summaries (parametric bootstrap from the best fit, and background-only toys).
struct ToySummary {
  int count = 0;
  int converged = 0;
  double poi_mean = 0.0, poi_std = 0.0;  ///< of the fitted POI, in events
  double coverage_1sigma = 0.0;           ///< fraction with |POI − truth| < its Hessian error
  double gof_p_value = 0.0;               ///< fraction with t_min ≥ the data's
  double q0_tail_toys = 0.0;              ///< background-only toys: fraction with q₀ ≥ the data's
  double q0_tail_wilks = 0.0;             ///< the same from Wilks (½χ²₁)
  double seconds = 0.0;
};

struct Analysis {
  BuiltModel built;
  Dataset data{};
  std::string data_source{};
  std::size_t poi = 0;
  double poi_events_per_unit = 1.0;  ///< events of the POI's samples at POI = 1
  FitResult fit{};
  Interval interval_1sigma{}, interval_2sigma{};
  double q0 = 0.0, significance = 0.0, p_value = 0.5;
  double upper_limit_95 = 0.0;  ///< one-sided profile-likelihood 95 % CL upper limit on the POI
  ProfileScan scan{};
  std::vector<std::vector<double>> post_fit{};  ///< expected counts per sample per bin at the best fit
  std::optional<ToySummary> toys{};
  double fit_seconds = 0.0;
};

/// --free (constraint and fixing dropped) then --fix (held at a value inside its range;
/// ConfigError outside it or for an unknown name) on the model's parameters.
void apply_free_and_fix(Model& model, const std::vector<std::string>& free,
                        const std::vector<std::pair<std::string, double>>& fix);

/// Builds the Dataset of `data` (or the Asimov one), applies the options and analyses.
/// Throws ConfigError for an unknown parameter in the options.
Analysis analyse(BuiltModel built, const ObservedData& data, const AnalysisOptions& options);

/// The analysis as JSON (fit.json, docs/statistics.md).
nlohmann::json to_json(const Analysis& analysis);

/// The table `cevns fit` prints.
std::string format_fit_table(const Analysis& analysis);

/// The model and data as JSON for an independent implementation of the same likelihood
/// (scripts/reference_likelihood.py): parameters, samples with their modifiers, counts.
nlohmann::json export_model(const Model& model, const Dataset& data);

}  // namespace cevns::fit
