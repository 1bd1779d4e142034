// A configuration against the acquisition a raw file records (reconstruct --config).
#include <gtest/gtest.h>

#include <string>

#include "cevns/core/error.hpp"
#include "cevns/reco/reconstruction.hpp"

namespace {

/// The run info of four crystals recorded with the default digitiser.
cevns::daq::RunInfo four_crystal_run() {
  cevns::daq::RunInfo run;  // 1 GS/s, 51000 samples, 40000 pretrace, 14 bits: the digitiser defaults
  for (std::uint16_t c = 0; c < 8; ++c) run.channels.push_back({"", static_cast<std::uint16_t>(c / 2), static_cast<std::uint16_t>(c % 2)});
  return run;
}

TEST(RunDifferences, NoneWhenTheConfigurationDescribesTheRun) {
  cevns::daq::SimulationConfig config;
  config.experiment.detector.crystals = 4;
  EXPECT_TRUE(cevns::reco::run_differences(four_crystal_run(), config, "--config a.toml", "run.h5").empty());
  EXPECT_NO_THROW(cevns::reco::check_config_matches_run(four_crystal_run(), config, "--config a.toml", "run.h5"));
}

TEST(RunDifferences, NamesEveryDifference) {
  cevns::daq::SimulationConfig config;
  config.experiment.detector.crystals = 15;
  config.daq.digitizer.sampling_rate_GHz = 0.5;
  config.daq.digitizer.adc_bits = 12;
  const auto d = cevns::reco::run_differences(four_crystal_run(), config, "--config cicenns.toml", "run.h5");
  ASSERT_EQ(d.size(), 6U);  // channels, crystals, rate, and so samples and pretrace samples, ADC bits
  EXPECT_EQ(d[0], "--config cicenns.toml has 30 channels, run.h5 was recorded with 8 channels");
  EXPECT_EQ(d[1], "--config cicenns.toml has 15 crystals, run.h5 was recorded with 4 crystals");
  EXPECT_EQ(d[2], "--config cicenns.toml has 0.5 GS/s, run.h5 was recorded with 1 GS/s");
  EXPECT_EQ(d[3], "--config cicenns.toml has 25500 samples per waveform, run.h5 was recorded with 51000 samples per waveform");
  EXPECT_NE(d[5].find("12 ADC bits"), std::string::npos) << d[5];
  try {
    cevns::reco::check_config_matches_run(four_crystal_run(), config, "--config cicenns.toml", "run.h5");
    FAIL() << "no error";
  } catch (const cevns::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("has 30 channels, run.h5 was recorded with 8 channels; "), std::string::npos)
        << e.what();
  }
}

TEST(Reconstruction, PlacesTheOffBeamWindowInTheRunsPretrace) {
  // The default digitiser: 51 µs, 40 µs pretrace, an 11 µs signal region.
  EXPECT_EQ(cevns::reco::Reconstruction(four_crystal_run(), {}).off_beam_window_start_us(), 29.0);
  cevns::reco::RecoConfig config;
  config.off_beam_window_start_us = 12.5;
  EXPECT_EQ(cevns::reco::Reconstruction(four_crystal_run(), config).off_beam_window_start_us(), 12.5);
  config.off_beam_window_start_us = 35.0;  // beyond the pretrace
  try {
    const cevns::reco::Reconstruction reco(four_crystal_run(), config);
    FAIL() << "accepted";
  } catch (const cevns::InvalidValue& e) {
    EXPECT_EQ(e.key(), "reco.off_beam_window_start_us");
  }
  auto short_pretrace = four_crystal_run();
  short_pretrace.pretrace_samples = 20000;  // less than twice the 31 µs signal region: none
  EXPECT_FALSE(cevns::reco::Reconstruction(short_pretrace, {}).off_beam_window_start_us().has_value());
}

}  // namespace
