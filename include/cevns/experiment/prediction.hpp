#pragma once
/// \file
/// Expected CEvNS event counts and spectra for a configured experiment ("cevns predict").

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cevns/core/spectrum.hpp"
#include "cevns/experiment/experiment_config.hpp"
#include "cevns/physics/cross_section.hpp"
#include "cevns/physics/target.hpp"
#include "cevns/source/decay_at_rest_source.hpp"
#include "cevns/source/flavor.hpp"

namespace cevns {

/// Expected events from one flavour on one isotope.
struct ChannelPrediction {
  Flavor flavor;
  std::string isotope;             ///< e.g. "Cs133"
  double events = 0.0;             ///< all recoil energies
  std::vector<double> above_threshold;  ///< one per SpectraConfig::thresholds_keVnr
  Spectrum recoil;                 ///< events per recoil bin (keVnr edges)
  double max_recoil_keVnr = 0.0;   ///< kinematic end point of this channel
};

/// A background's expected spectrum after the selection.
struct BackgroundPrediction {
  std::string name;
  Spectrum2D npe_time;  ///< NPE (bin n = n photoelectrons) × arrival time (µs)
  double roi = 0.0;     ///< in the NPE and time region of interest
  std::string drivers;  ///< what it scales with, e.g. "per trigger", "per POT × kg"
  /// Its deposits before any selection (true NPE, timing, multi-crystal share): what the
  /// Monte Carlo draws; unset for what the Monte Carlo makes itself (PMT dark counts).
  std::optional<BackgroundDeposits> deposits;
};

/// Predict's NPE and NPE × time spectra on `spectra.npe_edges`: bins [e_i, e_{i+1}) of the
/// reconstructed photoelectrons, half-open, the last one also collecting everything above
/// (docs/detector.md, "Continuous PE bins"). Integer counts (Poisson) fall in the bin
/// holding n; a Gamma-distributed PE is integrated over each bin.
struct NpeEdgesSpectra {
  Binning npe;                                   ///< the configured edges
  std::map<Flavor, Spectrum> before_selection;   ///< per flavour, as Prediction::npe_before_selection
  std::map<Flavor, Spectrum2D> signal;           ///< per flavour after the selection, NPE × time
  std::vector<Spectrum2D> backgrounds;           ///< in the order of Prediction::backgrounds
};

struct Prediction {
  ExperimentConfig config;          ///< the resolved configuration predicted
  double beam_on_time_s = 0.0;
  double protons_on_target = 0.0;
  /// Beam energy on target, POT × proton energy (what COHERENT's release normalises per).
  double beam_energy_GWh = 0.0;
  double flux_per_cm2_s = 0.0;      ///< per flavour, beam on
  double fluence_per_cm2 = 0.0;     ///< per flavour, over the exposure
  std::map<std::string, double> nuclei;  ///< target nuclei per isotope
  std::vector<ChannelPrediction> channels;
  /// Arrival-time spectrum per flavour (µs edges), all recoil energies.
  std::map<Flavor, Spectrum> arrival_time;

  /// Photoelectron spectrum per flavour before any selection (the paper's Figure 7); bin
  /// n holds n photoelectrons, the last bin everything above.
  std::map<Flavor, Spectrum> npe_before_selection;
  /// Signal per flavour after the selection, NPE × arrival time.
  std::map<Flavor, Spectrum2D> signal;
  std::vector<BackgroundPrediction> backgrounds;
  /// Signal per flavour in the region of interest after the selection.
  std::map<Flavor, double> roi_signal_by_flavor;
  /// The recoil energy whose mean NPE equals the lower ROI bound (mean light yield).
  double roi_threshold_keVnr = 0.0;
  /// The spectra on spectra.npe_edges; unset without them. The region of interest, the
  /// fit and the figures use the integer-NPE spectra above.
  std::optional<NpeEdgesSpectra> on_npe_edges;

