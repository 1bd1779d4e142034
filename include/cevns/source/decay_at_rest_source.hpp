#pragma once
/// \file
/// A π⁺ decay-at-rest neutrino source seen from a detector: flux per flavour, energy
/// spectra, arrival times, and the beam delivered over an exposure.

#include <array>

#include "cevns/source/arrival_time.hpp"
#include "cevns/source/neutrino_spectrum.hpp"
#include "cevns/source/source_config.hpp"

namespace cevns {

class DecayAtRestSource {
 public:
  /// Validates `config` and derives the flux: yield × (power / proton energy) / (4πL²),
  /// unless the configuration gives the flux directly.
  explicit DecayAtRestSource(const SourceConfig& config);

  /// Neutrinos per flavour per cm² per ns at the detector while the beam is on.
  [[nodiscard]] double flux() const { return flux_; }
  /// Protons on target per ns at the configured power.
  [[nodiscard]] double proton_rate() const { return proton_rate_; }

  /// Beam-on time of an exposure, in ns.
  [[nodiscard]] double beam_on_time(const ExposureConfig& exposure) const;
  /// Protons on target delivered over an exposure.
  [[nodiscard]] double protons_on_target(const ExposureConfig& exposure) const {
    return proton_rate_ * beam_on_time(exposure);
  }
  /// Neutrinos per flavour per cm² over an exposure.
  [[nodiscard]] double fluence(const ExposureConfig& exposure) const { return flux_ * beam_on_time(exposure); }

  [[nodiscard]] const NeutrinoSpectrum& spectrum(Flavor flavor) const {
    return spectra_[static_cast<std::size_t>(flavor)];
  }
  /// The flavour a neutrino of `parent` flavour can oscillate into among the active ones
  /// the source gives: ν_μ ↔ ν_e, and ν̄_μ → ν̄_e, whose (vector) cross section is ν_e's.
  static Flavor appeared_flavor(Flavor parent) { return parent == Flavor::nu_e ? Flavor::nu_mu : Flavor::nu_e; }
  /// The probability that a `parent` neutrino of energy E (MeV) arrives as `parent`
  /// (same = true) or as appeared_flavor(parent) (same = false), with the configured sterile
  /// neutrino (1 and 0 without one); the 3+1 formula of SterileConfig.
  [[nodiscard]] double oscillation_probability(Flavor parent, bool same, double energy) const;
  /// The spectrum of `parent` neutrinos arriving as `parent` (same) or as its appeared flavour,
  /// normalised to one emitted neutrino: spectrum(parent) × P. Needs an active sterile neutrino.
  [[nodiscard]] NeutrinoSpectrum spectrum_at_detector(Flavor parent, bool same) const;
  [[nodiscard]] const ArrivalTimeModel& arrival_time() const { return arrival_time_; }
  [[nodiscard]] const SourceConfig& config() const { return config_; }

 private:
  SourceConfig config_;
  double proton_rate_;
  double flux_;
  std::array<NeutrinoSpectrum, 3> spectra_;
  ArrivalTimeModel arrival_time_;
};

}  // namespace cevns
