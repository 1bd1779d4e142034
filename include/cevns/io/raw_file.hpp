#pragma once
/// \file
/// Raw-data files: the DAQ's triggers, waveforms and Monte Carlo truth in HDF5, written
/// block by block so that a run killed part-way keeps every finished block. The layout
/// (version 2) is described in docs/raw-format.md; h5py reads it without cevns.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <vector>
#include <string_view>

#include "cevns/daq/raw_event.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/io/compression.hpp"
#include "cevns/io/file_part.hpp"

namespace cevns::io {

/// Root attribute `format` of every raw-data file.
inline constexpr std::string_view raw_format_name = "cevns-raw";
/// Root attribute `format_version`: the layout this code writes and the only one it reads.
inline constexpr std::uint32_t raw_format_version = 2;

/// The size of a raw file of `triggers` triggers, estimated before the run. Full mode:
/// every sample (channels × samples × 2 bytes) of every trigger. Zero-suppressed: a
/// segment of pre + post + ~20 samples per dark count and one of 5 scintillation decay
/// times per PMT per interaction (CEvNS, backgrounds), from the expected numbers per
/// trigger; with the truth rows (photoelectrons, interactions) and the trigger rows.
[[nodiscard]] double estimated_raw_file_bytes(const daq::Simulation& simulation, const daq::SimulationConfig& config,
                                              daq::WaveformMode mode, std::uint64_t triggers);

/// Writes a raw-data file block by block. The file is created as `path` + ".part" and
/// renamed to `path` by close(); each write() leaves every block written so far readable
/// even if the process is killed afterwards (HDF5 SWMR: datasets created up front,
/// chunked and extended, flushed after each block). Use it from one thread at a time, and
/// no other HDF5 file at the same time from another thread: the HDF5 library is not
/// thread-safe.
class RawFileWriter {
 public:
  /// Creates `path`.part (and its directory) and every dataset of the layout; an existing
  /// `path`.part is replaced. `compression` applies to the waveforms, /triggers and the
  /// truth tables (docs/raw-format.md, "Compression"). With `part`: a part file
  /// (io/file_part.hpp), whose blocks start at part->first_block. Throws IoError.
  RawFileWriter(const std::filesystem::path& path, const daq::RunInfo& info,
                Compression compression = Compression::none, const std::optional<FilePart>& part = std::nullopt);
  /// Without close(): closes the HDF5 file and leaves the .part file, marked incomplete.
  ~RawFileWriter();
  RawFileWriter(const RawFileWriter&) = delete;
  RawFileWriter& operator=(const RawFileWriter&) = delete;

  /// Appends one block and flushes it to disk. Blocks must come in index order 0, 1, 2…
  /// (a part file: from its first block)
  /// and match the run (full mode: `waveforms` holds triggers × channels × samples values
  /// and there are no segments; zero-suppressed: no `waveforms`, segments inside
  /// `segments.samples`). Throws IoError; after a failed write the writer refuses more.
  void write(const daq::TriggerBlock& block);

  /// Marks the run complete, closes the file and renames `path`.part → `path`. A second
  /// call does nothing. Throws IoError.
  void close();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

/// Full-mode waveforms of consecutive triggers of one block as RawFileReader::read_waveforms
/// read them: samples [trigger][channel][sample], not yet verified. Reuse one object for
/// many reads: its buffer is allocated once, never zero-filled.
class WaveformSlice {
 public:
  [[nodiscard]] std::uint64_t block() const { return block_; }
  /// The first trigger's row within the block.
  [[nodiscard]] std::uint64_t first_row() const { return first_row_; }
  [[nodiscard]] std::size_t triggers() const { return triggers_; }
  /// All samples, triggers() × channels × samples per waveform.
  [[nodiscard]] std::span<const std::int16_t> samples() const { return {data_.get(), triggers_ * per_trigger_}; }
  /// The samples of trigger k of the slice.
  [[nodiscard]] std::span<const std::int16_t> trigger(std::size_t k) const {
    return {data_.get() + k * per_trigger_, per_trigger_};
  }

