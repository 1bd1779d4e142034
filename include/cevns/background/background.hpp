#pragma once
/// \file
/// Backgrounds as expected spectra in NPE × arrival time after the selection.
///
/// `BackgroundModel` is the interface every background implements, each computed from what
/// drives it (docs/backgrounds.md): `PmtDarkCountBackground` from the PMTs' dark pulses
/// (per trigger), `BeamBackground` per proton on target (beam-related and
/// neutrino-induced neutrons), `RadioactivityBackground` per kg × live time. None is
/// normalised to the region of interest: its count there is an output.

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/core/named_values.hpp"
#include "cevns/detector/detector_config.hpp"
#include "cevns/core/spectrum.hpp"
#include "cevns/source/arrival_time.hpp"

namespace cevns {

/// The dark-pulse and window parameters of the PMT dark-count model: the Monte Carlo's own
/// daq.pmt and daq.digitizer values, copied by the configuration reader
/// (`daq::dark_count_inputs`); the defaults are those of daq::DaqConfig.
struct DarkCountInputs {
  double dark_rate_Hz = 111.0;               ///< per PMT (daq.pmt.dark_rate_Hz)
  /// Per PMT of each crystal (daq.pmt.dark_rate_Hz with differing values, one per
  /// crystal); empty: every PMT at dark_rate_Hz. Counted by ExperimentConfig::validate.
  std::vector<double> dark_rate_by_crystal_Hz;
  double multi_pe_fraction = 0.05;           ///< daq.pmt.dark_multi_pe_fraction
  double multi_pe_mean = 1.5;                ///< daq.pmt.dark_multi_pe_mean (extra PE, ≥ 1)
  double afterpulse_probability = 0.01;      ///< per photoelectron (daq.pmt)
  double afterpulse_delay_ns = 1500.0;
  double afterpulse_delay_spread_ns = 500.0;
  double spe_resolution = 0.35;              ///< relative single-PE charge width (daq.pmt)
  double window_ns = 51000.0;                ///< recorded waveform (daq.digitizer.window_us)
  double pretrace_ns = 40000.0;              ///< daq.digitizer.pretrace_us
  double beam_delay_ns = 1000.0;             ///< daq.digitizer.beam_delay_ns
};

/// What a background model needs to know about the study.
struct BackgroundContext {
  double exposure_kg_days = 0.0;         ///< target mass × data-taking days
  const ArrivalTimeModel* arrival_time = nullptr;  ///< the neutrinos' timing (beam-related shapes)
  int roi_npe_min = 0;
  int roi_npe_max = 0;
  double triggers = 0.0;                 ///< DAQ triggers of the exposure (repetition rate × beam time)
  const DetectorConfig* detector = nullptr;
  const SelectionConfig* selection = nullptr;
  const DarkCountInputs* dark_counts = nullptr;
  double protons_on_target = 0.0;        ///< of the exposure (DecayAtRestSource::protons_on_target)
  double proton_energy_GeV = 0.0;        ///< to turn a rate per GW·h of beam into one per proton
  /// The crystal's quenching of nuclear recoils (recoil-energy spectra; the first isotope of
  /// the material — Cs and I share CsI's models), keVnr → keVee.
  std::function<double(double)> keVee_of_keVnr;
  double window_us = 0.0;                ///< the spectra's time window, the live time per trigger of steady backgrounds
};

class BackgroundModel;

/// What a background deposits in the crystals before any selection: the spectrum the
/// waveform Monte Carlo draws (`BackgroundModel::deposits`) and the selection turns into
/// `BackgroundModel::expected`.
struct BackgroundDeposits {
  /// Expected single-crystal deposits of n true photoelectrons over the exposure (bin n;
  /// the last bin everything above): per proton × the exposure's protons for beam-related
  /// backgrounds, the spectra time window × triggers for steady ones.
  Spectrum true_npe;
  bool beam_related = true;  ///< arrives with the beam (per POT), else steady in time
  /// Share of the deposits that light a second crystal too (and fail criterion 4).
  double multi_crystal_fraction = 0.0;
  /// Beam-related: the arrival-time CDF on `time_grid_us` (µs, the spectra's axis: the
  /// first bunch at 0), uniform between grid points; steady: empty (uniform over the window).
  std::vector<double> time_grid_us;
  std::vector<double> time_cdf;
};

class BackgroundModel {
 public:
  virtual ~BackgroundModel() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  /// What the background is proportional to, for reports: "per POT × kg", "per trigger".
  [[nodiscard]] virtual std::string drivers() const = 0;
  /// Expected counts after the selection over NPE (bin n = n photoelectrons) × arrival
  /// time (µs), for the context's exposure.
  [[nodiscard]] virtual Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                            const BackgroundContext& context) const = 0;
  /// The deposits before the selection that `expected` selects from, for the Monte Carlo
  /// to draw; nullopt for what the Monte Carlo makes itself (PMT dark counts from daq.pmt).
  [[nodiscard]] virtual std::optional<BackgroundDeposits> deposits(const Binning& npe,
                                                                   const BackgroundContext& context) const = 0;
};

