// reconstruct_run, the one-pass driver of `cevns reconstruct`, against the block-by-block
// reconstruction it replaced (calibration from re-read blocks, then every block): the
// same single-PE charges and the same rows, bit for bit; and its fallback when a run is
// too short to calibrate.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cevns/core/error.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reconstruct_run.hpp"
#include "cevns/reco/reconstruction.hpp"
#include "temp_dir.hpp"

namespace cevns::io {
namespace {

namespace fs = std::filesystem;

/// CLOVERS with a shorter pretrace and a high dark rate, so that the calibration needs
/// several blocks (calibration_pulses = 100 per channel, about one pretrace pulse per
/// channel and trigger, blocks of 20 triggers).
Configuration short_clovers(std::vector<std::string> more = {}) {
  std::vector<std::string> overrides{"daq.digitizer.window_us=21",  "daq.digitizer.pretrace_us=10",
                                     "daq.pmt.dark_rate_Hz=100000", "reco.calibration_pulses=100",
                                     "daq.triggers_per_block=20"};
  overrides.insert(overrides.end(), more.begin(), more.end());
  return read_configuration(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml", overrides);
}

fs::path simulate(const Configuration& config, daq::WaveformMode mode, std::uint64_t triggers, const fs::path& path) {
  const daq::Simulation simulation(config.simulation, mode);
  RawFileWriter writer(path, simulation.run_info(7));
  daq::run_simulation(simulation, triggers, 7, 2, [&](daq::TriggerBlock&& b) { writer.write(b); });
  writer.close();
  return path;
}

/// The reconstruction as cevns did it before reconstruct_run: calibrate on blocks read
/// until every channel has enough, then reconstruct every block read again.
std::vector<reco::ReducedBlock> block_by_block(const RawFileReader& reader, reco::Reconstruction& reco,
                                               std::uint64_t& calibration_blocks) {
  calibration_blocks = 0;
  for (bool enough = false; calibration_blocks < reader.block_count() && !enough;)
    enough = reco.collect_calibration(reader.read_block(calibration_blocks++));
  reco.finish_calibration();
  std::vector<reco::ReducedBlock> out;
  for (std::uint64_t i = 0; i < reader.block_count(); ++i) out.push_back(reco.reconstruct(reader.read_block(i)));
  return out;
}

void expect_same_events(const std::vector<reco::ReducedBlock>& a, const std::vector<reco::ReducedBlock>& b) {
  ASSERT_EQ(a.size(), b.size());
  std::size_t rows = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].index, b[i].index);
    EXPECT_EQ(a[i].trigger_count, b[i].trigger_count);
    EXPECT_EQ(a[i].protons_on_target, b[i].protons_on_target);
    ASSERT_EQ(a[i].events.size(), b[i].events.size()) << "block " << i;
    for (std::size_t j = 0; j < a[i].events.size(); ++j) {
      const auto& x = a[i].events[j];
      const auto& y = b[i].events[j];
      // Bit for bit, NaN arrival times included.
      EXPECT_EQ(std::memcmp(&x.npe, &y.npe, sizeof x.npe), 0) << "block " << i << " row " << j;
      EXPECT_EQ(std::memcmp(&x.pretrace_npe, &y.pretrace_npe, sizeof x.pretrace_npe), 0);
      EXPECT_EQ(std::memcmp(&x.arrival_ns, &y.arrival_ns, sizeof x.arrival_ns), 0);
      EXPECT_EQ(x.trigger_id, y.trigger_id);
      EXPECT_EQ(x.crystal, y.crystal);
      EXPECT_EQ(x.time_s, y.time_s);
      EXPECT_EQ(x.protons_on_target, y.protons_on_target);
      EXPECT_EQ(x.beam_on, y.beam_on);
      EXPECT_EQ(x.veto, y.veto);
      EXPECT_EQ(x.flags, y.flags);
      EXPECT_EQ(x.truth_source, y.truth_source);
      EXPECT_EQ(x.truth_npe, y.truth_npe);
      ++rows;
    }
  }
  EXPECT_GT(rows, 100u);
}

void check_one_pass_matches_block_by_block(daq::WaveformMode mode, std::uint64_t triggers) {
  const cevns::test::TempDir dir;
  const auto config = short_clovers();
  const fs::path raw = simulate(config, mode, triggers, dir / "raw.h5");
  const RawFileReader reader(raw);

  reco::Reconstruction before(reader.info(), config.reco, config.simulation.daq);
  std::uint64_t blocks_before = 0;
  const auto expected = block_by_block(reader, before, blocks_before);
  // The test is worth something only if the calibration takes several blocks but not all.
  ASSERT_GT(blocks_before, 1u);
  ASSERT_LT(blocks_before, reader.block_count());

  for (const int threads : {1, 2}) {
    reco::Reconstruction after(reader.info(), config.reco, config.simulation.daq);
    std::vector<reco::ReducedBlock> got;
    bool calibrated = false;
    const auto summary = reconstruct_run(
        reader, after, threads, [&] { calibrated = true; },
        [&](reco::ReducedBlock&& b) {
          EXPECT_TRUE(calibrated) << "a block before the calibration was fixed";
          got.push_back(std::move(b));
        },
        {}, 7);  // slices of 7 triggers: blocks of 20 end in a short one
    EXPECT_EQ(summary.calibration_blocks, blocks_before);
    EXPECT_FALSE(summary.nominal_spe_charge);
    EXPECT_EQ(after.spe_charge(), before.spe_charge());
    expect_same_events(got, expected);
  }
}

