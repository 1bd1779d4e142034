#include "cevns/experiment/prediction.hpp"

#include <algorithm>
#include <cmath>

#include <boost/math/quadrature/gauss.hpp>
#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/detector/response.hpp"
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
/// Finer panels for folding with Poisson photostatistics, whose peaks are a few keV wide.
constexpr int panels_for_npe = 32;

/// Calls visit(T, weight) for the Gauss–Legendre nodes in u = √T over [0, t_max], so that
/// Σ weight·f(T) approximates ∫ f dT (see integrate_recoil).
template <class Visit>
void for_each_recoil_node(double t_max, int panels, Visit&& visit) {
  using Rule = boost::math::quadrature::gauss<double, 10>;
  const double width = std::sqrt(t_max) / panels;
  for (int i = 0; i < panels; ++i) {
    const double mid = (i + 0.5) * width;
    const auto& x = Rule::abscissa();
    const auto& w = Rule::weights();
    for (std::size_t k = 0; k < x.size(); ++k) {
      for (double sign : {-1.0, 1.0}) {
        if (k == 0 && sign > 0.0 && x[0] == 0.0) continue;  // the centre node once
        const double u = mid + sign * x[k] * 0.5 * width;
        visit(u * u, 2.0 * u * w[k] * 0.5 * width);
      }
    }
  }
}

Binning npe_binning(const SpectraConfig& s) { return Binning::uniform(-0.5, s.npe_max + 0.5, s.npe_max + 1); }

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

/// The bin of `npe_edges` holding reconstructed PE `x`: [e_i, e_{i+1}), the last one also
/// everything above; −1 below the first edge.
long edge_bin(const std::vector<double>& npe_edges, double x) {
  if (x < npe_edges.front()) return -1;
  const auto above = std::upper_bound(npe_edges.begin(), npe_edges.end(), x) - npe_edges.begin();
  return std::min<long>(static_cast<long>(above) - 1, static_cast<long>(npe_edges.size()) - 2);
}

/// Sums `counts` over integer NPE (bin n = n PE, the point n) into the bins of `npe_edges`.
std::vector<double> rebin_counts(const std::vector<double>& counts, const std::vector<double>& npe_edges) {
  std::vector<double> out(npe_edges.size() - 1, 0.0);
  for (std::size_t n = 0; n < counts.size(); ++n) {
    const long bin = edge_bin(npe_edges, static_cast<double>(n));
    if (bin >= 0) out[static_cast<std::size_t>(bin)] += counts[n];
  }
  return out;
}

/// An integer-NPE × time spectrum rebinned in NPE onto `npe_edges` (rows as rebin_counts).
Spectrum2D rebin_npe(const Spectrum2D& s, const std::vector<double>& npe_edges) {
  Spectrum2D out(Binning(npe_edges), s.y);
  for (std::size_t n = 0; n < s.x.size(); ++n) {
    const long bin = edge_bin(npe_edges, static_cast<double>(n));
    if (bin < 0) continue;
    for (std::size_t t = 0; t < s.y.size(); ++t) out.at(static_cast<std::size_t>(bin), t) += s.at(n, t);
  }
  return out;
}

/// Crystals of one PMT share: their light yields, each with its share of the mass, and the
/// spectra folded for them before the selection (per flavour).
struct CrystalGroup {
  std::map<double, double> light_yield_shares;
  std::map<Flavor, std::vector<double>> npe_true, npe_accepted, cells_true, cells_accepted;
};

/// The cells of a continuous PE folded onto both the integer NPE bins [n − ½, n + ½) and
/// `npe_edges`: their lower edges (from 0, the last cell to ∞), each cell's integer bin and
/// its bin of npe_edges (−1 below them).
struct PeCells {
  std::vector<double> lows;
  std::vector<std::size_t> integer_bin;
  std::vector<long> edge_bin;
};

