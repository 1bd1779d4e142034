#pragma once
/// \file
/// The whole configuration of a study: one plain struct per component, as read from an
/// experiment's TOML file (configs/*.toml; every key is documented in
/// configs/annotated.toml and docs/configuration.md).

#include <string>
#include <vector>

#include "cevns/background/background.hpp"
#include "cevns/detector/detector_config.hpp"
#include "cevns/physics/physics_config.hpp"
#include "cevns/source/source_config.hpp"

namespace cevns {

/// Binning of the predicted spectra and the recoil thresholds to count above.
struct SpectraConfig {
  double recoil_max_keVnr = 50.0;  ///< above the ≈46 keVnr end point of CsI
  double recoil_bin_keVnr = 0.5;
  double time_min_us = -1.0;  ///< arrival time relative to the centre of the first bunch
  double time_max_us = 10.0;  ///< the 10 µs signal region of CLOVERS (§2.4)
  double time_bin_us = 0.1;
  std::vector<double> thresholds_keVnr{};
  /// Photoelectron spectra hold bins 0 … npe_max, the last one collecting everything above.
  int npe_max = 200;
  /// Bin edges in reconstructed photoelectrons for predict's NPE and NPE × time spectra on
  /// a continuous axis (Prediction::on_npe_edges): bins [e_i, e_{i+1}), half-open, the last
  /// one also collecting everything above (as npe_max's bin); nothing below e_0. Empty: none.
  /// Within [−0.5, npe_max + 0.5], strictly increasing, 2 … 1000 edges.
  std::vector<double> npe_edges{};

  void validate() const;
};

/// What a systematic uncertainty moves (docs/configuration.md, `[[systematics]]`).
enum class SystematicParameter {
  quenching,        ///< detector.quenching.shift_sigma, in the model's own σ
  light_yield,      ///< every crystal's light yield, relative
  acceptance_a,     ///< selection.acceptance.a, absolute
  acceptance_k,     ///< selection.acceptance.k, absolute
  acceptance_x0,    ///< selection.acceptance.x0, absolute (PE)
  beam_timing,      ///< every bunch time, ns (the beam-timing offset)
  neutrino_yield,   ///< neutrinos per proton (or the given flux), relative
};
inline constexpr NamedValues<SystematicParameter, 7> systematic_parameter_names{{{
    {"quenching", SystematicParameter::quenching},
    {"light-yield", SystematicParameter::light_yield},
    {"acceptance-a", SystematicParameter::acceptance_a},
    {"acceptance-k", SystematicParameter::acceptance_k},
    {"acceptance-x0", SystematicParameter::acceptance_x0},
    {"beam-timing", SystematicParameter::beam_timing},
    {"neutrino-yield", SystematicParameter::neutrino_yield},
}}};

/// One named nuisance: the parameter it moves and by how much at +1σ and −1σ (both given
/// as magnitudes, so asymmetric errors such as the COHERENT release's are expressible).
struct SystematicConfig {
  std::string name;
  SystematicParameter parameter = SystematicParameter::quenching;
  double plus_sigma = 1.0;   ///< the shift at +1σ
  double minus_sigma = 1.0;  ///< the size of the shift at −1σ (applied downwards)
  std::string origin;        ///< where the sizes come from

  /// Throws InvalidValue naming `key` (e.g. "systematics[0]").
  void validate(const std::string& key) const;
};

struct ExperimentConfig {
  std::string name = "experiment";
  std::string description;
  SourceConfig source;
  DetectorConfig detector;
  ExposureConfig exposure{
      .calendar_days = 180.0, .beam_on_fraction = 1.0, .beam_hours = {}, .beam_energy_GWh = {}, .protons_on_target = {}};
  PhysicsConfig physics;
  SelectionConfig selection;
  std::vector<BackgroundTemplateConfig> backgrounds;
  /// The PMTs' dark pulses for model = "pmt-dark-counts": not keys of their own but a copy
  /// of daq.pmt and daq.digitizer, made by the configuration reader (and by daq::Simulation).
  DarkCountInputs dark_counts;
  SpectraConfig spectra;
  /// Systematic uncertainties, for `predict_variations` (include/cevns/experiment/variations.hpp).
  std::vector<SystematicConfig> systematics;

  /// Mass × days of data taking: calendar days when the exposure is given so, else days
  /// of beam (the exposure that steady backgrounds scale with).
  [[nodiscard]] double exposure_kg_days() const;

  void validate() const;
};

}  // namespace cevns
