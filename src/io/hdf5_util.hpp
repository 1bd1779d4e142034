#pragma once
/// \file
/// What the HDF5 files of cevns (raw_file.cpp, reduced_file.cpp) share: owning hid_t
/// handles, HDF5 errors as IoError with "problem (why); suggestion" messages, compound row
/// types, tables that grow by rows under SWMR, attributes, the run description (channels,
/// sources, configuration, digitiser attributes) and opening a file for reading with the
/// checks HDF5 does not make. Private to the io module: nothing here is installed.

#include <hdf5.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/daq/raw_event.hpp"
#include "cevns/io/compression.hpp"
#include "cevns/io/file_part.hpp"

namespace cevns::io::hdf5 {

// ---------------------------------------------------------------------------------------
// HDF5 errors → IoError

/// HDF5 prints its error stack to stderr by default; we report errors as exceptions.
void silence_errors();

/// The description of the innermost error on the HDF5 error stack: where it started, the
/// most specific one (e.g. "truncated file: eof = …").
std::string error_message();

/// The HDF5 error record of a full disk ("… errno = 28, error message = 'No space left on
/// device' … bytes actually written = 18446744073709551615 …") says nothing a user needs:
/// true if `record` is one, or the quota's.
bool is_disk_full(std::string_view record);

/// What an error message says besides the cause: "problem (why); suggestion". `writing`,
/// for a writer, is the file it writes: a full disk is then reported as "disk full while
/// writing F" instead of HDF5's record.
struct Context {
  std::string problem;
  std::string suggestion;
  std::string writing = {};
  /// Dataset transfer list of the reads: H5P_DEFAULT verifies every chunk's Fletcher-32
  /// checksum; unverified_transfer() is for the .part of a killed writer (see there).
  hid_t transfer = H5P_DEFAULT;

