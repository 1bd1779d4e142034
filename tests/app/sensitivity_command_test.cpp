// cevns sensitivity end to end: the likelihood significance beside the counting one, in the
// table, the JSON and the output directory; bad likelihood options are refused.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string output;
};

Result cevns(const std::string& arguments, bool with_stderr = true) {
  const std::string command = std::string(CEVNS_EXECUTABLE) + " " + arguments + (with_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) output += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
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
  EXPECT_TRUE(fs::exists(dir / "significance_map.csv"));
  fs::remove_all(dir);
}

TEST(SensitivityCommand, RefusesAnOutOfRangeLikelihoodOption) {
  const auto r = cevns("sensitivity -c " + config + " --flux-sigma -0.2");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "flux_sigma")) << r.output;
}

}  // namespace
