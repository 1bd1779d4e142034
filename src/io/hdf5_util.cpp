#include <dlfcn.h>
#include "hdf5_util.hpp"

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <system_error>

#include "cevns/daq/simulation.hpp"

namespace cevns::io::hdf5 {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// Errors

void silence_errors() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

namespace {
herr_t keep_innermost(unsigned n, const H5E_error2_t* error, void* message) {
  if (n == 0 && error->desc != nullptr) *static_cast<std::string*>(message) = error->desc;
  return 0;
}
}  // namespace

std::string error_message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &message);
  return message.empty() ? "unknown HDF5 error" : message;
}

bool is_disk_full(std::string_view record) {
  // HDF5's sec2 driver writes "errno = N, error message = 'strerror(N)'".
  for (const int code : {ENOSPC, EDQUOT})
    if (record.find(fmt::format("errno = {},", code)) != std::string_view::npos ||
        record.find(std::strerror(code)) != std::string_view::npos)
      return true;
  return false;
}

void Context::fail_hdf5(std::string_view what) const {
  const std::string record = error_message();
  if (!writing.empty() && is_disk_full(record)) {
    const std::filesystem::path file(writing);
    throw IoError(fmt::format("disk full while writing {} ({}); free space on {} or write the file elsewhere",
                              writing, what,
                              file.has_parent_path() ? file.parent_path().string() : std::string("the disk")));
  }
  fail(fmt::format("{}: {}", what, record));
}

// ---------------------------------------------------------------------------------------
// Handles and types

Handle property_list(hid_t cls, const Context& c) { return {c.check_id(H5Pcreate(cls), "H5Pcreate"), H5Pclose}; }
Handle dataspace_of(hid_t dataset, const Context& c) {
  return {c.check_id(H5Dget_space(dataset), "H5Dget_space"), H5Sclose};
}
Handle scalar_space(const Context& c) { return {c.check_id(H5Screate(H5S_SCALAR), "H5Screate"), H5Sclose}; }

Handle fixed_string_type(std::size_t bytes, const Context& c) {
  Handle type(c.check_id(H5Tcopy(H5T_C_S1), "H5Tcopy"), H5Tclose);
  c.check(H5Tset_size(type.get(), std::max<std::size_t>(bytes, 1)), "H5Tset_size");
  c.check(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "H5Tset_strpad");
  c.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "H5Tset_cset");
  return type;
}

namespace {

/// `bytes` of a NUL-padded string as written, or a failure naming `what`: a NUL before
/// the padding is damage (no text the writers store has one).
std::string unpad(std::string bytes, std::string_view what, const Context& c) {
  const auto end = bytes.find_last_not_of('\0');
  bytes.resize(end == std::string::npos ? 0 : end + 1);
  if (bytes.find('\0') != std::string::npos) c.fail(fmt::format("{} holds a NUL byte: it is damaged", what));
  return bytes;
}

/// The size of the fixed-length string type `type`, or a failure naming `what`.
std::size_t fixed_string_size(hid_t type, std::size_t limit, std::string_view what, const Context& c) {
  if (H5Tget_class(type) != H5T_STRING) c.fail(fmt::format("{} is not a string", what));
  const htri_t variable = H5Tis_variable_str(type);
  if (variable < 0) c.fail_hdf5("H5Tis_variable_str");
  if (variable > 0)
    c.fail(fmt::format("{} is a variable-length string, which this cevns does not read (files of format version 1 "
                       "have them)",
                       what));
  const std::size_t size = H5Tget_size(type);
  if (size == 0 || size > limit) c.fail(fmt::format("{} is a string of {} bytes (at most {})", what, size, limit));
  return size;
}

/// A NUL-padded copy of `text` in at least one byte, as fixed_string_type(text.size()) stores it.
std::string padded(const std::string& text, std::size_t size) {
  std::string out = text;
  out.resize(std::max<std::size_t>(size, 1), '\0');
  return out;
}

}  // namespace

RowType compound(std::size_t row_size, std::initializer_list<Field> fields, const Context& c) {
  std::size_t file_size = 0;
  for (const auto& f : fields) file_size += H5Tget_size(f.file);
  RowType t;
  t.memory = Handle(c.check_id(H5Tcreate(H5T_COMPOUND, row_size), "H5Tcreate"), H5Tclose);
  t.file = Handle(c.check_id(H5Tcreate(H5T_COMPOUND, file_size), "H5Tcreate"), H5Tclose);
  std::size_t file_offset = 0;
  for (const auto& f : fields) {
    c.check(H5Tinsert(t.memory.get(), f.name, f.offset, f.memory), "H5Tinsert");
    c.check(H5Tinsert(t.file.get(), f.name, file_offset, f.file), "H5Tinsert");
    t.members.push_back({f.offset, file_offset, H5Tget_size(f.file)});
    file_offset += H5Tget_size(f.file);
  }
  t.memory_bytes = row_size;
  t.file_bytes = file_size;
  return t;
}

