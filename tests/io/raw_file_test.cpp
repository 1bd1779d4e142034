#include <gtest/gtest.h>

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
#include <fmt/ranges.h>

#include "cevns/core/error.hpp"
#include "cevns/io/raw_file.hpp"
#include "temp_dir.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;
using daq::TriggerBlock;
using daq::WaveformMode;

using cevns::test::TempDir;

fs::path with_part(fs::path path) { return path += ".part"; }

/// CICENNS-like: 15 crystals read out by 2 PMTs each.
daq::RunInfo run_info(WaveformMode mode, std::uint32_t samples, std::uint16_t channels = 30) {
  daq::RunInfo info;
  info.cevns_version = "0.1.0-test";
  info.experiment = "CICENNS";
  info.config_toml = "[experiment]\nname = \"CICENNS\"\n\n[daq]\nmode = \"test\"  # ünïcode\n";
  info.seed = 0xC0FFEE'0000'1234ULL;
  info.mode = mode;
  info.sampling_rate_GHz = 0.5;
  info.samples_per_waveform = samples;
  info.pretrace_samples = samples * 4 / 5;
  info.adc_bits = 14;
  info.baseline_adc = 1000.5;
  info.trigger_rate_Hz = 25.0;
  info.triggers_per_block = 4;
  for (std::uint16_t ch = 0; ch < channels; ++ch)
    info.channels.push_back({fmt::format("crystal{}/pmt{}", ch / 2, ch % 2), static_cast<std::uint16_t>(ch / 2),
                             static_cast<std::uint16_t>(ch % 2)});
  info.sources = {"cevns", "dark counts", "afterglow"};
  return info;
}

/// A block of `triggers_per_block` triggers (full mode: `recorded`) from `first_trigger`;
/// `recorded` of them are stored (all in full mode). Every value depends on the block and
/// the row, so mix-ups show; the beam record agrees with the stored triggers, as the
/// reader checks.
TriggerBlock make_block(const daq::RunInfo& info, std::uint64_t index, std::size_t recorded,
                        std::size_t segments_per_trigger, std::size_t truth_per_trigger, std::uint64_t first_trigger) {
  TriggerBlock b;
  b.index = index;
  b.first_trigger = first_trigger;
  b.trigger_count = info.mode == WaveformMode::full ? recorded : info.triggers_per_block;
  b.protons_on_target = 1.5e13 * static_cast<double>(index + 1);
  const std::size_t channels = info.channels.size();
  for (std::size_t t = 0; t < recorded; ++t) {
    const std::uint64_t id = b.first_trigger + t;
    b.triggers.push_back({id, 0.04 * static_cast<double>(id) + 1e-9, 2.5e12F + static_cast<float>(t), t % 2 == 0,
                          t % 3 == 1, static_cast<std::uint32_t>(0x80000001U >> t)});
    if (info.mode == WaveformMode::full) {
      for (std::size_t ch = 0; ch < channels; ++ch)
        for (std::uint32_t s = 0; s < info.samples_per_waveform; ++s)
          b.waveforms.push_back(static_cast<std::int16_t>((index * 7 + t * 13 + ch * 31 + s) % 16384));
    }
    // Segments by channel, then time, as the reader requires.
    std::vector<std::pair<std::uint16_t, std::size_t>> order;  // (channel, k)
    for (std::size_t k = 0; k < segments_per_trigger; ++k)
      order.emplace_back(static_cast<std::uint16_t>((k * 7 + t) % channels), k);
    std::sort(order.begin(), order.end());
    for (const auto& [channel, k] : order) {
      const auto length = static_cast<std::uint32_t>(5 + k + t);
      b.segments.trigger_id.push_back(id);
      b.segments.channel.push_back(channel);
      b.segments.first_sample.push_back(static_cast<std::uint32_t>(100 * k + t));
      b.segments.length.push_back(length);
      b.segments.offset.push_back(b.segments.samples.size());
      for (std::uint32_t s = 0; s < length; ++s)
        b.segments.samples.push_back(static_cast<std::int16_t>(1000 - static_cast<int>(s * 3 + k + index)));
    }
    for (std::size_t k = 0; k < truth_per_trigger; ++k) {
      b.interactions.push_back({id, 10.0F * static_cast<float>(k), 3.5F + static_cast<float>(t), 0.25F,
                                static_cast<std::uint32_t>(40 + k), static_cast<std::uint16_t>(k % ((channels + 1) / 2)),
                                static_cast<std::uint16_t>(k % 3)});
      b.photoelectrons.push_back({id, 1.25F * static_cast<float>(k), 0.9F, static_cast<std::uint16_t>(k % channels),
                                  static_cast<std::uint16_t>(k % 3)});
    }
  }
  for (const auto& t : b.triggers) {
    b.beam_on_triggers += t.beam_on ? 1 : 0;
    b.vetoed_triggers += t.veto ? 1 : 0;
  }
  if (b.trigger_count > recorded) b.beam_on_triggers += 1;  // beam on in a trigger not stored
  return b;
}

