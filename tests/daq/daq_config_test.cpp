#include <gtest/gtest.h>

#include "cevns/core/error.hpp"
#include "cevns/daq/daq_config.hpp"

namespace cevns::daq {
namespace {

TEST(DaqConfig, DefaultsAreTheCloversDaq) {
  const DaqConfig config;
  EXPECT_NO_THROW(config.validate());
  // CLOVERS paper §2.4: 50 µs at 1 GS/s with a 40 µs pretrace.
  EXPECT_EQ(config.digitizer.samples(), 50000u);
  EXPECT_EQ(config.digitizer.pretrace_samples(), 40000u);
  EXPECT_EQ(config.digitizer.adc_max(), 16383);
  EXPECT_DOUBLE_EQ(config.pmt.dark_rate_Hz, 111.0);  // paper §3.2.2
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
