#include "cevns/io/raw_file.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/cpu_dispatch.hpp"
#include "cevns/core/error.hpp"
#include "hdf5_util.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;
using namespace hdf5;

/// One row of /blocks.
struct BlockRow {
  std::uint64_t index = 0;
  std::uint64_t first_trigger = 0;
  std::uint64_t trigger_count = 0;
  double protons_on_target = 0.0;
  std::uint64_t beam_on_triggers = 0;
  std::uint64_t vetoed_triggers = 0;
  std::uint64_t triggers_begin = 0, triggers_end = 0;
  std::uint64_t segments_begin = 0, segments_end = 0;
  std::uint64_t samples_begin = 0, samples_end = 0;
  std::uint64_t interactions_begin = 0, interactions_end = 0;
  std::uint64_t photoelectrons_begin = 0, photoelectrons_end = 0;
};

/// One row of /triggers (bool is not an HDF5 type: beam_on and veto are 0/1 bytes).
struct TriggerRow {
  std::uint64_t id = 0;
  double time_s = 0.0;
  float protons_on_target = 0.0F;
  std::uint8_t beam_on = 0;
  std::uint8_t veto = 0;
  std::uint32_t veto_mask = 0;
};

/// One row of /waveforms/segments; `offset` indexes /waveforms/samples of the whole file.
struct SegmentRow {
  std::uint64_t trigger_id = 0;
  std::uint16_t channel = 0;
  std::uint32_t first_sample = 0;
  std::uint32_t length = 0;
  std::uint64_t offset = 0;
};

/// Every compound type of the layout.
struct Types {
  RowType block, trigger, segment, interaction, photoelectron;

  explicit Types(const Context& c) {
    block = compound(
        sizeof(BlockRow),
        {field("index", &BlockRow::index), field("first_trigger", &BlockRow::first_trigger),
         field("trigger_count", &BlockRow::trigger_count), field("protons_on_target", &BlockRow::protons_on_target),
         field("beam_on_triggers", &BlockRow::beam_on_triggers), field("vetoed_triggers", &BlockRow::vetoed_triggers),
         field("triggers_begin", &BlockRow::triggers_begin), field("triggers_end", &BlockRow::triggers_end),
         field("segments_begin", &BlockRow::segments_begin), field("segments_end", &BlockRow::segments_end),
         field("samples_begin", &BlockRow::samples_begin), field("samples_end", &BlockRow::samples_end),
         field("interactions_begin", &BlockRow::interactions_begin),
         field("interactions_end", &BlockRow::interactions_end),
         field("photoelectrons_begin", &BlockRow::photoelectrons_begin),
         field("photoelectrons_end", &BlockRow::photoelectrons_end)},
        c);
    trigger =
        compound(sizeof(TriggerRow),
                 {field("id", &TriggerRow::id), field("time_s", &TriggerRow::time_s),
                  field("protons_on_target", &TriggerRow::protons_on_target), field("beam_on", &TriggerRow::beam_on),
                  field("veto", &TriggerRow::veto), field("veto_mask", &TriggerRow::veto_mask)},
                 c);
    segment = compound(sizeof(SegmentRow),
                       {field("trigger_id", &SegmentRow::trigger_id), field("channel", &SegmentRow::channel),
                        field("first_sample", &SegmentRow::first_sample), field("length", &SegmentRow::length),
                        field("offset", &SegmentRow::offset)},
                       c);
    using daq::Interaction;
    interaction = compound(
        sizeof(Interaction),
        {field("trigger_id", &Interaction::trigger_id), field("time_ns", &Interaction::time_ns),
         field("recoil_keVnr", &Interaction::recoil_keVnr), field("visible_keVee", &Interaction::visible_keVee),
         field("photoelectrons", &Interaction::photoelectrons), field("crystal", &Interaction::crystal),
         field("source", &Interaction::source)},
        c);
    using daq::Photoelectron;
    photoelectron = compound(sizeof(Photoelectron),
                             {field("trigger_id", &Photoelectron::trigger_id),
                              field("time_ns", &Photoelectron::time_ns), field("charge", &Photoelectron::charge),
                              field("channel", &Photoelectron::channel), field("source", &Photoelectron::source)},
                             c);
  }
};

// The `units` attributes of the compound tables, field by field (docs/raw-format.md).
constexpr const char* block_units =
    "index: 1; first_trigger: 1; trigger_count: triggers; protons_on_target: protons; beam_on_triggers: "
    "triggers; vetoed_triggers: triggers; *_begin, *_end: rows of the named table";
constexpr const char* trigger_units =
    "id: 1; time_s: s; protons_on_target: protons; beam_on: boolean; veto: boolean; veto_mask: bit mask";
constexpr const char* segment_units =
    "trigger_id: 1; channel: 1; first_sample: samples; length: samples; offset: rows of /waveforms/samples";
constexpr const char* interaction_units =
    "trigger_id: 1; time_ns: ns; recoil_keVnr: keVnr; visible_keVee: keVee; photoelectrons: photoelectrons; "
    "crystal: 1; source: 1";
constexpr const char* photoelectron_units =
    "trigger_id: 1; time_ns: ns; charge: mean single-photoelectron charges; channel: 1; source: 1";

/// Where a block's rows start in each table: for messages naming a row of the file.
struct FirstRows {
  std::uint64_t triggers = 0, segments = 0, samples = 0, interactions = 0, photoelectrons = 0;
};

bool finite_non_negative(double x) { return x >= 0.0 && std::isfinite(x); }

/// Refuses ADC values outside [0, 2^bits − 1]; `first_row` is the position of values[0]
/// in `table`, for the message.
void check_adc_range(std::span<const std::int16_t> values, int adc_bits, const char* table, std::uint64_t first_row,
                     std::uint64_t block, const Context& c) {
  const int adc_max = (1 << adc_bits) - 1;
  // The range first, in a loop that vectorises; the search for the culprit only if needed.
  std::int16_t lo = 0, hi = 0;
  for (const std::int16_t v : values) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo >= 0 && hi <= adc_max) return;
  const auto bad = std::find_if(values.begin(), values.end(), [&](std::int16_t v) { return v < 0 || v > adc_max; });
  if (bad != values.end())
    c.fail(fmt::format("{}: value {} at position {} of block {} is outside the ADC range [0, {}]", table, *bad,
                       first_row + static_cast<std::uint64_t>(bad - values.begin()), block, adc_max));
}

