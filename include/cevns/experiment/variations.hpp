#pragma once
/// \file
/// Systematic uncertainties as model variations: each `[[systematics]]` entry names one
/// nuisance parameter of the response or source and the size of its ±1σ; the prediction
/// at ±1σ of each is what a likelihood fit interpolates (docs/detector.md).

#include <string>
#include <vector>

#include "cevns/experiment/experiment_config.hpp"
#include "cevns/experiment/prediction.hpp"

namespace cevns {

/// ±1σ predictions of one nuisance.
struct Variation {
  std::string name;       ///< the systematic's name
  SystematicParameter parameter;
  Prediction down;        ///< at −1σ
  Prediction up;          ///< at +1σ
};

/// `config` with `systematic` moved by `sigmas` standard deviations (θ > 0 by θ·plus_sigma,
/// θ < 0 by |θ|·minus_sigma): the configuration a fit predicts at a nuisance value. Not
/// validated here; predict() validates it.
[[nodiscard]] ExperimentConfig shifted(const ExperimentConfig& config, const SystematicConfig& systematic,
                                       double sigmas);

/// The predictions at −1σ and +1σ of every configured systematic, in the order given.
[[nodiscard]] std::vector<Variation> predict_variations(const ExperimentConfig& config);

}  // namespace cevns
