#include "cevns/io/raw_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// HDF5 errors → IoError

/// HDF5 prints its error stack to stderr by default; we report errors as exceptions.
void silence_hdf5_errors() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

herr_t keep_innermost(unsigned n, const H5E_error2_t* error, void* message) {
  if (n == 0 && error->desc != nullptr) *static_cast<std::string*>(message) = error->desc;
  return 0;
}

/// The description of the innermost error on the HDF5 error stack: where it started, the
/// most specific one (e.g. "truncated file: eof = …").
std::string hdf5_message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &message);
  return message.empty() ? "unknown HDF5 error" : message;
}

/// What an error message says besides the cause: "problem (why); suggestion".
struct Context {
  std::string problem;
  std::string suggestion;

  [[noreturn]] void fail(std::string_view why) const {
    throw IoError(fmt::format("{} ({}); {}", problem, why, suggestion));
  }
  [[noreturn]] void fail_hdf5(std::string_view what) const { fail(fmt::format("{}: {}", what, hdf5_message())); }
  hid_t check_id(hid_t id, std::string_view what) const {
    if (id < 0) fail_hdf5(what);
    return id;
  }
  void check(herr_t status, std::string_view what) const {
    if (status < 0) fail_hdf5(what);
  }
};

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

Handle property_list(hid_t cls, const Context& c) { return {c.check_id(H5Pcreate(cls), "H5Pcreate"), H5Pclose}; }
Handle dataspace_of(hid_t dataset, const Context& c) {
  return {c.check_id(H5Dget_space(dataset), "H5Dget_space"), H5Sclose};
}
/// A variable-length UTF-8 string type: what h5py reads as `str`.
Handle string_type(const Context& c) {
  Handle type(c.check_id(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
  c.check(H5Tset_size(type.get(), H5T_VARIABLE), "H5Tset_size");
  c.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return type;
}

/// Frees what HDF5 allocated for variable-length data read into `buffer`.
herr_t reclaim_vlen(hid_t type, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
  return H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
  return H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

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

template <class Row, class T>
Field field(const char* name, T Row::*member) {
  static_assert(std::is_standard_layout_v<Row>);
  const Row row{};  // offsetof for a pointer to member
  const auto offset = static_cast<std::size_t>(reinterpret_cast<const std::byte*>(&(row.*member)) -
                                               reinterpret_cast<const std::byte*>(&row));
  return {name, offset, native_type<T>(), file_type<T>()};
}

/// The memory and file types of one compound table.
struct RowType {
  Handle memory;
  Handle file;
};

RowType compound(std::size_t row_size, std::initializer_list<Field> fields, const Context& c) {
  std::size_t file_size = 0;
  for (const auto& f : fields) file_size += H5Tget_size(f.file);
  RowType t{{c.check_id(H5Tcreate(H5T_COMPOUND, row_size), "H5Tcreate"), H5Tclose},
            {c.check_id(H5Tcreate(H5T_COMPOUND, file_size), "H5Tcreate"), H5Tclose}};
  std::size_t file_offset = 0;
  for (const auto& f : fields) {
    c.check(H5Tinsert(t.memory.get(), f.name, f.offset, f.memory), "H5Tinsert");
    c.check(H5Tinsert(t.file.get(), f.name, file_offset, f.file), "H5Tinsert");
    file_offset += H5Tget_size(f.file);
  }
  return t;
}

/// [begin, end) rows of one table.
struct Range {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  [[nodiscard]] std::uint64_t size() const { return end - begin; }
};

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

/// One row of /run/channels.
struct ChannelRow {
  char* name = nullptr;
  std::uint16_t crystal = 0;
  std::uint16_t side = 0;
};

/// Every compound type of the layout.
struct Types {
  RowType block, trigger, segment, interaction, photoelectron, channel;
  Handle string;

  explicit Types(const Context& c) : string(string_type(c)) {
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
    const Field crystal = field("crystal", &ChannelRow::crystal);
    const Field side = field("side", &ChannelRow::side);
    channel = compound(sizeof(ChannelRow),
                       {{"name", offsetof(ChannelRow, name), string.get(), string.get()}, crystal, side}, c);
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

// ---------------------------------------------------------------------------------------
// Attributes

void write_string_attribute(hid_t object, const char* name, const std::string& value, const Context& c) {
  const Handle type = string_type(c);
  const Handle space(c.check_id(H5Screate(H5S_SCALAR), "H5Screate"), H5Sclose);
  const Handle attribute(
      c.check_id(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2"), H5Aclose);
  const char* text = value.c_str();
  c.check(H5Awrite(attribute.get(), type.get(), &text), fmt::format("writing attribute {}", name));
}

template <class T>
void write_attribute(hid_t object, const char* name, T value, const Context& c) {
  const Handle space(c.check_id(H5Screate(H5S_SCALAR), "H5Screate"), H5Sclose);
  const Handle attribute(
      c.check_id(H5Acreate2(object, name, file_type<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2"),
      H5Aclose);
  c.check(H5Awrite(attribute.get(), native_type<T>(), &value), fmt::format("writing attribute {}", name));
}

void describe(hid_t object, const std::string& units, const std::string& description, const Context& c) {
  write_string_attribute(object, "units", units, c);
  write_string_attribute(object, "description", description, c);
}

/// Opens attribute `name` of `object`, which must hold one value of `expected` class.
Handle open_scalar_attribute(hid_t object, const char* name, H5T_class_t expected, const Context& c) {
  const htri_t exists = H5Aexists(object, name);
  if (exists < 0) c.fail_hdf5(fmt::format("looking for attribute {}", name));
  if (exists == 0) c.fail(fmt::format("attribute {} is missing", name));
  Handle attribute(c.check_id(H5Aopen(object, name, H5P_DEFAULT), "H5Aopen"), H5Aclose);
  const Handle type(c.check_id(H5Aget_type(attribute.get()), "H5Aget_type"), H5Tclose);
  const Handle space(c.check_id(H5Aget_space(attribute.get()), "H5Aget_space"), H5Sclose);
  const H5T_class_t stored = H5Tget_class(type.get());
  const bool class_ok = expected == H5T_STRING ? stored == H5T_STRING : (stored == H5T_INTEGER || stored == H5T_FLOAT);
  if (!class_ok || H5Sget_simple_extent_npoints(space.get()) != 1)
    c.fail(fmt::format("attribute {} is not a single {}", name, expected == H5T_STRING ? "string" : "number"));
  return attribute;
}

std::string read_string_attribute(hid_t object, const char* name, const Context& c) {
  const Handle attribute = open_scalar_attribute(object, name, H5T_STRING, c);
  const Handle stored(c.check_id(H5Aget_type(attribute.get()), "H5Aget_type"), H5Tclose);
  const htri_t variable = H5Tis_variable_str(stored.get());
  if (variable < 0) c.fail_hdf5("H5Tis_variable_str");
  if (variable > 0) {
    const Handle type = string_type(c);
    const Handle space(c.check_id(H5Aget_space(attribute.get()), "H5Aget_space"), H5Sclose);
    char* text = nullptr;
    c.check(H5Aread(attribute.get(), type.get(), &text), fmt::format("reading attribute {}", name));
    std::string value = text != nullptr ? text : "";
    reclaim_vlen(type.get(), space.get(), &text);
    return value;
  }
  // A fixed-length string, as numpy.bytes_ attributes from h5py are.
  const std::size_t size = H5Tget_size(stored.get());
  const Handle type(c.check_id(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
  c.check(H5Tset_size(type.get(), size), "H5Tset_size");
  std::string value(size, '\0');
  c.check(H5Aread(attribute.get(), type.get(), value.data()), fmt::format("reading attribute {}", name));
  value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
  return value;
}

template <class T>
T read_attribute(hid_t object, const char* name, const Context& c) {
  const Handle attribute =
      open_scalar_attribute(object, name, std::is_floating_point_v<T> ? H5T_FLOAT : H5T_INTEGER, c);
  T value{};
  c.check(H5Aread(attribute.get(), native_type<T>(), &value), fmt::format("reading attribute {}", name));
  return value;
}

// ---------------------------------------------------------------------------------------
// Datasets

/// Bytes of one chunk of a table. Every flush rewrites the last, partly filled chunk of
/// each table, so chunks are kept small enough for that to be cheap with small blocks and
/// large enough for few index entries.
constexpr std::size_t table_chunk_bytes = 256 * 1024;

/// Rows per chunk: the power of two that fills at most `chunk_bytes`.
hsize_t chunk_rows(std::size_t row_bytes, std::size_t chunk_bytes = table_chunk_bytes) {
  return std::bit_floor(std::max<std::size_t>(1, chunk_bytes / row_bytes));
}

/// Creates a chunked dataset of `rank` dimensions, the first starting empty and
/// unlimited, the others `inner`. No compression, no fill (rows are written once).
Handle create_extendible(hid_t parent, const char* name, hid_t type, const std::vector<hsize_t>& inner,
                         hsize_t chunk_first, std::size_t chunk_cache_bytes, const std::string& units,
                         const std::string& description, const Context& c) {
  std::vector<hsize_t> dims{0}, maxdims{H5S_UNLIMITED}, chunk{chunk_first};
  for (const hsize_t n : inner) {
    dims.push_back(n);
    maxdims.push_back(n);
    chunk.push_back(n);
  }
  const auto rank = static_cast<int>(dims.size());
  const Handle space(c.check_id(H5Screate_simple(rank, dims.data(), maxdims.data()), "H5Screate_simple"), H5Sclose);
  const Handle create = property_list(H5P_DATASET_CREATE, c);
  c.check(H5Pset_chunk(create.get(), rank, chunk.data()), "H5Pset_chunk");
  c.check(H5Pset_fill_time(create.get(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
  c.check(H5Pset_obj_track_times(create.get(), 0), "H5Pset_obj_track_times");
  const Handle access = property_list(H5P_DATASET_ACCESS, c);
  c.check(H5Pset_chunk_cache(access.get(), 521, chunk_cache_bytes, 1.0), "H5Pset_chunk_cache");
  Handle dataset(c.check_id(H5Dcreate2(parent, name, type, space.get(), H5P_DEFAULT, create.get(), access.get()),
                            fmt::format("creating dataset {}", name)),
                 H5Dclose);
  describe(dataset.get(), units, description, c);
  return dataset;
}

Handle scalar_space(const Context& c) { return {c.check_id(H5Screate(H5S_SCALAR), "H5Screate"), H5Sclose}; }
Handle vector_space(hsize_t n, const Context& c) {
  return {c.check_id(H5Screate_simple(1, &n, nullptr), "H5Screate_simple"), H5Sclose};
}

/// Creates a dataset of fixed shape `space` and writes `data` (values of `memory_type`) into it.
Handle create_fixed(hid_t parent, const char* name, hid_t stored_type, hid_t memory_type, const Handle& space,
                    const void* data, const std::string& units, const std::string& description, const Context& c) {
  const Handle create = property_list(H5P_DATASET_CREATE, c);
  c.check(H5Pset_obj_track_times(create.get(), 0), "H5Pset_obj_track_times");
  // Allocated now, so that writing it later (under SWMR) changes no metadata.
  c.check(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
  Handle dataset(c.check_id(H5Dcreate2(parent, name, stored_type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT),
                            fmt::format("creating dataset {}", name)),
                 H5Dclose);
  if (H5Sget_simple_extent_npoints(space.get()) > 0)
    c.check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), fmt::format("writing {}", name));
  describe(dataset.get(), units, description, c);
  return dataset;
}

Handle create_group(hid_t parent, const char* name, const std::string& description, const Context& c) {
  const Handle create = property_list(H5P_GROUP_CREATE, c);
  c.check(H5Pset_obj_track_times(create.get(), 0), "H5Pset_obj_track_times");
  Handle group(c.check_id(H5Gcreate2(parent, name, H5P_DEFAULT, create.get(), H5P_DEFAULT),
                          fmt::format("creating group {}", name)),
               H5Gclose);
  write_string_attribute(group.get(), "description", description, c);
  return group;
}

/// A dataset that grows by rows: its handle, its row type in memory, its rows so far.
struct Table {
  Handle dataset;
  hid_t memory_type = H5I_INVALID_HID;  // owned by Types, or a predefined native type
  std::vector<hsize_t> inner;           // the fixed dimensions after the first
  hsize_t rows = 0;

  /// Appends `n` rows from `data` (n × inner values of memory_type).
  void append(const void* data, hsize_t n, const char* name, const Context& c) {
    if (n == 0) return;
    std::vector<hsize_t> dims{rows + n}, start{rows}, count{n};
    for (const hsize_t d : inner) {
      dims.push_back(d);
      start.push_back(0);
      count.push_back(d);
    }
    c.check(H5Dset_extent(dataset.get(), dims.data()), fmt::format("extending {}", name));
    const Handle file_space = dataspace_of(dataset.get(), c);
    c.check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
            "H5Sselect_hyperslab");
    const Handle memory_space(
        c.check_id(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), "H5Screate_simple"),
        H5Sclose);
    c.check(H5Dwrite(dataset.get(), memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, data),
            fmt::format("writing {}", name));
    rows += n;
  }
};

/// Opens an existing table and finds its extent.
Table open_table(hid_t file, const char* path, hid_t memory_type, std::size_t rank, const Context& c,
                 std::size_t chunk_cache_bytes = 1024 * 1024) {
  const htri_t exists = H5Lexists(file, path, H5P_DEFAULT);
  if (exists <= 0) c.fail(fmt::format("dataset {} is missing", path));
  const Handle access = property_list(H5P_DATASET_ACCESS, c);
  c.check(H5Pset_chunk_cache(access.get(), 521, chunk_cache_bytes, 1.0), "H5Pset_chunk_cache");
  Table t;
  t.dataset = Handle(c.check_id(H5Dopen2(file, path, access.get()), fmt::format("opening {}", path)), H5Dclose);
  t.memory_type = memory_type;
  const Handle space = dataspace_of(t.dataset.get(), c);
  if (H5Sget_simple_extent_ndims(space.get()) != static_cast<int>(rank))
    c.fail(
        fmt::format("dataset {} has {} dimensions, expected {}", path, H5Sget_simple_extent_ndims(space.get()), rank));
  std::vector<hsize_t> dims(rank);
  c.check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "H5Sget_simple_extent_dims");
  t.rows = dims[0];
  t.inner.assign(dims.begin() + 1, dims.end());
  return t;
}

/// Rows [range.begin, range.end) of `table` as values of T (`values_per_row` each: the
/// product of the inner dimensions), after checking that the rows exist.
template <class T>
std::vector<T> read_range(const Table& table, Range range, const char* name, const Context& c,
                          std::size_t values_per_row = 1) {
  if (range.end < range.begin || range.end > table.rows)
    c.fail(fmt::format("rows [{}, {}) of {} are outside its {} rows", range.begin, range.end, name, table.rows));
  std::vector<T> out(range.size() * values_per_row);
  if (range.size() == 0) return out;
  std::vector<hsize_t> start{range.begin}, count{range.size()};
  for (const hsize_t d : table.inner) {
    start.push_back(0);
    count.push_back(d);
  }
  const Handle file_space = dataspace_of(table.dataset.get(), c);
  c.check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
          "H5Sselect_hyperslab");
  const Handle memory_space(
      c.check_id(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr), "H5Screate_simple"),
      H5Sclose);
  c.check(
      H5Dread(table.dataset.get(), table.memory_type, memory_space.get(), file_space.get(), H5P_DEFAULT, out.data()),
      fmt::format("reading {}", name));
  return out;
}

template <class T>
T read_single(hid_t file, const char* path, const Context& c) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) c.fail(fmt::format("dataset {} is missing", path));
  const Handle dataset(c.check_id(H5Dopen2(file, path, H5P_DEFAULT), fmt::format("opening {}", path)), H5Dclose);
  const Handle space = dataspace_of(dataset.get(), c);
  if (H5Sget_simple_extent_npoints(space.get()) != 1) c.fail(fmt::format("dataset {} is not a single value", path));
  T value{};
  c.check(H5Dread(dataset.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &value),
          fmt::format("reading {}", path));
  return value;
}

template <class T>
void write_single(hid_t dataset, T value, const char* name, const Context& c) {
  c.check(H5Dwrite(dataset, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), fmt::format("writing {}", name));
}

std::string mode_name(daq::WaveformMode mode) { return mode == daq::WaveformMode::full ? "full" : "zero-suppressed"; }

fs::path part_path(const fs::path& path) {
  fs::path part = path;
  part += ".part";
  return part;
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
  Handle blocks_written, complete;
  std::uint64_t next_index = 0;
  bool failed = false;
  bool closed = false;

  State(fs::path p, daq::RunInfo i, Context c)
      : path(std::move(p)), part(part_path(path)), info(std::move(i)), context(std::move(c)), types(context) {}

  /// Closes every dataset, then the file; returns false if HDF5 reported an error.
  bool close_file() {
    for (Table* t : {&blocks, &triggers, &adc, &segments, &samples, &interactions, &photoelectrons}) t->dataset.reset();
    blocks_written.reset();
    complete.reset();
    return file.close() >= 0;
  }
};

RawFileWriter::RawFileWriter(const fs::path& path, const daq::RunInfo& info) {
  silence_hdf5_errors();
  const fs::path part = part_path(path);
  Context c{fmt::format("cannot write {}", part.string()),
            fmt::format("check that {} is writable and the disk is not full",
                        path.has_parent_path() ? path.parent_path().string() : std::string("the directory"))};
  if (info.channels.empty()) c.fail("the run has no channels");
  if (info.channels.size() > 0xFFFF) c.fail(fmt::format("{} channels, at most 65535", info.channels.size()));
  if (info.samples_per_waveform == 0) c.fail("samples_per_waveform is 0");
  const std::uint64_t waveform_bytes =
      std::uint64_t{info.channels.size()} * info.samples_per_waveform * sizeof(std::int16_t);
  if (info.mode == daq::WaveformMode::full && waveform_bytes >= (std::uint64_t{1} << 32))
    c.fail(
        fmt::format("one trigger's waveforms take {} bytes, more than an HDF5 chunk can hold (4 GiB)", waveform_bytes));
  if (path.has_parent_path()) {
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    if (error) c.fail(fmt::format("cannot create directory {}: {}", path.parent_path().string(), error.message()));
  }

  state_ = std::make_unique<State>(path, info, c);
  State& s = *state_;

  // The latest file format: needed for SWMR, readable by HDF5 ≥ 1.10 (h5py ≥ 2.6).
  const Handle access = property_list(H5P_FILE_ACCESS, c);
  c.check(H5Pset_libver_bounds(access.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "H5Pset_libver_bounds");
  s.file = Handle(c.check_id(H5Fcreate(part.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access.get()), "cannot create file"),
                  H5Fclose);
  const hid_t f = s.file.get();

  write_string_attribute(f, "format", std::string(raw_format_name), c);
  write_attribute<std::uint32_t>(f, "format_version", raw_format_version, c);
  write_string_attribute(f, "cevns_version", info.cevns_version, c);
  write_string_attribute(f, "experiment", info.experiment, c);
  write_attribute<std::uint64_t>(f, "seed", info.seed, c);
  write_string_attribute(f, "mode", mode_name(info.mode), c);
  write_attribute<double>(f, "sampling_rate_GHz", info.sampling_rate_GHz, c);
  write_attribute<std::uint32_t>(f, "samples_per_waveform", info.samples_per_waveform, c);
  write_attribute<std::uint32_t>(f, "pretrace_samples", info.pretrace_samples, c);
  write_attribute<std::int32_t>(f, "adc_bits", info.adc_bits, c);
  write_attribute<double>(f, "baseline_adc", info.baseline_adc, c);
  write_attribute<double>(f, "trigger_rate_Hz", info.trigger_rate_Hz, c);
  write_attribute<std::uint64_t>(f, "triggers_per_block", info.triggers_per_block, c);

  // /run: what the run is, and how far it got.
  {
    const Handle run = create_group(f, "run", "the run: configuration, channels, sources, progress", c);
    const hid_t r = run.get();
    const char* toml = info.config_toml.c_str();
    create_fixed(r, "config_toml", s.types.string.get(), s.types.string.get(), scalar_space(c), &toml, "text",
                 "the resolved configuration (TOML) the run was simulated with", c);
    std::vector<ChannelRow> channels;
    std::vector<std::string> names;  // ChannelRow::name points into these
    names.reserve(info.channels.size());
    for (const auto& ch : info.channels) {
      names.push_back(ch.name);
      channels.push_back({names.back().data(), ch.crystal, ch.side});
    }
    create_fixed(r, "channels", s.types.channel.file.get(), s.types.channel.memory.get(),
                 vector_space(channels.size(), c), channels.data(), "name: text; crystal: 1; side: 1",
                 "one row per digitised channel, in the order of the waveform channel axis", c);
    std::vector<const char*> sources;
    for (const auto& name : info.sources) sources.push_back(name.c_str());
    create_fixed(r, "sources", s.types.string.get(), s.types.string.get(), vector_space(sources.size(), c),
                 sources.data(), "text",
                 "what produces photoelectrons; the `source` column of the truth tables indexes this", c);
    const std::uint64_t zero64 = 0;
    const std::uint8_t zero8 = 0;
    s.blocks_written =
        create_fixed(r, "blocks_written", H5T_STD_U64LE, H5T_NATIVE_UINT64, vector_space(1, c), &zero64, "blocks",
                     "blocks finished and flushed; rows of /blocks beyond it are not valid", c);
    // A dataset, not a root attribute: attributes cannot be written under SWMR, and
    // reopening the file at close to set one would fail while a reader has it open.
    s.complete = create_fixed(r, "complete", H5T_STD_U8LE, H5T_NATIVE_UINT8, vector_space(1, c), &zero8, "boolean",
                              "1 once the writer closed the run normally; 0 while running or after a kill", c);
  }

  const auto table = [&](Table& t, hid_t parent, const char* name, const RowType& type, const char* units,
                         const std::string& description, std::size_t chunk_bytes = table_chunk_bytes) {
    t.dataset =
        create_extendible(parent, name, type.file.get(), {}, chunk_rows(H5Tget_size(type.file.get()), chunk_bytes),
                          1024 * 1024, units, description, c);
    t.memory_type = type.memory.get();
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
                                        "[trigger][channel][sample]; row i belongs to row i of /triggers", c);
      s.adc.memory_type = H5T_NATIVE_INT16;
    } else {
      table(s.segments, waveforms.get(), "segments", s.types.segment, segment_units,
            "zero-suppressed pieces: samples [first_sample, first_sample + length) of a channel in a trigger, "
            "stored at /waveforms/samples[offset : offset + length]");
      s.samples.dataset =
          create_extendible(waveforms.get(), "samples", H5T_STD_I16LE, {}, chunk_rows(sizeof(std::int16_t)),
                            1024 * 1024, "ADC counts", "the ADC values of every segment, one after the other", c);
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

  s.failed = true;  // until this block is safely on disk
  BlockRow row;
  row.index = block.index;
  row.first_trigger = block.first_trigger;
  row.trigger_count = block.trigger_count;
  row.protons_on_target = block.protons_on_target;
  row.beam_on_triggers = block.beam_on_triggers;
  row.vetoed_triggers = block.vetoed_triggers;

  std::vector<TriggerRow> trigger_rows;
  trigger_rows.reserve(block.triggers.size());
  for (const auto& t : block.triggers)
    trigger_rows.push_back({t.id, t.time_s, t.protons_on_target, static_cast<std::uint8_t>(t.beam_on),
                            static_cast<std::uint8_t>(t.veto), t.veto_mask});
  row.triggers_begin = s.triggers.rows;
  s.triggers.append(trigger_rows.data(), trigger_rows.size(), "/triggers", c);
  row.triggers_end = s.triggers.rows;

  if (full) {
    s.adc.append(block.waveforms.data(), block.triggers.size(), "/waveforms/adc", c);
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

  // Two steps, so that a kill at any moment leaves blocks_written pointing only at rows
  // that are on disk: first the rows, then the count.
  c.check(H5Fflush(s.file.get(), H5F_SCOPE_LOCAL), "flushing the block");
  write_single<std::uint64_t>(s.blocks_written.get(), block.index + 1, "/run/blocks_written", c);
  c.check(H5Fflush(s.file.get(), H5F_SCOPE_LOCAL), "flushing the block count");
  ++s.next_index;
  s.failed = false;
}

void RawFileWriter::close() {
  State& s = *state_;
  if (s.closed) return;
  const Context& c = s.context;
  s.closed = true;
  if (!s.failed) {
    write_single<std::uint8_t>(s.complete.get(), 1, "/run/complete", c);
    c.check(H5Fflush(s.file.get(), H5F_SCOPE_LOCAL), "flushing");
  }
  if (!s.close_file()) c.fail_hdf5("closing the file");
  if (s.failed) c.fail("an earlier write failed, the run is incomplete");

  std::error_code error;
  fs::rename(s.part, s.path, error);
  if (error) c.fail(fmt::format("cannot rename it to {}: {}", s.path.string(), error.message()));
}

// =======================================================================================
// Reader

struct RawFileReader::State {
  fs::path path;
  Context context;
  Types types;
  daq::RunInfo info;
  Handle file;
  Table blocks, triggers, adc, segments, samples, interactions, photoelectrons;
  std::uint64_t block_count = 0;
  bool complete = false;

  State(fs::path p, Context c) : path(std::move(p)), context(std::move(c)), types(context) {}
};

RawFileReader::RawFileReader(const fs::path& path) {
  silence_hdf5_errors();
  const std::string name = path.string();
  const Context open_context{fmt::format("cannot read {}", name), "check the path, or re-run the simulation"};
  std::error_code error;
  if (!fs::exists(path, error)) open_context.fail("no such file");
  if (fs::is_directory(path, error)) open_context.fail("it is a directory");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) open_context.fail_hdf5("cannot open it");
  if (is_hdf5 == 0) open_context.fail("not an HDF5 file");

  // A .part that cannot be opened is most likely a run killed while creating the file.
  const bool part = path.extension() == ".part";
  const Context corrupt{fmt::format("cannot read {}", name),
                        part ? "the run was killed before its first block or the file is damaged; re-run the simulation"
                             : "the file is damaged: copy it again or re-run the simulation"};
  state_ = std::make_unique<State>(path, corrupt);
  State& s = *state_;
  const Context& c = s.context;

  // A finished file opens normally. A run still being written, or killed, has the status
  // flags of a SWMR writer set: it opens only for SWMR reading, which sees what was flushed.
  if (const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT); file >= 0) {
    s.file = Handle(file, H5Fclose);
  } else {
    const std::string normal = hdf5_message();
    // A SWMR reader retries a metadata read whose checksum fails, in case the writer was
    // midway through it, sleeping 1 ns, 2 ns, 4 ns… in between: HDF5's default of 100
    // attempts hangs for ever on a damaged file; 20 attempts give up after about 1 ms.
    const Handle access = property_list(H5P_FILE_ACCESS, c);
    c.check(H5Pset_metadata_read_attempts(access.get(), 20), "H5Pset_metadata_read_attempts");
    const hid_t swmr_file = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, access.get());
    if (swmr_file < 0) {
      const std::string swmr = hdf5_message();
      c.fail(fmt::format("truncated or corrupt HDF5 file: {}", normal == swmr ? normal : normal + "; " + swmr));
    }
    s.file = Handle(swmr_file, H5Fclose);
    // HDF5 skips its truncation check for a file still marked as being written. Every
    // flush leaves the file at least as long as the end of the space the superblock
    // records (the writer only appends), so a shorter file has lost its tail.
    haddr_t end_of_allocation = 0;
    c.check(H5Fget_eoa(swmr_file, &end_of_allocation), "H5Fget_eoa");
    const std::uintmax_t size = fs::file_size(path, error);
    if (error) c.fail(fmt::format("cannot find its size: {}", error.message()));
    if (size < end_of_allocation)
      c.fail(fmt::format("truncated file: {} bytes, but the writer's last flush left {}", size, end_of_allocation));
  }
  const hid_t f = s.file.get();

  const Context foreign{fmt::format("cannot read {}", name),
                        "check the path: raw-data files are written by `cevns simulate`"};
  const htri_t has_format = H5Aexists(f, "format");
  if (has_format <= 0) foreign.fail("not a cevns raw-data file: it has no `format` attribute");
  const std::string format = read_string_attribute(f, "format", foreign);
  if (format != raw_format_name)
    foreign.fail(fmt::format("not a cevns raw-data file: its format is '{}', not '{}'", format, raw_format_name));
  const auto version = read_attribute<std::uint32_t>(f, "format_version", c);
  if (version != raw_format_version)
    Context{fmt::format("cannot read {}", name), "read it with the cevns version that wrote it"}.fail(
        fmt::format("format_version {} is not supported; this cevns reads version {}", version, raw_format_version));

  daq::RunInfo& info = s.info;
  info.cevns_version = read_string_attribute(f, "cevns_version", c);
  info.experiment = read_string_attribute(f, "experiment", c);
  info.seed = read_attribute<std::uint64_t>(f, "seed", c);
  const std::string mode = read_string_attribute(f, "mode", c);
  if (mode == "full")
    info.mode = daq::WaveformMode::full;
  else if (mode == "zero-suppressed")
    info.mode = daq::WaveformMode::zero_suppressed;
  else
    c.fail(fmt::format("unknown mode '{}' (must be 'full' or 'zero-suppressed')", mode));
  info.sampling_rate_GHz = read_attribute<double>(f, "sampling_rate_GHz", c);
  info.samples_per_waveform = read_attribute<std::uint32_t>(f, "samples_per_waveform", c);
  info.pretrace_samples = read_attribute<std::uint32_t>(f, "pretrace_samples", c);
  info.adc_bits = read_attribute<std::int32_t>(f, "adc_bits", c);
  info.baseline_adc = read_attribute<double>(f, "baseline_adc", c);
  info.trigger_rate_Hz = read_attribute<double>(f, "trigger_rate_Hz", c);
  info.triggers_per_block = read_attribute<std::uint64_t>(f, "triggers_per_block", c);

  {  // The configuration: one variable-length string.
    if (H5Lexists(f, "/run/config_toml", H5P_DEFAULT) <= 0) c.fail("dataset /run/config_toml is missing");
    const Handle toml(c.check_id(H5Dopen2(f, "/run/config_toml", H5P_DEFAULT), "opening /run/config_toml"), H5Dclose);
    const Handle space = dataspace_of(toml.get(), c);
    const Handle stored(c.check_id(H5Dget_type(toml.get()), "H5Dget_type"), H5Tclose);
    if (H5Tis_variable_str(stored.get()) <= 0 || H5Sget_simple_extent_npoints(space.get()) != 1)
      c.fail("/run/config_toml is not a single string");
    char* text = nullptr;
    c.check(H5Dread(toml.get(), s.types.string.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
            "reading /run/config_toml");
    info.config_toml = text != nullptr ? text : "";
    reclaim_vlen(s.types.string.get(), space.get(), &text);
  }
  {
    const Table channels = open_table(f, "/run/channels", s.types.channel.memory.get(), 1, c);
    auto rows = read_range<ChannelRow>(channels, {0, channels.rows}, "/run/channels", c);
    for (const auto& row : rows) info.channels.push_back({row.name != nullptr ? row.name : "", row.crystal, row.side});
    const Handle space = dataspace_of(channels.dataset.get(), c);
    if (!rows.empty()) reclaim_vlen(s.types.channel.memory.get(), space.get(), rows.data());
  }
  {
    const Table sources = open_table(f, "/run/sources", s.types.string.get(), 1, c);
    auto rows = read_range<char*>(sources, {0, sources.rows}, "/run/sources", c);
    for (const char* row : rows) info.sources.emplace_back(row != nullptr ? row : "");
    const Handle space = dataspace_of(sources.dataset.get(), c);
    if (!rows.empty()) reclaim_vlen(s.types.string.get(), space.get(), rows.data());
  }

  // The count before the tables: while a writer is still appending, the tables opened
  // afterwards are at least as long as the rows the counted blocks occupy.
  s.block_count = read_single<std::uint64_t>(f, "/run/blocks_written", c);
  s.complete = read_single<std::uint8_t>(f, "/run/complete", c) != 0;
  s.blocks = open_table(f, "/blocks", s.types.block.memory.get(), 1, c);
  s.triggers = open_table(f, "/triggers", s.types.trigger.memory.get(), 1, c);
  if (info.mode == daq::WaveformMode::full) {
    s.adc = open_table(f, "/waveforms/adc", H5T_NATIVE_INT16, 3, c, 0);
    if (s.adc.inner[0] != info.channels.size() || s.adc.inner[1] != info.samples_per_waveform)
      c.fail(fmt::format("/waveforms/adc holds {} channels × {} samples, the run has {} × {}", s.adc.inner[0],
                         s.adc.inner[1], info.channels.size(), info.samples_per_waveform));
  } else {
    s.segments = open_table(f, "/waveforms/segments", s.types.segment.memory.get(), 1, c);
    s.samples = open_table(f, "/waveforms/samples", H5T_NATIVE_INT16, 1, c);
  }
  s.interactions = open_table(f, "/truth/interactions", s.types.interaction.memory.get(), 1, c);
  s.photoelectrons = open_table(f, "/truth/photoelectrons", s.types.photoelectron.memory.get(), 1, c);

  if (s.block_count > s.blocks.rows)
    c.fail(fmt::format("/run/blocks_written = {} but /blocks has {} rows", s.block_count, s.blocks.rows));
}

RawFileReader::~RawFileReader() = default;

const daq::RunInfo& RawFileReader::info() const { return state_->info; }
bool RawFileReader::complete() const { return state_->complete; }
std::uint64_t RawFileReader::block_count() const { return state_->block_count; }

daq::TriggerBlock RawFileReader::read_block(std::uint64_t index) const {
  const State& s = *state_;
  if (index >= s.block_count)
    throw std::out_of_range(
        fmt::format("block {} of {} does not exist (it has {} blocks)", index, s.path.string(), s.block_count));
  const Context& c = s.context;

  const BlockRow row = read_range<BlockRow>(s.blocks, {index, index + 1}, "/blocks", c).front();
  if (row.index != index) c.fail(fmt::format("row {} of /blocks says it is block {}", index, row.index));

  daq::TriggerBlock block;
  block.index = row.index;
  block.first_trigger = row.first_trigger;
  block.trigger_count = row.trigger_count;
  block.protons_on_target = row.protons_on_target;
  block.beam_on_triggers = row.beam_on_triggers;
  block.vetoed_triggers = row.vetoed_triggers;

  const Range triggers{row.triggers_begin, row.triggers_end};
  const auto trigger_rows = read_range<TriggerRow>(s.triggers, triggers, "/triggers", c);
  block.triggers.reserve(trigger_rows.size());
  for (const auto& t : trigger_rows)
    block.triggers.push_back({t.id, t.time_s, t.protons_on_target, t.beam_on != 0, t.veto != 0, t.veto_mask});

  if (s.info.mode == daq::WaveformMode::full) {
    block.waveforms = read_range<std::int16_t>(s.adc, triggers, "/waveforms/adc", c,
                                               s.info.channels.size() * s.info.samples_per_waveform);
  } else {
    const Range samples{row.samples_begin, row.samples_end};
    auto& seg = block.segments;
    seg.samples = read_range<std::int16_t>(s.samples, samples, "/waveforms/samples", c);
    const auto segment_rows =
        read_range<SegmentRow>(s.segments, {row.segments_begin, row.segments_end}, "/waveforms/segments", c);
    for (const auto& r : segment_rows) {
      if (r.offset < samples.begin || r.offset + r.length > samples.end)
        c.fail(fmt::format("a segment of block {} points at samples [{}, {}), outside the block's [{}, {})", index,
                           r.offset, r.offset + r.length, samples.begin, samples.end));
      seg.trigger_id.push_back(r.trigger_id);
      seg.channel.push_back(r.channel);
      seg.first_sample.push_back(r.first_sample);
      seg.length.push_back(r.length);
      seg.offset.push_back(r.offset - samples.begin);
    }
  }

  block.interactions = read_range<daq::Interaction>(s.interactions, {row.interactions_begin, row.interactions_end},
                                                    "/truth/interactions", c);
  block.photoelectrons = read_range<daq::Photoelectron>(
      s.photoelectrons, {row.photoelectrons_begin, row.photoelectrons_end}, "/truth/photoelectrons", c);
  return block;
}

}  // namespace cevns::io
