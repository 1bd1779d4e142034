// The cevns program end to end: output and exit codes on good and bad input.
#include <gtest/gtest.h>

#include "shell.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iterator>

namespace {

using cevns::test::Result;

/// Runs `program arguments` in `directory`.
Result run_in(const std::filesystem::path& directory, const std::string& arguments,
              const std::string& program = CEVNS_EXECUTABLE) {
  const std::string command = "cd '" + directory.string() + "' && " + program + " " + arguments + " 2>&1";
  return cevns::test::run_shell(command);
}

Result run(const std::string& arguments) { return run_in(std::filesystem::current_path(), arguments); }

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
  auto r = run("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cevns: error: unknown command 'frobnicate'; the commands are: predict, sensitivity, run, "
                          "simulate, reconstruct, select, config"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(run("-q frobnicate").exit_code, 2);
  r = run("config frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown command 'config frobnicate'; the commands of cevns config are: show"),
            std::string::npos)
      << r.output;
  r = run("-v");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no command given; the commands are: predict,"), std::string::npos) << r.output;
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
  const auto dir = std::filesystem::temp_directory_path() / ("cevns_cli_run_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  const auto r = run("-q run " + config + "coherent-csi-2017.toml --no-mc --output " + dir.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "raw"));  // --no-mc: the prediction's stage only
  for (const char* file : {"summary.txt", "prediction.json", "sensitivity.json", "npe_time.csv", "study.json", "report.html",
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
            " --set daq.digitizer.window_us=10 --set daq.digitizer.pretrace_us=8"
            " --set spectra.time_max_us=1");  // what a 10 µs window records after the beam
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
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cevns: error: --duration: 3weeks: expected a number with a unit s, min, h or d"),
            std::string::npos)
      << r.output;
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
                 " --set daq.pmt.dark_rate_Hz=3000 --force");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run("-q reconstruct " + raw + " --output " + reduced + " --force");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run("-q select " + reduced + " --force --output " + (dir / "selection").string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("3. both PMTs"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("dark count"), std::string::npos) << r.output;
    r = run("-q select " + reduced + " --format json");
    EXPECT_NE(r.output.find("\"cut_flow\""), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "selection" / "fig10_npe_before_after_coincidence.png"));
  // Wrong inputs: a raw file given to select, a missing file, a corrupt file.
  EXPECT_EQ(run("-q select " + raw).exit_code, 1);
  { std::ofstream(dir / "junk.h5") << "not hdf5"; }
  const auto junk = run("-q reconstruct " + (dir / "junk.h5").string() + " --output " + (dir / "x.h5").string());
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_NE(junk.output.find("cevns: error:"), std::string::npos) << junk.output;
  // Another experiment's configuration does not describe the run.
  const auto other = run("-q reconstruct " + raw + " " + config + "cicenns.toml --output " + (dir / "y.h5").string());
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_NE(other.output.find("cicenns.toml has 30 channels, " + raw + " was recorded with 8 channels"), std::string::npos)
      << other.output;
  EXPECT_NE(other.output.find("has 15 crystals, " + raw + " was recorded with 4 crystals"), std::string::npos)
      << other.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "y.h5.part"));
  // A time region of interest beyond what the digitiser recorded (CLOVERS: −1 … 10 µs).
  const auto beyond = run("-q select " + reduced + " --set selection.roi_time_max_us=11 --set spectra.time_max_us=12");
  EXPECT_EQ(beyond.exit_code, 1) << beyond.output;
  EXPECT_NE(beyond.output.find("must lie in the signal region the digitiser records, [-1, 10] µs"), std::string::npos)
      << beyond.output;
  const auto late = run("-q simulate " + config + "clovers.toml --triggers 5 --output " + (dir / "late.h5").string() +
                        " --set daq.digitizer.window_us=50");
  EXPECT_EQ(late.exit_code, 1) << late.output;
  EXPECT_NE(late.output.find("[-1, 9] µs from the first bunch"), std::string::npos) << late.output;
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

namespace fs = std::filesystem;