/// Checks everything block `block` (row `row` of /blocks) holds against the run and the
/// block before it (`previous`, nullptr for the first): the layout's invariants, which
/// the writer keeps and a reader must not trust a file to keep. Segment offsets are
/// relative to the block's samples.
void check_block(const daq::TriggerBlock& block, std::uint64_t row, const daq::BlockRecord* previous,
                 const daq::RunInfo& info, const FirstRows& first, const Context& c, bool full_waveforms = true,
                 std::uint64_t first_block = 0) {
  check_block_record(block, row, previous, info, c, first_block);
  const bool full = info.mode == daq::WaveformMode::full;
  const std::uint64_t begin = block.first_trigger, end = block.first_trigger + block.trigger_count;
  const auto in_block = [&](std::uint64_t id) { return id >= begin && id < end; };
  const auto refuse = [&](const char* table, std::uint64_t file_row, std::string_view why) {
    c.fail(fmt::format("row {} of {} (block {}): {}", file_row, table, row, why));
  };

  if (full && block.triggers.size() != block.trigger_count)
    c.fail(fmt::format("row {} of /blocks: {} stored triggers, but a full-mode block stores all its trigger_count = {}",
                       row, block.triggers.size(), block.trigger_count));
  std::uint64_t beam_on = 0, vetoed = 0;
  for (std::size_t i = 0; i < block.triggers.size(); ++i) {
    const daq::Trigger& t = block.triggers[i];
    const std::uint64_t file_row = first.triggers + i;
    if (!in_block(t.id))
      refuse("/triggers", file_row, fmt::format("id = {} is outside the block's triggers [{}, {})", t.id, begin, end));
    if (i > 0 && t.id <= block.triggers[i - 1].id)
      refuse("/triggers", file_row, fmt::format("id = {} does not increase (the row before has {})", t.id,
                                               block.triggers[i - 1].id));
    if (!finite_non_negative(t.time_s))
      refuse("/triggers", file_row, fmt::format("time_s = {} (must be finite and not negative)", t.time_s));
    if (!finite_non_negative(t.protons_on_target))
      refuse("/triggers", file_row,
             fmt::format("protons_on_target = {} (must be finite and not negative)", t.protons_on_target));
    beam_on += t.beam_on ? 1 : 0;
    vetoed += t.veto ? 1 : 0;
  }
  // Zero-suppressed blocks store only some triggers: their tags are at most the block's.
  if (full ? beam_on != block.beam_on_triggers : beam_on > block.beam_on_triggers)
    c.fail(fmt::format("row {} of /blocks: beam_on_triggers = {}, but {} of its stored triggers have the beam on", row,
                       block.beam_on_triggers, beam_on));
  if (full ? vetoed != block.vetoed_triggers : vetoed > block.vetoed_triggers)
    c.fail(fmt::format("row {} of /blocks: vetoed_triggers = {}, but {} of its stored triggers are vetoed", row,
                       block.vetoed_triggers, vetoed));

  const auto check_adc = [&](std::span<const std::int16_t> values, const char* table, std::uint64_t first_row) {
    check_adc_range(values, info.adc_bits, table, first_row, row, c);
  };
  const std::size_t channels = info.channels.size();
  if (full) {
    if (full_waveforms)
      check_adc(block.waveforms, "/waveforms/adc", first.triggers * channels * info.samples_per_waveform);
  } else {
    const auto& seg = block.segments;
    check_adc(seg.samples, "/waveforms/samples", first.samples);
    for (std::size_t i = 0; i < seg.size(); ++i) {
      const std::uint64_t file_row = first.segments + i;
      const std::uint64_t id = seg.trigger_id[i];
      const auto stored = std::lower_bound(block.triggers.begin(), block.triggers.end(), id,
                                           [](const daq::Trigger& t, std::uint64_t x) { return t.id < x; });
      if (stored == block.triggers.end() || stored->id != id)
        refuse("/waveforms/segments", file_row, fmt::format("trigger_id = {} is not a stored trigger of the block", id));
      if (seg.channel[i] >= channels)
        refuse("/waveforms/segments", file_row, fmt::format("channel = {}, the run has {}", seg.channel[i], channels));
      const std::uint64_t stop = std::uint64_t{seg.first_sample[i]} + seg.length[i];
      if (seg.length[i] == 0 || stop > info.samples_per_waveform)
        refuse("/waveforms/segments", file_row,
               fmt::format("samples [{}, {}) are empty or beyond the window's {} samples", seg.first_sample[i], stop,
                           info.samples_per_waveform));
      if (seg.offset[i] > seg.samples.size() || seg.length[i] > seg.samples.size() - seg.offset[i])
        refuse("/waveforms/segments", file_row, "its samples lie outside the block's rows of /waveforms/samples");
      // In order of trigger, channel and time, without overlaps: the reconstruction
      // walks each channel's segments in time.
      if (i > 0) {
        const bool same = seg.trigger_id[i - 1] == id && seg.channel[i - 1] == seg.channel[i];
        const bool after = seg.trigger_id[i - 1] < id || (seg.trigger_id[i - 1] == id && seg.channel[i - 1] < seg.channel[i]);
        if (!after && !(same && seg.first_sample[i] >= std::uint64_t{seg.first_sample[i - 1]} + seg.length[i - 1]))
          refuse("/waveforms/segments", file_row,
                 "out of order: segments must follow each other by trigger, channel and time, without overlapping");
      }
    }
  }

  std::uint16_t crystals = 0;
  for (const auto& ch : info.channels) crystals = std::max<std::uint16_t>(crystals, ch.crystal + 1);
  for (std::size_t i = 0; i < block.interactions.size(); ++i) {
    const daq::Interaction& x = block.interactions[i];
    const std::uint64_t file_row = first.interactions + i;
    if (!in_block(x.trigger_id))
      refuse("/truth/interactions", file_row, fmt::format("trigger_id = {} is outside the block", x.trigger_id));
    if (!std::isfinite(x.time_ns) || !finite_non_negative(x.recoil_keVnr) || !finite_non_negative(x.visible_keVee))
      refuse("/truth/interactions", file_row, "time_ns, recoil_keVnr or visible_keVee is not finite or negative");
    if (x.crystal >= crystals || x.source >= info.sources.size())
      refuse("/truth/interactions", file_row,
             fmt::format("crystal {} or source {} does not exist ({} crystals, {} sources)", x.crystal, x.source,
                         crystals, info.sources.size()));
  }
  for (std::size_t i = 0; i < block.photoelectrons.size(); ++i) {
    const daq::Photoelectron& pe = block.photoelectrons[i];
    const std::uint64_t file_row = first.photoelectrons + i;
    if (!in_block(pe.trigger_id))
      refuse("/truth/photoelectrons", file_row, fmt::format("trigger_id = {} is outside the block", pe.trigger_id));
    if (!std::isfinite(pe.time_ns) || !std::isfinite(pe.charge))
      refuse("/truth/photoelectrons", file_row, "time_ns or charge is not finite");
    if (pe.channel >= channels || pe.source >= info.sources.size())
      refuse("/truth/photoelectrons", file_row,
             fmt::format("channel {} or source {} does not exist ({} channels, {} sources)", pe.channel, pe.source,
                         channels, info.sources.size()));
  }
}

