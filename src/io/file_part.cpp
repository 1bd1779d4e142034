#include "cevns/io/file_part.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cevns/core/error.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reduced_file.hpp"
#include "hdf5_util.hpp"

namespace cevns::io {

namespace fs = std::filesystem;

std::string FilePart::describe() const {
  if (first_block == end_block) return fmt::format("part {}/{} (no blocks of {})", index, count, run_blocks);
  return fmt::format("part {}/{} (blocks {}–{} of {})", index, count, first_block, end_block - 1, run_blocks);
}

FilePart part_of_run(std::uint32_t index, std::uint32_t count, std::uint64_t run_blocks, std::uint64_t run_triggers) {
  if (count < 1 || count > max_parts)
    throw ConfigError(fmt::format("--part {}/{}: the number of parts must be 1 to {}", index, count, max_parts));
  if (index < 1 || index > count)
    throw ConfigError(fmt::format("--part {}/{}: K must be 1 to {} (parts are counted from 1)", index, count, count));
  FilePart p;
  p.index = index;
  p.count = count;
  p.run_blocks = run_blocks;
  p.run_triggers = run_triggers;
  // ≤ 10⁵ parts × 10¹² blocks < 2⁶⁴: no overflow.
  p.first_block = std::uint64_t{index - 1} * run_blocks / count;
  p.end_block = std::uint64_t{index} * run_blocks / count;
  return p;
}

FilePart parse_part(const std::string& text, const std::string& option) {
  const auto slash = text.find('/');
  const auto number = [&](std::string_view s, std::uint32_t& out) {
    const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && error == std::errc() && end == s.data() + s.size();
  };
  std::uint32_t k = 0, n = 0;
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), k) ||
      !number(std::string_view(text).substr(slash + 1), n))
    throw ConfigError(fmt::format("{} {}: expected K/N, part K of N counted from 1, e.g. {} 1/4", option, text, option));
  return part_of_run(k, n, 0, 0);  // checks the range; the blocks come with the run
}

std::string configuration_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, 64 bits (Fowler, Noll, Vo)
  for (const char ch : text) {
    h ^= static_cast<unsigned char>(ch);
    h *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", h);
}

