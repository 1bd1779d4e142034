// The PMT dark-count background of `cevns predict` follows what drives it (issue 9):
// the dark rate, the region of interest, the number of crystals and triggers, not the
// beam power.
#include <gtest/gtest.h>

#include <cmath>

#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns {
namespace {

double dark_counts(const std::vector<std::string>& overrides = {}) {
  const auto p = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml", overrides));
  for (const auto& b : p.backgrounds)
    if (b.name == "PMT dark counts") {
      EXPECT_EQ(b.drivers, "per trigger");
      for (double c : b.npe_time.counts) EXPECT_TRUE(std::isfinite(c) && c >= 0.0);
      return b.roi;
    }
  ADD_FAILURE() << "no PMT dark counts in clovers.toml";
  return 0.0;
}

TEST(DarkCountPrediction, FollowsItsDrivers) {
  const double nominal = dark_counts();
  // CLOVERS, 111 Hz per PMT, 4 crystals, 25 Hz × 180 days = 3.9e8 triggers: 94
  // (docs/validation.md; the paper's Table 2 says 160).
  EXPECT_NEAR(nominal, 94.0, 1.0);
  // Two-PMT coincidence: twice the dark rate, four times the coincidences.
  EXPECT_NEAR(dark_counts({"daq.pmt.dark_rate_Hz=222"}) / nominal, 4.0, 0.1);
  // A 10-PE threshold leaves almost none (multi-PE pulses only).
  EXPECT_LT(dark_counts({"selection.roi_npe_min=10"}), 0.01 * nominal);
  // Twice the crystals, twice the pairs of PMTs.
  EXPECT_NEAR(dark_counts({"detector.crystals=8", "detector.mass_kg=24"}) / nominal, 2.0, 0.01);
  // Beam power does not enter; the triggers (repetition rate × beam time) do.
  EXPECT_NEAR(dark_counts({"source.beam_power_kW=280"}), nominal, 1e-9 * nominal);
  EXPECT_NEAR(dark_counts({"exposure.calendar_days=360"}) / nominal, 2.0, 1e-9);
  // More multi-PE dark pulses, more dark counts in the ROI: what the answer hangs on.
  EXPECT_GT(dark_counts({"daq.pmt.dark_multi_pe_fraction=0.1"}), 1.5 * nominal);
}

}  // namespace
}  // namespace cevns
