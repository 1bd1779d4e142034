// The cevns program end to end: output and exit codes on good and bad input.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& arguments) {
  const std::string command = std::string(CEVNS_EXECUTABLE) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe)) output += buffer.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

const std::string config = std::string("--config ") + CEVNS_SOURCE_DIR + "/configs/";

TEST(Cli, PredictPrintsATable) {
  const auto r = run("predict " + config + "clovers.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("CEvNS prediction — CLOVERS"), std::string::npos) << r.output;
}

TEST(Cli, PredictJsonAndOutputDirectory) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_cli_test";
  std::filesystem::remove_all(dir);
  const auto r = run("-q predict " + config + "cicenns.toml --format json --output " + dir.string() +
                     " --set physics.form_factor=klein-nystrand --set physics.sin2_theta_w=0.2312");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.front(), '{') << r.output.substr(0, 200);
  EXPECT_NE(r.output.find("\"by_flavor\""), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir / "prediction.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "config.toml"));
  std::filesystem::remove_all(dir);
}

TEST(Cli, ConfigShow) {
  const auto r = run("config show " + config + "coherent-csi-2017.toml --set detector.mass_kg=10");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mass_kg = 10"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("form_factor = 'klein-nystrand'"), std::string::npos) << r.output;
}

TEST(Cli, BadInputExitsWithOneAndAMessage) {
  auto r = run("predict --config does-not-exist.toml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cevns: error: cannot read configuration file 'does-not-exist.toml'"), std::string::npos)
      << r.output;
  r = run("predict " + config + "clovers.toml --set detector.mass_kg=-3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("invalid detector.mass_kg = -3 (must be a positive number)"), std::string::npos) << r.output;
  r = run("predict " + config + "clovers.toml --set physics.form_factor=helmm");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("did you mean 'helm'"), std::string::npos) << r.output;
}

TEST(Cli, BadCommandLineExitsWithTwo) {
  EXPECT_EQ(run("").exit_code, 2);
  EXPECT_EQ(run("frobnicate").exit_code, 2);
  EXPECT_EQ(run("predict --format yaml").exit_code, 2);
  EXPECT_EQ(run("predict --help").exit_code, 0);
  EXPECT_EQ(run("--version").exit_code, 0);
}

}  // namespace

namespace {

TEST(Cli, SensitivityJsonHasTheTopLevelNumbers) {
  const auto r = run("-q sensitivity " + config + "clovers.toml --format json");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"significance\""), std::string::npos);
  EXPECT_NE(r.output.find("\"days_to_5sigma\""), std::string::npos);
  EXPECT_NE(r.output.find("\"roi\""), std::string::npos);
  const auto table = run("sensitivity " + config + "clovers.toml");
  EXPECT_NE(table.output.find("days to 5σ"), std::string::npos) << table.output;
}

TEST(Cli, RunWritesTheStudy) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_cli_run";
  std::filesystem::remove_all(dir);
  const auto r = run("-q run " + config + "coherent-csi-2017.toml --output " + dir.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* file : {"summary.txt", "prediction.json", "sensitivity.json", "npe_time.csv",
                           "fig05_selection_efficiency.png", "fig13_signal_background.svg", "fig14_significance_map.png"})
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

TEST(Cli, SimulateWritesBothFileKindsForCloversAndCicenns) {
  const auto dir = std::filesystem::temp_directory_path() / ("cevns_cli_simulate_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  for (const char* experiment : {"clovers", "cicenns"}) {
    const auto zs = dir / (std::string(experiment) + "_zs.h5");
    auto r = run("-q simulate " + config + experiment + ".toml --triggers 20000 --threads 2 --output " + zs.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(std::filesystem::exists(zs));
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(zs).concat(".part")));
    const auto full = dir / (std::string(experiment) + "_full.h5");
    r = run("-q simulate " + config + experiment + ".toml --triggers 3 --mode full --output " + full.string() +
            " --set daq.digitizer.window_us=10 --set daq.digitizer.pretrace_us=8");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(std::filesystem::exists(full));
  }
  std::filesystem::remove_all(dir);
}

TEST(Cli, SimulateRejectsBadRequests) {
  EXPECT_EQ(run("simulate " + config + "clovers.toml --output /tmp/x.h5").exit_code, 1);  // how many?
  auto r = run("simulate " + config + "clovers.toml --duration 3 weeks --output /tmp/x.h5");
  EXPECT_NE(r.exit_code, 0);
  r = run("simulate " + config + "clovers.toml --duration 3weeks --output /tmp/x.h5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("expected a number with a unit s, min, h or d"), std::string::npos) << r.output;
  EXPECT_EQ(run("simulate " + config + "clovers.toml --triggers 5 --mode raw --output /tmp/x.h5").exit_code, 2);
  r = run("simulate " + config + "clovers.toml --triggers 5 --output /proc/cevns/x.h5");
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

}  // namespace

namespace {

TEST(Cli, SimulateReconstructSelectChain) {
  const auto dir = std::filesystem::temp_directory_path() / ("cevns_cli_chain_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string raw = (dir / "run.h5").string(), reduced = (dir / "reco.h5").string();
  for (const char* mode : {"zero-suppressed", "full"}) {
    const std::string triggers = std::string(mode) == "full" ? "200" : "100000";
    auto r = run("-q simulate " + config + "clovers.toml --triggers " + triggers + " --mode " + mode + " --output " + raw +
                 " --set daq.pmt.dark_rate_Hz=3000");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run("-q reconstruct " + raw + " --output " + reduced);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run("-q select " + reduced + " --output " + (dir / "selection").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("3. both PMTs"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("dark count"), std::string::npos) << r.output;
    r = run("-q select " + reduced + " --format json");
    EXPECT_NE(r.output.find("\"cut_flow\""), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "selection" / "fig10_npe_before_after_coincidence.png"));
  // Wrong inputs: a raw file given to select, a missing file, a corrupt file.
  EXPECT_EQ(run("-q select " + raw).exit_code, 1);
  EXPECT_EQ(run("-q reconstruct " + (dir / "none.h5").string() + " --output x.h5").exit_code, 2);  // CLI11 ExistingFile
  { std::ofstream(dir / "junk.h5") << "not hdf5"; }
  const auto junk = run("-q reconstruct " + (dir / "junk.h5").string() + " --output " + (dir / "x.h5").string());
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_NE(junk.output.find("cevns: error:"), std::string::npos) << junk.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
