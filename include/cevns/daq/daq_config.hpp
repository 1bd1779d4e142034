#pragma once
/// \file
/// Plain configuration of the data acquisition simulation: digitiser, PMTs, beam
/// timeline, veto, scintillation timing and afterglow. Units in the member names; every
/// default cites its source or is marked as an assumption (docs/simulation.md).

#include <cstdint>
#include <vector>

#include "cevns/background/background.hpp"

namespace cevns::daq {

/// The flash ADC of every PMT channel.
struct DigitizerConfig {
  double sampling_rate_GHz = 1.0;  ///< 1 GS/s (CLOVERS paper §2.4)
  /// Waveform length: the paper's 40 µs pretrace and 10 µs signal region (§2.4), plus the
  /// 1 µs by which the trigger leads the beam (beam_delay_ns), so that the whole signal
  /// region −1 … 10 µs of the spectra is recorded.
  double window_us = 51.0;
  double pretrace_us = 40.0;       ///< before the beam trigger (paper §2.4)
  /// The first proton bunch reaches the target this long after the end of the pretrace:
  /// the trigger leads the beam so that the whole pulse lies in the signal region
  /// (assumption; time zero of every arrival time stays the first bunch).
  double beam_delay_ns = 1000.0;
  int adc_bits = 14;               ///< assumption: a 14-bit 1 GS/s digitiser
  double baseline_adc = 1000.0;    ///< pedestal in ADC counts (assumption)
  double baseline_spread_adc = 5.0;  ///< trigger-to-trigger pedestal variation, σ (assumption)
  double noise_adc = 2.0;          ///< electronic noise per sample, σ (assumption)
  bool negative_pulses = true;     ///< PMT pulses go down from the baseline

  void validate() const;
  [[nodiscard]] std::uint32_t samples() const;
  [[nodiscard]] std::uint32_t pretrace_samples() const;
  [[nodiscard]] int adc_max() const { return (1 << adc_bits) - 1; }
};

/// Zero suppression: keep the samples around every excursion beyond the threshold.
struct ZeroSuppressionConfig {
  double threshold_adc = 10.0;   ///< |sample − baseline| that opens a segment (≈ 5σ of the noise)
  std::uint32_t pre_samples = 20;   ///< kept before the first sample over threshold
  std::uint32_t post_samples = 80;  ///< kept after the last one

  void validate() const;
};

/// One PMT model for every channel.
struct PmtConfig {
  /// Dark counts per PMT: CLOVERS R11065 at 77 K, 111 Hz (paper §3.2.2); CICENNS R877-100
  /// at 1400 V, 2.9 kHz (CICENNS 2024 slides). One value for every crystal, or one per
  /// crystal (both PMTs of crystal c at dark_rate_Hz[c]); the count is checked by
  /// SimulationConfig::validate, which knows the crystals.
  std::vector<double> dark_rate_Hz{111.0};
  /// Fraction of dark pulses with more than one PE, and their mean extra PE (assumption:
  /// the paper's dark-pulse spectrum, Fig. 10, is dominated by single PE).
  double dark_multi_pe_fraction = 0.05;
  double dark_multi_pe_mean = 1.5;
  /// Afterpulses: probability per photoelectron, mean delay and its spread (assumption,
  /// typical of bialkali PMTs).
  double afterpulse_probability = 0.01;
  double afterpulse_delay_ns = 1500.0;
  double afterpulse_delay_spread_ns = 500.0;
  /// Single-PE response: transit-time spread (σ), pulse rise and decay times, the mean
  /// peak amplitude of one PE, and the relative width of the single-PE charge
  /// (assumptions of the size of R11065 / R877 data sheets).
  double transit_time_spread_ns = 2.0;
  double pulse_rise_ns = 2.0;
  double pulse_decay_ns = 8.0;
  double spe_amplitude_adc = 40.0;
  double spe_resolution = 0.35;

  void validate() const;
  /// Dark rate of each PMT of crystal `index` (0-based), Hz.
  [[nodiscard]] double dark_rate_of(int index) const;
  /// Whether every crystal's PMTs have the same dark rate.
  [[nodiscard]] bool uniform_dark_rate() const;
};

/// Scintillation decay of the crystal: a sum of exponentials, weights summing to one.
struct ScintillationConfig {
  /// Undoped CsI at 80 K: one component of 1015 ± 17 ns (Amsler et al., NIM A 480 (2002)
  /// 494 — the CLOVERS paper's ref. [11]). CsI(Na): ≈ 630 ns (DESIGN.md: ≈0.6 µs).
  std::vector<double> decay_times_ns{1015.0};
  std::vector<double> weights{1.0};

  void validate() const;
};

/// Afterglow: large deposits (cosmic muons, γ) at a steady rate make the crystal glow for
/// milliseconds, leaking photoelectrons into the pretrace of later triggers.
struct AfterglowConfig {
  double deposit_rate_Hz = 0.0;          ///< large deposits per crystal (0 disables afterglow)
  double deposit_photoelectrons = 1e5;   ///< light of one deposit, PE
  /// Fraction of a deposit's light emitted as afterglow, exponentially with the time
  /// constant (assumptions of the order of CsI(Na)'s "~0.5 % at 6 ms", CICENNS 2024 slides).
  double total_fraction = 0.005;
  double time_constant_ms = 5.0;

  void validate() const;
};

/// The beam as seen trigger by trigger.
struct BeamTimelineConfig {
  double pot_fluctuation = 0.02;       ///< relative σ of the protons per pulse (assumption)
  /// The beam is off in whole periods of `beam_off_period_s`, each independently with
  /// probability `beam_off_fraction` (the DAQ keeps triggering: beam-off data).
  double beam_off_fraction = 0.0;
  double beam_off_period_s = 3600.0;

  void validate() const;
};

/// The µ veto: plastic scintillator bars firing at a cosmic rate.
struct VetoConfig {
  int bars = 1;                  ///< CICENNS: 32 bars (slides); CLOVERS: one 5 cm shell (paper §2.3)
  double rate_per_bar_Hz = 100.0;  ///< assumption
  double window_us = 50.0;       ///< coincidence window for a tag

  void validate() const;
};

struct DaqConfig {
  DigitizerConfig digitizer;
  ZeroSuppressionConfig zero_suppression;
  PmtConfig pmt;
  ScintillationConfig scintillation;
  AfterglowConfig afterglow;
  BeamTimelineConfig beam;
  VetoConfig veto;
  std::uint64_t triggers_per_block = 10000;  ///< unit of parallel work, writing and recovery

  void validate() const;
};

/// The parameters of the analytic PMT dark-count background, from the Monte Carlo's own.
DarkCountInputs dark_count_inputs(const DaqConfig& daq);

}  // namespace cevns::daq
