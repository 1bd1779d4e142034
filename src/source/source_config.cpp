#include "cevns/source/source_config.hpp"

#include <algorithm>
#include <cmath>

#include "cevns/core/error.hpp"

namespace cevns {
void BeamConfig::validate() const {
  require_positive("source.beam_power_kW", power_kW);
  require_positive("source.proton_energy_GeV", proton_energy_GeV);
  require_positive("source.repetition_rate_Hz", repetition_rate_Hz);
  require_positive("source.nu_per_proton_per_flavor", nu_per_proton_per_flavor);
  if (nu_per_proton_per_flavor > 10.0)
    throw InvalidValue("source.nu_per_proton_per_flavor", format_value(nu_per_proton_per_flavor),
                       "must be at most a few neutrinos per proton; 0.08–0.17 are typical");
}

void PulseConfig::validate() const {
  if (bunch_times_ns.empty()) throw InvalidValue("source.pulse.bunch_times_ns", "[]", "needs at least one bunch");
  for (double t : bunch_times_ns)
    if (!std::isfinite(t)) throw InvalidValue("source.pulse.bunch_times_ns", format_value(t), "must be finite");
  if (!bunch_weights.empty()) {
    if (bunch_weights.size() != bunch_times_ns.size())
      throw InvalidValue("source.pulse.bunch_weights", std::to_string(bunch_weights.size()) + " values",
                         "needs one weight per bunch time (" + std::to_string(bunch_times_ns.size()) + ")");
    for (double w : bunch_weights) require_positive("source.pulse.bunch_weights", w);
  }
  if (!(bunch_fwhm_ns >= 0.0) || !std::isfinite(bunch_fwhm_ns))
    throw InvalidValue("source.pulse.bunch_fwhm_ns", format_value(bunch_fwhm_ns), "must be zero or positive");
}

void SourceConfig::validate() const {
  beam.validate();
  pulse.validate();
  require_positive("source.distance_m", distance_m);
  if (flux_per_cm2_s_per_flavor) require_positive("source.flux_per_cm2_s_per_flavor", *flux_per_cm2_s_per_flavor);
}

void ExposureConfig::validate() const {
  const int forms = int(calendar_days.has_value()) + int(beam_hours.has_value()) + int(beam_energy_GWh.has_value());
  if (forms != 1)
    throw InvalidValue("exposure", std::to_string(forms) + " forms given",
                       "set exactly one of calendar_days, beam_hours, beam_energy_GWh");
  if (calendar_days) require_positive("exposure.calendar_days", *calendar_days);
  if (beam_hours) require_positive("exposure.beam_hours", *beam_hours);
  if (beam_energy_GWh) require_positive("exposure.beam_energy_GWh", *beam_energy_GWh);
  if (!(beam_on_fraction > 0.0 && beam_on_fraction <= 1.0))
    throw InvalidValue("exposure.beam_on_fraction", format_value(beam_on_fraction), "must be in (0, 1]");
}

}  // namespace cevns
