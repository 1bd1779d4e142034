#include "cevns/reco/reconstruction.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"

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

namespace {
double pulse_area_adc_samples(const daq::PmtConfig& pmt, double sampling_rate_GHz);
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
  nominal_spe_charge_ = pulse_area_adc_samples(daq.pmt, run.sampling_rate_GHz);
}

namespace {

/// The segments of one trigger's channels, found by walking the block's segments in their
/// order (trigger, channel, time — the layout's rule, which the reader checks) instead of
/// indexing them: one cursor per call of reconstruct_rows.
class SegmentCursor {
 public:
  SegmentCursor(const daq::Segments& segments, std::uint64_t first_trigger_id) : segments_(segments) {
    const auto& ids = segments.trigger_id;
    next_ = static_cast<std::size_t>(std::lower_bound(ids.begin(), ids.end(), first_trigger_id) - ids.begin());
  }

  /// The indices of the segments of (trigger `id`, channel `c`); calls must come in
  /// increasing (id, c).
  std::span<const std::size_t> next(std::uint64_t id, std::uint16_t c) {
    const auto& ids = segments_.trigger_id;
    const auto& channels = segments_.channel;
    const std::size_t n = segments_.size();
    if (next_ < n && (ids[next_] < id || (ids[next_] == id && channels[next_] < c)))
      throw std::invalid_argument(fmt::format(
          "reconstruction: segment {} (trigger {}, channel {}) is out of order or belongs to no stored trigger", next_,
          ids[next_], channels[next_]));
    indices_.clear();
    while (next_ < n && ids[next_] == id && channels[next_] == c) indices_.push_back(next_++);
    return indices_;
  }

 private:
  const daq::Segments& segments_;
  std::size_t next_ = 0;
  std::vector<std::size_t> indices_;
};

/// The area of the single-PE pulse of daq::WaveformSynthesizer, ADC counts × samples:
/// amplitude × ∫ (e^(−t/τd) − e^(−t/τr)) / peak dt = amplitude × (τd − τr) / peak, with the
/// peak at t = τr τd / (τd − τr) ln(τd / τr) (include/cevns/daq/waveform.hpp), times the
/// samples per ns. The pulse's cut after 10 τd leaves out 5·10⁻⁵ of it.
double pulse_area_adc_samples(const daq::PmtConfig& pmt, double sampling_rate_GHz) {
  const double rise = pmt.pulse_rise_ns, decay = pmt.pulse_decay_ns;
  if (!(decay > rise && rise > 0.0)) return 0.0;
  const double peak_ns = rise * decay / (decay - rise) * std::log(decay / rise);
  const double peak = std::exp(-peak_ns / decay) - std::exp(-peak_ns / rise);
  return pmt.spe_amplitude_adc * (decay - rise) / peak * sampling_rate_GHz;
}

}  // namespace

bool Reconstruction::collect_calibration(const daq::TriggerBlock& block) {
  if (calibrated()) return true;
  std::vector<UncalibratedEvent> rows;
  CalibrationCharges charges(channels_);
  reconstruct_rows(block, 0, block.triggers.size(), {}, rows, &charges);
  return add_calibration(charges);
}

