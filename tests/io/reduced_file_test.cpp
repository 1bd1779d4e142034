#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/version.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reduced_file.hpp"
#include "temp_dir.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;
using reco::CrystalEvent;
using reco::ReducedBlock;
using reco::ReducedRunInfo;

using cevns::test::TempDir;

fs::path with_part(fs::path path) { return path += ".part"; }

/// CICENNS-like: `crystals` crystals read out by 2 PMTs each.
ReducedRunInfo run_info(std::uint16_t crystals = 15) {
  ReducedRunInfo info;
  daq::RunInfo& raw = info.raw;
  raw.cevns_version = "0.0.9-raw";  // another version than this program's, so mix-ups show
  raw.experiment = "CICENNS";
  raw.config_toml = "[experiment]\nname = \"CICENNS\"\n\n[daq]\nmode = \"test\"  # ünïcode\n";
  raw.seed = 0xC0FFEE'0000'1234ULL;
  raw.mode = daq::WaveformMode::zero_suppressed;
  raw.sampling_rate_GHz = 0.5;
  raw.samples_per_waveform = 25000;
  raw.pretrace_samples = 20000;
  raw.adc_bits = 14;
  raw.baseline_adc = 1000.5;
  raw.trigger_rate_Hz = 60.0;
  raw.triggers_per_block = 8;
  for (std::uint16_t ch = 0; ch < 2 * crystals; ++ch)
    raw.channels.push_back({fmt::format("crystal{}/pmt{}", ch / 2, ch % 2), static_cast<std::uint16_t>(ch / 2),
                            static_cast<std::uint16_t>(ch % 2)});
  raw.sources = {"cevns", "dark counts", "afterglow"};
  info.raw_file = "/data/run 17/raw.h5";
  info.reco_config_toml = "[reco]\npulse_threshold_adc = 10.0\nspe_charge_adc_samples = 0.0\n";
  for (std::size_t ch = 0; ch < raw.channels.size(); ++ch) info.spe_charge.push_back(95.5 + 0.25 * ch);
  info.crystals = crystals;
  info.off_beam_window_start_us = 30.0;  // the last 10 µs of the 40 µs pretrace
  return info;
}

/// Block `index` of `info.raw.triggers_per_block` triggers with `events` crystal events.
/// Every value depends on the block and the row, so mix-ups show.
ReducedBlock make_block(const ReducedRunInfo& info, std::uint64_t index, std::size_t events) {
  ReducedBlock b;
  b.index = index;
  b.trigger_count = info.raw.triggers_per_block;
  b.first_trigger = index * b.trigger_count;
  b.protons_on_target = 1.5e13 * static_cast<double>(index + 1);
  b.beam_on_triggers = (index + 2) % (b.trigger_count + 1);  // at most trigger_count
  b.vetoed_triggers = index % 2;
  for (std::size_t k = 0; k < events; ++k) {
    CrystalEvent e;
    e.trigger_id = b.first_trigger + k % b.trigger_count;
    e.time_s = static_cast<double>(e.trigger_id) / info.raw.trigger_rate_Hz + 1e-9;
    e.protons_on_target = 2.5e12F + static_cast<float>(k);
    e.beam_on = k % 2 == 0;
    e.veto = k % 3 == 1;
    e.crystal = static_cast<std::uint16_t>((k * 7 + index) % info.crystals);
    e.npe[0] = 1.25F * static_cast<float>(k + index);
    e.npe[1] = 0.5F + static_cast<float>(k);
    e.pretrace_npe[0] = 0.125F * static_cast<float>(index);
    e.pretrace_npe[1] = 3.0F - static_cast<float>(k);
    e.arrival_ns = k % 4 == 3 ? -1.0F : 100.5F * static_cast<float>(k + 1);
    e.flags = static_cast<std::uint8_t>(k % 4);
    e.truth_source = static_cast<std::int16_t>(static_cast<int>(k % 4) - 1);  // −1 … 2
    e.truth_npe = static_cast<std::uint32_t>(k * 3 + index);
    e.off_beam_npe[0] = 0.75F * static_cast<float>(k + 2 * index);
    e.off_beam_npe[1] = 2.0F + static_cast<float>(k);
    e.off_beam_pretrace_npe[0] = 0.5F * static_cast<float>(index);
    e.off_beam_pretrace_npe[1] = 4.0F - static_cast<float>(k);
    if (k % 3 != 2) e.off_beam_arrival_ns = 50.25F * static_cast<float>(k + index) - 1000.0F;  // else NaN: none
    b.events.push_back(e);
  }
  // By trigger and crystal, as the reconstruction writes them and the reader requires.
  std::sort(b.events.begin(), b.events.end(), [](const CrystalEvent& x, const CrystalEvent& y) {
    return x.trigger_id != y.trigger_id ? x.trigger_id < y.trigger_id : x.crystal < y.crystal;
  });
  return b;
}

std::vector<ReducedBlock> some_blocks(const ReducedRunInfo& info) {
  return {make_block(info, 0, 5), make_block(info, 1, 0),  // a block without events
          make_block(info, 2, 1), make_block(info, 3, 0), make_block(info, 4, 12)};
}

