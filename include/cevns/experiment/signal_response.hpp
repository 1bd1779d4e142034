#pragma once
/// \file
/// The detector's response to CEvNS as a linear map from the recoil-rate on a grid of
/// recoil energies to the selected NPE × arrival-time signal: what `predict` folds, kept so
/// that a change of the cross section (any physics.* key) costs the rates on the grid and
/// one matrix product instead of a whole prediction (`cevns scan`, docs/statistics.md).

#include <map>
#include <memory>
#include <vector>

#include "cevns/core/spectrum.hpp"
#include "cevns/experiment/experiment_config.hpp"
#include "cevns/source/decay_at_rest_source.hpp"
#include "cevns/source/flavor.hpp"

namespace cevns {

class SignalResponse {
 public:
  /// Builds the map of `config`'s source, target, detector and selection; `source` is the
  /// configuration's (built by the caller: building one logs it).
  SignalResponse(const ExperimentConfig& config, const DecayAtRestSource& source);
  /// The same, building the source itself.
  explicit SignalResponse(const ExperimentConfig& config);

  /// True photoelectron spectra per flavour (bin n = n PE, the last bin the overflow)
  /// before the selection, and — with the acceptance evaluated at the continuous PE — the
  /// accepted ones, for the cross sections of `physics` (dN/dT = nuclei × fluence × ⟨dσ/dT⟩).
  struct Folded {
    std::map<Flavor, std::vector<double>> npe_true, npe_accepted;
  };
  [[nodiscard]] Folded fold(const PhysicsConfig& physics) const;
  /// The selected signal per flavour, NPE × arrival time (Prediction::signal) of `folded`.
  [[nodiscard]] std::map<Flavor, Spectrum2D> select(const Folded& folded) const;
  /// select(fold(physics)): the selected signal of the configuration with `physics`.
  [[nodiscard]] std::map<Flavor, Spectrum2D> signal(const PhysicsConfig& physics) const {
    return select(fold(physics));
  }

  /// Recoil-energy nodes of all channels (for reports and benchmarks).
  [[nodiscard]] std::size_t node_count() const;
  [[nodiscard]] bool continuous_acceptance() const { return continuous_acceptance_; }
  /// NPE bins (bin n = n PE, the last the overflow) and arrival-time bins (µs) of the signal.
  [[nodiscard]] const Binning& npe_binning() const { return npe_binning_; }
  [[nodiscard]] const Binning& time_binning() const { return time_binning_; }

 private:
  struct Channel {
    std::size_t component;   // index into the target's components
    Flavor flavor;
    std::vector<double> recoil_MeV, weight_MeV;  // quadrature nodes and weights in T
    std::vector<double> p_true, p_accepted;      // [node × npe bins]
  };
  void build(const ExperimentConfig& config, const DecayAtRestSource& source);

  ExperimentConfig config_;
  std::shared_ptr<const DecayAtRestSource> own_source_;
  std::vector<Channel> channels_;
  std::size_t npe_bins_ = 0;
  bool continuous_acceptance_ = false;
  Binning npe_binning_{std::vector<double>{0.0, 1.0}}, time_binning_{std::vector<double>{0.0, 1.0}};
  std::map<Flavor, std::vector<double>> time_probability_;  // with the time efficiency, per time bin
};

}  // namespace cevns
