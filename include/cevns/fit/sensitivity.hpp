#pragma once
/// \file
/// The expected (Asimov) discovery significance of a prediction from the binned likelihood
/// of docs/statistics.md — NPE × arrival time with nuisance parameters — beside the
/// counting formula N/√(N+B), with the exposure that reaches 5σ (`cevns sensitivity`).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/model.hpp"

namespace cevns::fit {

/// How the likelihood sensitivity models the nuisances (docs/statistics.md, "cevns sensitivity").
struct LikelihoodSensitivityOptions {
  /// Gaussian width of the neutrino-flux normalisation on CEvNS: 10 %, the SNS yield of
  /// 0.08 ± 0.008 ν per flavour per proton (COHERENT 2017 release, coherent_parameters.yaml;
  /// Akimov et al., Science 357 (2017) 1123). It cannot change q₀
  /// while the CEvNS normalisation is free (they are degenerate); it is there so that the
  /// model is the measurement's.
  double flux_sigma = 0.10;
  /// Log-normal width of every beam-related background (beam-related and neutrino-induced
  /// neutrons): 25 %, the prompt-neutron normalisation of the COHERENT 2017 release (its
  /// coherent_parameters.yaml: 1 ± 0.25), applied to CLOVERS as the paper gives none.
  double beam_background_sigma = 0.25;
  /// ± relative tilt of every beam-related background's NPE spectrum across the region of
  /// interest (a shape nuisance, total kept; 0: the shape is taken as known).
  double beam_background_npe_tilt = 0.0;
  /// The steady-state backgrounds (all not beam-related) are measured in an off-beam window
  /// of this live time relative to the on-beam one (1: cevns select's pretrace window, one
  /// per trigger): each normalisation is constrained to 1/√(B × ratio × exposure). 0: free.
  double off_beam_live_time_ratio = 1.0;
  double target_sigma = 5.0;
};

/// The significance of one binning of the region of interest.
struct BinnedSignificance {
  std::string binning;          ///< "npe x time", "npe", "time"
  std::size_t bins = 0;
  double significance = 0.0;    ///< √q₀ of the Asimov data set (Wilks), at the configured exposure
  /// Days (at the configured mass) to target_sigma, by bisection on the exposure; unset when
  /// not reached within 10⁴ × the configured exposure (systematics-limited).
  std::optional<double> days_to_target;
};

struct LikelihoodSensitivity {
  std::vector<BinnedSignificance> binnings;  ///< npe x time, npe only, time only
  std::vector<Parameter> parameters;         ///< the model's, with their constraints and sources
  std::vector<std::string> beam_related, steady_state;  ///< how the backgrounds were classified
  LikelihoodSensitivityOptions options;
  /// Figure 14 from the likelihood (NPE × time): map[i_mass * days.size() + i_day] on the
  /// counting map's grid (empty when no grid was given).
  std::vector<double> map_significance;
  /// Set when there is no likelihood significance (no background in the region of
  /// interest: the Asimov q₀ diverges, as the counting Asimov formula does); binnings empty.
  std::optional<std::string> undefined;
  int fits = 0;           ///< minimisations done
  double seconds = 0.0;

  [[nodiscard]] const BinnedSignificance& binning(const std::string& name) const;
  /// Throws NumericalError naming the first value that is not finite.
  void check_finite() const;
};

/// Whether a background of the prediction is beam-related (its name or drivers mention
/// neutrons, protons on target or the beam) rather than steady-state.
[[nodiscard]] bool is_beam_related(const BackgroundPrediction& background);

/// The Asimov likelihood sensitivity of `prediction` over its region of interest, and, with
/// `map_grid`, Figure 14 on that grid (signal and background scaled with mass × days, as
/// the counting map). Throws NumericalError when the region of interest holds no signal.
LikelihoodSensitivity likelihood_sensitivity(const Prediction& prediction, const LikelihoodSensitivityOptions& options = {},
                                             const Sensitivity* map_grid = nullptr);

/// The likelihood sensitivity as JSON (the "likelihood" block of `cevns sensitivity -f json`).
nlohmann::json to_json(const LikelihoodSensitivity& sensitivity);

}  // namespace cevns::fit