void expect_same_info(const ReducedRunInfo& a, const ReducedRunInfo& b) {
  EXPECT_EQ(a.raw.cevns_version, b.raw.cevns_version);
  EXPECT_EQ(a.raw.experiment, b.raw.experiment);
  EXPECT_EQ(a.raw.config_toml, b.raw.config_toml);
  EXPECT_EQ(a.raw.seed, b.raw.seed);
  EXPECT_EQ(a.raw.mode, b.raw.mode);
  EXPECT_EQ(a.raw.sampling_rate_GHz, b.raw.sampling_rate_GHz);
  EXPECT_EQ(a.raw.samples_per_waveform, b.raw.samples_per_waveform);
  EXPECT_EQ(a.raw.pretrace_samples, b.raw.pretrace_samples);
  EXPECT_EQ(a.raw.adc_bits, b.raw.adc_bits);
  EXPECT_EQ(a.raw.baseline_adc, b.raw.baseline_adc);
  EXPECT_EQ(a.raw.trigger_rate_Hz, b.raw.trigger_rate_Hz);
  EXPECT_EQ(a.raw.triggers_per_block, b.raw.triggers_per_block);
  ASSERT_EQ(a.raw.channels.size(), b.raw.channels.size());
  for (std::size_t i = 0; i < a.raw.channels.size(); ++i) {
    EXPECT_EQ(a.raw.channels[i].name, b.raw.channels[i].name) << i;
    EXPECT_EQ(a.raw.channels[i].crystal, b.raw.channels[i].crystal) << i;
    EXPECT_EQ(a.raw.channels[i].side, b.raw.channels[i].side) << i;
  }
  EXPECT_EQ(a.raw.sources, b.raw.sources);
  EXPECT_EQ(a.raw_file, b.raw_file);
  EXPECT_EQ(a.reco_config_toml, b.reco_config_toml);
  EXPECT_EQ(a.spe_charge, b.spe_charge);
  EXPECT_EQ(a.crystals, b.crystals);
  EXPECT_EQ(a.off_beam_window_start_us, b.off_beam_window_start_us);
}

/// Equal, or both NaN (no pulse).
bool same_time(float x, float y) { return x == y || (std::isnan(x) && std::isnan(y)); }

void expect_same_events(const std::vector<CrystalEvent>& a, const std::vector<CrystalEvent>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(fmt::format("event {}", i));
    const CrystalEvent &x = a[i], &y = b[i];
    EXPECT_EQ(x.trigger_id, y.trigger_id);
    EXPECT_EQ(x.time_s, y.time_s);
    EXPECT_EQ(x.protons_on_target, y.protons_on_target);
    EXPECT_EQ(x.beam_on, y.beam_on);
    EXPECT_EQ(x.veto, y.veto);
    EXPECT_EQ(x.crystal, y.crystal);
    EXPECT_EQ(x.npe[0], y.npe[0]);
    EXPECT_EQ(x.npe[1], y.npe[1]);
    EXPECT_EQ(x.pretrace_npe[0], y.pretrace_npe[0]);
    EXPECT_EQ(x.pretrace_npe[1], y.pretrace_npe[1]);
    EXPECT_EQ(x.arrival_ns, y.arrival_ns);
    EXPECT_EQ(x.flags, y.flags);
    EXPECT_EQ(x.truth_source, y.truth_source);
    EXPECT_EQ(x.truth_npe, y.truth_npe);
    EXPECT_EQ(x.off_beam_npe[0], y.off_beam_npe[0]);
    EXPECT_EQ(x.off_beam_npe[1], y.off_beam_npe[1]);
    EXPECT_EQ(x.off_beam_pretrace_npe[0], y.off_beam_pretrace_npe[0]);
    EXPECT_EQ(x.off_beam_pretrace_npe[1], y.off_beam_pretrace_npe[1]);
    EXPECT_PRED2(same_time, x.off_beam_arrival_ns, y.off_beam_arrival_ns);
  }
}

void expect_same_block(const ReducedBlock& a, const ReducedBlock& b) {
  SCOPED_TRACE(fmt::format("block {}", a.index));
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.first_trigger, b.first_trigger);
  EXPECT_EQ(a.trigger_count, b.trigger_count);
  EXPECT_EQ(a.protons_on_target, b.protons_on_target);
  EXPECT_EQ(a.beam_on_triggers, b.beam_on_triggers);
  EXPECT_EQ(a.vetoed_triggers, b.vetoed_triggers);
  expect_same_events(a.events, b.events);
}

std::vector<CrystalEvent> all_events(const std::vector<ReducedBlock>& blocks) {
  std::vector<CrystalEvent> events;
  for (const auto& b : blocks) events.insert(events.end(), b.events.begin(), b.events.end());
  return events;
}

/// Writes `blocks` and closes; returns the blocks for comparison.
std::vector<ReducedBlock> write_file(const fs::path& path, const ReducedRunInfo& info,
                                     std::vector<ReducedBlock> blocks) {
  ReducedFileWriter writer(path, info);
  for (const auto& b : blocks) writer.write(b);
  writer.close();
  return blocks;
}