  [[noreturn]] void fail(std::string_view why) const {
    throw IoError(fmt::format("{} ({}); {}", problem, why, suggestion));
  }
  [[noreturn]] void fail_hdf5(std::string_view what) const;
  hid_t check_id(hid_t id, std::string_view what) const {
    if (id < 0) fail_hdf5(what);
    return id;
  }
  void check(herr_t status, std::string_view what) const {
    if (status < 0) fail_hdf5(what);
  }
};

/// A transfer list that does not verify checksums. For unfinished files only: a writer
/// killed while it rewrote a dataset's last, partly filled chunk can leave that chunk torn
/// (a SIGKILL interrupts a write between pages). The rows the counted blocks occupy are the
/// same bytes in the old and the new chunk, so they read intact — but the chunk's checksum,
/// over the new rows too, fails. Complete files are always read with checksums.
hid_t unverified_transfer();

/// Owns one HDF5 identifier and closes it with the matching H5Xclose.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  [[nodiscard]] hid_t get() const { return id_; }
  /// Closes now and returns what H5Xclose returned (0 if there was nothing to close).
  herr_t close() {
    const herr_t status = id_ >= 0 ? closer_(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }
  /// Closes, ignoring errors (destructors, unwinding).
  void reset() { (void)close(); }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

Handle property_list(hid_t cls, const Context& c);
Handle dataspace_of(hid_t dataset, const Context& c);
Handle scalar_space(const Context& c);
/// A fixed-length UTF-8 string type of `bytes` bytes (at least 1), padded with NULs. Not
/// variable-length strings: HDF5 keeps those in a global heap that no checksum protects,
/// and HDF5 1.10 crashes or hangs reading a damaged one.
Handle fixed_string_type(std::size_t bytes, const Context& c);

/// Longest text (`/run/config_toml`…) and name (a channel, a source) a reader accepts.
inline constexpr std::size_t max_text_bytes = 64 * 1024 * 1024;
inline constexpr std::size_t max_name_bytes = 4096;

// ---------------------------------------------------------------------------------------
// Types: native in memory, little-endian and packed in the file.

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return H5T_NATIVE_UINT16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return H5T_NATIVE_UINT64;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return H5T_NATIVE_INT16;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else
    static_assert(sizeof(T) == 0, "no HDF5 type for T");
}

template <class T>
hid_t file_type() {
  if constexpr (std::is_same_v<T, std::uint8_t>)
    return H5T_STD_U8LE;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return H5T_STD_U16LE;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return H5T_STD_U32LE;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return H5T_STD_U64LE;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return H5T_STD_I16LE;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return H5T_STD_I32LE;
  else if constexpr (std::is_same_v<T, float>)
    return H5T_IEEE_F32LE;
  else if constexpr (std::is_same_v<T, double>)
    return H5T_IEEE_F64LE;
  else
    static_assert(sizeof(T) == 0, "no HDF5 type for T");
}

/// One member of a compound row: its name, where it sits in the C++ struct, its types.
struct Field {
  const char* name;
  std::size_t offset;
  hid_t memory;
  hid_t file;
};

/// A member of type T at byte `offset` of the row (for elements of array members).
template <class T>
Field field_at(const char* name, std::size_t offset) {
  return {name, offset, native_type<T>(), file_type<T>()};
}

template <class Row, class T>
Field field(const char* name, T Row::*member) {
  static_assert(std::is_standard_layout_v<Row>);
  const Row row{};  // offsetof for a pointer to member
  const auto offset = static_cast<std::size_t>(reinterpret_cast<const std::byte*>(&(row.*member)) -
                                               reinterpret_cast<const std::byte*>(&row));
  return field_at<T>(name, offset);
}

/// The memory and file types of one compound table.
struct RowType {
  Handle memory;
  Handle file;
  /// Where each member sits: in the C++ struct, in the packed file row, its bytes.
  struct Member {
    std::size_t memory_offset, file_offset, bytes;
  };
  std::vector<Member> members;
  std::size_t memory_bytes = 0, file_bytes = 0;
};

/// A compound of `fields`: in memory a struct of `row_size` bytes, in the file packed in
/// the order given.
RowType compound(std::size_t row_size, std::initializer_list<Field> fields, const Context& c);

// ---------------------------------------------------------------------------------------
// Attributes

void write_string_attribute(hid_t object, const char* name, const std::string& value, const Context& c);

template <class T>
void write_attribute(hid_t object, const char* name, T value, const Context& c) {
  const Handle space = scalar_space(c);
  const Handle attribute(
      c.check_id(H5Acreate2(object, name, file_type<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2"),
      H5Aclose);
  c.check(H5Awrite(attribute.get(), native_type<T>(), &value), fmt::format("writing attribute {}", name));
}

/// The `units` and `description` attributes every dataset has.
void describe(hid_t object, const std::string& units, const std::string& description, const Context& c);

/// Opens attribute `name` of `object`, which must hold one value of `expected` class
/// (H5T_STRING, or H5T_INTEGER for any number).
Handle open_scalar_attribute(hid_t object, const char* name, H5T_class_t expected, const Context& c);

/// A fixed-length string attribute (a variable-length one is refused).
std::string read_string_attribute(hid_t object, const char* name, const Context& c);

template <class T>
T read_attribute(hid_t object, const char* name, const Context& c) {
  const Handle attribute = open_scalar_attribute(object, name, H5T_INTEGER, c);
  T value{};
  c.check(H5Aread(attribute.get(), native_type<T>(), &value), fmt::format("reading attribute {}", name));
  return value;
}

// ---------------------------------------------------------------------------------------
// Datasets

/// Bytes of one chunk of a table. Every flush rewrites the last, partly filled chunk of
/// each table, so chunks are kept small enough for that to be cheap with small blocks and
/// large enough for few index entries.
inline constexpr std::size_t table_chunk_bytes = 256 * 1024;

/// Bytes of one chunk of a compressed one-dimensional dataset: a compressed chunk that is
/// rewritten grows and moves, and SWMR leaves the old one unused in the file — 11 % of a
/// file with 32 KiB chunks against 85 % with 256 KiB ones, at the same compression ratio
/// (a zero-suppressed CLOVERS day, 216 blocks).
inline constexpr std::size_t compressed_chunk_bytes = 32 * 1024;

/// Rows per chunk: the power of two that fills at most `chunk_bytes`.
inline hsize_t chunk_rows(std::size_t row_bytes, std::size_t chunk_bytes = table_chunk_bytes) {
  return std::bit_floor(std::max<std::size_t>(1, chunk_bytes / row_bytes));
}

/// The HDF5 filter that `compression` adds (0 for none): H5Z_FILTER_DEFLATE, or Blosc's
/// registered 32001.
H5Z_filter_t compression_filter(Compression compression);
/// After HDF5 found the plugin of `filter`: keeps it loaded to the end of the process
/// (for LeakSanitizer, hdf5_util.cpp).
void keep_plugin_loaded(H5Z_filter_t filter);

/// "HDF5 filter N (its name) is not available …; install … or set HDF5_PLUGIN_PATH …":
/// why `what` cannot be read or written without the filter's plugin.
std::string missing_filter_message(H5Z_filter_t filter, std::string_view what);

/// Adds `compression`'s filters to the dataset creation list `create` (before the
/// Fletcher-32 checksum, which therefore sums the stored, compressed bytes and catches
/// damage before a decompressor sees it).
void add_compression(hid_t create, Compression compression, const Context& c);

/// Fails with missing_filter_message unless every filter of `dataset`'s pipeline can
/// decode here: a compressed file read without its plugin says so when it is opened.
void check_filters_available(hid_t dataset, const char* path, const Context& c);

/// Creates a chunked dataset of `rank` dimensions, the first starting empty and
/// unlimited, the others `inner`. No fill (rows are written once); `compression`'s
/// filters, then a Fletcher-32 checksum on every chunk, so that a damaged chunk is a read
/// error and not different numbers.
Handle create_extendible(hid_t parent, const char* name, hid_t type, const std::vector<hsize_t>& inner,
                         hsize_t chunk_first, std::size_t chunk_cache_bytes, const std::string& units,
                         const std::string& description, const Context& c,
                         Compression compression = Compression::none);

/// Creates a one-dimensional dataset of `rows` values of `stored_type` and writes `data`
/// (values of `memory_type`) into it: one chunk with a Fletcher-32 checksum, allocated at
/// once, so that writing it again under SWMR changes no metadata.
Handle create_fixed(hid_t parent, const char* name, hid_t stored_type, hid_t memory_type, hsize_t rows,
                    const void* data, const std::string& units, const std::string& description, const Context& c);

Handle create_group(hid_t parent, const char* name, const std::string& description, const Context& c);

/// [begin, end) rows of one table.
struct Range {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  [[nodiscard]] std::uint64_t size() const { return end - begin; }
};

/// A dataset that grows by rows: its handle, its row type in memory, its rows so far.
struct Table {
  Handle dataset;
  hid_t memory_type = H5I_INVALID_HID;  // owned by the caller, or a predefined native type
  std::vector<hsize_t> inner;           // the fixed dimensions after the first
  hsize_t rows = 0;

  /// Appends `n` rows from `data` (n × inner values of memory_type).
  void append(const void* data, hsize_t n, const char* name, const Context& c);
};

/// Creates an empty one-dimensional table of compound rows `type` in `parent`, chunked at
/// `chunk_bytes`, with `compression`.
Table create_table(hid_t parent, const char* name, const RowType& type, const std::string& units,
                   const std::string& description, const Context& c, std::size_t chunk_bytes = table_chunk_bytes,
                   Compression compression = Compression::none);

/// Opens an existing table and finds its extent.
Table open_table(hid_t file, const char* path, hid_t memory_type, std::size_t rank, const Context& c,
                 std::size_t chunk_cache_bytes = 1024 * 1024);

/// Reads rows [range.begin, range.end) of `table` into `out` (room for them as values of
/// `memory_type`), after checking that the rows exist.
void read_rows(const Table& table, Range range, hid_t memory_type, void* out, const char* name, const Context& c);

/// Rows [range.begin, range.end) of `table` into `out` as values of T (`values_per_row`
/// each: the product of the inner dimensions). `out` keeps its capacity: read into the
/// same vector again and no memory is allocated or zeroed.
template <class T>
void read_range_into(const Table& table, Range range, const char* name, const Context& c, std::vector<T>& out,
                     std::size_t values_per_row = 1) {
  if (range.end < range.begin || range.end > table.rows)
    c.fail(fmt::format("rows [{}, {}) of {} are outside its {} rows", range.begin, range.end, name, table.rows));
  out.resize(range.size() * values_per_row);
  read_rows(table, range, table.memory_type, out.data(), name, c);
}

/// Rows [range.begin, range.end) of a compound table of `type` into `out`, read as the
/// packed rows the file stores — the same type in memory as on disk, so HDF5 converts
/// nothing — and unpacked here member by member (`scratch` holds the packed rows).
template <class Row>
void read_packed_into(const Table& table, Range range, const RowType& type, const char* name, const Context& c,
                      std::vector<Row>& out, std::vector<std::byte>& scratch) {
  static_assert(std::is_trivially_copyable_v<Row>);
  if (type.memory_bytes != sizeof(Row)) c.fail(fmt::format("{}: row type of {} bytes, not {}", name, type.memory_bytes, sizeof(Row)));
  if (range.end < range.begin || range.end > table.rows)
    c.fail(fmt::format("rows [{}, {}) of {} are outside its {} rows", range.begin, range.end, name, table.rows));
  const std::size_t n = range.size();
  scratch.resize(n * type.file_bytes);
  read_rows(table, range, type.file.get(), scratch.data(), name, c);
  out.resize(n);
  auto* rows = reinterpret_cast<std::byte*>(out.data());
  const std::byte* packed = scratch.data();
  // The same offsets in memory and file (only the struct's tail padding differs): one copy a row.
  bool prefix = true;
  for (const auto& m : type.members) prefix = prefix && m.memory_offset == m.file_offset;
  if (prefix) {
    for (std::size_t i = 0; i < n; ++i) std::memcpy(rows + i * sizeof(Row), packed + i * type.file_bytes, type.file_bytes);
    return;
  }
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& m : type.members)
      std::memcpy(rows + i * sizeof(Row) + m.memory_offset, packed + i * type.file_bytes + m.file_offset, m.bytes);
}

/// Rows [range.begin, range.end) of `table` as values of T.
template <class T>
std::vector<T> read_range(const Table& table, Range range, const char* name, const Context& c,
                          std::size_t values_per_row = 1) {
  std::vector<T> out;
  read_range_into(table, range, name, c, out, values_per_row);
  return out;
}

/// The one value of dataset `path`.
template <class T>
T read_single(hid_t file, const char* path, const Context& c) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) c.fail(fmt::format("dataset {} is missing", path));
  const Handle dataset(c.check_id(H5Dopen2(file, path, H5P_DEFAULT), fmt::format("opening {}", path)), H5Dclose);
  const Handle space = dataspace_of(dataset.get(), c);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) c.fail(fmt::format("dataset {} is not a single value", path));
  T value{};
  c.check(H5Dread(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, c.transfer, &value),
          fmt::format("reading {}", path));
  return value;
}

