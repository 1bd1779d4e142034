#include "cevns/daq/daq_config.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "cevns/core/error.hpp"

namespace cevns::daq {
namespace {

void require_fraction(const std::string& key, double value) {
  if (!(value >= 0.0 && value <= 1.0)) throw InvalidValue(key, format_value(value), "must be in [0, 1]");
}

}  // namespace

void DigitizerConfig::validate() const {
  require_range("daq.digitizer.sampling_rate_GHz", sampling_rate_GHz, 0.01, 10.0,
                "PMT digitisers sample at 0.1–5 GS/s (CLOVERS: 1)");
  require_range("daq.digitizer.window_us", window_us, 0.0, 1000.0,
                "a waveform of at most 1 ms, the period of a 1 kHz source (CLOVERS: 50 µs)", true);
  if (!(pretrace_us >= 0.0 && pretrace_us < window_us))
    throw InvalidValue("daq.digitizer.pretrace_us", format_value(pretrace_us),
                       "must be zero or positive and shorter than daq.digitizer.window_us = " + format_value(window_us));
  if (!(beam_delay_ns >= 0.0 && beam_delay_ns < (window_us - pretrace_us) * 1e3))
    throw InvalidValue("daq.digitizer.beam_delay_ns", format_value(beam_delay_ns),
                       "must be zero or positive and within the signal region");
  if (window_us * sampling_rate_GHz * 1e3 > 1e7)
    throw InvalidValue("daq.digitizer.window_us", format_value(window_us), "gives more than 10⁷ samples per waveform");
  if (adc_bits < 8 || adc_bits > 15)
    throw InvalidValue("daq.digitizer.adc_bits", std::to_string(adc_bits), "must be in [8, 15] (16-bit signed storage)");
  const std::string adc_range = "within the ADC range of daq.digitizer.adc_bits = " + std::to_string(adc_bits);
  require_range("daq.digitizer.baseline_adc", baseline_adc, 0.0, adc_max(), adc_range);
  require_range("daq.digitizer.baseline_spread_adc", baseline_spread_adc, 0.0, adc_max(), adc_range);
  require_range("daq.digitizer.noise_adc", noise_adc, 0.0, adc_max(), adc_range);
}

std::uint32_t DigitizerConfig::samples() const {
  return static_cast<std::uint32_t>(std::llround(window_us * 1e3 * sampling_rate_GHz));
}

std::uint32_t DigitizerConfig::pretrace_samples() const {
  return static_cast<std::uint32_t>(std::llround(pretrace_us * 1e3 * sampling_rate_GHz));
}

void ZeroSuppressionConfig::validate() const {
  require_range("daq.zero_suppression.threshold_adc", threshold_adc, 0.0, 32767.0,
                "an excursion a 16-bit sample can make", true);
  if (pre_samples > 100000)
    throw InvalidValue("daq.zero_suppression.pre_samples", std::to_string(pre_samples), "must be at most 100000");
  if (post_samples > 100000)
    throw InvalidValue("daq.zero_suppression.post_samples", std::to_string(post_samples), "must be at most 100000");
}

void PmtConfig::validate() const {
  // 100 kHz is 30 × the noisiest PMT configured (R877-100: 2.9 kHz): a dark pulse every 10 µs.
  if (dark_rate_Hz.empty())
    throw InvalidValue("daq.pmt.dark_rate_Hz", "[]", "needs one value for all crystals or one per crystal");
  for (double rate : dark_rate_Hz) require_range("daq.pmt.dark_rate_Hz", rate, 0.0, 1e5, "PMT dark rates are 10 Hz – 10 kHz");
  require_fraction("daq.pmt.dark_multi_pe_fraction", dark_multi_pe_fraction);
  require_range("daq.pmt.dark_multi_pe_mean", dark_multi_pe_mean, 0.0, 100.0,
                "extra photoelectrons of a dark pulse: a few");
  require_fraction("daq.pmt.afterpulse_probability", afterpulse_probability);
  // Afterpulses follow their photoelectron by 0.1–20 µs (ion feedback).
  require_range("daq.pmt.afterpulse_delay_ns", afterpulse_delay_ns, 0.0, 1e5, "afterpulses come within ≈ 20 µs");
  require_range("daq.pmt.afterpulse_delay_spread_ns", afterpulse_delay_spread_ns, 0.0, 1e5,
                "afterpulses come within ≈ 20 µs");
  require_range("daq.pmt.transit_time_spread_ns", transit_time_spread_ns, 0.0, 100.0,
                "PMT transit-time spreads are 0.3–10 ns");
  // The single-PE template spans several decay times, each sample of it stored.
  require_range("daq.pmt.pulse_rise_ns", pulse_rise_ns, 0.0, 100.0, "PMT pulses rise in a few ns", true);
  require_range("daq.pmt.pulse_decay_ns", pulse_decay_ns, 0.0, 1000.0,
                "single-PE pulses decay in ≈ 10 ns; 1 µs is a slow shaping amplifier", true);
  if (!(pulse_decay_ns > pulse_rise_ns))
    throw InvalidValue("daq.pmt.pulse_decay_ns", format_value(pulse_decay_ns), "must be longer than daq.pmt.pulse_rise_ns");
  require_range("daq.pmt.spe_amplitude_adc", spe_amplitude_adc, 0.0, 32767.0, "a height a 16-bit sample can have",
                true);
  if (!(spe_resolution >= 0.0 && spe_resolution < 2.0))
    throw InvalidValue("daq.pmt.spe_resolution", format_value(spe_resolution), "must be in [0, 2)");
}

void ScintillationConfig::validate() const {
  if (decay_times_ns.empty() || decay_times_ns.size() != weights.size())
    throw InvalidValue("detector.scintillation.weights", std::to_string(weights.size()) + " values",
                       "needs one weight per decay time (" + std::to_string(decay_times_ns.size()) + ")");
  if (decay_times_ns.size() > 10)
    throw InvalidValue("detector.scintillation.decay_times_ns", std::to_string(decay_times_ns.size()) + " values",
                       "must be at most 10 components");
  // Inorganic scintillators decay in 10 ns – 10 µs (undoped CsI at 80 K: 1015 ns).
  for (double t : decay_times_ns)
    require_range("detector.scintillation.decay_times_ns", t, 0.0, 1e5, "scintillators decay within ≈ 10 µs", true);
  for (double w : weights) require_range("detector.scintillation.weights", w, 0.0, 1.0, "shares summing to 1", true);
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (std::abs(sum - 1.0) > 1e-6)
    throw InvalidValue("detector.scintillation.weights", format_value(sum) + " in total", "must sum to 1");
}

void AfterglowConfig::validate() const {
  // Muons cross a kilogram crystal at ≈ 1 Hz; 10 kHz of large deposits is a hot source.
  require_range("daq.afterglow.deposit_rate_Hz", deposit_rate_Hz, 0.0, 1e4, "large deposits per second per crystal");
  // A 100 MeV muon in CsI at 33.5 PE/keVee: 3·10⁶ PE.
  require_range("daq.afterglow.deposit_photoelectrons", deposit_photoelectrons, 0.0, 1e7,
                "the light of a muon crossing a crystal is ≈ 3·10⁶ PE");
  require_fraction("daq.afterglow.total_fraction", total_fraction);
  // CsI(Na) glows for milliseconds ("~0.5 % at 6 ms"); the Monte Carlo follows 20 of them.
  require_range("daq.afterglow.time_constant_ms", time_constant_ms, 1e-3, 1e3,
                "afterglow outlasts the prompt scintillation (µs) and is gone within seconds");
}

void BeamTimelineConfig::validate() const {
  if (!(pot_fluctuation >= 0.0 && pot_fluctuation < 0.5))
    throw InvalidValue("daq.beam.pot_fluctuation", format_value(pot_fluctuation), "must be in [0, 0.5)");
  if (!(beam_off_fraction >= 0.0 && beam_off_fraction < 1.0))
    throw InvalidValue("daq.beam.beam_off_fraction", format_value(beam_off_fraction), "must be in [0, 1)");
  require_range("daq.beam.beam_off_period_s", beam_off_period_s, 1.0, 1e8,
                "beam-off periods last minutes to months");
}

void VetoConfig::validate() const {
  if (bars < 0 || bars > 32) throw InvalidValue("daq.veto.bars", std::to_string(bars), "must be in [0, 32]");
  // Cosmic muons hit a 1 m² bar at ≈ 100–200 Hz.
  require_range("daq.veto.rate_per_bar_Hz", rate_per_bar_Hz, 0.0, 1e5, "cosmic rates per bar are ≈ 100 Hz");
  require_range("daq.veto.window_us", window_us, 0.0, 1000.0, "a coincidence window within the waveform", true);
}

void DaqConfig::validate() const {
  digitizer.validate();
  zero_suppression.validate();
  pmt.validate();
  scintillation.validate();
  afterglow.validate();
  beam.validate();
  veto.validate();
  if (triggers_per_block < 1 || triggers_per_block > 10'000'000)
    throw InvalidValue("daq.triggers_per_block", std::to_string(triggers_per_block), "must be in [1, 10⁷]");
}

double PmtConfig::dark_rate_of(int index) const {
  return dark_rate_Hz.size() == 1 ? dark_rate_Hz.front() : dark_rate_Hz.at(static_cast<std::size_t>(index));
}

bool PmtConfig::uniform_dark_rate() const {
  return std::all_of(dark_rate_Hz.begin(), dark_rate_Hz.end(), [&](double r) { return r == dark_rate_Hz.front(); });
}

DarkCountInputs dark_count_inputs(const DaqConfig& daq) {
  const auto& p = daq.pmt;
  const auto& d = daq.digitizer;
  // Equal rates are one rate: the same numbers as a single value.
  return {.dark_rate_Hz = p.dark_rate_Hz.front(),
          .dark_rate_by_crystal_Hz = p.uniform_dark_rate() ? std::vector<double>{} : p.dark_rate_Hz,
          .multi_pe_fraction = p.dark_multi_pe_fraction,
          .multi_pe_mean = p.dark_multi_pe_mean,
          .afterpulse_probability = p.afterpulse_probability,
          .afterpulse_delay_ns = p.afterpulse_delay_ns,
          .afterpulse_delay_spread_ns = p.afterpulse_delay_spread_ns,
          .spe_resolution = p.spe_resolution,
          .window_ns = d.window_us * 1e3,
          .pretrace_ns = d.pretrace_us * 1e3,
          .beam_delay_ns = d.beam_delay_ns};
}

}  // namespace cevns::daq