  [[nodiscard]] double total_events() const;
  [[nodiscard]] std::map<Flavor, double> events_by_flavor() const;
  /// The flavours predicted (the source's: ν_μ, ν_e, ν̄_μ, and ν̄_e from a table holding it).
  [[nodiscard]] std::vector<Flavor> flavors() const;
  [[nodiscard]] std::map<std::string, double> events_by_isotope() const;
  /// Events above each configured threshold, summed over channels.
  [[nodiscard]] std::vector<double> events_above_thresholds() const;
  /// Recoil spectrum summed over the channels that pass `keep`.
  template <class Predicate>
  [[nodiscard]] Spectrum recoil_spectrum(Predicate keep) const {
    Spectrum sum(channels.front().recoil.binning);
    for (const auto& c : channels)
      if (keep(c)) sum += c.recoil;
    return sum;
  }
  [[nodiscard]] Spectrum recoil_spectrum() const {
    return recoil_spectrum([](const ChannelPrediction&) { return true; });
  }

  [[nodiscard]] double roi_signal() const;
  [[nodiscard]] double roi_background() const;
  /// Signal (all flavours) and total background after the selection, NPE × time.
  [[nodiscard]] Spectrum2D signal_total() const;
  [[nodiscard]] Spectrum2D background_total() const;
  /// Data-taking days the per-day rates refer to (calendar days, else beam days).
  [[nodiscard]] double days() const;

  /// Throws NumericalError naming the first quantity that is not finite (every value in
  /// range can still combine into an overflow). predict() calls it before returning.
  void check_finite() const;
};

/// The counting significance of a prediction and how it grows with exposure.
struct Sensitivity {
  double signal = 0.0;               ///< in the region of interest
  double background = 0.0;
  double significance = 0.0;         ///< N_sig/√(N_sig + N_bkg), the CLOVERS paper's eq. 1
  /// √(2[(s+b)ln(1+s/b) − s]); unset without background, where it diverges (stats).
  std::optional<double> asimov_significance;
  double days_to_5sigma = 0.0;       ///< at the configured mass
  double target_sigma = 5.0;
  /// The paper's Figure 14: significance over mass × days, signal and background scaled
  /// with mass × days. map[i_mass * days.size() + i_day].
  std::vector<double> map_mass_kg;
  std::vector<double> map_days;
  std::vector<double> map_significance;

  /// Throws NumericalError naming the first quantity that is not finite.
  void check_finite() const;
};

/// Significance of `prediction` and its map over mass (0 … max_mass_kg) × days
/// (0 … max_days), `points` steps each; checked finite. Throws NumericalError when the
/// region of interest holds no signal (no significance, 5σ never reached).
Sensitivity sensitivity(const Prediction& prediction, double max_mass_kg, double max_days, int points = 48);

/// The arrival-time spectrum of the NPE region of interest of an NPE × time spectrum (its
/// projection onto time over roi_npe_min … roi_npe_max).
[[nodiscard]] Spectrum time_in_npe_roi(const Spectrum2D& spectrum, const SelectionConfig& selection);

/// Computes the expected CEvNS counts and spectra; validates `config` first.
Prediction predict(const ExperimentConfig& config);

/// dN/dT of one flavour on one target isotope over the whole exposure, in events per MeV
/// of recoil energy — the integrand of predict(), shared with the Monte Carlo.
class RecoilRate {
 public:
  /// `source` is the configuration's (built once by the caller: building one logs it).
  RecoilRate(const ExperimentConfig& config, const DecayAtRestSource& source, const Target::Component& component,
             Flavor flavor);

  /// Events per MeV at recoil energy `recoil` (MeV).
  [[nodiscard]] double operator()(double recoil) const {
    if (!appeared_spectrum_) return scale_ * cross_section_.spectrum_averaged(flavor_, spectrum_, recoil);
    return scale_ * (cross_section_.spectrum_averaged(flavor_, spectrum_, recoil) +
                     cross_section_.spectrum_averaged(appeared_flavor_, *appeared_spectrum_, recoil));
  }
  /// The kinematic end point, MeV.
  [[nodiscard]] double max_recoil() const { return cross_section_.max_recoil(spectrum_.max_energy()); }
  [[nodiscard]] const CevnsCrossSection& cross_section() const { return cross_section_; }

 private:
  Flavor flavor_;
  NeutrinoSpectrum spectrum_;  // the parent flavour arriving as itself (oscillated with a sterile neutrino)
  // With a sterile neutrino: the parent neutrinos arriving as the other active flavour
  // (DecayAtRestSource::appeared_flavor), with their parent's timing.
  Flavor appeared_flavor_;
  std::optional<NeutrinoSpectrum> appeared_spectrum_;
  CevnsCrossSection cross_section_;
  double scale_;  // nuclei × fluence
};

}  // namespace cevns