enum class BackgroundKind {
  pmt_dark_counts,  ///< computed from daq.pmt and the selection, per trigger
  beam,             ///< beam-related (BRN, NIN): per proton on target × kg
  radioactivity,    ///< steady electron recoils: per kg × keVee × live time
  materials,        ///< steady: the materials' activities through the geometry (cevns::materials)
};
/// How a beam-related background is normalised.
enum class BeamNormalisation {
  per_pot_per_kg,  ///< events_per_pot_per_kg × POT × mass, the spectrum file a shape
  file_per_GWh,    ///< the spectrum file's counts are events per GW·h of beam (COHERENT's release)
};
/// What the first column of a spectrum file holds.
enum class SpectrumVariable {
  npe,           ///< true photoelectrons (deposits before the selection)
  recoil_keVnr,  ///< nuclear-recoil energy: quenching, light yield, Poisson photostatistics
  energy_keVee,  ///< electron-equivalent energy: light yield, photostatistics
};
/// The layout of a spectrum or arrival-time file.
enum class TableFormat {
  csv,       ///< rows "x, y" (comma or blanks), '#' comments; x the bin centre
  coherent,  ///< COHERENT's release: as csv, but a PE row centred at c holds the (c + ½)-PE bin
};
/// When a beam-related background arrives.
enum class TimeProfile {
  beam_pulse,  ///< the prompt-ν_μ profile (the proton pulse) delayed by time_delay_ns, smeared by time_spread_ns
  neutrino,    ///< the neutrinos' own timing, flavours weighted by neutrino_flavor_weights (NIN)
  file,        ///< a tabulated PDF (time_file)
};

inline constexpr NamedValues<BackgroundKind, 4> background_kind_names{
    {{{"pmt-dark-counts", BackgroundKind::pmt_dark_counts},
      {"beam", BackgroundKind::beam},
      {"radioactivity", BackgroundKind::radioactivity},
      {"materials", BackgroundKind::materials}}}};
inline constexpr NamedValues<BeamNormalisation, 2> beam_normalisation_names{
    {{{"per-pot-per-kg", BeamNormalisation::per_pot_per_kg}, {"file-per-GWh", BeamNormalisation::file_per_GWh}}}};
inline constexpr NamedValues<SpectrumVariable, 3> spectrum_variable_names{
    {{{"npe", SpectrumVariable::npe},
      {"recoil-keVnr", SpectrumVariable::recoil_keVnr},
      {"energy-keVee", SpectrumVariable::energy_keVee}}}};
inline constexpr NamedValues<TableFormat, 2> table_format_names{
    {{{"csv", TableFormat::csv}, {"coherent", TableFormat::coherent}}}};
/// Materials: how a chain's members make events (docs/backgrounds.md, "Materials").
enum class ChainEvents {
  per_nuclide,  ///< every member its own event (the physics of a 10 µs window: Ba-137m lives 2.55 min)
  whole_chain,  ///< a chain's members in one event, deposits summed (Geant4's radioactive decay, no time cut)
};
inline constexpr NamedValues<ChainEvents, 2> chain_events_names{
    {{{"per-nuclide", ChainEvents::per_nuclide}, {"whole-chain", ChainEvents::whole_chain}}}};
inline constexpr NamedValues<TimeProfile, 3> time_profile_names{
    {{{"beam-pulse", TimeProfile::beam_pulse}, {"neutrino", TimeProfile::neutrino}, {"file", TimeProfile::file}}}};
constexpr std::string_view to_string(BackgroundKind kind) { return background_kind_names.name(kind); }

/// A two-column table read from a file: x (bin centres) and y.
struct Table {
  std::vector<double> x;
  std::vector<double> y;
};

/// One [[backgrounds]] entry (every key: configs/annotated.toml, docs/backgrounds.md).
struct BackgroundConfig {
  std::string name;
  BackgroundKind model = BackgroundKind::beam;
  std::string origin;  ///< where the numbers come from (for reports)
  /// Whether the waveform Monte Carlo draws this background as deposits (never for
  /// pmt-dark-counts, which it makes from daq.pmt).
  bool simulate = true;

