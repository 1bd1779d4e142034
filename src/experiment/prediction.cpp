#include "cevns/experiment/prediction.hpp"

#include <cmath>

#include <boost/math/quadrature/gauss.hpp>
#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/detector/response.hpp"
#include "cevns/experiment/signal_response.hpp"
#include "cevns/physics/cross_section.hpp"
#include "cevns/stats/significance.hpp"
#include "cevns/physics/target.hpp"
#include "cevns/source/decay_at_rest_source.hpp"

namespace cevns {
namespace {

using namespace units;

/// ∫_a^b f(T) dT over recoil energy, 0 ≤ a < b, with `panels` panels of 10-point
/// Gauss–Legendre in u = √T. The minimum neutrino energy E_min(T) ∝ √T near T = 0 makes
/// the Michel rates non-analytic in T but analytic in u, where Gauss–Legendre converges
/// exponentially (to < 1e-10 against adaptive quadrature in tests/experiment).
template <class F>
double integrate_recoil(F&& f, double a, double b, int panels) {
  if (!(b > a)) return 0.0;
  const double u_low = std::sqrt(a);
  const double width = (std::sqrt(b) - u_low) / panels;
  const auto in_u = [&f](double u) { return 2.0 * u * f(u * u); };
  double sum = 0.0;
  for (int i = 0; i < panels; ++i)
    sum += boost::math::quadrature::gauss<double, 10>::integrate(in_u, u_low + i * width, u_low + (i + 1) * width);
  return sum;
}

constexpr int panels_for_totals = 8;
/// The fraction of time bin [low, high) inside [roi_low, roi_high], taking counts as
/// uniform within the bin.
double overlap(double low, double high, double roi_low, double roi_high) {
  return std::max(0.0, std::min(high, roi_high) - std::max(low, roi_low)) / (high - low);
}

/// Counts of `spectrum` (NPE × µs) in the region of interest.
double roi_count(const Spectrum2D& spectrum, const ExperimentConfig& config) {
  const auto& sel = config.selection;
  const double t_low = sel.roi_time_min_us.value_or(config.spectra.time_min_us);
  const double t_high = sel.roi_time_max_us.value_or(config.spectra.time_max_us);
  double sum = 0.0;
  for (std::size_t ix = 0; ix < spectrum.x.size(); ++ix) {
    const double n = spectrum.x.center(ix);
    if (n < sel.roi_npe_min || n > sel.roi_npe_max) continue;
    for (std::size_t iy = 0; iy < spectrum.y.size(); ++iy)
      sum += spectrum.at(ix, iy) * overlap(spectrum.y.low(iy), spectrum.y.high(iy), t_low, t_high);
  }
  return sum;
}

Binning recoil_binning(const SpectraConfig& s) {
  const auto bins = static_cast<std::size_t>(std::llround(s.recoil_max_keVnr / s.recoil_bin_keVnr));
  return Binning::uniform(0.0, bins * s.recoil_bin_keVnr, bins);
}

}  // namespace

double Prediction::total_events() const {
  double sum = 0.0;
  for (const auto& c : channels) sum += c.events;
  return sum;
}

std::map<Flavor, double> Prediction::events_by_flavor() const {
  std::map<Flavor, double> sums;
  for (const auto& c : channels) sums[c.flavor] += c.events;
  return sums;
}

std::vector<Flavor> Prediction::flavors() const {
  std::vector<Flavor> out;
  for (const auto& [flavor, spectrum] : arrival_time) out.push_back(flavor);  // a map: in the order of Flavor
  return out;
}

std::map<std::string, double> Prediction::events_by_isotope() const {
  std::map<std::string, double> sums;
  for (const auto& c : channels) sums[c.isotope] += c.events;
  return sums;
}

std::vector<double> Prediction::events_above_thresholds() const {
  std::vector<double> sums(config.spectra.thresholds_keVnr.size(), 0.0);
  for (const auto& c : channels)
    for (std::size_t k = 0; k < sums.size(); ++k) sums[k] += c.above_threshold[k];
  return sums;
}

double Prediction::roi_signal() const {
  double sum = 0.0;
  for (const auto& [flavor, count] : roi_signal_by_flavor) sum += count;
  return sum;
}

double Prediction::roi_background() const {
  double sum = 0.0;
  for (const auto& b : backgrounds) sum += b.roi;
  return sum;
}

Spectrum2D Prediction::signal_total() const {
  Spectrum2D sum(signal.begin()->second.x, signal.begin()->second.y);
  for (const auto& [flavor, s] : signal) sum += s;
  return sum;
}

Spectrum2D Prediction::background_total() const {
  Spectrum2D sum(signal.begin()->second.x, signal.begin()->second.y);
  for (const auto& b : backgrounds) sum += b.npe_time;
  return sum;
}

double Prediction::days() const { return config.exposure_kg_days() / config.detector.mass_kg; }

namespace {

void check_spectrum(const std::string& what, const std::vector<double>& counts) {
  for (std::size_t i = 0; i < counts.size(); ++i) require_finite(fmt::format("{}, bin {}", what, i), counts[i]);
}

}  // namespace

void Prediction::check_finite() const {
  const std::string& name = config.name;
  require_finite(name + ": beam-on time (s)", beam_on_time_s);
  require_finite(name + ": protons on target", protons_on_target);
  require_finite(name + ": beam energy (GW·h)", beam_energy_GWh);
  require_finite(name + ": neutrino flux per flavour (/cm²/s)", flux_per_cm2_s);
  require_finite(name + ": neutrino fluence per flavour (/cm²)", fluence_per_cm2);
  for (const auto& [isotope, count] : nuclei) require_finite(name + ": " + isotope + " nuclei", count);
  for (const auto& c : channels) {
    const std::string channel = fmt::format("{}: CEvNS {} on {}", name, flavor_name(c.flavor), c.isotope);
    require_finite(channel + ", events", c.events);
    for (double above : c.above_threshold) require_finite(channel + ", events above a threshold", above);
    check_spectrum(channel + ", recoil spectrum", c.recoil.counts);
  }
  for (const auto& [flavor, spectrum] : arrival_time)
    check_spectrum(fmt::format("{}: arrival-time spectrum of {}", name, flavor_name(flavor)), spectrum.counts);
  for (const auto& [flavor, spectrum] : npe_before_selection)
    check_spectrum(fmt::format("{}: NPE spectrum of {}", name, flavor_name(flavor)), spectrum.counts);
  for (const auto& [flavor, spectrum] : signal)
    check_spectrum(fmt::format("{}: selected signal of {}", name, flavor_name(flavor)), spectrum.counts);
  for (const auto& b : backgrounds) {
    check_spectrum(fmt::format("{}: background '{}'", name, b.name), b.npe_time.counts);
    if (b.deposits)
      check_spectrum(fmt::format("{}: background '{}' before the selection", name, b.name), b.deposits->true_npe.counts);
    require_finite(fmt::format("{}: background '{}' in the region of interest", name, b.name), b.roi);
  }
  for (const auto& [flavor, count] : roi_signal_by_flavor)
    require_finite(fmt::format("{}: {} signal in the region of interest", name, flavor_name(flavor)), count);
  require_finite(name + ": recoil energy of the lower ROI bound (keVnr)", roi_threshold_keVnr);
  if (on_npe_edges) {
    for (const auto& [flavor, spectrum] : on_npe_edges->before_selection)
      check_spectrum(fmt::format("{}: NPE spectrum of {} on spectra.npe_edges", name, flavor_name(flavor)), spectrum.counts);
    for (const auto& [flavor, spectrum] : on_npe_edges->signal)
      check_spectrum(fmt::format("{}: selected signal of {} on spectra.npe_edges", name, flavor_name(flavor)),
                     spectrum.counts);
    for (std::size_t b = 0; b < on_npe_edges->backgrounds.size(); ++b)
      check_spectrum(fmt::format("{}: background '{}' on spectra.npe_edges", name, backgrounds.at(b).name),
                     on_npe_edges->backgrounds[b].counts);
  }
}

void Sensitivity::check_finite() const {
  require_finite("signal in the region of interest", signal);
  require_finite("background in the region of interest", background);
  require_finite("significance", significance);
  if (asimov_significance) require_finite("Asimov significance", *asimov_significance);
  require_finite("days to 5σ", days_to_5sigma);
  for (double m : map_mass_kg) require_finite("significance map: mass", m);
  for (double d : map_days) require_finite("significance map: days", d);
  for (double z : map_significance) require_finite("significance map", z);
}

Sensitivity sensitivity(const Prediction& prediction, double max_mass_kg, double max_days, int points) {
  Sensitivity s;
  s.signal = prediction.roi_signal();
  s.background = prediction.roi_background();
  if (!(s.signal > 0.0))
    throw NumericalError(fmt::format("{}: no CEvNS signal in the region of interest ({}–{} NPE, selection.roi_*): "
                                     "there is no significance, and no exposure reaches {:g}σ",
                                     prediction.config.name, prediction.config.selection.roi_npe_min,
                                     prediction.config.selection.roi_npe_max, s.target_sigma));
  s.significance = stats::simple_significance(s.signal, s.background);
  s.asimov_significance = stats::asimov_significance(s.signal, s.background);
  s.days_to_5sigma = prediction.days() * stats::exposure_factor_for(s.signal, s.background, s.target_sigma);
  const double reference = prediction.config.exposure_kg_days();
  for (int i = 0; i <= points; ++i) s.map_mass_kg.push_back(max_mass_kg * i / points);
  for (int j = 0; j <= points; ++j) s.map_days.push_back(max_days * j / points);
  for (double mass : s.map_mass_kg)
    for (double days : s.map_days) {
      const double scale = mass * days / reference;
      s.map_significance.push_back(stats::simple_significance(s.signal * scale, s.background * scale));
    }
  s.check_finite();
  return s;
}

RecoilRate::RecoilRate(const ExperimentConfig& config, const DecayAtRestSource& source,
                       const Target::Component& component, Flavor flavor)
    : flavor_(flavor),
      spectrum_(config.source.sterile.active() ? source.spectrum_at_detector(flavor, true)
                                               : source.spectrum(flavor)),
      appeared_flavor_(DecayAtRestSource::appeared_flavor(flavor)),
      cross_section_(component.isotope, config.physics) {
  // ν_μ ↔ ν_e appearance needs both mixings (P_μe = 4|U_e4|²|U_μ4|²⟨sin²Δ⟩).
  if (config.source.sterile.ue4_squared > 0.0 && config.source.sterile.umu4_squared > 0.0)
    appeared_spectrum_ = source.spectrum_at_detector(flavor, false);
  const Target target = Target::from_formula(config.detector.material);
  scale_ = target.nuclei(component, config.detector.mass_kg * kg) * source.fluence(config.exposure, flavor);
}

Prediction predict(const ExperimentConfig& config) {
  config.validate();
  const DecayAtRestSource source(config.source);
  const Target target = Target::from_formula(config.detector.material);

  Prediction result;
  result.config = config;
  const double beam_on_time = source.beam_on_time(config.exposure);
  result.beam_on_time_s = beam_on_time / s;
  result.protons_on_target = source.protons_on_target(config.exposure);
  constexpr double joules_per_GeV = 1.602176634e-10, joules_per_GWh = 3.6e12;  // CODATA e; 10⁹ W × 3600 s
  result.beam_energy_GWh =
      result.protons_on_target * config.source.beam.proton_energy_GeV * joules_per_GeV / joules_per_GWh;
  result.flux_per_cm2_s = source.flux() * cm2 * s;
  result.fluence_per_cm2 = source.fluence(config.exposure) * cm2;

  const Binning recoil_bins = recoil_binning(config.spectra);
  const double mass = config.detector.mass_kg * kg;

  // The detector's response to each channel's recoil rate (signal_response.hpp): the
  // same folding `cevns scan` reuses for other cross sections.
  const SignalResponse response(config, source);
  const Binning& npe_bins = response.npe_binning();
  for (const auto& component : target.components()) {
    result.nuclei[component.isotope.name] += target.nuclei(component, mass);
    for (Flavor flavor : source.flavors()) {
      const RecoilRate rate(config, source, component, flavor);
      const double t_max = rate.max_recoil();

      ChannelPrediction channel{flavor, component.isotope.name, 0.0, {}, Spectrum(recoil_bins), t_max / keV};
      channel.events = integrate_recoil(rate, 0.0, t_max, panels_for_totals);
      for (double threshold : config.spectra.thresholds_keVnr)
        channel.above_threshold.push_back(integrate_recoil(rate, threshold * keV, t_max, panels_for_totals));
      for (std::size_t bin = 0; bin < recoil_bins.size(); ++bin)
        channel.recoil.counts[bin] =
            integrate_recoil(rate, recoil_bins.low(bin) * keV, std::min(recoil_bins.high(bin) * keV, t_max), 1);
      result.channels.push_back(std::move(channel));
    }
  }
  const auto folded = response.fold(config.physics);
  auto selected = response.select(folded);
  // The same spectra on spectra.npe_edges, if any (the backgrounds' below).
  result.on_npe_edges = response.on_npe_edges(folded);

  const Binning& time_bins = response.time_binning();
  const auto by_flavor = result.events_by_flavor();
  for (Flavor flavor : source.flavors()) {
    Spectrum arrival(time_bins);
    for (std::size_t bin = 0; bin < time_bins.size(); ++bin)
      arrival.counts[bin] = by_flavor.at(flavor) *
                            source.arrival_time().probability(flavor, time_bins.low(bin) * us, time_bins.high(bin) * us);
    result.arrival_time.emplace(flavor, std::move(arrival));
    Spectrum before(npe_bins);
    before.counts = folded.npe_true.at(flavor);
    auto& signal = selected.at(flavor);
    result.roi_signal_by_flavor[flavor] = roi_count(signal, config);
    result.npe_before_selection.emplace(flavor, std::move(before));
    result.signal.emplace(flavor, std::move(signal));
  }

  // Backgrounds: each model from what drives it (docs/backgrounds.md), none normalised to the ROI.
  const Quenching background_quenching(config.detector.quenching_of(0), target.components().front().isotope);
  const BackgroundContext context{
      .exposure_kg_days = config.exposure_kg_days(),
      .arrival_time = &source.arrival_time(),
      .roi_npe_min = config.selection.roi_npe_min,
      .roi_npe_max = config.selection.roi_npe_max,
      .triggers = result.beam_on_time_s * config.source.beam.repetition_rate_Hz,
      .detector = &config.detector,
      .selection = &config.selection,
      .dark_counts = &config.dark_counts,
      .protons_on_target = result.protons_on_target,
      .proton_energy_GeV = config.source.beam.proton_energy_GeV,
      .keVee_of_keVnr = [&background_quenching](double keVnr_) {
        return in_keVee(background_quenching.electron_equivalent(keVnr(keVnr_)));
      },
      .window_us = time_bins.high(time_bins.size() - 1) - time_bins.low(0)};
  for (const auto& model : make_backgrounds(config.backgrounds)) {
    BackgroundPrediction background{model->name(), model->expected(npe_bins, time_bins, context), 0.0,
                                    model->drivers(), std::nullopt};
    background.deposits = model->deposits(npe_bins, context);
    background.roi = roi_count(background.npe_time, config);
    if (result.on_npe_edges) result.on_npe_edges->backgrounds.push_back(response.to_npe_edges(background.npe_time));
    result.backgrounds.push_back(std::move(background));
  }

  double mean_light_yield = 0.0;
  for (int c = 0; c < config.detector.crystals; ++c) mean_light_yield += config.detector.light_yield(c) / config.detector.crystals;
  const Quenching quenching(config.detector.quenching_of(0), target.components().front().isotope);
  result.roi_threshold_keVnr =
      in_keVnr(quenching.recoil_for(keVee(config.selection.roi_npe_min / mean_light_yield)));

  result.check_finite();
  logger("predict")->debug("{}: {:.2f} CEvNS events in {:.4g} s of beam", config.name, result.total_events(),
                           result.beam_on_time_s);
  return result;
}

Spectrum time_in_npe_roi(const Spectrum2D& s, const SelectionConfig& sel) {
  Spectrum out(s.y);
  for (std::size_t ix = 0; ix < s.x.size(); ++ix) {
    const double n = s.x.center(ix);
    if (n < sel.roi_npe_min || n > sel.roi_npe_max) continue;
    for (std::size_t iy = 0; iy < s.y.size(); ++iy) out.counts[iy] += s.at(ix, iy);
  }
  return out;
}

}  // namespace cevns
