#pragma once
/// \file
/// Reconstruction of one channel's waveform of one trigger: baseline, pulses, charge,
/// photoelectrons in the pretrace and in the signal region, first pulse time, flags.

#include <cstdint>
#include <span>
#include <vector>

#include "cevns/daq/raw_event.hpp"
#include "cevns/reco/reco_config.hpp"

namespace cevns::reco {

/// Bits of ChannelResult::flags.
enum ChannelFlag : std::uint8_t {
  saturated = 1,     ///< a sample reached the ADC limit
  bad_baseline = 2,  ///< baseline rms above RecoConfig::max_baseline_rms_adc, or no baseline samples
};

/// One reconstructed pulse.
struct Pulse {
  std::uint32_t start_sample = 0;  ///< first sample over threshold
  float charge = 0.0F;             ///< ADC counts × samples, baseline subtracted, positive
  float peak_adc = 0.0F;           ///< largest excursion from the baseline
};

/// The reconstruction of one channel in one trigger.
struct ChannelResult {
  float baseline_adc = 0.0F;
  float baseline_rms_adc = 0.0F;
  float pretrace_charge = 0.0F;  ///< charge of the pulses starting in the pretrace
  float signal_charge = 0.0F;    ///< charge of the pulses starting after the pretrace
  std::uint32_t pretrace_pulses = 0;
  std::uint32_t signal_pulses = 0;
  /// Time of the first signal-region pulse from the end of the pretrace (the beam), ns;
  /// negative when there is none.
  float first_signal_time_ns = -1.0F;
  /// The off-beam window (WaveformLayout::off_beam_samples > 0), a part of the pretrace:
  /// the charge of the pulses starting in it and in the pretrace before it, and the time
  /// of its first pulse from the window's start, ns (negative: none). Its pulses count in
  /// pretrace_charge too.
  float off_beam_charge = 0.0F;
  float off_beam_pretrace_charge = 0.0F;
  std::uint32_t off_beam_pulses = 0;
  float first_off_beam_time_ns = -1.0F;
  std::uint8_t flags = 0;
};

/// Geometry of the waveforms.
struct WaveformLayout {
  std::uint32_t samples = 50000;
  std::uint32_t pretrace_samples = 40000;
  double sampling_rate_GHz = 1.0;
  int adc_max = 16383;
  bool negative_pulses = true;
  double nominal_baseline_adc = 1000.0;  ///< used when a zero-suppressed channel has no segment
  /// Leading samples of a zero-suppressed segment before its first excursion (the DAQ's
  /// daq.zero_suppression.pre_samples): reconstruct_segments() takes the baseline from
  /// those of them outside the integration window.
  std::uint32_t zero_suppression_pre_samples = 20;
  /// The off-beam window [off_beam_start_sample, off_beam_start_sample + off_beam_samples)
  /// inside the pretrace (reco::off_beam_window()); 0 samples: none.
  std::uint32_t off_beam_start_sample = 0;
  std::uint32_t off_beam_samples = 0;
};

/// Reconstructs a full waveform of one channel (layout.samples ADC values). Appends the
/// pretrace pulses to `pretrace_pulses` when given (for the single-PE calibration).
ChannelResult reconstruct_full(std::span<const std::int16_t> samples, const WaveformLayout& layout,
                               const RecoConfig& config, std::vector<Pulse>* pretrace_pulses = nullptr);

/// Reconstructs one channel of a zero-suppressed trigger from its segments (indices into
/// `segments`, in time order); the baseline comes from the first pre-samples of each
/// segment, or the nominal one without segments.
ChannelResult reconstruct_segments(const daq::Segments& segments, std::span<const std::size_t> indices,
                                   const WaveformLayout& layout, const RecoConfig& config,
                                   std::vector<Pulse>* pretrace_pulses = nullptr);

/// The single-PE charge from a sample of pulse charges: the mean of a Gaussian fitted
/// around the most populated region (iterative ±1.5σ truncated mean, robust to the
/// multi-PE tail and to noise pulses). Returns 0 when there are too few pulses.
double calibrate_single_pe_charge(std::span<const float> charges);

}  // namespace cevns::reco