/// True when `dataset` is stored as the layout writes /waveforms/adc: little-endian int16
/// in chunks of `chunk` with the Fletcher-32 filter alone — so a chunk read as stored is
/// its samples followed by their checksum.
bool stored_as_layout(hid_t dataset, const std::vector<hsize_t>& chunk, const Context& c) {
  const Handle type(c.check_id(H5Dget_type(dataset), "H5Dget_type"), H5Tclose);
  if (H5Tequal(type.get(), H5T_STD_I16LE) <= 0) return false;
  const Handle create(c.check_id(H5Dget_create_plist(dataset), "H5Dget_create_plist"), H5Pclose);
  if (H5Pget_layout(create.get()) != H5D_CHUNKED || H5Pget_nfilters(create.get()) != 1) return false;
  unsigned flags = 0;
  std::size_t values = 0;
  if (H5Pget_filter2(create.get(), 0, &flags, &values, nullptr, 0, nullptr, nullptr) != H5Z_FILTER_FLETCHER32)
    return false;
  std::vector<hsize_t> dims(chunk.size());
  if (H5Pget_chunk(create.get(), static_cast<int>(dims.size()), dims.data()) != static_cast<int>(dims.size()))
    return false;
  return dims == chunk;
}

}  // namespace

// =======================================================================================
// Writer

struct RawFileWriter::State {
  fs::path path;
  fs::path part;
  daq::RunInfo info;
  Context context;
  Types types;
  Handle file;
  Table blocks, triggers, adc, segments, samples, interactions, photoelectrons;
  Progress progress;
  std::uint64_t first_block = 0;  // a part file's first block (io/file_part.hpp), else 0
  std::uint64_t next_index = 0;
  daq::BlockRecord previous;  // the last block written
  std::vector<std::byte> chunk;  // one /waveforms/adc chunk as stored: samples, checksum
  bool direct_chunks = false;     // /waveforms/adc without a compression filter: chunks written as stored
  bool failed = false;
  bool closed = false;

  State(fs::path p, daq::RunInfo i, Context c)
      : path(std::move(p)), part(part_path(path)), info(std::move(i)), context(std::move(c)), types(context) {}

  /// Closes every dataset, then the file; returns false if HDF5 reported an error.
  bool close_file() {
    for (Table* t : {&blocks, &triggers, &adc, &segments, &samples, &interactions, &photoelectrons}) t->dataset.reset();
    progress.reset();
    return file.close() >= 0;
  }
};

namespace {

/// Appends `triggers` full-mode triggers to /waveforms/adc, one chunk each, as stored:
/// the samples and the Fletcher-32 checksum that HDF5's filter would append, written with
/// H5Dwrite_chunk — HDF5's filter path copies each chunk and sums it byte by byte.
/// Readers (HDF5, h5py, cevns) verify it as any other chunk.
void append_waveforms(RawFileWriter::State& s, std::span<const std::int16_t> samples, std::size_t triggers) {
  const Context& c = s.context;
  if (triggers == 0) return;
  const std::size_t per_trigger = s.adc.inner[0] * s.adc.inner[1];
  const std::size_t bytes = per_trigger * sizeof(std::int16_t);
  const hsize_t dims[3] = {s.adc.rows + triggers, s.adc.inner[0], s.adc.inner[1]};
  if (!s.direct_chunks) {  // compressed: through HDF5's filters
    s.adc.append(samples.data(), triggers, "/waveforms/adc", c);
    return;
  }
  c.check(H5Dset_extent(s.adc.dataset.get(), dims), "extending /waveforms/adc");
  s.chunk.resize(bytes + 4);
  for (std::size_t k = 0; k < triggers; ++k) {
    const auto trigger = std::as_bytes(samples.subspan(k * per_trigger, per_trigger));
    std::memcpy(s.chunk.data(), trigger.data(), bytes);
    const std::uint32_t sum = fletcher32(trigger);
    for (int b = 0; b < 4; ++b) s.chunk[bytes + b] = static_cast<std::byte>(sum >> (8 * b));  // little-endian
    const hsize_t offset[3] = {s.adc.rows + k, 0, 0};
    c.check(H5Dwrite_chunk(s.adc.dataset.get(), H5P_DEFAULT, 0, offset, s.chunk.size(), s.chunk.data()),
            "writing /waveforms/adc");
  }
  s.adc.rows += triggers;
}

}  // namespace

