#include "cevns/io/reconstruct_run.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "cevns/core/pipeline.hpp"

namespace cevns::io {
namespace {

/// A full-mode slice holds about this many bytes of waveforms: ≈ 10 CLOVERS triggers, a few
/// slices per worker in flight; each trigger (816 kB) is checked and reconstructed while
/// it is in the cache. Small, so that the buffers — 2 × threads + 1 of them — stay few MB.
constexpr std::size_t slice_bytes = 8 * 1024 * 1024;

/// One unit of work: a slice of a block's triggers (full mode) or a whole block.
struct Item {
  std::uint64_t block = 0;
  std::uint64_t first_row = 0;
  std::size_t rows = 0;
  bool last_of_block = false;
  bool skip = false;  // outside the part, read only while calibrating: not read any more
};

/// What a worker reads into and reconstructs from, reused: taken from the pool by the
/// reading thread, given back by the worker once the rows are out.
struct Work {
  Item item;
  std::shared_ptr<daq::TriggerBlock> block;  // full mode: the block without waveforms, shared by its slices
  WaveformSlice slice;
};

struct Result {
  Item item;
  daq::BlockRecord record;
  std::uint64_t samples = 0;
  std::vector<reco::UncalibratedEvent> rows;
  reco::CalibrationCharges charges;  // empty unless collected
  bool collected = false;
};

/// Reused Work objects: at most 2 × threads + 1 exist.
class Pool {
 public:
  std::unique_ptr<Work> take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return std::make_unique<Work>();
    auto w = std::move(free_.back());
    free_.pop_back();
    return w;
  }
  void give(std::unique_ptr<Work> w) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(w));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<Work>> free_;
};

}  // namespace