// ---------------------------------------------------------------------------------------
// Attributes

void write_string_attribute(hid_t object, const char* name, const std::string& value, const Context& c) {
  const Handle type = fixed_string_type(value.size(), c);
  const Handle space = scalar_space(c);
  const Handle attribute(
      c.check_id(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), "H5Acreate2"), H5Aclose);
  const std::string text = padded(value, value.size());
  c.check(H5Awrite(attribute.get(), type.get(), text.data()), fmt::format("writing attribute {}", name));
}

void describe(hid_t object, const std::string& units, const std::string& description, const Context& c) {
  write_string_attribute(object, "units", units, c);
  write_string_attribute(object, "description", description, c);
}

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
  const std::string what = fmt::format("attribute {}", name);
  const std::size_t size = fixed_string_size(stored.get(), max_text_bytes, what, c);
  const Handle type(c.check_id(H5Tcopy(stored.get()), "H5Tcopy"), H5Tclose);
  std::string value(size, '\0');
  c.check(H5Aread(attribute.get(), type.get(), value.data()), fmt::format("reading {}", what));
  return unpad(std::move(value), what, c);
}

// ---------------------------------------------------------------------------------------
// Datasets

namespace {
/// Blosc's registered HDF5 filter (hdf5-blosc, the plugin of hdf5-filter-plugin-blosc-serial).
constexpr H5Z_filter_t blosc_filter = 32001;
}  // namespace

void keep_plugin_loaded(H5Z_filter_t filter) {
  // HDF5 unloads its filter plugins as it closes at exit, before LeakSanitizer looks: the
  // one-time allocations of Blosc's global context then come from "<unknown module>" and
  // cannot be told from cevns' own. A handle that is never closed keeps the plugin (and
  // libblosc) mapped, so the sanitizer run names them (scripts/lsan.supp); nothing else
  // changes, the plugin stays loaded until the process ends either way.
  if (filter != blosc_filter) return;
  [[maybe_unused]] static void* const handle = dlopen("libH5Zblosc.so", RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
}

H5Z_filter_t compression_filter(Compression compression) {
  switch (compression) {
    case Compression::none: return 0;
    case Compression::deflate: return H5Z_FILTER_DEFLATE;
    case Compression::lz4:
    case Compression::zstd: return blosc_filter;
  }
  return 0;
}

std::string missing_filter_message(H5Z_filter_t filter, std::string_view what) {
  if (filter == blosc_filter)
    return fmt::format(
        "HDF5 filter 32001 (Blosc) is not available for {}: its plugin is missing; install the Debian package "
        "hdf5-filter-plugin-blosc-serial, or set HDF5_PLUGIN_PATH to the folder that holds libH5Zblosc.so "
        "(write with --compression deflate or none for files that need no plugin)",
        what);
  return fmt::format("HDF5 filter {} is not available for {}: this HDF5 has no such filter and no plugin for it "
                     "(HDF5_PLUGIN_PATH names the folders of filter plugins)",
                     filter, what);
}

void add_compression(hid_t create, Compression compression, const Context& c) {
  switch (compression) {
    case Compression::none: return;
    case Compression::deflate:
      c.check(H5Pset_shuffle(create), "H5Pset_shuffle");
      c.check(H5Pset_deflate(create, 1), "H5Pset_deflate");
      return;
    case Compression::lz4:
    case Compression::zstd: {
      // Blosc's parameters: 4 that its set-local callback fills in (filter and format
      // version, type size, chunk bytes), the level, the shuffle (1 byte, 2 bit) and the
      // codec (1 LZ4, 5 Zstandard) — hdf5-blosc's blosc_filter.h.
      // Measured (docs/raw-format.md): Zstandard does best behind the byte shuffle, LZ4
      // behind the bit shuffle.
      const bool zstd = compression == Compression::zstd;
      const unsigned values[7] = {0, 0, 0, 0, zstd ? 1U : 5U, zstd ? 1U : 2U, zstd ? 5U : 1U};
      if (H5Zfilter_avail(blosc_filter) <= 0) c.fail(missing_filter_message(blosc_filter, "writing"));
      keep_plugin_loaded(blosc_filter);
      c.check(H5Pset_filter(create, blosc_filter, H5Z_FLAG_MANDATORY, 7, values), "H5Pset_filter (Blosc)");
      return;
    }
  }
}

void check_filters_available(hid_t dataset, const char* path, const Context& c) {
  const Handle create(c.check_id(H5Dget_create_plist(dataset), "H5Dget_create_plist"), H5Pclose);
  const int filters = H5Pget_nfilters(create.get());
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    std::size_t values = 0;
    unsigned config = 0;
    const H5Z_filter_t filter =
        H5Pget_filter2(create.get(), static_cast<unsigned>(i), &flags, &values, nullptr, 0, nullptr, nullptr);
    if (filter < 0) c.fail_hdf5(fmt::format("reading the filters of {}", path));
    if (H5Zfilter_avail(filter) <= 0 || H5Zget_filter_info(filter, &config) < 0 ||
        (config & H5Z_FILTER_CONFIG_DECODE_ENABLED) == 0)
      c.fail(missing_filter_message(filter, fmt::format("reading {}", path)));
    keep_plugin_loaded(filter);
  }
}