/// A fresh temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("cevns_cli_" + name + "_" + std::to_string(getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  [[nodiscard]] std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::string contents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CliOutput, NeverOverwritesAnInput) {
  const TempDir dir("overwrite");
  const std::string raw = dir / "run.h5";
  ASSERT_EQ(run("-q simulate " + config + "clovers.toml --triggers 20 --output " + raw).exit_code, 0);
  const std::string before = contents(raw);
  fs::create_symlink(raw, dir / "link.h5");
  fs::create_hard_link(raw, dir / "hard.h5");
  for (const std::string& output : {raw, dir / "link.h5", dir / "hard.h5"}) {
    const auto r = run("-q reconstruct " + raw + " --force --output " + output);
    EXPECT_EQ(r.exit_code, 1) << output;
    EXPECT_TRUE(contains(r.output, "would overwrite the input " + raw)) << r.output;
  }
  // Reading the .part of a killed run and writing its final name would truncate the input.
  fs::copy_file(raw, dir / "killed.h5.part");
  auto r = run("-q reconstruct " + (dir / "killed.h5.part") + " --output " + (dir / "killed.h5"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "would overwrite the input")) << r.output;
  // The configuration is an input too.
  fs::copy_file(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml", dir / "c.toml");
  r = run("-q simulate --config " + (dir / "c.toml") + " --triggers 20 --force --output " + (dir / "c.toml"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "would overwrite the input")) << r.output;
  r = run("-q predict --config " + (dir / "c.toml") + " --force --output " + dir.path.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "is inside the output directory")) << r.output;
  EXPECT_EQ(contents(raw), before);
  EXPECT_FALSE(fs::exists(dir / "prediction.json"));
}

TEST(CliOutput, AnExistingOutputNeedsForce) {
  const TempDir dir("exists");
  const std::string raw = dir / "run.h5", reduced = dir / "reco.h5";
  ASSERT_EQ(run("-q simulate " + config + "clovers.toml --triggers 20000 --output " + raw).exit_code, 0);
  EXPECT_FALSE(fs::exists(raw + ".lock"));  // removed after the run
  const std::string first = contents(raw);
  auto r = run("-q simulate " + config + "clovers.toml --triggers 20000 --seed 2 --output " + raw);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "cevns: error: " + raw + " exists: use --force to replace it")) << r.output;
  EXPECT_EQ(contents(raw), first);
  EXPECT_EQ(run("-q simulate " + config + "clovers.toml --triggers 20000 --seed 2 --force --output " + raw).exit_code, 0);
  EXPECT_NE(contents(raw), first);
  // The .part of a killed run holds data too.
  fs::copy_file(raw, raw + "2.part");
  r = run("-q simulate " + config + "clovers.toml --triggers 20 --output " + raw + "2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "left by a run that was killed")) << r.output;
  // reconstruct and select alike.
  ASSERT_EQ(run("-q reconstruct " + raw + " --output " + reduced).exit_code, 0);
  EXPECT_EQ(run("-q reconstruct " + raw + " --output " + reduced).exit_code, 1);
  EXPECT_EQ(run("-q reconstruct " + raw + " --output " + reduced + " --force").exit_code, 0);
  // Directories: refused when not empty, unless --force; a file is not a directory.
  const std::string out = dir / "prediction";
  EXPECT_EQ(run("-q predict " + config + "clovers.toml --output " + out).exit_code, 0);
  r = run("-q predict " + config + "clovers.toml --output " + out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "the directory " + out + " exists and is not empty: use --force")) << r.output;
  EXPECT_EQ(run("-q predict " + config + "clovers.toml --force --output " + out).exit_code, 0);
  fs::create_directories(dir / "empty");
  EXPECT_EQ(run("-q sensitivity " + config + "clovers.toml --output " + (dir / "empty/")).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir / "empty/.lock"));
  fs::create_directories(dir / "here");
  EXPECT_EQ(run_in(dir / "here", "-q predict " + config + "clovers.toml --output .").exit_code, 0);
  r = run("-q select " + reduced + " --output " + raw);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "is a file, not a directory")) << r.output;
  r = run("-q run " + config + "clovers.toml --output " + out);
  EXPECT_EQ(r.exit_code, 1);
}

