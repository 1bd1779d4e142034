#include <gtest/gtest.h>

#include "cevns/core/error.hpp"
#include "cevns/daq/daq_config.hpp"

namespace cevns::daq {
namespace {

TEST(DaqConfig, DefaultsAreTheCloversDaq) {
  const DaqConfig config;
  EXPECT_NO_THROW(config.validate());
  // CLOVERS paper §2.4: 50 µs at 1 GS/s with a 40 µs pretrace.
  EXPECT_EQ(config.digitizer.samples(), 51000u);  // 40 µs pretrace + 1 µs lead + 10 µs at 1 GS/s
  EXPECT_EQ(config.digitizer.pretrace_samples(), 40000u);
  EXPECT_EQ(config.digitizer.adc_max(), 16383);
  EXPECT_EQ(config.pmt.dark_rate_Hz, std::vector<double>{111.0});  // paper §3.2.2
}

TEST(DaqConfig, RejectsImpossibleValues) {
  DaqConfig config;
  config.digitizer.pretrace_us = 60.0;
  EXPECT_THROW(config.validate(), InvalidValue);
  config = DaqConfig{};
  config.digitizer.adc_bits = 16;
  EXPECT_THROW(config.validate(), InvalidValue);
  config = DaqConfig{};
  config.scintillation.weights = {0.5};
  EXPECT_THROW(config.validate(), InvalidValue);
  config = DaqConfig{};
  config.pmt.pulse_decay_ns = 1.0;
  EXPECT_THROW(config.validate(), InvalidValue);
  config = DaqConfig{};
  config.veto.bars = 40;
  EXPECT_THROW(config.validate(), InvalidValue);
}

}  // namespace
}  // namespace cevns::daq

#include <ctime>

#include "cevns/daq/simulation.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns::daq {
namespace {

TEST(SimulationGuards, RatesBeyondWhatCanBeSampledFailBeforeTheRun) {
  // Each value is in its range, their product is not samplable: 10⁵ Hz × 2000 channels ×
  // 1 ms × 10⁷ triggers = 2·10¹² dark counts in one block. Refused when the simulation is
  // built, naming what is too large, before any block is drawn (a hang guard, not a speed
  // target: CPU time, so a loaded machine does not fail it; ≈ 4 s is the prediction).
  const auto config = io::read_simulation_config(
      std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml",
      {"daq.pmt.dark_rate_Hz=1e5", "detector.crystals=1000", "detector.light_yield_PE_per_keVee=33.5",
       "daq.digitizer.window_us=1000", "daq.digitizer.pretrace_us=40", "daq.triggers_per_block=10000000",
       "daq.digitizer.sampling_rate_GHz=0.01"});
  const std::clock_t started = std::clock();
  try {
    const Simulation simulation(config, WaveformMode::zero_suppressed);
    ADD_FAILURE() << "expected a NumericalError";
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("expected PMT dark counts in a block of 10000000 triggers"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("too large to simulate"), std::string::npos) << e.what();
  }
  EXPECT_LT(static_cast<double>(std::clock() - started) / CLOCKS_PER_SEC, 60.0);
}

TEST(SimulationGuards, TheValuesThatHungSimulateAreConfigurationErrors) {
  for (const char* assignment : {"daq.pmt.dark_rate_Hz=1e15", "detector.mass_kg=1e15", "source.distance_m=5e-324",
                                 "selection.muon_veto_efficiency=5e-324", "daq.pmt.pulse_decay_ns=1e15"})
    EXPECT_THROW(io::read_simulation_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml", {assignment}),
                 ConfigError)
        << assignment;
}

}  // namespace
}  // namespace cevns::daq
