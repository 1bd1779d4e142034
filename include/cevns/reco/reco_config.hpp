#pragma once
/// \file
/// Configuration of the waveform reconstruction ([reco] in the experiment file).

#include <cstdint>

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

  void validate() const;
};

}  // namespace cevns::reco