void expect_round_trip(const fs::path& path, const ReducedRunInfo& info, const std::vector<ReducedBlock>& blocks,
                       bool complete = true) {
  const ReducedFileReader reader(path);
  expect_same_info(reader.info(), info);
  EXPECT_EQ(reader.complete(), complete);
  ASSERT_EQ(reader.block_count(), blocks.size());
  for (const auto& b : blocks) expect_same_block(reader.read_block(b.index), b);
  expect_same_events(reader.read_all_events(), all_events(blocks));
  EXPECT_THROW((void)reader.read_block(blocks.size()), std::out_of_range);
}

TEST(ReducedFile, RoundTripWithEmptyBlocks) {
  const TempDir dir;
  const auto path = dir / "nested" / "reduced.h5";  // the directory is created
  const auto info = run_info();
  const auto blocks = write_file(path, info, some_blocks(info));
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(with_part(path)));
  expect_round_trip(path, info, blocks);
}

TEST(ReducedFile, FileWithoutBlocks) {
  const TempDir dir;
  const auto path = dir / "empty.h5";
  auto info = run_info(1);
  info.raw.sources.clear();
  info.raw.config_toml.clear();
  info.reco_config_toml.clear();
  info.raw_file.clear();
  write_file(path, info, {});
  expect_round_trip(path, info, {});
}

TEST(ReducedFile, OnlyEmptyBlocks) {
  const TempDir dir;
  const auto path = dir / "quiet.h5";
  const auto info = run_info(2);
  const auto blocks = write_file(path, info, {make_block(info, 0, 0), make_block(info, 1, 0)});
  expect_round_trip(path, info, blocks);
}

/// The message of the IoError that `f` throws ("" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(ReducedFile, RunThatDoesNotAddUpIsRefused) {
  const TempDir dir;
  auto info = run_info(2);
  info.spe_charge.pop_back();
  EXPECT_CONTAINS(error_of([&] { ReducedFileWriter(dir / "a.h5", info); }),
                  "3 single-PE charges for 4 channels (must be one per channel)");
  info = run_info(2);
  info.crystals = 1;
  EXPECT_CONTAINS(error_of([&] { ReducedFileWriter(dir / "b.h5", info); }),
                  "channel 2 (crystal1/pmt0) is on crystal 1, but the run has 1 crystals");
  info = run_info(2);
  info.raw.channels.clear();
  info.spe_charge.clear();
  EXPECT_CONTAINS(error_of([&] { ReducedFileWriter(dir / "c.h5", info); }), "the run has no channels");
  EXPECT_FALSE(fs::exists(with_part(dir / "a.h5")));
}

TEST(ReducedFile, BlocksMustComeInOrder) {
  const TempDir dir;
  const auto info = run_info(2);
  ReducedFileWriter writer(dir / "order.h5", info);
  EXPECT_CONTAINS(error_of([&] { writer.write(make_block(info, 1, 1)); }), "expected block 0");
  writer.write(make_block(info, 0, 1));
  EXPECT_THROW(writer.write(make_block(info, 0, 1)), IoError);
  writer.write(make_block(info, 1, 1));
  writer.close();
  EXPECT_THROW(writer.write(make_block(info, 2, 1)), IoError);
  EXPECT_EQ(ReducedFileReader(dir / "order.h5").block_count(), 2u);
}

TEST(ReducedFile, EventsThatDoNotMatchTheRunAreRefused) {
  const TempDir dir;
  const auto info = run_info(2);
  const auto path = dir / "bad.h5";
  ReducedFileWriter writer(path, info);

  auto block = make_block(info, 0, 3);
  block.events[2].trigger_id = block.first_trigger + block.trigger_count;
  EXPECT_CONTAINS(error_of([&] { writer.write(block); }), "event 2 is of trigger 8, outside the block's triggers [0, 8)");
  block = make_block(info, 0, 3);
  block.events[1].crystal = 2;
  EXPECT_CONTAINS(error_of([&] { writer.write(block); }), "event 1 is in crystal 2, the run has 2 crystals");
  block = make_block(info, 0, 3);
  block.events[0].truth_source = 3;
  EXPECT_CONTAINS(error_of([&] { writer.write(block); }), "event 0 has truth_source 3");
  block.events[0].truth_source = -2;
  EXPECT_THROW(writer.write(block), IoError);

  // The refusals leave the writer usable, and nothing of the refused blocks in the file.
  const auto good = make_block(info, 0, 3);
  writer.write(good);
  writer.close();
  expect_round_trip(path, info, {good});
}

TEST(ReducedFile, WriterDestroyedWithoutCloseLeavesAnIncompletePart) {
  const TempDir dir;
  const auto path = dir / "abandoned.h5";
  const auto info = run_info();
  auto blocks = some_blocks(info);
  {
    ReducedFileWriter writer(path, info);
    writer.write(blocks[0]);
    writer.write(blocks[1]);
  }
  EXPECT_FALSE(fs::exists(path));
  blocks.resize(2);
  expect_round_trip(with_part(path), info, blocks, false);
}

