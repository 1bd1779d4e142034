// cevns run, the whole study: reproducible with the same seed (for any thread count),
// resumable after --stop-after or a kill (the stages done are kept, the result is the
// same), guarded against replacing another configuration's stages; cevns report writes
// the same page again from the files.
#include <gtest/gtest.h>

#include "shell.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using cevns::test::run_shell;

const std::string cevns_program = CEVNS_EXECUTABLE;
const std::string clovers = std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml";
/// One hour of CLOVERS scaled to 200 CEvNS: the whole chain in seconds.
const std::string study_options = "--config " + clovers + " --mc-exposure 1h --mc-min-signal 200 --seed 7";

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A file's lines without those that hold a time (`"seconds": …`, `…_utc`): what two runs
/// of the same study must share exactly.
std::string without_times(const fs::path& file) {
  std::istringstream in(slurp(file));
  std::string out, line;
  while (std::getline(in, line))
    if (line.find("\"seconds\"") == std::string::npos && line.find("_utc\"") == std::string::npos) out += line + '\n';
  return out;
}

/// The results of a study that must not change between runs of the same seed.
void expect_same_results(const fs::path& a, const fs::path& b) {
  for (const char* f : {"prediction.json", "sensitivity.json", "likelihood_sensitivity.json", "selection/observed.csv",
                        "selection/selection.json", "selection/selection.txt", "fit/closure.json", "fit/fit.json"}) {
    ASSERT_TRUE(fs::exists(a / f)) << a / f;
    ASSERT_TRUE(fs::exists(b / f)) << b / f;
    const std::string x = without_times(a / f), y = without_times(b / f);
    if (x == y) continue;
    std::size_t line = 1, i = 0;
    for (; i < std::min(x.size(), y.size()) && x[i] == y[i]; ++i) line += x[i] == '\n';
    const auto text_of = [&](const std::string& t) { return t.substr(t.rfind('\n', i) + 1, 120); };
    ADD_FAILURE() << f << " differs between " << a << " and " << b << " from line " << line << ":\n  " << text_of(x)
                  << "\n  " << text_of(y);
  }
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("cevns_run_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

cevns::test::Result cevns(const std::string& arguments) { return run_shell(cevns_program + " " + arguments + " 2>&1"); }

// One test, as every study costs seconds (the prediction stage's likelihood map): three
// whole studies (2 and 1 threads, and one killed and resumed) and cheap resumes of copies.
TEST(RunCommand, SameSeedSameStudyForAnyThreadCountAndResumeAfterAStopOrAKill) {
  const fs::path a = fresh_dir("a"), b = fresh_dir("b"), c = fresh_dir("c"), d = fresh_dir("killed");
  auto r = cevns("run " + study_options + " --threads 2 --output " + a.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Every stage wrote its files.
  for (const char* f : {"study.json", "report.html", "summary.txt", "prediction.json", "config.toml",
                        "fig13_signal_background.png", "raw/run.h5", "reduced/reduced.h5", "selection/observed.csv",
                        "fit/fit.json", "fit/closure.json", "fit/fit_profile.png", "fit/fit_pulls.png"})
    EXPECT_TRUE(fs::exists(a / f)) << f;
  EXPECT_NE(r.output.find("closure: fitted"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("scales the beam power"), std::string::npos) << r.output;  // and says so

  r = cevns("-q run " + study_options + " --threads 1 --output " + b.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_same_results(a, b);

  // A copy of the study without its selection and fit (skipped stages), resumed up to the
  // selection, then to the end: the stages done are kept, the rest run, the result is the same.
  fs::copy(a, c, fs::copy_options::recursive);
  fs::remove_all(c / "selection");
  fs::remove_all(c / "fit");
  struct stat before{};
  ASSERT_EQ(::stat((c / "raw" / "run.h5").c_str(), &before), 0);
  r = cevns("run " + study_options + " --resume --stop-after select --output " + c.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* stage : {"prediction", "simulate", "reconstruct"})
    EXPECT_NE(r.output.find(std::string("stage ") + stage + ": done before"), std::string::npos) << stage << "\n" << r.output;
  EXPECT_NE(r.output.find("stage select: running"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(c / "fit" / "fit.json"));  // stopped after the selection
  EXPECT_TRUE(fs::exists(c / "report.html"));
  r = cevns("run " + study_options + " --resume --output " + c.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stage select: done before"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stage fit: running"), std::string::npos) << r.output;
  struct stat after{};
  ASSERT_EQ(::stat((c / "raw" / "run.h5").c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino);  // the raw file was not written again
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  expect_same_results(a, c);

  // A second --resume of a finished study runs nothing again.
  r = cevns("run " + study_options + " --resume --output " + c.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find(": running"), std::string::npos) << r.output;

  // Another configuration is never written over another's stages without --force.
  r = cevns("run " + study_options + " --set detector.mass_kg=13 --resume --output " + c.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("of another configuration"), std::string::npos) << r.output;
  // Nor is an existing study replaced without --force or --resume.
  r = cevns("run " + study_options + " --output " + c.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;

  // cevns report writes the same page again from the files.
  const std::string page = slurp(a / "report.html");
  fs::remove(a / "report.html");
  r = cevns("-q report " + a.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(slurp(a / "report.html"), page);
  r = cevns("report " + (a / "raw").string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("no study.json"), std::string::npos) << r.output;

  // Killed (SIGKILL) once the simulation is recorded — wherever the study then is — and
  // resumed: the same results.
  r = run_shell("sh -c '" + cevns_program + " -q run " + study_options + " --output " + d.string() +
                " >/dev/null 2>&1 & pid=$!; i=0; while [ $i -lt 1200 ] && kill -0 $pid 2>/dev/null && ! grep -q "
                "\"\\\"name\\\": \\\"simulate\\\"\" " + (d / "study.json").string() +
                " 2>/dev/null; do sleep 0.05; i=$((i+1)); done; kill -9 $pid 2>/dev/null; wait $pid; echo killed'");
  ASSERT_NE(r.output.find("killed"), std::string::npos) << r.output;
  ASSERT_TRUE(fs::exists(d / "study.json"));
  r = cevns("run " + study_options + " --resume --output " + d.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("stage simulate: done before"), std::string::npos) << r.output;
  expect_same_results(a, d);

  for (const auto& dir : {a, b, c, d}) fs::remove_all(dir);
}

}  // namespace
