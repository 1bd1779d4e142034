#pragma once
/// \file
/// Flash-ADC waveforms from photoelectrons: single-PE pulses on a noisy baseline,
/// quantised and clamped to the ADC range, either every sample of every channel (full
/// mode) or only the segments around pulses (zero-suppressed mode).
///
/// Electronic noise comes from a table of Gaussian values drawn once per synthesiser (fixed
/// seed `WaveformSynthesizer::noise_table_seed`) and read at a random offset per trigger:
/// channel c of a trigger reads the contiguous table entries starting at
/// offset + c × samples, so within a trigger no table entry is used twice as long as
/// channels × samples ≤ the table length (≥ 2²⁰, sized to hold a whole trigger up to 2²⁴;
/// beyond that, channels c and c′ of one trigger may share entries when (c′ − c) × samples
/// wraps around the table). The table entries are independent draws, so the noise is
/// independent between samples and between the channels of a trigger; different triggers
/// reuse the same values at random, unrelated offsets. The table is standardised to mean 0
/// and σ = noise_adc exactly, so averaging over many triggers does not converge to a table
/// artefact. Cost: 4 bytes per entry (4 MiB for 2²⁰) and ≈ 20 ms to build, once.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "cevns/core/random.hpp"
#include "cevns/daq/daq_config.hpp"
#include "cevns/daq/raw_event.hpp"

namespace cevns::daq {

/// Synthesises the digitised PMT waveforms of one trigger from its photoelectrons.
///
/// Single-PE pulse: amplitude `spe_amplitude_adc × charge` at its peak, shape the
/// difference of exponentials exp(−t/τ_decay) − exp(−t/τ_rise) normalised to a peak of
/// one, which it reaches at t_peak = τ_r τ_d / (τ_d − τ_r) · ln(τ_d / τ_r); negative-going
/// from the baseline when `negative_pulses`. It is cut after t_peak + 10 τ_d, where it
/// has fallen to 6·10⁻⁵ of the peak (2 ns rise, 8 ns decay). PEs are placed to 1/`pulse_phases` of a sample from
/// precomputed templates.
///
/// Per trigger and channel the baseline is `baseline_adc` + N(0, `baseline_spread_adc`);
/// each sample adds N(0, `noise_adc`); the sum is rounded to the nearest ADC count and
/// clamped to [0, adc_max()], so that large pulses flatten at either end of the range.
///
/// Random numbers: one 64-bit draw per trigger from the caller's stream, the trigger key;
/// the noise offset and each channel's baseline are derived from it by counter-based
/// SplitMix64, so a channel's baseline costs nothing unless that channel is synthesised.
/// Both entry points draw the same key (zero_suppressed() draws none for a trigger
/// without photoelectrons in the window), so for the same stream state they produce
/// identical samples.
///
/// The synthesiser is immutable after construction: one object may be shared by threads,
/// each with its own Rng.
class WaveformSynthesizer {
 public:
  /// Sub-sample placement of a pulse: 1/16 of a sample (1/16 ns at 1 GS/s).
  static constexpr int pulse_phases = 16;
  /// The pulse is cut this many decay times after its peak.
  static constexpr double pulse_length_decay_times = 10.0;
  /// Noise table length bounds, in samples (powers of two).
  static constexpr std::size_t min_noise_table_samples = std::size_t{1} << 20;
  static constexpr std::size_t max_noise_table_samples = std::size_t{1} << 24;
  /// Seed of the noise table's stream (stream 0): the table is the same in every run; the
  /// run seed enters through the per-trigger offsets.
  static constexpr std::uint64_t noise_table_seed = 0x6e6f697365746162ULL;  // "noisetab"

  /// Validates the three configurations (throws InvalidValue) and precomputes the pulse
  /// templates and the noise table. `channels` ≥ 1 PMT channels are digitised.
  WaveformSynthesizer(const DigitizerConfig& digitizer, const PmtConfig& pmt,
                      const ZeroSuppressionConfig& zero_suppression, std::uint16_t channels);

  /// Every sample of every channel: `out` holds channels() × samples() ADC counts,
  /// [channel][sample]. `pes` may come in any order; each must have channel < channels()
  /// and finite time and charge (else std::invalid_argument). PEs whose pulse lies
  /// entirely outside the window are ignored; a pulse starting before the window
  /// contributes its tail.
  void full(std::span<const Photoelectron> pes, Rng& rng, std::span<std::int16_t> out) const;

  /// Appends to `out` the zero-suppressed segments of trigger `trigger_id`: samples where
  /// |value − channel baseline of this trigger| > threshold_adc, extended by pre_samples
  /// before and post_samples after (clamped to the window), overlapping or touching
  /// windows merged. Only the samples around PEs are synthesised: an excursion opens a
  /// segment only within the span of a PE's pulse [first sample, + pulse_samples()), so
  /// noise alone, far from any PE, never does. Segments are appended channel by channel,
  /// in time order. A trigger without PEs in the window draws no random numbers and
  /// appends nothing; a PE whose pulse never crosses the threshold appends nothing.
  void zero_suppressed(std::uint64_t trigger_id, std::span<const Photoelectron> pes, Rng& rng,
                       Segments& out) const;

  /// Number of digitised channels.
  [[nodiscard]] std::uint16_t channels() const { return channels_; }
  /// Samples per channel and trigger.
  [[nodiscard]] std::uint32_t samples() const { return samples_; }
  /// Time between samples, ns.
  [[nodiscard]] double sample_period_ns() const { return sample_period_ns_; }
  /// Length of a pulse template in samples: ceil((t_peak + 10 τ_d) / sample period) + 1.
  [[nodiscard]] std::size_t pulse_samples() const { return pulse_samples_; }
  /// Noise table length in samples (0 when noise_adc = 0).
  [[nodiscard]] std::size_t noise_table_samples() const { return noise_.size(); }

 private:
  struct Pulse;  // one PE, placed on the sample grid
  void place_pulses(std::span<const Photoelectron> pes, std::vector<Pulse>& pulses) const;
  static std::uint64_t noise_offset(std::uint64_t trigger_key);
  float channel_baseline_adc(std::uint64_t trigger_key, std::uint16_t channel) const;
  // acc[j] = baseline + noise of samples [first, first + n) of channel reading the table at
  // `table_start` (the channel's offset), then the pulses in [begin, end) added.
  void synthesise(float baseline_adc, std::uint64_t table_start, std::int64_t first, std::size_t n,
                  const Pulse* begin, const Pulse* end, float* acc) const;
  void quantise(const float* acc, std::size_t n, std::int16_t* out) const;

  DigitizerConfig digitizer_;
  PmtConfig pmt_;
  ZeroSuppressionConfig zero_suppression_;
  std::uint16_t channels_;
  std::uint32_t samples_;
  double sample_period_ns_;
  std::size_t pulse_samples_;
  /// Templates [phase][sample], phase d: first sample d/pulse_phases of a sample after the
  /// PE; signed (negative for negative pulses), peak magnitude 1.
  std::vector<float> templates_;
  /// Gaussian noise, σ = noise_adc, length a power of two; empty when noise_adc = 0.
  std::vector<float> noise_;
  std::uint64_t noise_mask_ = 0;
};

}  // namespace cevns::daq
