#include "cevns/io/reduced_file.hpp"

#include <cmath>
#include <algorithm>
#include <cstddef>
#include <iterator>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/version.hpp"
#include "cevns/io/raw_file.hpp"
#include "hdf5_util.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;
using namespace hdf5;
using reco::CrystalEvent;

/// One row of /blocks.
struct BlockRow {
  std::uint64_t index = 0;
  std::uint64_t first_trigger = 0;
  std::uint64_t trigger_count = 0;
  double protons_on_target = 0.0;
  std::uint64_t beam_on_triggers = 0;
  std::uint64_t vetoed_triggers = 0;
  std::uint64_t events_begin = 0, events_end = 0;
};

/// The compound types of the layout. /events rows are CrystalEvent itself in memory; its
/// two-element arrays become one column per PMT in the file.
struct Types {
  RowType block, event;

  /// `off_beam`: the rows have the off-beam columns (format version 3; version 2: not).
  explicit Types(const Context& c, bool off_beam = true) {
    block = compound(
        sizeof(BlockRow),
        {field("index", &BlockRow::index), field("first_trigger", &BlockRow::first_trigger),
         field("trigger_count", &BlockRow::trigger_count), field("protons_on_target", &BlockRow::protons_on_target),
         field("beam_on_triggers", &BlockRow::beam_on_triggers), field("vetoed_triggers", &BlockRow::vetoed_triggers),
         field("events_begin", &BlockRow::events_begin), field("events_end", &BlockRow::events_end)},
        c);
    static_assert(std::is_standard_layout_v<CrystalEvent> && std::is_trivially_copyable_v<CrystalEvent>);
    constexpr std::size_t npe = offsetof(CrystalEvent, npe);
    constexpr std::size_t pretrace_npe = offsetof(CrystalEvent, pretrace_npe);
    constexpr std::size_t off_npe = offsetof(CrystalEvent, off_beam_npe);
    constexpr std::size_t off_pretrace_npe = offsetof(CrystalEvent, off_beam_pretrace_npe);
#define CEVNS_REDUCED_V2_FIELDS                                                                                      \
  field("trigger_id", &CrystalEvent::trigger_id), field("time_s", &CrystalEvent::time_s),                             \
      field("protons_on_target", &CrystalEvent::protons_on_target), field("beam_on", &CrystalEvent::beam_on),         \
      field("veto", &CrystalEvent::veto), field("crystal", &CrystalEvent::crystal), field_at<float>("npe_pmt0", npe), \
      field_at<float>("npe_pmt1", npe + sizeof(float)), field_at<float>("pretrace_npe_pmt0", pretrace_npe),          \
      field_at<float>("pretrace_npe_pmt1", pretrace_npe + sizeof(float)),                                             \
      field("arrival_ns", &CrystalEvent::arrival_ns), field("flags", &CrystalEvent::flags),                           \
      field("truth_source", &CrystalEvent::truth_source), field("truth_npe", &CrystalEvent::truth_npe)
    if (off_beam)
      event = compound(sizeof(CrystalEvent),
                       {CEVNS_REDUCED_V2_FIELDS, field_at<float>("off_beam_npe_pmt0", off_npe),
                        field_at<float>("off_beam_npe_pmt1", off_npe + sizeof(float)),
                        field_at<float>("off_beam_pretrace_npe_pmt0", off_pretrace_npe),
                        field_at<float>("off_beam_pretrace_npe_pmt1", off_pretrace_npe + sizeof(float)),
                        field("off_beam_arrival_ns", &CrystalEvent::off_beam_arrival_ns)},
                       c);
    else  // version 2: the same columns without the off-beam window
      event = compound(sizeof(CrystalEvent), {CEVNS_REDUCED_V2_FIELDS}, c);
#undef CEVNS_REDUCED_V2_FIELDS
  }
};

// The `units` attributes of the compound tables, field by field (docs/reduced-format.md).
constexpr const char* block_units =
    "index: 1; first_trigger: 1; trigger_count: triggers; protons_on_target: protons; beam_on_triggers: "
    "triggers; vetoed_triggers: triggers; events_begin, events_end: rows of /events";