ReconstructRunSummary reconstruct_run(const RawFileReader& reader, reco::Reconstruction& reco, int threads,
                                      const std::function<void()>& calibrated,
                                      const std::function<void(reco::ReducedBlock&&)>& consume,
                                      const std::function<void(const ReconstructRunSummary&)>& progress,
                                      std::size_t slice_triggers, std::uint64_t first_block, std::uint64_t end_block) {
  const auto& run = reader.info();
  const bool full = run.mode == daq::WaveformMode::full;
  const std::size_t per_trigger = run.channels.size() * std::size_t{run.samples_per_waveform};
  if (slice_triggers == 0)
    slice_triggers = std::max<std::size_t>(1, slice_bytes / std::max<std::size_t>(1, per_trigger * sizeof(std::int16_t)));

  // The items: full-mode blocks in slices, zero-suppressed blocks whole. A block's trigger
  // count comes from its record; an empty block is one item.
  std::vector<Item> items;
  for (std::uint64_t b = 0; b < reader.block_count(); ++b) {
    const std::uint64_t rows = full ? reader.stored_triggers(b) : 0;
    if (!full || rows == 0) {
      items.push_back({b, 0, 0, true});
      continue;
    }
    for (std::uint64_t first = 0; first < rows; first += slice_triggers)
      items.push_back({b, first, static_cast<std::size_t>(std::min<std::uint64_t>(slice_triggers, rows - first)),
                       first + slice_triggers >= rows});
  }

  // A part reconstructs blocks [first_block, end_block) but calibrates as the whole run
  // does, on the first blocks of the file in order: blocks outside the part are read only
  // until the calibration is fixed, and their rows are dropped.
  end_block = std::min(end_block, reader.block_count());
  const auto in_part = [&](std::uint64_t b) { return b >= first_block && b < end_block; };

  ReconstructRunSummary summary;
  Pool pool;
  std::shared_ptr<daq::TriggerBlock> header;  // full mode: the block being sliced
  std::atomic<bool> collecting{!reco.calibrated()};

  // Blocks done but waiting for the calibration; the block being assembled.
  std::vector<std::pair<daq::BlockRecord, std::vector<reco::UncalibratedEvent>>> waiting;
  daq::BlockRecord current_record;
  std::vector<reco::UncalibratedEvent> current;
  bool enough = false;

  const auto emit = [&](const daq::BlockRecord& record, const std::vector<reco::UncalibratedEvent>& rows) {
    reco::ReducedBlock out;
    static_cast<daq::BlockRecord&>(out) = record;
    out.events.reserve(rows.size());
    for (const auto& row : rows) out.events.push_back(reco.normalised(row));
    summary.rows += out.events.size();
    summary.triggers += out.trigger_count;
    ++summary.blocks;
    consume(std::move(out));
    if (progress) progress(summary);
  };
  const auto fix_calibration = [&](bool allow_nominal) {
    summary.nominal_spe_charge = !reco.finish_calibration(allow_nominal);
    collecting = false;
    if (calibrated) calibrated();
    for (const auto& [record, rows] : waiting) emit(record, rows);
    waiting.clear();
  };
  if (reco.calibrated()) fix_calibration(false);

  ordered_pipeline(
      items.size(), threads,
      [&](std::uint64_t i) {
        const Item& item = items[i];
        auto work = pool.take();
        work->item = item;
        if (!in_part(item.block) && !collecting.load()) {
          work->item.skip = true;
          return work;
        }
        if (full) {
          if (item.first_row == 0) {
            header = std::make_shared<daq::TriggerBlock>();
            reader.read_block(item.block, *header, RawFileReader::Part::without_waveforms);
          }
          work->block = header;
          if (item.rows > 0) reader.read_waveforms(item.block, item.first_row, item.rows, work->slice);
        } else {
          if (!work->block) work->block = std::make_shared<daq::TriggerBlock>();
          reader.read_block(item.block, *work->block, RawFileReader::Part::unchecked);
        }
        return work;
      },
      [&](std::unique_ptr<Work>&& work) {
        Result result;
        result.item = work->item;
        if (result.item.skip) {
          pool.give(std::move(work));
          return result;
        }
        const daq::TriggerBlock& block = *work->block;
        result.record = block;
        if (work->item.first_row == 0) reader.check_block(block);
        result.collected = collecting.load();
        reco::CalibrationCharges* charges = result.collected ? &result.charges : nullptr;
        if (full) {
          for (std::size_t k = 0; k < work->item.rows; ++k) {
            reader.check_waveforms(work->slice, k);
            reco.reconstruct_rows(block, work->item.first_row + k, 1, work->slice.trigger(k), result.rows, charges);
          }
          result.samples = work->item.rows * per_trigger;
        } else {
          reco.reconstruct_rows(block, 0, block.triggers.size(), {}, result.rows, charges);
          result.samples = block.segments.samples.size();
        }
        if (full) work->block.reset();  // the header goes with its last slice
        pool.give(std::move(work));
        return result;
      },
      [&](std::uint64_t, Result&& result) {
        if (!in_part(result.item.block)) {  // calibration only
          if (reco.calibrated()) return;
          if (result.collected) enough = reco.add_calibration(result.charges);
          if (!result.item.last_of_block) return;
          ++summary.calibration_blocks;
          if (progress) progress(summary);
          if (enough) fix_calibration(false);
          return;
        }
        summary.samples += result.samples;
        if (result.item.first_row == 0) current_record = result.record;
        current.insert(current.end(), result.rows.begin(), result.rows.end());
        const bool calibrating = !reco.calibrated();
        // The pulses of every slice of the block, in order; decided at the block's end.
        if (calibrating && result.collected) enough = reco.add_calibration(result.charges);
        if (!result.item.last_of_block) return;
        if (calibrating) {
          ++summary.calibration_blocks;
          waiting.emplace_back(current_record, std::move(current));
          if (progress) progress(summary);
          if (enough) fix_calibration(false);
        } else {
          emit(current_record, current);
        }
        current.clear();
      });
  if (!reco.calibrated()) fix_calibration(true);
  return summary;
}

}  // namespace cevns::io