/// Block `index` of a run whose blocks all have the same number of triggers.
TriggerBlock make_block(const daq::RunInfo& info, std::uint64_t index, std::size_t recorded,
                        std::size_t segments_per_trigger, std::size_t truth_per_trigger) {
  const std::uint64_t per_block = info.mode == WaveformMode::full ? recorded : info.triggers_per_block;
  return make_block(info, index, recorded, segments_per_trigger, truth_per_trigger, index * per_block);
}

void expect_same_info(const daq::RunInfo& a, const daq::RunInfo& b) {
  EXPECT_EQ(a.cevns_version, b.cevns_version);
  EXPECT_EQ(a.experiment, b.experiment);
  EXPECT_EQ(a.config_toml, b.config_toml);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.sampling_rate_GHz, b.sampling_rate_GHz);
  EXPECT_EQ(a.samples_per_waveform, b.samples_per_waveform);
  EXPECT_EQ(a.pretrace_samples, b.pretrace_samples);
  EXPECT_EQ(a.adc_bits, b.adc_bits);
  EXPECT_EQ(a.baseline_adc, b.baseline_adc);
  EXPECT_EQ(a.trigger_rate_Hz, b.trigger_rate_Hz);
  EXPECT_EQ(a.triggers_per_block, b.triggers_per_block);
  ASSERT_EQ(a.channels.size(), b.channels.size());
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    EXPECT_EQ(a.channels[i].name, b.channels[i].name) << i;
    EXPECT_EQ(a.channels[i].crystal, b.channels[i].crystal) << i;
    EXPECT_EQ(a.channels[i].side, b.channels[i].side) << i;
  }
  EXPECT_EQ(a.sources, b.sources);
}

void expect_same_block(const TriggerBlock& a, const TriggerBlock& b) {
  SCOPED_TRACE(fmt::format("block {}", a.index));
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.first_trigger, b.first_trigger);
  EXPECT_EQ(a.trigger_count, b.trigger_count);
  EXPECT_EQ(a.protons_on_target, b.protons_on_target);
  EXPECT_EQ(a.beam_on_triggers, b.beam_on_triggers);
  EXPECT_EQ(a.vetoed_triggers, b.vetoed_triggers);
  ASSERT_EQ(a.triggers.size(), b.triggers.size());
  for (std::size_t i = 0; i < a.triggers.size(); ++i) {
    const auto &x = a.triggers[i], &y = b.triggers[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.time_s, y.time_s);
    EXPECT_EQ(x.protons_on_target, y.protons_on_target);
    EXPECT_EQ(x.beam_on, y.beam_on);
    EXPECT_EQ(x.veto, y.veto);
    EXPECT_EQ(x.veto_mask, y.veto_mask);
  }
  EXPECT_EQ(a.waveforms, b.waveforms);
  EXPECT_EQ(a.segments.trigger_id, b.segments.trigger_id);
  EXPECT_EQ(a.segments.channel, b.segments.channel);
  EXPECT_EQ(a.segments.first_sample, b.segments.first_sample);
  EXPECT_EQ(a.segments.length, b.segments.length);
  EXPECT_EQ(a.segments.offset, b.segments.offset);
  EXPECT_EQ(a.segments.samples, b.segments.samples);
  ASSERT_EQ(a.interactions.size(), b.interactions.size());
  for (std::size_t i = 0; i < a.interactions.size(); ++i) {
    const auto &x = a.interactions[i], &y = b.interactions[i];
    EXPECT_EQ(x.trigger_id, y.trigger_id);
    EXPECT_EQ(x.time_ns, y.time_ns);
    EXPECT_EQ(x.recoil_keVnr, y.recoil_keVnr);
    EXPECT_EQ(x.visible_keVee, y.visible_keVee);
    EXPECT_EQ(x.photoelectrons, y.photoelectrons);
    EXPECT_EQ(x.crystal, y.crystal);
    EXPECT_EQ(x.source, y.source);
  }
  ASSERT_EQ(a.photoelectrons.size(), b.photoelectrons.size());
  for (std::size_t i = 0; i < a.photoelectrons.size(); ++i) {
    const auto &x = a.photoelectrons[i], &y = b.photoelectrons[i];
    EXPECT_EQ(x.trigger_id, y.trigger_id);
    EXPECT_EQ(x.time_ns, y.time_ns);
    EXPECT_EQ(x.charge, y.charge);
    EXPECT_EQ(x.channel, y.channel);
    EXPECT_EQ(x.source, y.source);
  }
}