constexpr const char* event_units =
    "trigger_id: 1; time_s: s; protons_on_target: protons; beam_on: boolean; veto: boolean; crystal: 1; "
    "npe_pmt0: photoelectrons; npe_pmt1: photoelectrons; pretrace_npe_pmt0: photoelectrons; pretrace_npe_pmt1: "
    "photoelectrons; arrival_ns: ns; flags: bit mask; truth_source: 1; truth_npe: photoelectrons; off_beam_npe_pmt0: "
    "photoelectrons; off_beam_npe_pmt1: photoelectrons; off_beam_pretrace_npe_pmt0: photoelectrons; "
    "off_beam_pretrace_npe_pmt1: photoelectrons; off_beam_arrival_ns: ns";

/// The oldest format version the reader still reads: version 2 has no off-beam window.
constexpr std::uint32_t oldest_readable_version = 2;

/// How to make a reduced file again, for error messages.
constexpr std::string_view remake = "re-run cevns reconstruct";

/// Checks what a reduced file says about its run beyond the raw run's description.
void check_reduced_info(const reco::ReducedRunInfo& info, const Context& c) {
  check_run_info(info.raw, c);
  if (info.crystals < 1) c.fail("attribute crystals = 0 (must be at least 1)");
  for (std::size_t i = 0; i < info.spe_charge.size(); ++i)
    if (!(info.spe_charge[i] > 0.0 && std::isfinite(info.spe_charge[i])))
      c.fail(fmt::format("row {} of /run/spe_charge = {} (must be a positive number)", i, info.spe_charge[i]));
  if (const auto& start_us = info.off_beam_window_start_us) {
    // As long as the signal region, within the pretrace (reco::off_beam_window()).
    const auto& raw = info.raw;
    const double start = std::round(*start_us * 1000.0 * raw.sampling_rate_GHz);
    const double length = double(raw.samples_per_waveform) - double(raw.pretrace_samples);
    if (!(start >= 0.0 && start + length <= double(raw.pretrace_samples)))
      c.fail(fmt::format("attribute off_beam_window_start_us = {} (the off-beam window of {} samples must lie in the "
                         "pretrace of {} samples; NaN: none)",
                         *start_us, length, raw.pretrace_samples));
  }
}

/// Checks block `block` (row `row` of /blocks) against the run and the block before it
/// (`previous`, nullptr for the first); its events are rows `first_event`… of /events.
void check_block(const daq::BlockRecord& block, std::span<const CrystalEvent> events, std::uint64_t row,
                 const daq::BlockRecord* previous, const reco::ReducedRunInfo& info, std::uint64_t first_event,
                 const Context& c, std::uint64_t first_block = 0) {
  check_block_record(block, row, previous, info.raw, c, first_block);
  const std::uint64_t begin = block.first_trigger, end = block.first_trigger + block.trigger_count;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const CrystalEvent& e = events[i];
    const auto refuse = [&](std::string_view why) {
      c.fail(fmt::format("row {} of /events (block {}): {}", first_event + i, row, why));
    };
    if (e.trigger_id < begin || e.trigger_id >= end)
      refuse(fmt::format("trigger_id = {} is outside the block's triggers [{}, {})", e.trigger_id, begin, end));
    if (e.crystal >= info.crystals) refuse(fmt::format("crystal = {}, the run has {}", e.crystal, info.crystals));
    if (i > 0) {
      const CrystalEvent& p = events[i - 1];
      if (e.trigger_id < p.trigger_id || (e.trigger_id == p.trigger_id && e.crystal <= p.crystal))
        refuse("out of order: rows must follow each other by trigger and crystal, one per crystal and trigger");
    }
    if (e.beam_on > 1 || e.veto > 1) refuse("beam_on or veto is neither 0 nor 1");
    if (!(e.time_s >= 0.0 && std::isfinite(e.time_s))) refuse(fmt::format("time_s = {}", e.time_s));
    if (!(e.protons_on_target >= 0.0F && std::isfinite(e.protons_on_target)))
      refuse(fmt::format("protons_on_target = {}", e.protons_on_target));
    for (const float npe : {e.npe[0], e.npe[1], e.pretrace_npe[0], e.pretrace_npe[1]})
      if (!std::isfinite(npe)) refuse("npe_pmt0, npe_pmt1, pretrace_npe_pmt0 or pretrace_npe_pmt1 is not finite");
    if (std::isinf(e.arrival_ns)) refuse("arrival_ns is infinite (NaN means no pulse)");
    for (const float npe : {e.off_beam_npe[0], e.off_beam_npe[1], e.off_beam_pretrace_npe[0], e.off_beam_pretrace_npe[1]})
      if (!std::isfinite(npe))
        refuse("off_beam_npe_pmt0, off_beam_npe_pmt1, off_beam_pretrace_npe_pmt0 or off_beam_pretrace_npe_pmt1 is "
               "not finite");
    if (std::isinf(e.off_beam_arrival_ns)) refuse("off_beam_arrival_ns is infinite (NaN means no pulse)");
    if (e.flags > 3) refuse(fmt::format("flags = {} (bits 1 and 2 only)", e.flags));
    if (e.truth_source < -1 || (e.truth_source >= 0 && static_cast<std::size_t>(e.truth_source) >= info.raw.sources.size()))
      refuse(fmt::format("truth_source = {} (must be -1 or below the run's {} sources)", e.truth_source,
                         info.raw.sources.size()));
  }
}

}  // namespace

