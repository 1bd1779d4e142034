// Systematics as model variations: each [[systematics]] nuisance at ±1σ.
#include <gtest/gtest.h>

#include <cmath>

#include "cevns/core/error.hpp"
#include "cevns/experiment/variations.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns {
namespace {

ExperimentConfig load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + name, overrides);
}

TEST(Variations, CoherentReleaseUncertainties) {
  // configs/coherent-csi-2017.toml carries the release's uncertainties; each variation is
  // the prediction of the shifted configuration, and the yield's ±10 % scales the signal by
  // exactly 1.1 and 0.9 (the flux is linear in it).
  const auto config = load("coherent-csi-2017.toml");
  ASSERT_EQ(config.systematics.size(), 6u);
  const auto central = predict(config);
  const auto variations = predict_variations(config);
  ASSERT_EQ(variations.size(), 6u);
  for (const auto& v : variations) {
    EXPECT_TRUE(std::isfinite(v.down.roi_signal()) && std::isfinite(v.up.roi_signal())) << v.name;
    if (v.parameter == SystematicParameter::neutrino_yield) {
      EXPECT_NEAR(v.up.roi_signal() / central.roi_signal(), 1.1, 1e-12);
      EXPECT_NEAR(v.down.roi_signal() / central.roi_signal(), 0.9, 1e-12);
    }
  }
  // The quenching variation is the model's own ±1σ: QF 0.0878 ± 0.0166 (the CLI's
  // --set detector.quenching.shift_sigma=±1, 217.9 and 130.9 events; docs/validation.md).
  EXPECT_EQ(variations[0].name, "quenching factor");
  EXPECT_NEAR(variations[0].up.roi_signal(), 217.9, 0.1);
  EXPECT_NEAR(variations[0].down.roi_signal(), 130.9, 0.1);
  EXPECT_DOUBLE_EQ(variations[0].up.config.detector.quenching.shift_sigma, 1.0);
  // Acceptance a: asymmetric, +0.0212 / −0.0384 on the plateau 0.6655; the acceptance,
  // and so the signal, is proportional to it (no offset, never clipped).
  EXPECT_DOUBLE_EQ(variations[2].up.config.selection.acceptance.a, 0.6655 + 0.0212);
  EXPECT_DOUBLE_EQ(variations[2].down.config.selection.acceptance.a, 0.6655 - 0.0384);
  EXPECT_NEAR(variations[2].up.roi_signal() / central.roi_signal(), (0.6655 + 0.0212) / 0.6655, 1e-9);
  // A larger x₀ moves the acceptance to higher PE: fewer events.
  EXPECT_LT(variations[4].up.roi_signal(), central.roi_signal());
  EXPECT_GT(variations[4].down.roi_signal(), central.roi_signal());
}

TEST(Variations, ShiftedMovesEachParameter) {
  const auto config = load("clovers.toml");
  const auto at = [&](SystematicParameter p, double plus, double minus, double sigmas) {
    return shifted(config, SystematicConfig{.name = "s", .parameter = p, .plus_sigma = plus, .minus_sigma = minus, .origin = {}},
                   sigmas);
  };
  EXPECT_DOUBLE_EQ(at(SystematicParameter::light_yield, 0.1, 0.2, 1.0).detector.light_yield(0), 33.5 * 1.1);
  EXPECT_DOUBLE_EQ(at(SystematicParameter::light_yield, 0.1, 0.2, -0.5).detector.light_yield(0), 33.5 * 0.9);
  const auto late = at(SystematicParameter::beam_timing, 50.0, 50.0, 1.0);
  EXPECT_EQ(late.source.pulse.bunch_times_ns, (std::vector<double>{50.0, 460.0}));
  // A 50 ns later beam moves the mean arrival by 50 ns and keeps every count in the window.
  const auto base = predict(config);
  const auto moved = predict(late);
  EXPECT_NEAR(moved.total_events(), base.total_events(), 1e-9 * base.total_events());
  const auto mean_time = [](const Prediction& p) {
    const auto& s = p.arrival_time.at(Flavor::nu_mu);
    double sum = 0.0, weight = 0.0;
    for (std::size_t i = 0; i < s.counts.size(); ++i) sum += s.counts[i] * s.binning.center(i), weight += s.counts[i];
    return sum / weight;
  };
  EXPECT_NEAR(mean_time(moved) - mean_time(base), 0.050, 0.002);  // µs; 0.1 µs bins
}

TEST(Variations, ConfigurationIsChecked) {
  const auto message = [&](const std::string& table) {
    try {
      io::parse_experiment_config("[exposure]\ncalendar_days = 1\n" + table, "t.toml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message("[[systematics]]\nname = \"ly\"\nparameter = \"light-yield\"\nplus_sigma = 0.9\n")
                .find("systematics[0].plus_sigma = 0.9 (must be in [0, 0.5]"),
            std::string::npos);
  EXPECT_NE(message("[[systematics]]\nname = \"a\"\n[[systematics]]\nname = \"a\"\n").find("systematics[1].name"),
            std::string::npos);
  EXPECT_NE(message("[[systematics]]\nparameter = \"quenching\"\n").find("systematics[0].name"), std::string::npos);
  EXPECT_NE(message("[[systematics]]\nname = \"x\"\nparameter = \"birks\"\n").find("light-yield"), std::string::npos);
}

}  // namespace
}  // namespace cevns