RawFileWriter::RawFileWriter(const fs::path& path, const daq::RunInfo& info, Compression compression,
                             const std::optional<FilePart>& part_of_run) {
  silence_errors();
  const fs::path part = part_path(path);
  Context c{fmt::format("cannot write {}", part.string()),
            fmt::format("check that {} is writable and the disk is not full",
                        path.has_parent_path() ? path.parent_path().string() : std::string("the directory")),
            part.string()};
  {  // What the caller passes: a program error, not the disk's.
    const Context caller{c.problem, "this is a bug in the program that writes the run"};
    if (info.channels.empty()) caller.fail("the run has no channels");
    if (info.channels.size() > 0xFFFF) caller.fail(fmt::format("{} channels, at most 65535", info.channels.size()));
    check_run_info(info, caller);
    for (std::size_t i = 0; i < info.channels.size(); ++i)
      if (info.channels[i].name.empty() || info.channels[i].side > 1 ||
          std::uint64_t{info.channels[i].crystal} * 2 + info.channels[i].side != i)
        caller.fail(fmt::format("channel {} is '{}', crystal {}, side {} (must be named, crystal {}, side {})", i,
                                info.channels[i].name, info.channels[i].crystal, info.channels[i].side, i / 2, i % 2));
    if (info.sources.size() > 0xFFFF) caller.fail(fmt::format("{} sources, at most 65535", info.sources.size()));
    for (const auto& source : info.sources)
      if (source.empty()) caller.fail("a source has no name");
  }
  const std::uint64_t waveform_bytes =
      std::uint64_t{info.channels.size()} * info.samples_per_waveform * sizeof(std::int16_t);
  if (info.mode == daq::WaveformMode::full && waveform_bytes >= (std::uint64_t{1} << 32))
    c.fail(
        fmt::format("one trigger's waveforms take {} bytes, more than an HDF5 chunk can hold (4 GiB)", waveform_bytes));
  create_parent_directory(path, c);

  state_ = std::make_unique<State>(path, info, c);
  State& s = *state_;
  s.file = create_file(part, c);
  const hid_t f = s.file.get();

  write_string_attribute(f, "format", std::string(raw_format_name), c);
  write_attribute<std::uint32_t>(f, "format_version", raw_format_version, c);
  write_string_attribute(f, "cevns_version", info.cevns_version, c);
  write_string_attribute(f, "compression", std::string(compression_name(compression)), c);
  write_run_attributes(f, info, c);
  if (part_of_run) {
    write_part_attributes(f, *part_of_run, c);
    s.first_block = s.next_index = part_of_run->first_block;
  }

  // /run: what the run is, and how far it got.
  {
    const Handle run = create_group(f, "run", "the run: configuration, channels, sources, progress", c);
    const hid_t r = run.get();
    write_text(r, "config_toml", info.config_toml, "the resolved configuration (TOML) the run was simulated with", c);
    write_channels(r, "channels", info.channels,
                   "one row per digitised channel, in the order of the waveform channel axis", c);
    write_strings(r, "sources", info.sources,
                  "what produces photoelectrons; the `source` column of the truth tables indexes this", c);
    s.progress.create(r, c);
  }

  const auto table = [&](Table& t, hid_t parent, const char* name, const RowType& type, const char* units,
                         const std::string& description, std::size_t chunk_bytes = table_chunk_bytes) {
    t = create_table(parent, name, type, units, description, c, chunk_bytes, compression);
  };
  // /blocks grows by one row per block: a small chunk, since each flush rewrites the last.
  table(s.blocks, f, "blocks", s.types.block, block_units,
        "one row per block of consecutive triggers, with the rows it occupies in every table", 64 * 1024);
  table(s.triggers, f, "triggers", s.types.trigger, trigger_units,
        info.mode == daq::WaveformMode::full ? "every trigger of the run"
                                             : "the triggers with a waveform segment or a veto tag");
  {
    const Handle waveforms = create_group(f, "waveforms", "digitised PMT signals", c);
    if (info.mode == daq::WaveformMode::full) {
      s.adc.inner = {info.channels.size(), info.samples_per_waveform};
      // One trigger per chunk, no chunk cache: each trigger's samples go straight to disk.
      s.adc.dataset = create_extendible(waveforms.get(), "adc", H5T_STD_I16LE, s.adc.inner, 1, 0, "ADC counts",
                                        "[trigger][channel][sample]; row i belongs to row i of /triggers", c,
                                        compression);
      s.direct_chunks = compression == Compression::none;
      s.adc.memory_type = H5T_NATIVE_INT16;
    } else {
      table(s.segments, waveforms.get(), "segments", s.types.segment, segment_units,
            "zero-suppressed pieces: samples [first_sample, first_sample + length) of a channel in a trigger, "
            "stored at /waveforms/samples[offset : offset + length]");
      s.samples.dataset =
          create_extendible(waveforms.get(), "samples", H5T_STD_I16LE, {}, chunk_rows(sizeof(std::int16_t)),
                            1024 * 1024, "ADC counts", "the ADC values of every segment, one after the other", c,
                            compression);
      s.samples.memory_type = H5T_NATIVE_INT16;
    }
  }
  {
    const Handle truth = create_group(f, "truth", "Monte Carlo truth: not available from a real detector", c);
    table(s.interactions, truth.get(), "interactions", s.types.interaction, interaction_units,
          "energy deposits in the crystals; time from the start of the trigger window");
    table(s.photoelectrons, truth.get(), "photoelectrons", s.types.photoelectron, photoelectron_units,
          "photoelectrons at the PMTs; time at the anode from the start of the trigger window");
  }

  // From here on readers may open the file while we write (H5F_ACC_SWMR_READ), and what
  // is flushed stays readable if we are killed.
  c.check(H5Fstart_swmr_write(f), "H5Fstart_swmr_write");
}

RawFileWriter::~RawFileWriter() {
  if (state_) state_->close_file();  // nothing left to close after a successful close()
}

