#include "cevns/reco/reconstruction.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cevns/core/error.hpp"

namespace cevns::reco {

std::vector<std::string> run_differences(const daq::RunInfo& run, const daq::SimulationConfig& config,
                                         std::string_view config_name, std::string_view file_name) {
  std::vector<std::string> out;
  const auto differ = [&](std::string_view what, const auto& configured, const auto& recorded) {
    if (configured != recorded)
      out.push_back(
          fmt::format("{} has {} {}, {} was recorded with {} {}", config_name, configured, what, file_name, recorded, what));
  };
  const auto& d = config.daq.digitizer;
  std::uint32_t recorded_crystals = 0;
  for (const auto& c : run.channels) recorded_crystals = std::max<std::uint32_t>(recorded_crystals, c.crystal + 1U);
  const auto crystals = static_cast<std::uint32_t>(config.experiment.detector.crystals);
  differ("channels", std::size_t{2} * crystals, run.channels.size());  // two PMTs per crystal
  differ("crystals", crystals, recorded_crystals);
  differ("GS/s", fmt::format("{:g}", d.sampling_rate_GHz), fmt::format("{:g}", run.sampling_rate_GHz));
  differ("samples per waveform", d.samples(), run.samples_per_waveform);
  differ("pretrace samples", d.pretrace_samples(), run.pretrace_samples);
  differ("ADC bits", d.adc_bits, run.adc_bits);
  return out;
}

void check_config_matches_run(const daq::RunInfo& run, const daq::SimulationConfig& config,
                              std::string_view config_name, std::string_view file_name) {
  const auto differences = run_differences(run, config, config_name, file_name);
  if (differences.empty()) return;
  throw ConfigError(fmt::format("the configuration does not describe the acquisition of {}: {}; give the configuration "
                                "the run was recorded with, or none to use the one stored in the file",
                                file_name, fmt::join(differences, "; ")));
}

Reconstruction::Reconstruction(const daq::RunInfo& run, const RecoConfig& config, const daq::DaqConfig& daq)
    : run_(run), config_((config.validate(), config)), beam_delay_ns_(daq.digitizer.beam_delay_ns) {
  layout_.samples = run.samples_per_waveform;
  layout_.pretrace_samples = run.pretrace_samples;
  layout_.sampling_rate_GHz = run.sampling_rate_GHz;
  layout_.adc_max = (1 << run.adc_bits) - 1;
  layout_.negative_pulses = daq.digitizer.negative_pulses;
  layout_.zero_suppression_pre_samples = daq.zero_suppression.pre_samples;
  layout_.nominal_baseline_adc = run.baseline_adc;
  const OffBeamWindow off_beam = off_beam_window(config_, run.samples_per_waveform, run.pretrace_samples, run.sampling_rate_GHz);
  layout_.off_beam_start_sample = off_beam.start_sample;
  layout_.off_beam_samples = off_beam.samples;
  channels_ = static_cast<std::uint16_t>(run.channels.size());
  crystals_ = 0;
  for (const auto& c : run.channels) crystals_ = std::max<std::uint16_t>(crystals_, static_cast<std::uint16_t>(c.crystal + 1));
  calibration_charges_.resize(channels_);
  if (config_.spe_charge_adc_samples > 0.0) spe_charge_.assign(channels_, config_.spe_charge_adc_samples);
}

ChannelResult Reconstruction::channel(const daq::TriggerBlock& block, std::size_t trigger_row, std::uint16_t channel,
                                      std::span<const std::size_t> segments, std::vector<Pulse>* pretrace) const {
  if (run_.mode == daq::WaveformMode::full) {
    const std::size_t per_trigger = std::size_t{channels_} * layout_.samples;
    const auto all = std::span<const std::int16_t>(block.waveforms);
    return reconstruct_full(all.subspan(trigger_row * per_trigger + std::size_t{channel} * layout_.samples, layout_.samples),
                            layout_, config_, pretrace);
  }
  return reconstruct_segments(block.segments, segments, layout_, config_, pretrace);
}

/// Segment indices of a block by (trigger id, channel), in time order.
static std::map<std::pair<std::uint64_t, std::uint16_t>, std::vector<std::size_t>> index_segments(
    const daq::Segments& segments) {
  std::map<std::pair<std::uint64_t, std::uint16_t>, std::vector<std::size_t>> index;
  for (std::size_t i = 0; i < segments.size(); ++i) index[{segments.trigger_id[i], segments.channel[i]}].push_back(i);
  return index;
}

bool Reconstruction::collect_calibration(const daq::TriggerBlock& block) {
  if (!spe_charge_.empty()) return true;
  const auto segments = index_segments(block.segments);
  std::vector<Pulse> pulses;
  for (std::size_t row = 0; row < block.triggers.size(); ++row)
    for (std::uint16_t c = 0; c < channels_; ++c) {
      const auto it = segments.find({block.triggers[row].id, c});
      if (run_.mode != daq::WaveformMode::full && it == segments.end()) continue;
      pulses.clear();
      const std::span<const std::size_t> mine =
          it == segments.end() ? std::span<const std::size_t>() : std::span<const std::size_t>(it->second);
      (void)channel(block, row, c, mine, &pulses);
      for (const auto& p : pulses) calibration_charges_[c].push_back(p.charge);
    }
  return std::all_of(calibration_charges_.begin(), calibration_charges_.end(),
                     [&](const auto& charges) { return charges.size() >= config_.calibration_pulses; });
}

std::optional<double> Reconstruction::off_beam_window_start_us() const {
  if (layout_.off_beam_samples == 0) return std::nullopt;
  return layout_.off_beam_start_sample / (1000.0 * layout_.sampling_rate_GHz);
}

double Reconstruction::calibration_progress() const {
  if (!spe_charge_.empty() || calibration_charges_.empty() || config_.calibration_pulses == 0) return 1.0;
  std::size_t fewest = calibration_charges_.front().size();
  for (const auto& charges : calibration_charges_) fewest = std::min(fewest, charges.size());
  return std::min(1.0, static_cast<double>(fewest) / static_cast<double>(config_.calibration_pulses));
}

void Reconstruction::finish_calibration() {
  if (!spe_charge_.empty()) return;
  std::vector<float> pooled;
  for (const auto& charges : calibration_charges_) pooled.insert(pooled.end(), charges.begin(), charges.end());
  const double pooled_spe = calibrate_single_pe_charge(pooled);
  spe_charge_.resize(channels_);
  for (std::uint16_t c = 0; c < channels_; ++c) {
    const double own = calibration_charges_[c].size() >= config_.calibration_pulses
                           ? calibrate_single_pe_charge(calibration_charges_[c])
                           : 0.0;
    spe_charge_[c] = own > 0.0 ? own : pooled_spe;
    if (!(spe_charge_[c] > 0.0))
      throw Error(fmt::format(
          "cannot calibrate the single-PE charge ({} pretrace pulses in all channels, too few to find the peak); "
          "reconstruct more triggers, or set reco.spe_charge_adc_samples",
          pooled.size()));
  }
  calibration_charges_.clear();
}

ReducedBlock Reconstruction::reconstruct(const daq::TriggerBlock& block) const {
  if (spe_charge_.empty()) throw std::logic_error("Reconstruction::reconstruct before finish_calibration");
  ReducedBlock out;
  static_cast<daq::BlockRecord&>(out) = block;

  const auto segments = index_segments(block.segments);
  // Truth: photoelectrons of the signal region per (trigger, crystal) and source.
  std::map<std::pair<std::uint64_t, std::uint16_t>, std::map<std::uint16_t, std::uint32_t>> truth;
  const double pretrace_ns = layout_.pretrace_samples / layout_.sampling_rate_GHz;
  for (const auto& pe : block.photoelectrons)
    if (pe.time_ns >= pretrace_ns) ++truth[{pe.trigger_id, static_cast<std::uint16_t>(pe.channel / 2)}][pe.source];

  for (std::size_t row = 0; row < block.triggers.size(); ++row) {
    const auto& trigger = block.triggers[row];
    for (std::uint16_t crystal = 0; crystal < crystals_; ++crystal) {
      CrystalEvent event;
      bool anything = false;
      float first_signal_ns = -1.0F;
      float first_off_beam_ns = -1.0F;
      for (std::uint16_t side = 0; side < 2; ++side) {
        const auto c = static_cast<std::uint16_t>(2 * crystal + side);
        if (c >= channels_) continue;
        const auto it = segments.find({trigger.id, c});
        if (run_.mode != daq::WaveformMode::full && it == segments.end()) continue;
        const std::span<const std::size_t> mine =
            it == segments.end() ? std::span<const std::size_t>() : std::span<const std::size_t>(it->second);
        const ChannelResult r = channel(block, row, c, mine, nullptr);
        event.npe[side] = static_cast<float>(r.signal_charge / spe_charge_[c]);
        event.pretrace_npe[side] = static_cast<float>(r.pretrace_charge / spe_charge_[c]);
        if (r.first_signal_time_ns >= 0.0F && (first_signal_ns < 0.0F || r.first_signal_time_ns < first_signal_ns))
          first_signal_ns = r.first_signal_time_ns;
        event.off_beam_npe[side] = static_cast<float>(r.off_beam_charge / spe_charge_[c]);
        event.off_beam_pretrace_npe[side] = static_cast<float>(r.off_beam_pretrace_charge / spe_charge_[c]);
        if (r.first_off_beam_time_ns >= 0.0F && (first_off_beam_ns < 0.0F || r.first_off_beam_time_ns < first_off_beam_ns))
          first_off_beam_ns = r.first_off_beam_time_ns;
        event.flags |= r.flags;
        anything = anything || r.signal_pulses > 0 || r.pretrace_pulses > 0 || r.flags != 0;
      }
      if (!anything) continue;
      if (first_signal_ns >= 0.0F) event.arrival_ns = static_cast<float>(first_signal_ns - beam_delay_ns_);
      // The off-beam window's own "first bunch", beam_delay_ns after its start.
      if (first_off_beam_ns >= 0.0F) event.off_beam_arrival_ns = static_cast<float>(first_off_beam_ns - beam_delay_ns_);
      event.trigger_id = trigger.id;
      event.time_s = trigger.time_s;
      event.protons_on_target = trigger.protons_on_target;
      event.beam_on = trigger.beam_on ? 1 : 0;
      event.veto = trigger.veto ? 1 : 0;
      event.crystal = crystal;
      if (const auto it = truth.find({trigger.id, crystal}); it != truth.end()) {
        std::uint32_t best = 0;
        for (const auto& [source, count] : it->second) {
          event.truth_npe += count;
          if (count > best) best = count, event.truth_source = static_cast<std::int16_t>(source);
        }
      }
      out.events.push_back(event);
    }
  }
  return out;
}

}  // namespace cevns::reco
