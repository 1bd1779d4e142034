#include "cevns/reco/reco_config.hpp"

#include <cmath>
#include <cstdint>
#include <string>

#include "cevns/core/error.hpp"
#include "cevns/daq/daq_config.hpp"
#include "cevns/detector/arrival_delay.hpp"

namespace cevns::reco {
namespace {

// The largest excursion a 16-bit signed sample can make from any baseline.
constexpr double max_threshold_adc = 32767.0;
constexpr std::uint32_t max_integration_samples = 100000;
// calibrate_single_pe_charge() needs at least this many charges (waveform_reco.cpp).
constexpr std::uint32_t min_calibration_pulses = 100;

}  // namespace

void RecoConfig::validate() const {
  require_positive("reco.pulse_threshold_adc", pulse_threshold_adc);
  if (pulse_threshold_adc > max_threshold_adc)
    throw InvalidValue("reco.pulse_threshold_adc", format_value(pulse_threshold_adc),
                       "must be at most 32767, the range of a 16-bit sample");
  if (integration_pre_samples > max_integration_samples)
    throw InvalidValue("reco.integration_pre_samples", std::to_string(integration_pre_samples),
                       "must be at most 100000");
  if (integration_post_samples > max_integration_samples)
    throw InvalidValue("reco.integration_post_samples", std::to_string(integration_post_samples),
                       "must be at most 100000");
  // A single PE is a pulse of tens of ADC counts over tens of samples (≈ 500); the bound is
  // the largest excursion over the longest integration.
  if (!(spe_charge_adc_samples >= 0.0 && spe_charge_adc_samples <= 1e7))
    throw InvalidValue("reco.spe_charge_adc_samples", format_value(spe_charge_adc_samples),
                       "must be zero (calibrate from the data) or positive, at most 10⁷ (≈ 500 for a 40-ADC pulse)");
  if (spe_charge_adc_samples == 0.0 && calibration_pulses < min_calibration_pulses)
    throw InvalidValue("reco.calibration_pulses", std::to_string(calibration_pulses),
                       "must be at least 100 to locate the single-PE peak; or set reco.spe_charge_adc_samples");
  if (calibration_pulses > 100'000'000)
    throw InvalidValue("reco.calibration_pulses", std::to_string(calibration_pulses),
                       "must be at most 10⁸; a few thousand locate the peak");
  if (!(max_baseline_rms_adc > 0.0 && max_baseline_rms_adc <= max_threshold_adc))
    throw InvalidValue("reco.max_baseline_rms_adc", format_value(max_baseline_rms_adc),
                       "must be in (0, 32767], the range of a 16-bit sample");
  if (off_beam_window_start_us && !(*off_beam_window_start_us >= 0.0 && *off_beam_window_start_us <= 1000.0))
    throw InvalidValue("reco.off_beam_window_start_us", format_value(*off_beam_window_start_us),
                       "must be in [0, 1000] µs from the start of the waveform, inside the pretrace");
}

OffBeamWindow off_beam_window(const RecoConfig& config, std::uint32_t samples, std::uint32_t pretrace_samples,
                              double sampling_rate_GHz) {
  OffBeamWindow window;
  if (pretrace_samples >= samples || !(sampling_rate_GHz > 0.0)) return window;
  const std::uint32_t length = samples - pretrace_samples;  // the signal region
  const double per_us = 1000.0 * sampling_rate_GHz;
  if (!config.off_beam_window_start_us) {
    // Unset: the window ends with the pretrace, if the pretrace before it is as long.
    if (pretrace_samples >= 2 * std::uint64_t{length}) window = {pretrace_samples - length, length};
    return window;
  }
  const double start_us = *config.off_beam_window_start_us;
  const double first_us = length / per_us, last_us = (pretrace_samples - std::int64_t{length}) / per_us;
  const double start = std::round(start_us * per_us);
  if (!(start >= length && start + length <= pretrace_samples)) {
    const std::string allowed =
        first_us <= last_us + 1e-12
            ? "must be in [" + format_value(first_us) + ", " + format_value(last_us) + "] µs"
            : std::string("cannot be placed: the pretrace is shorter than twice the signal region");
    throw InvalidValue("reco.off_beam_window_start_us", format_value(start_us),
                       allowed + ": the off-beam window lasts as long as the signal region (" + format_value(first_us) +
                           " µs, daq.digitizer.window_us − pretrace_us), must end inside the " +
                           format_value(pretrace_samples / per_us) +
                           " µs pretrace and needs as long a pretrace before it for criterion 2; unset it to "
                           "place the window at the end of the pretrace");
  }
  window = {static_cast<std::uint32_t>(start), length};
  return window;
}

OffBeamWindow off_beam_window(const RecoConfig& config, const daq::DigitizerConfig& digitizer) {
  return off_beam_window(config, digitizer.samples(), digitizer.pretrace_samples(), digitizer.sampling_rate_GHz);
}

double first_pulse_offset_ns(const RecoConfig& config, const daq::DaqConfig& daq) {
  // The single-PE template of daq::WaveformSynthesizer: (e^{−t/τd} − e^{−t/τr}) / its peak.
  const double rise = daq.pmt.pulse_rise_ns, decay = daq.pmt.pulse_decay_ns;
  const double peak_ns = rise * decay / (decay - rise) * std::log(decay / rise);
  const auto shape = [&](double t) { return (std::exp(-t / decay) - std::exp(-t / rise)) / (std::exp(-peak_ns / decay) - std::exp(-peak_ns / rise)); };
  const double level = config.pulse_threshold_adc / daq.pmt.spe_amplitude_adc;
  double crossing = peak_ns;
  if (level < 1.0) {
    double lo = 0.0, hi = peak_ns;  // the shape rises monotonically to its peak
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (shape(mid) > level ? hi : lo) = mid;
    }
    crossing = hi;
  }
  return crossing + 0.5 / daq.digitizer.sampling_rate_GHz;
}

void set_arrival_delay(ArrivalDelayConfig& delay, const daq::DaqConfig& daq, const RecoConfig& config) {
  delay.decay_times_ns = daq.scintillation.decay_times_ns;
  delay.weights = daq.scintillation.weights;
  delay.transit_time_spread_ns = daq.pmt.transit_time_spread_ns;
  delay.offset_ns = first_pulse_offset_ns(config, daq);
}

}  // namespace cevns::reco
