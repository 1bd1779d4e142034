#pragma once
/// \file
/// A spallation neutrino source seen from a detector: flux per flavour, energy spectra,
/// arrival times, and the beam delivered over an exposure. The analytic π⁺ decay-at-rest
/// model, or a tabulated flux (source.flux = "table", docs/physics.md "Tabulated flux").

#include <array>
#include <vector>

#include "cevns/source/arrival_time.hpp"
#include "cevns/source/neutrino_spectrum.hpp"
#include "cevns/source/source_config.hpp"

namespace cevns {

class DecayAtRestSource {
 public:
  /// Validates `config` and derives the flux: yield × (power / proton energy) / (4πL²),
  /// unless the configuration gives the flux directly; for a table, each flavour's yield is
  /// the table's sum over its cells (neutrinos per proton on target).
  explicit DecayAtRestSource(const SourceConfig& config);

  /// The flavours the source gives, in the order of Flavor: ν_μ, ν_e, ν̄_μ, and ν̄_e when a
  /// table holds it. Every consumer (predict, simulate, the fit) loops over these.
  [[nodiscard]] const std::vector<Flavor>& flavors() const { return flavors_; }
  /// Neutrinos per flavour per cm² per ns at the detector while the beam is on; for a table,
  /// the mean over ν_μ, ν_e, ν̄_μ (for reports: each flavour's is flux(flavor)).
  [[nodiscard]] double flux() const { return flux_; }
  /// Neutrinos of `flavor` per cm² per ns at the detector while the beam is on (0 for ν̄_e
  /// from the analytic source).
  [[nodiscard]] double flux(Flavor flavor) const { return flux_by_flavor_[static_cast<std::size_t>(flavor)]; }
  /// Protons on target per ns at the configured power.
  [[nodiscard]] double proton_rate() const { return proton_rate_; }

  /// Beam-on time of an exposure, in ns.
  [[nodiscard]] double beam_on_time(const ExposureConfig& exposure) const;
  /// Protons on target delivered over an exposure.
  [[nodiscard]] double protons_on_target(const ExposureConfig& exposure) const {
    return proton_rate_ * beam_on_time(exposure);
  }
  /// Neutrinos per flavour per cm² over an exposure (flux() × beam-on time).
  [[nodiscard]] double fluence(const ExposureConfig& exposure) const { return flux_ * beam_on_time(exposure); }
  /// Neutrinos of `flavor` per cm² over an exposure.
  [[nodiscard]] double fluence(const ExposureConfig& exposure, Flavor flavor) const {
    return flux(flavor) * beam_on_time(exposure);
  }

  /// The energy spectrum of `flavor`, normalised to one neutrino (for a table: its energy
  /// marginal, a histogram).
  [[nodiscard]] const NeutrinoSpectrum& spectrum(Flavor flavor) const {
    return spectra_[static_cast<std::size_t>(flavor)];
  }
  /// The flavour a neutrino of `parent` flavour can oscillate into among the active ones:
  /// ν_μ ↔ ν_e, ν̄_μ ↔ ν̄_e.
  static Flavor appeared_flavor(Flavor parent) {
    switch (parent) {
      case Flavor::nu_e: return Flavor::nu_mu;
      case Flavor::nu_mu: return Flavor::nu_e;
      case Flavor::nubar_mu: return Flavor::nubar_e;
      case Flavor::nubar_e: return Flavor::nubar_mu;
    }
    return Flavor::nu_e;
  }
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
  std::array<double, 4> flux_by_flavor_{};
  double flux_;
  std::vector<NeutrinoSpectrum> spectra_;  // indexed by Flavor
  ArrivalTimeModel arrival_time_;
  std::vector<Flavor> flavors_;
};

}  // namespace cevns
