#pragma once
/// \file
/// Raw-data files: the DAQ's triggers, waveforms and Monte Carlo truth in HDF5, written
/// block by block so that a run killed part-way keeps every finished block. The layout
/// (version 2) is described in docs/raw-format.md; h5py reads it without cevns.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "cevns/daq/raw_event.hpp"
#include "cevns/daq/simulation.hpp"

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
  /// `path`.part is replaced. Throws IoError.
  RawFileWriter(const std::filesystem::path& path, const daq::RunInfo& info);
  /// Without close(): closes the HDF5 file and leaves the .part file, marked incomplete.
  ~RawFileWriter();
  RawFileWriter(const RawFileWriter&) = delete;
  RawFileWriter& operator=(const RawFileWriter&) = delete;

  /// Appends one block and flushes it to disk. Blocks must come in index order 0, 1, 2…
  /// and match the run (full mode: `waveforms` holds triggers × channels × samples values
  /// and there are no segments; zero-suppressed: no `waveforms`, segments inside
  /// `segments.samples`). Throws IoError; after a failed write the writer refuses more.
  void write(const daq::TriggerBlock& block);

  /// Marks the run complete, closes the file and renames `path`.part → `path`. A second
  /// call does nothing. Throws IoError.
  void close();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Reads a raw-data file (complete, or a .part left by a killed run) block by block without
/// loading the run into memory. Throws IoError with a clear message for a missing,
/// truncated, corrupt or foreign file (wrong format name or unsupported version).
/// Use it from one thread at a time, like RawFileWriter.
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
  [[nodiscard]] std::uint64_t block_count() const;
  /// Everything of block `index`, as it was written (segment offsets relative to the
  /// block's own samples). Throws std::out_of_range for index ≥ block_count(), IoError
  /// for a corrupt file.
  [[nodiscard]] daq::TriggerBlock read_block(std::uint64_t index) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cevns::io
