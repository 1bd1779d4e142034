#include "cevns/source/source_config.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cevns/core/error.hpp"

namespace cevns {
void BeamConfig::validate() const {
  // Ranges: what a π⁺ decay-at-rest source can be, with room for studies beyond today's.
  require_range("source.beam_power_kW", power_kW, 1.0, 1e6,
                "spallation sources deliver 0.1–5 MW; up to 1 GW (200 × ESS) for statistics studies");
  require_range("source.proton_energy_GeV", proton_energy_GeV, 0.3, 100.0,
                "above the π production threshold (≈ 0.3 GeV); sources run at 0.8–3 GeV");
  require_range("source.repetition_rate_Hz", repetition_rate_Hz, 1.0, 1000.0,
                "pulsed sources run at 10–60 Hz (ESS 14, CSNS 25, SNS 60)");
  require_range("source.nu_per_proton_per_flavor", nu_per_proton_per_flavor, 1e-3, 1.0,
                "neutrinos of each flavour per proton, one per stopped π⁺; 0.08–0.17 are typical");
}

void PulseConfig::validate() const {
  // A proton pulse lasts at most a few µs (SNS: 380 ns FWHM; CSNS: two bunches 410 ns apart).
  constexpr double longest_pulse_ns = 1e4;
  if (bunch_times_ns.empty()) throw InvalidValue("source.pulse.bunch_times_ns", "[]", "needs at least one bunch");
  if (bunch_times_ns.size() > 100)
    throw InvalidValue("source.pulse.bunch_times_ns", std::to_string(bunch_times_ns.size()) + " values",
                       "must be at most 100 bunches");
  for (double t : bunch_times_ns)
    require_range("source.pulse.bunch_times_ns", t, -longest_pulse_ns, longest_pulse_ns,
                  "bunch centres within ±10 µs of time zero: a proton pulse lasts at most a few µs");
  if (!bunch_weights.empty()) {
    if (bunch_weights.size() != bunch_times_ns.size())
      throw InvalidValue("source.pulse.bunch_weights", std::to_string(bunch_weights.size()) + " values",
                         "needs one weight per bunch time (" + std::to_string(bunch_times_ns.size()) + ")");
    for (double w : bunch_weights)
      require_range("source.pulse.bunch_weights", w, 0.0, 1e6, "relative shares of the protons, normalised", true);
  }
  require_range("source.pulse.bunch_fwhm_ns", bunch_fwhm_ns, 0.0, longest_pulse_ns,
                "a proton pulse lasts at most a few µs (SNS: 380 ns)", shape == PulseShape::flat_top);
  require_range("source.pulse.bunch_rise_ns", bunch_rise_ns, 0.0, longest_pulse_ns,
                "an edge of a pulse lasting at most a few µs");
}

double SterileConfig::mean_sin2(double distance_m, double energy_MeV) const {
  // Δm² c⁴ L/(4ħcE) = 1.26693 Δm²[eV²] L[m]/E[MeV] (ħc = 197.3269804 MeV fm, CODATA 2018).
  const double hbar_c_MeV_m = 197.3269804e-15, eV2_in_MeV2 = 1e-12;
  const double kappa = dm2_eV2 * eV2_in_MeV2 / (4.0 * hbar_c_MeV_m * energy_MeV);  // per m
  // For L = L₀ + x_s + x_d with x uniform over a length ℓ: ⟨cos 2κL⟩ = cos 2κL₀ · sinc κℓ_s · sinc κℓ_d.
  const auto sinc = [](double x) { return std::abs(x) < 1e-4 ? 1.0 - x * x / 6.0 : std::sin(x) / x; };
  return 0.5 - 0.5 * std::cos(2.0 * kappa * distance_m) * sinc(kappa * source_length_m) * sinc(kappa * detector_length_m);
}

void SterileConfig::validate(double distance_m) const {
  // Short-baseline anomalies and their tests: 0.1–10 eV²; the energy tables resolve the
  // oscillation to Δm² L ≈ 10³ eV² m (docs/physics.md).
  require_range("physics.sterile.dm2_eV2", dm2_eV2, 1e-3, 100.0,
                "Δm²_41 in eV²; below 1e-3 nothing oscillates over 100 m, above 100 the oscillation is averaged");
  require_range("physics.sterile.ue4_squared", ue4_squared, 0.0, 0.5, "|U_e4|², a mixing; global fits: < 0.05");
  require_range("physics.sterile.umu4_squared", umu4_squared, 0.0, 0.5, "|U_μ4|², a mixing; global fits: < 0.05");
  require_range("physics.sterile.source_length_m", source_length_m, 0.0, 10.0,
                "the extent of a spallation target's neutrino production is ≲ 1 m");
  require_range("physics.sterile.detector_length_m", detector_length_m, 0.0, 10.0,
                "a detector's extent along the line of sight, ≲ a few m");
  if (0.5 * (source_length_m + detector_length_m) >= distance_m)
    throw InvalidValue("physics.sterile.detector_length_m", format_value(detector_length_m),
                       "half the source and detector lengths must be shorter than source.distance_m");
}

void SourceConfig::validate() const {
  beam.validate();
  pulse.validate();
  require_range("source.distance_m", distance_m, 1.0, 1000.0,
                "the source is a point only beyond ≈ 1 m; detectors sit 10–30 m away, and beyond 1 km the "
                "time of flight (3.3 µs) moves the signal out of the spectra");
  sterile.validate(distance_m);
  // ≈ 100 × the flux 1 m from a 5 MW target (3e16 p/s × 0.3 / 4π(100 cm)²).
  if (flux_per_cm2_s_per_flavor)
    require_range("source.flux_per_cm2_s_per_flavor", *flux_per_cm2_s_per_flavor, 1.0, 1e13,
                  "at most 100 × the flux 1 m from a 5 MW source (CSNS at 10.5 m: 6.7·10⁶)");
  validate_flux_table();
}

double FluxTable::total(Flavor f) const {
  const auto& v = nu_per_pot[static_cast<std::size_t>(f)];
  return std::accumulate(v.begin(), v.end(), 0.0);
}

std::vector<double> FluxTable::energy_marginal(Flavor f) const {
  const auto& v = nu_per_pot[static_cast<std::size_t>(f)];
  std::vector<double> out(energy_bins(), 0.0);
  for (std::size_t i = 0; i < energy_bins(); ++i)
    for (std::size_t j = 0; j < time_bins(); ++j) out[i] += v[i * time_bins() + j];
  return out;
}

std::vector<double> FluxTable::time_marginal(Flavor f) const {
  const auto& v = nu_per_pot[static_cast<std::size_t>(f)];
  std::vector<double> out(time_bins(), 0.0);
  for (std::size_t i = 0; i < energy_bins(); ++i)
    for (std::size_t j = 0; j < time_bins(); ++j) out[j] += v[i * time_bins() + j];
  return out;
}

double FluxTable::non_factorising_fraction(Flavor f) const {
  const double sum = total(f);
  if (!(sum > 0.0)) return 0.0;
  const auto& v = nu_per_pot[static_cast<std::size_t>(f)];
  const auto energy = energy_marginal(f), time = time_marginal(f);
  double misplaced = 0.0;
  for (std::size_t i = 0; i < energy_bins(); ++i)
    for (std::size_t j = 0; j < time_bins(); ++j) misplaced += std::abs(v[i * time_bins() + j] - energy[i] * time[j] / sum);
  return 0.5 * misplaced / sum;
}

void SourceConfig::validate_flux_table() const {
  if (flux != FluxModel::table) return;
  if (!flux_table)
    throw InvalidValue("source.flux_file", "\"" + flux_file + "\"",
                       "is required for source.flux = \"table\" (a table of neutrinos per POT, docs/configuration.md)");
  if (flux_per_cm2_s_per_flavor)
    throw InvalidValue("source.flux_per_cm2_s_per_flavor", format_value(*flux_per_cm2_s_per_flavor),
                       "cannot be combined with source.flux = \"table\": the table gives each flavour's yield per POT");
  const FluxTable& t = *flux_table;
  if (t.energy_edges_MeV.size() < 2 || t.time_edges_ns.size() < 2)
    throw InvalidValue("source.flux_file", t.file, "needs at least one energy and one time bin");
  for (Flavor f : every_flavor) {
    if (!t.has(f)) continue;
    if (t.nu_per_pot[static_cast<std::size_t>(f)].size() != t.energy_bins() * t.time_bins())
      throw InvalidValue("source.flux_file", t.file, "needs one value per energy × time cell for " + std::string(flavor_name(f)));
  }
  // Each π⁺ DAR flavour: the yield per proton that source.nu_per_proton_per_flavor bounds.
  for (Flavor f : all_flavors) {
    if (!t.has(f))
      throw InvalidValue("source.flux_file", t.file, "needs a column for " + std::string(flavor_name(f)));
    require_range("source.flux_file (" + t.file + ", " + std::string(flavor_name(f)) + " per POT)", t.total(f), 1e-3,
                  1.0, "neutrinos of each decay-at-rest flavour per proton, one per stopped π⁺; 0.08–0.17 are typical");
  }
  if (t.has(Flavor::nubar_e))
    require_range("source.flux_file (" + t.file + ", nubar_e per POT)", t.total(Flavor::nubar_e), 0.0, 1.0,
                  "ν̄_e per proton: below 10⁻³ of the DAR flavours at spallation sources (μ⁻ capture, π⁻ decays)", true);
}


void ExposureConfig::validate() const {
  const int forms = int(calendar_days.has_value()) + int(beam_hours.has_value()) + int(beam_energy_GWh.has_value()) +
                    int(protons_on_target.has_value());
  if (forms != 1)
    throw InvalidValue("exposure", std::to_string(forms) + " forms given",
                       "set exactly one of calendar_days, beam_hours, beam_energy_GWh, protons_on_target");
  // At most 30 years of data taking, the life of an experiment; 1 GW·h is a few days of SNS.
  if (calendar_days) require_range("exposure.calendar_days", *calendar_days, 0.0, 1e4, "at most ≈ 30 years", true);
  if (beam_hours) require_range("exposure.beam_hours", *beam_hours, 0.0, 2.4e5, "at most ≈ 30 years", true);
  if (beam_energy_GWh)
    require_range("exposure.beam_energy_GWh", *beam_energy_GWh, 0.0, 1e5,
                  "at most 30 years at 400 MW; COHERENT's 2017 data: 7.5 GW·h", true);
  // 30 years at 5 MW with 1 GeV protons: 3·10¹⁶ p/s × 10⁹ s ≈ 10²⁶.
  if (protons_on_target)
    require_range("exposure.protons_on_target", *protons_on_target, 0.0, 1e26,
                  "at most 30 years of a 5 MW source; COHERENT's 2017 data: 1.76e23", true);
  require_range("exposure.beam_on_fraction", beam_on_fraction, 0.01, 1.0,
                "a fraction of the calendar time; below 1 % there is no beam to measure");
}

}  // namespace cevns