// =======================================================================================
// Writer

struct ReducedFileWriter::State {
  fs::path path;
  fs::path part;
  reco::ReducedRunInfo info;
  std::uint16_t crystals = 0;
  std::size_t sources = 0;
  Context context;
  Types types;
  Handle file;
  Table blocks, events;
  Progress progress;
  std::uint64_t first_block = 0;  // a part file's first block (io/file_part.hpp), else 0
  std::uint64_t next_index = 0;
  daq::BlockRecord previous;  // the last block written
  bool failed = false;
  bool closed = false;

  State(fs::path p, const reco::ReducedRunInfo& run, Context c)
      : path(std::move(p)),
        part(part_path(path)),
        info(run),
        crystals(run.crystals),
        sources(run.raw.sources.size()),
        context(std::move(c)),
        types(context) {}

  /// Closes every dataset, then the file; returns false if HDF5 reported an error.
  bool close_file() {
    blocks.dataset.reset();
    events.dataset.reset();
    progress.reset();
    return file.close() >= 0;
  }
};

ReducedFileWriter::ReducedFileWriter(const fs::path& path, const reco::ReducedRunInfo& info, Compression compression,
                                     const std::optional<FilePart>& part_of_run) {
  silence_errors();
  const fs::path part = part_path(path);
  const Context c{fmt::format("cannot write {}", part.string()),
                  fmt::format("check that {} is writable and the disk is not full",
                              path.has_parent_path() ? path.parent_path().string() : std::string("the directory")),
                  part.string()};
  {  // What the caller passes: a program error, not the disk's.
    const Context caller{c.problem, "this is a bug in the program that writes the reduced file"};
    const auto& channels = info.raw.channels;
    if (channels.empty()) caller.fail("the run has no channels");
    if (channels.size() > 0xFFFF) caller.fail(fmt::format("{} channels, at most 65535", channels.size()));
    if (info.spe_charge.size() != channels.size())
      caller.fail(fmt::format("{} single-PE charges for {} channels (must be one per channel)", info.spe_charge.size(),
                              channels.size()));
    for (std::size_t i = 0; i < channels.size(); ++i)
      if (channels[i].crystal >= info.crystals)
        caller.fail(fmt::format("channel {} ({}) is on crystal {}, but the run has {} crystals", i, channels[i].name,
                                channels[i].crystal, info.crystals));
    for (std::size_t i = 0; i < channels.size(); ++i)
      if (channels[i].name.empty() || channels[i].side > 1 ||
          std::uint64_t{channels[i].crystal} * 2 + channels[i].side != i)
        caller.fail(fmt::format("channel {} is '{}', crystal {}, side {} (must be named, crystal {}, side {})", i,
                                channels[i].name, channels[i].crystal, channels[i].side, i / 2, i % 2));
    for (const auto& source : info.raw.sources)
      if (source.empty()) caller.fail("a source has no name");
    if (info.raw.sources.size() > 0x7FFF) caller.fail(fmt::format("{} sources, at most 32767", info.raw.sources.size()));
    check_reduced_info(info, caller);
  }
  create_parent_directory(path, c);

  state_ = std::make_unique<State>(path, info, c);
  State& s = *state_;
  s.file = create_file(part, c);
  const hid_t f = s.file.get();

  write_string_attribute(f, "format", std::string(reduced_format_name), c);
  write_attribute<std::uint32_t>(f, "format_version", reduced_format_version, c);
  write_string_attribute(f, "cevns_version", std::string(cevns::version()), c);
  write_string_attribute(f, "raw_cevns_version", info.raw.cevns_version, c);
  write_string_attribute(f, "compression", std::string(compression_name(compression)), c);
  write_run_attributes(f, info.raw, c);
  write_attribute<std::uint16_t>(f, "crystals", info.crystals, c);
  write_attribute<double>(f, "off_beam_window_start_us",
                          info.off_beam_window_start_us.value_or(std::numeric_limits<double>::quiet_NaN()), c);
  if (part_of_run) {
    write_part_attributes(f, *part_of_run, c);
    s.first_block = s.next_index = part_of_run->first_block;
  }

  // /run: where the data came from, how they were reconstructed, and how far it got.
  {
    const Handle run = create_group(f, "run", "the raw run, the reconstruction settings and progress", c);
    const hid_t r = run.get();
    write_text(r, "config_toml", info.raw.config_toml,
               "the resolved configuration (TOML) of the raw run these events were reconstructed from", c);
    write_text(r, "reco_config_toml", info.reco_config_toml, "the reconstruction settings used (TOML)", c);
    write_text(r, "raw_file", info.raw_file, "the raw-data file these events were reconstructed from", c);
    write_channels(r, "channels", info.raw.channels,
                   "one row per channel of the raw run; channel = crystal × 2 + side", c);
    write_strings(r, "sources", info.raw.sources,
                  "what produces photoelectrons in the simulation; the `truth_source` column of /events indexes this",
                  c);
    create_fixed(r, "spe_charge", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, info.spe_charge.size(),
                 info.spe_charge.data(), "ADC counts × samples",
                 "single-photoelectron charge of each channel (row i belongs to row i of /run/channels): the charge "
                 "that counts as one photoelectron",
                 c);
    s.progress.create(r, c);
  }

  // /blocks grows by one row per block: a small chunk, since each flush rewrites the last.
  s.blocks = create_table(f, "blocks", s.types.block, block_units,
                          "one row per block of consecutive triggers: its beam record and its rows of /events", c,
                          64 * 1024);
  s.events = create_table(f, "events", s.types.event, event_units,
                          "one row per trigger and crystal with a pulse or a flag; a crystal of a trigger without a "
                          "row had no pulse",
                          c, table_chunk_bytes, compression);

  // From here on readers may open the file while we write (H5F_ACC_SWMR_READ), and what
  // is flushed stays readable if we are killed.
  c.check(H5Fstart_swmr_write(f), "H5Fstart_swmr_write");
}

