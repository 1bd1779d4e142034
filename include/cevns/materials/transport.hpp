#pragma once
/// \file
/// Photon transport through a `Geometry` and the materials Monte Carlo: decays of every
/// configured (volume, isotope) source, their photons followed through photoabsorption
/// (with K fluorescence), Compton scattering (Klein–Nishina × the incoherent scattering
/// function), Rayleigh scattering (Thomson × the atomic form factor squared) and pair
/// production, electrons deposited where they are made; energy deposited per crystal
/// (docs/backgrounds.md, "Materials").

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cevns/core/random.hpp"
#include "cevns/materials/decay_data.hpp"
#include "cevns/materials/geometry.hpp"

namespace cevns::materials {

/// One photon to follow (cm, unit direction, keV, statistical weight).
struct Photon {
  std::array<double, 3> position{};
  std::array<double, 3> direction{0.0, 0.0, 1.0};
  double energy_keV = 0.0;
  double weight = 1.0;
};

/// What happened to a photon, for the validation tests.
struct PhotonHistory {
  int interactions = 0;  ///< every interaction, any kind
  bool escaped = false;  ///< left the outermost volume
};

class PhotonTransport {
 public:
  /// `splitting`: importance splitting and Russian roulette at the layers' boundaries
  /// (Geometry::splitting_layer_cm > 0; the environmental γ only), else analog.
  explicit PhotonTransport(const Geometry& geometry, bool splitting = false) : g_(geometry), splitting_(splitting) {}
  /// Follows the photon and its secondaries (fluorescence, annihilation photons) to the
  /// end: adds weight × deposited keV to deposits[crystal]. Photons below 1 keV deposit
  /// where they are. With splitting, photons split entering volumes of higher importance
  /// and play Russian roulette leaving them (their weight carries it).
  PhotonHistory transport(const Photon& photon, Rng& rng, std::vector<double>& deposits) const {
    return transport(photon, rng, deposits, -1, nullptr);
  }
  /// As above, but a photon entering volume `stop_volume` (from outside it) is appended to
  /// `crossings` and not followed further (the first stage of the surface-source
  /// repetition, MaterialsSettings::repeat).
  PhotonHistory transport(const Photon& photon, Rng& rng, std::vector<double>& deposits, int stop_volume,
                          std::vector<Photon>* crossings) const;
  /// The Compton scattering angle's cosine for element Z at E (Klein–Nishina × S(x, Z)/Z).
  [[nodiscard]] static double sample_compton_cos(int Z, double E_keV, Rng& rng);
  [[nodiscard]] static double sample_rayleigh_cos(int Z, double E_keV, Rng& rng);

  /// The innermost shell: the medium around the sub-detectors (−1 without crystals).
  [[nodiscard]] static int innermost_shell(const Geometry& geometry);

 private:
  const Geometry& g_;
  bool splitting_ = false;
};

/// Environmental γ of one wall activity: the lines of `isotope` (γ and X-rays, with the
/// cascades of its branches) and their flux in an enclosed hall of thick concrete walls,
/// Φ_i = A b I_i / (μ/ρ)_concrete(E_i) (uncollided, isotropic: the cavity in an infinite
/// source, twice the flux at the surface of a half-space; μ/ρ of xraylib's NIST "Concrete,
/// Ordinary"), entering the geometry's outer box with the current Φ/4 per cm².
struct EnvironmentSource {
  std::vector<double> energy_keV, flux_cm2_s;  ///< per line
  std::vector<double> cumulative;              ///< of the flux, for the line choice
  double area_cm2 = 0.0;                       ///< of the outer box
  double photons_per_s = 0.0;                  ///< entering: Σ Φ_i area / 4
};
EnvironmentSource environment_source(const Geometry& geometry, const DecayData& decays,
                                     const EnvironmentActivity& activity);
/// A photon of the source entering the outer box: a face by its area, a point uniform on
/// it, the direction by the cosine law about the inward normal.
Photon sample_entering(const Geometry& geometry, const EnvironmentSource& source, Rng& rng);

/// Deposited-energy spectra of one source per decay: each crystal's deposit of each decay
/// as a candidate, and those among them with no other crystal above the veto energy
/// (criterion 4).
struct SourceSpectrum {
  std::string volume;  ///< "environment" for the walls' γ (then activity_Bq: photons entering per s)
  std::string isotope;
  double activity_Bq = 0.0;       ///< of all its volumes together
  double decays = 0.0;            ///< simulated
  std::vector<double> fine;       ///< 0 … 20 keV in 0.01 keV bins, candidates per decay
  std::vector<double> fine_single;
  std::vector<double> coarse;     ///< 0 … 3000 keV in 1 keV bins (the last: everything above)
  std::vector<double> coarse_single;
};
inline constexpr double fine_bin_keV = 0.01, fine_max_keV = 20.0;
inline constexpr double coarse_bin_keV = 1.0, coarse_max_keV = 3000.0;

struct MaterialsSettings {
  std::uint64_t decays_per_source = 200000;  ///< simulated decays of each (volume, isotope)
  std::uint64_t seed = 1;
  int threads = 2;
  double veto_keV = 0.1;   ///< a second crystal above this fails criterion 4 (≈ 3 PE at 33.5 PE/keVee)
  std::uint64_t chunk = 20000;  ///< decays per random stream (the streams: seed, source × 2²⁰ + chunk)
  /// Variance reduction for sources outside the innermost shell (copper, steel, shields): a
  /// photon entering that shell is stored and followed from there `repeat` times, each
  /// an event of weight 1/repeat (a surface source; 1 = analog).
  int repeat = 64;
  /// false: every chain member its own event (the members here live ≫ 10 µs: Ba-137m
  /// 2.55 min); true: a chain's members in one event, their deposits summed — what a Geant4
  /// radioactive-decay simulation without a time cut does (BackgroundConfig::chain_events).
  bool whole_chain = false;
};

/// Simulates every activity of the geometry. Deterministic for a seed, whatever the threads.
std::vector<SourceSpectrum> simulate_materials(const Geometry& geometry, const DecayData& decays,
                                               const MaterialsSettings& settings);

/// A point uniform in the own volume (its box minus its children) of volume v.
std::array<double, 3> sample_point(const Geometry& geometry, int v, Rng& rng);
std::array<double, 3> isotropic(Rng& rng);

}  // namespace cevns::materials
