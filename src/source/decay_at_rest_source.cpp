#include "cevns/source/decay_at_rest_source.hpp"

#include <numbers>

#include "cevns/core/constants.hpp"
#include "cevns/core/log.hpp"

namespace cevns {

using namespace units;

namespace {

/// The four spectra, indexed by Flavor. The analytic source has no ν̄_e: its slot holds the
/// ν_e Michel shape, never used (ν̄_e is not among flavors(), its flux is 0).
std::vector<NeutrinoSpectrum> spectra_of(const SourceConfig& config) {
  if (config.flux != FluxModel::table)
    return {NeutrinoSpectrum::decay_at_rest(Flavor::nu_mu), NeutrinoSpectrum::decay_at_rest(Flavor::nu_e),
            NeutrinoSpectrum::decay_at_rest(Flavor::nubar_mu), NeutrinoSpectrum::decay_at_rest(Flavor::nu_e)};
  const FluxTable& table = *config.flux_table;
  std::vector<NeutrinoSpectrum> out;
  for (Flavor f : every_flavor) {
    const Flavor shown = table.has(f) ? f : Flavor::nu_e;  // an absent ν̄_e: as above
    out.push_back(NeutrinoSpectrum::histogram(table.energy_edges_MeV, table.energy_marginal(shown)));
  }
  return out;
}

ArrivalTimeModel arrival_time_of(const SourceConfig& config) {
  const double time_of_flight = config.distance_m * m / constants::speed_of_light;
  if (config.flux != FluxModel::table) return ArrivalTimeModel(config.pulse, time_of_flight);
  const FluxTable& table = *config.flux_table;
  std::array<std::vector<double>, 4> content;
  for (Flavor f : every_flavor)
    if (table.has(f)) content[static_cast<std::size_t>(f)] = table.time_marginal(f);
  return ArrivalTimeModel(table.time_edges_ns, content, time_of_flight);
}

}  // namespace

DecayAtRestSource::DecayAtRestSource(const SourceConfig& config)
    : config_((config.validate(), config)),
      proton_rate_(config.beam.power_kW * kW / (config.beam.proton_energy_GeV * GeV)),
      flux_(config.flux_per_cm2_s_per_flavor
                ? *config.flux_per_cm2_s_per_flavor / cm2 / s
                : config.beam.nu_per_proton_per_flavor * proton_rate_ /
                      (4.0 * std::numbers::pi * config.distance_m * m * config.distance_m * m)),
      spectra_(spectra_of(config)),
      arrival_time_(arrival_time_of(config)),
      flavors_(all_flavors.begin(), all_flavors.end()) {
  if (config.flux == FluxModel::table) {
    // Neutrinos per POT in the table × protons per ns / 4πL² (the same geometry as above).
    const double per_nu_per_pot = proton_rate_ / (4.0 * std::numbers::pi * config.distance_m * m * config.distance_m * m);
    const FluxTable& table = *config.flux_table;
    double dar_sum = 0.0;
    for (Flavor f : every_flavor) {
      flux_by_flavor_[static_cast<std::size_t>(f)] = table.total(f) * per_nu_per_pot;
      if (f != Flavor::nubar_e) dar_sum += table.total(f) * per_nu_per_pot;
    }
    flux_ = dar_sum / 3.0;
    if (table.has(Flavor::nubar_e)) flavors_.push_back(Flavor::nubar_e);
    // Energy × time is used as the product of its marginals (docs/physics.md, "Tabulated flux").
    for (Flavor f : flavors_)
      if (const double misplaced = table.non_factorising_fraction(f); misplaced > 0.01)
        logger("source")->warn("{}: {:.1f} % of the {} neutrinos are misplaced by using the energy and time marginals "
                               "(their energy spectrum changes with time; docs/physics.md, \"Tabulated flux\")",
                               table.file, 100.0 * misplaced, flavor_name(f));
    logger("source")->debug("{}: table {}, {:.4g} protons/s, flux {:.4g} {:.4g} {:.4g} {:.4g} /cm²/s (ν_μ ν_e ν̄_μ ν̄_e) at {} m",
                            config.facility, table.file, proton_rate_ * s, flux_by_flavor_[0] * cm2 * s,
                            flux_by_flavor_[1] * cm2 * s, flux_by_flavor_[2] * cm2 * s, flux_by_flavor_[3] * cm2 * s,
                            config.distance_m);
    return;
  }
  for (Flavor f : all_flavors) flux_by_flavor_[static_cast<std::size_t>(f)] = flux_;
  logger("source")->debug("{}: {:.4g} protons/s, flux {:.4g} /cm²/s per flavour at {} m", config.facility,
                          proton_rate_ * s, flux_ * cm2 * s, config.distance_m);
}

namespace {

/// P(α→β) = δ_αβ − 4|U_α4|²(δ_αβ − |U_β4|²)⟨sin²Δ⟩ (3+1 with one Δm², U_τ4 = 0; e.g. Giunti &
/// Lasserre, Ann. Rev. Nucl. Part. Sci. 69 (2019) 163); antineutrinos alike (CPT).
double probability(const SterileConfig& st, double distance_m, Flavor parent, bool same, double energy) {
  if (!st.active()) return same ? 1.0 : 0.0;
  const bool electron = is_electron_flavor(parent);
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
