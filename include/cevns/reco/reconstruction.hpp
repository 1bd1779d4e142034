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

class Reconstruction {
 public:
  /// `daq`: the acquisition settings of the run (pulse polarity, zero-suppression window).
  Reconstruction(const daq::RunInfo& run, const RecoConfig& config, const daq::DaqConfig& daq = {});

  /// Collects the pretrace pulses of a block for the single-PE calibration; returns true
  /// once every channel has RecoConfig::calibration_pulses of them (then stop feeding).
  /// Not thread-safe. Does nothing when the single-PE charge is configured.
  bool collect_calibration(const daq::TriggerBlock& block);
  /// Fixes the single-PE charge of every channel: the configured value, or the peak of its
  /// pretrace pulses; a channel with too few pulses takes the peak of all channels pooled.
  /// Throws cevns::Error when even the pool is too small to calibrate.
  void finish_calibration();
  /// How far the calibration got, 0 … 1: the share of RecoConfig::calibration_pulses that
  /// the channel with the fewest pulses has (1 when the single-PE charge is configured).
  [[nodiscard]] double calibration_progress() const;
  [[nodiscard]] const std::vector<double>& spe_charge() const { return spe_charge_; }
  /// Where the off-beam window starts (µs from the start of the waveform; RecoConfig::
  /// off_beam_window_start_us, checked against the run); unset: the run has no room for it.
  [[nodiscard]] std::optional<double> off_beam_window_start_us() const;

  /// Reconstructs one block (after finish_calibration()); thread-safe.
  [[nodiscard]] ReducedBlock reconstruct(const daq::TriggerBlock& block) const;

 private:
  [[nodiscard]] ChannelResult channel(const daq::TriggerBlock& block, std::size_t trigger_row,
                                      std::uint16_t channel, std::span<const std::size_t> segments,
                                      std::vector<Pulse>* pretrace) const;

  daq::RunInfo run_;
  RecoConfig config_;
  WaveformLayout layout_;
  std::uint16_t channels_;
  std::uint16_t crystals_;
  std::vector<std::vector<float>> calibration_charges_;  // per channel
  std::vector<double> spe_charge_;
  double beam_delay_ns_;  // the first proton bunch after the end of the pretrace
};

}  // namespace cevns::reco