/// Writes `blocks` and closes; returns the blocks for comparison.
std::vector<TriggerBlock> write_run(const fs::path& path, const daq::RunInfo& info, std::vector<TriggerBlock> blocks) {
  RawFileWriter writer(path, info);
  for (const auto& b : blocks) writer.write(b);
  writer.close();
  return blocks;
}

void expect_round_trip(const fs::path& path, const daq::RunInfo& info, const std::vector<TriggerBlock>& blocks) {
  const RawFileReader reader(path);
  expect_same_info(reader.info(), info);
  EXPECT_TRUE(reader.complete());
  ASSERT_EQ(reader.block_count(), blocks.size());
  for (const auto& b : blocks) expect_same_block(reader.read_block(b.index), b);
  EXPECT_THROW((void)reader.read_block(blocks.size()), std::out_of_range);
}

std::vector<TriggerBlock> full_blocks(const daq::RunInfo& info) {
  return {make_block(info, 0, 3, 0, 4, 0), make_block(info, 1, 0, 0, 0, 3), make_block(info, 2, 4, 0, 1, 3),
          make_block(info, 3, 1, 0, 0, 7)};
}

std::vector<TriggerBlock> zero_suppressed_blocks(const daq::RunInfo& info) {
  return {make_block(info, 0, 3, 2, 5),  // segments and truth
          make_block(info, 1, 0, 0, 0),  // nothing recorded
          make_block(info, 2, 2, 0, 0),  // triggers (veto tags) without segments
          make_block(info, 3, 4, 3, 2)};
}

TEST(RawFile, FullModeRoundTrip) {
  const TempDir dir;
  const auto path = dir / "full.h5";
  const auto info = run_info(WaveformMode::full, 64);
  const auto blocks = write_run(path, info, full_blocks(info));
  EXPECT_TRUE(fs::exists(path));
  EXPECT_FALSE(fs::exists(with_part(path)));
  expect_round_trip(path, info, blocks);
}

TEST(RawFile, ZeroSuppressedRoundTrip) {
  const TempDir dir;
  const auto path = dir / "nested" / "zs.h5";  // the directory is created
  const auto info = run_info(WaveformMode::zero_suppressed, 50000);
  const auto blocks = write_run(path, info, zero_suppressed_blocks(info));
  expect_round_trip(path, info, blocks);
}

TEST(RawFile, RunWithoutBlocks) {
  const TempDir dir;
  const auto path = dir / "empty.h5";
  auto info = run_info(WaveformMode::zero_suppressed, 100, 1);
  info.sources.clear();
  info.config_toml.clear();
  write_run(path, info, {});
  expect_round_trip(path, info, {});
}

TEST(RawFile, BlocksMustComeInOrder) {
  const TempDir dir;
  const auto info = run_info(WaveformMode::full, 16, 2);
  RawFileWriter writer(dir / "order.h5", info);
  try {
    writer.write(make_block(info, 1, 1, 0, 0));
    FAIL() << "block 1 before block 0 was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("expected block 0"), std::string::npos) << e.what();
  }
  writer.write(make_block(info, 0, 1, 0, 0));
  EXPECT_THROW(writer.write(make_block(info, 0, 1, 0, 0)), IoError);
  writer.write(make_block(info, 1, 1, 0, 0));
  writer.close();
  EXPECT_EQ(RawFileReader(dir / "order.h5").block_count(), 2u);
}

TEST(RawFile, BlocksThatDoNotMatchTheRunAreRefused) {
  const TempDir dir;
  const auto info = run_info(WaveformMode::full, 16, 2);
  RawFileWriter writer(dir / "bad.h5", info);
  auto block = make_block(info, 0, 2, 0, 0);
  block.waveforms.pop_back();
  try {
    writer.write(block);
    FAIL() << "a block with a missing sample was accepted";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("expected 2 triggers × 2 channels × 16 samples"), std::string::npos)
        << e.what();
  }
  // The refusal leaves the writer usable.
  writer.write(make_block(info, 0, 2, 0, 0));
  writer.close();

  const auto zs_info = run_info(WaveformMode::zero_suppressed, 16, 2);
  RawFileWriter zs(dir / "bad_zs.h5", zs_info);
  auto zs_block = make_block(zs_info, 0, 2, 2, 0);
  zs_block.segments.offset.back() = zs_block.segments.samples.size();
  EXPECT_THROW(zs.write(zs_block), IoError);
}