Handle create_extendible(hid_t parent, const char* name, hid_t type, const std::vector<hsize_t>& inner,
                         hsize_t chunk_first, std::size_t chunk_cache_bytes, const std::string& units,
                         const std::string& description, const Context& c, Compression compression) {
  // A compressed table's last chunk changes size at every flush, and under SWMR HDF5
  // never reuses the space of the chunk it replaces (readers may still read it): smaller
  // chunks waste less (docs/raw-format.md, "Compression").
  if (compression != Compression::none && inner.empty())
    chunk_first = std::min(chunk_first, chunk_rows(H5Tget_size(type), compressed_chunk_bytes));
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
  add_compression(create.get(), compression, c);
  c.check(H5Pset_fletcher32(create.get()), "H5Pset_fletcher32");
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

Handle create_fixed(hid_t parent, const char* name, hid_t stored_type, hid_t memory_type, hsize_t rows,
                    const void* data, const std::string& units, const std::string& description, const Context& c) {
  // Chunked, for the checksum; an empty dataset still needs a chunk of one row, which a
  // fixed extent of 0 does not allow.
  const hsize_t max_rows = rows > 0 ? rows : H5S_UNLIMITED;
  const hsize_t chunk = std::max<hsize_t>(rows, 1);
  const Handle space(c.check_id(H5Screate_simple(1, &rows, &max_rows), "H5Screate_simple"), H5Sclose);
  const Handle create = property_list(H5P_DATASET_CREATE, c);
  c.check(H5Pset_obj_track_times(create.get(), 0), "H5Pset_obj_track_times");
  c.check(H5Pset_chunk(create.get(), 1, &chunk), "H5Pset_chunk");
  c.check(H5Pset_fletcher32(create.get()), "H5Pset_fletcher32");
  c.check(H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
  Handle dataset(c.check_id(H5Dcreate2(parent, name, stored_type, space.get(), H5P_DEFAULT, create.get(), H5P_DEFAULT),
                            fmt::format("creating dataset {}", name)),
                 H5Dclose);
  if (rows > 0)
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

void Table::append(const void* data, hsize_t n, const char* name, const Context& c) {
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

void read_rows(const Table& table, Range range, hid_t memory_type, void* out, const char* name, const Context& c) {
  if (range.end < range.begin || range.end > table.rows)
    c.fail(fmt::format("rows [{}, {}) of {} are outside its {} rows", range.begin, range.end, name, table.rows));
  if (range.size() == 0) return;
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
  c.check(H5Dread(table.dataset.get(), memory_type, memory_space.get(), file_space.get(), c.transfer, out),
          fmt::format("reading {}", name));
}

Table create_table(hid_t parent, const char* name, const RowType& type, const std::string& units,
                   const std::string& description, const Context& c, std::size_t chunk_bytes,
                   Compression compression) {
  Table t;
  t.dataset = create_extendible(parent, name, type.file.get(), {}, chunk_rows(H5Tget_size(type.file.get()), chunk_bytes),
                                1024 * 1024, units, description, c, compression);
  t.memory_type = type.memory.get();
  return t;
}

Table open_table(hid_t file, const char* path, hid_t memory_type, std::size_t rank, const Context& c,
                 std::size_t chunk_cache_bytes) {
  const htri_t exists = H5Lexists(file, path, H5P_DEFAULT);
  if (exists <= 0) c.fail(fmt::format("dataset {} is missing", path));
  const Handle access = property_list(H5P_DATASET_ACCESS, c);
  c.check(H5Pset_chunk_cache(access.get(), 521, chunk_cache_bytes, 1.0), "H5Pset_chunk_cache");
  Table t;
  t.dataset = Handle(c.check_id(H5Dopen2(file, path, access.get()), fmt::format("opening {}", path)), H5Dclose);
  check_filters_available(t.dataset.get(), path, c);
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

// ---------------------------------------------------------------------------------------
// The run description

namespace {

std::string mode_name(daq::WaveformMode mode) { return mode == daq::WaveformMode::full ? "full" : "zero-suppressed"; }

/// The compound of a channel row with a name of `name_bytes`, packed: in memory the rows
/// are bytes laid out as in the file (name, then crystal and side, native uint16).
RowType channel_type(std::size_t name_bytes, const Context& c) {
  const Handle name = fixed_string_type(name_bytes, c);
  const std::size_t size = H5Tget_size(name.get());
  return compound(size + 4,
                  {{"name", 0, name.get(), name.get()},
                   field_at<std::uint16_t>("crystal", size),
                   field_at<std::uint16_t>("side", size + 2)},
                  c);
}

}  // namespace

void write_run_attributes(hid_t file, const daq::RunInfo& info, const Context& c) {
  write_string_attribute(file, "experiment", info.experiment, c);
  write_attribute<std::uint64_t>(file, "seed", info.seed, c);
  write_string_attribute(file, "mode", mode_name(info.mode), c);
  write_attribute<double>(file, "sampling_rate_GHz", info.sampling_rate_GHz, c);
  write_attribute<std::uint32_t>(file, "samples_per_waveform", info.samples_per_waveform, c);
  write_attribute<std::uint32_t>(file, "pretrace_samples", info.pretrace_samples, c);
  write_attribute<std::int32_t>(file, "adc_bits", info.adc_bits, c);
  write_attribute<double>(file, "baseline_adc", info.baseline_adc, c);
  write_attribute<double>(file, "trigger_rate_Hz", info.trigger_rate_Hz, c);
  write_attribute<std::uint64_t>(file, "triggers_per_block", info.triggers_per_block, c);
}

void read_run_attributes(hid_t file, daq::RunInfo& info, const Context& c) {
  info.experiment = read_string_attribute(file, "experiment", c);
  info.seed = read_attribute<std::uint64_t>(file, "seed", c);
  const std::string mode = read_string_attribute(file, "mode", c);
  if (mode == "full")
    info.mode = daq::WaveformMode::full;
  else if (mode == "zero-suppressed")
    info.mode = daq::WaveformMode::zero_suppressed;
  else
    c.fail(fmt::format("unknown mode '{}' (must be 'full' or 'zero-suppressed')", mode));
  info.sampling_rate_GHz = read_attribute<double>(file, "sampling_rate_GHz", c);
  info.samples_per_waveform = read_attribute<std::uint32_t>(file, "samples_per_waveform", c);
  info.pretrace_samples = read_attribute<std::uint32_t>(file, "pretrace_samples", c);
  info.adc_bits = read_attribute<std::int32_t>(file, "adc_bits", c);
  info.baseline_adc = read_attribute<double>(file, "baseline_adc", c);
  info.trigger_rate_Hz = read_attribute<double>(file, "trigger_rate_Hz", c);
  info.triggers_per_block = read_attribute<std::uint64_t>(file, "triggers_per_block", c);
  check_run_info(info, c);
}

void check_run_info(const daq::RunInfo& info, const Context& c) {
  const auto refuse = [&](const char* name, auto value, std::string_view requirement) {
    c.fail(fmt::format("attribute {} = {} ({})", name, value, requirement));
  };
  if (!(info.sampling_rate_GHz > 0.0 && info.sampling_rate_GHz <= 1000.0))
    refuse("sampling_rate_GHz", info.sampling_rate_GHz, "must be in (0, 1000] GHz");
  if (info.samples_per_waveform < 1 || info.samples_per_waveform > 10'000'000)
    refuse("samples_per_waveform", info.samples_per_waveform, "must be in [1, 10^7]");
  if (info.pretrace_samples >= info.samples_per_waveform)
    refuse("pretrace_samples", info.pretrace_samples,
           fmt::format("must be below samples_per_waveform = {}", info.samples_per_waveform));
  // ADC values are stored as int16: 15 bits at most, and 1 << adc_bits must be defined.
  if (info.adc_bits < 8 || info.adc_bits > 15) refuse("adc_bits", info.adc_bits, "must be in [8, 15]");
  const int adc_max = (1 << info.adc_bits) - 1;
  if (!(info.baseline_adc >= 0.0 && info.baseline_adc <= adc_max))
    refuse("baseline_adc", info.baseline_adc, fmt::format("must be in [0, {}], the ADC range", adc_max));
  if (!(info.trigger_rate_Hz > 0.0 && std::isfinite(info.trigger_rate_Hz)))
    refuse("trigger_rate_Hz", info.trigger_rate_Hz, "must be a positive number");
  if (info.triggers_per_block < 1) refuse("triggers_per_block", info.triggers_per_block, "must be at least 1");
}

void check_block_record(const daq::BlockRecord& record, std::uint64_t row, const daq::BlockRecord* previous,
                        const daq::RunInfo& info, const Context& c, std::uint64_t first_block) {
  const auto refuse = [&](std::string_view why) { c.fail(fmt::format("row {} of /blocks: {}", row, why)); };
  if (record.index != first_block + row)
    refuse(first_block == 0 ? fmt::format("index = {}, but it is row {}", record.index, row)
                            : fmt::format("index = {}, but it is row {} of a part from block {}", record.index, row,
                                          first_block));
  const std::uint64_t first =
      previous != nullptr ? previous->first_trigger + previous->trigger_count : first_block * info.triggers_per_block;
  if (record.first_trigger != first)
    refuse(fmt::format("first_trigger = {}, but the previous blocks end at trigger {}", record.first_trigger, first));
  if (record.trigger_count > info.triggers_per_block)
    refuse(fmt::format("trigger_count = {}, more than triggers_per_block = {}", record.trigger_count,
                       info.triggers_per_block));
  if (record.beam_on_triggers > record.trigger_count)
    refuse(fmt::format("beam_on_triggers = {}, more than its trigger_count = {}", record.beam_on_triggers,
                       record.trigger_count));
  if (record.vetoed_triggers > record.trigger_count)
    refuse(fmt::format("vetoed_triggers = {}, more than its trigger_count = {}", record.vetoed_triggers,
                       record.trigger_count));
  if (!(record.protons_on_target >= 0.0 && std::isfinite(record.protons_on_target)))
    refuse(fmt::format("protons_on_target = {} (must be finite and not negative)", record.protons_on_target));
}

void write_part_attributes(hid_t file, const FilePart& part, const Context& c) {
  write_attribute<std::uint32_t>(file, "part_index", part.index, c);
  write_attribute<std::uint32_t>(file, "part_count", part.count, c);
  write_attribute<std::uint64_t>(file, "part_first_block", part.first_block, c);
  write_attribute<std::uint64_t>(file, "part_end_block", part.end_block, c);
  write_attribute<std::uint64_t>(file, "run_blocks", part.run_blocks, c);
  write_attribute<std::uint64_t>(file, "run_triggers", part.run_triggers, c);
}

std::optional<FilePart> read_part_attributes(hid_t file, const Context& c) {
  const htri_t exists = H5Aexists(file, "part_count");
  if (exists < 0) c.fail_hdf5("looking for attribute part_count");
  if (exists == 0) return std::nullopt;
  FilePart p;
  p.index = read_attribute<std::uint32_t>(file, "part_index", c);
  p.count = read_attribute<std::uint32_t>(file, "part_count", c);
  p.first_block = read_attribute<std::uint64_t>(file, "part_first_block", c);
  p.end_block = read_attribute<std::uint64_t>(file, "part_end_block", c);
  p.run_blocks = read_attribute<std::uint64_t>(file, "run_blocks", c);
  p.run_triggers = read_attribute<std::uint64_t>(file, "run_triggers", c);
  if (p.count < 1 || p.count > max_parts || p.index < 1 || p.index > p.count)
    c.fail(fmt::format("attributes part_index = {}, part_count = {} (must be 1 ≤ index ≤ count ≤ {})", p.index, p.count,
                       max_parts));
  if (p.run_blocks > p.run_triggers || p.run_triggers > daq::max_run_triggers)
    c.fail(fmt::format("attributes run_blocks = {}, run_triggers = {} (at most one block per trigger, at most {} "
                       "triggers)",
                       p.run_blocks, p.run_triggers, daq::max_run_triggers));
  // The blocks of a part follow from its index, count and the run's blocks (part_of_run).
  const auto share = [&](std::uint64_t k) {
    return k * p.run_blocks / p.count;  // ≤ 10⁵ × 10¹² blocks: no overflow
  };
  if (p.first_block != share(p.index - 1) || p.end_block != share(p.index))
    c.fail(fmt::format("attributes part_first_block, part_end_block = {}, {}: part {} of {} of a run of {} blocks "
                       "holds blocks [{}, {})",
                       p.first_block, p.end_block, p.index, p.count, p.run_blocks, share(p.index - 1), share(p.index)));
  return p;
}

void check_block_count(std::uint64_t count, bool complete, std::uint64_t rows, const Context& c) {
  if (complete ? count != rows : (count > rows || rows - count > 1))
    c.fail(fmt::format("/run/blocks_written = {} but /blocks has {} rows{}", count, rows,
                       complete ? " (a complete file counts them all)" : ""));
}

void check_block_rows(Range range, std::uint64_t begin, std::uint64_t table_rows, std::string_view field,
                      std::uint64_t row, const Context& c) {
  if (range.begin != begin || range.end < range.begin || range.end > table_rows)
    c.fail(fmt::format("row {} of /blocks: {}_begin, {}_end = [{}, {}), but must start at {} (where the previous "
                       "block's rows end), not go backwards, and end within the table's {} rows",
                       row, field, field, range.begin, range.end, begin, table_rows));
}

void write_text(hid_t parent, const char* name, const std::string& text, const std::string& description,
                const Context& c) {
  if (text.size() > max_text_bytes) c.fail(fmt::format("{} has {} bytes, at most {}", name, text.size(), max_text_bytes));
  const Handle type = fixed_string_type(text.size(), c);
  const std::string data = padded(text, text.size());
  create_fixed(parent, name, type.get(), type.get(), 1, data.data(), "text", description, c);
}

namespace {

/// Opens dataset `path`, which must be one-dimensional.
Handle open_vector(hid_t file, const char* path, const Context& c) {
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0) c.fail(fmt::format("dataset {} is missing", path));
  Handle dataset(c.check_id(H5Dopen2(file, path, H5P_DEFAULT), fmt::format("opening {}", path)), H5Dclose);
  const Handle space = dataspace_of(dataset.get(), c);
  if (H5Sget_simple_extent_ndims(space.get()) != 1) c.fail(fmt::format("dataset {} is not one-dimensional", path));
  return dataset;
}

hsize_t rows_of(hid_t dataset, const Context& c) {
  const Handle space = dataspace_of(dataset, c);
  hsize_t rows = 0;
  c.check(H5Sget_simple_extent_dims(space.get(), &rows, nullptr), "H5Sget_simple_extent_dims");
  return rows;
}

/// The fixed-length strings of a one-dimensional dataset, each at most `limit` bytes.
std::vector<std::string> read_fixed_strings(hid_t file, const char* path, std::size_t limit, const Context& c) {
  const Handle dataset = open_vector(file, path, c);
  const Handle stored(c.check_id(H5Dget_type(dataset.get()), "H5Dget_type"), H5Tclose);
  const std::size_t size = fixed_string_size(stored.get(), limit, fmt::format("dataset {}", path), c);
  const hsize_t rows = rows_of(dataset.get(), c);
  if (rows > 65535) c.fail(fmt::format("dataset {} has {} rows (at most 65535)", path, rows));
  std::string bytes(rows * size, '\0');
  const Handle type(c.check_id(H5Tcopy(stored.get()), "H5Tcopy"), H5Tclose);
  if (rows > 0)
    c.check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, c.transfer, bytes.data()),
            fmt::format("reading {}", path));
  std::vector<std::string> strings;
  for (hsize_t i = 0; i < rows; ++i)
    strings.push_back(unpad(bytes.substr(i * size, size), fmt::format("row {} of {}", i, path), c));
  return strings;
}

}  // namespace

std::string read_text(hid_t file, const char* path, const Context& c) {
  auto texts = read_fixed_strings(file, path, max_text_bytes, c);
  if (texts.size() != 1) c.fail(fmt::format("{} holds {} strings, not one", path, texts.size()));
  return std::move(texts.front());
}

void write_strings(hid_t parent, const char* name, const std::vector<std::string>& strings,
                   const std::string& description, const Context& c) {
  std::size_t size = 1;
  for (const auto& s : strings) size = std::max(size, s.size());
  if (size > max_name_bytes) c.fail(fmt::format("a name in {} has {} bytes, at most {}", name, size, max_name_bytes));
  std::string data;
  for (const auto& s : strings) data += padded(s, size);
  const Handle type = fixed_string_type(size, c);
  create_fixed(parent, name, type.get(), type.get(), strings.size(), data.data(), "text", description, c);
}

std::vector<std::string> read_strings(hid_t file, const char* path, const Context& c) {
  auto strings = read_fixed_strings(file, path, max_name_bytes, c);
  for (std::size_t i = 0; i < strings.size(); ++i)
    if (strings[i].empty()) c.fail(fmt::format("row {} of {} is empty", i, path));
  return strings;
}

void write_channels(hid_t parent, const char* name, const std::vector<daq::ChannelInfo>& channels,
                    const std::string& description, const Context& c) {
  std::size_t size = 1;
  for (const auto& ch : channels) size = std::max(size, ch.name.size());
  if (size > max_name_bytes)
    c.fail(fmt::format("a channel name has {} bytes, at most {}", size, max_name_bytes));
  const RowType type = channel_type(size, c);
  std::string rows;
  for (const auto& ch : channels) {
    rows += padded(ch.name, size);
    for (const std::uint16_t v : {ch.crystal, ch.side}) rows.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  create_fixed(parent, name, type.file.get(), type.memory.get(), channels.size(), rows.data(),
               "name: text; crystal: 1; side: 1", description, c);
}

std::vector<daq::ChannelInfo> read_channels(hid_t file, const char* path, const Context& c) {
  const Handle dataset = open_vector(file, path, c);
  const Handle stored(c.check_id(H5Dget_type(dataset.get()), "H5Dget_type"), H5Tclose);
  if (H5Tget_class(stored.get()) != H5T_COMPOUND) c.fail(fmt::format("dataset {} is not a table", path));
  const int name_index = H5Tget_member_index(stored.get(), "name");
  if (name_index < 0) c.fail(fmt::format("dataset {} has no field name", path));
  const Handle name_type(c.check_id(H5Tget_member_type(stored.get(), static_cast<unsigned>(name_index)),
                                    "H5Tget_member_type"),
                         H5Tclose);
  const std::size_t size = fixed_string_size(name_type.get(), max_name_bytes, fmt::format("field name of {}", path), c);
  const hsize_t rows = rows_of(dataset.get(), c);
  if (rows < 1 || rows > 65535) c.fail(fmt::format("dataset {} has {} rows (must be 1 to 65535 channels)", path, rows));
  const RowType type = channel_type(size, c);
  const std::size_t row_bytes = size + 4;
  std::string bytes(rows * row_bytes, '\0');
  c.check(H5Dread(dataset.get(), type.memory.get(), H5S_ALL, H5S_ALL, c.transfer, bytes.data()),
          fmt::format("reading {}", path));
  std::vector<daq::ChannelInfo> channels;
  for (hsize_t i = 0; i < rows; ++i) {
    const char* row = bytes.data() + i * row_bytes;
    daq::ChannelInfo ch;
    ch.name = unpad(std::string(row, size), fmt::format("row {} of {}", i, path), c);
    std::memcpy(&ch.crystal, row + size, sizeof ch.crystal);
    std::memcpy(&ch.side, row + size + 2, sizeof ch.side);
    if (ch.name.empty()) c.fail(fmt::format("row {} of {}: the channel has no name", i, path));
    if (ch.side > 1 || std::uint64_t{ch.crystal} * 2 + ch.side != i)
      c.fail(fmt::format("row {} of {}: crystal {}, side {}, but channel i must be crystal i / 2, side i % 2", i, path,
                         ch.crystal, ch.side));
    channels.push_back(std::move(ch));
  }
  return channels;
}

// ---------------------------------------------------------------------------------------
// Files

void create_parent_directory(const fs::path& path, const Context& c) {
  if (!path.has_parent_path()) return;
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) c.fail(fmt::format("cannot create directory {}: {}", path.parent_path().string(), error.message()));
}

Handle create_file(const fs::path& part, const Context& c) {
  const Handle access = property_list(H5P_FILE_ACCESS, c);
  // The latest format: object headers, and so every attribute, carry checksums.
  c.check(H5Pset_libver_bounds(access.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST), "H5Pset_libver_bounds");
  // The root's attributes in its object header rather than in a separate heap.
  const Handle create = property_list(H5P_FILE_CREATE, c);
  c.check(H5Pset_attr_phase_change(create.get(), 64, 48), "H5Pset_attr_phase_change");
  // No time stamps on the root group either (datasets and groups have none): the same
  // content gives the same bytes, so that the files of one run made by one process, by
  // parts and a merge, or under MPI compare equal byte for byte (docs/production.md).
  c.check(H5Pset_obj_track_times(create.get(), 0), "H5Pset_obj_track_times");
  return {c.check_id(H5Fcreate(part.c_str(), H5F_ACC_TRUNC, create.get(), access.get()), "cannot create file"),
          H5Fclose};
}

void Progress::create(hid_t run, const Context& c) {
  const std::uint64_t zero64 = 0;
  const std::uint8_t zero8 = 0;
  blocks_written = create_fixed(run, "blocks_written", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &zero64,
                                "blocks", "blocks finished and flushed; rows of /blocks beyond it are not valid", c);
  // A dataset, not a root attribute: attributes cannot be written under SWMR, and
  // reopening the file at close to set one would fail while a reader has it open.
  complete = create_fixed(run, "complete", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &zero8, "boolean",
                          "1 once the writer closed the run normally; 0 while running or after a kill", c);
}

void Progress::commit_block(hid_t file, std::uint64_t index, const Context& c) const {
  c.check(H5Fflush(file, H5F_SCOPE_LOCAL), "flushing the block");
  write_single<std::uint64_t>(blocks_written.get(), index + 1, "/run/blocks_written", c);
  c.check(H5Fflush(file, H5F_SCOPE_LOCAL), "flushing the block count");
}

void Progress::mark_complete(hid_t file, const Context& c) const {
  write_single<std::uint8_t>(complete.get(), 1, "/run/complete", c);
  c.check(H5Fflush(file, H5F_SCOPE_LOCAL), "flushing");
}

void rename_part(const fs::path& part, const fs::path& path, const Context& c) {
  std::error_code error;
  fs::rename(part, path, error);
  if (error) c.fail(fmt::format("cannot rename it to {}: {}", path.string(), error.message()));
}

Context damaged_file(const fs::path& path, std::string_view remake) {
  // A .part that cannot be read is most likely from a writer killed while creating it.
  const bool part = path.extension() == ".part";
  return {fmt::format("cannot read {}", path.string()),
          part ? fmt::format("the writer was killed before its first block or the file is damaged; {}", remake)
               : fmt::format("the file is damaged: copy it again or {}", remake)};
}

Handle open_for_reading(const fs::path& path, std::string_view remake) {
  silence_errors();
  const Context open_context{fmt::format("cannot read {}", path.string()),
                             fmt::format("check the path, or {}", remake)};
  std::error_code error;
  if (!fs::exists(path, error)) open_context.fail("no such file");
  if (fs::is_directory(path, error)) open_context.fail("it is a directory");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) open_context.fail_hdf5("cannot open it");
  if (is_hdf5 == 0) open_context.fail("not an HDF5 file");
  const Context c = damaged_file(path, remake);

  // A finished file opens normally. A file still being written, or whose writer was
  // killed, has the status flags of a SWMR writer set: it opens only for SWMR reading,
  // which sees what was flushed.
  if (const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT); file >= 0) return {file, H5Fclose};
  const std::string normal = error_message();
  // A SWMR reader retries a metadata read whose checksum fails, in case the writer was
  // midway through it, sleeping 1 ns, 2 ns, 4 ns… in between: HDF5's default of 100
  // attempts hangs for ever on a damaged file; 20 attempts give up after about 1 ms.
  const Handle access = property_list(H5P_FILE_ACCESS, c);
  c.check(H5Pset_metadata_read_attempts(access.get(), 20), "H5Pset_metadata_read_attempts");
  const hid_t swmr_file = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, access.get());
  if (swmr_file < 0) {
    const std::string swmr = error_message();
    c.fail(fmt::format("truncated or corrupt HDF5 file: {}", normal == swmr ? normal : normal + "; " + swmr));
  }
  Handle file(swmr_file, H5Fclose);
  // HDF5 skips its truncation check for a file still marked as being written. Every flush
  // leaves the file at least as long as the end of the space the superblock records (the
  // writer only appends), so a shorter file has lost its tail.
  haddr_t end_of_allocation = 0;
  c.check(H5Fget_eoa(swmr_file, &end_of_allocation), "H5Fget_eoa");
  const std::uintmax_t size = fs::file_size(path, error);
  if (error) c.fail(fmt::format("cannot find its size: {}", error.message()));
  if (size < end_of_allocation)
    c.fail(fmt::format("truncated file: {} bytes, but the writer's last flush left {}", size, end_of_allocation));
  return file;
}

