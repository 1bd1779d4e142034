// The figures live in libcevns_plots.so, opened only when a command plots
// (src/report/plots_module.hpp): a command that does not plot runs without it, one that
// plots says clearly when it cannot be opened.
#include <gtest/gtest.h>

#include "shell.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

using cevns::test::Result;

Result run(const std::string& environment, const std::string& arguments) {
  const std::string command = environment + " " + CEVNS_EXECUTABLE + " " + arguments + " 2>&1";
  return cevns::test::run_shell(command);
}

const std::string missing = "CEVNS_PLOTS_MODULE=/nonexistent/libcevns_plots.so";

TEST(PlotsModule, CommandsThatDoNotPlotRunWithoutIt) {
#ifdef CEVNS_PLOTS_LINKED
  GTEST_SKIP() << "the figures are linked into the program (CEVNS_PLOTS_MODULE=OFF, the sanitizer build)";
#endif
  const auto r = run(missing, "predict -q");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("CEvNS prediction"), std::string::npos) << r.output;
}

TEST(PlotsModule, ACommandThatPlotsWithoutItIsAClearError) {
#ifdef CEVNS_PLOTS_LINKED
  GTEST_SKIP() << "the figures are linked into the program (CEVNS_PLOTS_MODULE=OFF, the sanitizer build)";
#endif
  const auto dir = std::filesystem::temp_directory_path() / "cevns_plots_module_test";
  std::filesystem::remove_all(dir);
  const auto r = run(missing, "-q run --output " + dir.string());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cannot load the plotting module libcevns_plots.so (tried /nonexistent/libcevns_plots.so "
                          "(missing)); reinstall cevns, or set CEVNS_PLOTS_MODULE"),
            std::string::npos)
      << r.output;
  std::filesystem::remove_all(dir);
}

TEST(PlotsModule, TheProgramDoesNotLinkMathGL) {
#ifdef CEVNS_PLOTS_LINKED
  GTEST_SKIP() << "the figures are linked into the program (CEVNS_PLOTS_MODULE=OFF, the sanitizer build)";
#endif
  // What start-up no longer pays: the dynamic loader maps no MathGL (nor its GL, X11).
  const auto r = run("", "--version >/dev/null; ldd " CEVNS_EXECUTABLE);
  EXPECT_EQ(r.output.find("libmgl"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("libGL"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("libhdf5"), std::string::npos) << r.output;  // ldd did list the libraries
}

}  // namespace
