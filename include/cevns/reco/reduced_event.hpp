#pragma once
/// \file
/// The reconstructed data: one row per trigger and crystal with anything in it (a pulse
/// or a flag), and per block the beam record of every trigger. A crystal of a trigger
/// without a row had no pulse at all.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cevns/daq/raw_event.hpp"

namespace cevns::reco {

/// One crystal in one trigger.
struct CrystalEvent {
  std::uint64_t trigger_id = 0;
  double time_s = 0.0;             ///< trigger time since the run start
  float protons_on_target = 0.0F;
  std::uint8_t beam_on = 0;
  std::uint8_t veto = 0;           ///< µ-veto tag of the trigger
  std::uint16_t crystal = 0;
  float npe[2] = {0.0F, 0.0F};           ///< signal region, per PMT: charge / single-PE charge
  float pretrace_npe[2] = {0.0F, 0.0F};  ///< pretrace, per PMT
  /// First signal-region pulse of the crystal, from the first proton bunch (the beam may
  /// arrive after the end of the pretrace: daq.digitizer.beam_delay_ns); NaN: none.
  float arrival_ns = std::numeric_limits<float>::quiet_NaN();
  std::uint8_t flags = 0;          ///< OR of the channels' ChannelFlag bits
  /// Monte Carlo truth (−1 / 0 for data): the source of most true signal-region PEs of
  /// this crystal (index into the run's sources) and their number.
  std::int16_t truth_source = -1;
  std::uint32_t truth_npe = 0;
  /// The off-beam window (reco.off_beam_window_start_us): a stretch of the pretrace as
  /// long as the signal region, reconstructed as it is — its photoelectrons per PMT, those
  /// of the pretrace before it (criterion 2 of the off-beam window), and its first pulse
  /// from the window's equivalent of the first bunch (window start + beam_delay_ns, so
  /// that both windows share one time axis); NaN: none. Zero / NaN when the file has no
  /// off-beam window (ReducedRunInfo::off_beam_window_start_us unset).
  float off_beam_npe[2] = {0.0F, 0.0F};
  float off_beam_pretrace_npe[2] = {0.0F, 0.0F};
  float off_beam_arrival_ns = std::numeric_limits<float>::quiet_NaN();
};

/// The reconstructed rows of one raw block, with its block record.
struct ReducedBlock : daq::BlockRecord {
  std::vector<CrystalEvent> events;
};

/// What a reduced file says about its run.
struct ReducedRunInfo {
  daq::RunInfo raw;                    ///< the raw run's description, copied
  std::string raw_file;                ///< where it came from
  std::string reco_config_toml;        ///< the reconstruction settings used
  std::vector<double> spe_charge;      ///< single-PE charge per channel, ADC × samples
  std::uint16_t crystals = 0;
  /// Start of the off-beam window from the start of the waveform (µs; it is as long as the
  /// signal region); unset: the file has none (format version 2, or a pretrace too short).
  std::optional<double> off_beam_window_start_us;
};

}  // namespace cevns::reco
