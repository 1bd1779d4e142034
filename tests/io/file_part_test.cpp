// Part files and merge_parts (io/file_part.hpp, docs/production.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/io/file_part.hpp"
#include "cevns/io/raw_file.hpp"
#include "temp_dir.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;
using cevns::test::TempDir;

constexpr std::uint64_t blocks = 5, per_block = 4, triggers = 18;  // the last block has 2

daq::RunInfo run_info() {
  daq::RunInfo info;
  info.cevns_version = "0.1.0-test";
  info.experiment = "TEST";
  info.config_toml = "[experiment]\nname = \"TEST\"\n";
  info.seed = 11;
  info.mode = daq::WaveformMode::zero_suppressed;
  info.samples_per_waveform = 100;
  info.pretrace_samples = 50;
  info.baseline_adc = 1000.0;
  info.triggers_per_block = per_block;
  info.channels = {{"crystal0/pmt0", 0, 0}, {"crystal0/pmt1", 0, 1}};
  info.sources = {"dark count"};
  return info;
}

/// Block `index` of the run: one stored trigger with one segment and one photoelectron,
/// all depending on the index.
daq::TriggerBlock block(std::uint64_t index) {
  daq::TriggerBlock b;
  b.index = index;
  b.first_trigger = index * per_block;
  b.trigger_count = std::min(per_block, triggers - b.first_trigger);
  b.protons_on_target = 1e13 * static_cast<double>(index + 1);
  b.beam_on_triggers = 1;
  const std::uint64_t id = b.first_trigger + 1;
  b.triggers.push_back({id, 0.04 * static_cast<double>(id), 1e13F, true, false, 0});
  b.segments.trigger_id = {id};
  b.segments.channel = {static_cast<std::uint16_t>(index % 2)};
  b.segments.first_sample = {static_cast<std::uint32_t>(10 + index)};
  b.segments.length = {3};
  b.segments.offset = {0};
  b.segments.samples = {static_cast<std::int16_t>(990 + index), 1100, 1005};
  b.photoelectrons.push_back({id, 12.5F + static_cast<float>(index), 1.0F, static_cast<std::uint16_t>(index % 2), 0});
  return b;
}

void write(const fs::path& path, std::uint64_t first, std::uint64_t end, const std::optional<FilePart>& part) {
  RawFileWriter writer(path, run_info(), Compression::none, part);
  for (std::uint64_t i = first; i < end; ++i) writer.write(block(i));
  writer.close();
}

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(FilePart, PartsCoverEveryBlockOnceInOrder) {
  for (std::uint32_t n : {1u, 2u, 3u, 7u, 12u})
    for (std::uint64_t b : {0ull, 1ull, 5ull, 11ull, 1000ull}) {
      std::uint64_t next = 0;
      for (std::uint32_t k = 1; k <= n; ++k) {
        const FilePart p = part_of_run(k, n, b, b);
        EXPECT_EQ(p.first_block, next) << k << "/" << n << " of " << b;
        EXPECT_LE(p.blocks(), b / n + 1);
        EXPECT_GE(p.blocks(), b / n);
        next = p.end_block;
      }
      EXPECT_EQ(next, b);
    }
  EXPECT_EQ(part_of_run(2, 4, 40, 400).describe(), "part 2/4 (blocks 10–19 of 40)");
  EXPECT_EQ(parse_part("3/8").index, 3u);
  EXPECT_EQ(parse_part("3/8").count, 8u);
  for (const char* bad : {"0/3", "4/3", "3", "/3", "1/", "a/b", "1/0", "-1/3", "1/3/4", " 1/3"})
    EXPECT_THROW((void)parse_part(bad), ConfigError) << bad;
  EXPECT_NE(configuration_hash("a"), configuration_hash("b"));
  EXPECT_EQ(configuration_hash(""), "cbf29ce484222325");  // FNV-1a 64 offset basis (Fowler, Noll, Vo)
}

TEST(FilePart, MergedPartsAreTheWholeRunByteForByte) {
  const TempDir dir;
  write(dir / "whole.h5", 0, blocks, std::nullopt);
  const FilePart p1 = part_of_run(1, 2, blocks, triggers), p2 = part_of_run(2, 2, blocks, triggers);
  write(dir / "p1.h5", p1.first_block, p1.end_block, p1);
  write(dir / "p2.h5", p2.first_block, p2.end_block, p2);
  {
    const RawFileReader reader(dir / "p2.h5");
    ASSERT_TRUE(reader.part());
    EXPECT_EQ(reader.part()->index, 2u);
    EXPECT_EQ(reader.block_count(), 3u);  // blocks 2, 3, 4
    EXPECT_EQ(reader.trigger_count(), 4u + 4u + 2u);
    const auto b = reader.read_block(0);
    EXPECT_EQ(b.index, 2u);
    EXPECT_EQ(b.first_trigger, 8u);
    EXPECT_EQ(b.segments.samples.front(), 992);
  }
  const auto summary = merge_parts({dir / "p2.h5", dir / "p1.h5"}, dir / "merged.h5");
  EXPECT_EQ(summary.parts, 2u);
  EXPECT_EQ(summary.blocks, blocks);
  const RawFileReader merged(dir / "merged.h5");
  EXPECT_FALSE(merged.part());
  EXPECT_EQ(merged.block_count(), blocks);
  EXPECT_EQ(bytes_of(dir / "whole.h5"), bytes_of(dir / "merged.h5"));
}

TEST(FilePart, AnUnfinishedOrWrongPartIsRefused) {
  const TempDir dir;
  const FilePart p1 = part_of_run(1, 2, blocks, triggers), p2 = part_of_run(2, 2, blocks, triggers);
  write(dir / "p1.h5", p1.first_block, p1.end_block, p1);
  {  // a part killed after its first block: the writer is destroyed without close()
    RawFileWriter writer(dir / "p2.h5", run_info(), Compression::none, p2);
    writer.write(block(2));
  }
  EXPECT_NE(error_of([&] { (void)merge_parts({dir / "p1.h5", dir / "p2.h5.part"}, dir / "out.h5"); })
                .find("part 2/2 (blocks 2–4 of 5) is unfinished (1 of its 3 blocks written); run that part again"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
  // A part's writer takes its own blocks only, from its first.
  RawFileWriter writer(dir / "p2b.h5", run_info(), Compression::none, p2);
  EXPECT_NE(error_of([&] { writer.write(block(0)); }).find("expected block 2"), std::string::npos);
  EXPECT_EQ(error_of([&] { (void)merge_parts({}, dir / "out.h5"); }), "cevns merge needs the part files to merge");
}

}  // namespace
}  // namespace cevns::io