template <class T>
void write_single(hid_t dataset, T value, const char* name, const Context& c) {
  c.check(H5Dwrite(dataset, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), fmt::format("writing {}", name));
}

// ---------------------------------------------------------------------------------------
// The run description both file kinds carry.

/// Writes, as root attributes of `file`, what the raw run is beside its channels, sources
/// and configuration: experiment, seed, mode, sampling_rate_GHz, samples_per_waveform,
/// pretrace_samples, adc_bits, baseline_adc, trigger_rate_Hz, triggers_per_block.
void write_run_attributes(hid_t file, const daq::RunInfo& info, const Context& c);
/// Reads what write_run_attributes wrote into `info`.
void read_run_attributes(hid_t file, daq::RunInfo& info, const Context& c);

/// Checks what the root attributes say about the run against the layout's ranges:
/// sampling_rate_GHz in (0, 1000], 1 ≤ samples_per_waveform ≤ 10⁷, pretrace_samples below
/// it, adc_bits in [8, 15] (16-bit signed samples), baseline_adc within the ADC range,
/// trigger_rate_Hz positive, triggers_per_block ≥ 1. Readers and writers both call it.
void check_run_info(const daq::RunInfo& info, const Context& c);

/// Checks row `row` of /blocks: its index is `first_block` + `row`, its triggers follow
/// those of `previous` (nullptr for the first block: they start at first_block ×
/// triggers_per_block), it has at most triggers_per_block triggers, beam-on and vetoed
/// triggers among them, and finite, non-negative protons on target. `first_block` is 0
/// but in a part file (io/file_part.hpp).
void check_block_record(const daq::BlockRecord& record, std::uint64_t row, const daq::BlockRecord* previous,
                        const daq::RunInfo& info, const Context& c, std::uint64_t first_block = 0);

