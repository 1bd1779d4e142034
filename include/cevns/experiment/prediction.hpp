#pragma once
/// \file
/// Expected CEvNS event counts and spectra for a configured experiment ("cevns predict").

#include <map>
#include <string>
#include <vector>

#include "cevns/core/spectrum.hpp"
#include "cevns/experiment/experiment_config.hpp"
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

struct Prediction {
  ExperimentConfig config;          ///< the resolved configuration predicted
  double beam_on_time_s = 0.0;
  double protons_on_target = 0.0;
  double flux_per_cm2_s = 0.0;      ///< per flavour, beam on
  double fluence_per_cm2 = 0.0;     ///< per flavour, over the exposure
  std::map<std::string, double> nuclei;  ///< target nuclei per isotope
  std::vector<ChannelPrediction> channels;
  /// Arrival-time spectrum per flavour (µs edges), all recoil energies.
  std::map<Flavor, Spectrum> arrival_time;

  [[nodiscard]] double total_events() const;
  [[nodiscard]] std::map<Flavor, double> events_by_flavor() const;
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
};

/// Computes the expected CEvNS counts and spectra; validates `config` first.
Prediction predict(const ExperimentConfig& config);

}  // namespace cevns