  // beam
  BeamNormalisation normalisation = BeamNormalisation::per_pot_per_kg;
  double events_per_pot_per_kg = 0.0;  ///< deposits before the selection, the whole spectrum
  double file_scale = 1.0;             ///< multiplies a file-per-GWh spectrum (COHERENT: 1 ± 0.25)
  /// Share of the events that light one crystal only (criterion 4 keeps them); 1 − it is
  /// rejected by criterion 4 when it applies (selection.single_crystal, > 1 crystal).
  double single_crystal_fraction = 1.0;
  TimeProfile time_profile = TimeProfile::beam_pulse;
  double time_delay_ns = 0.0;
  double time_spread_ns = 0.0;  ///< Gaussian σ added to the pulse
  std::vector<double> neutrino_flavor_weights{1.0, 1.0, 1.0};  ///< ν_μ, ν_e, ν̄_μ (all_flavors order)
  std::string time_file;
  TableFormat time_format = TableFormat::csv;

  // spectrum (beam: required; radioactivity: optional, else flat)
  std::string spectrum_file;
  TableFormat spectrum_format = TableFormat::csv;
  SpectrumVariable spectrum_variable = SpectrumVariable::npe;

  // radioactivity
  double rate_per_kg_keVee_day = 0.0;  ///< flat, or the scale of a spectrum file's y (events/kg/keVee/day)
  double energy_min_keVee = 0.0;       ///< the flat spectrum's range
  double energy_max_keVee = 10.0;

  // materials (docs/backgrounds.md, "Materials")
  std::string geometry_file;    ///< geometry and activities (data/materials/clovers.txt)
  std::string decay_file = "data/materials/decays.txt";
  double decays_per_source = 2e5;  ///< simulated decays of each (volume, isotope) of the geometry file
  int mc_seed = 1;                 ///< the Monte Carlo's seed (PCG streams per source and chunk)
  int mc_threads = 2;              ///< threads of the Monte Carlo (the result does not depend on them)
  ChainEvents chain_events = ChainEvents::per_nuclide;  ///< part of the cache key

  /// The files' contents, read by io::load_background_files (paths resolved, kept for the written config).
  Table spectrum;
  Table time;

  /// Reads geometry_file and decay_file (paths resolved) once, so that a bad file is an
  /// error at load time: throws ConfigError naming `key` ("backgrounds[0]") and the file.
  /// The files of a configuration are read by io::load_background_files (io/table_reader.hpp).
  void check_material_files(const std::string& key) const;
  /// `key` is the configuration path, e.g. "backgrounds[0]".
  void validate(const std::string& key) const;
};
/// The former name of BackgroundConfig.
using BackgroundTemplateConfig = BackgroundConfig;

/// A background name as a --set key: lower case, every run of other characters than
/// letters and digits one '-' ("beam-related neutrons" → "beam-related-neutrons").
std::string background_slug(std::string_view name);

/// Beam-related neutrons (BRN) or neutrino-induced neutrons (NIN): a spectrum shape (NPE
/// or recoil energy) × a rate per proton on target per kg (or per GW·h), a single-crystal
/// fraction for criterion 4 and an arrival-time profile.
class BeamBackground final : public BackgroundModel {
 public:
  explicit BeamBackground(BackgroundConfig config);
  [[nodiscard]] const std::string& name() const override { return config_.name; }
  [[nodiscard]] std::string drivers() const override;
  [[nodiscard]] Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                    const BackgroundContext& context) const override;
  [[nodiscard]] std::optional<BackgroundDeposits> deposits(const Binning& npe,
                                                           const BackgroundContext& context) const override;

 private:
  BackgroundConfig config_;
};

/// Radioactivity: electron recoils at a rate per kg per keVee per day (flat or a spectrum
/// file), light yield and photostatistics, steady in time: mass × triggers × window.
class RadioactivityBackground final : public BackgroundModel {
 public:
  explicit RadioactivityBackground(BackgroundConfig config);
  [[nodiscard]] const std::string& name() const override { return config_.name; }
  [[nodiscard]] std::string drivers() const override { return "per kg × trigger × window"; }
  [[nodiscard]] Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                    const BackgroundContext& context) const override;
  [[nodiscard]] std::optional<BackgroundDeposits> deposits(const Binning& npe,
                                                           const BackgroundContext& context) const override;

 private:
  BackgroundConfig config_;
};