/// A child process writes three blocks and dies without closing the file (_exit runs no
/// destructors or HDF5 clean-up, as a kill would): the parent reads the three blocks.
/// Returns the .part file, in `dir`.
fs::path write_killed(const TempDir& dir, const ReducedRunInfo& info, const std::vector<ReducedBlock>& blocks) {
  const auto path = dir / "killed.h5";
  const pid_t child = fork();
  if (child < 0) ADD_FAILURE() << "fork failed";
  if (child == 0) {
    try {
      auto* writer = new ReducedFileWriter(path, info);  // never deleted: the process just ends
      for (int i = 0; i < 3; ++i) writer->write(blocks[i]);
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the writing child failed";
  EXPECT_FALSE(fs::exists(path));
  return with_part(path);
}

TEST(ReducedFile, KilledWriterKeepsItsFinishedBlocks) {
  const TempDir dir;
  const auto info = run_info();
  auto blocks = some_blocks(info);
  const auto part = write_killed(dir, info, blocks);
  ASSERT_TRUE(fs::exists(part));
  blocks.resize(3);
  expect_round_trip(part, info, blocks, false);
}

/// A real SIGKILL at an arbitrary moment of a reconstruction that never ends: the parent
/// watches the growing .part as a SWMR reader, kills the writer once it has 5 blocks, and
/// then finds every block the file counts intact.
TEST(ReducedFile, SigkillMidRunKeepsEveryCountedBlock) {
  const TempDir dir;
  const auto path = dir / "sigkill.h5";
  const auto info = run_info();
  // At most 8 triggers × 15 crystals = 120 rows a block.
  const auto block = [&](std::uint64_t i) { return make_block(info, i, (i * 37) % 121); };
  const pid_t child = fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) {
    try {
      ReducedFileWriter writer(path, info);
      for (std::uint64_t i = 0;; ++i) writer.write(block(i));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      _exit(1);
    }
  }
  std::uint64_t seen = 0;
  for (int attempt = 0; attempt < 10000 && seen < 5; ++attempt) {
    try {
      seen = ReducedFileReader(with_part(path)).block_count();
    } catch (const IoError&) {  // not created yet, or still creating its datasets
    }
    if (seen < 5) usleep(1000);
  }
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped before it was killed";
  ASSERT_GE(seen, 5u) << "the writer did not get to 5 blocks in 10 s";

  const ReducedFileReader reader(with_part(path));
  EXPECT_FALSE(reader.complete());
  ASSERT_GE(reader.block_count(), seen);
  std::vector<ReducedBlock> expected;
  for (std::uint64_t i = 0; i < reader.block_count(); ++i) {
    expected.push_back(block(i));
    expect_same_block(reader.read_block(i), expected.back());
  }
  expect_same_events(reader.read_all_events(), all_events(expected));
}

/// The message of the IoError that reading `path` throws ("" if none).
std::string read_error(const fs::path& path) {
  return error_of([&] { const ReducedFileReader reader(path); });
}

TEST(ReducedFile, MissingFileIsAClearError) {
  const TempDir dir;
  EXPECT_CONTAINS(read_error(dir / "nothing.h5"), "nothing.h5 (no such file); check the path, or re-run cevns reconstruct");
  EXPECT_CONTAINS(read_error(dir / ""), "(it is a directory)");
}

TEST(ReducedFile, TruncatedFileIsAClearError) {
  const TempDir dir;
  const auto info = run_info();
  write_file(dir / "reduced.h5", info, some_blocks(info));
  fs::copy_file(dir / "reduced.h5", dir / "cut.h5");
  fs::resize_file(dir / "cut.h5", fs::file_size(dir / "reduced.h5") / 2);
  const auto message = read_error(dir / "cut.h5");
  EXPECT_CONTAINS(message, "cannot read ");
  EXPECT_CONTAINS(message, "truncated");
  EXPECT_CONTAINS(message, "copy it again or re-run cevns reconstruct");
}

/// HDF5 does not check the length of a file whose writer was killed (its SWMR flags are
/// still set): the reader compares it with the end of the space the last flush recorded.
TEST(ReducedFile, TruncatedPartOfAKilledWriterIsAClearError) {
  const TempDir dir;
  const auto info = run_info();
  const auto part = write_killed(dir, info, some_blocks(info));
  ASSERT_EQ(ReducedFileReader(part).block_count(), 3u);
  const auto size = fs::file_size(part);
  for (const std::uintmax_t cut : {size / 2, size - 1}) {
    SCOPED_TRACE(fmt::format("{} of {} bytes", cut, size));
    const auto copy = dir / "cut.h5.part";
    fs::copy_file(part, copy, fs::copy_options::overwrite_existing);
    fs::resize_file(copy, cut);
    const auto message = read_error(copy);
    EXPECT_CONTAINS(message, "cut.h5.part (truncated file: ");
    EXPECT_CONTAINS(message, "the writer was killed before its first block or the file is damaged; re-run cevns "
                             "reconstruct");
  }
}

TEST(ReducedFile, NonHdf5FileIsAClearError) {
  const TempDir dir;
  std::ofstream(dir / "notes.h5") << "these are not the data you are looking for\n";
  EXPECT_CONTAINS(read_error(dir / "notes.h5"), "(not an HDF5 file)");
}

TEST(ReducedFile, RawFileInsteadOfReducedIsAClearError) {
  const TempDir dir;
  const auto info = run_info(2);
  {
    RawFileWriter raw(dir / "raw.h5", info.raw);
    raw.close();
  }
  EXPECT_CONTAINS(read_error(dir / "raw.h5"),
                  "raw.h5 (it is a raw-data file (format 'cevns-raw'), not a reduced one); reconstruct it first");
  // … and the other way round.
  write_file(dir / "reduced.h5", info, {make_block(info, 0, 2)});
  EXPECT_CONTAINS(error_of([&] { const RawFileReader reader(dir / "reduced.h5"); }),
                  "not a cevns raw-data file: its format is 'cevns-reduced', not 'cevns-raw'");
}

/// Writes an HDF5 file from its non-zero byte runs: files made by h5py 3.7 (HDF5 1.10.8) with
///   with h5py.File(name, "w", libver="latest") as f:
///       f.attrs["format"] = numpy.bytes_(FORMAT); f.attrs["format_version"] = numpy.uint32(VERSION)
/// (`format` of variable length, FORMAT rather than numpy.bytes_(FORMAT), for version 1).
void write_sparse(const fs::path& path, const std::vector<std::pair<std::size_t, std::string>>& runs) {
  std::string bytes(6144, '\0');
  for (const auto& [offset, hex] : runs)
    for (std::size_t i = 0; i < hex.size(); i += 2)
      bytes[offset + i / 2] = static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(ReducedFile, HdfFileOfAnotherFormatIsAClearError) {
  const TempDir dir;
  // FORMAT = "other-format", VERSION = 1
  write_sparse(dir / "other.h5",
               {{0, "894844460d0a1a0a030808"},
                {20,
                 "ffffffffffffffffd9000000000000003000000000000000ebc996f14f4844520220694a0f6b694a0f6b694a0f6b694a"
                 "0f6b8e021200000000ffffffffffffffffffffffffffffffff0a0200010000151200040000ffffffffffffffffffffff"
                 "ffffffffff0c280000030007000800040000666f726d617400130100000c000000020000006f746865722d666f726d61"
                 "740c2c000003000f000c00040000666f726d61745f76657273696f6e0010000000040000000000200002000000010000"
                 "003f9eab62"}});
  EXPECT_CONTAINS(read_error(dir / "other.h5"), "its format is 'other-format', not 'cevns-reduced'");

  // FORMAT = "cevns-reduced", VERSION = 4
  write_sparse(dir / "future.h5",
               {{0, "894844460d0a1a0a030808"},
                {20,
                 "ffffffffffffffffda000000000000003000000000000000489519fd4f484452022006740f6b06740f6b06740f6b0674"
                 "0f6b8f021200000000ffffffffffffffffffffffffffffffff0a0200010000151200040000ffffffffffffffffffffff"
                 "ffffffffff0c290000030007000800040000666f726d617400130100000d000000020000006365766e732d7265647563"
                 "65640c2c000003000f000c00040000666f726d61745f76657273696f6e00100000000400000000002000020000000400"
                 "0000904001f1"}});
  EXPECT_CONTAINS(read_error(dir / "future.h5"), "format_version 4 is not supported; this cevns reads versions 2 to 3");

  // Format version 1, whose strings (even `format`) were of variable length.
  write_sparse(dir / "old.h5",
               {{0, "894844460d0a1a0a030808"},
                {20,
                 "ffffffffffffffff00180000000000003000000000000000418989074f4844520220694a0f6b694a0f6b694a0f6b694a"
                 "0f6b9e021200000000ffffffffffffffffffffffffffffffff0a0200010000151200040000ffffffffffffffffffffff"
                 "ffffffffff0c380000030007001400040000666f726d6174001901010010000000100000000100000000000800020000"
                 "000d0000000008000000000000010000000c2c000003000f000c00040000666f726d61745f76657273696f6e00100000"
                 "0004000000000020000200000001000000c9e7e277"},
                {2048, "47434f4c01000000001000000000000001000000000000000d000000000000006365766e732d72656475636564"},
                {2104, "d00f"}});
  EXPECT_CONTAINS(read_error(dir / "old.h5"),
                  "format_version 1 is not supported; this cevns reads version 3, whose strings HDF5 checks for damage");
}

/// Runs `script` with the system's Python 3 and h5py, the file paths as arguments.
int run_python(const TempDir& dir, const std::string& script, const std::vector<fs::path>& files) {
  const auto script_path = dir / "check.py";
  std::ofstream(script_path) << script;
  std::string command = "/usr/bin/python3 " + script_path.string();
  for (const auto& f : files) command += " '" + f.string() + "'";
  return std::system(command.c_str());
}

TEST(ReducedFile, H5pyReadsTheFiles) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 (apt-get install python3-h5py)";
  const TempDir dir;
  const auto info = run_info();
  const auto blocks = write_file(dir / "reduced.h5", info, some_blocks(info));
  {  // a killed reconstruction: the writer is abandoned without close
    ReducedFileWriter writer(dir / "killed.h5", info);
    writer.write(blocks[0]);
    writer.write(blocks[1]);
  }
  const CrystalEvent& e = blocks[4].events[9];  // row 5 + 1 + 9 of /events
  const std::string script = fmt::format(
      R"(
import sys, h5py, numpy as np
reduced, killed = sys.argv[1:3]
with h5py.File(reduced, "r") as f:
    assert f.attrs["format"].decode() == "cevns-reduced", f.attrs["format"]
    assert f.attrs["format_version"] == 3 and f.attrs["mode"].decode() == "zero-suppressed"
    assert f.attrs["off_beam_window_start_us"] == 30.0
    assert f.attrs["cevns_version"].decode() == "{version}" and f.attrs["raw_cevns_version"].decode() == "0.0.9-raw"
    assert f.attrs["seed"] == {seed} and f.attrs["crystals"] == 15
    assert f.attrs["sampling_rate_GHz"] == 0.5 and f.attrs["pretrace_samples"] == 20000
    assert f.attrs["samples_per_waveform"] == 25000 and f.attrs["experiment"].decode() == "CICENNS"
    assert f["run/complete"][0] == 1 and f["run/blocks_written"][0] == 5
    assert "ünïcode" in f["run/config_toml"].asstr()[0]
    assert "pulse_threshold_adc" in f["run/reco_config_toml"].asstr()[0]
    assert f["run/raw_file"].asstr()[0] == "/data/run 17/raw.h5"
    assert f["run/channels"]["name"][29].decode() == "crystal14/pmt1"
    assert list(f["run/sources"].asstr()[:]) == ["cevns", "dark counts", "afterglow"]
    spe = f["run/spe_charge"]
    assert spe.shape == (30,) and spe[3] == 96.25 and spe.attrs["units"].decode() == "ADC counts × samples"

    events = f["events"][:]                          # the whole table: a numpy structured array
    assert events.dtype.names == ("trigger_id", "time_s", "protons_on_target", "beam_on", "veto", "crystal",
        "npe_pmt0", "npe_pmt1", "pretrace_npe_pmt0", "pretrace_npe_pmt1", "arrival_ns", "flags",
        "truth_source", "truth_npe", "off_beam_npe_pmt0", "off_beam_npe_pmt1", "off_beam_pretrace_npe_pmt0",
        "off_beam_pretrace_npe_pmt1", "off_beam_arrival_ns"), events.dtype
    assert events.dtype["truth_source"] == np.int16 and events.dtype["npe_pmt0"] == np.float32
    assert len(events) == 18
    assert f["events"].attrs["units"].decode().startswith("trigger_id: 1; time_s: s;")
    e = events[15]
    assert (e["trigger_id"], e["crystal"], e["truth_source"], e["truth_npe"]) == ({trigger_id}, {crystal}, {truth_source}, {truth_npe}), e
    assert (e["npe_pmt0"], e["npe_pmt1"], e["pretrace_npe_pmt0"], e["pretrace_npe_pmt1"]) == ({npe0}, {npe1}, {pre0}, {pre1}), e
    assert e["arrival_ns"] == {arrival} and e["flags"] == {flags} and e["time_s"] == {time_s}
    assert (e["off_beam_npe_pmt0"], e["off_beam_npe_pmt1"]) == ({off0}, {off1}), e
    assert (e["off_beam_pretrace_npe_pmt0"], e["off_beam_pretrace_npe_pmt1"]) == ({offpre0}, {offpre1}), e
    assert e["off_beam_arrival_ns"] == {offarrival} or (np.isnan(e["off_beam_arrival_ns"]) and np.isnan({offarrival})), e

    blocks = f["blocks"][:]
    assert list(blocks["events_begin"]) == [0, 5, 5, 6, 6] and list(blocks["events_end"]) == [5, 5, 6, 6, 18]
    b = blocks[4]
    assert (events[int(b["events_begin"]):int(b["events_end"])]["trigger_id"] >= b["first_trigger"]).all()
    assert b["protons_on_target"] == 7.5e13 and f["blocks"].attrs["units"].decode().startswith("index: 1;")
with h5py.File(killed, "r", swmr=True) as f:
    assert f["run/complete"][0] == 0 and f["run/blocks_written"][0] == 2
    n = int(f["blocks"][1]["events_end"])
    assert len(f["events"][:n]) == 5
)",
      fmt::arg("version", cevns::version()), fmt::arg("seed", info.raw.seed), fmt::arg("trigger_id", e.trigger_id),
      fmt::arg("crystal", e.crystal), fmt::arg("truth_source", e.truth_source), fmt::arg("truth_npe", e.truth_npe),
      fmt::arg("npe0", e.npe[0]), fmt::arg("npe1", e.npe[1]), fmt::arg("pre0", e.pretrace_npe[0]),
      fmt::arg("pre1", e.pretrace_npe[1]), fmt::arg("arrival", e.arrival_ns), fmt::arg("flags", e.flags),
      fmt::arg("time_s", fmt::format("{}", e.time_s)), fmt::arg("off0", e.off_beam_npe[0]),
      fmt::arg("off1", e.off_beam_npe[1]), fmt::arg("offpre0", e.off_beam_pretrace_npe[0]),
      fmt::arg("offpre1", e.off_beam_pretrace_npe[1]), fmt::arg("offarrival", fmt::format("float('{}')", e.off_beam_arrival_ns)));
  EXPECT_EQ(run_python(dir, script, {dir / "reduced.h5", with_part(dir / "killed.h5")}), 0)
      << "the h5py check failed (its message is above)";
}