bool Reconstruction::add_calibration(const CalibrationCharges& charges) {
  if (calibrated()) return true;
  for (std::size_t c = 0; c < std::min(charges.size(), calibration_charges_.size()); ++c)
    calibration_charges_[c].insert(calibration_charges_[c].end(), charges[c].begin(), charges[c].end());
  return std::all_of(calibration_charges_.begin(), calibration_charges_.end(),
                     [&](const auto& mine) { return mine.size() >= config_.calibration_pulses; });
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

bool Reconstruction::finish_calibration(bool allow_nominal) {
  if (!spe_charge_.empty()) return true;
  std::vector<float> pooled;
  for (const auto& charges : calibration_charges_) pooled.insert(pooled.end(), charges.begin(), charges.end());
  const double pooled_spe = calibrate_single_pe_charge(pooled);
  if (!(pooled_spe > 0.0)) {
    if (!allow_nominal || !(nominal_spe_charge_ > 0.0))
      throw Error(fmt::format(
          "cannot calibrate the single-PE charge ({} pretrace pulses in all channels, too few to find the peak); "
          "reconstruct more triggers, or set reco.spe_charge_adc_samples",
          pooled.size()));
    logger("reconstruct")
        ->warn("{} pretrace pulses in all channels are too few to calibrate the single-PE charge: every channel takes "
               "the nominal {:.1f} ADC×samples of the acquisition's pulse model (daq.pmt); set "
               "reco.spe_charge_adc_samples to choose it",
               pooled.size(), nominal_spe_charge_);
    spe_charge_.assign(channels_, nominal_spe_charge_);
    calibration_charges_.clear();
    return false;
  }
  spe_charge_.resize(channels_);
  for (std::uint16_t c = 0; c < channels_; ++c) {
    const double own = calibration_charges_[c].size() >= config_.calibration_pulses
                           ? calibrate_single_pe_charge(calibration_charges_[c])
                           : 0.0;
    spe_charge_[c] = own > 0.0 ? own : pooled_spe;
  }
  calibration_charges_.clear();
  return true;
}

void Reconstruction::reconstruct_rows(const daq::TriggerBlock& block, std::size_t first_row, std::size_t rows,
                                      std::span<const std::int16_t> waveforms, std::vector<UncalibratedEvent>& out,
                                      CalibrationCharges* calibration) const {
  const bool full = run_.mode == daq::WaveformMode::full;
  const std::size_t per_trigger = std::size_t{channels_} * layout_.samples;
  if (first_row > block.triggers.size() || rows > block.triggers.size() - first_row)
    throw std::invalid_argument(fmt::format("reconstruction: rows [{}, {}) of a block of {} triggers", first_row,
                                            first_row + rows, block.triggers.size()));
  if (full) {
    if (waveforms.empty()) {
      if (block.waveforms.size() != block.triggers.size() * per_trigger)
        throw std::invalid_argument("reconstruction: the block's waveforms are not triggers × channels × samples");
      waveforms = std::span<const std::int16_t>(block.waveforms).subspan(first_row * per_trigger, rows * per_trigger);
    } else if (waveforms.size() != rows * per_trigger) {
      throw std::invalid_argument("reconstruction: the waveforms given are not rows × channels × samples");
    }
  }
  if (calibration != nullptr) calibration->resize(channels_);
  SegmentCursor segments(block.segments, rows > 0 ? block.triggers[first_row].id : 0);

  // Truth: photoelectrons of the signal region per (trigger, crystal) and source, sorted
  // so that each (trigger, crystal) is one run of them.
  struct Truth {
    std::uint64_t trigger_id;
    std::uint16_t crystal, source;
    auto operator<=>(const Truth&) const = default;
  };
  thread_local std::vector<Truth> truth;
  truth.clear();
  const double pretrace_ns = layout_.pretrace_samples / layout_.sampling_rate_GHz;
  if (rows > 0) {
    const std::uint64_t lo = block.triggers[first_row].id, hi = block.triggers[first_row + rows - 1].id;
    for (const auto& pe : block.photoelectrons)
      if (pe.time_ns >= pretrace_ns && pe.trigger_id >= lo && pe.trigger_id <= hi)
        truth.push_back({pe.trigger_id, static_cast<std::uint16_t>(pe.channel / 2), pe.source});
    std::sort(truth.begin(), truth.end());
  }
  auto next_truth = truth.begin();

  thread_local std::vector<Pulse> pulses;
  for (std::size_t k = 0; k < rows; ++k) {
    const auto& trigger = block.triggers[first_row + k];
    for (std::uint16_t crystal = 0; crystal < crystals_; ++crystal) {
      UncalibratedEvent row;
      CrystalEvent& event = row.event;
      bool anything = false;
      float first_signal_ns = -1.0F;
      float first_off_beam_ns = -1.0F;
      for (std::uint16_t side = 0; side < 2; ++side) {
        const auto c = static_cast<std::uint16_t>(2 * crystal + side);
        if (c >= channels_) continue;
        pulses.clear();
        std::vector<Pulse>* pretrace = calibration != nullptr ? &pulses : nullptr;
        ChannelResult r;
        if (full) {
          r = reconstruct_full(waveforms.subspan(k * per_trigger + std::size_t{c} * layout_.samples, layout_.samples),
                               layout_, config_, pretrace);
        } else {
          const auto mine = segments.next(trigger.id, c);
          if (mine.empty()) continue;
          r = reconstruct_segments(block.segments, mine, layout_, config_, pretrace);
        }
        if (calibration != nullptr)
          for (const auto& p : pulses) (*calibration)[c].push_back(p.charge);
        row.side[side] = r;
        row.present[side] = true;
        if (r.first_signal_time_ns >= 0.0F && (first_signal_ns < 0.0F || r.first_signal_time_ns < first_signal_ns))
          first_signal_ns = r.first_signal_time_ns;
        if (r.first_off_beam_time_ns >= 0.0F && (first_off_beam_ns < 0.0F || r.first_off_beam_time_ns < first_off_beam_ns))
          first_off_beam_ns = r.first_off_beam_time_ns;
        event.flags |= r.flags;
        anything = anything || r.signal_pulses > 0 || r.pretrace_pulses > 0 || r.flags != 0;
      }
      // The truth of this (trigger, crystal), found by walking the sorted list.
      while (next_truth != truth.end() && (next_truth->trigger_id < trigger.id ||
                                           (next_truth->trigger_id == trigger.id && next_truth->crystal < crystal)))
        ++next_truth;
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
      // Per source in increasing order: the most frequent one, the first of a tie.
      std::uint32_t best = 0;
      for (auto it = next_truth; it != truth.end() && it->trigger_id == trigger.id && it->crystal == crystal;) {
        std::uint32_t count = 0;
        const std::uint16_t source = it->source;
        for (; it != truth.end() && it->trigger_id == trigger.id && it->crystal == crystal && it->source == source; ++it)
          ++count;
        event.truth_npe += count;
        if (count > best) best = count, event.truth_source = static_cast<std::int16_t>(source);
      }
      out.push_back(row);
    }
    if (!full) (void)segments.next(trigger.id, channels_);  // no segment of a channel the run lacks
  }
}

CrystalEvent Reconstruction::normalised(const UncalibratedEvent& row) const {
  if (spe_charge_.empty()) throw std::logic_error("Reconstruction::normalised before finish_calibration");
  CrystalEvent event = row.event;
  for (std::uint16_t side = 0; side < 2; ++side) {
    if (!row.present[side]) continue;
    const std::size_t c = 2U * event.crystal + side;
    event.npe[side] = static_cast<float>(row.side[side].signal_charge / spe_charge_[c]);
    event.pretrace_npe[side] = static_cast<float>(row.side[side].pretrace_charge / spe_charge_[c]);
    event.off_beam_npe[side] = static_cast<float>(row.side[side].off_beam_charge / spe_charge_[c]);
    event.off_beam_pretrace_npe[side] = static_cast<float>(row.side[side].off_beam_pretrace_charge / spe_charge_[c]);
  }
  return event;
}

ReducedBlock Reconstruction::reconstruct(const daq::TriggerBlock& block) const {
  if (spe_charge_.empty()) throw std::logic_error("Reconstruction::reconstruct before finish_calibration");
  ReducedBlock out;
  static_cast<daq::BlockRecord&>(out) = block;
  std::vector<UncalibratedEvent> rows;
  reconstruct_rows(block, 0, block.triggers.size(), {}, rows);
  out.events.reserve(rows.size());
  for (const auto& row : rows) out.events.push_back(normalised(row));
  return out;
}

}  // namespace cevns::reco