void RawFileWriter::write(const daq::TriggerBlock& block) {
  State& s = *state_;
  const Context& c = s.context;
  const std::string which = fmt::format("cannot write block {} to {}", block.index, s.part.string());
  const Context caller{which, "this is a bug in the program that writes the run"};
  if (s.closed) caller.fail("the file is already closed");
  if (s.failed) Context{which, "an earlier write failed; start the run again"}.fail("the writer is unusable");
  if (block.index != s.next_index)
    caller.fail(fmt::format("blocks must be written in order 0, 1, 2…; expected block {}", s.next_index));
  const std::uint64_t block_row = block.index - s.first_block;

  const std::size_t channels = s.info.channels.size();
  const bool full = s.info.mode == daq::WaveformMode::full;
  const auto& seg = block.segments;
  if (full) {
    const std::size_t expected = block.triggers.size() * channels * s.info.samples_per_waveform;
    if (block.waveforms.size() != expected)
      caller.fail(fmt::format("{} waveform samples, expected {} triggers × {} channels × {} samples = {}",
                              block.waveforms.size(), block.triggers.size(), channels, s.info.samples_per_waveform,
                              expected));
    if (seg.size() != 0 || !seg.samples.empty()) caller.fail("a full-mode run has no zero-suppressed segments");
  } else {
    if (!block.waveforms.empty()) caller.fail("a zero-suppressed run has no full waveforms");
    const std::size_t n = seg.size();
    if (seg.channel.size() != n || seg.first_sample.size() != n || seg.length.size() != n || seg.offset.size() != n)
      caller.fail("the segment arrays have different lengths");
    for (std::size_t i = 0; i < n; ++i) {
      if (seg.offset[i] + seg.length[i] > seg.samples.size())
        caller.fail(
            fmt::format("segment {} ends at sample {} of {}", i, seg.offset[i] + seg.length[i], seg.samples.size()));
      if (seg.channel[i] >= channels)
        caller.fail(fmt::format("segment {} is on channel {}, the run has {}", i, seg.channel[i], channels));
    }
  }
  check_block(block, block_row, block_row > 0 ? &s.previous : nullptr, s.info,
              {s.triggers.rows, s.segments.rows, s.samples.rows, s.interactions.rows, s.photoelectrons.rows}, caller,
              true, s.first_block);

  s.failed = true;  // until this block is safely on disk
  BlockRow row;
  copy_record(row, block);

  std::vector<TriggerRow> trigger_rows;
  trigger_rows.reserve(block.triggers.size());
  for (const auto& t : block.triggers)
    trigger_rows.push_back({t.id, t.time_s, t.protons_on_target, static_cast<std::uint8_t>(t.beam_on),
                            static_cast<std::uint8_t>(t.veto), t.veto_mask});
  row.triggers_begin = s.triggers.rows;
  s.triggers.append(trigger_rows.data(), trigger_rows.size(), "/triggers", c);
  row.triggers_end = s.triggers.rows;

  if (full) {
    append_waveforms(s, block.waveforms, block.triggers.size());
  } else {
    row.samples_begin = s.samples.rows;
    s.samples.append(seg.samples.data(), seg.samples.size(), "/waveforms/samples", c);
    row.samples_end = s.samples.rows;
    std::vector<SegmentRow> segment_rows(seg.size());
    for (std::size_t i = 0; i < seg.size(); ++i)
      segment_rows[i] = {seg.trigger_id[i], seg.channel[i], seg.first_sample[i], seg.length[i],
                         row.samples_begin + seg.offset[i]};
    row.segments_begin = s.segments.rows;
    s.segments.append(segment_rows.data(), segment_rows.size(), "/waveforms/segments", c);
    row.segments_end = s.segments.rows;
  }

  row.interactions_begin = s.interactions.rows;
  s.interactions.append(block.interactions.data(), block.interactions.size(), "/truth/interactions", c);
  row.interactions_end = s.interactions.rows;
  row.photoelectrons_begin = s.photoelectrons.rows;
  s.photoelectrons.append(block.photoelectrons.data(), block.photoelectrons.size(), "/truth/photoelectrons", c);
  row.photoelectrons_end = s.photoelectrons.rows;
  s.blocks.append(&row, 1, "/blocks", c);

  commit_block(s, block_row, c);
  s.previous = block;
}

void RawFileWriter::close() { close_block_file(*state_, "the run"); }

// =======================================================================================
// Reader

struct RawFileReader::State {
  fs::path path;
  Context context;
  Types types;
  daq::RunInfo info;
  Handle file;
  Table blocks, triggers, adc, segments, samples, interactions, photoelectrons;
  std::vector<BlockRow> block_rows;  // the counted rows of /blocks, checked
  std::uint64_t block_count = 0;
  std::optional<FilePart> part;  // a part file's share of the run
  std::uint64_t first_block = 0;
  bool complete = false;
  /// Full mode: the waveform chunks are one trigger each with only the Fletcher-32
  /// filter, so read_waveforms reads them as stored (H5Dread_chunk).
  bool direct_chunks = false;
  std::size_t per_trigger = 0;  // full mode: samples of one trigger
  // Reused from block to block (the reader is used by one thread).
  std::vector<TriggerRow> trigger_rows;
  std::vector<std::byte> packed;

  State(fs::path p, Context c) : path(std::move(p)), context(std::move(c)), types(context) {}
};

