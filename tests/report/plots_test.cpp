#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "cevns/core/error.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/report/plots.hpp"
#include "cevns/report/prediction_table.hpp"

namespace cevns::report {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A fresh directory under the system temporary directory, removed at scope exit.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::random_device random;
    path_ = fs::temp_directory_path() / ("cevns-plots-" + std::to_string(random()));
    fs::remove_all(path_);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class Figures : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    prediction_ = new Prediction(
        predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml")));
    sensitivity_ = new Sensitivity(
        sensitivity(*prediction_, 2.0 * prediction_->config.detector.mass_kg, 2.0 * prediction_->days()));
  }
  static void TearDownTestSuite() {
    delete sensitivity_;
    delete prediction_;
  }
  static Prediction* prediction_;
  static Sensitivity* sensitivity_;
};

Prediction* Figures::prediction_ = nullptr;
Sensitivity* Figures::sensitivity_ = nullptr;

TEST_F(Figures, WritesEveryFigureAsPngAndSvg) {
  const TemporaryDirectory tmp;
  const fs::path directory = tmp.path() / "figures";  // does not exist yet
  const auto written = write_figures(*prediction_, *sensitivity_, directory);

  const std::array<const char*, 5> stems{"fig05_selection_efficiency", "fig06_recoil_spectrum", "fig07_npe_spectrum",
                                         "fig13_signal_background", "fig14_significance_map"};
  EXPECT_EQ(written.size(), 2 * stems.size());
  for (const char* stem : stems) {
    const fs::path png = directory / (std::string(stem) + ".png");
    const fs::path svg = directory / (std::string(stem) + ".svg");
    EXPECT_NE(std::find(written.begin(), written.end(), png), written.end()) << png;
    EXPECT_NE(std::find(written.begin(), written.end(), svg), written.end()) << svg;
    ASSERT_TRUE(fs::is_regular_file(png)) << png;
    ASSERT_TRUE(fs::is_regular_file(svg)) << svg;

    const std::string png_bytes = read_file(png);
    EXPECT_EQ(png_bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << png;
    // A blank 800 × 600 canvas compresses to about 2 kB; a drawn figure is far larger.
    EXPECT_GT(png_bytes.size(), 10'000U) << png;
    EXPECT_NE(read_file(svg).find("<svg"), std::string::npos) << svg;
  }
  // Only the figures: no temporary files left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(directory), fs::directory_iterator()),
            static_cast<std::ptrdiff_t>(2 * stems.size()));
}

TEST_F(Figures, ReplacesExistingFigures) {
  const TemporaryDirectory tmp;
  fs::create_directories(tmp.path());
  const fs::path old_png = tmp.path() / "fig05_selection_efficiency.png";
  std::ofstream(old_png) << "stale";
  write_figures(*prediction_, *sensitivity_, tmp.path());
  EXPECT_EQ(read_file(old_png).substr(1, 3), "PNG");
}

TEST_F(Figures, UnwritableDirectoryThrowsIoError) {
  // Cannot be created …
  EXPECT_THROW(write_figures(*prediction_, *sensitivity_, "/proc/cevns-no"), IoError);
  // … or exists but takes no files (even for root).
  try {
    write_figures(*prediction_, *sensitivity_, "/proc");
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write /proc/fig05_selection_efficiency.png"), std::string::npos)
        << e.what();
  }
}

/// A glyph MathGL drew into an SVG: `<g transform="translate(x,y) scale(s,-s)
/// rotate(a)"><use x="u" …>`: its origin on the canvas (px), size and angle.
struct Glyph {
  double x_px, y_px, scale, angle_deg;
};

std::vector<Glyph> glyphs_of(const fs::path& svg) {
  static const std::regex pattern(
      R"re(translate\(([-0-9.e]+),([-0-9.e]+)\) scale\(([-0-9.e]+),[-0-9.e]+\) rotate\(([-0-9.e]+)\)"[^>]*><use x="([-0-9.e]+)")re");
  const std::string text = read_file(svg);
  std::vector<Glyph> glyphs;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
    const double scale = std::stod((*it)[3]);
    const double angle = std::stod((*it)[4]);
    const double u = std::stod((*it)[5]) * scale;  // offset along the text direction
    const double rad = angle * 3.14159265358979 / 180.0;
    glyphs.push_back({std::stod((*it)[1]) + u * std::cos(rad), std::stod((*it)[2]) - u * std::sin(rad), scale, angle});
  }
  return glyphs;
}