/// The root attributes of a part file (part_index, part_count, part_first_block,
/// part_end_block, run_blocks, run_triggers), written and read; a file without
/// `part_count` is a whole run (std::nullopt). The reader checks them against each other.
void write_part_attributes(hid_t file, const FilePart& part, const Context& c);
std::optional<FilePart> read_part_attributes(hid_t file, const Context& c);

/// Checks /run/blocks_written = `count` against the `rows` of /blocks: a complete file
/// counts every row; the .part of a killed writer may hold one more, of the block it was
/// writing.
void check_block_count(std::uint64_t count, bool complete, std::uint64_t rows, const Context& c);

/// Checks the rows [range.begin, range.end) of `table` that row `row` of /blocks names:
/// they start where the previous block's ended (`begin`) and lie within the table's
/// `table_rows` rows. `field` names the /blocks fields, e.g. "triggers".
void check_block_rows(Range range, std::uint64_t begin, std::uint64_t table_rows, std::string_view field,
                      std::uint64_t row, const Context& c);

/// A text: a dataset of one fixed-length string (h5py: `f[path].asstr()[0]`).
void write_text(hid_t parent, const char* name, const std::string& text, const std::string& description,
                const Context& c);
std::string read_text(hid_t file, const char* path, const Context& c);

/// A one-dimensional dataset of fixed-length strings (of the longest one's length); a
/// reader refuses an empty one.
void write_strings(hid_t parent, const char* name, const std::vector<std::string>& strings,
                   const std::string& description, const Context& c);