TEST(RawFile, WriterDestroyedWithoutCloseLeavesAnIncompletePart) {
  const TempDir dir;
  const auto path = dir / "abandoned.h5";
  const auto info = run_info(WaveformMode::zero_suppressed, 1000);
  const auto blocks = zero_suppressed_blocks(info);
  {
    RawFileWriter writer(path, info);
    writer.write(blocks[0]);
    writer.write(blocks[1]);
  }
  EXPECT_FALSE(fs::exists(path));
  const RawFileReader reader(with_part(path));
  EXPECT_FALSE(reader.complete());
  ASSERT_EQ(reader.block_count(), 2u);
  expect_same_block(reader.read_block(1), blocks[1]);
}

/// A child process writes three blocks and dies without closing the file (_exit runs no
/// destructors or HDF5 clean-up, as a kill would): the parent reads the three blocks.
void check_killed_run(WaveformMode mode) {
  const TempDir dir;
  const auto path = dir / "killed.h5";
  const auto info = run_info(mode, mode == WaveformMode::full ? 500 : 50000, 8);
  const auto blocks = mode == WaveformMode::full ? full_blocks(info) : zero_suppressed_blocks(info);
  const pid_t child = fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) {
    try {
      auto* writer = new RawFileWriter(path, info);  // never deleted: the process just ends
      for (int i = 0; i < 3; ++i) writer->write(blocks[i]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      _exit(1);
    }
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the writing child failed";

  EXPECT_FALSE(fs::exists(path));
  ASSERT_TRUE(fs::exists(with_part(path)));
  const RawFileReader reader(with_part(path));
  expect_same_info(reader.info(), info);
  EXPECT_FALSE(reader.complete());
  ASSERT_EQ(reader.block_count(), 3u);
  for (int i = 0; i < 3; ++i) expect_same_block(reader.read_block(i), blocks[i]);
}

TEST(RawFile, KilledFullModeRunKeepsItsFinishedBlocks) { check_killed_run(WaveformMode::full); }
TEST(RawFile, KilledZeroSuppressedRunKeepsItsFinishedBlocks) { check_killed_run(WaveformMode::zero_suppressed); }

/// A real SIGKILL at an arbitrary moment of a run that never ends: the parent watches
/// the growing .part as a SWMR reader, kills the writer once it has 5 blocks, and then
/// finds every block the file counts intact.
TEST(RawFile, SigkillMidRunKeepsEveryCountedBlock) {
  const TempDir dir;
  const auto path = dir / "sigkill.h5";
  const auto info = run_info(WaveformMode::zero_suppressed, 50000, 8);
  const auto block = [&](std::uint64_t i) { return make_block(info, i, i % 4, 3, 20); };
  const pid_t child = fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) {
    try {
      RawFileWriter writer(path, info);
      for (std::uint64_t i = 0;; ++i) writer.write(block(i));
    } catch (...) {
      _exit(1);
    }
  }
  std::uint64_t seen = 0;
  for (int attempt = 0; attempt < 10000 && seen < 5; ++attempt) {
    try {
      seen = RawFileReader(with_part(path)).block_count();
    } catch (const IoError&) {  // not created yet, or still creating its datasets
    }
    if (seen < 5) usleep(1000);
  }
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped before it was killed";
  ASSERT_GE(seen, 5u) << "the writer did not get to 5 blocks in 10 s";

  const RawFileReader reader(with_part(path));
  EXPECT_FALSE(reader.complete());
  ASSERT_GE(reader.block_count(), seen);
  for (std::uint64_t i = 0; i < reader.block_count(); ++i) expect_same_block(reader.read_block(i), block(i));
}

