#pragma once
/// \file
/// From raw trigger blocks to reduced blocks: single-PE calibration from the pretrace
/// pulses (dark counts, as a real experiment calibrates), then per trigger and crystal the
/// photoelectrons of each PMT in the pretrace and the signal region, the first arrival
/// time, flags, and — for simulated data — what produced the light.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/daq/daq_config.hpp"
#include "cevns/daq/raw_event.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/reco/reco_config.hpp"
#include "cevns/reco/reduced_event.hpp"
#include "cevns/reco/waveform_reco.hpp"

namespace cevns::reco {

/// How the acquisition that `config` describes differs from the one `run` was recorded
/// with — channels, crystals, sampling rate, samples per waveform, pretrace samples, ADC
/// bits — one phrase per difference, e.g. "--config cicenns.toml has 30 channels, run.h5
/// was recorded with 8" (`config_name` and `file_name` as given); empty when they agree.
[[nodiscard]] std::vector<std::string> run_differences(const daq::RunInfo& run, const daq::SimulationConfig& config,
                                                       std::string_view config_name, std::string_view file_name);

/// Throws ConfigError naming every difference of run_differences(): reconstructing a run
/// with another experiment's acquisition would read its waveforms wrongly.
void check_config_matches_run(const daq::RunInfo& run, const daq::SimulationConfig& config,
                              std::string_view config_name, std::string_view file_name);

/// A crystal row before the single-PE calibration is applied: the event with everything
/// but its photoelectron numbers, and the charges of its two PMTs (ADC counts × samples).
/// Reconstruction::normalised() divides them by the single-PE charges, so a file is
/// reconstructed in one pass while the calibration is still being collected.
struct UncalibratedEvent {
  CrystalEvent event;
  /// The reconstruction of each PMT (side 0, 1); `present[side]` false for a channel the
  /// run does not have or a zero-suppressed channel without segments.
  ChannelResult side[2];
  bool present[2] = {false, false};
};

/// What a worker collects for the single-PE calibration: the pretrace pulse charges of
/// each channel, in trigger order.
using CalibrationCharges = std::vector<std::vector<float>>;

class Reconstruction {
 public:
  /// `daq`: the acquisition settings of the run (pulse polarity, zero-suppression window,
  /// and the nominal single-PE pulse of nominal_spe_charge()).
  Reconstruction(const daq::RunInfo& run, const RecoConfig& config, const daq::DaqConfig& daq = {});

  /// Collects the pretrace pulses of a block for the single-PE calibration; returns true
  /// once every channel has RecoConfig::calibration_pulses of them (then stop feeding).
  /// Not thread-safe. Does nothing when the single-PE charge is configured.
  bool collect_calibration(const daq::TriggerBlock& block);
  /// Adds charges a worker collected (reconstruct_rows) to the calibration, as
  /// collect_calibration does for a whole block: returns true once every channel has
  /// enough. Not thread-safe.
  bool add_calibration(const CalibrationCharges& charges);
  /// True when the calibration needs no pulses: configured, or already finished.
  [[nodiscard]] bool calibrated() const { return !spe_charge_.empty(); }
  /// Fixes the single-PE charge of every channel: the configured value, or the peak of its
  /// pretrace pulses; a channel with too few pulses takes the peak of all channels pooled.
  /// When even the pool is too small: with `allow_nominal`, every channel takes
  /// nominal_spe_charge() (a warning is logged, and the function returns false); without,
  /// throws cevns::Error. Returns true when the charges were calibrated or configured.
  bool finish_calibration(bool allow_nominal = false);
  /// How far the calibration got, 0 … 1: the share of RecoConfig::calibration_pulses that
  /// the channel with the fewest pulses has (1 when the single-PE charge is configured).
  [[nodiscard]] double calibration_progress() const;
  [[nodiscard]] const std::vector<double>& spe_charge() const { return spe_charge_; }
  /// Where the off-beam window starts (µs from the start of the waveform; RecoConfig::
  /// off_beam_window_start_us, checked against the run); unset: the run has no room for it.
  [[nodiscard]] std::optional<double> off_beam_window_start_us() const;
  /// The single-PE charge the acquisition's pulse model gives, ADC counts × samples: the
  /// area of daq.pmt's single-PE pulse (docs/simulation.md: spe_amplitude_adc times the
  /// integral of the normalised difference of exponentials, (τ_d − τ_r) / peak) at the
  /// sampling rate. The fallback of a run too short to calibrate.
  [[nodiscard]] double nominal_spe_charge() const { return nominal_spe_charge_; }

  /// Reconstructs one block (after finish_calibration()); thread-safe.
  [[nodiscard]] ReducedBlock reconstruct(const daq::TriggerBlock& block) const;

  /// Reconstructs trigger rows [first_row, first_row + rows) of `block` without the
  /// single-PE calibration, appending their rows to `out`; thread-safe, callable before
  /// finish_calibration(). Full mode: `waveforms` holds those triggers' samples
  /// [trigger][channel][sample] (empty: they are taken from block.waveforms). With
  /// `calibration` (one vector per channel), appends the pretrace pulse charges to it.
  void reconstruct_rows(const daq::TriggerBlock& block, std::size_t first_row, std::size_t rows,
                        std::span<const std::int16_t> waveforms, std::vector<UncalibratedEvent>& out,
                        CalibrationCharges* calibration = nullptr) const;
  /// A row of reconstruct_rows() with the single-PE calibration applied (after
  /// finish_calibration()): exactly what reconstruct() gives.
  [[nodiscard]] CrystalEvent normalised(const UncalibratedEvent& row) const;

 private:
  daq::RunInfo run_;
  RecoConfig config_;
  WaveformLayout layout_;
  std::uint16_t channels_;
  std::uint16_t crystals_;
  std::vector<std::vector<float>> calibration_charges_;  // per channel
  std::vector<double> spe_charge_;
  double beam_delay_ns_;  // the first proton bunch after the end of the pretrace
  double nominal_spe_charge_ = 0.0;
};

}  // namespace cevns::reco
