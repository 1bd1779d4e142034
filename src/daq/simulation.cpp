#include "cevns/daq/simulation.hpp"

#include <sys/mman.h>

#include <cstdint>

#include <algorithm>
#include <mutex>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>

#include <fmt/format.h>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/core/version.hpp"
#include "cevns/daq/waveform.hpp"
#include "cevns/detector/response.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/source/decay_at_rest_source.hpp"

namespace cevns::daq {
namespace {

using namespace units;

constexpr std::uint64_t full_mode_block_bytes = 256ull << 20;
/// Macro photoelectrons standing for a large deposit inside a window: its light
/// saturates the ADC, so its detailed photon statistics do not matter.
constexpr int large_deposit_macro_pe = 50;

/// Random-stream numbers: blocks use their index; time-sliced processes use these bases.
constexpr std::uint64_t beam_stream_base = 1ull << 62;
constexpr std::uint64_t afterglow_stream_base = 1ull << 61;

/// A Poisson draw of `mean`, checked first: std::poisson_distribution never returns for a
/// mean ≥ 2⁶⁴ or ∞. `what` names the quantity (and the keys it comes from) for the error.
std::uint64_t poisson(double mean, Rng& rng, std::string_view what) {
  if (checked_poisson_mean(mean, what) == 0.0) return 0;
  return std::poisson_distribution<std::uint64_t>(mean)(rng);
}

double uniform(Rng& rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

/// Cumulative distribution of `density` on `x` by the trapezoid rule, normalised.
std::vector<double> cumulative(const std::vector<double>& x, const std::vector<double>& density) {
  std::vector<double> cdf(x.size(), 0.0);
  for (std::size_t i = 1; i < x.size(); ++i)
    cdf[i] = cdf[i - 1] + 0.5 * (density[i] + density[i - 1]) * (x[i] - x[i - 1]);
  if (cdf.back() > 0.0)
    for (double& c : cdf) c /= cdf.back();
  return cdf;
}

}  // namespace

// CEvNS of one flavour on one isotope: its share, recoil sampler and quenching (per crystal).
struct Simulation::Channel {
  Flavor flavor;
  double events;                 // over the configured exposure
  TabulatedSampler recoil_keVnr;
  std::vector<Quenching> quenching;  // [crystal] (detector.quenching)
};

// A configured background simulated as deposits of n photoelectrons.
struct Simulation::Background {
  std::uint16_t source;
  bool prompt;                   // beam-related: placed by protons, timed by `arrival_us`
  double per_trigger;            // expected deposits per (beam-on, if prompt) trigger
  TabulatedSampler photoelectrons;  // true NPE of a deposit
  std::optional<TabulatedSampler> arrival_us;  // beam-related: arrival time (µs from the first bunch)
  double multi_crystal_fraction;    // deposits that light a second crystal too
};

void SimulationConfig::validate() const {
  experiment.validate();
  daq.validate();
  const auto rates = daq.pmt.dark_rate_Hz.size();
  if (rates != 1 && rates != static_cast<std::size_t>(experiment.detector.crystals))
    throw InvalidValue("daq.pmt.dark_rate_Hz", std::to_string(rates) + " values",
                       "needs one value for all crystals or one per crystal (" +
                           std::to_string(experiment.detector.crystals) + ")");
}

void check_time_roi_is_recorded(const SimulationConfig& config) {
  // The selection looks only where the digitiser recorded a signal: from the end of the
  // pretrace (beam_delay_ns before the first bunch) to the end of the waveform.
  const auto& d = config.daq.digitizer;
  const double recorded_min_us = -d.beam_delay_ns / 1e3;
  const double recorded_max_us = d.window_us - d.pretrace_us - d.beam_delay_ns / 1e3;
  const auto& sel = config.experiment.selection;
  const double roi_min_us = sel.roi_time_min_us.value_or(config.experiment.spectra.time_min_us);
  const double roi_max_us = sel.roi_time_max_us.value_or(config.experiment.spectra.time_max_us);
  if (roi_min_us < recorded_min_us - 1e-9 || roi_max_us > recorded_max_us + 1e-9)
    throw InvalidValue(
        "selection time region of interest", "[" + format_value(roi_min_us) + ", " + format_value(roi_max_us) + "] µs",
        "must lie in the signal region the digitiser records, [" + format_value(recorded_min_us) + ", " +
            format_value(recorded_max_us) +
            "] µs from the first bunch (daq.digitizer.window_us − pretrace_us, beam_delay_ns); narrow "
            "selection.roi_time_*_us (or spectra.time_*_us) or lengthen daq.digitizer.window_us");
}

TabulatedSampler::TabulatedSampler(std::vector<double> x, std::vector<double> cdf) : x_(std::move(x)), cdf_(std::move(cdf)) {
  if (x_.size() < 2 || x_.size() != cdf_.size()) throw std::invalid_argument("TabulatedSampler needs matching grids");
}

double TabulatedSampler::operator()(double u) const {
  const auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
  if (it == cdf_.begin()) return x_.front();
  if (it == cdf_.end()) return x_.back();
  const auto i = static_cast<std::size_t>(it - cdf_.begin());
  const double span = cdf_[i] - cdf_[i - 1];
  return span > 0.0 ? x_[i - 1] + (u - cdf_[i - 1]) / span * (x_[i] - x_[i - 1]) : x_[i];
}

Simulation::Simulation(const SimulationConfig& config, WaveformMode mode)
    : config_((config.validate(), check_time_roi_is_recorded(config), config)), mode_(mode) {
  const auto& exp = config.experiment;
  const auto& daq = config.daq;
  channels_ = static_cast<std::uint16_t>(2 * exp.detector.crystals);
  window_ns_ = daq.digitizer.window_us * us;
  pretrace_ns_ = daq.digitizer.pretrace_us * us;
  const DecayAtRestSource source(exp.source);
  pot_per_pulse_ = source.proton_rate() * s / exp.source.beam.repetition_rate_Hz;
  for (int c = 0; c < exp.detector.crystals; ++c) light_yield_.push_back(exp.detector.light_yield(c));

  const std::uint64_t bytes_per_trigger = std::uint64_t{channels_} * daq.digitizer.samples() * sizeof(std::int16_t);
  triggers_per_block_ = mode == WaveformMode::full
                            ? std::clamp<std::uint64_t>(full_mode_block_bytes / bytes_per_trigger, 1, daq.triggers_per_block)
                            : daq.triggers_per_block;

  source_names_ = {"dark count", "afterpulse", "afterglow", "large deposit"};
  flavors_ = source.flavors();  // ν̄_e only from a table holding it
  for (Flavor f : flavors_) source_names_.push_back("CEvNS " + std::string(flavor_name(f)));

  // CEvNS: one sampler per flavour × isotope, on a grid in √T where the rate is smooth.
  // The analytic dark-count model predicts from this Monte Carlo's own PMTs.
  ExperimentConfig predicted = exp;
  predicted.dark_counts = dark_count_inputs(daq);
  const Prediction prediction = predict(predicted);
  const double exposure_pot = prediction.protons_on_target;
  const Target target = Target::from_formula(exp.detector.material);
  cevns_per_pot_.assign(every_flavor.size(), 0.0);
  for (const auto& component : target.components())
    for (Flavor flavor : flavors_) {
      const RecoilRate rate(exp, source, component, flavor);
      constexpr int nodes = 2000;
      std::vector<double> t_keV(nodes + 1), density(nodes + 1);
      const double u_max = std::sqrt(rate.max_recoil());
      for (int i = 0; i <= nodes; ++i) {
        const double u = u_max * i / nodes;
        t_keV[i] = u * u / keV;
        density[i] = 2.0 * u * rate(u * u);  // dN/du
      }
      // Integrate in u, sample T = u².
      std::vector<double> u_grid(nodes + 1);
      for (int i = 0; i <= nodes; ++i) u_grid[i] = u_max * i / nodes;
      const auto cdf = cumulative(u_grid, density);
      const auto& channel_prediction = *std::find_if(
          prediction.channels.begin(), prediction.channels.end(),
          [&](const ChannelPrediction& c) { return c.flavor == flavor && c.isotope == component.isotope.name; });
      std::vector<Quenching> quenching;
      for (int c = 0; c < exp.detector.crystals; ++c) quenching.emplace_back(exp.detector.quenching_of(c), component.isotope);
      cevns_.push_back({flavor, channel_prediction.events, TabulatedSampler(t_keV, cdf), std::move(quenching)});
      cevns_per_pot_[static_cast<std::size_t>(flavor)] += channel_prediction.events / exposure_pot;
    }

  // Arrival times: the exact CDF on a 1 ns grid from well before the first bunch to the
  // end of the window.
  // flavors_ run in the order of Flavor from ν_μ: arrival_ is indexed by the flavour.
  for (Flavor flavor : flavors_) {
    std::vector<double> t, cdf;
    double first = *std::min_element(exp.source.pulse.bunch_times_ns.begin(), exp.source.pulse.bunch_times_ns.end());
    if (exp.source.flux == FluxModel::table)  // the table's first emission time, arriving after the flight
      first = std::min(first, exp.source.flux_table->time_edges_ns.front() +
                                  exp.source.distance_m * m / constants::speed_of_light);
    const double reach = 5.0 * (exp.source.pulse.bunch_fwhm_ns + exp.source.pulse.bunch_rise_ns);  // either shape
    for (double time = first - reach - 100.0; time <= window_ns_; time += 1.0) {
      t.push_back(time);
      cdf.push_back(source.arrival_time().cdf(flavor, time));
    }
    arrival_.emplace_back(std::move(t), std::move(cdf));
  }

  // Backgrounds: the deposits before the selection of the same model objects predict()
  // selects from (BackgroundPrediction::deposits), drawn as deposits of n true
  // photoelectrons in one crystal. Skipped: what the Monte Carlo makes itself (the
  // pmt-dark-counts model: dark pulses from daq.pmt below) and simulate = false.
  const double exposure_triggers = prediction.beam_on_time_s * exp.source.beam.repetition_rate_Hz;
  const double spectra_window_ns = (exp.spectra.time_max_us - exp.spectra.time_min_us) * us;
  for (std::size_t b = 0; b < exp.backgrounds.size(); ++b) {
    const auto& deposits = prediction.backgrounds[b].deposits;
    if (!exp.backgrounds[b].simulate || !deposits) continue;
    const auto& true_npe = deposits->true_npe.counts;
    const double total = std::accumulate(true_npe.begin(), true_npe.end(), 0.0);
    if (!(total > 0.0)) continue;
    // A discrete distribution: cumulative sums at integer NPE, sampled by rounding up.
    std::vector<double> n(true_npe.size()), cdf(true_npe.size());
    std::iota(n.begin(), n.end(), 0.0);
    std::partial_sum(true_npe.begin(), true_npe.end(), cdf.begin());
    for (double& c : cdf) c /= total;
    // Beam-related: per proton (placed by protons); steady: the spectra window's rate over
    // the whole DAQ window.
    const double per_trigger = deposits->beam_related ? total / exposure_pot * pot_per_pulse_
                                                      : total / exposure_triggers * window_ns_ / spectra_window_ns;
    std::optional<TabulatedSampler> arrival_us;
    if (deposits->beam_related) arrival_us.emplace(deposits->time_grid_us, deposits->time_cdf);
    backgrounds_.push_back({static_cast<std::uint16_t>(source_names_.size()), deposits->beam_related, per_trigger,
                            TabulatedSampler(std::move(n), std::move(cdf)), std::move(arrival_us),
                            deposits->multi_crystal_fraction});
    source_names_.push_back(exp.backgrounds[b].name);
  }

  // Every rate is checked before the run: each value is in its range, but their product
  // (mass × power / distance², rates × channels × block size) may still not be samplable,
  // and a run should fail now rather than hang or fail hours later.
  require_finite("protons per pulse (source.beam_power_kW / proton_energy_GeV / repetition_rate_Hz)", pot_per_pulse_);
  const double block = static_cast<double>(triggers_per_block_);
  const std::string in_block = fmt::format(" in a block of {} triggers", triggers_per_block_);
  checked_poisson_mean(expected_per_trigger(dark_count) * block, "expected PMT dark counts" + in_block +
                                                                     " (daq.pmt.dark_rate_Hz × channels × window)");
  for (Flavor f : flavors_)
    checked_poisson_mean(expected_per_trigger(static_cast<std::uint16_t>(first_cevns + static_cast<int>(f))) * block,
                         fmt::format("expected CEvNS {} events{} (detector.mass_kg, source, exposure)", flavor_name(f),
                                     in_block));
  for (const auto& b : backgrounds_)
    checked_poisson_mean(b.per_trigger * block, fmt::format("expected deposits of background '{}'{}",
                                                            source_names_[b.source], in_block));
  checked_poisson_mean(daq.afterglow.deposit_rate_Hz, "large deposits per second (daq.afterglow.deposit_rate_Hz)");
  checked_poisson_mean(daq.afterglow.deposit_photoelectrons * daq.afterglow.total_fraction,
                       "afterglow photoelectrons of a deposit (daq.afterglow)");

  synthesizer_ = std::make_unique<WaveformSynthesizer>(daq.digitizer, daq.pmt, daq.zero_suppression, channels_);
}

Simulation::~Simulation() = default;

RunInfo Simulation::run_info(std::uint64_t seed) const {
  const auto& d = config_.daq.digitizer;
  RunInfo info;
  info.cevns_version = std::string(version());
  info.experiment = config_.experiment.name;
  info.seed = seed;
  info.mode = mode_;
  info.sampling_rate_GHz = d.sampling_rate_GHz;
  info.samples_per_waveform = d.samples();
  info.pretrace_samples = d.pretrace_samples();
  info.adc_bits = d.adc_bits;
  info.baseline_adc = d.baseline_adc;
  info.trigger_rate_Hz = config_.experiment.source.beam.repetition_rate_Hz;
  info.triggers_per_block = triggers_per_block_;
  for (std::uint16_t c = 0; c < channels_; ++c)
    info.channels.push_back({fmt::format("crystal{}/pmt{}", c / 2, c % 2), static_cast<std::uint16_t>(c / 2),
                             static_cast<std::uint16_t>(c % 2)});
  info.sources = source_names_;
  return info;
}

double Simulation::expected_dark_counts(int crystal) const {
  return 2.0 * config_.daq.pmt.dark_rate_of(crystal) * window_ns_ / s;
}

double Simulation::expected_per_trigger(std::uint16_t source) const {
  const auto& pmt = config_.daq.pmt;
  if (source == dark_count) {
    if (pmt.uniform_dark_rate()) return channels_ * pmt.dark_rate_Hz.front() * window_ns_ / s;
    double sum = 0.0;
    for (int c = 0; c < config_.experiment.detector.crystals; ++c) sum += expected_dark_counts(c);
    return sum;
  }
  if (source >= first_cevns && source < first_cevns + flavors_.size())
    return cevns_per_pot_[source - first_cevns] * pot_per_pulse_;
  for (const auto& b : backgrounds_)
    if (b.source == source) return b.per_trigger;
  return 0.0;
}

double Simulation::sample_recoil_keVnr(Flavor flavor, Rng& rng) const {
  double total = 0.0;
  for (const auto& c : cevns_)
    if (c.flavor == flavor) total += c.events;
  double pick = uniform(rng) * total;
  for (const auto& c : cevns_) {
    if (c.flavor != flavor) continue;
    if ((pick -= c.events) <= 0.0) return c.recoil_keVnr(uniform(rng));
  }
  return cevns_.back().recoil_keVnr(uniform(rng));
}

bool Simulation::kept_by_time_efficiency(double arrival_us, Rng& rng) const {
  const auto& efficiency = config_.experiment.selection.time_efficiency;
  if (efficiency.model == TimeEfficiencyModel::none) return true;  // no draw: the random stream is unchanged
  return uniform(rng) < efficiency(arrival_us);
}

double Simulation::sample_arrival_ns(Flavor flavor, Rng& rng) const {
  return arrival_[static_cast<std::size_t>(flavor)](uniform(rng));
}

double Simulation::sample_scintillation_delay_ns(Rng& rng) const {
  const auto& sc = config_.daq.scintillation;
  double pick = uniform(rng);
  std::size_t k = 0;
  while (k + 1 < sc.weights.size() && (pick -= sc.weights[k]) > 0.0) ++k;
  return std::exponential_distribution<double>(1.0 / sc.decay_times_ns[k])(rng);
}

void Simulation::add_photoelectron(TriggerBlock& block, std::uint64_t trigger, double time_ns, std::uint16_t channel,
                                   std::uint16_t source, Rng& rng) const {
  const auto& pmt = config_.daq.pmt;
  const double transit = pmt.transit_time_spread_ns > 0.0
                             ? std::normal_distribution<double>(0.0, pmt.transit_time_spread_ns)(rng)
                             : 0.0;
  double charge = 1.0;
  if (pmt.spe_resolution > 0.0)
    do charge = std::normal_distribution<double>(1.0, pmt.spe_resolution)(rng);
    while (charge <= 0.0);
  const double t = time_ns + transit;
  if (t >= 0.0 && t < window_ns_)
    block.photoelectrons.push_back({trigger, static_cast<float>(t), static_cast<float>(charge), channel, source});
  // Afterpulse: a delayed single PE in the same channel.
  if (source != afterpulse && pmt.afterpulse_probability > 0.0 && uniform(rng) < pmt.afterpulse_probability) {
    const double delay = std::normal_distribution<double>(pmt.afterpulse_delay_ns, pmt.afterpulse_delay_spread_ns)(rng);
    add_photoelectron(block, trigger, time_ns + std::max(delay, 0.0), channel, afterpulse, rng);
  }
}

bool Simulation::add_deposit(TriggerBlock& block, std::uint64_t trigger, double window_time_ns, std::uint16_t crystal,
                             std::uint32_t photoelectrons, float recoil_keVnr, float visible_keVee,
                             std::uint16_t source, Rng& rng) const {
  block.interactions.push_back(
      {trigger, static_cast<float>(window_time_ns), recoil_keVnr, visible_keVee, photoelectrons, crystal, source});
  const double share = config_.experiment.detector.pmt_share_of(crystal);  // per crystal (detector.pmt_share)
  bool sides[2] = {false, false};
  for (std::uint32_t k = 0; k < photoelectrons; ++k) {
    const auto side = static_cast<std::uint16_t>(uniform(rng) < share ? 0 : 1);
    sides[side] = true;
    add_photoelectron(block, trigger, window_time_ns + sample_scintillation_delay_ns(rng),
                      static_cast<std::uint16_t>(2 * crystal + side), source, rng);
  }
  return sides[0] && sides[1];
}

void Simulation::add_afterglow(TriggerBlock& block, std::uint64_t seed, Rng& rng) const {
  const auto& ag = config_.daq.afterglow;
  if (ag.deposit_rate_Hz <= 0.0) return;
  const double rate_hz = config_.experiment.source.beam.repetition_rate_Hz;
  const double tau_s = ag.time_constant_ms * 1e-3;
  const double window_s = window_ns_ / s;
  const double pretrace_s = pretrace_ns_ / s;
  // Window of trigger i: [i/rate − pretrace, i/rate − pretrace + window) in run time (s).
  const auto window_start = [&](std::uint64_t i) { return static_cast<double>(i) / rate_hz - pretrace_s; };
  const std::uint64_t first = block.first_trigger;
  const std::uint64_t last = first + block.trigger_count;
  const double t_begin = window_start(first) - 20.0 * tau_s;
  const double t_end = window_start(last);
  // Deposits come from one stream per crystal and second of run time, whoever simulates them.
  for (auto second = static_cast<std::int64_t>(std::floor(t_begin)); second < std::ceil(t_end); ++second) {
    for (int crystal = 0; crystal < config_.experiment.detector.crystals; ++crystal) {
      Rng deposits = random_stream(seed, afterglow_stream_base + static_cast<std::uint64_t>(second + (1ll << 40)) * 64 +
                                             static_cast<std::uint64_t>(crystal));
      const std::uint64_t n = poisson(ag.deposit_rate_Hz, deposits, "large deposits per second (daq.afterglow.deposit_rate_Hz)");
      for (std::uint64_t k = 0; k < n; ++k) {
        const double t_dep = static_cast<double>(second) + uniform(deposits);
        // Triggers whose window ends after the deposit, while the afterglow matters.
        auto i = static_cast<std::uint64_t>(std::max(0.0, std::ceil((t_dep + pretrace_s - window_s) * rate_hz)));
        for (i = std::max(i, first); i < last; ++i) {
          const double w0 = window_start(i);
          if (w0 - t_dep > 20.0 * tau_s) break;
          const double from = std::max(w0, t_dep) - t_dep;
          const double to = w0 + window_s - t_dep;
          if (to <= 0.0) continue;
          const auto crystal16 = static_cast<std::uint16_t>(crystal);
          if (t_dep >= w0) {  // the deposit itself is in this window: a saturating pulse
            const double per_macro = ag.deposit_photoelectrons / large_deposit_macro_pe;
            block.interactions.push_back({i, static_cast<float>((t_dep - w0) * s), 0.0F, 0.0F,
                                          static_cast<std::uint32_t>(ag.deposit_photoelectrons), crystal16,
                                          large_deposit});
            for (int m = 0; m < large_deposit_macro_pe; ++m) {
              const double t = (t_dep - w0) * s + sample_scintillation_delay_ns(rng);
              const auto channel = static_cast<std::uint16_t>(2 * crystal + (m % 2));
              if (t < window_ns_)
                block.photoelectrons.push_back({i, static_cast<float>(t), static_cast<float>(per_macro), channel, large_deposit});
            }
          }
          const double mean = ag.deposit_photoelectrons * ag.total_fraction *
                              (std::exp(-from / tau_s) - std::exp(-to / tau_s));
          const std::uint64_t pes = poisson(mean, rng, "afterglow photoelectrons of a deposit in one window (daq.afterglow)");
          for (std::uint64_t p = 0; p < pes; ++p) {
            // Exponential emission truncated to [from, to).
            const double a = std::exp(-from / tau_s), b = std::exp(-to / tau_s);
            const double t_after = -tau_s * std::log(a - uniform(rng) * (a - b));
            const double t_window_ns = (t_dep + t_after - w0) * s;
            const auto side = static_cast<std::uint16_t>(uniform(rng) < config_.experiment.detector.pmt_share_of(crystal) ? 0 : 1);
            add_photoelectron(block, i, t_window_ns, static_cast<std::uint16_t>(2 * crystal + side), afterglow, rng);
          }
        }
      }
    }
  }
}

namespace {

/// Asks the kernel for transparent huge pages over the 2 MB pages inside [data, data + bytes).
void advise_huge_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + huge - 1) & ~(huge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(huge - 1);
  if (end > begin) (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advice only
#else
  (void)data, (void)bytes;
#endif
}

}  // namespace

TriggerBlock Simulation::simulate_block(std::uint64_t seed, std::uint64_t index, std::uint64_t count,
                                        std::vector<std::int16_t> waveforms) const {
  const auto& exp = config_.experiment;
  const auto& daq = config_.daq;
  Rng rng = random_stream(seed, index);
  TriggerBlock block;
  block.index = index;
  block.first_trigger = index * triggers_per_block_;
  block.trigger_count = count;
  const double rate_hz = exp.source.beam.repetition_rate_Hz;

  // Beam record and veto of every trigger.
  std::vector<Trigger> triggers(count);
  std::vector<double> pot_cumulative(count);
  const double veto_mean = daq.veto.bars * daq.veto.rate_per_bar_Hz * daq.veto.window_us * us / s;
  const double veto_probability = -std::expm1(-veto_mean);
  std::int64_t period = -1;
  bool period_on = true;
  double pot_sum = 0.0;
  for (std::uint64_t k = 0; k < count; ++k) {
    Trigger& t = triggers[k];
    t.id = block.first_trigger + k;
    t.time_s = static_cast<double>(t.id) / rate_hz;
    const auto this_period = static_cast<std::int64_t>(t.time_s / daq.beam.beam_off_period_s);
    if (this_period != period) {
      period = this_period;
      Rng beam = random_stream(seed, beam_stream_base + static_cast<std::uint64_t>(period));
      period_on = daq.beam.beam_off_fraction <= 0.0 || uniform(beam) >= daq.beam.beam_off_fraction;
    }
    t.beam_on = period_on;
    if (t.beam_on) {
      const double pot = pot_per_pulse_ * (1.0 + daq.beam.pot_fluctuation * std::normal_distribution<double>()(rng));
      t.protons_on_target = static_cast<float>(std::max(pot, 0.0));
      ++block.beam_on_triggers;
    }
    pot_sum += t.protons_on_target;
    pot_cumulative[k] = pot_sum;
    if (veto_probability > 0.0 && uniform(rng) < veto_probability) {
      std::uint64_t hits = 0;
      while (hits == 0) hits = poisson(veto_mean, rng, "veto hits in a window (daq.veto)");
      for (std::uint64_t h = 0; h < hits; ++h)
        t.veto_mask |= 1u << static_cast<unsigned>(std::uniform_int_distribution<int>(0, daq.veto.bars - 1)(rng));
      t.veto = true;
      ++block.vetoed_triggers;
    }
  }
  block.protons_on_target = pot_sum;

  // A trigger drawn with probability ∝ its protons (beam-related) or uniformly (steady).
  const auto beam_trigger = [&](Rng& r) -> std::uint64_t {
    const double pick = uniform(r) * pot_sum;
    return static_cast<std::uint64_t>(std::upper_bound(pot_cumulative.begin(), pot_cumulative.end(), pick) -
                                      pot_cumulative.begin());
  };
  const auto any_trigger = [&](Rng& r) { return std::uniform_int_distribution<std::uint64_t>(0, count - 1)(r); };
  const auto crystal_of = [&](Rng& r) {
    return static_cast<std::uint16_t>(std::uniform_int_distribution<int>(0, exp.detector.crystals - 1)(r));
  };

  // CEvNS: Poisson total per flavour over the block's protons, placed by protons.
  if (pot_sum > 0.0)
    for (Flavor flavor : flavors_) {
      const std::uint64_t n = poisson(cevns_per_pot_[static_cast<std::size_t>(flavor)] * pot_sum, rng,
                                      "CEvNS events of one flavour in a block of triggers");
      for (std::uint64_t e = 0; e < n; ++e) {
        const std::uint64_t k = std::min<std::uint64_t>(beam_trigger(rng), count - 1);
        double pick = uniform(rng);
        double total = 0.0;
        for (const auto& c : cevns_)
          if (c.flavor == flavor) total += c.events;
        const Channel* channel = nullptr;
        for (const auto& c : cevns_) {
          if (c.flavor != flavor) continue;
          channel = &c;
          if ((pick -= c.events / total) <= 0.0) break;
        }
        const double recoil_keVnr = channel->recoil_keVnr(uniform(rng));
        const std::uint16_t crystal = crystal_of(rng);
        const double visible_keVee = in_keVee(channel->quenching[crystal].electron_equivalent(keVnr(recoil_keVnr)));
        const auto pes = static_cast<std::uint32_t>(
            poisson(light_yield_[crystal] * visible_keVee, rng, "photoelectrons of a CEvNS recoil"));
        const double arrival_ns = sample_arrival_ns(flavor, rng);
        // The analysis's time efficiency ε(t) keeps it with the probability ε(arrival)
        // (selection.time_efficiency; docs/simulation.md): as predict's selected signal.
        if (!kept_by_time_efficiency(arrival_ns / us, rng)) continue;
        const double time = pretrace_ns_ + config_.daq.digitizer.beam_delay_ns + arrival_ns;
        add_deposit(block, block.first_trigger + k, time, crystal, pes, static_cast<float>(recoil_keVnr),
                    static_cast<float>(visible_keVee), static_cast<std::uint16_t>(first_cevns + static_cast<int>(flavor)),
                    rng);
      }
    }

  // Configured backgrounds as deposits of n photoelectrons.
  for (const auto& b : backgrounds_) {
    const double expected = b.prompt ? b.per_trigger * pot_sum / pot_per_pulse_ : b.per_trigger * static_cast<double>(count);
    const std::uint64_t n = poisson(expected, rng, "background deposits in a block of triggers");
    for (std::uint64_t e = 0; e < n; ++e) {
      const std::uint64_t k = b.prompt ? std::min<std::uint64_t>(beam_trigger(rng), count - 1) : any_trigger(rng);
      // The sampler interpolates the cumulative sums linearly: x in (n − 1, n] means n.
      const auto pes = static_cast<std::uint32_t>(std::ceil(b.photoelectrons(uniform(rng))));
      const std::uint16_t crystal = crystal_of(rng);
      const double arrival_us = b.prompt ? (*b.arrival_us)(uniform(rng)) : 0.0;
      // Beam-related deposits lose ε(t) of their arrival time as the signal does; steady
      // ones are not thinned (docs/detector.md, "time efficiency").
      if (b.prompt && !kept_by_time_efficiency(arrival_us, rng)) continue;
      const double time = b.prompt ? pretrace_ns_ + config_.daq.digitizer.beam_delay_ns + arrival_us * us
                                   : uniform(rng) * window_ns_;
      const bool both_pmts = add_deposit(block, block.first_trigger + k, time, crystal, pes, 0.0F,
                                         static_cast<float>(pes / light_yield_[crystal]), b.source, rng);
      // The model's multi-crystal share is of the candidates (deposits with light in both
      // PMTs: criterion 3): those get a scatter in a second crystal too, which criterion 4
      // then rejects. It is drawn from the same spectrum above 10 PE, so that it passes
      // criterion 3 itself (a 10-PE deposit misses a PMT with probability 2⁻⁹).
      if (both_pmts && exp.detector.crystals > 1 && b.multi_crystal_fraction > 0.0 &&
          uniform(rng) < b.multi_crystal_fraction) {
        std::uint32_t companion_pe = 0;
        for (int attempt = 0; attempt < 1000 && companion_pe < 10; ++attempt)
          companion_pe = static_cast<std::uint32_t>(std::ceil(b.photoelectrons(uniform(rng))));
        companion_pe = std::max<std::uint32_t>(companion_pe, 10);
        const auto other = static_cast<std::uint16_t>(
            (crystal + 1 + std::uniform_int_distribution<int>(0, exp.detector.crystals - 2)(rng)) % exp.detector.crystals);
        add_deposit(block, block.first_trigger + k, time, other, companion_pe, 0.0F,
                    static_cast<float>(companion_pe / light_yield_[other]), b.source, rng);
      }
    }
  }

  // PMT dark counts: uniform in trigger, channel and time; some carry several PE. With
  // per-crystal rates (daq.pmt.dark_rate_Hz, one per crystal), crystal by crystal, each
  // uniform over its two PMTs.
  const auto& pmt = daq.pmt;
  const auto dark_pulse = [&](auto&& pick_channel) {
    const std::uint64_t k = any_trigger(rng);
    const auto channel = static_cast<std::uint16_t>(pick_channel());
    const double time = uniform(rng) * window_ns_;
    std::uint64_t pes = 1;
    if (uniform(rng) < pmt.dark_multi_pe_fraction) pes += std::max<std::uint64_t>(1, poisson(pmt.dark_multi_pe_mean, rng, "extra photoelectrons of a dark pulse"));
    for (std::uint64_t p = 0; p < pes; ++p) add_photoelectron(block, block.first_trigger + k, time, channel, dark_count, rng);
  };
  if (pmt.uniform_dark_rate()) {
    const std::uint64_t dark = poisson(expected_per_trigger(dark_count) * static_cast<double>(count), rng,
                                       "PMT dark counts in a block of triggers (daq.pmt.dark_rate_Hz)");
    for (std::uint64_t d = 0; d < dark; ++d)
      dark_pulse([&] { return std::uniform_int_distribution<int>(0, channels_ - 1)(rng); });
  } else {
    for (int c = 0; c < exp.detector.crystals; ++c) {
      const std::uint64_t dark = poisson(expected_dark_counts(c) * static_cast<double>(count), rng,
                                         "PMT dark counts of a crystal in a block of triggers (daq.pmt.dark_rate_Hz)");
      for (std::uint64_t d = 0; d < dark; ++d)
        dark_pulse([&] { return 2 * c + std::uniform_int_distribution<int>(0, 1)(rng); });
    }
  }

  add_afterglow(block, seed, rng);

  // Waveforms, trigger by trigger, from the photoelectrons sorted by trigger.
  std::sort(block.photoelectrons.begin(), block.photoelectrons.end(), [](const Photoelectron& a, const Photoelectron& b) {
    return a.trigger_id != b.trigger_id ? a.trigger_id < b.trigger_id : a.channel != b.channel ? a.channel < b.channel : a.time_ns < b.time_ns;
  });
  const std::size_t samples_per_trigger = std::size_t{channels_} * daq.digitizer.samples();
  const std::span<const Photoelectron> all(block.photoelectrons);
  // Full mode: the block's waveforms at once (growing them trigger by trigger moved the
  // whole block again and again), in the buffer of an earlier block when given: the same
  // size costs neither zeroing nor page faults.
  if (mode_ == WaveformMode::full) {
    block.waveforms = std::move(waveforms);
    if (block.waveforms.capacity() < count * samples_per_trigger) {
      // A new buffer: reserved, advised into 2 MB pages, then touched — a page fault per
      // 4 kB page costs ≈ 30 µs on a virtual machine.
      block.waveforms.reserve(count * samples_per_trigger);
      advise_huge_pages(block.waveforms.data(), block.waveforms.capacity() * sizeof(std::int16_t));
    }
    block.waveforms.resize(count * samples_per_trigger);
  }
  std::size_t pe = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    const std::uint64_t id = block.first_trigger + k;
    std::size_t end = pe;
    while (end < all.size() && all[end].trigger_id == id) ++end;
    const auto pes = all.subspan(pe, end - pe);
    if (mode_ == WaveformMode::full) {
      block.triggers.push_back(triggers[k]);
      synthesizer_->full(pes, rng, std::span<std::int16_t>(block.waveforms.data() + k * samples_per_trigger,
                                                           samples_per_trigger));
    } else {
      const std::size_t before = block.segments.size();
      if (!pes.empty()) synthesizer_->zero_suppressed(id, pes, rng, block.segments);
      if (block.segments.size() > before || triggers[k].veto) block.triggers.push_back(triggers[k]);
    }
    pe = end;
  }
  return block;
}

void run_simulation(const Simulation& simulation, std::uint64_t triggers, std::uint64_t seed, int threads,
                    const std::function<void(TriggerBlock&&)>& sink,
                    const std::function<void(const Progress&)>& progress) {
  run_simulation(simulation, triggers, seed, threads, sink, progress, 0, block_count(simulation, triggers));
}

std::uint64_t block_count(const Simulation& simulation, std::uint64_t triggers) {
  const std::uint64_t per_block = simulation.triggers_per_block();
  return triggers / per_block + (triggers % per_block != 0 ? 1 : 0);
}

void run_simulation(const Simulation& simulation, std::uint64_t triggers, std::uint64_t seed, int threads,
                    const std::function<void(TriggerBlock&&)>& sink, const std::function<void(const Progress&)>& progress,
                    std::uint64_t first_block, std::uint64_t end_block) {
  const std::uint64_t per_block = simulation.triggers_per_block();
  end_block = std::min(end_block, block_count(simulation, triggers));
  first_block = std::min(first_block, end_block);
  const std::uint64_t blocks = end_block - first_block;
  // The triggers of blocks [first_block, end_block): those the progress counts.
  const std::uint64_t begin_trigger = first_block * per_block;
  const std::uint64_t end_trigger = std::min(triggers, end_block * per_block);
  const auto started = std::chrono::steady_clock::now();
  // Full-mode waveform buffers, handed from written blocks to the next ones (at most
  // 2 × threads + 1 exist): a fresh 256 MB block cost a memset and its page faults.
  std::mutex mutex;
  std::vector<std::vector<std::int16_t>> buffers;
  ordered_pipeline(
      blocks, threads, [first_block](std::uint64_t i) { return first_block + i; },
      [&](std::uint64_t index) {
        std::vector<std::int16_t> buffer;
        {
          const std::lock_guard lock(mutex);
          if (!buffers.empty()) {
            buffer = std::move(buffers.back());
            buffers.pop_back();
          }
        }
        return simulation.simulate_block(seed, index, std::min(per_block, triggers - index * per_block),
                                         std::move(buffer));
      },
      [&](std::uint64_t i, TriggerBlock&& block) {
        const std::uint64_t index = first_block + i;
        sink(std::move(block));
        if (block.waveforms.capacity() > 0) {  // unless the sink kept them
          const std::lock_guard lock(mutex);
          buffers.push_back(std::move(block.waveforms));
        }
        if (progress) {
          const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          progress({std::min(end_trigger, (index + 1) * per_block) - begin_trigger, end_trigger - begin_trigger, elapsed});
        }
      });
}

}  // namespace cevns::daq
