#include "cevns/experiment/prediction.hpp"

#include <cmath>

#include <boost/math/quadrature/gauss.hpp>

#include "cevns/core/log.hpp"
#include "cevns/physics/cross_section.hpp"
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

Binning recoil_binning(const SpectraConfig& s) {
  const auto bins = static_cast<std::size_t>(std::llround(s.recoil_max_keVnr / s.recoil_bin_keVnr));
  return Binning::uniform(0.0, bins * s.recoil_bin_keVnr, bins);
}

Binning time_binning(const SpectraConfig& s) {
  const auto bins = static_cast<std::size_t>(std::llround((s.time_max_us - s.time_min_us) / s.time_bin_us));
  return Binning::uniform(s.time_min_us, s.time_min_us + bins * s.time_bin_us, bins);
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

Prediction predict(const ExperimentConfig& config) {
  config.validate();
  const DecayAtRestSource source(config.source);
  const Target target = Target::from_formula(config.detector.material);

  Prediction result;
  result.config = config;
  const double beam_on_time = source.beam_on_time(config.exposure);
  result.beam_on_time_s = beam_on_time / s;
  result.protons_on_target = source.protons_on_target(config.exposure);
  result.flux_per_cm2_s = source.flux() * cm2 * s;
  result.fluence_per_cm2 = source.fluence(config.exposure) * cm2;

  const Binning recoil_bins = recoil_binning(config.spectra);
  const double fluence = source.fluence(config.exposure);
  const double mass = config.detector.mass_kg * kg;

  for (const auto& component : target.components()) {
    const CevnsCrossSection xs(component.isotope, config.physics);
    const double nuclei = target.nuclei(component, mass);
    result.nuclei[component.isotope.name] += nuclei;
    for (Flavor flavor : all_flavors) {
      const auto& spectrum = source.spectrum(flavor);
      // Events per MeV of recoil energy.
      const auto rate = [&](double recoil) { return nuclei * fluence * xs.spectrum_averaged(flavor, spectrum, recoil); };
      const double t_max = xs.max_recoil(spectrum.max_energy());

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

  const Binning time_bins = time_binning(config.spectra);
  const auto by_flavor = result.events_by_flavor();
  for (Flavor flavor : all_flavors) {
    Spectrum arrival(time_bins);
    for (std::size_t bin = 0; bin < time_bins.size(); ++bin)
      arrival.counts[bin] =
          by_flavor.at(flavor) * source.arrival_time().probability(flavor, time_bins.low(bin) * us, time_bins.high(bin) * us);
    result.arrival_time.emplace(flavor, std::move(arrival));
  }

  logger("predict")->debug("{}: {:.2f} CEvNS events in {:.4g} s of beam", config.name, result.total_events(),
                           result.beam_on_time_s);
  return result;
}

}  // namespace cevns