ReducedFileWriter::~ReducedFileWriter() {
  if (state_) state_->close_file();  // nothing left to close after a successful close()
}

void ReducedFileWriter::write(const reco::ReducedBlock& block) {
  State& s = *state_;
  const Context& c = s.context;
  const std::string which = fmt::format("cannot write block {} to {}", block.index, s.part.string());
  const Context caller{which, "this is a bug in the program that writes the reduced file"};
  if (s.closed) caller.fail("the file is already closed");
  if (s.failed) Context{which, "an earlier write failed; start the reconstruction again"}.fail("the writer is unusable");
  if (block.index != s.next_index)
    caller.fail(fmt::format("blocks must be written in order 0, 1, 2…; expected block {}", s.next_index));
  const std::uint64_t block_row = block.index - s.first_block;
  for (std::size_t i = 0; i < block.events.size(); ++i) {
    const CrystalEvent& e = block.events[i];
    if (e.trigger_id < block.first_trigger || e.trigger_id - block.first_trigger >= block.trigger_count)
      caller.fail(fmt::format("event {} is of trigger {}, outside the block's triggers [{}, {})", i, e.trigger_id,
                              block.first_trigger, block.first_trigger + block.trigger_count));
    if (e.crystal >= s.crystals)
      caller.fail(fmt::format("event {} is in crystal {}, the run has {} crystals", i, e.crystal, s.crystals));
    if (e.truth_source < -1 || (e.truth_source >= 0 && static_cast<std::size_t>(e.truth_source) >= s.sources))
      caller.fail(fmt::format("event {} has truth_source {} (must be -1 or below the run's {} sources)", i,
                              e.truth_source, s.sources));
  }
  check_block(block, block.events, block_row, block_row > 0 ? &s.previous : nullptr, s.info, s.events.rows, caller,
              s.first_block);

  s.failed = true;  // until this block is safely on disk
  BlockRow row;
  copy_record(row, block);
  row.events_begin = s.events.rows;
  s.events.append(block.events.data(), block.events.size(), "/events", c);
  row.events_end = s.events.rows;
  s.blocks.append(&row, 1, "/blocks", c);

  commit_block(s, block_row, c);
  s.previous = block;
}