/// Every glyph of every figure of every shipped experiment lies on the 800 × 600 canvas
/// (COHERENT's Figure 7 title ran off both edges), reads upright (angle within ±90°; the
/// y-axis labels read upwards at 90°), and in Figure 14 no smaller than the title's
/// subscripts (its contour labels were 0.0225, upside down; legend indices elsewhere are
/// that small by design).
TEST(FigureLayout, EveryTextIsOnTheCanvasUprightAndReadable) {
  for (const char* config : {"clovers", "cicenns", "coherent-csi-2017"}) {
    const auto p = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + config + ".toml"));
    const auto s = sensitivity(p, 2.0 * p.config.detector.mass_kg, std::max(365.0, 2.0 * p.days()));
    const TemporaryDirectory tmp;
    for (const auto& file : write_figures(p, s, tmp.path())) {
      if (file.extension() != ".svg") continue;
      const auto glyphs = glyphs_of(file);
      EXPECT_GT(glyphs.size(), 20U) << file;
      constexpr double glyph_width_units = 330.0;  // MathGL's font: about 330 units per glyph
      for (const auto& g : glyphs) {
        const std::string where = fmt::format("{} of {}: glyph at ({:.0f}, {:.0f}) px", file.filename().string(),
                                              config, g.x_px, g.y_px);
        EXPECT_GE(g.x_px, 0.0) << where;
        EXPECT_LE(g.x_px + g.scale * glyph_width_units * std::cos(g.angle_deg * 3.14159265358979 / 180.0), 800.0)
            << where;
        EXPECT_GE(g.y_px, 0.0) << where;
        EXPECT_LE(g.y_px, 600.0) << where;
        EXPECT_LE(std::abs(g.angle_deg), 90.0 + 1e-6) << where << " reads upside down";
        if (file.stem() == "fig14_significance_map") {
          EXPECT_GE(g.scale, 0.03) << where << " is too small to read";
        }
      }
    }
  }
}

/// Titles name the exposure as configured: CICENNS's is 5000 beam hours, not "208 days".
TEST(FigureLayout, ExposureIsNamedInItsOwnUnit) {
  const auto cicenns = io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/cicenns.toml");
  EXPECT_EQ(format_exposure(cicenns.exposure), "5000 beam hours");
  EXPECT_EQ(format_exposure(cicenns.exposure, 3), "5000 beam hours");  // not 5e+03
  ExposureConfig e{.calendar_days = 365.0, .beam_on_fraction = 0.6, .beam_hours = {}, .beam_energy_GWh = {}, .protons_on_target = {}};
  EXPECT_EQ(format_exposure(e), "365 days at 60 % beam");
  e = {.calendar_days = {}, .beam_on_fraction = 1.0, .beam_hours = {}, .beam_energy_GWh = 7.47594, .protons_on_target = {}};
  EXPECT_EQ(format_exposure(e, 3), "7.48 GW h");
}

}  // namespace
}  // namespace cevns::report

namespace cevns::report {
namespace {

/// The background figures (Figures 9 and 10 from the models, arrival times): written for
/// each shipped experiment, with every glyph on the canvas and upright; Figure 10 only
/// where a pmt-dark-counts model is configured (COHERENT-CsI-2017 has none).
TEST(BackgroundFigures, WrittenReadableAndOnlyWhereTheyApply) {
  for (const char* config : {"clovers", "cicenns", "coherent-csi-2017"}) {
    const auto p = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + config + ".toml"));
    const TemporaryDirectory tmp;
    const auto written = write_background_figures(p, tmp.path());
    const bool dark_model = std::any_of(p.config.backgrounds.begin(), p.config.backgrounds.end(),
                                        [](const BackgroundConfig& b) { return b.model == BackgroundKind::pmt_dark_counts; });
    std::vector<std::string> stems{"fig_arrival_time"};
    if (!p.backgrounds.empty()) stems.push_back("fig09_backgrounds");
    if (dark_model) stems.push_back("fig10_dark_counts_model");
    EXPECT_EQ(written.size(), 2 * stems.size()) << config;
    for (const auto& stem : stems) {
      const fs::path png = tmp.path() / (stem + ".png");
      ASSERT_TRUE(fs::is_regular_file(png)) << png;
      EXPECT_GT(read_file(png).size(), 10'000U) << png;  // a blank canvas is ≈ 2 kB
      const auto glyphs = glyphs_of(tmp.path() / (stem + ".svg"));
      EXPECT_GT(glyphs.size(), 20U) << stem;
      for (const auto& g : glyphs) {
        const std::string where = fmt::format("{} of {}: glyph at ({:.0f}, {:.0f}) px", stem, config, g.x_px, g.y_px);
        EXPECT_GE(g.x_px, 0.0) << where;
        EXPECT_LE(g.x_px, 800.0) << where;
        EXPECT_GE(g.y_px, 0.0) << where;
        EXPECT_LE(g.y_px, 600.0) << where;
        EXPECT_LE(std::abs(g.angle_deg), 90.0 + 1e-6) << where;
      }
    }
  }
}

}  // namespace
}  // namespace cevns::report