RawFileReader::RawFileReader(const fs::path& path) {
  const std::string_view remake = "re-run the simulation";
  Handle file = open_for_reading(path, remake);
  state_ = std::make_unique<State>(path, damaged_file(path, remake));
  State& s = *state_;
  const Context& c = s.context;
  s.file = std::move(file);
  const hid_t f = s.file.get();

  const std::string name = path.string();
  const Context foreign{fmt::format("cannot read {}", name),
                        "check the path: raw-data files are written by `cevns simulate`"};
  const std::string format = read_format(f, path, raw_format_version, remake, foreign);
  if (format.empty()) foreign.fail("not a cevns raw-data file: it has no `format` attribute");
  if (format != raw_format_name)
    foreign.fail(fmt::format("not a cevns raw-data file: its format is '{}', not '{}'", format, raw_format_name));
  check_format_version(f, path, raw_format_version, c);

  daq::RunInfo& info = s.info;
  info.cevns_version = read_string_attribute(f, "cevns_version", c);
  read_run_attributes(f, info, c);
  info.config_toml = read_text(f, "/run/config_toml", c);
  info.channels = read_channels(f, "/run/channels", c);
  info.sources = read_strings(f, "/run/sources", c);
  s.part = read_part_attributes(f, c);
  if (s.part) s.first_block = s.part->first_block;

  // The count before the tables: while a writer is still appending, the tables opened
  // afterwards are at least as long as the rows the counted blocks occupy.
  s.block_count = read_single<std::uint64_t>(f, "/run/blocks_written", c);
  const auto complete = read_single<std::uint8_t>(f, "/run/complete", c);
  if (complete > 1) c.fail(fmt::format("/run/complete = {} (must be 0 or 1)", complete));
  s.complete = complete == 1;
  if (!s.complete) s.context.transfer = unverified_transfer();  // a killed writer's torn last chunk
  s.blocks = open_table(f, "/blocks", s.types.block.memory.get(), 1, c);
  s.triggers = open_table(f, "/triggers", s.types.trigger.memory.get(), 1, c);
  if (info.mode == daq::WaveformMode::full) {
    s.adc = open_table(f, "/waveforms/adc", H5T_NATIVE_INT16, 3, c, 0);
    if (s.adc.inner[0] != info.channels.size() || s.adc.inner[1] != info.samples_per_waveform)
      c.fail(fmt::format("/waveforms/adc holds {} channels × {} samples, the run has {} × {}", s.adc.inner[0],
                         s.adc.inner[1], info.channels.size(), info.samples_per_waveform));
    s.per_trigger = info.channels.size() * info.samples_per_waveform;
    s.direct_chunks = stored_as_layout(s.adc.dataset.get(), {1, s.adc.inner[0], s.adc.inner[1]}, c);
  } else {
    s.segments = open_table(f, "/waveforms/segments", s.types.segment.memory.get(), 1, c);
    s.samples = open_table(f, "/waveforms/samples", H5T_NATIVE_INT16, 1, c);
  }
  s.interactions = open_table(f, "/truth/interactions", s.types.interaction.memory.get(), 1, c);
  s.photoelectrons = open_table(f, "/truth/photoelectrons", s.types.photoelectron.memory.get(), 1, c);

  check_block_count(s.block_count, s.complete, s.blocks.rows, c);

  // Every block's record and rows, once: they are small, and a block is then read
  // knowing that its rows follow the previous block's.
  s.block_rows = read_range<BlockRow>(s.blocks, {0, s.block_count}, "/blocks", c);
  const bool full = info.mode == daq::WaveformMode::full;
  FirstRows next;
  for (std::uint64_t i = 0; i < s.block_count; ++i) {
    const BlockRow& row = s.block_rows[i];
    daq::BlockRecord record, previous;
    copy_record(record, row);
    if (i > 0) copy_record(previous, s.block_rows[i - 1]);
    check_block_record(record, i, i > 0 ? &previous : nullptr, info, c, s.first_block);
    check_block_rows({row.triggers_begin, row.triggers_end}, next.triggers, s.triggers.rows, "triggers", i, c);
    check_block_rows({row.segments_begin, row.segments_end}, next.segments, full ? 0 : s.segments.rows, "segments", i, c);
    check_block_rows({row.samples_begin, row.samples_end}, next.samples, full ? 0 : s.samples.rows, "samples", i, c);
    check_block_rows({row.interactions_begin, row.interactions_end}, next.interactions, s.interactions.rows,
                     "interactions", i, c);
    check_block_rows({row.photoelectrons_begin, row.photoelectrons_end}, next.photoelectrons, s.photoelectrons.rows,
                     "photoelectrons", i, c);
    next = {row.triggers_end, row.segments_end, row.samples_end, row.interactions_end, row.photoelectrons_end};
  }
  if (full && s.adc.rows < next.triggers)
    c.fail(fmt::format("/waveforms/adc has {} rows, /triggers {}", s.adc.rows, next.triggers));
  if (s.part && s.block_count > s.part->blocks())
    c.fail(fmt::format("/run/blocks_written = {}, but {} has {}", s.block_count, s.part->describe(), s.part->blocks()));
}

RawFileReader::~RawFileReader() = default;

const daq::RunInfo& RawFileReader::info() const { return state_->info; }
bool RawFileReader::complete() const { return state_->complete; }
std::uint64_t RawFileReader::block_count() const { return state_->block_count; }
const std::optional<FilePart>& RawFileReader::part() const { return state_->part; }
std::uint64_t RawFileReader::trigger_count() const {
  std::uint64_t n = 0;
  for (std::uint64_t i = 0; i < state_->block_count; ++i) n += state_->block_rows[i].trigger_count;
  return n;
}
std::uint64_t RawFileReader::stored_triggers(std::uint64_t index) const {
  if (index >= state_->block_count) throw std::out_of_range(fmt::format("block {} does not exist", index));
  const BlockRow& row = state_->block_rows[index];
  return row.triggers_end - row.triggers_begin;
}

daq::TriggerBlock RawFileReader::read_block(std::uint64_t index) const {
  daq::TriggerBlock block;
  read_block(index, block, Part::everything);
  return block;
}

