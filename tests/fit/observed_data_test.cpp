// Observed data: the generic CSV format and the COHERENT 2017 release reader.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cevns/core/error.hpp"
#include "cevns/fit/observed_data.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cevns::fit;

struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& text, const std::string& name = "observed.csv") {
    path = fs::temp_directory_path() / ("cevns_fit_test_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
};

const std::string header = "region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts\n";

/// The message of the ConfigError that reading `text` throws ("" if none).
std::string error_of(const std::string& text) {
  TempFile f(text);
  try {
    (void)read_observed_csv(f.path);
  } catch (const cevns::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ObservedCsv, ReadsRegionsAndRoundTrips) {
  const std::string text = header +
                           "on-beam,100,1,3,0,0.5,4\non-beam,100,1,3,0.5,1,0\non-beam,100,3,5,0,0.5,2\n"
                           "on-beam,100,3,5,0.5,1,7\noff-beam,200,1,5,0,1,9\n";
  TempFile f(text);
  const auto d = read_observed_csv(f.path);
  ASSERT_EQ(d.regions.size(), 2u);
  const auto& on = d.region("on-beam");
  EXPECT_EQ(on.npe.edges(), (std::vector<double>{1, 3, 5}));
  EXPECT_EQ(on.time_us.edges(), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(on.counts, (std::vector<double>{4, 0, 2, 7}));
  EXPECT_DOUBLE_EQ(d.region("off-beam").live_time_s, 200.0);
  EXPECT_EQ(d.bin_count(), 5u);
  TempFile again(to_observed_csv(d), "again.csv");
  const auto e = read_observed_csv(again.path);
  EXPECT_EQ(e.flat_counts(), d.flat_counts());
  EXPECT_THROW((void)d.region("beam-off"), cevns::ConfigError);
}

TEST(ObservedCsv, RowsInAnyOrder) {
  const std::string text = header + "r,1,3,5,0.5,1,7\nr,1,1,3,0,0.5,4\nr,1,3,5,0,0.5,2\nr,1,1,3,0.5,1,0\n";
  TempFile f(text);
  EXPECT_EQ(read_observed_csv(f.path).regions.front().counts, (std::vector<double>{4, 0, 2, 7}));
}

TEST(ObservedCsv, BadInputNamesFileLineAndProblem) {
  EXPECT_NE(error_of("region,counts\n").find(":1: the header must be"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,2.5\n").find(":2: counts = 2.5 is not a whole"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,-1\n").find("not a whole non-negative"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,nan\n").find("not finite"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1\n").find(":2: 6 fields, expected 7"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,x\n").find("counts 'x' is not a number"), std::string::npos);
  EXPECT_NE(error_of(header + "r,0,1,3,0,1,1\n").find("live_time_s = 0 must be positive"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,3,1,0,1,1\n").find("npe_high = 1 must exceed"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,1\nr,2,3,5,0,1,1\n").find(":3: live_time_s = 2 of region 'r' differs"),
            std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,1\nr,1,4,5,0,1,1\n").find("do not tile"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,1\nr,1,1,3,0,1,1\n").find(":3: the same bin as"), std::string::npos);
  // Bins that overlap (one region split two ways) do not tile.
  EXPECT_NE(error_of(header + "r,1,1,3,0,1,1\nr,1,3,5,0,0.5,1\nr,1,3,5,0.5,1,1\n").find("do not tile"), std::string::npos);
  EXPECT_NE(error_of(header + "r,1,1,3,0,0.5,1\nr,1,3,5,0.5,1,1\n").find("2 of its 2 × 2 bins have no row"), std::string::npos);
  EXPECT_NE(error_of(header).find("no data rows"), std::string::npos);
  EXPECT_THROW((void)read_observed_csv("/nonexistent/observed.csv"), cevns::IoError);
}

TEST(Coherent2017Release, ReadsTheFourWindows) {
  const fs::path release = fs::path(CEVNS_SHARED_DATA_DIR) / "coherent-csi-2017";
  if (!is_coherent_2017_release(release)) GTEST_SKIP() << "the COHERENT 2017 release is not in " << release;
  const auto d = read_coherent_2017(release, true);
  ASSERT_EQ(d.regions.size(), 4u);
  // Totals of the release files (awk over their count column).
  EXPECT_DOUBLE_EQ(d.region("on-beam").total(), 1207.0);
  EXPECT_DOUBLE_EQ(d.region("off-beam").total(), 1032.0);
  EXPECT_DOUBLE_EQ(d.region("on-beam-beam-off").total(), 507.0);
  EXPECT_DOUBLE_EQ(d.region("off-beam-beam-off").total(), 507.0);
  const auto& on = d.region("on-beam");
  EXPECT_EQ(on.npe.size(), 25u);
  EXPECT_DOUBLE_EQ(on.npe.low(0), 1.0);  // release bin [0, 2) PE = n = 1, 2 photoelectrons
  EXPECT_DOUBLE_EQ(on.npe.high(24), 51.0);
  EXPECT_EQ(on.time_us.size(), 24u);
  EXPECT_DOUBLE_EQ(on.at(0, 0), 2.0);  // first row of data_coincidence_beamOn.txt: "1.0, 0.25, 2"
  EXPECT_THROW((void)read_coherent_2017(fs::temp_directory_path()), cevns::IoError);
}

}  // namespace