TEST(CliOutput, ADirectoryIsNotAnOutputFile) {
  const TempDir dir("directory");
  fs::create_directories(dir / "run.h5");
  auto r = run("-q simulate " + config + "clovers.toml --triggers 20 --output " + (dir / "run.h5"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "--output " + (dir / "run.h5") + " is a directory")) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run.h5.part"));
  ASSERT_EQ(run("-q simulate " + config + "clovers.toml --triggers 20 --output " + (dir / "raw.h5")).exit_code, 0);
  r = run("-q reconstruct " + (dir / "raw.h5") + " --output " + dir.path.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "is a directory")) << r.output;
  EXPECT_FALSE(contains(r.output, "calibrat")) << r.output;  // refused before the work
}

TEST(CliOutput, TwoWritersOfOneOutputAreRefused) {
  const TempDir dir("lock");
  const std::string raw = dir / "run.h5";
  // Hold the lock as a running cevns does.
  const int fd = ::open((raw + ".lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  ASSERT_EQ(::write(fd, "4242\n", 5), 5);
  auto r = run("-q simulate " + config + "clovers.toml --triggers 20 --output " + raw);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "cevns: error: another cevns is writing " + raw + " (pid 4242)")) << r.output;
  EXPECT_FALSE(fs::exists(raw));
  EXPECT_FALSE(fs::exists(raw + ".part"));
  r = run("-q predict " + config + "clovers.toml --output " + raw);  // a directory output locks alike
  EXPECT_TRUE(contains(r.output, "another cevns is writing")) << r.output;
  ::close(fd);  // released: the next run goes ahead
  EXPECT_EQ(run("-q simulate " + config + "clovers.toml --triggers 20 --output " + raw).exit_code, 0);
}

TEST(CliOptions, CountsAreWholeNumbersInRange) {
  const std::string simulate = "simulate " + config + "clovers.toml --output /tmp/cevns_never_written.h5 ";
  for (const char* bad : {"--triggers -5", "--triggers 0", "--triggers 2.5", "--triggers 1e3", "--triggers 2000000000000",
                          "--triggers 18446744073709551616", "--triggers 5 --threads 0", "--triggers 5 --threads -2",
                          "--triggers 5 --threads 100000", "--triggers 5 --seed -1"}) {
    const auto r = run(simulate + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "is not a whole number")) << bad << ": " << r.output;
  }
  EXPECT_TRUE(contains(run(simulate + "--triggers -5").output, "-5 is not a whole number from 1 to 1000000000000"));
  EXPECT_EQ(run("reconstruct x.h5 --output y.h5 --threads 0").exit_code, 2);
  EXPECT_FALSE(fs::exists("/tmp/cevns_never_written.h5.part"));
}

TEST(CliOptions, DurationsNeedAUnitAndALimit) {
  const std::string simulate = "simulate " + config + "clovers.toml --output /tmp/cevns_never_written.h5 --duration ";
  auto r = run(simulate + "5");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "expected a number with a unit s, min, h or d")) << r.output;
  for (const char* absurd : {"1e30d", "1e9d", "1e400s"}) {
    r = run(simulate + absurd);
    EXPECT_EQ(r.exit_code, 2) << absurd;
    EXPECT_TRUE(contains(r.output, "years of data taking, at most 100 years")) << r.output;
  }
  r = run(simulate + "0s");
  EXPECT_EQ(r.exit_code, 2);
  r = run(simulate + "0.01s");  // a quarter of a trigger at 25 Hz
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "less than one trigger")) << r.output;
}

TEST(CliOptions, ARunLargerThanTheDiskIsRefusedBeforeItStarts) {
  const TempDir dir("disk");
  // 30 channels × 51000 samples × 2 bytes = 3.06 MB per trigger: 3.06 PB.
  auto r = run("simulate " + config + "cicenns.toml --mode full --triggers 1000000000 --output " + (dir / "full.h5"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "would take about 3.06 PB, but only")) << r.output;
  EXPECT_TRUE(contains(r.output, "are free in")) << r.output;
  EXPECT_FALSE(fs::exists(dir / "full.h5.part"));
  r = run("simulate " + config + "clovers.toml --duration 100s --output " + (dir / "zs.h5"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "2500 triggers (1 min 40 s of data taking)")) << r.output;
  EXPECT_TRUE(contains(r.output, "to write")) << r.output;
}