/// Radioactivity of the materials: the geometry file's activities (data/materials/),
/// decays, photon transport and energy deposits per crystal by cevns::materials, computed
/// once per geometry/decay data/statistics and cached on disk (`materials_cache_directory`);
/// light yield and photostatistics, criterion 4 from the deposits in the other crystals,
/// criterion 2 from the crystals' own rate in the pretrace; steady in time.
class MaterialsBackground final : public BackgroundModel {
 public:
  explicit MaterialsBackground(BackgroundConfig config);
  ~MaterialsBackground() override;
  [[nodiscard]] const std::string& name() const override { return config_.name; }
  [[nodiscard]] std::string drivers() const override { return "per trigger × window (materials' activities)"; }
  [[nodiscard]] Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                    const BackgroundContext& context) const override;
  [[nodiscard]] std::optional<BackgroundDeposits> deposits(const Binning& npe,
                                                           const BackgroundContext& context) const override;
  /// One (volume, isotope) of the geometry file: its activity, its deposited-energy
  /// spectrum over the exposure (keV, single-crystal candidates) and its count in the ROI
  /// after the selection.
  struct Contribution {
    std::string volume, isotope;
    double activity_Bq = 0.0;
    double decays_simulated = 0.0;
    double roi_count = 0.0;
    double roi_upper_90 = 0.0;  ///< 90 % CL bound when no simulated decay reached the ROI (else = roi_count)
    std::vector<double> energy_keV;  ///< bin centres (0.01 keV below 20 keV, 1 keV above)
    std::vector<double> counts;      ///< deposits per bin over the exposure (criterion 4 applied)
  };
  [[nodiscard]] std::vector<Contribution> contributions(const Binning& npe, const Binning& time_us,
                                                        const BackgroundContext& context) const;
  /// The cache file of this configuration (whether or not it exists yet).
  [[nodiscard]] std::filesystem::path cache_file() const;

 private:
  struct Spectra;
  const Spectra& spectra() const;
  BackgroundConfig config_;
  mutable std::shared_ptr<const Spectra> spectra_;
  mutable std::mutex mutex_;
};

/// Where the materials model caches its spectra: $CEVNS_CACHE_DIR, else
/// $XDG_CACHE_HOME/cevns, else $HOME/.cache/cevns, then "materials/" (docs/backgrounds.md).
std::filesystem::path materials_cache_directory();

/// The selection applied to deposits: criteria 1–3 and the acceptance
/// (SelectionEfficiency), criterion 4 by the multi-crystal fraction, the time profile;
/// what every deposit-based model's `expected` is.
Spectrum2D select_deposits(const BackgroundDeposits& deposits, const Binning& time_us, const BackgroundContext& context);

/// Per-PMT signal-region photoelectrons of dark pulses and their afterpulses, and the
/// selected crystal's NPE, per trigger (docs/backgrounds.md, "PMT dark counts").
struct DarkCountsPerTrigger {
  std::vector<double> pmt_signal_pe;    ///< P(k PE in one PMT's signal region)
  std::vector<double> pmt_pretrace_pe;  ///< P(k PE in one PMT's pretrace)
  double pretrace_quiet = 1.0;          ///< P(one PMT's pretrace charge < max_pretrace_npe)
  double crystal_coincidence = 0.0;     ///< P(a crystal passes criterion 3)
  /// Expected selected crystals per trigger per observed NPE (criteria 1–4, all crystals).
  std::vector<double> selected_npe;
  /// With crystals of different dark rates or acceptances: selected_npe of each crystal
  /// (summing to it) and P(0 PE in one of its PMTs' signal region); the per-PMT fields
  /// above are then crystal 0's. Empty when every crystal is alike.
  std::vector<std::vector<double>> selected_npe_by_crystal;
  std::vector<double> signal_quiet_by_crystal;
};

/// Computes `DarkCountsPerTrigger` for NPE bins 0 … npe_max (the last one: everything above).
DarkCountsPerTrigger dark_counts_per_trigger(const DarkCountInputs& pmt, const DetectorConfig& detector,
                                             const SelectionConfig& selection, int npe_max);

/// PMT dark counts: dark pulses (single and multi-PE) and afterpulses of every PMT,
/// Poisson-superposed, folded to a crystal's NPE, through criteria 1–4, per trigger ×
/// the exposure's triggers. Arrival time: the first pulse of the crystal.
class PmtDarkCountBackground final : public BackgroundModel {
 public:
  explicit PmtDarkCountBackground(std::string name) : name_(std::move(name)) {}
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string drivers() const override { return "per trigger"; }
  [[nodiscard]] Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                    const BackgroundContext& context) const override;
  [[nodiscard]] std::optional<BackgroundDeposits> deposits(const Binning&, const BackgroundContext&) const override {
    return std::nullopt;  // the Monte Carlo makes dark pulses from daq.pmt
  }

 private:
  std::string name_;
};

/// One model per configured background.
std::vector<std::unique_ptr<BackgroundModel>> make_backgrounds(const std::vector<BackgroundConfig>& configs);

}  // namespace cevns
