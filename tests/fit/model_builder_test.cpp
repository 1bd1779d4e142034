// Building the model from a prediction: rebinning, time shifts, the fit TOML, components.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "cevns/core/error.hpp"
#include "cevns/fit/model_builder.hpp"
#include "cevns/io/config_reader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cevns;
using namespace cevns::fit;

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

TEST(Rebin, SumsWholePhotoelectronsAndSplitsTimeByOverlap) {
  // Prediction bins k = 0 … 4 photoelectrons (the last the overflow), time 0–2 µs in 1 µs.
  Spectrum2D s(Binning::uniform(-0.5, 4.5, 5), Binning::uniform(0.0, 2.0, 2));
  for (std::size_t k = 0; k < 5; ++k) {
    s.at(k, 0) = 10.0 * double(k);
    s.at(k, 1) = 1.0;
  }
  Region r("on-beam", 1.0, Binning({1.0, 3.0, 4.0}), Binning({0.0, 0.5, 2.0}));
  const auto out = rebin(s, r);
  // NPE [1, 3) = k 1, 2: time [0, 0.5) takes half of the first µs; [0.5, 2) the rest.
  EXPECT_DOUBLE_EQ(out[0], 0.5 * (10.0 + 20.0));
  EXPECT_DOUBLE_EQ(out[1], 0.5 * (10.0 + 20.0) + 2.0);
  EXPECT_DOUBLE_EQ(out[2], 0.5 * 30.0);  // [3, 4) = k 3
  // Data beyond the prediction: an error naming what to raise.
  Region wide("on-beam", 1.0, Binning({1.0, 5.0}), Binning({0.0, 2.0}));
  EXPECT_THROW((void)rebin(s, wide), ConfigError);
  Region late("on-beam", 1.0, Binning({1.0, 2.0}), Binning({0.0, 3.0}));
  EXPECT_THROW((void)rebin(s, late), ConfigError);
}

TEST(ShiftInTime, MovesCountsLaterWithinEachRow) {
  const std::vector<RegionLayout> layout{{"on-beam", 0, 1, 4, {0, 1}, {0, 1, 2, 3, 4}}};
  const std::vector<double> row{0, 10, 0, 0};
  const auto later = shift_in_time(row, layout, 0.5);
  EXPECT_DOUBLE_EQ(later[1], 5.0);
  EXPECT_DOUBLE_EQ(later[2], 5.0);
  EXPECT_DOUBLE_EQ(sum(later), 10.0);
  const auto earlier = shift_in_time(row, layout, -1.0);
  EXPECT_DOUBLE_EQ(earlier[0], 10.0);
}

struct TempToml {
  fs::path path;
  explicit TempToml(const std::string& text) {
    path = fs::temp_directory_path() / ("cevns_fit_config_" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path) << text;
  }
  ~TempToml() { fs::remove(path); }
};

TEST(FitConfig, ReadsAndRejectsWithFileAndLine) {
  {
    TempToml t("[fit]\npoi = \"cevns\"\nbrn_sigma = 0.3\nbackgrounds = [\"beam-related neutrons\"]\n"
               "[[fit.variation]]\nname = \"q\"\nkey = \"detector.quenching.constant_qf\"\nup = 0.1\ndown = 0.07\n");
    const auto c = read_fit_config(t.path);
    EXPECT_DOUBLE_EQ(c.brn_sigma, 0.3);
    ASSERT_TRUE(c.backgrounds.has_value());
    EXPECT_EQ(c.backgrounds->front(), "beam-related neutrons");
    ASSERT_EQ(c.variations.size(), 1u);
    EXPECT_DOUBLE_EQ(c.variations[0].up, 0.1);
  }
  const auto error = [](const std::string& text) {
    TempToml t(text);
    try {
      (void)read_fit_config(t.path);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("[fit]\npoi = \"cevns\"\nbrn_sigmaa = 1\n").find(":3: unknown key fit.brn_sigmaa"), std::string::npos);
  EXPECT_NE(error("[fit]\nbrn_sigma = -1\n").find("invalid fit.brn_sigma"), std::string::npos);
  EXPECT_NE(error("[fit]\nsteady_state = \"smooth\"\n").find("invalid fit.steady_state"), std::string::npos);
  EXPECT_NE(error("[fit]\nbrn_sigma = \"big\"\n").find("fit.brn_sigma has the wrong type"), std::string::npos);
  EXPECT_NE(error("poi = 1\n").find("no [fit] table"), std::string::npos);
  EXPECT_NE(error("[fit\n").find(":1:"), std::string::npos);
}

/// On- and off-beam regions over the CLOVERS prediction's ROI grid, 4 NPE bins × 3 time bins.
ObservedData two_regions() {
  ObservedData d;
  d.source = "test";
  for (const char* name : {"on-beam", "off-beam"}) {
    d.regions.emplace_back(name, 100.0, Binning({4, 10, 20, 40, 72}), Binning({0.0, 1.0, 3.0, 10.0}));
    for (auto& c : d.regions.back().counts) c = 20.0;
  }
  return d;
}

TEST(BuildModel, ComponentsOfTheConfiguration) {
  const auto prediction = predict(io::read_experiment_config(fs::path(CEVNS_SOURCE_DIR) / "configs" / "clovers.toml"));
  const auto data = two_regions();
  auto c = default_fit_config(data);
  EXPECT_EQ(c.steady_state, "per-npe-bin");  // an off-beam region: the steady state is measured
  auto built = build_model(prediction, data, c);
  std::vector<std::string> names;
  for (const auto& s : built.model.samples()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"cevns", "steady_state"}));
  // CEvNS only on-beam; its count is the prediction's in these bins.
  const auto& cevns = built.model.samples().front();
  EXPECT_DOUBLE_EQ(sum(std::vector<double>(cevns.nominal.begin() + 12, cevns.nominal.end())), 0.0);
  EXPECT_GT(built.events_per_unit.at("cevns"), 100.0);
  EXPECT_LT(built.events_per_unit.at("cevns"), prediction.roi_signal() * 1.0001);
  // A configured background by name, with its log-normal normalisation.
  c.backgrounds = std::vector<std::string>{"beam-related neutrons"};
  built = build_model(prediction, data, c);
  EXPECT_NO_THROW((void)built.model.index("bkg_beam-related_neutrons"));
  EXPECT_EQ(built.model.parameters()[built.model.index("bkg_beam-related_neutrons")].constraint, Constraint::lognormal);
  c.backgrounds = std::vector<std::string>{"cosmic unicorns"};
  EXPECT_THROW((void)build_model(prediction, data, c), ConfigError);
  // The release's BRN needs the release.
  c = default_fit_config(data);
  c.brn = "release";
  c.release_dir = "/nonexistent";
  EXPECT_THROW((void)build_model(prediction, data, c), Error);
  c = default_fit_config(data);
  c.on_region = "beam";
  EXPECT_THROW((void)build_model(prediction, data, c), ConfigError);
}

}  // namespace
