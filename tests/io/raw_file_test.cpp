#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cevns/core/error.hpp"
#include "cevns/io/raw_file.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;
using daq::TriggerBlock;
using daq::WaveformMode;

/// A fresh directory under the system's temporary directory, removed at the end.
class TempDir {
 public:
  TempDir() {
    static int count = 0;
    path_ = fs::temp_directory_path() / fmt::format("cevns_raw_file_test_{}_{}", getpid(), count++);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

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

/// A block of `triggers_per_block` triggers; `recorded` of them are stored (all in full
/// mode). Every value depends on the block and the row, so mix-ups show.
TriggerBlock make_block(const daq::RunInfo& info, std::uint64_t index, std::size_t recorded,
                        std::size_t segments_per_trigger, std::size_t truth_per_trigger) {
  TriggerBlock b;
  b.index = index;
  b.first_trigger = index * info.triggers_per_block;
  b.trigger_count = info.mode == WaveformMode::full ? recorded : info.triggers_per_block;
  b.protons_on_target = 1.5e13 * static_cast<double>(index + 1);
  b.beam_on_triggers = index + 2;
  b.vetoed_triggers = index % 2;
  const std::size_t channels = info.channels.size();
  for (std::size_t t = 0; t < recorded; ++t) {
    const std::uint64_t id = b.first_trigger + t;
    b.triggers.push_back({id, 0.04 * static_cast<double>(id) + 1e-9, 2.5e12F + static_cast<float>(t), t % 2 == 0,
                          t % 3 == 1, static_cast<std::uint32_t>(0x80000001U >> t)});
    if (info.mode == WaveformMode::full) {
      for (std::size_t ch = 0; ch < channels; ++ch)
        for (std::uint32_t s = 0; s < info.samples_per_waveform; ++s)
          b.waveforms.push_back(static_cast<std::int16_t>((index * 7 + t * 13 + ch * 31 + s) % 16384 - 8192));
    }
    for (std::size_t k = 0; k < segments_per_trigger; ++k) {
      const auto length = static_cast<std::uint32_t>(5 + k + t);
      b.segments.trigger_id.push_back(id);
      b.segments.channel.push_back(static_cast<std::uint16_t>((k * 7 + t) % channels));
      b.segments.first_sample.push_back(static_cast<std::uint32_t>(100 * k + t));
      b.segments.length.push_back(length);
      b.segments.offset.push_back(b.segments.samples.size());
      for (std::uint32_t s = 0; s < length; ++s)
        b.segments.samples.push_back(static_cast<std::int16_t>(1000 - static_cast<int>(s * 3 + k + index)));
    }
    for (std::size_t k = 0; k < truth_per_trigger; ++k) {
      b.interactions.push_back({id, 10.0F * static_cast<float>(k), 3.5F + static_cast<float>(t), 0.25F,
                                static_cast<std::uint32_t>(40 + k), static_cast<std::uint16_t>(k % 15),
                                static_cast<std::uint16_t>(k % 3)});
      b.photoelectrons.push_back({id, 1.25F * static_cast<float>(k), 0.9F, static_cast<std::uint16_t>(k % channels),
                                  static_cast<std::uint16_t>(k % 3)});
    }
  }
  return b;
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
  return {make_block(info, 0, 3, 0, 4), make_block(info, 1, 0, 0, 0), make_block(info, 2, 4, 0, 1),
          make_block(info, 3, 1, 0, 0)};
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
    } catch (...) {
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
///       f.attrs["format"] = FORMAT; f.attrs["format_version"] = numpy.uint32(VERSION)
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
                 "ffffffffffffffff00180000000000003000000000000000418989074f48445202208ef5006b8ef5006b8ef5006b8ef5"
                 "006b9e021200000000ffffffffffffffffffffffffffffffff0a0200010000151200040000ffffffffffffffffffffff"
                 "ffffffffff0c380000030007001400040000666f726d6174001901010010000000100000000100000000000800020000"
                 "000c0000000008000000000000010000000c2c000003000f000c00040000666f726d61745f76657273696f6e00100000"
                 "00040000000000200002000000010000003878912a"},
                {2048, "47434f4c01000000001000000000000001000000000000000c000000000000006f746865722d666f726d6174"},
                {2104, "d00f"}});
  const auto message = read_error(dir / "other.h5");
  EXPECT_CONTAINS(message, "not a cevns raw-data file: its format is 'other-format', not 'cevns-raw'");

  // FORMAT = "cevns-raw", VERSION = 2
  write_sparse(dir / "future.h5",
               {{0, "894844460d0a1a0a030808"},
                {20,
                 "ffffffffffffffff00180000000000003000000000000000418989074f48445202208ef5006b8ef5006b8ef5006b8ef5"
                 "006b9e021200000000ffffffffffffffffffffffffffffffff0a0200010000151200040000ffffffffffffffffffffff"
                 "ffffffffff0c380000030007001400040000666f726d6174001901010010000000100000000100000000000800020000"
                 "00090000000008000000000000010000000c2c000003000f000c00040000666f726d61745f76657273696f6e00100000"
                 "00040000000000200002000000020000004d50b5f3"},
                {2048, "47434f4c010000000010000000000000010000000000000009000000000000006365766e732d726177"},
                {2104, "d00f"}});
  EXPECT_CONTAINS(read_error(dir / "future.h5"), "format_version 2 is not supported; this cevns reads version 1");
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
    assert f.attrs["format"] == "cevns-raw", f.attrs["format"]
    assert f.attrs["format_version"] == 1 and f.attrs["mode"] == "full"
    assert f.attrs["seed"] == {seed} and f["run/complete"][0] == 1 and f["run/blocks_written"][0] == 4
    assert "ünïcode" in f["run/config_toml"].asstr()[()]
    assert f["run/channels"]["name"][29].decode() == "crystal14/pmt1"
    t = f["triggers"][:]
    assert t.dtype.names == ("id", "time_s", "protons_on_target", "beam_on", "veto", "veto_mask"), t.dtype
    assert len(t) == {full_triggers} and t["id"][{trigger_row}] == {trigger_id}
    assert f["triggers"].attrs["units"].startswith("id: 1; time_s: s;")
    adc = f["waveforms/adc"]
    assert adc.shape == ({full_triggers}, 30, {samples}) and adc.dtype == np.int16
    assert adc.attrs["units"] == "ADC counts"
    assert adc[{trigger_row}, 29, 17] == {expected_adc}, adc[{trigger_row}, 29, 17]
    blocks = f["blocks"][:]
    assert blocks["triggers_begin"][2] == {trigger_begin} and blocks["triggers_end"][2] == {trigger_end}
with h5py.File(zs, "r") as f:
    assert f.attrs["mode"] == "zero-suppressed" and "adc" not in f["waveforms"]
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

}  // namespace
}  // namespace cevns::io
