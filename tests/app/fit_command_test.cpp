// cevns fit end to end: the table, fit.json and figures, and clear errors on bad input.
#include <gtest/gtest.h>

#include "shell.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

using cevns::test::Result;

Result cevns(const std::string& arguments) {
  const std::string command = std::string(CEVNS_EXECUTABLE) + " " + arguments + " 2>&1";
  return cevns::test::run_shell(command);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string release = std::string(CEVNS_SOURCE_DIR) + "/../shared/data/coherent-csi-2017";

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("cevns_fit_cli_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

TEST(FitCommand, FitsTheCoherentReleaseAndWritesJsonAndFigures) {
  if (!fs::exists(release + "/data_coincidence_beamOn.txt")) GTEST_SKIP() << "the COHERENT 2017 release is not in " << release;
  TempDir tmp;
  const auto r = cevns("fit -q --data " + release + " --output " + (tmp.path / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "cevns = ")) << r.output;
  EXPECT_TRUE(contains(r.output, "significance")) << r.output;
  EXPECT_TRUE(contains(r.output, "goodness of fit")) << r.output;
  for (const char* f : {"fit.json", "fit_on-beam_npe.png", "fit_on-beam_time.png", "fit_off-beam_npe.png", "fit_profile.png",
                        "fit_pulls.png", "fit_correlation.png"})
    EXPECT_TRUE(fs::exists(tmp.path / "out" / f)) << f;
}

TEST(FitCommand, AsimovOfTheShippedStudy) {
  const auto r = cevns("fit -q --asimov --format json --fix bkg_PMT_dark_counts=1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "\"minus_2_log_likelihood\"")) << r.output;
}

TEST(FitCommand, BadInputSaysWhatAndWhere) {
  TempDir tmp;
  const auto csv = tmp.path / "observed.csv";
  std::ofstream(csv) << "region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts\non-beam,1,1,3,0,1,2.5\n";
  auto r = cevns("fit -q --data " + csv.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "observed.csv:2: counts = 2.5")) << r.output;
  r = cevns("fit -q");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "needs --data")) << r.output;
  r = cevns("fit -q --data " + (tmp.path / "missing.csv").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = cevns("fit -q --asimov --fix nonsense=1");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown fit parameter 'nonsense'")) << r.output;
  r = cevns("fit -q --asimov --fix cevns");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "expected name=value")) << r.output;
  r = cevns("fit -q --asimov --poi nonsense");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto toml = tmp.path / "fit.toml";
  std::ofstream(toml) << "[fit]\nbrn_sigmaa = 0.3\n";
  r = cevns("fit -q --asimov --fit-config " + toml.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "fit.toml:2: unknown key fit.brn_sigmaa")) << r.output;
}

}  // namespace