/// The message of the IoError that reading `path` throws ("" if none).
std::string read_error(const fs::path& path) {
  try {
    const RawFileReader reader(path);
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(RawFile, MissingFileIsAClearError) {
  const TempDir dir;
  const auto message = read_error(dir / "nothing.h5");
  EXPECT_CONTAINS(message, "nothing.h5 (no such file); check the path");
}

TEST(RawFile, TruncatedFileIsAClearError) {
  const TempDir dir;
  const auto info = run_info(WaveformMode::full, 256, 8);
  write_run(dir / "run.h5", info, full_blocks(info));
  fs::copy_file(dir / "run.h5", dir / "cut.h5");
  fs::resize_file(dir / "cut.h5", fs::file_size(dir / "run.h5") / 2);
  const auto message = read_error(dir / "cut.h5");
  EXPECT_CONTAINS(message, "cannot read ");
  EXPECT_CONTAINS(message, "truncated");
  EXPECT_CONTAINS(message, "copy it again or re-run the simulation");
}

TEST(RawFile, NonHdf5FileIsAClearError) {
  const TempDir dir;
  std::ofstream(dir / "notes.h5") << "these are not the data you are looking for\n";
  EXPECT_CONTAINS(read_error(dir / "notes.h5"), "(not an HDF5 file)");
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

TEST(RawFile, HdfFileOfAnotherFormatIsAClearError) {
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
  EXPECT_CONTAINS(read_error(dir / "other.h5"), "its format is 'other-format', not 'cevns-raw'");

  // FORMAT = "cevns-raw", VERSION = 3
  write_sparse(dir / "future.h5",
               {{0, "894844460d0a1a0a030808"},
                {20,
                 "ffffffffffffffffd6000000000000003000000000000000f00a94bb4f4844520220694a0f6b694a0f6b694a0f6b694a"
                 "0f6b8b021200000000ffffffffffffffffffffffffffffffff0a0200010000151200040000ffffffffffffffffffffff"
                 "ffffffffff0c250000030007000800040000666f726d6174001301000009000000020000006365766e732d7261770c2c"
                 "000003000f000c00040000666f726d61745f76657273696f6e0010000000040000000000200002000000030000006fe4"
                 "1058"}});
  EXPECT_CONTAINS(read_error(dir / "future.h5"), "format_version 3 is not supported; this cevns reads version 2");

  // Format version 1, whose strings (even `format`) were of variable length.
  write_sparse(dir / "old.h5",
               {{0, "894844460d0a1a0a030808"},
                {20,
                 "ffffffffffffffff00180000000000003000000000000000418989074f4844520220694a0f6b694a0f6b694a0f6b694a"
                 "0f6b9e021200000000ffffffffffffffffffffffffffffffff0a0200010000151200040000ffffffffffffffffffffff"
                 "ffffffffff0c380000030007001400040000666f726d6174001901010010000000100000000100000000000800020000"
                 "00090000000008000000000000010000000c2c000003000f000c00040000666f726d61745f76657273696f6e00100000"
                 "0004000000000020000200000001000000bb3680cb"},
                {2048, "47434f4c010000000010000000000000010000000000000009000000000000006365766e732d726177"},
                {2104, "d00f"}});
  EXPECT_CONTAINS(read_error(dir / "old.h5"),
                  "format_version 1 is not supported; this cevns reads version 2, whose strings HDF5 checks for damage");
}

/// Runs `script` with the system's Python 3 and h5py, the file paths as arguments.
int run_python(const TempDir& dir, const std::string& script, const std::vector<fs::path>& files) {
  const auto script_path = dir / "check.py";
  std::ofstream(script_path) << script;
  std::string command = "/usr/bin/python3 " + script_path.string();
  for (const auto& f : files) command += " '" + f.string() + "'";
  return std::system(command.c_str());
}

TEST(RawFile, H5pyReadsTheFiles) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 (apt-get install python3-h5py)";
  const TempDir dir;
  const auto full_info = run_info(WaveformMode::full, 64);
  const auto full = write_run(dir / "full.h5", full_info, full_blocks(full_info));
  const auto zs_info = run_info(WaveformMode::zero_suppressed, 50000);
  const auto zs = write_run(dir / "zs.h5", zs_info, zero_suppressed_blocks(zs_info));
  {  // a killed run: the writer is abandoned without close
    RawFileWriter writer(dir / "killed.h5", zs_info);
    writer.write(zs[0]);
    writer.write(zs[1]);
  }
  const TriggerBlock& b = full[2];
  const std::size_t samples = full_info.samples_per_waveform;
  const std::size_t trigger_row = full[0].triggers.size() + full[1].triggers.size() + 1;  // b.triggers[1]
  const auto expected_adc = b.waveforms[(1 * 30 + 29) * samples + 17];
  const auto& seg = zs[3].segments;
  const std::string script = fmt::format(
      R"(
import sys, h5py, numpy as np
full, zs, killed = sys.argv[1:4]
with h5py.File(full, "r") as f:
    assert f.attrs["format"].decode() == "cevns-raw", f.attrs["format"]
    assert f.attrs["format_version"] == 2 and f.attrs["mode"].decode() == "full"
    assert f.attrs["seed"] == {seed} and f["run/complete"][0] == 1 and f["run/blocks_written"][0] == 4
    assert "ünïcode" in f["run/config_toml"].asstr()[0]
    assert f["run/channels"]["name"][29].decode() == "crystal14/pmt1"
    t = f["triggers"][:]
    assert t.dtype.names == ("id", "time_s", "protons_on_target", "beam_on", "veto", "veto_mask"), t.dtype
    assert len(t) == {full_triggers} and t["id"][{trigger_row}] == {trigger_id}
    assert f["triggers"].attrs["units"].decode().startswith("id: 1; time_s: s;")
    adc = f["waveforms/adc"]
    assert adc.shape == ({full_triggers}, 30, {samples}) and adc.dtype == np.int16
    assert adc.attrs["units"].decode() == "ADC counts"
    assert adc[{trigger_row}, 29, 17] == {expected_adc}, adc[{trigger_row}, 29, 17]
    blocks = f["blocks"][:]
    assert blocks["triggers_begin"][2] == {trigger_begin} and blocks["triggers_end"][2] == {trigger_end}
with h5py.File(zs, "r") as f:
    assert f.attrs["mode"].decode() == "zero-suppressed" and "adc" not in f["waveforms"]
    row = f["blocks"][3]
    s = f["waveforms/segments"][int(row["segments_end"]) - 1]  # int(): uint64 - 1 is a float in numpy
    values = f["waveforms/samples"][int(s["offset"]) : int(s["offset"]) + int(s["length"])]
    assert s["first_sample"] == {first_sample} and s["length"] == {length}, s
    assert list(values) == {values}, values
    assert len(f["truth/photoelectrons"]) == {pe} and f["truth/interactions"].attrs["units"]
with h5py.File(killed, "r", swmr=True) as f:
    assert f["run/complete"][0] == 0 and f["run/blocks_written"][0] == 2
)",
      fmt::arg("seed", full_info.seed), fmt::arg("full_triggers", 8), fmt::arg("trigger_row", trigger_row),
      fmt::arg("trigger_id", b.triggers[1].id), fmt::arg("samples", samples), fmt::arg("expected_adc", expected_adc),
      fmt::arg("trigger_begin", trigger_row - 1), fmt::arg("trigger_end", trigger_row - 1 + b.triggers.size()),
      fmt::arg("first_sample", seg.first_sample.back()), fmt::arg("length", seg.length.back()),
      fmt::arg("values", fmt::format("[{}]", fmt::join(std::vector<std::int16_t>(
                                                           seg.samples.begin() + static_cast<long>(seg.offset.back()),
                                                           seg.samples.end()),
                                                       ", "))),
      fmt::arg("pe", 3 * 5 + 4 * 2));
  EXPECT_EQ(run_python(dir, script, {dir / "full.h5", dir / "zs.h5", with_part(dir / "killed.h5")}), 0)
      << "the h5py check failed (its message is above)";
}

/// A file whose numbers were rewritten by h5py (which keeps the checksums right) so that
/// they contradict the layout is refused, with a message naming the dataset and the row
/// (or the attribute).
void read_everything(const fs::path& path) {
  const RawFileReader reader(path);
  for (std::uint64_t i = 0; i < reader.block_count(); ++i) (void)reader.read_block(i);
}

TEST(RawFile, InconsistentRunsAreRefusedNamingDatasetAndRow) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 (apt-get install python3-h5py)";
  const TempDir dir;
  const auto zs_info = run_info(WaveformMode::zero_suppressed, 50000, 8);
  write_run(dir / "zs.h5", zs_info, zero_suppressed_blocks(zs_info));
  const auto full_info = run_info(WaveformMode::full, 64, 8);
  write_run(dir / "full.h5", full_info, full_blocks(full_info));
  ASSERT_NO_THROW(read_everything(dir / "zs.h5"));
  ASSERT_NO_THROW(read_everything(dir / "full.h5"));

  // A row of a table, changed: `table`[row][field] = value.
  const auto set = [](const char* table, int row, const char* field, const char* value) {
    return fmt::format("r = f['{0}'][{1}]\nr['{2}'] = {3}\nf['{0}'][{1}] = r", table, row, field, value);
  };
  const std::vector<std::pair<std::string, std::string>> zs_cases = {
      {set("blocks", 1, "trigger_count", "r['trigger_count'] * 1000"),
       "row 1 of /blocks: trigger_count = 4000, more than triggers_per_block = 4"},
      {set("blocks", 0, "beam_on_triggers", "5"), "row 0 of /blocks: beam_on_triggers = 5, more than its trigger_count = 4"},
      {set("blocks", 2, "protons_on_target", "-1e12"), "row 2 of /blocks: protons_on_target = -1000000000000"},
      {set("blocks", 3, "protons_on_target", "np.nan"), "row 3 of /blocks: protons_on_target = nan"},
      {set("blocks", 2, "first_trigger", "0"), "row 2 of /blocks: first_trigger = 0, but the previous blocks end at trigger 8"},
      {set("blocks", 2, "triggers_end", "1"), "row 2 of /blocks: triggers_begin, triggers_end = [3, 1)"},
      {set("blocks", 0, "segments_end", "5"), "row 1 of /blocks: segments_begin, segments_end = [6, 6), but must start at 5"},
      {set("blocks", 3, "index", "7"), "row 3 of /blocks: index = 7"},
      {"t = f['triggers'][:]\nt['id'] = 0\nf['triggers'][:] = t", "row 1 of /triggers (block 0): id = 0 does not increase"},
      {set("triggers", 4, "protons_on_target", "np.nan"), "row 4 of /triggers (block 2): protons_on_target = nan"},
      {set("triggers", 0, "time_s", "-np.inf"), "row 0 of /triggers (block 0): time_s = -inf"},
      {"s = f['waveforms/segments'][:2]\nf['waveforms/segments'][:2] = s[::-1]",
       "row 1 of /waveforms/segments (block 0): out of order"},
      {set("waveforms/segments", 0, "first_sample", "49999"), "row 0 of /waveforms/segments (block 0): samples [49999, 50004)"},
      {set("waveforms/segments", 0, "trigger_id", "3"), "row 0 of /waveforms/segments (block 0): trigger_id = 3 is not a stored trigger"},
      {set("truth/photoelectrons", 0, "channel", "8"), "row 0 of /truth/photoelectrons (block 0): channel 8 or source 0 does not exist"},
      {set("truth/interactions", 0, "trigger_id", "4"), "row 0 of /truth/interactions (block 0): trigger_id = 4 is outside the block"},
      {"f.attrs.modify('pretrace_samples', 50000)", "attribute pretrace_samples = 50000 (must be below samples_per_waveform = 50000)"},
      {"f.attrs.modify('adc_bits', 40)", "attribute adc_bits = 40 (must be in [8, 15])"},
      {"f.attrs.modify('sampling_rate_GHz', 0.0)", "attribute sampling_rate_GHz = 0 (must be in (0, 1000] GHz)"},
      {"f.attrs.modify('sampling_rate_GHz', np.nan)", "attribute sampling_rate_GHz = nan"},
      {"f.attrs.modify('baseline_adc', 1e6)", "attribute baseline_adc = 1000000 (must be in [0, 16383]"},
      {"f.attrs.modify('triggers_per_block', 0)", "attribute triggers_per_block = 0"},
      {set("run/channels", 3, "side", "0"), "row 3 of /run/channels: crystal 1, side 0"},
      {"f['run/blocks_written'][0] = 2", "/run/blocks_written = 2 but /blocks has 4 rows (a complete file counts them all)"},
      {"f['run/complete'][0] = 7", "/run/complete = 7 (must be 0 or 1)"},
  };
  const std::vector<std::pair<std::string, std::string>> full_cases = {
      {set("blocks", 2, "beam_on_triggers", "1"), "row 2 of /blocks: beam_on_triggers = 1, but 2 of its stored triggers"},
      {set("blocks", 3, "triggers_begin", "6"), "row 3 of /blocks: triggers_begin, triggers_end = [6, 8), but must start at 7"},
      {"a = f['waveforms/adc'][0]\na[1, 2] = 20000\nf['waveforms/adc'][0] = a",
       "/waveforms/adc: value 20000 at position 66 of block 0 is outside the ADC range [0, 16383]"},
  };
  std::string script = "import sys, h5py, numpy as np\n";
  std::vector<fs::path> copies;
  std::vector<std::pair<std::string, std::string>> cases;
  for (const auto& [file, some] : {std::pair{dir / "zs.h5", zs_cases}, std::pair{dir / "full.h5", full_cases}})
    for (const auto& c : some) {
      copies.push_back(dir / fmt::format("tampered{}.h5", copies.size()));
      fs::copy_file(file, copies.back());
      std::string body = c.first;
      for (std::size_t at = 0; (at = body.find('\n', at)) != std::string::npos; at += 5) body.replace(at, 1, "\n    ");
      script += fmt::format("with h5py.File(sys.argv[{}], 'r+') as f:\n    {}\n", copies.size(), body);
      cases.push_back(c);
    }
  ASSERT_EQ(run_python(dir, script, copies), 0) << "the h5py script failed (its message is above)";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    std::string message;
    try {
      read_everything(copies[i]);
    } catch (const IoError& e) {
      message = e.what();
    }
    EXPECT_CONTAINS(message, cases[i].second);
    EXPECT_CONTAINS(message, "the file is damaged");
  }
}