/// A file of format version 2 — before the off-beam window — is still read: the same
/// rows, without off-beam data (off_beam_window_start_us unset, the off-beam fields at
/// their defaults: 0 PE, no pulse). Made by h5py from a version-3 file as version 2 wrote
/// it: /events without the five off-beam columns, no attribute off_beam_window_start_us.
TEST(ReducedFile, FormatVersion2IsReadWithoutTheOffBeamWindow) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 (apt-get install python3-h5py)";
  const TempDir dir;
  const auto info = run_info();
  auto blocks = write_file(dir / "v2.h5", info, some_blocks(info));
  const std::string script = R"(
import sys, h5py, numpy as np
from numpy.lib import recfunctions
with h5py.File(sys.argv[1], "r+") as f:
    old = f["events"]
    keep = [n for n in old.dtype.names if not n.startswith("off_beam")]
    assert len(keep) == len(old.dtype.names) - 5
    rows = recfunctions.repack_fields(old[:][keep])
    units = old.attrs["units"].decode().split("; off_beam_npe_pmt0")[0]
    description, chunks = old.attrs["description"], old.chunks
    del f["events"]
    new = f.create_dataset("events", data=rows, maxshape=(None,), chunks=chunks, fletcher32=True)
    new.attrs["units"], new.attrs["description"] = np.bytes_(units), description
    del f.attrs["off_beam_window_start_us"]
    f.attrs.modify("format_version", np.uint32(2))
)";
  ASSERT_EQ(run_python(dir, script, {dir / "v2.h5"}), 0) << "the h5py conversion failed (its message is above)";
  auto expected = info;
  expected.off_beam_window_start_us.reset();
  const CrystalEvent none;
  for (auto& b : blocks)
    for (auto& e : b.events) {
      e.off_beam_npe[0] = e.off_beam_npe[1] = none.off_beam_npe[0];
      e.off_beam_pretrace_npe[0] = e.off_beam_pretrace_npe[1] = none.off_beam_pretrace_npe[0];
      e.off_beam_arrival_ns = none.off_beam_arrival_ns;
    }
  expect_round_trip(dir / "v2.h5", expected, blocks);
  EXPECT_EQ(none.off_beam_npe[1], 0.0F);
  EXPECT_TRUE(std::isnan(none.off_beam_arrival_ns));
}

