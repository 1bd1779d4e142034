#include "cevns/background/background.hpp"

#include <algorithm>
#include <functional>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>

#include "cevns/core/error.hpp"
#include "cevns/core/units.hpp"
#include "cevns/detector/quenching.hpp"
#include "cevns/detector/response.hpp"
#include "cevns/materials/decay_data.hpp"
#include "cevns/materials/geometry.hpp"
#include "cevns/physics/target.hpp"
#include "detail.hpp"

namespace cevns {
std::string background_slug(std::string_view name) {
  std::string slug;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!slug.empty() && slug.back() != '-') slug += '-';
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

void BackgroundConfig::check_material_files(const std::string& key) const {
  // Read once here, so that a bad file is an error at load time naming its line.
  try {
    const auto decays = materials::read_decay_data(decay_file);
    const auto geometry = materials::read_geometry(geometry_file);
    for (const auto& a : geometry.activities) (void)decays.members(a.isotope, geometry_file + ": activity of " + a.volume);
    for (const auto& a : geometry.environment)
      (void)decays.members(a.isotope, geometry_file + ":" + std::to_string(a.line) + ": environment");
  } catch (const ConfigError& e) {
    throw ConfigError(key + ": " + e.what());
  }
}

namespace {

double table_sum(const Table& t) {
  double sum = 0.0;
  for (double y : t.y) sum += y;
  return sum;
}

void require_table(const std::string& key, const Table& table, const std::string& file, double x_min,
                   const std::string& meaning) {
  if (table.x.empty())
    throw InvalidValue(key, file.empty() ? "\"\"" : "'" + file + "'",
                       "is required (" + meaning + ")" + (file.empty() ? "" : " and was not read"));
  if (table.x.front() < x_min)
    throw InvalidValue(key, "'" + file + "'", "starts at x = " + format_value(table.x.front()) + ", below " +
                                                   format_value(x_min) + " (" + meaning + ")");
  if (!(table_sum(table) > 0.0)) throw InvalidValue(key, "'" + file + "'", "holds only zeros (" + meaning + ")");
}

}  // namespace

void BackgroundConfig::validate(const std::string& key) const {
  if (name.empty()) throw InvalidValue(key + ".name", "\"\"", "every background needs a name");
  if (background_slug(name).empty())
    throw InvalidValue(key + ".name", "\"" + name + "\"", "needs a letter or digit (--set backgrounds.<name>.… uses them)");
  const auto refuse = [&](const std::string& k, bool given) {
    if (given)
      throw InvalidValue(key + "." + k, "(set)",
                         "does not apply to model = \"" + std::string(to_string(model)) + "\"; remove it");
  };
  if (model == BackgroundKind::pmt_dark_counts) {
    // Computed from daq.pmt: a rate or shape here would be ignored, so it is refused.
    refuse("events_per_pot_per_kg", events_per_pot_per_kg != 0.0);
    refuse("rate_per_kg_keVee_day", rate_per_kg_keVee_day != 0.0);
    refuse("spectrum_file", !spectrum_file.empty());
    refuse("time_file", !time_file.empty());
    return;
  }
  // Every number in its range first, whichever model reads it.
  require_range(key + ".single_crystal_fraction", single_crystal_fraction, 0.0, 1.0,
                "share of events lighting one crystal only (criterion 4)");
  require_range(key + ".file_scale", file_scale, 0.0, 1e3, "a factor on the file's normalisation");
  // CLOVERS' beam-related neutrons are ≈ 5·10⁻²⁰ per POT per kg (docs/backgrounds.md);
  // 10⁻¹² would be ten million times more.
  require_range(key + ".events_per_pot_per_kg", events_per_pot_per_kg, 0.0, 1e-12,
                "deposits per proton on target per kg, before the selection");
  require_range(key + ".time_delay_ns", time_delay_ns, -1e4, 1e5, "ns after the neutrinos' prompt profile");
  require_range(key + ".time_spread_ns", time_spread_ns, 0.0, 1e5, "ns (Gaussian σ)");
  double weights = 0.0;
  for (double w : neutrino_flavor_weights) {
    require_range(key + ".neutrino_flavor_weights", w, 0.0, 1e6, "relative weights");
    weights += w;
  }
  // 10⁶ events/kg/keVee/day is 10⁵ times CLOVERS' 8.
  require_range(key + ".rate_per_kg_keVee_day", rate_per_kg_keVee_day, 0.0, 1e6, "events per kg per keVee per day");
  require_range(key + ".energy_min_keVee", energy_min_keVee, 0.0, 1e4, "keVee");
  require_range(key + ".energy_max_keVee", energy_max_keVee, 0.0, 1e4, "keVee");
  // 10³ decays give a shape; 10⁹ of each source would take days.
  require_range(key + ".decays_per_source", decays_per_source, 1e3, 1e9, "simulated decays of each source");
  if (decays_per_source != std::floor(decays_per_source))
    throw InvalidValue(key + ".decays_per_source", format_value(decays_per_source), "must be a whole number");
  require_range(key + ".mc_seed", mc_seed, 0, 1e8, "a seed in [0, 10⁸]");
  require_range(key + ".mc_threads", mc_threads, 1, 256, "threads");

  if (model == BackgroundKind::materials) {
    refuse("events_per_pot_per_kg", events_per_pot_per_kg != 0.0);
    refuse("rate_per_kg_keVee_day", rate_per_kg_keVee_day != 0.0);
    refuse("spectrum_file", !spectrum_file.empty());
    refuse("time_file", !time_file.empty());
    if (geometry_file.empty())
      throw InvalidValue(key + ".geometry_file", "\"\"", "is required for model = \"materials\" (e.g. \"data/materials/clovers.txt\")");
    return;
  }
  refuse("geometry_file", !geometry_file.empty());
  refuse("chain_events", chain_events != ChainEvents::per_nuclide);
  if (model == BackgroundKind::radioactivity) {
    refuse("events_per_pot_per_kg", events_per_pot_per_kg != 0.0);
    refuse("time_file", !time_file.empty());
    if (spectrum_file.empty() && spectrum.x.empty()) {
      require_range(key + ".energy_max_keVee", energy_max_keVee, energy_min_keVee + 1e-6, 1e4,
                    "keVee, above energy_min_keVee");
    } else {
      if (spectrum_variable != SpectrumVariable::energy_keVee)
        throw InvalidValue(key + ".spectrum_variable", std::string(spectrum_variable_names.name(spectrum_variable)),
                           "must be \"energy-keVee\" for model = \"radioactivity\" (a rate per keVee)");
      refuse("rate_per_kg_keVee_day", rate_per_kg_keVee_day != 0.0);
      require_table(key + ".spectrum_file", spectrum, spectrum_file, 0.0,
                    "rows keVee, events per kg per keVee per day");
    }
    return;
  }
  // beam
  refuse("rate_per_kg_keVee_day", rate_per_kg_keVee_day != 0.0);
  if (normalisation == BeamNormalisation::file_per_GWh) refuse("events_per_pot_per_kg", events_per_pot_per_kg != 0.0);
  if (neutrino_flavor_weights.size() != 3)
    throw InvalidValue(key + ".neutrino_flavor_weights", std::to_string(neutrino_flavor_weights.size()) + " values",
                       "needs 3 (ν_μ, ν_e, ν̄_μ)");
  if (!(weights > 0.0)) throw InvalidValue(key + ".neutrino_flavor_weights", "all 0", "needs a positive weight");
  require_table(key + ".spectrum_file", spectrum, spectrum_file, spectrum_variable == SpectrumVariable::npe ? -0.5 : 0.0,
                "the background's NPE or energy spectrum");
  if (time_profile == TimeProfile::file) require_table(key + ".time_file", time, time_file, -1e6, "µs, probability per bin");
  else refuse("time_file", !time_file.empty());
}

namespace {

/// P(X < x) for X normal with `mean` and `sd`; sd = 0: a step at the mean.
double normal_below(double x, double mean, double sd) {
  if (sd <= 0.0) return x > mean ? 1.0 : 0.0;
  return 0.5 * std::erfc(-(x - mean) / (sd * std::numbers::sqrt2));
}

/// Photoelectrons of one dark pulse: 1, or with the multi-PE fraction 1 + max(1, Poisson(mean))
/// — as daq::Simulation draws them. Index j = PE.
std::vector<double> pulse_photoelectrons(const DarkCountInputs& pmt) {
  std::vector<double> q{0.0, 1.0 - pmt.multi_pe_fraction};
  double poisson = std::exp(-pmt.multi_pe_mean), cumulative = 0.0;
  for (int extra = 0; extra < 200; ++extra) {
    if (extra > 0) poisson *= pmt.multi_pe_mean / extra;
    cumulative += poisson;
    if (extra == 0) continue;  // max(1, ·): 0 extra counts as 1
    const double p = extra == 1 ? poisson + std::exp(-pmt.multi_pe_mean) : poisson;
    q.push_back(pmt.multi_pe_fraction * p);
    if (1.0 - cumulative < 1e-15) break;
  }
  return q;
}

/// P(k PE in [from, to) of one PMT's window) for k = 0 … size − 1: dark pulses uniform over
/// the whole window (Poisson), each PE of a pulse followed by an afterpulse with its
/// probability after a normal delay (clipped at 0) — a compound Poisson distribution,
/// computed by Panjer's recursion from the expected pulses making k PE in the region.
std::vector<double> region_photoelectrons(const DarkCountInputs& pmt, double from_ns, double to_ns, std::size_t size) {
  const auto q = pulse_photoelectrons(pmt);
  const double window = pmt.window_ns;
  std::vector<double> levy(size, 0.0);  // expected pulses per trigger giving k PE in the region
  // Midpoint rule in 2000 steps per stretch before, inside and after the region, whose
  // edges the afterpulse probability has kinks at.
  constexpr int steps = 2000;
  const double rate_per_ns = pmt.dark_rate_Hz * 1e-9;
  const double edges[] = {0.0, from_ns, to_ns, window};
  for (int stretch = 0; stretch < 3; ++stretch) {
    for (int step = 0; step < steps; ++step) {
      const double dt = (edges[stretch + 1] - edges[stretch]) / steps;
      if (dt <= 0.0) break;
      const double t = edges[stretch] + (step + 0.5) * dt;
      const bool inside = stretch == 1;
      // Where the afterpulse of a PE at t lands in the region: t + max(delay, 0) in [from, to).
      const double mu = pmt.afterpulse_delay_ns, sd = pmt.afterpulse_delay_spread_ns;
      double lands = inside ? normal_below(0.0, mu, sd) : 0.0;
      const double low = std::max(from_ns - t, 0.0), high = to_ns - t;
      if (high > low) lands += normal_below(high, mu, sd) - normal_below(low, mu, sd);
      const double a = std::clamp(pmt.afterpulse_probability * lands, 0.0, 1.0 - 1e-12);
      for (std::size_t j = 1; j < q.size(); ++j) {
        // k = j (inside) + Binomial(j, a) afterpulses.
        double b = std::pow(1.0 - a, static_cast<double>(j));
        for (std::size_t i = 0; i <= j; ++i) {
          const std::size_t k = (inside ? j : 0) + i;
          if (k > 0 && k < size) levy[k] += rate_per_ns * dt * q[j] * b;
          b *= a / (1.0 - a) * static_cast<double>(j - i) / static_cast<double>(i + 1);
        }
      }
    }
  }
  double total = 0.0;
  for (double l : levy) total += l;
  std::vector<double> p(size, 0.0);
  p[0] = std::exp(-total);
  for (std::size_t k = 1; k < size; ++k) {
    double sum = 0.0;
    for (std::size_t i = 1; i <= k; ++i) sum += static_cast<double>(i) * levy[i] * p[k - i];
    p[k] = sum / static_cast<double>(k);
  }
  return p;
}

/// One crystal's dark counts with its PMTs at `pmt.dark_rate_Hz`: the per-PMT fields of
/// `r`, and P(the crystal passes criterion 3 and shows m NPE) into `crystal`.
void one_crystal_dark_counts(const DarkCountInputs& pmt, const SelectionConfig& selection, std::size_t size,
                             DarkCountsPerTrigger& r, std::vector<double>& crystal) {
  r.pmt_signal_pe = region_photoelectrons(pmt, pmt.pretrace_ns, pmt.window_ns, size);
  r.pmt_pretrace_pe = region_photoelectrons(pmt, 0.0, pmt.pretrace_ns, size);
  const double sigma = pmt.spe_resolution;

  // Criterion 2 per PMT: pretrace charge (k PE: k ± σ√k) below max_pretrace_npe.
  r.pretrace_quiet = r.pmt_pretrace_pe[0];
  for (std::size_t k = 1; k < size; ++k)
    r.pretrace_quiet += r.pmt_pretrace_pe[k] * normal_below(selection.max_pretrace_npe, double(k), sigma * std::sqrt(double(k)));
  if (!selection.afterglow_cut) r.pretrace_quiet = 1.0;

  // One PMT's signal charge on a grid of 0.05 PE (cell i: charge i·dq), restricted to what
  // passes its half of criterion 3 (charge ≥ min_pmt_npe), then the crystal's charge as the
  // sum of its two PMTs (a convolution) and its NPE as the charge rounded.
  constexpr double dq = 0.05;
  std::size_t k_max = size - 1;  // the PE count beyond which nothing is left
  while (k_max > 1 && r.pmt_signal_pe[k_max] < 1e-300) --k_max;
  const double q_max = std::min(double(size), double(k_max) + 8.0 * sigma * std::sqrt(double(k_max)) + 1.0);
  const auto cells = static_cast<std::size_t>(q_max / dq) + 1;
  const bool coincidence = selection.two_pmt_coincidence;
  const double threshold = coincidence ? selection.min_pmt_npe : -1.0;
  std::vector<double> pmt_charge(cells, 0.0);
  if (!coincidence) pmt_charge[0] = r.pmt_signal_pe[0];
  for (std::size_t k = 1; k <= k_max; ++k) {
    const double sd = sigma * std::sqrt(double(k));
    // A cell's upper edge (i + 0.5)·dq is the next one's lower edge (i + 1 − 0.5)·dq, the
    // same double: its normal_below is reused, not computed twice (the same numbers).
    double below_high = 0.0;
    bool have_high = false;
    for (std::size_t i = 0; i < cells; ++i) {
      const double edge = (double(i) - 0.5) * dq;
      const double low = std::max(edge, threshold), high = (double(i) + 0.5) * dq;
      if (high <= low) {
        have_high = false;
        continue;
      }
      const double below_low = have_high && low == edge ? below_high : normal_below(low, double(k), sd);
      below_high = normal_below(high, double(k), sd);
      have_high = true;
      pmt_charge[i] += r.pmt_signal_pe[k] * (below_high - below_low);
    }
  }
  // The crystal's NPE of charge cell n = i + j: the charge rounded, computed once per n.
  std::vector<std::size_t> npe_of(2 * cells);
  for (std::size_t n = 0; n < npe_of.size(); ++n)
    npe_of[n] = std::min(static_cast<std::size_t>(std::floor(double(n) * dq + 0.5 + 1e-9)), size - 1);
  crystal.assign(size, 0.0);  // P(passes criterion 3 and shows m NPE)
  for (std::size_t i = 0; i < cells; ++i) {
    if (pmt_charge[i] == 0.0) continue;
    for (std::size_t j = 0; j < cells; ++j) crystal[npe_of[i + j]] += pmt_charge[i] * pmt_charge[j];
  }
  crystal[0] = 0.0;  // no light in the signal region: not a candidate
  for (double c : crystal) r.crystal_coincidence += c;
}

}  // namespace

DarkCountsPerTrigger dark_counts_per_trigger(const DarkCountInputs& pmt, const DetectorConfig& detector,
                                             const SelectionConfig& selection, int npe_max) {
  DarkCountsPerTrigger r;
  const auto size = static_cast<std::size_t>(npe_max) + 1;
  const int crystals = detector.crystals;
  const auto rate_of = [&](int c) {
    return pmt.dark_rate_by_crystal_Hz.empty() ? pmt.dark_rate_Hz : pmt.dark_rate_by_crystal_Hz.at(static_cast<std::size_t>(c));
  };
  bool uniform = true;  // every crystal with the same dark rate and acceptance
  for (int c = 1; c < crystals; ++c)
    uniform = uniform && rate_of(c) == rate_of(0) && selection.acceptance_of(c) == selection.acceptance_of(0);
  std::vector<double> crystal;
  DarkCountInputs first = pmt;
  first.dark_rate_Hz = rate_of(0);
  one_crystal_dark_counts(first, selection, size, r, crystal);
  const double constant = (selection.muon_veto ? selection.muon_veto_efficiency : 1.0) *
                          (selection.afterglow_cut ? selection.afterglow_efficiency : 1.0);
  if (!uniform) {
    // Crystal c selected: its own candidate spectrum and acceptance, every PMT's pretrace
    // quiet at its own rate, and no other crystal passing criterion 3 at theirs.
    std::map<double, std::pair<DarkCountsPerTrigger, std::vector<double>>> by_rate;
    for (int c = 0; c < crystals; ++c) {
      if (by_rate.count(rate_of(c))) continue;
      DarkCountsPerTrigger one;
      std::vector<double> spectrum;
      DarkCountInputs at_rate = pmt;
      at_rate.dark_rate_Hz = rate_of(c);
      one_crystal_dark_counts(at_rate, selection, size, one, spectrum);
      by_rate.emplace(rate_of(c), std::pair{std::move(one), std::move(spectrum)});
    }
    double quiet = 1.0;
    for (int c = 0; c < crystals; ++c) quiet *= std::pow(by_rate.at(rate_of(c)).first.pretrace_quiet, 2.0);
    r.selected_npe.assign(size, 0.0);
    for (int c = 0; c < crystals; ++c) {
      const auto& [own, spectrum] = by_rate.at(rate_of(c));
      double per_crystal = constant * quiet;
      if (selection.single_crystal)
        for (int other = 0; other < crystals; ++other)
          if (other != c) per_crystal *= 1.0 - by_rate.at(rate_of(other)).first.crystal_coincidence;
      std::vector<double> selected(size);
      for (std::size_t m = 0; m < size; ++m)
        selected[m] = per_crystal * spectrum[m] * selection.acceptance_of(c)(static_cast<int>(m));
      for (std::size_t m = 0; m < size; ++m) r.selected_npe[m] += selected[m];
      r.selected_npe_by_crystal.push_back(std::move(selected));
      r.signal_quiet_by_crystal.push_back(own.pmt_signal_pe[0]);
    }
    return r;
  }

  // Criteria 1, 2 (as the constant efficiencies of every prediction, times the dark pulses'
  // own pretrace rejection in all 2N PMTs) and 4 (no other crystal passing criterion 3).
  double per_crystal = constant * std::pow(r.pretrace_quiet, 2.0 * crystals);
  if (selection.single_crystal) per_crystal *= std::pow(1.0 - r.crystal_coincidence, crystals - 1.0);
  r.selected_npe.assign(size, 0.0);
  for (std::size_t m = 0; m < size; ++m)
    r.selected_npe[m] = crystals * per_crystal * crystal[m] * selection.acceptance_of(0)(static_cast<int>(m));
  return r;
}

Spectrum2D PmtDarkCountBackground::expected(const Binning& npe, const Binning& time_us,
                                            const BackgroundContext& context) const {
  if (context.dark_counts == nullptr || context.detector == nullptr || context.selection == nullptr)
    throw std::logic_error("PmtDarkCountBackground needs the PMT, detector and selection of the context");
  const auto& pmt = *context.dark_counts;
  const auto per_trigger = dark_counts_per_trigger(pmt, *context.detector, *context.selection,
                                                   static_cast<int>(npe.size()) - 1);
  // One crystal's selected NPE and P(0 PE in one of its PMTs' signal region) → its spectrum.
  const auto crystal_spectrum = [&](const std::vector<double>& selected_npe, double signal_quiet) {
    Spectrum npe_counts(npe);
    for (std::size_t m = 0; m < npe.size(); ++m) npe_counts.counts[m] = selected_npe[m] * context.triggers;

    // Arrival time: the crystal's first pulse, the earlier of its two PMTs' first pulses —
    // each uniform-Poisson over the signal region — so P(arrival < t) = 1 − (1 − F₁(t))²
    // with F₁(t) = (1 − e^(−λt)) / (1 − e^(−λT)), t from the start of the signal region.
    const double region_ns = pmt.window_ns - pmt.pretrace_ns;
    const double lambda = -std::log(std::max(1e-300, signal_quiet)) / region_ns;  // pulses per ns
    const auto first_before = [&](double t_us) {
      const double t = std::clamp(t_us * units::us + pmt.beam_delay_ns, 0.0, region_ns);
      const double f1 = lambda * region_ns < 1e-9 ? t / region_ns : -std::expm1(-lambda * t) / -std::expm1(-lambda * region_ns);
      return 1.0 - (1.0 - f1) * (1.0 - f1);
    };
    Spectrum time_shape(time_us);
    for (std::size_t bin = 0; bin < time_us.size(); ++bin)
      time_shape.counts[bin] = first_before(time_us.high(bin)) - first_before(time_us.low(bin));
    // Spectrum2D::outer normalises the time shape to one: the share beyond the spectra window
    // is lost, as in the selection, so scale by the share inside.
    const double inside = first_before(time_us.high(time_us.size() - 1)) - first_before(time_us.low(0));
    for (double& c : npe_counts.counts) c *= inside;
    return Spectrum2D::outer(npe_counts, time_shape);
  };
  if (per_trigger.selected_npe_by_crystal.empty())
    return crystal_spectrum(per_trigger.selected_npe, per_trigger.pmt_signal_pe[0]);
  // Crystals of different dark rates: each its own time shape (its PMTs' pulse rate).
  Spectrum2D sum(npe, time_us);
  for (std::size_t c = 0; c < per_trigger.selected_npe_by_crystal.size(); ++c)
    sum += crystal_spectrum(per_trigger.selected_npe_by_crystal[c], per_trigger.signal_quiet_by_crystal[c]);
  return sum;
}

namespace background_detail {

/// Light-yield shares of the crystals (crystals with the same light yield fold once).
std::map<double, double> light_yield_shares(const DetectorConfig& detector) {
  std::map<double, double> shares;
  for (int c = 0; c < detector.crystals; ++c) shares[detector.light_yield(c)] += 1.0 / detector.crystals;
  return shares;
}

/// Adds `events` deposits of visible energy `keVee` to the true-NPE spectrum `npe`:
/// Poisson photostatistics with mean light yield × keVee (as the CEvNS signal's folding in
/// experiment/prediction.cpp, through the shared detector::poisson_probabilities); the
/// last bin takes the rest.
void add_photostatistics(double keVee, double events, const std::map<double, double>& shares, std::vector<double>& npe,
                         std::vector<double>& scratch) {
  for (const auto& [light_yield, share] : shares) {
    const auto [first, last] = poisson_probabilities(light_yield * keVee, npe.size(), scratch);
    double kept = 0.0;
    for (std::size_t n = first; n < std::min(last, npe.size() - 1); ++n) npe[n] += share * events * scratch[n], kept += scratch[n];
    npe.back() += share * events * std::max(0.0, 1.0 - kept);
  }
}

}  // namespace background_detail

namespace {
using background_detail::add_photostatistics;
using background_detail::light_yield_shares;

/// The edges of the bins whose centres a table lists: midpoints between rows, the outer
/// ones half a spacing out (clipped at `floor`).
std::vector<double> table_edges(const std::vector<double>& x, double floor) {
  std::vector<double> edges(x.size() + 1);
  if (x.size() == 1) return {std::max(floor, x[0] - 0.5), x[0] + 0.5};
  for (std::size_t i = 1; i < x.size(); ++i) edges[i] = 0.5 * (x[i - 1] + x[i]);
  edges.front() = std::max(floor, x.front() - (edges[1] - x.front()));
  edges.back() = x.back() + (x.back() - edges[x.size() - 1]);
  return edges;
}

/// The spectrum of a table as expected deposits per true NPE, each row's y × `scale`
/// (× its bin width for energy densities), energies folded with the photostatistics.
std::vector<double> true_npe_of_table(const Table& t, SpectrumVariable variable, TableFormat format, bool density,
                                      double scale, std::size_t size, const BackgroundContext& context) {
  std::vector<double> npe(size, 0.0), scratch;
  if (variable == SpectrumVariable::npe) {
    // COHERENT's release: the row centred at 0.5 is the 1-PE bin (coherent_parameters.yaml,
    // acceptanceEfficiency). Our bin n holds n photoelectrons.
    const double shift = format == TableFormat::coherent ? 0.5 : 0.0;
    for (std::size_t i = 0; i < t.x.size(); ++i) {
      const double n = std::max(0.0, std::round(t.x[i] + shift));
      npe[std::min(static_cast<std::size_t>(n), size - 1)] += t.y[i] * scale;
    }
    return npe;
  }
  const auto shares = light_yield_shares(*context.detector);
  const auto edges = table_edges(t.x, 0.0);
  // Recoils in crystals of different quenching (detector.quenching, one per crystal): each
  // quenching with its crystals' light yields and shares of the mass (the first isotope's,
  // as the context's).
  const auto& detector = *context.detector;
  std::vector<std::pair<Quenching, std::map<double, double>>> by_quenching;
  if (variable == SpectrumVariable::recoil_keVnr)
    for (int c = 1; c < detector.crystals && by_quenching.empty(); ++c)
      if (!(detector.quenching_of(c) == detector.quenching_of(0))) {
        const Isotope isotope = Target::from_formula(detector.material).components().front().isotope;
        std::vector<QuenchingConfig> models;
        for (int crystal = 0; crystal < detector.crystals; ++crystal) {
          const auto& q = detector.quenching_of(crystal);
          auto found = std::find(models.begin(), models.end(), q);
          if (found == models.end()) {
            models.push_back(q);
            by_quenching.emplace_back(Quenching(q, isotope), std::map<double, double>{});
            found = models.end() - 1;
          }
          by_quenching[static_cast<std::size_t>(found - models.begin())].second[detector.light_yield(crystal)] +=
              1.0 / detector.crystals;
        }
      }
  // Each row's bin in 16 steps: uniform within the bin, fine against a Poisson peak's width.
  constexpr int steps = 16;
  for (std::size_t i = 0; i < t.x.size(); ++i) {
    const double width = edges[i + 1] - edges[i];
    const double events = t.y[i] * scale * (density ? width : 1.0);
    if (events == 0.0) continue;
    for (int k = 0; k < steps; ++k) {
      const double e = edges[i] + (k + 0.5) * width / steps;
      if (!by_quenching.empty()) {
        for (const auto& [quenching, crystal_shares] : by_quenching)
          add_photostatistics(in_keVee(quenching.electron_equivalent(keVnr(e))), events / steps, crystal_shares,
                              npe, scratch);
        continue;
      }
      const double keVee = variable == SpectrumVariable::recoil_keVnr ? context.keVee_of_keVnr(e) : e;
      add_photostatistics(keVee, events / steps, shares, npe, scratch);
    }
  }
  return npe;
}

/// Σ over Gaussian nodes of f(offset): a normal average with σ (33 nodes over ±4σ).
template <class F>
double gaussian_average(double sigma, F&& f) {
  if (sigma <= 0.0) return f(0.0);
  constexpr int nodes = 33;
  double sum = 0.0, weights = 0.0;
  for (int k = 0; k < nodes; ++k) {
    const double z = -4.0 + 8.0 * k / (nodes - 1);
    const double w = std::exp(-0.5 * z * z);
    sum += w * f(sigma * z), weights += w;
  }
  return sum / weights;
}

}  // namespace

namespace {

/// Crystals selected alike (one PMT share and one acceptance): their share of the mass and
/// their selection.
struct SelectionGroup {
  double pmt_share;
  AcceptanceConfig acceptance;
  double weight;
};

std::vector<SelectionGroup> selection_groups(const DetectorConfig& detector, const SelectionConfig& selection) {
  std::vector<SelectionGroup> groups;
  for (int c = 0; c < detector.crystals; ++c) {
    const double share = detector.pmt_share_of(c);
    const auto& acceptance = selection.acceptance_of(c);
    const auto same = std::find_if(groups.begin(), groups.end(),
                                   [&](const SelectionGroup& g) { return g.pmt_share == share && g.acceptance == acceptance; });
    if (same != groups.end()) same->weight += 1.0 / detector.crystals;
    else groups.push_back({share, acceptance, 1.0 / detector.crystals});
  }
  std::sort(groups.begin(), groups.end(), [](const SelectionGroup& a, const SelectionGroup& b) { return a.pmt_share < b.pmt_share; });
  return groups;
}

/// A beam-related background timed by its first photoelectron (detector.arrival_time =
/// "first-photoelectron"): the arrival (its CDF `cdf`, ε(t) at the arrival, as the Monte
/// Carlo thins) convolved per true NPE with that delay, then selected as select_deposits
/// does.
Spectrum2D select_delayed_deposits(const BackgroundDeposits& deposits, const Binning& time_us,
                                   const BackgroundContext& context, const std::function<double(double)>& cdf) {
  const Binning& npe = deposits.true_npe.binning;
  const auto& detector = *context.detector;
  const int npe_max = static_cast<int>(npe.size()) - 1;
  const auto& time_efficiency = context.selection->time_efficiency;
  const auto delayed = detector.arrival_delay.delayed_time_spectra(
      [&](double low_us, double high_us) { return time_efficiency.weighted_probability(cdf, low_us, high_us); }, time_us,
      npe_max);
  const auto groups = selection_groups(detector, *context.selection);
  std::vector<double> after;
  for (const auto& g : groups) {
    const auto selected =
        SelectionEfficiency(detector.with_pmt_share(g.pmt_share), context.selection->with_acceptance(g.acceptance), npe_max)
            .apply_timed(deposits.true_npe.counts, delayed);
    if (after.empty()) after.assign(selected.size(), 0.0);
    for (std::size_t i = 0; i < selected.size(); ++i) after[i] += (groups.size() == 1 ? 1.0 : g.weight) * selected[i];
  }
  const double kept = context.selection->single_crystal && detector.crystals > 1 ? 1.0 - deposits.multi_crystal_fraction : 1.0;
  Spectrum2D out(npe, time_us);
  for (std::size_t n = 0; n < npe.size(); ++n)
    for (std::size_t t = 0; t < time_us.size(); ++t) out.at(n, t) = kept * after[n * time_us.size() + t];
  return out;
}

}  // namespace

Spectrum2D select_deposits(const BackgroundDeposits& deposits, const Binning& time_us, const BackgroundContext& context) {
  const Binning& npe = deposits.true_npe.binning;
  const auto& detector = *context.detector;
  const int npe_max = static_cast<int>(npe.size()) - 1;
  if (deposits.beam_related && detector.arrival_delay.enabled()) {
    const auto& g = deposits.time_grid_us;
    const auto& f = deposits.time_cdf;
    return select_delayed_deposits(deposits, time_us, context, [&](double t) {
      if (t <= g.front()) return f.front();
      if (t >= g.back()) return f.back();
      const auto i = static_cast<std::size_t>(std::upper_bound(g.begin(), g.end(), t) - g.begin());
      return f[i - 1] + (f[i] - f[i - 1]) * (t - g[i - 1]) / (g[i] - g[i - 1]);
    });
  }
  Spectrum after(npe);
  const auto groups = selection_groups(detector, *context.selection);
  if (groups.size() == 1) {
    after.counts = SelectionEfficiency(detector, *context.selection, npe_max).apply(deposits.true_npe.counts);
  } else {
    // Crystals of different PMT shares or acceptances: a deposit is in each crystal with its
    // share of the mass (as the Monte Carlo draws it), and is selected as that crystal is;
    // the deposit spectrum itself is the crystals' mixture of light yields and quenching.
    after.counts.assign(npe.size(), 0.0);
    for (const auto& g : groups) {
      const auto selected =
          SelectionEfficiency(detector.with_pmt_share(g.pmt_share), context.selection->with_acceptance(g.acceptance), npe_max)
              .apply(deposits.true_npe.counts);
      for (std::size_t n = 0; n < selected.size(); ++n) after.counts[n] += g.weight * selected[n];
    }
  }
  // Criterion 4: a deposit that lights a second crystal too is rejected.
  if (context.selection->single_crystal && context.detector->crystals > 1)
    for (double& c : after.counts) c *= 1.0 - deposits.multi_crystal_fraction;

  Spectrum time_shape(time_us);
  if (!deposits.beam_related) {
    for (std::size_t bin = 0; bin < time_us.size(); ++bin) time_shape.counts[bin] = time_us.width(bin);
  } else {
    const auto& g = deposits.time_grid_us;
    const auto& f = deposits.time_cdf;
    const auto cdf = [&](double t) {
      if (t <= g.front()) return f.front();
      if (t >= g.back()) return f.back();
      const auto i = static_cast<std::size_t>(std::upper_bound(g.begin(), g.end(), t) - g.begin());
      return f[i - 1] + (f[i] - f[i - 1]) * (t - g[i - 1]) / (g[i] - g[i - 1]);
    };
    const auto& time_efficiency = context.selection->time_efficiency;
    double inside = 0.0;
    if (time_efficiency.model == TimeEfficiencyModel::none) {
      for (std::size_t bin = 0; bin < time_us.size(); ++bin)
        time_shape.counts[bin] = std::max(0.0, cdf(time_us.high(bin)) - cdf(time_us.low(bin)));
      inside = cdf(time_us.high(time_us.size() - 1)) - cdf(time_us.low(0));
    } else {
      // A beam-related background arrives with the beam as the signal does and loses ε(t)
      // of its arrival time as the signal does (docs/detector.md, "time efficiency").
      for (std::size_t bin = 0; bin < time_us.size(); ++bin) {
        time_shape.counts[bin] = std::max(0.0, time_efficiency.weighted_probability(cdf, time_us.low(bin), time_us.high(bin)));
        inside += time_shape.counts[bin];
      }
    }
    // Spectrum2D::outer normalises the time shape: what arrives outside the spectra window
    // is lost, as in the selection (and with ε(t), what the time efficiency loses).
    for (double& c : after.counts) c *= inside;
    if (!(inside > 0.0)) return Spectrum2D(npe, time_us);
  }
  return Spectrum2D::outer(after, time_shape);
}

BeamBackground::BeamBackground(BackgroundConfig config) : config_(std::move(config)) {}

std::string BeamBackground::drivers() const {
  return config_.normalisation == BeamNormalisation::per_pot_per_kg ? "per POT × kg" : "per POT (per GW·h of beam)";
}

std::optional<BackgroundDeposits> BeamBackground::deposits(const Binning& npe, const BackgroundContext& context) const {
  if (context.detector == nullptr || context.arrival_time == nullptr || !context.keVee_of_keVnr)
    throw std::logic_error("BeamBackground needs the detector, the arrival time and the quenching of the context");
  BackgroundDeposits d{Spectrum(npe), true, 1.0 - config_.single_crystal_fraction, {}, {}};
  double scale = 0.0;
  if (config_.normalisation == BeamNormalisation::per_pot_per_kg) {
    // The spectrum is a shape: normalised to one over its rows.
    scale = config_.events_per_pot_per_kg * context.protons_on_target * context.detector->mass_kg / table_sum(config_.spectrum);
  } else {
    // Counts per GW·h: the exposure's beam energy is POT × proton energy.
    const double joules_per_GWh = 3.6e12, joules_per_GeV = 1.602176634e-10;
    scale = config_.file_scale * context.protons_on_target * context.proton_energy_GeV * joules_per_GeV / joules_per_GWh;
  }
  d.true_npe.counts = true_npe_of_table(config_.spectrum, config_.spectrum_variable, config_.spectrum_format, false,
                                        scale, npe.size(), context);

  // Arrival time on a 2 ns grid (fine against the ≥ 80 ns pulses) far enough on both sides
  // of the pulse and of the muon decays (τ_μ = 2.2 µs) to hold the whole profile.
  const double delay_us = config_.time_delay_ns / 1e3, spread_us = config_.time_spread_ns / 1e3;
  if (config_.time_profile == TimeProfile::file) {
    const auto edges = table_edges(config_.time.x, -1e300);
    const double total = table_sum(config_.time);
    double sum = 0.0;
    d.time_grid_us.push_back(edges.front() + delay_us);
    d.time_cdf.push_back(0.0);
    for (std::size_t i = 0; i < config_.time.x.size(); ++i) {
      sum += config_.time.y[i];
      d.time_grid_us.push_back(edges[i + 1] + delay_us);
      d.time_cdf.push_back(sum / total);
    }
    return d;
  }
  const double from = -5.0 + std::min(0.0, delay_us) - 5.0 * spread_us;
  const double to = 30.0 + std::max(0.0, delay_us) + 5.0 * spread_us;
  const auto points = static_cast<std::size_t>((to - from) / 0.002) + 1;
  double weights = 0.0;
  for (double w : config_.neutrino_flavor_weights) weights += w;
  for (std::size_t i = 0; i < points; ++i) {
    const double t_ns = (from + (to - from) * static_cast<double>(i) / static_cast<double>(points - 1)) * 1e3;
    const double c = gaussian_average(config_.time_spread_ns, [&](double offset) {
      const double t = t_ns - config_.time_delay_ns - offset;
      if (config_.time_profile == TimeProfile::beam_pulse) return context.arrival_time->cdf(Flavor::nu_mu, t);
      double mix = 0.0;
      for (std::size_t f = 0; f < all_flavors.size(); ++f)
        mix += config_.neutrino_flavor_weights[f] * context.arrival_time->cdf(all_flavors[f], t);
      return mix / weights;
    });
    d.time_grid_us.push_back(t_ns / 1e3);
    d.time_cdf.push_back(c);
  }
  return d;
}

Spectrum2D BeamBackground::expected(const Binning& npe, const Binning& time_us, const BackgroundContext& context) const {
  return select_deposits(*deposits(npe, context), time_us, context);
}

RadioactivityBackground::RadioactivityBackground(BackgroundConfig config) : config_(std::move(config)) {}

std::optional<BackgroundDeposits> RadioactivityBackground::deposits(const Binning& npe,
                                                                    const BackgroundContext& context) const {
  if (context.detector == nullptr) throw std::logic_error("RadioactivityBackground needs the detector of the context");
  BackgroundDeposits d{Spectrum(npe), false, 1.0 - config_.single_crystal_fraction, {}, {}};
  // Steady: the live time of the spectra window in every trigger, × mass.
  const double live_days = context.triggers * context.window_us * 1e-6 / 86400.0;
  const double kg_days = context.detector->mass_kg * live_days;
  if (!config_.spectrum.x.empty()) {
    d.true_npe.counts = true_npe_of_table(config_.spectrum, SpectrumVariable::energy_keVee, config_.spectrum_format,
                                          true, config_.file_scale * kg_days, npe.size(), context);
    return d;
  }
  // Flat in [energy_min, energy_max] keVee, in steps of ≤ 0.01 keVee (a third of a PE at
  // CLOVERS' 33.5 PE/keVee).
  const double low = config_.energy_min_keVee, high = config_.energy_max_keVee;
  const int steps = std::max(16, static_cast<int>(std::ceil((high - low) / 0.01)));
  const double per_step = config_.rate_per_kg_keVee_day * kg_days * (high - low) / steps;
  const auto shares = light_yield_shares(*context.detector);
  std::vector<double> scratch;
  for (int k = 0; k < steps; ++k)
    add_photostatistics(low + (k + 0.5) * (high - low) / steps, per_step, shares, d.true_npe.counts, scratch);
  return d;
}

Spectrum2D RadioactivityBackground::expected(const Binning& npe, const Binning& time_us,
                                             const BackgroundContext& context) const {
  return select_deposits(*deposits(npe, context), time_us, context);
}

std::vector<std::unique_ptr<BackgroundModel>> make_backgrounds(const std::vector<BackgroundConfig>& configs) {
  std::vector<std::unique_ptr<BackgroundModel>> models;
  for (const auto& c : configs) {
    switch (c.model) {
      case BackgroundKind::pmt_dark_counts: models.push_back(std::make_unique<PmtDarkCountBackground>(c.name)); break;
      case BackgroundKind::beam: models.push_back(std::make_unique<BeamBackground>(c)); break;
      case BackgroundKind::radioactivity: models.push_back(std::make_unique<RadioactivityBackground>(c)); break;
      case BackgroundKind::materials: models.push_back(std::make_unique<MaterialsBackground>(c)); break;
    }
  }
  return models;
}

}  // namespace cevns
