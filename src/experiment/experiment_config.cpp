#include "cevns/experiment/experiment_config.hpp"

#include <cmath>

#include "cevns/core/error.hpp"
#include "cevns/physics/target.hpp"

namespace cevns {
void DetectorConfig::validate() const {
  try {
    (void)Target::from_formula(material);
  } catch (const ConfigError& e) {
    throw InvalidValue("detector.material", "\"" + material + "\"", e.what());
  }
  require_positive("detector.mass_kg", mass_kg);
  if (crystals < 1) throw InvalidValue("detector.crystals", std::to_string(crystals), "must be at least 1");
}

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
  for (double t : thresholds_keVnr)
    if (!(t >= 0.0) || !std::isfinite(t))
      throw InvalidValue("spectra.thresholds_keVnr", format_value(t), "must be zero or positive");
}

void ExperimentConfig::validate() const {
  source.validate();
  detector.validate();
  exposure.validate();
  physics.validate();
  spectra.validate();
}

}  // namespace cevns
