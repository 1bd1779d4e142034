#include "cevns/daq/daq_config.hpp"

#include <cmath>
#include <numeric>
#include <string>

#include "cevns/core/error.hpp"

namespace cevns::daq {
namespace {

void require_non_negative(const std::string& key, double value) {
  if (!(value >= 0.0) || !std::isfinite(value)) throw InvalidValue(key, format_value(value), "must be zero or positive");
}

void require_fraction(const std::string& key, double value) {
  if (!(value >= 0.0 && value <= 1.0)) throw InvalidValue(key, format_value(value), "must be in [0, 1]");
}

}  // namespace

void DigitizerConfig::validate() const {
  require_positive("daq.digitizer.sampling_rate_GHz", sampling_rate_GHz);
  require_positive("daq.digitizer.window_us", window_us);
  require_non_negative("daq.digitizer.pretrace_us", pretrace_us);
  if (!(beam_delay_ns >= 0.0 && beam_delay_ns < (window_us - pretrace_us) * 1e3))
    throw InvalidValue("daq.digitizer.beam_delay_ns", format_value(beam_delay_ns),
                       "must be zero or positive and within the signal region");
  if (pretrace_us >= window_us)
    throw InvalidValue("daq.digitizer.pretrace_us", format_value(pretrace_us),
                       "must be shorter than daq.digitizer.window_us = " + format_value(window_us));
  if (window_us * sampling_rate_GHz * 1e3 > 1e7)
    throw InvalidValue("daq.digitizer.window_us", format_value(window_us), "gives more than 10⁷ samples per waveform");
  if (adc_bits < 8 || adc_bits > 15)
    throw InvalidValue("daq.digitizer.adc_bits", std::to_string(adc_bits), "must be in [8, 15] (16-bit signed storage)");
  if (!(baseline_adc >= 0.0 && baseline_adc <= adc_max()))
    throw InvalidValue("daq.digitizer.baseline_adc", format_value(baseline_adc),
                       "must be within the ADC range [0, " + std::to_string(adc_max()) + "]");
  require_non_negative("daq.digitizer.baseline_spread_adc", baseline_spread_adc);
  require_non_negative("daq.digitizer.noise_adc", noise_adc);
}

std::uint32_t DigitizerConfig::samples() const {
  return static_cast<std::uint32_t>(std::llround(window_us * 1e3 * sampling_rate_GHz));
}

std::uint32_t DigitizerConfig::pretrace_samples() const {
  return static_cast<std::uint32_t>(std::llround(pretrace_us * 1e3 * sampling_rate_GHz));
}

void ZeroSuppressionConfig::validate() const {
  require_positive("daq.zero_suppression.threshold_adc", threshold_adc);
  if (pre_samples > 100000 || post_samples > 100000)
    throw InvalidValue("daq.zero_suppression.post_samples", std::to_string(post_samples), "must be at most 100000");
}

void PmtConfig::validate() const {
  require_non_negative("daq.pmt.dark_rate_Hz", dark_rate_Hz);
  require_fraction("daq.pmt.dark_multi_pe_fraction", dark_multi_pe_fraction);
  require_non_negative("daq.pmt.dark_multi_pe_mean", dark_multi_pe_mean);
  require_fraction("daq.pmt.afterpulse_probability", afterpulse_probability);
  require_non_negative("daq.pmt.afterpulse_delay_ns", afterpulse_delay_ns);
  require_non_negative("daq.pmt.afterpulse_delay_spread_ns", afterpulse_delay_spread_ns);
  require_non_negative("daq.pmt.transit_time_spread_ns", transit_time_spread_ns);
  require_positive("daq.pmt.pulse_rise_ns", pulse_rise_ns);
  require_positive("daq.pmt.pulse_decay_ns", pulse_decay_ns);
  if (!(pulse_decay_ns > pulse_rise_ns))
    throw InvalidValue("daq.pmt.pulse_decay_ns", format_value(pulse_decay_ns), "must be longer than daq.pmt.pulse_rise_ns");
  require_positive("daq.pmt.spe_amplitude_adc", spe_amplitude_adc);
  if (!(spe_resolution >= 0.0 && spe_resolution < 2.0))
    throw InvalidValue("daq.pmt.spe_resolution", format_value(spe_resolution), "must be in [0, 2)");
}

void ScintillationConfig::validate() const {
  if (decay_times_ns.empty() || decay_times_ns.size() != weights.size())
    throw InvalidValue("detector.scintillation.weights", std::to_string(weights.size()) + " values",
                       "needs one weight per decay time (" + std::to_string(decay_times_ns.size()) + ")");
  for (double t : decay_times_ns) require_positive("detector.scintillation.decay_times_ns", t);
  for (double w : weights) require_positive("detector.scintillation.weights", w);
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  if (std::abs(sum - 1.0) > 1e-6)
    throw InvalidValue("detector.scintillation.weights", format_value(sum) + " in total", "must sum to 1");
}

void AfterglowConfig::validate() const {
  require_non_negative("daq.afterglow.deposit_rate_Hz", deposit_rate_Hz);
  require_non_negative("daq.afterglow.deposit_photoelectrons", deposit_photoelectrons);
  require_fraction("daq.afterglow.total_fraction", total_fraction);
  require_positive("daq.afterglow.time_constant_ms", time_constant_ms);
}

void BeamTimelineConfig::validate() const {
  if (!(pot_fluctuation >= 0.0 && pot_fluctuation < 0.5))
    throw InvalidValue("daq.beam.pot_fluctuation", format_value(pot_fluctuation), "must be in [0, 0.5)");
  if (!(beam_off_fraction >= 0.0 && beam_off_fraction < 1.0))
    throw InvalidValue("daq.beam.beam_off_fraction", format_value(beam_off_fraction), "must be in [0, 1)");
  require_positive("daq.beam.beam_off_period_s", beam_off_period_s);
}

void VetoConfig::validate() const {
  if (bars < 0 || bars > 32) throw InvalidValue("daq.veto.bars", std::to_string(bars), "must be in [0, 32]");
  require_non_negative("daq.veto.rate_per_bar_Hz", rate_per_bar_Hz);
  require_positive("daq.veto.window_us", window_us);
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

}  // namespace cevns::daq