void RawFileReader::read_block(std::uint64_t index, daq::TriggerBlock& block, Part part) const {
  State& s = *state_;
  if (index >= s.block_count)
    throw std::out_of_range(
        fmt::format("block {} of {} does not exist (it has {} blocks)", index, s.path.string(), s.block_count));
  const Context& c = s.context;
  const BlockRow& row = s.block_rows[index];
  copy_record(block, row);

  const Range triggers{row.triggers_begin, row.triggers_end};
  read_packed_into(s.triggers, triggers, s.types.trigger, "/triggers", c, s.trigger_rows, s.packed);
  block.triggers.clear();
  block.triggers.reserve(s.trigger_rows.size());
  for (const auto& t : s.trigger_rows)
    block.triggers.push_back({t.id, t.time_s, t.protons_on_target, t.beam_on != 0, t.veto != 0, t.veto_mask});

  auto& seg = block.segments;
  if (s.info.mode == daq::WaveformMode::full) {
    if (part == Part::without_waveforms)
      block.waveforms.clear();
    else
      read_range_into(s.adc, triggers, "/waveforms/adc", c, block.waveforms, s.per_trigger);
    for (auto* v : {&seg.trigger_id, &seg.offset}) v->clear();
    seg.channel.clear(), seg.first_sample.clear(), seg.length.clear(), seg.samples.clear();
  } else {
    block.waveforms.clear();
    const Range samples{row.samples_begin, row.samples_end};
    read_range_into(s.samples, samples, "/waveforms/samples", c, seg.samples);
    // The packed rows as stored (no conversion by HDF5), straight into the arrays.
    const Range segments{row.segments_begin, row.segments_end};
    const RowType& type = s.types.segment;
    if (segments.end < segments.begin || segments.end > s.segments.rows)
      c.fail(fmt::format("rows [{}, {}) of /waveforms/segments are outside its {} rows", segments.begin, segments.end,
                         s.segments.rows));
    const std::size_t n = segments.size();
    s.packed.resize(n * type.file_bytes);
    read_rows(s.segments, segments, type.file.get(), s.packed.data(), "/waveforms/segments", c);
    seg.trigger_id.resize(n), seg.channel.resize(n), seg.first_sample.resize(n), seg.length.resize(n),
        seg.offset.resize(n);
    const auto at = [&](std::size_t i, std::size_t member, auto& value) {
      std::memcpy(&value, s.packed.data() + i * type.file_bytes + type.members[member].file_offset, sizeof value);
    };
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t offset = 0;
      at(i, 0, seg.trigger_id[i]);
      at(i, 1, seg.channel[i]);
      at(i, 2, seg.first_sample[i]);
      at(i, 3, seg.length[i]);
      at(i, 4, offset);
      if (offset < samples.begin || offset > samples.end || seg.length[i] > samples.end - offset)
        c.fail(fmt::format("a segment of block {} points at samples [{}, {}), outside the block's [{}, {})", index,
                           offset, offset + seg.length[i], samples.begin, samples.end));
      seg.offset[i] = offset - samples.begin;
    }
  }

  read_packed_into(s.interactions, {row.interactions_begin, row.interactions_end}, s.types.interaction,
                   "/truth/interactions", c, block.interactions, s.packed);
  read_packed_into(s.photoelectrons, {row.photoelectrons_begin, row.photoelectrons_end}, s.types.photoelectron,
                   "/truth/photoelectrons", c, block.photoelectrons, s.packed);
  if (part == Part::everything) check_block(block);
}

void RawFileReader::check_block(const daq::TriggerBlock& block) const {
  const State& s = *state_;
  // Row `index` of /blocks holds block first_block + index.
  const std::uint64_t index = block.index - s.first_block;
  if (block.index < s.first_block || index >= s.block_count)
    throw std::out_of_range(fmt::format("block {} of {} does not exist", block.index, s.path.string()));
  const BlockRow& row = s.block_rows[index];
  daq::BlockRecord previous;
  if (index > 0) copy_record(previous, s.block_rows[index - 1]);
  const bool waveforms = s.info.mode != daq::WaveformMode::full || !block.waveforms.empty() || block.triggers.empty();
  io::check_block(block, index, index > 0 ? &previous : nullptr, s.info,
                  {row.triggers_begin, row.segments_begin, row.samples_begin, row.interactions_begin,
                   row.photoelectrons_begin},
                  s.context, waveforms, s.first_block);
}