/// A file whose numbers were rewritten by h5py (which keeps the checksums right) so that
/// they contradict the layout is refused, with a message naming the dataset and the row.
TEST(ReducedFile, InconsistentFilesAreRefusedNamingDatasetAndRow) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 (apt-get install python3-h5py)";
  const TempDir dir;
  const auto info = run_info();
  write_file(dir / "reduced.h5", info, some_blocks(info));  // events_begin 0, 5, 5, 6, 6; events_end 5, 5, 6, 6, 18
  const auto read_everything = [](const fs::path& path) {
    const ReducedFileReader reader(path);
    for (std::uint64_t i = 0; i < reader.block_count(); ++i) (void)reader.read_block(i);
    (void)reader.read_all_events();
  };
  ASSERT_NO_THROW(read_everything(dir / "reduced.h5"));

  const auto set = [](const char* table, int row, const char* field, const char* value) {
    return fmt::format("r = f['{0}'][{1}]\nr['{2}'] = {3}\nf['{0}'][{1}] = r", table, row, field, value);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {set("blocks", 2, "events_begin", "4"), "row 2 of /blocks: events_begin, events_end = [4, 6), but must start at 5"},
      {set("blocks", 4, "events_end", "2"), "row 4 of /blocks: events_begin, events_end = [6, 2)"},
      {set("blocks", 4, "events_end", "19"), "row 4 of /blocks: events_begin, events_end = [6, 19)"},
      {set("blocks", 1, "trigger_count", "r['trigger_count'] * 1000"), "row 1 of /blocks: trigger_count = 8000"},
      {set("blocks", 3, "vetoed_triggers", "9"), "row 3 of /blocks: vetoed_triggers = 9, more than its trigger_count = 8"},
      {set("blocks", 0, "protons_on_target", "-5.0"), "row 0 of /blocks: protons_on_target = -5"},
      {set("events", 3, "npe_pmt1", "np.nan"), "row 3 of /events (block 0): npe_pmt0, npe_pmt1, pretrace_npe_pmt0 or "
                                              "pretrace_npe_pmt1 is not finite"},
      {set("events", 7, "pretrace_npe_pmt0", "np.inf"), "row 7 of /events (block 4)"},
      {set("events", 2, "arrival_ns", "np.inf"), "row 2 of /events (block 0): arrival_ns is infinite"},
      {set("events", 5, "trigger_id", "r['trigger_id'] - 1"), "row 5 of /events (block 2): trigger_id = 15 is outside"},
      {set("events", 4, "crystal", "15"), "row 4 of /events (block 0): crystal = 15, the run has 15"},
      {"e = f['events'][0:2]\nf['events'][0:2] = e[::-1]", "row 1 of /events (block 0): out of order"},
      {set("events", 9, "flags", "8"), "row 9 of /events (block 4): flags = 8"},
      {set("events", 17, "truth_source", "3"), "row 17 of /events (block 4): truth_source = 3"},
      {set("events", 0, "protons_on_target", "np.nan"), "row 0 of /events (block 0): protons_on_target = nan"},
      {set("events", 6, "off_beam_npe_pmt1", "np.nan"), "row 6 of /events (block 4): off_beam_npe_pmt0, "
                                                       "off_beam_npe_pmt1, off_beam_pretrace_npe_pmt0 or "
                                                       "off_beam_pretrace_npe_pmt1 is not finite"},
      {set("events", 8, "off_beam_arrival_ns", "-np.inf"), "row 8 of /events (block 4): off_beam_arrival_ns is infinite"},
      {"f.attrs.modify('off_beam_window_start_us', 31.0)",
       "attribute off_beam_window_start_us = 31 (the off-beam window of 5000 samples must lie in the pretrace of 20000"},
      {"f.attrs.modify('adc_bits', 40)", "attribute adc_bits = 40 (must be in [8, 15])"},
      {"f.attrs.modify('pretrace_samples', 30000)", "attribute pretrace_samples = 30000 (must be below"},
      {"f.attrs.modify('crystals', 0)", "row 0 of /run/channels is on crystal 0, but the run has 0 crystals"},
      {"f['run/spe_charge'][3] = 0", "row 3 of /run/spe_charge = 0 (must be a positive number)"},
      {"f['run/blocks_written'][0] = 6", "/run/blocks_written = 6 but /blocks has 5 rows"},
  };
  std::string script = "import sys, h5py, numpy as np\n";
  std::vector<fs::path> copies;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    copies.push_back(dir / fmt::format("tampered{}.h5", i));
    fs::copy_file(dir / "reduced.h5", copies.back());
    std::string body = cases[i].first;
    for (std::size_t at = 0; (at = body.find('\n', at)) != std::string::npos; at += 5) body.replace(at, 1, "\n    ");
    script += fmt::format("with h5py.File(sys.argv[{}], 'r+') as f:\n    {}\n", i + 1, body);
  }
  ASSERT_EQ(run_python(dir, script, copies), 0) << "the h5py script failed (its message is above)";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    const std::string message = error_of([&] { read_everything(copies[i]); });
    EXPECT_CONTAINS(message, cases[i].second);
    EXPECT_CONTAINS(message, "the file is damaged");
  }
}

