// The likelihood sensitivity of `cevns sensitivity` and the region-of-interest crop of
// observed.csv data.
#include <gtest/gtest.h>

#include <filesystem>

#include "cevns/core/error.hpp"
#include "cevns/fit/model_builder.hpp"
#include "cevns/fit/sensitivity.hpp"
#include "cevns/io/config_reader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cevns;
using namespace cevns::fit;

Prediction clovers(const std::vector<std::string>& overrides = {}) {
  return predict(io::read_experiment_config(fs::path(CEVNS_SOURCE_DIR) / "configs" / "clovers.toml", overrides));
}

TEST(CropToRoi, KeepsTheWholePhotoelectronBinsAndTimeBinsOfTheRegionOfInterest) {
  // cevns select's layout: bins n ± ½ for n = 0 … 200 (the last the overflow), 0.1 µs.
  const auto p = clovers({"selection.roi_npe_min=4", "selection.roi_npe_max=10", "selection.roi_time_max_us=2"});
  ObservedData d;
  for (const char* name : {"on-beam", "off-beam"}) {
    Region r(name, 2.0, Binning::uniform(-0.5, 200.5, 201), Binning::uniform(-1.0, 10.0, 110));
    for (std::size_t i = 0; i < r.npe.size(); ++i)
      for (std::size_t j = 0; j < r.time_us.size(); ++j) r.at(i, j) = double(i);
    d.regions.push_back(r);
  }
  const auto c = crop_to_roi(d, p);
  ASSERT_EQ(c.regions.size(), 2u);
  const auto& on = c.region("on-beam");
  EXPECT_EQ(on.npe.size(), 7u);  // n = 4 … 10
  EXPECT_DOUBLE_EQ(on.npe.edges().front(), 3.5);
  EXPECT_DOUBLE_EQ(on.npe.edges().back(), 10.5);
  EXPECT_EQ(on.time_us.size(), 30u);  // −1 … 2 µs
  EXPECT_DOUBLE_EQ(on.at(0, 0), 4.0);
  EXPECT_DOUBLE_EQ(on.at(6, 29), 10.0);
  EXPECT_DOUBLE_EQ(on.live_time_s, 2.0);
  // The fit builds on the cropped data (the overflow bin of the full data is beyond the
  // prediction's spectra and is refused).
  EXPECT_NO_THROW((void)build_model(p, c, default_fit_config(c)));
  EXPECT_THROW((void)build_model(p, d, default_fit_config(d)), ConfigError);
  // A region outside the region of interest: a clear error.
  ObservedData far;
  far.regions.emplace_back("on-beam", 1.0, Binning::uniform(99.5, 120.5, 21), Binning::uniform(-1.0, 10.0, 11));
  EXPECT_THROW((void)crop_to_roi(far, p), ConfigError);
}

TEST(LikelihoodSensitivity, ClassifiesBackgroundsAndCarriesTheirConstraints) {
  const auto p = clovers();
  const auto s = likelihood_sensitivity(p);
  EXPECT_EQ(s.beam_related, (std::vector<std::string>{"beam-related neutrons"}));
  EXPECT_EQ(s.steady_state, (std::vector<std::string>{"PMT dark counts", "radioactive isotopes"}));
  ASSERT_EQ(s.binnings.size(), 3u);
  EXPECT_EQ(s.binning("npe x time").bins, 69u * 110u);  // 4 … 72 NPE × 0.1 µs over −1 … 10 µs
  EXPECT_EQ(s.binning("npe").bins, 69u);
  EXPECT_EQ(s.binning("time").bins, 110u);
  // More information never lowers the Asimov significance.
  EXPECT_GE(s.binning("npe x time").significance, s.binning("npe").significance);
  EXPECT_GE(s.binning("npe x time").significance, s.binning("time").significance);
  // With the backgrounds known (BRN to 10⁻⁴, the steady state measured off-beam with 10⁶ ×
  // the live time), the single-bin Asimov √(2((s+b)ln(1+s/b) − s)) is the floor: shapes
  // can only add. (With the ±25 % BRN normalisation the NPE spectrum alone falls below the
  // counting formula, which knows no systematics: docs/validation.md.)
  LikelihoodSensitivityOptions known;
  known.beam_background_sigma = 1e-4;
  known.off_beam_live_time_ratio = 1e6;
  const auto counting = sensitivity(p, 24.0, 365.0, 4);
  ASSERT_TRUE(counting.asimov_significance.has_value());
  const auto k = likelihood_sensitivity(p, known);
  EXPECT_GT(k.binning("npe").significance, *counting.asimov_significance);
  EXPECT_GT(k.binning("time").significance, *counting.asimov_significance);
  EXPECT_LT(s.binning("npe").significance, k.binning("npe").significance);
  for (const auto& par : s.parameters)
    if (par.name == "bkg_beam-related_neutrons") {
      EXPECT_EQ(par.constraint, Constraint::lognormal);
    }
  EXPECT_THROW((void)s.binning("energy"), InvalidValue);
}