std::vector<std::string> read_strings(hid_t file, const char* path, const Context& c);

/// The channel table: compound (name fixed-length string, crystal uint16, side uint16).
/// A reader refuses a table whose channel i is not crystal i / 2, side i % 2, or has no name.
void write_channels(hid_t parent, const char* name, const std::vector<daq::ChannelInfo>& channels,
                    const std::string& description, const Context& c);
std::vector<daq::ChannelInfo> read_channels(hid_t file, const char* path, const Context& c);

// ---------------------------------------------------------------------------------------
// Files

inline std::filesystem::path part_path(const std::filesystem::path& path) {
  std::filesystem::path part = path;
  part += ".part";
  return part;
}

/// Creates the directory of `path` if it has one.
void create_parent_directory(const std::filesystem::path& path, const Context& c);

/// Creates (or replaces) `part` in the latest file format, which SWMR needs and HDF5 ≥ 1.10
/// (h5py ≥ 2.6) reads.
Handle create_file(const std::filesystem::path& part, const Context& c);

/// How far a block-by-block writer got: /run/blocks_written and /run/complete, datasets
/// rather than attributes because attributes cannot be changed under SWMR.
struct Progress {
  Handle blocks_written;
  Handle complete;

  /// Creates both datasets in `run`, at 0.
  void create(hid_t run, const Context& c);
  /// After the rows of block `index` were appended: flushes them, then counts the block
  /// and flushes again, so that a kill at any moment leaves blocks_written pointing only
  /// at rows that are on disk.
  void commit_block(hid_t file, std::uint64_t index, const Context& c) const;
  /// Sets complete = 1 and flushes.
  void mark_complete(hid_t file, const Context& c) const;
  void reset() {
    blocks_written.reset();
    complete.reset();
  }
};