PeCells pe_cells(int npe_max, const std::vector<double>& npe_edges) {
  PeCells cells;
  cells.lows.push_back(0.0);
  for (int n = 1; n <= npe_max; ++n) cells.lows.push_back(n - 0.5);
  // The last edge bounds nothing: its bin collects everything above.
  for (std::size_t i = 0; i + 1 < npe_edges.size(); ++i)
    if (npe_edges[i] > 0.0) cells.lows.push_back(npe_edges[i]);
  std::sort(cells.lows.begin(), cells.lows.end());
  cells.lows.erase(std::unique(cells.lows.begin(), cells.lows.end()), cells.lows.end());
  for (double low : cells.lows) {
    cells.integer_bin.push_back(std::min<std::size_t>(static_cast<std::size_t>(std::floor(low + 0.5)),
                                                      static_cast<std::size_t>(npe_max)));
    cells.edge_bin.push_back(edge_bin(npe_edges, low));
  }
  return cells;
}

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
      spectrum_(NeutrinoSpectrum::decay_at_rest(flavor)),
      cross_section_(component.isotope, config.physics) {
  const Target target = Target::from_formula(config.detector.material);
  scale_ = target.nuclei(component, config.detector.mass_kg * kg) * source.fluence(config.exposure);
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

  const Binning npe_bins = npe_binning(config.spectra);
  const bool gamma_resolution = config.detector.resolution.model == ResolutionModel::gamma;
  const bool continuous_acceptance = gamma_resolution &&
                                     config.selection.acceptance.model != AcceptanceModel::none &&
                                     config.selection.acceptance.evaluate_at == AcceptanceEvaluation::continuous;
  // Crystals with the same light yield share one folding.
  std::map<double, double> light_yield_shares;
  for (int c = 0; c < config.detector.crystals; ++c)
    light_yield_shares[config.detector.light_yield(c)] += 1.0 / config.detector.crystals;
  std::vector<double> poisson;
  // With spectra.npe_edges and a continuous (Gamma) PE: its probabilities in the cells cut
  // by both the integer bins and the edges.
  const auto& npe_edges = config.spectra.npe_edges;
  const bool gamma_cells = gamma_resolution && !npe_edges.empty();
  const PeCells cells = gamma_cells ? pe_cells(config.spectra.npe_max, npe_edges) : PeCells{};
  std::vector<double> in_cells;
  // Crystals of one PMT share are folded together (their light yields each with its share
  // of the mass) and selected together; one group when every crystal has the same share.
  std::map<double, CrystalGroup> groups;
  for (int c = 0; c < config.detector.crystals; ++c)
    groups[config.detector.pmt_share_of(c)].light_yield_shares[config.detector.light_yield(c)] +=
        1.0 / config.detector.crystals;
  for (auto& entry : groups)
    for (Flavor flavor : all_flavors) {
      entry.second.npe_true[flavor].assign(npe_bins.size(), 0.0);
      entry.second.npe_accepted[flavor].assign(npe_bins.size(), 0.0);
      entry.second.cells_true[flavor].assign(cells.lows.size(), 0.0);
      entry.second.cells_accepted[flavor].assign(cells.lows.size(), 0.0);
    }

  for (const auto& component : target.components()) {
    const Quenching quenching(config.detector.quenching, component.isotope);
    result.nuclei[component.isotope.name] += target.nuclei(component, mass);
    for (Flavor flavor : all_flavors) {
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

      // Photostatistics: Poisson NPE with mean LY × E_ee(T); the last bin takes the rest.
      // Or a continuous Gamma-distributed PE in the NPE bins [n − ½, n + ½), with the
      // acceptance integrated over it when it is evaluated at the continuous PE.
      for_each_recoil_node(t_max, panels_for_npe, [&](double recoil, double weight) {
        const double events = weight * rate(recoil);
        const double visible_keVee = in_keVee(quenching.electron_equivalent(RecoilEnergy(recoil)));
        for (auto& entry : groups) {
        auto& npe = entry.second.npe_true[flavor];
        auto& accepted = entry.second.npe_accepted[flavor];
        auto& true_cells = entry.second.cells_true[flavor];
        auto& accepted_cells = entry.second.cells_accepted[flavor];
        for (const auto& [light_yield, share] : entry.second.light_yield_shares) {
          if (gamma_resolution) {
            const double shape = config.detector.resolution.shape(visible_keVee);
            gamma_pe_probabilities(light_yield * visible_keVee, shape, npe.size(), poisson);
            for (std::size_t n = 0; n < npe.size(); ++n) npe[n] += share * events * poisson[n];
            if (continuous_acceptance) {
              gamma_pe_probabilities(light_yield * visible_keVee, shape, npe.size(), poisson,
                                     &config.selection.acceptance);
              for (std::size_t n = 0; n < npe.size(); ++n) accepted[n] += share * events * poisson[n];
            }
            if (gamma_cells) {
              gamma_pe_probabilities(light_yield * visible_keVee, shape, cells.lows, in_cells);
              for (std::size_t c = 0; c < in_cells.size(); ++c) true_cells[c] += share * events * in_cells[c];
              if (continuous_acceptance) {
                gamma_pe_probabilities(light_yield * visible_keVee, shape, cells.lows, in_cells,
                                       &config.selection.acceptance);
                for (std::size_t c = 0; c < in_cells.size(); ++c) accepted_cells[c] += share * events * in_cells[c];
              }
            }
            continue;
          }
          const auto [first, last] = poisson_probabilities(light_yield * visible_keVee, npe.size(), poisson);
          double kept = 0.0;
          for (std::size_t n = first; n < std::min(last, npe.size() - 1); ++n)
            npe[n] += share * events * poisson[n], kept += poisson[n];
          npe.back() += share * events * std::max(0.0, 1.0 - kept);
        }
        }
      });
    }
  }

  const Binning time_bins = time_binning(config.spectra);
  const auto by_flavor = result.events_by_flavor();
  // Per group of PMT share: the selection, and with the acceptance folded in at the
  // continuous PE, the rest of the selection without it.
  SelectionConfig without_acceptance = config.selection;
  without_acceptance.acceptance.model = AcceptanceModel::none;
  std::vector<SelectionEfficiency> selections, rests_of_selection;
  for (const auto& entry : groups) {
    const DetectorConfig crystals_of_group = config.detector.with_pmt_share(entry.first);
    selections.emplace_back(crystals_of_group, config.selection, config.spectra.npe_max);
    rests_of_selection.emplace_back(crystals_of_group, without_acceptance, config.spectra.npe_max);
  }
  if (!npe_edges.empty()) result.on_npe_edges = NpeEdgesSpectra{Binning(npe_edges), {}, {}, {}};
  for (Flavor flavor : all_flavors) {
    Spectrum time_probability(time_bins);
    for (std::size_t bin = 0; bin < time_bins.size(); ++bin)
      time_probability.counts[bin] =
          source.arrival_time().probability(flavor, time_bins.low(bin) * us, time_bins.high(bin) * us);
    Spectrum arrival = time_probability;
    for (double& c : arrival.counts) c *= by_flavor.at(flavor);
    result.arrival_time.emplace(flavor, std::move(arrival));
    // The selected signal keeps ε(t) of each arrival, per flavour: prompt and delayed
    // neutrinos arrive at different times and lose different fractions.
    const auto& time_efficiency = config.selection.time_efficiency;
    if (time_efficiency.model != TimeEfficiencyModel::none) {
      const auto cdf_us = [&](double t_us) { return source.arrival_time().cdf(flavor, t_us * us); };
      for (std::size_t bin = 0; bin < time_bins.size(); ++bin)
        time_probability.counts[bin] =
            time_efficiency.weighted_probability(cdf_us, time_bins.low(bin), time_bins.high(bin));
    }

    Spectrum before(npe_bins);
    Spectrum after(npe_bins);
    std::size_t g = 0;
    for (const auto& entry : groups) {
      const auto& group = entry.second;
      const auto selected = continuous_acceptance ? rests_of_selection[g].apply(group.npe_accepted.at(flavor))
                                                  : selections[g].apply(group.npe_true.at(flavor));
      if (g++ == 0) {
        before.counts = group.npe_true.at(flavor);
        after.counts = selected;
        continue;
      }
      for (std::size_t n = 0; n < npe_bins.size(); ++n)
        before.counts[n] += group.npe_true.at(flavor)[n], after.counts[n] += selected[n];
    }
    Spectrum2D signal(npe_bins, time_bins);
    for (std::size_t n = 0; n < npe_bins.size(); ++n)
      for (std::size_t t = 0; t < time_bins.size(); ++t) signal.at(n, t) = after.counts[n] * time_probability.counts[t];
    result.roi_signal_by_flavor[flavor] = roi_count(signal, config);

    if (result.on_npe_edges) {
      // The same spectra on spectra.npe_edges: integer counts by the bin holding n, a
      // continuous PE by its cells, each selected as the integer bin it lies in.
      Spectrum edges_before(result.on_npe_edges->npe), edges_after(result.on_npe_edges->npe);
      if (!gamma_cells) {
        edges_before.counts = rebin_counts(before.counts, npe_edges);
        edges_after.counts = rebin_counts(after.counts, npe_edges);
      } else {
        const auto& sel = config.selection;
        for (const auto& entry : groups) {
          const auto& true_cells = entry.second.cells_true.at(flavor);
          const auto& accepted_cells = entry.second.cells_accepted.at(flavor);
          const double constant = selections.front().constant_efficiency();
          for (std::size_t c = 0; c < cells.lows.size(); ++c) {
            if (cells.edge_bin[c] < 0) continue;
            const auto bin = static_cast<std::size_t>(cells.edge_bin[c]);
            const auto n = static_cast<int>(cells.integer_bin[c]);
            edges_before.counts[bin] += true_cells[c];
            // As SelectionEfficiency::apply: the coincidence at n, then the constant cuts and
            // the acceptance at n (unless it is already integrated over the cell).
            const double coincidence = sel.two_pmt_coincidence ? coincidence_efficiency(n, entry.first) : 1.0;
            edges_after.counts[bin] += continuous_acceptance ? accepted_cells[c] * coincidence * constant
                                                             : true_cells[c] * coincidence * (constant * sel.acceptance(n));
          }
        }
      }
      Spectrum2D edges_signal(result.on_npe_edges->npe, time_bins);
      for (std::size_t n = 0; n < edges_signal.x.size(); ++n)
        for (std::size_t t = 0; t < time_bins.size(); ++t)
          edges_signal.at(n, t) = edges_after.counts[n] * time_probability.counts[t];
      result.on_npe_edges->before_selection.emplace(flavor, std::move(edges_before));
      result.on_npe_edges->signal.emplace(flavor, std::move(edges_signal));
    }
    result.npe_before_selection.emplace(flavor, std::move(before));
    result.signal.emplace(flavor, std::move(signal));
  }

  // Backgrounds: each model from what drives it (docs/backgrounds.md), none normalised to the ROI.
  const Quenching background_quenching(config.detector.quenching, target.components().front().isotope);
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
    if (result.on_npe_edges) result.on_npe_edges->backgrounds.push_back(rebin_npe(background.npe_time, npe_edges));
    result.backgrounds.push_back(std::move(background));
  }

  double mean_light_yield = 0.0;
  for (const auto& [light_yield, share] : light_yield_shares) mean_light_yield += share * light_yield;
  const Quenching quenching(config.detector.quenching, target.components().front().isotope);
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