void ReducedFileWriter::close() { close_block_file(*state_, "the reduced file"); }

// =======================================================================================
// Reader

struct ReducedFileReader::State {
  fs::path path;
  Context context;
  Types types;
  reco::ReducedRunInfo info;
  Handle file;
  Table blocks, events;
  std::vector<BlockRow> block_rows;  // the counted rows of /blocks, checked
  std::uint64_t block_count = 0;
  std::optional<FilePart> part;  // a part file's share of the run
  std::uint64_t first_block = 0;
  bool complete = false;

  State(fs::path p, Context c, bool with_off_beam)
      : path(std::move(p)), context(std::move(c)), types(context, with_off_beam), off_beam(with_off_beam) {}

  bool off_beam;  // the rows have the off-beam columns (format version ≥ 3)

  /// Rows `range` of /events; a version-2 file's rows get the defaults of the off-beam
  /// fields, which it does not have.
  std::vector<CrystalEvent> read_events(Range range) const {
    auto rows = read_range<CrystalEvent>(events, range, "/events", context);
    if (!off_beam)
      for (auto& e : rows) {
        const CrystalEvent none;
        std::copy(std::begin(none.off_beam_npe), std::end(none.off_beam_npe), std::begin(e.off_beam_npe));
        std::copy(std::begin(none.off_beam_pretrace_npe), std::end(none.off_beam_pretrace_npe),
                  std::begin(e.off_beam_pretrace_npe));
        e.off_beam_arrival_ns = none.off_beam_arrival_ns;
      }
    return rows;
  }

  /// Checks the events of block `index`, as read.
  void check(std::uint64_t index, std::span<const CrystalEvent> rows) const {
    daq::BlockRecord record, previous;
    copy_record(record, block_rows[index]);
    if (index > 0) copy_record(previous, block_rows[index - 1]);
    check_block(record, rows, index, index > 0 ? &previous : nullptr, info, block_rows[index].events_begin, context,
                first_block);
  }
};

