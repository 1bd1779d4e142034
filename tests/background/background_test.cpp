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


// PMT dark counts (docs/backgrounds.md): the per-trigger pieces of the analytic model.
TEST(PmtDarkCounts, OnePmtIsPoissonWithoutMultiPeAndAfterpulses) {
  const DarkCountInputs pmt{.dark_rate_Hz = 10000.0, .multi_pe_fraction = 0.0, .afterpulse_probability = 0.0};
  const auto r = dark_counts_per_trigger(pmt, DetectorConfig{}, SelectionConfig{}, 50);
  const double mu = 10000.0 * 11e-6;  // 11 µs signal region
  EXPECT_NEAR(r.pmt_signal_pe[0], std::exp(-mu), 1e-9);
  EXPECT_NEAR(r.pmt_signal_pe[1], mu * std::exp(-mu), 1e-9);
  EXPECT_NEAR(r.pmt_signal_pe[2], mu * mu / 2 * std::exp(-mu), 1e-9);
  EXPECT_NEAR(r.pmt_pretrace_pe[0], std::exp(-10000.0 * 40e-6), 1e-9);
}

TEST(PmtDarkCounts, AfterpulsesAndMultiPeAddPhotoelectrons) {
  const DarkCountInputs plain{.multi_pe_fraction = 0.0, .afterpulse_probability = 0.0};
  DarkCountInputs after = plain;
  after.afterpulse_probability = 0.5;
  DarkCountInputs multi = plain;
  multi.multi_pe_fraction = 0.5;
  const auto mean = [](const std::vector<double>& p) {
    double m = 0.0;
    for (std::size_t k = 0; k < p.size(); ++k) m += double(k) * p[k];
    return m;
  };
  const auto pe = [&](const DarkCountInputs& in) {
    return mean(dark_counts_per_trigger(in, DetectorConfig{}, SelectionConfig{}, 50).pmt_signal_pe);
  };
  const double mu = 111.0 * 11e-6;
  EXPECT_NEAR(pe(plain), mu, 1e-9);
  // Half the PE of pulses anywhere in the 51 µs window throw an afterpulse ≈ 1.5 µs later;
  // those landing in the signal region: ≈ 111 Hz × 0.5 × 11 µs (pulses from the pretrace
  // replace those thrown beyond the window's end).
  EXPECT_NEAR(pe(after), 1.5 * mu, 0.05 * mu);
  // max(1, Poisson(1.5)) extra PE: 1.5 + e^(−1.5) = 1.72 extra per multi-PE pulse.
  EXPECT_NEAR(pe(multi), mu * (1.0 + 0.5 * (1.5 + std::exp(-1.5))), 1e-6 * mu);
}

TEST(PmtDarkCounts, CoincidentSpectrumIsEmptyBelowTwoPeAndFinite) {
  SelectionConfig selection;
  DetectorConfig detector;
  detector.crystals = 4;
  for (double resolution : {0.0, 0.35}) {
    const DarkCountInputs pmt{.dark_rate_Hz = 5000.0, .spe_resolution = resolution};
    const auto r = dark_counts_per_trigger(pmt, detector, selection, 200);
    for (double c : r.selected_npe) EXPECT_TRUE(std::isfinite(c) && c >= 0.0);
    EXPECT_EQ(r.selected_npe[0], 0.0);
    if (resolution == 0.0) {
      EXPECT_EQ(r.selected_npe[1], 0.0);  // one PE in each PMT at least
    } else {
      // Two single PE (charge 2 ± 0.35√2) round to 1 when their charges sum below 1.5:
      // the reconstruction's view; it stays a small share of the 2-PE bin.
      EXPECT_LT(r.selected_npe[1], 0.25 * r.selected_npe[2]);
    }
    EXPECT_GT(r.selected_npe[2], 0.0);
  }
}

TEST(PmtDarkCounts, CoincidenceGoesWithTheSquareOfTheRate) {
  const DarkCountInputs low{.dark_rate_Hz = 111.0};
  const DarkCountInputs high{.dark_rate_Hz = 222.0};
  const auto a = dark_counts_per_trigger(low, DetectorConfig{}, SelectionConfig{}, 200);
  const auto b = dark_counts_per_trigger(high, DetectorConfig{}, SelectionConfig{}, 200);
  EXPECT_NEAR(b.crystal_coincidence / a.crystal_coincidence, 4.0, 0.05);
  EXPECT_NEAR(b.selected_npe[2] / a.selected_npe[2], 4.0, 0.05);
}

TEST(PmtDarkCounts, RefusesANormalisation) {
  BackgroundTemplateConfig c{.name = "dark", .model = BackgroundKind::pmt_dark_counts, .roi_events = 160.0};
  EXPECT_THROW(c.validate("backgrounds[1]"), InvalidValue);
  c.roi_events = 0.0;
  EXPECT_NO_THROW(c.validate("backgrounds[1]"));
}

}  // namespace
}  // namespace cevns
