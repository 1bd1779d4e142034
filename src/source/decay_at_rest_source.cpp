#include "cevns/source/decay_at_rest_source.hpp"

#include <numbers>

#include "cevns/core/constants.hpp"
#include "cevns/core/log.hpp"

namespace cevns {

using namespace units;

DecayAtRestSource::DecayAtRestSource(const SourceConfig& config)
    : config_((config.validate(), config)),
      proton_rate_(config.beam.power_kW * kW / (config.beam.proton_energy_GeV * GeV)),
      flux_(config.flux_per_cm2_s_per_flavor
                ? *config.flux_per_cm2_s_per_flavor / cm2 / s
                : config.beam.nu_per_proton_per_flavor * proton_rate_ /
                      (4.0 * std::numbers::pi * config.distance_m * m * config.distance_m * m)),
      spectra_{NeutrinoSpectrum::decay_at_rest(Flavor::nu_mu), NeutrinoSpectrum::decay_at_rest(Flavor::nu_e),
               NeutrinoSpectrum::decay_at_rest(Flavor::nubar_mu)},
      arrival_time_(config.pulse, config.distance_m * m / constants::speed_of_light) {
  logger("source")->debug("{}: {:.4g} protons/s, flux {:.4g} /cm²/s per flavour at {} m", config.facility,
                          proton_rate_ * s, flux_ * cm2 * s, config.distance_m);
}

double DecayAtRestSource::beam_on_time(const ExposureConfig& exposure) const {
  exposure.validate();
  if (exposure.calendar_days) return *exposure.calendar_days * day * exposure.beam_on_fraction;
  if (exposure.beam_hours) return *exposure.beam_hours * hour;
  if (exposure.protons_on_target) return *exposure.protons_on_target / proton_rate_;
  return *exposure.beam_energy_GWh * GWh / (config_.beam.power_kW * kW);
}

}  // namespace cevns