TEST(CliExitCodes, EveryBadInputFileIsOneWithAMessage) {
  const TempDir dir("inputs");
  for (const std::string command : {"reconstruct", "select"}) {
    for (const std::string& input : {dir / "none.h5", dir.path.string()}) {
      const auto r = run("-q " + command + " " + input + " --output " + (dir / "out"));
      EXPECT_EQ(r.exit_code, 1) << command << " " << input << ": " << r.output;
      EXPECT_TRUE(contains(r.output, "cevns: error: cannot read " + input)) << r.output;
    }
  }
}

TEST(CliProgress, LogLinesHaveIntegersAndARemainingTimeAndASummary) {
  const TempDir dir("progress");
  auto r = run("simulate " + config + "clovers.toml --triggers 30000 --threads 2 --output " + (dir / "run.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "10000 of 30000 triggers")) << r.output;
  EXPECT_TRUE(contains(r.output, "ETA ")) << r.output;
  EXPECT_TRUE(contains(r.output, "30000 of 30000 triggers")) << r.output;
  EXPECT_FALSE(contains(r.output, "e+0")) << r.output;
  EXPECT_TRUE(contains(r.output, "simulated 30000 triggers (30000 beam-on, ")) << r.output;
  EXPECT_TRUE(contains(r.output, " vetoed), ")) << r.output;
  EXPECT_TRUE(contains(r.output, "protons on target; events: ")) << r.output;
  EXPECT_TRUE(contains(r.output, "CEvNS nu_mu ")) << r.output;
  EXPECT_TRUE(contains(r.output, "beam-related neutrons ")) << r.output;
  EXPECT_TRUE(contains(r.output, "photoelectrons: dark count ")) << r.output;
  r = run("reconstruct " + (dir / "run.h5") + " --output " + (dir / "reco.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "single-PE calibration: 1 of at most 3 blocks read")) << r.output;
  EXPECT_TRUE(contains(r.output, "block 3 of 3, 30000 triggers")) << r.output;
}

TEST(CliConfig, TheShippedConfigurationsAreFoundFromAnyDirectory) {
  const TempDir dir("elsewhere");
  auto r = run_in(dir.path, "predict");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "CEvNS prediction — CLOVERS")) << r.output;
  r = run_in(dir.path, "predict --config cicenns.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "CEvNS prediction — CICENNS")) << r.output;
  r = run_in(dir.path, "predict --config configs/coherent-csi-2017.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // A file of that name in the working directory comes first.
  fs::copy_file(std::string(CEVNS_SOURCE_DIR) + "/configs/coherent-csi-2017.toml", dir.path / "cicenns.toml");
  r = run_in(dir.path, "predict --config cicenns.toml");
  EXPECT_TRUE(contains(r.output, "CEvNS prediction — COHERENT")) << r.output;
  r = run_in(dir.path, "predict --config nowhere/clovers.toml");
  EXPECT_EQ(r.exit_code, 1);
}

TEST(CliConfig, InstalledLayout) {
  const TempDir dir("install");
  const fs::path build = fs::path(CEVNS_EXECUTABLE).parent_path().parent_path();
  const std::string install = "cmake --install " + build.string() + " --prefix " + (dir / "prefix") + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(install.c_str()), 0);
  const fs::path prefix = dir.path / "prefix";
  EXPECT_TRUE(fs::exists(prefix / "bin/cevns"));
  EXPECT_TRUE(fs::exists(prefix / "share/cevns/configs/clovers.toml"));
  EXPECT_TRUE(fs::exists(prefix / "share/cevns/configs/annotated.toml"));
  EXPECT_TRUE(fs::exists(prefix / "share/doc/cevns/README.md"));
  EXPECT_TRUE(fs::exists(prefix / "share/doc/cevns/docs/simulation.md"));
  // The installed program reads the installed configurations.
  std::string toml = contents(prefix / "share/cevns/configs/clovers.toml");
  const auto at = toml.find("name = \"CLOVERS\"");
  ASSERT_NE(at, std::string::npos);
  toml.replace(at, 16, "name = \"CLOVERS installed\"");
  { std::ofstream(prefix / "share/cevns/configs/clovers.toml") << toml; }
  const auto r = run_in(dir.path, "predict", (prefix / "bin/cevns").string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "CEvNS prediction — CLOVERS installed")) << r.output;
}

}  // namespace
