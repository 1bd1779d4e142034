// cevns sensitivity end to end: the likelihood significance beside the counting one, in the
// table, the JSON and the output directory; bad likelihood options are refused.
#include <gtest/gtest.h>

#include "shell.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

using cevns::test::Result;

Result cevns(const std::string& arguments, bool with_stderr = true) {
  const std::string command = std::string(CEVNS_EXECUTABLE) + " " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null");
  return cevns::test::run_shell(command);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string config = std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml";

TEST(SensitivityCommand, PrintsTheLikelihoodBesideTheCountingSignificance) {
  const auto r = cevns("sensitivity -c " + config);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "counting N/√(N+B)")) << r.output;
  EXPECT_TRUE(contains(r.output, "likelihood, npe x time (7590 bins)")) << r.output;
  EXPECT_TRUE(contains(r.output, "likelihood, npe (69 bins)")) << r.output;
  EXPECT_TRUE(contains(r.output, "likelihood, time (110 bins)")) << r.output;
  EXPECT_TRUE(contains(r.output, "bkg_beam-related_neutrons")) << r.output;

  const auto j = cevns("sensitivity -f json -c " + config, false);
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_TRUE(contains(j.output, "\"likelihood\": {")) << j.output;
  EXPECT_TRUE(contains(j.output, "\"binning\": \"npe x time\"")) << j.output;
  EXPECT_TRUE(contains(j.output, "\"binning\": \"time\"")) << j.output;
  EXPECT_TRUE(contains(j.output, "\"map_significance\": [")) << j.output;
  EXPECT_TRUE(contains(j.output, "\"days_to_5sigma\"")) << j.output;

  const fs::path dir = fs::temp_directory_path() / ("cevns_sensitivity_cli_" + std::to_string(::getpid()));
  const auto o = cevns("sensitivity -c " + config + " --output " + dir.string());
  EXPECT_EQ(o.exit_code, 0) << o.output;
  EXPECT_TRUE(fs::exists(dir / "likelihood_sensitivity.json"));
  EXPECT_TRUE(fs::exists(dir / "significance_map_likelihood.csv"));
  // Figure 14 from the likelihood, drawn by the plotting module.
  for (const char* figure : {"fig14_significance_map_likelihood.png", "fig14_significance_map_likelihood.svg"})
    EXPECT_GT(fs::exists(dir / figure) ? fs::file_size(dir / figure) : 0u, 1000u) << figure;
  EXPECT_TRUE(fs::exists(dir / "significance_map.csv"));
  fs::remove_all(dir);
}

TEST(SensitivityCommand, RefusesAnOutOfRangeLikelihoodOption) {
  const auto r = cevns("sensitivity -c " + config + " --flux-sigma -0.2");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "flux_sigma")) << r.output;
}

TEST(FitCommand, FitsACevnsSelectRunAtItsOwnProtonsOnTarget) {
  // simulate → reconstruct → select → fit on the command line (CLOVERS × 100 mass × 100
  // beam, dark counts at 4 kHz, 100 000 triggers; 4 s): observed.csv is cropped to the
  // region of interest and the templates are scaled to selection.json's protons on target,
  // so that the signal strength is that of the prediction select prints (measured 0.95 ±
  // 0.04 of 593.6; before the scaling it read 0.0002 of the 180-day prediction).
  const fs::path dir = fs::temp_directory_path() / ("cevns_fit_chain_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string set = " -s detector.mass_kg=1200 -s source.beam_power_kW=14000 -s backgrounds=[] "
                          "-s selection.afterglow_efficiency=1 -s daq.pmt.dark_rate_Hz=4000";
  const std::string d = dir.string();
  ASSERT_EQ(cevns("simulate -c " + config + set + " -n 100000 -o " + d + "/raw.h5").exit_code, 0);
  ASSERT_EQ(cevns("reconstruct " + d + "/raw.h5 -o " + d + "/reco.h5").exit_code, 0);
  ASSERT_EQ(cevns("select " + d + "/reco.h5 -o " + d + "/sel").exit_code, 0);
  const auto r = cevns("fit -c " + config + set + " --data " + d + "/sel/observed.csv");
  fs::remove_all(dir);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "templates scaled to the")) << r.output;
  const auto at = r.output.find("(signal strength ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const double strength = std::stod(r.output.substr(at + 17));
  // Within 4 × its ≈ 0.04 error of 1 (the fit against the prediction for these POT).
  EXPECT_NEAR(strength, 1.0, 0.16) << r.output;
}

}  // namespace
