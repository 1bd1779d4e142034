#include "cevns/experiment/experiment_config.hpp"

#include <cmath>

#include "cevns/core/error.hpp"

namespace cevns {
void SpectraConfig::validate() const {
  require_positive("spectra.recoil_max_keVnr", recoil_max_keVnr);
  require_positive("spectra.recoil_bin_keVnr", recoil_bin_keVnr);
  if (recoil_max_keVnr / recoil_bin_keVnr > 1e5)
    throw InvalidValue("spectra.recoil_bin_keVnr", format_value(recoil_bin_keVnr), "gives more than 100000 bins");
  require_positive("spectra.time_bin_us", time_bin_us);
  if (!std::isfinite(time_min_us) || !(time_max_us > time_min_us))
    throw InvalidValue("spectra.time_max_us", format_value(time_max_us),
                       "must be larger than spectra.time_min_us = " + format_value(time_min_us));
  if ((time_max_us - time_min_us) / time_bin_us > 1e5)
    throw InvalidValue("spectra.time_bin_us", format_value(time_bin_us), "gives more than 100000 bins");
  if (npe_max < 1 || npe_max > 5000)
    throw InvalidValue("spectra.npe_max", std::to_string(npe_max), "must be in [1, 5000]");
  for (double t : thresholds_keVnr)
    if (!(t >= 0.0) || !std::isfinite(t))
      throw InvalidValue("spectra.thresholds_keVnr", format_value(t), "must be zero or positive");
}

void ExperimentConfig::validate() const {
  source.validate();
  detector.validate();
  exposure.validate();
  physics.validate();
  selection.validate();
  for (std::size_t i = 0; i < backgrounds.size(); ++i) backgrounds[i].validate("backgrounds[" + std::to_string(i) + "]");
  spectra.validate();
  if (selection.roi_npe_max > spectra.npe_max)
    throw InvalidValue("selection.roi_npe_max", std::to_string(selection.roi_npe_max),
                       "must not exceed spectra.npe_max = " + std::to_string(spectra.npe_max));
}

double ExperimentConfig::exposure_kg_days() const {
  double days = 0.0;
  if (exposure.calendar_days) {
    days = *exposure.calendar_days;
  } else if (exposure.beam_hours) {
    days = *exposure.beam_hours / 24.0;
  } else if (exposure.beam_energy_GWh) {
    days = *exposure.beam_energy_GWh * 1e6 / source.beam.power_kW / 24.0;  // GW·h / kW = 1e6 h
  }
  return detector.mass_kg * days;
}

}  // namespace cevns
