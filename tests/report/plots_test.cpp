#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "cevns/core/error.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/report/plots.hpp"

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

}  // namespace
}  // namespace cevns::report