void RawFileReader::read_waveforms(std::uint64_t index, std::uint64_t first_row, std::size_t triggers,
                                   WaveformSlice& slice) const {
  State& s = *state_;
  const Context& c = s.context;
  if (s.info.mode != daq::WaveformMode::full)
    throw std::logic_error("RawFileReader::read_waveforms: a zero-suppressed file has no full waveforms");
  if (index >= s.block_count)
    throw std::out_of_range(fmt::format("block {} of {} does not exist", index, s.path.string()));
  const BlockRow& row = s.block_rows[index];
  const std::uint64_t count = row.triggers_end - row.triggers_begin;
  if (first_row > count || triggers > count - first_row)
    throw std::out_of_range(fmt::format("rows [{}, {}) of block {} of {}: it has {} triggers", first_row,
                                        first_row + triggers, index, s.path.string(), count));
  // Two samples to spare: a chunk read as stored ends with its 4-byte checksum.
  const std::size_t needed = triggers * s.per_trigger + 2;
  if (slice.capacity_ < needed) {
    // Not zeroed, and in 2 MB pages where the kernel allows (MADV_HUGEPAGE): touching a
    // fresh buffer of 4 kB pages cost a page fault per 4 kB, ≈ 30 µs each on a virtual
    // machine — a third of the time of a short run.
    constexpr std::size_t huge_page = std::size_t{2} << 20;
    const std::size_t bytes = (needed * sizeof(std::int16_t) + huge_page - 1) / huge_page * huge_page;
    void* memory = std::aligned_alloc(huge_page, bytes);
    if (memory == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    (void)madvise(memory, bytes, MADV_HUGEPAGE);  // advice only: without it, 4 kB pages
#endif
    slice.data_.reset(static_cast<std::int16_t*>(memory));
    slice.capacity_ = bytes / sizeof(std::int16_t);
  }
  slice.block_ = index;
  slice.first_row_ = first_row;
  slice.triggers_ = triggers;
  slice.per_trigger_ = s.per_trigger;
  slice.checksums_.resize(triggers);
  const std::uint64_t first = row.triggers_begin + first_row;
  if (!s.direct_chunks) {  // a file written otherwise: HDF5 reads, converts and verifies
    read_rows(s.adc, {first, first + triggers}, H5T_NATIVE_INT16, slice.data_.get(), "/waveforms/adc", c);
    slice.verify_ = false;
    return;
  }
  const std::size_t bytes = s.per_trigger * sizeof(std::int16_t);
  for (std::size_t k = 0; k < triggers; ++k) {
    const hsize_t offset[3] = {first + k, 0, 0};
    hsize_t stored = 0;
    c.check(H5Dget_chunk_storage_size(s.adc.dataset.get(), offset, &stored),
            fmt::format("finding the chunk of row {} of /waveforms/adc", first + k));
    // The chunk must be what the layout stores, or it would not fit the buffer.
    if (stored != bytes + 4)
      c.fail(fmt::format("row {} of /waveforms/adc: its chunk has {} bytes, {} samples and a checksum take {}", first + k,
                         stored, s.per_trigger, bytes + 4));
    std::uint32_t filters = 0;
    auto* destination = reinterpret_cast<std::byte*>(slice.data_.get() + k * s.per_trigger);
    c.check(H5Dread_chunk(s.adc.dataset.get(), H5P_DEFAULT, offset, &filters, destination),
            fmt::format("reading row {} of /waveforms/adc", first + k));
    if (filters != 0) c.fail(fmt::format("row {} of /waveforms/adc: its chunk skipped the checksum filter", first + k));
    // HDF5 stores the checksum little-endian after the data (the next trigger's samples
    // overwrite it).
    const auto* sum = destination + bytes;
    slice.checksums_[k] = std::uint32_t(sum[0]) | std::uint32_t(sum[1]) << 8 | std::uint32_t(sum[2]) << 16 |
                          std::uint32_t(sum[3]) << 24;
  }
  slice.verify_ = s.complete;  // an unfinished file is read unverified, as HDF5 reads it (Context::transfer)
}

void WaveformSlice::Free::operator()(std::int16_t* p) const { std::free(p); }

void RawFileReader::check_waveforms(const WaveformSlice& slice, std::size_t k) const {
  const State& s = *state_;
  const Context& c = s.context;
  if (k >= slice.triggers_) throw std::out_of_range("RawFileReader::check_waveforms: no such trigger in the slice");
  const BlockRow& row = s.block_rows[slice.block_];
  const std::uint64_t file_row = row.triggers_begin + slice.first_row_ + k;
  const auto samples = slice.trigger(k);
  if (slice.verify_) {
    const std::uint32_t computed = fletcher32(std::as_bytes(samples));
    // HDF5 also accepts the sum with the bytes of each half swapped (files of HDF5 < 1.6.3).
    const std::uint32_t swapped = ((computed & 0x00FF00FFU) << 8) | ((computed & 0xFF00FF00U) >> 8);
    if (slice.checksums_[k] != computed && slice.checksums_[k] != swapped)
      c.fail(fmt::format("row {} of /waveforms/adc (block {}): data error detected by Fletcher32 checksum", file_row,
                         slice.block_));
  }
  check_adc_range(samples, s.info.adc_bits, "/waveforms/adc", file_row * s.per_trigger, slice.block_, c);
}

CEVNS_KERNEL_CLONES std::uint32_t fletcher32(std::span<const std::byte> data) {
  // HDF5's loop adds word by word: sum1 += w; sum2 += sum1, folding both every 360
  // words. Over a group of n words that is sum2 += n·sum1 + Σ (n − i)·w_i, sum1 += Σ w_i,
  // exact modulo 2³² as HDF5's own uint32 arithmetic — the same checksum, in loops that
  // vectorise.
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t words = data.size() / 2;
  std::uint32_t sum1 = 0, sum2 = 0;
  const auto fold = [](std::uint32_t x) { return (x & 0xFFFFU) + (x >> 16); };
  while (words > 0) {
    const std::size_t n = std::min<std::size_t>(words, 360);
    std::uint32_t plain = 0, weighted = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t w = (std::uint32_t{bytes[2 * i]} << 8) | bytes[2 * i + 1];
      plain += w;
      weighted += static_cast<std::uint32_t>(n - i) * w;
    }
    sum2 += static_cast<std::uint32_t>(n) * sum1 + weighted;
    sum1 += plain;
    sum1 = fold(sum1);
    sum2 = fold(sum2);
    bytes += 2 * n;
    words -= n;
  }
  if (data.size() % 2 != 0) {
    sum1 += std::uint32_t{*bytes} << 8;
    sum2 += sum1;
    sum1 = fold(sum1);
    sum2 = fold(sum2);
  }
  sum1 = fold(sum1);
  sum2 = fold(sum2);
  return (sum2 << 16) | sum1;
}

double estimated_raw_file_bytes(const daq::Simulation& simulation, const daq::SimulationConfig& config,
                                daq::WaveformMode mode, std::uint64_t triggers) {
  constexpr double trigger_row = 26, segment_row = 26, photoelectron_row = 20, interaction_row = 28;
  const auto& d = config.daq.digitizer;
  const double channels = 2.0 * config.experiment.detector.crystals;
  const double dark = simulation.expected_per_trigger(daq::Simulation::dark_count);
  double interactions = 0.0;
  for (std::size_t s = 0; s < simulation.source_names().size(); ++s)
    if (s != daq::Simulation::dark_count) interactions += simulation.expected_per_trigger(static_cast<std::uint16_t>(s));
  const auto& decays = config.daq.scintillation.decay_times_ns;
  const double decay_ns = decays.empty() ? 0.0 : *std::max_element(decays.begin(), decays.end());
  const double truth = dark * photoelectron_row * (1.0 + config.daq.pmt.dark_multi_pe_fraction * config.daq.pmt.dark_multi_pe_mean) +
                       interactions * (interaction_row + 50 * photoelectron_row);  // ~50 PE per deposit (assumption)
  double per_trigger = 0.0;
  if (mode == daq::WaveformMode::full) {
    per_trigger = trigger_row + channels * d.samples() * 2.0 + truth;
  } else {
    const double window = config.daq.zero_suppression.pre_samples + config.daq.zero_suppression.post_samples;
    const double dark_segment = segment_row + 2.0 * (window + 20.0);
    const double deposit_segments = 2.0 * (segment_row + 2.0 * (window + 5.0 * decay_ns * d.sampling_rate_GHz));
    per_trigger = (dark + interactions) * trigger_row + dark * dark_segment + interactions * deposit_segments + truth;
  }
  constexpr double file_overhead = 750e3;  // datasets, first chunks, the configuration text (measured)
  return file_overhead + per_trigger * static_cast<double>(triggers);
}

}  // namespace cevns::io