/// Renames `part` → `path`.
void rename_part(const std::filesystem::path& part, const std::filesystem::path& path, const Context& c);

/// The block record columns of a /blocks row (`Row` is a file's own standard-layout row
/// type, with the BlockRecord fields under the same names), both ways.
template <class Row>
void copy_record(Row& row, const daq::BlockRecord& record) {
  row.index = record.index;
  row.first_trigger = record.first_trigger;
  row.trigger_count = record.trigger_count;
  row.protons_on_target = record.protons_on_target;
  row.beam_on_triggers = record.beam_on_triggers;
  row.vetoed_triggers = record.vetoed_triggers;
}
template <class Row>
void copy_record(daq::BlockRecord& record, const Row& row) {
  record.index = row.index;
  record.first_trigger = row.first_trigger;
  record.trigger_count = row.trigger_count;
  record.protons_on_target = row.protons_on_target;
  record.beam_on_triggers = row.beam_on_triggers;
  record.vetoed_triggers = row.vetoed_triggers;
}

/// The last steps of a block-by-block writer's write(): its rows are appended; commit the
/// block (see Progress::commit_block) and clear the failure mark set while writing.
template <class State>
void commit_block(State& s, std::uint64_t index, const Context& c) {
  s.progress.commit_block(s.file.get(), index, c);
  ++s.next_index;
  s.failed = false;
}

/// A block-by-block writer's close(): marks the file complete unless a write failed,
/// closes it and renames the .part to its final name; `what` names the file in the
/// failure message ("the run", "the reduced file").
template <class State>
void close_block_file(State& s, std::string_view what) {
  if (s.closed) return;
  const Context& c = s.context;
  s.closed = true;
  if (!s.failed) s.progress.mark_complete(s.file.get(), c);
  if (!s.close_file()) c.fail_hdf5("closing the file");
  if (s.failed) c.fail(std::string("an earlier write failed, ") + std::string(what) + " is incomplete");
  rename_part(s.part, s.path, c);
}

/// The context of errors reading `path` once it is open: a damaged file. `remake` says how
/// to make the file again, e.g. "re-run the simulation".
Context damaged_file(const std::filesystem::path& path, std::string_view remake);

/// Opens `path` read-only: a finished file normally, the .part of a running or killed
/// writer as a SWMR reader. Throws IoError for a missing file, a directory, a file that is
/// not HDF5, and a truncated or damaged one — also a truncated .part, which HDF5 itself
/// does not notice.
Handle open_for_reading(const std::filesystem::path& path, std::string_view remake);

/// The root attribute `format` ("" if the file has none). A variable-length `format`, as
/// files of format version 1 have, is refused with a message that says so, naming `path`
/// and how to make the file again (`remake`). `c` is the context of a foreign file; a
/// failure to look is reported as damage.
std::string read_format(hid_t file, const std::filesystem::path& path, std::uint32_t supported, std::string_view remake,
                        const Context& c);

/// Fails unless the root attribute `format_version` is `supported`.
void check_format_version(hid_t file, const std::filesystem::path& path, std::uint32_t supported, const Context& c);

}  // namespace cevns::io::hdf5
