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

namespace {

/// P(α→β) = δ_αβ − 4|U_α4|²(δ_αβ − |U_β4|²)⟨sin²Δ⟩ (3+1 with one Δm², U_τ4 = 0; e.g. Giunti &
/// Lasserre, Ann. Rev. Nucl. Part. Sci. 69 (2019) 163).
double probability(const SterileConfig& st, double distance_m, Flavor parent, bool same, double energy) {
  if (!st.active()) return same ? 1.0 : 0.0;
  const bool electron = parent == Flavor::nu_e;
  const double u_alpha = electron ? st.ue4_squared : st.umu4_squared;
  const double u_beta = electron ? st.umu4_squared : st.ue4_squared;
  const double s2 = st.mean_sin2(distance_m, energy);
  return same ? 1.0 - 4.0 * u_alpha * (1.0 - u_alpha) * s2 : 4.0 * u_alpha * u_beta * s2;
}

}  // namespace

double DecayAtRestSource::oscillation_probability(Flavor parent, bool same, double energy) const {
  return probability(config_.sterile, config_.distance_m, parent, same, energy);
}

NeutrinoSpectrum DecayAtRestSource::spectrum_at_detector(Flavor parent, bool same) const {
  // The spectrum keeps its own copy of the parameters: it may outlive this source.
  const SterileConfig st = config_.sterile;
  const double distance_m = config_.distance_m;
  return spectrum(parent).times(
      [st, distance_m, parent, same](double e) { return probability(st, distance_m, parent, same, e); });
}

double DecayAtRestSource::beam_on_time(const ExposureConfig& exposure) const {
  exposure.validate();
  if (exposure.calendar_days) return *exposure.calendar_days * day * exposure.beam_on_fraction;
  if (exposure.beam_hours) return *exposure.beam_hours * hour;
  if (exposure.protons_on_target) return *exposure.protons_on_target / proton_rate_;
  return *exposure.beam_energy_GWh * GWh / (config_.beam.power_kW * kW);
}

}  // namespace cevns