 private:
  friend class RawFileReader;
  std::uint64_t block_ = 0, first_row_ = 0;
  std::size_t triggers_ = 0, per_trigger_ = 0, capacity_ = 0;
  struct Free {
    void operator()(std::int16_t* p) const;
  };
  std::unique_ptr<std::int16_t[], Free> data_;
  std::vector<std::uint32_t> checksums_;  // stored Fletcher-32 per trigger, when read as raw chunks
  bool verify_ = false;                   // checksums_ still to be compared
};

/// Reads a raw-data file (complete, or a .part left by a killed run) block by block without
/// loading the run into memory. Throws IoError with a clear message for a missing,
/// truncated, corrupt or foreign file (wrong format name or unsupported version).
/// Use it from one thread at a time, like RawFileWriter — except check_block() and
/// check_waveforms(), which touch no HDF5 and may run on any thread at the same time.
class RawFileReader {
 public:
  explicit RawFileReader(const std::filesystem::path& path);
  ~RawFileReader();
  RawFileReader(const RawFileReader&) = delete;
  RawFileReader& operator=(const RawFileReader&) = delete;

  [[nodiscard]] const daq::RunInfo& info() const;
  /// False for the .part of a killed run (or of a writer destroyed without close()).
  [[nodiscard]] bool complete() const;
  /// Blocks finished and flushed by the writer; read_block accepts 0 … block_count() − 1.
  /// (In a part file, row i holds block part()->first_block + i.)
  [[nodiscard]] std::uint64_t block_count() const;
  /// Triggers of those blocks (the sum of their trigger_count).
  [[nodiscard]] std::uint64_t trigger_count() const;
  /// A part file's share of its run (`cevns simulate --part`); std::nullopt for a whole run.
  [[nodiscard]] const std::optional<FilePart>& part() const;
  /// The triggers block `index` stores (its rows of /triggers). Throws std::out_of_range.
  [[nodiscard]] std::uint64_t stored_triggers(std::uint64_t index) const;
  /// Everything of block `index`, as it was written (segment offsets relative to the
  /// block's own samples). Throws std::out_of_range for index ≥ block_count(), IoError
  /// for a corrupt file.
  [[nodiscard]] daq::TriggerBlock read_block(std::uint64_t index) const;

  /// What read_block(index, block, part) reads.
  enum class Part {
    everything,         ///< and checked, as read_block(index)
    unchecked,          ///< everything; the caller runs check_block() (on another thread)
    without_waveforms,  ///< no full-mode waveforms (read them with read_waveforms), unchecked
  };
  /// read_block(index) into `block`, whose vectors keep their capacity from block to block.
  void read_block(std::uint64_t index, daq::TriggerBlock& block, Part part) const;
  /// The checks read_block(index) makes, on a block read with Part::unchecked or
  /// Part::without_waveforms (then without the ADC range of its waveforms: see
  /// check_waveforms). Thread-safe. Throws IoError naming the dataset and row.
  void check_block(const daq::TriggerBlock& block) const;

  /// Full mode: triggers [first_row, first_row + triggers) of block `index` into `slice`.
  /// Reads each trigger's chunk as stored (HDF5 direct chunk read, when the waveforms
  /// carry only the layout's Fletcher-32 filter) and leaves its checksum and ADC range to
  /// check_waveforms, so that the reading thread only copies. Throws IoError.
  void read_waveforms(std::uint64_t index, std::uint64_t first_row, std::size_t triggers, WaveformSlice& slice) const;
  /// Verifies trigger k of a slice: its chunk's Fletcher-32 checksum (a complete file) and
  /// that its ADC values are within range. Thread-safe; throws IoError naming the row.
  void check_waveforms(const WaveformSlice& slice, std::size_t k) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// The Fletcher-32 checksum of HDF5's filter (H5Z_FILTER_FLETCHER32): 16-bit big-endian
/// words, both sums folded to 16 bits every 360 words; the sum of sums in the high half.
[[nodiscard]] std::uint32_t fletcher32(std::span<const std::byte> data);

}  // namespace cevns::io
