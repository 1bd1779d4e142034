#pragma once
/// \file
/// The delay of the reconstructed arrival time after the interaction. The reconstruction
/// times a crystal's event by its first pulse (src/reco: the first threshold crossing of
/// either PMT in the signal region), i.e. by its first photoelectron, which the crystal
/// emits after the interaction by a draw from its scintillation time profile. For n
/// photoelectrons the delay is the minimum of n such draws, P(D_n > t) = S(t)ⁿ with S the
/// survival of one photoelectron's delay (docs/detector.md, "arrival time").

#include <functional>
#include <vector>

#include "cevns/core/named_values.hpp"
#include "cevns/core/spectrum.hpp"

namespace cevns {

/// What the predicted arrival time of an event is (detector.arrival_time).
enum class ArrivalTimeDefinition {
  interaction,          ///< the neutrino's (or neutron's) arrival: no delay
  first_photoelectron,  ///< the first photoelectron's, as the reconstruction times events (the default)
};
inline constexpr NamedValues<ArrivalTimeDefinition, 2> arrival_time_definition_names{
    {{{"interaction", ArrivalTimeDefinition::interaction}, {"first-photoelectron", ArrivalTimeDefinition::first_photoelectron}}}};

/// The first-photoelectron delay. The profile is the simulation's: the configuration reader
/// copies it from detector.scintillation, daq.pmt.transit_time_spread_ns and the pulse
/// start of the reconstruction (io::read_configuration), so that predict and simulate
/// share one profile. One photoelectron is recorded at the interaction time plus
/// E + G + offset_ns: E a draw of the multi-exponential decay (decay_times_ns, weights), G a
/// normal transit-time jitter of σ = transit_time_spread_ns, and offset_ns the time from a
/// photoelectron to the start of its reconstructed pulse.
struct ArrivalDelayConfig {
  ArrivalTimeDefinition model = ArrivalTimeDefinition::first_photoelectron;
  /// Undoped CsI at 80 K: 1015 ns (Amsler et al., NIM A 480 (2002) 494), as
  /// daq::ScintillationConfig's default.
  std::vector<double> decay_times_ns{1015.0};
  std::vector<double> weights{1.0};
  double transit_time_spread_ns = 0.0;
  double offset_ns = 0.0;

  void validate() const;
  [[nodiscard]] bool enabled() const { return model == ArrivalTimeDefinition::first_photoelectron; }
  /// P(one photoelectron's delay > t_ns): Σ_k w_k [Q(x/σ) + e^{−x/τ_k + σ²/2τ_k²} Φ(x/σ − σ/τ_k)],
  /// x = t − offset (the exponentially modified normal; e^{−x/τ_k} for x ≥ 0 without jitter).
  [[nodiscard]] double photoelectron_survival(double t_ns) const;
  /// P(D_n > t_ns) = photoelectron_survival(t)ⁿ: the first of n photoelectrons.
  [[nodiscard]] double survival(double t_ns, int photoelectrons) const;

  /// The arrival-time spectra of events of n = 0 … npe_max photoelectrons on `time_us`:
  /// out[n][bin] = ∫ P(a + D_n ∈ bin) dP(a), for the arrival distribution whose probability
  /// (with any time efficiency ε(a) taken at the arrival a) in (low_us, high_us] is
  /// `probability_us`. Zero for n = 0: without a photoelectron an event has no time. The
  /// arrival is integrated over cells of ≤ 2 ns that divide the bins (a mass at each cell's
  /// centre) from where it begins (found by stepping back whole bins before the window);
  /// the delay's distribution is exact at the lags cell centre → bin edge.
  [[nodiscard]] std::vector<std::vector<double>> delayed_time_spectra(
      const std::function<double(double, double)>& probability_us, const Binning& time_us, int npe_max) const;
};

}  // namespace cevns
