#pragma once
/// \file
/// Reduced-data files: the reconstruction's one row per crystal and trigger (CrystalEvent)
/// with each block's beam record, in HDF5, written block by block like the raw-data files
/// so that a reconstruction killed part-way keeps every finished block. The layout
/// (version 3) is described in docs/reduced-format.md; h5py reads it without cevns.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "cevns/io/compression.hpp"
#include "cevns/io/file_part.hpp"
#include "cevns/reco/reduced_event.hpp"

namespace cevns::io {

/// Root attribute `format` of every reduced-data file.
inline constexpr std::string_view reduced_format_name = "cevns-reduced";
/// Root attribute `format_version`: the layout this code writes. It also reads version 2,
/// which has no off-beam window (ReducedRunInfo::off_beam_window_start_us unset).
inline constexpr std::uint32_t reduced_format_version = 3;

/// Writes a reduced-data file block by block. The file is created as `path` + ".part" and
/// renamed to `path` by close(); each write() leaves every block written so far readable
/// even if the process is killed afterwards (HDF5 SWMR, as RawFileWriter). Use it from one
/// thread at a time, and no other HDF5 file at the same time from another thread: the
/// HDF5 library is not thread-safe.
class ReducedFileWriter {
 public:
  /// Creates `path`.part (and its directory) and every dataset of the layout; an existing
  /// `path`.part is replaced. `info.spe_charge` must have one value per channel of
  /// `info.raw`, and every channel's crystal must be below `info.crystals`. `compression`
  /// applies to /events (docs/reduced-format.md). With `part`: a part file
  /// (io/file_part.hpp), whose blocks start at part->first_block. Throws IoError.
  ReducedFileWriter(const std::filesystem::path& path, const reco::ReducedRunInfo& info,
                    Compression compression = Compression::none, const std::optional<FilePart>& part = std::nullopt);
  /// Without close(): closes the HDF5 file and leaves the .part file, marked incomplete.
  ~ReducedFileWriter();
  ReducedFileWriter(const ReducedFileWriter&) = delete;
  ReducedFileWriter& operator=(const ReducedFileWriter&) = delete;

  /// Appends one block (possibly without events) and flushes it to disk. Blocks must come
  /// in index order 0, 1, 2…; each event must belong to a trigger of the block
  /// [first_trigger, first_trigger + trigger_count), a crystal below `crystals`, and a
  /// truth_source of −1 or a row of the run's sources. Throws IoError; a refused block
  /// leaves the writer usable, a failed write does not.
  void write(const reco::ReducedBlock& block);

  /// Marks the file complete, closes it and renames `path`.part → `path`. A second call
  /// does nothing. Throws IoError.
  void close();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Reads a reduced-data file (complete, or a .part left by a killed reconstruction) block
/// by block. Throws IoError with a clear message for a missing, truncated, corrupt or
/// foreign file (a raw-data file, another format, an unsupported version). Use it from one
/// thread at a time, like ReducedFileWriter.
class ReducedFileReader {
 public:
  explicit ReducedFileReader(const std::filesystem::path& path);
  ~ReducedFileReader();
  ReducedFileReader(const ReducedFileReader&) = delete;
  ReducedFileReader& operator=(const ReducedFileReader&) = delete;

  [[nodiscard]] const reco::ReducedRunInfo& info() const;
  /// False for the .part of a killed reconstruction (or of a writer destroyed without close()).
  [[nodiscard]] bool complete() const;
  /// Blocks finished and flushed by the writer; read_block accepts 0 … block_count() − 1.
  [[nodiscard]] std::uint64_t block_count() const;
  /// A part file's share of its run (`cevns reconstruct --part`); std::nullopt for a whole
  /// run. In a part file, row i of /blocks holds block part()->first_block + i.
  [[nodiscard]] const std::optional<FilePart>& part() const;
  /// Block `index` as it was written. Throws std::out_of_range for index ≥ block_count(),
  /// IoError for a corrupt file.
  [[nodiscard]] reco::ReducedBlock read_block(std::uint64_t index) const;
  /// All rows at once (convenience for small files / h5py-like use): the concatenated
  /// events of the block_count() blocks, in file order.
  [[nodiscard]] std::vector<reco::CrystalEvent> read_all_events() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cevns::io
