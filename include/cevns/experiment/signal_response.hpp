#pragma once
/// \file
/// The detector's response to CEvNS as a linear map from the recoil-rate on a grid of
/// recoil energies to the selected NPE × arrival-time signal: what `predict` folds, kept so
/// that a change of the cross section (any physics.* key) costs the rates on the grid and
/// one matrix product instead of a whole prediction (`cevns scan`, docs/statistics.md).

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "cevns/core/spectrum.hpp"
#include "cevns/detector/response.hpp"
#include "cevns/experiment/experiment_config.hpp"
#include "cevns/experiment/prediction.hpp"
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
  /// before the selection, for the cross sections of `physics` (dN/dT = nuclei × fluence ×
  /// ⟨dσ/dT⟩). Crystals are folded in groups of one PMT share and acceptance (groups()), each
  /// with its crystals' own quenching and light yields, and selected with its own coincidence
  /// and acceptance: `by_group_true` holds group g's spectrum at bins g × NPE bins …,
  /// `by_group_accepted` the same with the acceptance evaluated at the continuous PE (only
  /// with continuous_acceptance()). With `spectra.npe_edges` and the Gamma resolution,
  /// `cells_true`/`cells_accepted` hold the same on the PE cells cut by both the integer bins
  /// and the edges (group g's at g × cell count).
  struct Folded {
    std::map<Flavor, std::vector<double>> npe_true;  ///< all crystals
    std::map<Flavor, std::vector<double>> by_group_true, by_group_accepted, cells_true, cells_accepted;
  };
  [[nodiscard]] Folded fold(const PhysicsConfig& physics) const;
  /// The selected signal per flavour, NPE × arrival time (Prediction::signal) of `folded`.
  [[nodiscard]] std::map<Flavor, Spectrum2D> select(const Folded& folded) const;
  /// select(fold(physics)): the selected signal of the configuration with `physics`.
  [[nodiscard]] std::map<Flavor, Spectrum2D> signal(const PhysicsConfig& physics) const {
    return select(fold(physics));
  }
  /// The spectra before and after the selection on `spectra.npe_edges` (Prediction::on_npe_edges,
  /// without the backgrounds: to_npe_edges); unset without the edges. Integer (Poisson)
  /// counts go to the bin holding n; with the Gamma resolution each cell is selected as the
  /// integer bin it lies in.
  [[nodiscard]] std::optional<NpeEdgesSpectra> on_npe_edges(const Folded& folded) const;
  /// An integer-NPE × time spectrum summed onto `spectra.npe_edges` (bin holding n).
  [[nodiscard]] Spectrum2D to_npe_edges(const Spectrum2D& integer_npe) const;

  /// The PMT shares of the groups of crystals (one per PMT share and acceptance), ascending.
  [[nodiscard]] std::vector<double> groups() const;
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
    // [node × groups × npe bins], and [node × groups × cells] on the PE cells
    std::vector<double> p_true, p_accepted, p_cells_true, p_cells_accepted;
  };
  /// Crystals of one PMT share and acceptance: their foldings (quenching index, light
  /// yield), each with its share of the mass, and their selection (with the acceptance
  /// folded in at the continuous PE, the rest of it).
  struct Group {
    double pmt_share;
    AcceptanceConfig acceptance;
    std::map<std::pair<std::size_t, double>, double> foldings;
    SelectionEfficiency selection, rest_of_selection;
  };
  /// The cells of a continuous PE on both the integer NPE bins [n − ½, n + ½) and
  /// spectra.npe_edges: lower edges (from 0, the last cell to ∞), each cell's integer bin
  /// and its bin of the edges (−1 below them).
  struct Cells {
    std::vector<double> lows;
    std::vector<std::size_t> integer_bin;
    std::vector<long> edge_bin;
  };
  void build(const ExperimentConfig& config, const DecayAtRestSource& source);
  /// The selected true-NPE spectrum of `flavor`, all groups.
  [[nodiscard]] std::vector<double> selected_npe(const Folded& folded, Flavor flavor) const;

  ExperimentConfig config_;
  std::shared_ptr<const DecayAtRestSource> own_source_;
  std::vector<Channel> channels_;
  std::vector<Group> groups_;
  Cells cells_;  // empty unless spectra.npe_edges with the Gamma resolution
  std::size_t npe_bins_ = 0;
  bool continuous_acceptance_ = false;
  Binning npe_binning_{std::vector<double>{0.0, 1.0}}, time_binning_{std::vector<double>{0.0, 1.0}};
  std::map<Flavor, std::vector<double>> time_probability_;  // with the time efficiency, per time bin
  /// With detector.arrival_time = "first-photoelectron": per flavour, the arrival-time
  /// spectrum of events of n photoelectrons [n][time bin] (ArrivalDelayConfig); empty otherwise.
  std::map<Flavor, std::vector<std::vector<double>>> delayed_time_;
  /// The selected NPE × time of `flavor` with the first-photoelectron delay, all groups
  /// ([n × time bins + t]).
  [[nodiscard]] std::vector<double> selected_npe_time(const Folded& folded, Flavor flavor) const;
};

}  // namespace cevns
