#pragma once
/// \file
/// What the DAQ records, in memory: triggers, photoelectrons (Monte Carlo truth), and
/// waveforms — either every sample of every channel, or zero-suppressed segments around
/// pulses. A run is a sequence of `TriggerBlock`s of consecutive triggers; each block is
/// simulated from its own random stream and written as one unit, so a block is also the
/// unit that survives when a run is killed.

#include <cstdint>
#include <string>
#include <vector>

namespace cevns::daq {

/// One beam trigger as the DAQ records it.
struct Trigger {
  std::uint64_t id = 0;            ///< sequential from 0 within the run
  double time_s = 0.0;             ///< trigger time since the start of the run
  float protons_on_target = 0.0F;  ///< protons in this beam pulse (0 with the beam off)
  bool beam_on = false;
  bool veto = false;               ///< µ-veto tag (any veto channel fired in the window)
  std::uint32_t veto_mask = 0;     ///< which veto bars fired (bit i = bar i), CICENNS' 32 bars
};

/// A photoelectron at a PMT (Monte Carlo truth and the input of the waveform synthesis).
struct Photoelectron {
  std::uint64_t trigger_id = 0;
  float time_ns = 0.0F;      ///< at the anode, from the start of the trigger window
  float charge = 1.0F;       ///< in units of the mean single-PE charge
  std::uint16_t channel = 0; ///< PMT channel: crystal × 2 + side (0 or 1)
  std::uint16_t source = 0;  ///< index into RunInfo::sources: what produced it
};

/// One energy deposit in a crystal (Monte Carlo truth).
struct Interaction {
  std::uint64_t trigger_id = 0;
  float time_ns = 0.0F;       ///< from the start of the trigger window
  float recoil_keVnr = 0.0F;  ///< nuclear recoil energy (0 for electron recoils)
  float visible_keVee = 0.0F; ///< electron-equivalent energy
  std::uint32_t photoelectrons = 0;  ///< photoelectrons it produced, both PMTs
  std::uint16_t crystal = 0;
  std::uint16_t source = 0;   ///< index into RunInfo::sources
};

/// Zero-suppressed waveform pieces of a block, in flat arrays: segment i covers samples
/// [first_sample[i], first_sample[i] + length[i]) of `channel[i]` in trigger
/// `trigger_id[i]`, and its ADC values are samples[offset[i] … offset[i] + length[i]).
struct Segments {
  std::vector<std::uint64_t> trigger_id;
  std::vector<std::uint16_t> channel;
  std::vector<std::uint32_t> first_sample;
  std::vector<std::uint32_t> length;
  std::vector<std::uint64_t> offset;
  std::vector<std::int16_t> samples;

  [[nodiscard]] std::size_t size() const { return trigger_id.size(); }
};

/// Which triggers a block holds, [first_trigger, first_trigger + trigger_count), and the
/// beam record of every one of them, recorded or not. Raw and reduced blocks share it.
struct BlockRecord {
  std::uint64_t index = 0;  ///< block number within the run
  std::uint64_t first_trigger = 0;
  std::uint64_t trigger_count = 0;
  double protons_on_target = 0.0;
  std::uint64_t beam_on_triggers = 0;
  std::uint64_t vetoed_triggers = 0;
};

/// A block of consecutive triggers as the DAQ records them.
struct TriggerBlock : BlockRecord {
  /// Full mode: every trigger. Zero-suppressed: the triggers with a segment or a veto tag.
  std::vector<Trigger> triggers;
  /// Full mode: ADC samples [trigger][channel][sample] of `triggers`, in their order.
  std::vector<std::int16_t> waveforms;
  /// Zero-suppressed mode: the segments.
  Segments segments;
  // Monte Carlo truth.
  std::vector<Interaction> interactions;
  std::vector<Photoelectron> photoelectrons;
};

enum class WaveformMode {
  full,             ///< every sample of every channel, as the real DAQ writes
  zero_suppressed,  ///< only samples around pulses; empty triggers are not stored
};

/// One digitised channel.
struct ChannelInfo {
  std::string name;        ///< e.g. "crystal0/pmt1"
  std::uint16_t crystal = 0;
  std::uint16_t side = 0;  ///< 0 or 1
};

/// What a raw file says about its run, beside the blocks.
struct RunInfo {
  std::string cevns_version;
  std::string experiment;
  std::string config_toml;   ///< the resolved configuration
  std::uint64_t seed = 0;
  WaveformMode mode = WaveformMode::full;
  double sampling_rate_GHz = 1.0;
  std::uint32_t samples_per_waveform = 51000;
  std::uint32_t pretrace_samples = 40000;
  int adc_bits = 14;
  double baseline_adc = 0.0;  ///< nominal baseline
  double trigger_rate_Hz = 25.0;
  std::uint64_t triggers_per_block = 0;
  std::vector<ChannelInfo> channels;
  std::vector<std::string> sources;  ///< names of what produces photoelectrons (truth)
};

}  // namespace cevns::daq