TEST(LikelihoodSensitivity, DaysToFiveSigmaReachFiveSigmaWhenPredictedAgain) {
  // The bisection on the exposure factor against a prediction made for that many days:
  // the likelihood significance is then 5σ (to 0.5 %: the bisection's 0.01 % in exposure
  // and the prediction's linearity in days).
  LikelihoodSensitivityOptions o;
  const auto s = likelihood_sensitivity(clovers(), o);
  const auto& both = s.binning("npe x time");
  ASSERT_TRUE(both.days_to_target.has_value());
  const auto again = likelihood_sensitivity(clovers({"exposure.calendar_days=" + std::to_string(*both.days_to_target)}), o);
  EXPECT_NEAR(again.binning("npe x time").significance, 5.0, 0.025);
}

TEST(LikelihoodSensitivity, TheFluxCannotChangeTheDiscoverySignificanceAndTheSteadyStateConstraintCan) {
  // The flux multiplies the free CEvNS normalisation: q₀ is the same with and without it
  // (to 10⁻³, the minimiser's tolerance). A steady state left free (no off-beam window)
  // costs significance against one measured off-beam.
  LikelihoodSensitivityOptions with, without, free;
  without.flux_sigma = 0.0;
  free.off_beam_live_time_ratio = 0.0;
  const auto p = clovers();
  const double a = likelihood_sensitivity(p, with).binning("npe").significance;
  const double b = likelihood_sensitivity(p, without).binning("npe").significance;
  const double c = likelihood_sensitivity(p, free).binning("npe").significance;
  EXPECT_NEAR(a, b, 1e-3 * a);
  EXPECT_LT(c, a);
  // A BRN shape nuisance costs significance too.
  LikelihoodSensitivityOptions tilt;
  tilt.beam_background_npe_tilt = 0.5;
  EXPECT_LT(likelihood_sensitivity(p, tilt).binning("npe").significance, a);
  // Out-of-range options are refused by name.
  LikelihoodSensitivityOptions bad;
  bad.flux_sigma = -0.1;
  EXPECT_THROW((void)likelihood_sensitivity(p, bad), InvalidValue);
}

TEST(LikelihoodSensitivity, IsUndefinedWithoutBackground) {
  // No background: the Asimov q₀ diverges (2 s ln(s/0)); reported as undefined, as the
  // counting Asimov formula is, rather than as a number of hundreds of σ.
  const auto s = likelihood_sensitivity(clovers({"backgrounds=[]"}));
  EXPECT_TRUE(s.undefined.has_value());
  EXPECT_TRUE(s.binnings.empty());
  EXPECT_THROW((void)s.binning("npe x time"), InvalidValue);
}

TEST(LikelihoodSensitivity, MapOnTheCountingGridAgreesWithTheDirectSignificance) {
  const auto p = clovers();
  // Grid 0 … 24 kg × 0 … 360 days in 4 steps: point (2, 2) is the configured 12 kg × 180 days.
  const auto counting = sensitivity(p, 24.0, 360.0, 4);
  const auto s = likelihood_sensitivity(p, {}, &counting);
  ASSERT_EQ(s.map_significance.size(), counting.map_significance.size());
  EXPECT_NEAR(s.map_significance[2 * 5 + 2], s.binning("npe x time").significance,
              0.01 * s.binning("npe x time").significance);  // 1 %: interpolation in ln f between grid points
  EXPECT_DOUBLE_EQ(s.map_significance[0], 0.0);
  EXPECT_GT(s.map_significance.back(), s.map_significance[2 * 5 + 2]);
}

}  // namespace
