#pragma once
/// \file
/// Configuration of the waveform reconstruction ([reco] in the experiment file).

#include <cstdint>
#include <optional>

namespace cevns {
struct ArrivalDelayConfig;
}
namespace cevns::daq {
struct DigitizerConfig;
struct DaqConfig;
}

namespace cevns::reco {

struct RecoConfig {
  /// A pulse starts where the waveform departs from the baseline by more than this
  /// (ADC counts, in the pulse direction). ≈ 5σ of the default 2-ADC noise.
  double pulse_threshold_adc = 10.0;
  /// Charge integration around a pulse: samples before the threshold crossing and after
  /// the waveform returns within the threshold.
  std::uint32_t integration_pre_samples = 5;
  std::uint32_t integration_post_samples = 30;
  /// Single-PE charge in ADC counts × samples. 0: calibrate it from the data (the peak of
  /// the charge spectrum of isolated pretrace pulses — dark counts), per channel.
  double spe_charge_adc_samples = 0.0;
  /// Pretrace pulses needed per channel for the calibration.
  std::uint32_t calibration_pulses = 2000;
  /// Flags: a baseline rms above this marks the channel of that trigger bad; a sample at
  /// the ADC limit marks it saturated.
  double max_baseline_rms_adc = 10.0;
  /// Start of the off-beam window, µs from the start of the waveform: a stretch of the
  /// pretrace as long as the signal region (daq.digitizer.window_us − pretrace_us), which
  /// sees the steady-state backgrounds but no beam (COHERENT's anti-coincidence window,
  /// before the coincidence window of the same trigger). Criterion 2 of that window looks
  /// at the pretrace before it, which must be at least as long as the window. Unset: the
  /// window ends where the pretrace ends (none if the pretrace is shorter than twice the
  /// signal region).
  std::optional<double> off_beam_window_start_us;

  /// Checks each value's own range (the off-beam window against the digitiser:
  /// off_beam_window()).
  void validate() const;
};

/// The off-beam window of a waveform in samples; samples == 0: none.
struct OffBeamWindow {
  std::uint32_t start_sample = 0;
  std::uint32_t samples = 0;
  [[nodiscard]] bool enabled() const { return samples > 0; }
};

/// Where reco.off_beam_window_start_us puts the off-beam window in waveforms of `samples`
/// samples of which `pretrace_samples` are the pretrace: as long as the signal region
/// (samples − pretrace_samples), with at least as long a pretrace before it and its end
/// within the pretrace. Throws InvalidValue naming the key, with the allowed range, when
/// a configured start does not fit; unset, it ends at the end of the pretrace, or there
/// is none when it does not fit.
[[nodiscard]] OffBeamWindow off_beam_window(const RecoConfig& config, std::uint32_t samples,
                                            std::uint32_t pretrace_samples, double sampling_rate_GHz);
/// The same for the waveforms `digitizer` records (and the same checks).
[[nodiscard]] OffBeamWindow off_beam_window(const RecoConfig& config, const daq::DigitizerConfig& digitizer);

/// The time from a photoelectron to the start of its reconstructed pulse (ns): the first
/// sample at or after the threshold crossing of a single-PE pulse of the mean amplitude,
/// t_c + ½ sample on average over the photoelectron's phase (noise and the charge spread
/// move it by a fraction of a ns).
[[nodiscard]] double first_pulse_offset_ns(const RecoConfig& config, const daq::DaqConfig& daq);
/// Gives `delay` the simulation's first-photoelectron profile: the scintillation decay
/// (detector.scintillation), the transit-time spread (daq.pmt) and first_pulse_offset_ns.
void set_arrival_delay(ArrivalDelayConfig& delay, const daq::DaqConfig& daq, const RecoConfig& config);

}  // namespace cevns::reco