TEST(ReconstructRun, FullModeInOnePassIsIdenticalToBlockByBlock) {
  check_one_pass_matches_block_by_block(daq::WaveformMode::full, 200);
}

TEST(ReconstructRun, ZeroSuppressedInOnePassIsIdenticalToBlockByBlock) {
  check_one_pass_matches_block_by_block(daq::WaveformMode::zero_suppressed, 400);
}

TEST(ReconstructRun, TooFewPulsesTakeTheNominalSinglePeChargeInsteadOfFailing) {
  const cevns::test::TempDir dir;
  const auto config = short_clovers({"daq.pmt.dark_rate_Hz=0", "daq.pmt.afterpulse_probability=0"});
  const fs::path raw = simulate(config, daq::WaveformMode::full, 60, dir / "raw.h5");
  const RawFileReader reader(raw);
  {
    reco::Reconstruction strict(reader.info(), config.reco, config.simulation.daq);
    std::uint64_t blocks = 0;
    EXPECT_THROW(block_by_block(reader, strict, blocks), Error);  // the old behaviour, kept without the fallback
  }
  reco::Reconstruction reco(reader.info(), config.reco, config.simulation.daq);
  std::uint64_t blocks = 0;
  const auto summary = reconstruct_run(reader, reco, 2, {}, [&](reco::ReducedBlock&&) { ++blocks; });
  EXPECT_TRUE(summary.nominal_spe_charge);
  EXPECT_EQ(blocks, reader.block_count());
  // The nominal charge: the area of the single-PE pulse, here summed numerically over the
  // template the simulation uses (2 ns rise, 8 ns decay, 40 ADC, 1 GS/s) — to 0.1 %.
  const auto& pmt = config.simulation.daq.pmt;
  const double peak_ns = pmt.pulse_rise_ns * pmt.pulse_decay_ns / (pmt.pulse_decay_ns - pmt.pulse_rise_ns) *
                         std::log(pmt.pulse_decay_ns / pmt.pulse_rise_ns);
  const auto shape = [&](double t) { return std::exp(-t / pmt.pulse_decay_ns) - std::exp(-t / pmt.pulse_rise_ns); };
  double area = 0.0;
  for (double t = 0.0005; t < 200.0; t += 0.001) area += shape(t) * 0.001;
  area *= pmt.spe_amplitude_adc / shape(peak_ns);
  ASSERT_EQ(reco.spe_charge().size(), reader.info().channels.size());
  for (const double q : reco.spe_charge()) EXPECT_NEAR(q, area, 1e-3 * area);
  EXPECT_NEAR(reco.nominal_spe_charge(), 507.9, 0.1);  // 40 × 6 ns / 0.4725 (the peak of the shape)
}

/// HDF5's Fletcher-32 as its source describes it, word by word (H5checksum.c).
std::uint32_t fletcher32_word_by_word(const std::vector<std::byte>& data) {
  std::uint32_t sum1 = 0, sum2 = 0;
  std::size_t len = data.size() / 2;
  const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
  while (len > 0) {
    std::size_t n = std::min<std::size_t>(len, 360);
    len -= n;
    do {
      sum1 += (std::uint32_t{p[0]} << 8) | p[1];
      p += 2;
      sum2 += sum1;
    } while (--n);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (data.size() % 2 != 0) {
    sum1 += std::uint32_t{*p} << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return (sum2 << 16) | sum1;
}

TEST(ReconstructRun, Fletcher32IsHdf5s) {
  std::mt19937 rng(14);
  for (const std::size_t bytes : {0, 1, 2, 719, 720, 721, 722, 10000, 816001}) {
    for (const int fill : {0, 1, 2}) {  // random, all 0xFF (the largest sums), all zero
      std::vector<std::byte> data(bytes);
      for (auto& b : data) b = std::byte(fill == 0 ? rng() & 0xFF : fill == 1 ? 0xFF : 0);
      EXPECT_EQ(fletcher32(data), fletcher32_word_by_word(data)) << bytes << " bytes, fill " << fill;
    }
  }
}

}  // namespace
}  // namespace cevns::io