std::string read_format(hid_t file, const fs::path& path, std::uint32_t supported, std::string_view remake,
                        const Context& c) {
  // HDF5 failing to look is damage (a root object header whose checksum fails), not a
  // foreign file.
  const htri_t has_format = H5Aexists(file, "format");
  if (has_format < 0) damaged_file(path, remake).fail_hdf5("looking for attribute format");
  if (has_format == 0) return "";
  {
    // Format version 1 stored strings of variable length, in a heap HDF5 does not check:
    // not even `format` is read from such a file.
    const Handle attribute = open_scalar_attribute(file, "format", H5T_STRING, c);
    const Handle stored(c.check_id(H5Aget_type(attribute.get()), "H5Aget_type"), H5Tclose);
    if (H5Tis_variable_str(stored.get()) > 0 && H5Aexists(file, "format_version") > 0) {
      const auto version = read_attribute<std::uint32_t>(file, "format_version", c);
      Context{fmt::format("cannot read {}", path.string()),
              fmt::format("{} with this cevns, or read the old file with h5py", remake)}
          .fail(fmt::format("format_version {} is not supported; this cevns reads version {}, whose strings HDF5 "
                            "checks for damage",
                            version, supported));
    }
  }
  return read_string_attribute(file, "format", c);
}

void check_format_version(hid_t file, const fs::path& path, std::uint32_t supported, const Context& c) {
  const auto version = read_attribute<std::uint32_t>(file, "format_version", c);
  if (version != supported)
    Context{fmt::format("cannot read {}", path.string()), "read it with the cevns version that wrote it"}.fail(
        fmt::format("format_version {} is not supported; this cevns reads version {}", version, supported));
}

hid_t unverified_transfer() {
  static const hid_t list = [] {
    const hid_t l = H5Pcreate(H5P_DATASET_XFER);
    if (l >= 0) H5Pset_edc_check(l, H5Z_DISABLE_EDC);
    return l;
  }();
  return list >= 0 ? list : H5P_DEFAULT;
}

}  // namespace cevns::io::hdf5