/// A full disk is reported as such, not as HDF5's record of the failed write ("… errno =
/// 28, error message = 'No space left on device', … bytes actually written =
/// 18446744073709551615 …"). The disk: a 256 KiB tmpfs, mounted in a private mount
/// namespace of a child process, so that nothing outlives the test; skipped where the
/// process may not mount (not root, or no CAP_SYS_ADMIN).
TEST(RawFile, FullDiskSaysDiskFull) {
  const TempDir dir;
  const auto mount_point = dir / "small";
  fs::create_directories(mount_point);
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0) << "fork failed";
  if (child == 0) {
    close(out[0]);
    if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=256k") != 0)
      _exit(77);
    std::string message = "no error";
    try {
      const auto info = run_info(WaveformMode::full, 2000, 8);
      RawFileWriter writer(mount_point / "run.h5", info);
      for (std::uint64_t i = 0; i < 100; ++i) writer.write(make_block(info, i, 4, 0, 2));
      writer.close();
    } catch (const IoError& e) {
      message = e.what();
    }
    (void)!write(out[1], message.data(), message.size());
    _exit(0);
  }
  close(out[1]);
  std::string message;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<std::size_t>(n));
  close(out[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the writing child crashed";
  if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): not tested";
  EXPECT_CONTAINS(message, "disk full while writing " + (mount_point / "run.h5.part").string());
  EXPECT_CONTAINS(message, "free space on " + mount_point.string() + " or write the file elsewhere");
  EXPECT_EQ(message.find("bytes actually written"), std::string::npos) << message;
}