ReducedFileReader::ReducedFileReader(const fs::path& path) {
  Handle file = open_for_reading(path, remake);
  const hid_t f = file.get();
  const Context damaged = damaged_file(path, remake);

  const std::string name = path.string();
  const Context foreign{fmt::format("cannot read {}", name),
                        "check the path: reduced-data files are written by the reconstruction"};
  const std::string format = read_format(f, path, reduced_format_version, remake, foreign);
  if (format.empty()) foreign.fail("not a cevns reduced-data file: it has no `format` attribute");
  if (format == raw_format_name)
    Context{foreign.problem, "reconstruct it first, and read the reduced file that writes"}.fail(
        "it is a raw-data file (format 'cevns-raw'), not a reduced one");
  if (format != reduced_format_name)
    foreign.fail(
        fmt::format("not a cevns reduced-data file: its format is '{}', not '{}'", format, reduced_format_name));
  // Version 3 added the off-beam window; version 2 files are read without it.
  const auto version = read_attribute<std::uint32_t>(f, "format_version", damaged);
  if (version < oldest_readable_version || version > reduced_format_version)
    Context{fmt::format("cannot read {}", name), "read it with the cevns version that wrote it"}.fail(
        fmt::format("format_version {} is not supported; this cevns reads versions {} to {}", version,
                    oldest_readable_version, reduced_format_version));
  state_ = std::make_unique<State>(path, damaged, version >= 3);
  State& s = *state_;
  const Context& c = s.context;
  s.file = std::move(file);

  reco::ReducedRunInfo& info = s.info;
  daq::RunInfo& raw = info.raw;
  raw.cevns_version = read_string_attribute(f, "raw_cevns_version", c);
  read_run_attributes(f, raw, c);
  info.crystals = read_attribute<std::uint16_t>(f, "crystals", c);
  if (s.off_beam) {
    const auto start_us = read_attribute<double>(f, "off_beam_window_start_us", c);
    if (!std::isnan(start_us)) info.off_beam_window_start_us = start_us;
  }
  raw.config_toml = read_text(f, "/run/config_toml", c);
  info.reco_config_toml = read_text(f, "/run/reco_config_toml", c);
  info.raw_file = read_text(f, "/run/raw_file", c);
  raw.channels = read_channels(f, "/run/channels", c);
  raw.sources = read_strings(f, "/run/sources", c);
  {
    const Table spe = open_table(f, "/run/spe_charge", H5T_NATIVE_DOUBLE, 1, c);
    info.spe_charge = read_range<double>(spe, {0, spe.rows}, "/run/spe_charge", c);
    if (info.spe_charge.size() != raw.channels.size())
      c.fail(fmt::format("/run/spe_charge has {} values for {} channels", info.spe_charge.size(), raw.channels.size()));
  }
  for (std::size_t i = 0; i < raw.channels.size(); ++i)
    if (raw.channels[i].crystal >= info.crystals)
      c.fail(fmt::format("row {} of /run/channels is on crystal {}, but the run has {} crystals", i,
                         raw.channels[i].crystal, info.crystals));
  check_reduced_info(info, c);
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
  s.events = open_table(f, "/events", s.types.event.memory.get(), 1, c);
  check_block_count(s.block_count, s.complete, s.blocks.rows, c);

  // Every block's record and rows, once (see RawFileReader).
  s.block_rows = read_range<BlockRow>(s.blocks, {0, s.block_count}, "/blocks", c);
  std::uint64_t next_event = 0;
  for (std::uint64_t i = 0; i < s.block_count; ++i) {
    const BlockRow& row = s.block_rows[i];
    daq::BlockRecord record, previous;
    copy_record(record, row);
    if (i > 0) copy_record(previous, s.block_rows[i - 1]);
    check_block_record(record, i, i > 0 ? &previous : nullptr, raw, c, s.first_block);
    check_block_rows({row.events_begin, row.events_end}, next_event, s.events.rows, "events", i, c);
    next_event = row.events_end;
  }
  if (s.part && s.block_count > s.part->blocks())
    c.fail(fmt::format("/run/blocks_written = {}, but {} has {}", s.block_count, s.part->describe(), s.part->blocks()));
}

ReducedFileReader::~ReducedFileReader() = default;

const reco::ReducedRunInfo& ReducedFileReader::info() const { return state_->info; }
bool ReducedFileReader::complete() const { return state_->complete; }
std::uint64_t ReducedFileReader::block_count() const { return state_->block_count; }
const std::optional<FilePart>& ReducedFileReader::part() const { return state_->part; }

reco::ReducedBlock ReducedFileReader::read_block(std::uint64_t index) const {
  const State& s = *state_;
  if (index >= s.block_count)
    throw std::out_of_range(
        fmt::format("block {} of {} does not exist (it has {} blocks)", index, s.path.string(), s.block_count));
  const BlockRow& row = s.block_rows[index];
  reco::ReducedBlock block;
  copy_record(block, row);
  block.events = s.read_events({row.events_begin, row.events_end});
  s.check(index, block.events);
  return block;
}

std::vector<CrystalEvent> ReducedFileReader::read_all_events() const {
  const State& s = *state_;
  if (s.block_count == 0) return {};
  // Blocks occupy consecutive rows from 0; rows after the last counted block belong to a
  // block that did not finish.
  auto events = s.read_events({0, s.block_rows.back().events_end});
  // Checked block by block, as read_block checks them.
  for (std::uint64_t i = 0; i < s.block_count; ++i) {
    const Range row{s.block_rows[i].events_begin, s.block_rows[i].events_end};
    s.check(i, std::span<const CrystalEvent>(events).subspan(row.begin, row.size()));
  }
  return events;
}

}  // namespace cevns::io
