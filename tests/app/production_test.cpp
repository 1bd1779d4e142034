// Production beyond one process (docs/production.md): `--part K/N` + `cevns merge`, and
// `mpirun -np 2`, give files identical to one process's — byte for byte (the writer is
// deterministic: no time stamps, the same blocks in the same order) — and merge refuses
// parts that do not belong together. Each test runs cevns 5 to 15 times (≈ 0.3 s each, most
// of it the prediction behind the Monte Carlo), 2 to 8 s in all.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "shell.hpp"

namespace {

namespace fs = std::filesystem;

const std::string cevns = CEVNS_EXECUTABLE;
const std::string config = std::string(" --config ") + CEVNS_SOURCE_DIR + "/configs/clovers.toml";
// 5 blocks of 500 triggers: small and quick, with dark counts, CEvNS and backgrounds.
const std::string small_unseeded = config + " --set daq.triggers_per_block=500 --triggers 2500";
const std::string small_run = small_unseeded + " --seed 7";

cevns::test::Result run(const std::string& command) { return cevns::test::run_shell(command + " 2>&1"); }

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The two files hold the same bytes (and so the same datasets and attributes).
void expect_identical(const fs::path& a, const fs::path& b) {
  ASSERT_TRUE(fs::exists(a)) << a;
  ASSERT_TRUE(fs::exists(b)) << b;
  const std::string x = bytes_of(a), y = bytes_of(b);
  EXPECT_GT(x.size(), 1000u);
  EXPECT_EQ(x.size(), y.size()) << a << " vs " << b;
  EXPECT_TRUE(x == y) << a << " and " << b << " differ";
}

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("cevns_production_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  [[nodiscard]] std::string operator/(const std::string& file) const { return (path / file).string(); }
};

TEST(Parts, SimulatedPartsMergeIntoTheSingleProcessFile) {
  const TempDir dir("simulate");
  ASSERT_EQ(run(cevns + " -q simulate" + small_run + " --threads 2 --output " + (dir / "one.h5")).exit_code, 0);
  // Three parts of 5 blocks (1 + 2 + 2), in another order and on one thread each.
  for (const char* k : {"3", "1", "2"}) {
    const auto r = run(cevns + " simulate" + small_run + " --threads 1 --part " + k + "/3 --output " +
                       (dir / (std::string("part") + k + ".h5")));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, std::string("part ") + k + "/3 (blocks ")) << r.output;
  }
  const auto r = run(cevns + " merge " + (dir / "part2.h5") + " " + (dir / "part3.h5") + " " + (dir / "part1.h5") +
                     " --output " + (dir / "merged.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "merged 3 parts (5 blocks, cevns-raw file)")) << r.output;
  expect_identical(dir / "one.h5", dir / "merged.h5");
  // A part alone is no run to reconstruct.
  const auto part = run(cevns + " reconstruct " + (dir / "part2.h5") + " --output " + (dir / "r.h5"));
  EXPECT_EQ(part.exit_code, 1) << part.output;
  EXPECT_TRUE(contains(part.output, "is part 2/3 (blocks 1–2 of 5) of a run: merge the parts first")) << part.output;
}

TEST(Parts, FullModePartsMergeIntoTheSingleProcessFile) {
  const TempDir dir("full");
  const std::string full = config + " --set daq.triggers_per_block=4 --triggers 14 --mode full --seed 3";
  ASSERT_EQ(run(cevns + " -q simulate" + full + " --threads 2 --output " + (dir / "one.h5")).exit_code, 0);
  for (const char* k : {"1", "2"})
    ASSERT_EQ(run(cevns + " -q simulate" + full + " --threads 1 --part " + k + "/2 --output " +
                  (dir / (std::string("p") + k + ".h5")))
                  .exit_code,
              0);
  ASSERT_EQ(run(cevns + " -q merge " + (dir / "p1.h5") + " " + (dir / "p2.h5") + " -o " + (dir / "m.h5")).exit_code, 0);
  expect_identical(dir / "one.h5", dir / "m.h5");
}

TEST(Parts, ReconstructedPartsMergeIntoTheSingleProcessFile) {
  const TempDir dir("reconstruct");
  const std::string raw = dir / "raw.h5";
  // CICENNS' 2.9 kHz dark counts calibrate the single-PE charges on the first 9 of the 15
  // blocks: parts 2 and 3 read blocks of part 1 (and 2) for it, part 1 none beyond its own.
  const std::string cicenns = std::string(" --config ") + CEVNS_SOURCE_DIR +
                              "/configs/cicenns.toml --set daq.triggers_per_block=2000 --triggers 30000 --seed 7";
  ASSERT_EQ(run(cevns + " -q simulate" + cicenns + " --output " + raw).exit_code, 0);
  auto r = run(cevns + " reconstruct " + raw + " --threads 2 --output " + (dir / "one.reduced.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "single-PE charge calibrated on 9 blocks")) << r.output;
  for (const char* k : {"3", "1", "2"}) {
    r = run(cevns + " reconstruct " + raw + " --threads 1 --part " + k + "/3 --output " +
            (dir / (std::string("r") + k + ".h5")));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  r = run(cevns + " merge " + (dir / "r1.h5") + " " + (dir / "r3.h5") + " " + (dir / "r2.h5") + " --output " +
          (dir / "merged.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "cevns-reduced file")) << r.output;
  expect_identical(dir / "one.reduced.h5", dir / "merged.h5");
  r = run(cevns + " select " + (dir / "r2.h5"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "of a reconstruction: merge the parts first (cevns merge)")) << r.output;
}

TEST(Parts, MergeRefusesPartsThatDoNotBelongTogether) {
  const TempDir dir("refuse");
  const auto part = [&](const std::string& k, const std::string& name, const std::string& more = " --seed 7") {
    const auto r = run(cevns + " -q simulate" + small_unseeded + more + " --part " + k + " --output " + (dir / name));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  };
  part("1/3", "a1.h5");
  part("2/3", "a2.h5");
  part("3/3", "a3.h5");
  part("2/3", "seed2.h5", " --seed 8");
  part("2/3", "config2.h5", " --seed 7 --set daq.pmt.dark_rate_Hz=300");
  part("2/2", "half2.h5");
  const auto merge = [&](const std::string& parts) {
    return run(cevns + " merge " + parts + " --force --output " + (dir / "out.h5"));
  };
  const std::string a1 = dir / "a1.h5", a2 = dir / "a2.h5", a3 = dir / "a3.h5";
  // Everything right: it merges, into a whole run (which is no part to merge).
  auto r = merge(a3 + " " + a2 + " " + a1);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  fs::rename(dir.path / "out.h5", dir.path / "whole.h5");
  r = merge(a1 + " " + a3);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "part 2/3 of the run is missing; give all 3 part files")) << r.output;
  r = merge(a1 + " " + a2 + " " + a2 + " " + a3);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "part 2/3 is given twice")) << r.output;
  r = merge(a1 + " " + (dir / "seed2.h5") + " " + a3);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "they are not parts of one run (their seeds differ: 7 and 8)")) << r.output;
  r = merge(a1 + " " + (dir / "config2.h5") + " " + a3);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "(their configurations differ: configuration ")) << r.output;
  r = merge(a1 + " " + (dir / "half2.h5") + " " + a3);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "their part counts N of --part K/N differ: 3 and 2")) << r.output;
  r = merge(a1 + " " + (dir / "whole.h5"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "it is not a part file (no part_count attribute) but a whole run")) << r.output;
  // An unfinished part (the .part of a killed job): tests/io/file_part_test.cpp.
  // Bad --part values: exit 1 with the reason.
  for (const char* bad : {"4/3", "a/b", "1/0"}) {  // more in tests/io/file_part_test.cpp
    r = run(cevns + " simulate" + small_run + " --part " + bad + " --output " + (dir / "x.h5"));
    EXPECT_EQ(r.exit_code, 1) << bad << ": " << r.output;
    EXPECT_TRUE(contains(r.output, "--part")) << r.output;
  }
}

