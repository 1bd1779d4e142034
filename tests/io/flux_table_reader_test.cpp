// io::read_flux_table (source.flux_file): the grid, and bad files named by file and line.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cevns/core/error.hpp"
#include "cevns/io/table_reader.hpp"
#include "temp_dir.hpp"

namespace cevns::io {
namespace {

// Two energy bins × two time bins, with ν̄_e.
constexpr const char* good = "# E_lo E_hi t_lo t_hi nu_mu nu_e nubar_mu nubar_e\n"
                             "0 10 0 100   0.01 0.02 0.03 0.001\n"
                             "0 10 100 300 0.01 0.02 0.03 0\n"
                             "10 20 0 100  0.04 0.05 0.06 0.002\n"
                             "10 20 100 300 0.05 0.05 0.05 0\n";

TEST(FluxTableReader, ReadsTheGrid) {
  const test::TempDir dir;
  std::ofstream(dir / "f.csv") << good;
  const auto t = read_flux_table(dir / "f.csv", "source.flux_file");
  EXPECT_EQ(t->energy_edges_MeV, (std::vector<double>{0, 10, 20}));
  EXPECT_EQ(t->time_edges_ns, (std::vector<double>{0, 100, 300}));
  EXPECT_TRUE(t->has(Flavor::nubar_e));
  EXPECT_DOUBLE_EQ(t->total(Flavor::nu_mu), 0.11);
  EXPECT_EQ(t->energy_marginal(Flavor::nubar_mu), (std::vector<double>{0.06, 0.11}));
  EXPECT_DOUBLE_EQ(t->time_marginal(Flavor::nubar_e)[0], 0.003);
  // ν_e factorises (its rows are proportional); ν_μ does not: ½Σ|n − n_E n_t/N|/N by hand.
  EXPECT_NEAR(t->non_factorising_fraction(Flavor::nu_e), 0.0, 1e-15);
  const double n = 0.11, e0 = 0.02, e1 = 0.09, t0 = 0.05, t1 = 0.06;
  const double expected = 0.5 *
                          (std::abs(0.01 - e0 * t0 / n) + std::abs(0.01 - e0 * t1 / n) + std::abs(0.04 - e1 * t0 / n) +
                           std::abs(0.05 - e1 * t1 / n)) / n;
  EXPECT_NEAR(t->non_factorising_fraction(Flavor::nu_mu), expected, 1e-15);
  // Without the ν̄_e column.
  std::ofstream(dir / "g.csv") << "0 10 0 100 0.1 0.1 0.1\n";
  EXPECT_FALSE(read_flux_table(dir / "g.csv", "k")->has(Flavor::nubar_e));
}

TEST(FluxTableReader, BadFilesNameFileAndLine) {
  const test::TempDir dir;
  const auto expect_error = [&](const std::string& text, const std::string& where) {
    std::ofstream(dir / "bad.csv") << text;
    try {
      (void)read_flux_table(dir / "bad.csv", "source.flux_file");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  };
  expect_error("0 10 0 100 0.1 -0.1 0.1\n", "bad.csv:1: nu_e = -0.1");                      // negative
  expect_error("0 10 0 100 0.1 0.1 0.1\n0 10 100 200 0.1 nan 0.1\n", "bad.csv:2");         // NaN
  expect_error("0 10 0 100 0.1 0.1 0.1\n0 10 50 200 0.1 0.1 0.1\n", "bad.csv:2: time bin"); // time grid gap
  expect_error("0 10 100 0 0.1 0.1 0.1\n", "bad.csv:1: time bin");                          // time decreasing
  expect_error("0 10 0 100 0.1 0.1 0.1\n20 30 0 100 0.1 0.1 0.1\n", "bad.csv:2: energy bin");  // energy gap
  expect_error("10 20 0 100 0.1 0.1 0.1\n0 10 0 100 0.1 0.1 0.1\n", "bad.csv:2: energy bin");  // energy decreasing
  expect_error("10 5 0 100 0.1 0.1 0.1\n", "bad.csv:1: energy bin");
  expect_error("0 10 0 100 0.1 0.1 0.1\n0 10 100 200 0.1 0.1 0.1\n10 20 0 100 0.1 0.1 0.1\n", "time bins");  // a missing cell
  expect_error("0 10 0 100 0.1 0.1 0.1\n0 10 100 200 0.1 0.1 0.1\n10 20 0 100 0.1 0.1 0.1\n10 20 100 250 0.1 0.1 0.1\n",
               "bad.csv:4: time bin");  // another energy bin's time grid
  expect_error("0 10 0 100 0.1 0.1 0.1 0.1\n0 10 100 200 0.1 0.1 0.1\n", "bad.csv:2: 7 columns");
  expect_error("0 10 0 100 0.1 0.1\n", "bad.csv:1: 6 columns");
  expect_error("# nothing\n", "holds no rows");
  try {
    (void)read_flux_table(dir / "absent.csv", "source.flux_file");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.csv"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cevns::io