/// The h5py example of docs/reduced-format.md runs, and sums the exposure of every block.
TEST(ReducedFile, TheDocumentedH5pyExampleRuns) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 (apt-get install python3-h5py)";
  std::ifstream in(std::string(CEVNS_SOURCE_DIR) + "/docs/reduced-format.md");
  const std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto begin = doc.find("```python\n");
  const auto end = doc.find("\n```", begin + 1);
  ASSERT_NE(end, std::string::npos) << "no ```python block in docs/reduced-format.md";
  std::string script = "import sys\n" + doc.substr(begin + 10, end - begin - 10);
  const auto at = script.find("\"run.reduced.h5\"");
  ASSERT_NE(at, std::string::npos) << "the example does not read \"run.reduced.h5\"";
  script.replace(at, 16, "sys.argv[1]");

  const TempDir dir;
  const auto info = run_info();
  const auto blocks = write_file(dir / "reduced.h5", info, some_blocks(info));
  double pot = 0.0;
  for (const auto& b : blocks) pot += b.protons_on_target;
  std::ofstream(dir / "example.py") << script;
  const int status = std::system(fmt::format("/usr/bin/python3 '{}' '{}' > '{}'", (dir / "example.py").string(),
                                             (dir / "reduced.h5").string(), (dir / "example.out").string())
                                     .c_str());
  EXPECT_EQ(status, 0) << "the example failed (its message is above)";
  std::ifstream out(dir / "example.out");
  const std::string output{std::istreambuf_iterator<char>(out), std::istreambuf_iterator<char>()};
  EXPECT_CONTAINS(output, fmt::format("off-beam, protons on target {:.4g}", pot));
  EXPECT_CONTAINS(output, "off-beam window at 30.0 µs");
}

}  // namespace
}  // namespace cevns::io