/// The first ```python block of the document `doc` (relative to the source tree), reading
/// sys.argv[1] where it reads `file`.
std::string python_example(const std::string& doc, const std::string& file) {
  std::ifstream in(std::string(CEVNS_SOURCE_DIR) + "/" + doc);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto begin = text.find("```python\n");
  const auto end = text.find("\n```", begin + 1);
  if (begin == std::string::npos || end == std::string::npos) return "";
  std::string code = text.substr(begin + 10, end - begin - 10);
  const std::string quoted = '"' + file + '"';
  const auto at = code.find(quoted);
  if (at == std::string::npos) return "";
  return "import sys\n" + code.replace(at, quoted.size(), "sys.argv[1]");
}

/// What `script` prints to stdout when /usr/bin/python3 runs it on `file` (exit status in `status`).
std::string python_output(const TempDir& dir, const std::string& script, const fs::path& file, int& status) {
  std::ofstream(dir / "example.py") << script;
  const auto output = dir / "example.out";
  status = std::system(fmt::format("/usr/bin/python3 '{}' '{}' > '{}'", (dir / "example.py").string(), file.string(),
                                   output.string())
                           .c_str());
  std::ifstream in(output);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The h5py example of docs/raw-format.md runs on files of both modes, and its exposure
/// comes from /blocks (every trigger), not from /triggers (only the stored ones).
TEST(RawFile, TheDocumentedH5pyExampleRuns) {
  if (std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no h5py for /usr/bin/python3 (apt-get install python3-h5py)";
  const std::string script = python_example("docs/raw-format.md", "run.h5");
  ASSERT_FALSE(script.empty()) << "no ```python block reading \"run.h5\" in docs/raw-format.md";
  const TempDir dir;
  const auto zs_info = run_info(WaveformMode::zero_suppressed, 50000, 8);
  std::vector<TriggerBlock> zs;
  for (std::uint64_t i = 0; i < 4; ++i) zs.push_back(make_block(zs_info, i, 3, 2, 1));
  write_run(dir / "zs.h5", zs_info, zs);
  const auto full_info = run_info(WaveformMode::full, 64, 8);
  write_run(dir / "full.h5", full_info, full_blocks(full_info));
  for (const auto& [file, blocks] : {std::pair{dir / "zs.h5", zs}, std::pair{dir / "full.h5", full_blocks(full_info)}}) {
    SCOPED_TRACE(file.string());
    double pot = 0.0, stored_pot = 0.0;
    std::uint64_t triggers = 0;
    for (const auto& b : blocks) {
      pot += b.protons_on_target;
      triggers += b.trigger_count;
      for (const auto& t : b.triggers) stored_pot += t.protons_on_target;
    }
    ASSERT_NE(fmt::format("{:.4g}", pot), fmt::format("{:.4g}", stored_pot));  // the test can tell them apart
    int status = 0;
    const std::string output = python_output(dir, script, file, status);
    EXPECT_EQ(status, 0) << "the example failed (its message is above)";
    EXPECT_CONTAINS(output, fmt::format("protons on target {:.4g}, {} triggers", pot, triggers));
  }
}

}  // namespace
}  // namespace cevns::io
