#include <gtest/gtest.h>

#include <cmath>

#include "cevns/background/background.hpp"
#include "cevns/core/error.hpp"

namespace cevns {
namespace {

TEST(TemplateBackground, NormalisedToItsRoiCountAndScaledWithExposure) {
  const ArrivalTimeModel timing(PulseConfig{}, 35.0);
  const BackgroundContext context{.exposure_kg_days = 4320.0, .arrival_time = &timing, .roi_npe_min = 4, .roi_npe_max = 72};
  const Binning npe = Binning::uniform(-0.5, 200.5, 201);
  const Binning time = Binning::uniform(-1.0, 10.0, 110);
  for (auto npe_shape : {NpeShape::flat, NpeShape::exponential})
    for (auto time_shape : {TimeShape::flat, TimeShape::prompt}) {
      const TemplateBackground b({.name = "b", .roi_events = 160.0, .reference_kg_days = 2160.0,
                                  .npe_shape = npe_shape, .npe_decay_PE = 2.0, .time_shape = time_shape, .origin = ""});
      const Spectrum2D s = b.expected(npe, time, context);
      const Spectrum by_npe = s.project_x();
      double roi = 0.0;
      for (int n = 4; n <= 72; ++n) roi += by_npe.counts[n];
      EXPECT_NEAR(roi, 320.0, 1e-9);  // 160 per 2160 kg·d, twice the exposure
    }
}

TEST(TemplateBackground, ShapesDoWhatTheySay) {
  const ArrivalTimeModel timing(PulseConfig{}, 35.0);
  const BackgroundContext context{.exposure_kg_days = 1.0, .arrival_time = &timing, .roi_npe_min = 4, .roi_npe_max = 72};
  const Binning npe = Binning::uniform(-0.5, 100.5, 101);
  const Binning time = Binning::uniform(-1.0, 10.0, 110);
  const TemplateBackground prompt({.name = "brn", .roi_events = 1.0, .reference_kg_days = 1.0,
                                   .npe_shape = NpeShape::exponential, .npe_decay_PE = 1.0,
                                   .time_shape = TimeShape::prompt, .origin = ""});
  const Spectrum2D s = prompt.expected(npe, time, context);
  const Spectrum t = s.project_y();
  // Prompt: ≥ 99 % within the first 1.5 µs (two bunches 410 ns apart, τ_π = 26 ns).
  double early = 0.0;
  for (std::size_t i = 0; i < 25; ++i) early += t.counts[i];
  EXPECT_GT(early / t.total(), 0.99);
  // Exponential with 1 PE decay: each bin e⁻¹ of the previous.
  const Spectrum n = s.project_x();
  EXPECT_NEAR(n.counts[5] / n.counts[4], std::exp(-1.0), 1e-12);
}

TEST(TemplateBackground, Validation) {
  BackgroundTemplateConfig c{.name = "", .roi_events = 1.0, .reference_kg_days = 1.0, .npe_shape = NpeShape::flat,
                             .npe_decay_PE = 1.0, .time_shape = TimeShape::flat, .origin = ""};
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);
  c.name = "x";
  c.roi_events = -1.0;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);
  c.roi_events = 1.0;
  c.reference_kg_days = 0.0;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);
}

}  // namespace
}  // namespace cevns