// ---------------------------------------------------------------------------------------
// MPI: `mpirun -np 2` against one process.

std::string mpirun() {
#ifdef CEVNS_TEST_MPIEXEC
  // As root in CI; more ranks than cores on a small machine; no shared-memory single copy
  // (ptrace is not allowed in every container).
  return std::string(CEVNS_TEST_MPIEXEC) +
         " -np 2 --oversubscribe --allow-run-as-root --mca btl_vader_single_copy_mechanism none ";
#else
  return "";
#endif
}

#define SKIP_WITHOUT_MPI()                                                                                           \
  do {                                                                                                               \
    if (mpirun().empty())                                                                                            \
      GTEST_SKIP() << "cevns was built without MPI (CEVNS_MPI=OFF, or no libopenmpi-dev/mpirun when it was "        \
                      "configured): nothing to run under mpirun";                                                    \
    if (std::system((mpirun().substr(0, mpirun().find(' ')) + " --version >/dev/null 2>&1").c_str()) != 0)          \
      GTEST_SKIP() << "mpirun does not run here: " << mpirun();                                                      \
  } while (0)

TEST(Mpi, SimulateAndReconstructOnTwoRanksGiveTheSingleProcessFiles) {
  SKIP_WITHOUT_MPI();
  const TempDir dir("mpi");
  ASSERT_EQ(run(cevns + " -q simulate" + small_run + " --threads 2 --output " + (dir / "one.h5")).exit_code, 0);
  auto r = run(mpirun() + cevns + " simulate" + small_run + " --threads 1 --output " + (dir / "mpi.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_identical(dir / "one.h5", dir / "mpi.h5");
  EXPECT_FALSE(fs::exists(dir.path / "mpi.part1of2.h5"));  // the ranks' parts are merged and removed
  // Rank 0 speaks for the job: one summary, with the job's triggers, and the job's progress.
  EXPECT_TRUE(contains(r.output, "simulated 2500 triggers")) << r.output;
  EXPECT_EQ(r.output.find("simulated "), r.output.rfind("simulated ")) << r.output;
  EXPECT_TRUE(contains(r.output, "2500 of 2500 triggers on 2 ranks")) << r.output;
  EXPECT_TRUE(contains(r.output, "merged the parts of 2 ranks, 5 blocks")) << r.output;

  ASSERT_EQ(run(cevns + " -q reconstruct " + (dir / "one.h5") + " --output " + (dir / "one.reduced.h5")).exit_code, 0);
  r = run(mpirun() + cevns + " reconstruct " + (dir / "one.h5") + " --threads 1 --output " + (dir / "mpi.reduced.h5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_identical(dir / "one.reduced.h5", dir / "mpi.reduced.h5");
  // --part and mpirun exclude each other; an error on a rank ends the job with exit code ≠ 0.
  r = run(mpirun() + cevns + " simulate" + small_run + " --part 1/2 --output " + (dir / "x.h5"));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "give --part (job arrays) or mpirun -np N, not both")) << r.output;
}

/// `json_text` without the members named `keys` (e.g. "\"seconds\""): what two runs that
/// differ only in timing or thread count must agree on.
std::string without_keys(std::string json_text, std::initializer_list<const char*> keys) {
  for (const char* key : keys)
    for (std::size_t at; (at = json_text.find(key)) != std::string::npos;)
      json_text.erase(at, json_text.find_first_of(",}\n", at) - at);
  return json_text;
}

TEST(Mpi, FitToysOnTwoRanksAreThoseOfOneProcess) {
  SKIP_WITHOUT_MPI();
  const std::string fit = cevns + " fit -q --asimov --format json --fix bkg_PMT_dark_counts=1 --toys 12 --seed 5";
  const auto one = run(fit + " --threads 2");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = run(mpirun() + fit + " --threads 1");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  // Everything but the timings (one JSON document: rank 1 prints nothing).
  EXPECT_TRUE(contains(one.output, "\"toys\"")) << one.output;
  EXPECT_EQ(without_keys(one.output, {"\"seconds\"", "\"fit_seconds\""}),
            without_keys(two.output, {"\"seconds\"", "\"fit_seconds\""}));
}

TEST(Mpi, ScanPointsOnTwoRanksAreThoseOfOneProcess) {
  SKIP_WITHOUT_MPI();
  const std::string scan = cevns + " scan -q --asimov --format json --param physics.sin2_theta_w=0.20:0.28:5";
  const auto one = run(scan + " --threads 2");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto two = run(mpirun() + scan + " --threads 1");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  // Everything but the timing and the thread count (one JSON document: rank 1 prints nothing).
  EXPECT_TRUE(contains(one.output, "\"delta_chi2\"")) << one.output;
  EXPECT_EQ(without_keys(one.output, {"\"seconds\"", "\"threads\""}),
            without_keys(two.output, {"\"seconds\"", "\"threads\""}));
}

}  // namespace
