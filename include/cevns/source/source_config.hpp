#pragma once
/// \file
/// Plain configuration of a π⁺ decay-at-rest neutrino source and of an exposure.
/// Units are in the member names; `validate()` throws InvalidValue naming the key.

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cevns/core/named_values.hpp"
#include "cevns/source/flavor.hpp"

namespace cevns {

/// The proton beam on target.
struct BeamConfig {
  double power_kW = 140.0;              ///< CSNS today (CLOVERS §2.1)
  double proton_energy_GeV = 1.6;       ///< CSNS (CLOVERS §2.1)
  double repetition_rate_Hz = 25.0;     ///< CSNS (CLOVERS §2.1)
  double nu_per_proton_per_flavor = 0.17;  ///< CSNS, FLUKA (CLOVERS §2.1, ref. [7])

  void validate() const;
};

/// The shape of each proton bunch in time.
enum class PulseShape {
  gaussian,  ///< a Gaussian of FWHM bunch_fwhm_ns
  flat_top,  ///< a box of width bunch_fwhm_ns with Gaussian edges of 10–90 % rise bunch_rise_ns
};
inline constexpr NamedValues<PulseShape, 2> pulse_shape_names{
    {{{"gaussian", PulseShape::gaussian}, {"flat-top", PulseShape::flat_top}}}};

/// Time structure of one proton pulse: bunches of one shape. Time zero is the centre of
/// the first bunch as it hits the target.
struct PulseConfig {
  /// Bunch centres in ns. CSNS extracts two bunches ≈410 ns apart (DESIGN.md §2).
  std::vector<double> bunch_times_ns{0.0, 410.0};
  /// Fraction of the protons in each bunch; empty means equal shares.
  std::vector<double> bunch_weights{};
  PulseShape shape = PulseShape::gaussian;
  /// Full width at half maximum of each bunch in ns (for flat-top: the box width, which is
  /// the FWHM while the edges are shorter than it). The CSNS value is an assumption
  /// (docs/physics.md); the SNS single pulse is ≈380 ns wide (DESIGN.md §2).
  double bunch_fwhm_ns = 80.0;
  /// Flat-top only: 10–90 % rise (and fall) time of each edge, ns; 0 is a sharp box.
  double bunch_rise_ns = 50.0;

  void validate() const;
};

/// A sterile neutrino of the 3+1 model at short baseline (only Δm²_41 oscillates; U_τ4 = 0):
///   P(α→β) = δ_αβ − 4|U_α4|² (δ_αβ − |U_β4|²) ⟨sin²(1.267 Δm² L/E)⟩,
/// L in m, E in MeV, Δm² in eV², averaged over a uniform source and detector extent along
/// the line of sight (docs/physics.md). Its keys are [physics.sterile] (a physics parameter),
/// while it lives here, with the flux at the detector. sin²2θ_ee = 4|U_e4|²(1 − |U_e4|²), sin²2θ_μe = 4|U_e4|²|U_μ4|².
struct SterileConfig {
  double dm2_eV2 = 1.0;            ///< Δm²_41
  double ue4_squared = 0.0;        ///< |U_e4|² (0 with |U_μ4|² = 0: no oscillation)
  double umu4_squared = 0.0;       ///< |U_μ4|²
  double source_length_m = 0.0;    ///< extent of the neutrino production along the line of sight
  double detector_length_m = 0.0;  ///< extent of the detector along the line of sight

  [[nodiscard]] bool active() const { return ue4_squared > 0.0 || umu4_squared > 0.0; }
  /// ⟨sin²(1.267 Δm² L/E)⟩ over the extents around `distance_m`, for E in MeV.
  [[nodiscard]] double mean_sin2(double distance_m, double energy_MeV) const;
  void validate(double distance_m) const;
};

/// Where the neutrinos' energies and arrival times come from (source.flux).
enum class FluxModel {
  decay_at_rest,  ///< the analytic π⁺ decay-at-rest spectra and the pulse model (source.pulse)
  table,          ///< a table of neutrinos per proton per energy × time cell (source.flux_file)
};
inline constexpr NamedValues<FluxModel, 2> flux_model_names{
    {{{"decay-at-rest", FluxModel::decay_at_rest}, {"table", FluxModel::table}}}};

/// A tabulated flux (source.flux_file, read by io::read_flux_table): neutrinos emitted per
/// proton on target, per flavour, in each cell of one energy × emission-time grid. Times are
/// at the target (the proton pulse included), relative to the pulse's time zero; the source
/// adds the time of flight. Predict and simulate use each flavour's energy and time marginals
/// (exact when a flavour's table factorises, as decay at rest does; docs/physics.md).
struct FluxTable {
  std::string file;                       ///< for messages
  std::vector<double> energy_edges_MeV;   ///< increasing
  std::vector<double> time_edges_ns;      ///< increasing
  /// Indexed by Flavor; cell [i_energy × time_bins + i_time]; empty for a flavour the file lacks.
  std::array<std::vector<double>, 4> nu_per_pot;

  [[nodiscard]] std::size_t energy_bins() const { return energy_edges_MeV.size() - 1; }
  [[nodiscard]] std::size_t time_bins() const { return time_edges_ns.size() - 1; }
  [[nodiscard]] bool has(Flavor f) const { return !nu_per_pot[static_cast<std::size_t>(f)].empty(); }
  /// Neutrinos of `f` per proton on target, all cells (0 for an absent flavour).
  [[nodiscard]] double total(Flavor f) const;
  /// Per energy bin and per time bin: the sums over the other axis.
  [[nodiscard]] std::vector<double> energy_marginal(Flavor f) const;
  [[nodiscard]] std::vector<double> time_marginal(Flavor f) const;
  /// ½ Σ |φ(E, t) − φ(E) p(t)| / Σ φ: the share of `f`'s neutrinos that the product of the
  /// marginals misplaces (0 when the table factorises).
  [[nodiscard]] double non_factorising_fraction(Flavor f) const;
};

struct SourceConfig {
  std::string facility = "CSNS";  ///< free text, for reports
  BeamConfig beam;
  PulseConfig pulse;
  double distance_m = 10.5;  ///< target to detector (CLOVERS §3.1, Fig. 6)
  /// When set, the flux per flavour at the detector during beam-on, in /cm²/s; replaces
  /// the one computed from beam power, proton energy, yield and distance.
  std::optional<double> flux_per_cm2_s_per_flavor;
  SterileConfig sterile;
  /// The analytic π⁺ DAR model or a table (source.flux, source.flux_file); with a table,
  /// nu_per_proton_per_flavor and the pulse do not enter the neutrino flux.
  FluxModel flux = FluxModel::decay_at_rest;
  std::string flux_file;  ///< resolved by the configuration reader
  std::shared_ptr<const FluxTable> flux_table;  ///< read from flux_file (io::read_flux_table)

  void validate() const;
  /// The table's checks: present for source.flux = "table", the DAR flavours' yields in range.
  void validate_flux_table() const;
};

/// How much beam the detector sees. Exactly one of the four forms is set.
struct ExposureConfig {
  /// Calendar time of data taking, of which `beam_on_fraction` has beam.
  std::optional<double> calendar_days;
  double beam_on_fraction = 1.0;
  /// Hours of beam at the configured power.
  std::optional<double> beam_hours;
  /// Delivered beam energy in GW·h (COHERENT's unit; independent of the power).
  std::optional<double> beam_energy_GWh;
  /// Protons delivered on target, as papers quote them (COHERENT 2017: 1.76·10²³); the
  /// beam-on time is then POT / (power / proton energy).
  std::optional<double> protons_on_target;

  void validate() const;
};

}  // namespace cevns
