#pragma once
/// \file
/// The whole configuration of a study: one plain struct per component, as read from an
/// experiment's TOML file (configs/*.toml; every key is documented in
/// configs/annotated.toml and docs/configuration.md).

#include <string>
#include <vector>

#include "cevns/physics/physics_config.hpp"
#include "cevns/source/source_config.hpp"

namespace cevns {

struct DetectorConfig {
  std::string material = "CsI";  ///< chemical formula of natural elements
  double mass_kg = 12.0;         ///< total target mass (CLOVERS: 4 × 3 kg)
  int crystals = 4;              ///< number of crystals sharing the mass equally

  void validate() const;
};

/// Binning of the predicted spectra and the recoil thresholds to count above.
struct SpectraConfig {
  double recoil_max_keVnr = 50.0;  ///< above the ≈46 keVnr end point of CsI
  double recoil_bin_keVnr = 0.5;
  double time_min_us = -1.0;  ///< arrival time relative to the centre of the first bunch
  double time_max_us = 10.0;  ///< the 10 µs signal region of CLOVERS (§2.4)
  double time_bin_us = 0.1;
  std::vector<double> thresholds_keVnr{};

  void validate() const;
};

struct ExperimentConfig {
  std::string name = "experiment";
  std::string description;
  SourceConfig source;
  DetectorConfig detector;
  ExposureConfig exposure{.calendar_days = 180.0, .beam_on_fraction = 1.0, .beam_hours = {}, .beam_energy_GWh = {}};
  PhysicsConfig physics;
  SpectraConfig spectra;

  void validate() const;
};

}  // namespace cevns