namespace {

const char* const remake = "run that part again";

/// The `format` of an HDF5 file ("" when it has none).
std::string format_of(const fs::path& path) {
  const hdf5::Handle file = hdf5::open_for_reading(path, remake);
  const hdf5::Context c{fmt::format("cannot read {}", path.string()), "check the path: merge takes part files"};
  return hdf5::read_format(file.get(), path, raw_format_version, remake, c);
}

/// The filter a file's large datasets were written with (root attribute `compression`;
/// files from before compression have none): the merged file is written with it too.
Compression compression_of(const fs::path& path) {
  const hdf5::Handle file = hdf5::open_for_reading(path, remake);
  const hdf5::Context c{fmt::format("cannot read {}", path.string()), "check the path: merge takes part files"};
  const htri_t exists = H5Aexists(file.get(), "compression");
  c.check(exists, "looking for the attribute `compression`");
  if (exists == 0) return Compression::none;
  return parse_compression(hdf5::read_string_attribute(file.get(), "compression", c),
                           fmt::format("the attribute `compression` of {}", path.string()));
}

/// Fails unless what `a` and `b` say (`x`, `y`) agree: they are not parts of one run.
template <class T>
void require_same(const fs::path& a, const fs::path& b, const char* what, const T& x, const T& y) {
  if (x == y) return;
  throw ConfigError(fmt::format("cannot merge {} and {}: they are not parts of one run ({} differ: {} and {}); merge "
                                "the parts of one job, each run with the same configuration, seed and --part …/N",
                                a.string(), b.string(), what, x, y));
}

std::string hash_of(const std::string& toml) { return "configuration " + configuration_hash(toml); }

/// Orders the readers by part index and checks that every part of 1…N is there once,
/// complete and with all its blocks; `Reader` is RawFileReader or ReducedFileReader.
template <class Reader>
std::vector<const Reader*> order_parts(const std::vector<fs::path>& paths, const std::vector<std::unique_ptr<Reader>>& readers) {
  const auto& first = *readers.front()->part();
  std::vector<const Reader*> slots(first.count, nullptr);
  std::vector<std::size_t> from(first.count, 0);
  for (std::size_t i = 0; i < readers.size(); ++i) {
    const auto& part = *readers[i]->part();
    require_same(paths.front(), paths[i], "their part counts N of --part K/N", first.count, part.count);
    require_same(paths.front(), paths[i], "their runs' blocks", first.run_blocks, part.run_blocks);
    require_same(paths.front(), paths[i], "their runs' triggers", first.run_triggers, part.run_triggers);
    const std::uint32_t k = part.index - 1;
    if (slots[k] != nullptr)
      throw ConfigError(fmt::format("cannot merge: part {}/{} is given twice, as {} and {}; give each part once",
                                    part.index, part.count, paths[from[k]].string(), paths[i].string()));
    if (!readers[i]->complete() || readers[i]->block_count() != part.blocks())
      throw ConfigError(fmt::format("cannot merge {}: {} is unfinished ({} of its {} blocks written); run that part "
                                    "again",
                                    paths[i].string(), part.describe(), readers[i]->block_count(), part.blocks()));
    slots[k] = readers[i].get();
    from[k] = i;
  }
  std::vector<std::string> missing;
  for (std::uint32_t k = 0; k < first.count; ++k)
    if (slots[k] == nullptr) missing.push_back(fmt::format("{}/{}", k + 1, first.count));
  if (!missing.empty())
    throw ConfigError(fmt::format("cannot merge: part{} {} of the run {} missing; give all {} part files (of `--part "
                                  "K/{}`)",
                                  missing.size() > 1 ? "s" : "", fmt::join(missing, ", "),
                                  missing.size() > 1 ? "are" : "is", first.count, first.count));
  return slots;
}

template <class Reader>
void require_part_file(const fs::path& path, const Reader& reader) {
  if (!reader.part())
    throw ConfigError(fmt::format("cannot merge {}: it is not a part file (no part_count attribute) but a whole run; "
                                  "merge takes the files written with --part K/N or under mpirun",
                                  path.string()));
}

std::uint64_t size_of(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : static_cast<std::uint64_t>(size);
}

MergeSummary merge_raw(const std::vector<fs::path>& paths, const fs::path& output, Compression compression) {
  std::vector<std::unique_ptr<RawFileReader>> readers;
  for (const auto& p : paths) {
    readers.push_back(std::make_unique<RawFileReader>(p));
    require_part_file(p, *readers.back());
  }
  const daq::RunInfo& run = readers.front()->info();
  for (std::size_t i = 1; i < readers.size(); ++i) {
    const daq::RunInfo& other = readers[i]->info();
    require_same(paths.front(), paths[i], "their configurations", hash_of(run.config_toml), hash_of(other.config_toml));
    require_same(paths.front(), paths[i], "their seeds", run.seed, other.seed);
    require_same(paths.front(), paths[i], "the cevns versions that wrote them", run.cevns_version, other.cevns_version);
    require_same(paths.front(), paths[i], "their triggers per block", run.triggers_per_block, other.triggers_per_block);
    require_same(paths.front(), paths[i], "their waveform modes", static_cast<int>(run.mode), static_cast<int>(other.mode));
  }
  const auto ordered = order_parts(paths, readers);
  MergeSummary summary{std::string(raw_format_name), static_cast<std::uint32_t>(ordered.size())};
  RawFileWriter writer(output, run, compression);
  daq::TriggerBlock block;
  WaveformSlice slice;
  const bool full = run.mode == daq::WaveformMode::full;
  for (const RawFileReader* reader : ordered)
    for (std::uint64_t i = 0; i < reader->block_count(); ++i) {
      if (full) {
        // The waveforms' chunks as stored, checked by cevns' vectorised Fletcher-32 rather
        // than HDF5's filter, which sums byte by byte.
        reader->read_block(i, block, RawFileReader::Part::without_waveforms);
        reader->read_waveforms(i, 0, block.triggers.size(), slice);
        for (std::size_t k = 0; k < slice.triggers(); ++k) reader->check_waveforms(slice, k);
        block.waveforms.assign(slice.samples().begin(), slice.samples().end());
        reader->check_block(block);
      } else {
        reader->read_block(i, block, RawFileReader::Part::everything);
      }
      writer.write(block);
      ++summary.blocks;
    }
  writer.close();
  return summary;
}

MergeSummary merge_reduced(const std::vector<fs::path>& paths, const fs::path& output, Compression compression) {
  std::vector<std::unique_ptr<ReducedFileReader>> readers;
  for (const auto& p : paths) {
    readers.push_back(std::make_unique<ReducedFileReader>(p));
    require_part_file(p, *readers.back());
  }
  const reco::ReducedRunInfo& run = readers.front()->info();
  for (std::size_t i = 1; i < readers.size(); ++i) {
    const reco::ReducedRunInfo& other = readers[i]->info();
    require_same(paths.front(), paths[i], "their raw runs' configurations", hash_of(run.raw.config_toml),
                 hash_of(other.raw.config_toml));
    require_same(paths.front(), paths[i], "their reconstruction settings", hash_of(run.reco_config_toml),
                 hash_of(other.reco_config_toml));
    require_same(paths.front(), paths[i], "their seeds", run.raw.seed, other.raw.seed);
    require_same(paths.front(), paths[i], "their raw-data files", run.raw_file, other.raw_file);
    require_same(paths.front(), paths[i], "the cevns versions of their raw runs", run.raw.cevns_version,
                 other.raw.cevns_version);
    require_same(paths.front(), paths[i], "their single-PE calibrations (/run/spe_charge)",
                 fmt::format("{}", fmt::join(run.spe_charge, ", ")), fmt::format("{}", fmt::join(other.spe_charge, ", ")));
    require_same(paths.front(), paths[i], "their off-beam windows (µs)", run.off_beam_window_start_us.value_or(-1.0),
                 other.off_beam_window_start_us.value_or(-1.0));
  }
  const auto ordered = order_parts(paths, readers);
  MergeSummary summary{std::string(reduced_format_name), static_cast<std::uint32_t>(ordered.size())};
  ReducedFileWriter writer(output, run, compression);
  for (const ReducedFileReader* reader : ordered)
    for (std::uint64_t i = 0; i < reader->block_count(); ++i) {
      writer.write(reader->read_block(i));
      ++summary.blocks;
    }
  writer.close();
  return summary;
}

}  // namespace

MergeSummary merge_parts(const std::vector<fs::path>& parts, const fs::path& output) {
  if (parts.empty()) throw ConfigError("cevns merge needs the part files to merge");
  const std::string format = format_of(parts.front());
  for (const auto& p : parts) {
    const std::string other = format_of(p);
    if (other != raw_format_name && other != reduced_format_name)
      throw ConfigError(fmt::format("cannot merge {}: its format is '{}', not a cevns raw ('{}') or reduced ('{}') "
                                    "file",
                                    p.string(), other, raw_format_name, reduced_format_name));
    require_same(parts.front(), p, "their formats", format, other);
  }
  const Compression compression = compression_of(parts.front());
  for (const auto& p : parts)
    require_same(parts.front(), p, "their compressions", compression_name(compression), compression_name(compression_of(p)));
  require_compression(compression);
  MergeSummary summary = format == raw_format_name ? merge_raw(parts, output, compression)
                                                   : merge_reduced(parts, output, compression);
  for (const auto& p : parts) summary.bytes_read += size_of(p);
  summary.bytes_written = size_of(output);
  return summary;
}

}  // namespace cevns::io
