// observed.csv, the input of `cevns fit`: its exact layout (docs/output.md), both windows
// with their live times, the on-beam window alone for a file without an off-beam window,
// and the documented pandas example.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cevns/io/config_reader.hpp"
#include "cevns/io/selection_writer.hpp"
#include "temp_dir.hpp"

namespace cevns::io {
namespace {

using cevns::test::TempDir;

/// Two crystals selected in the signal region, one in the off-beam window; 100 triggers,
/// one vetoed, one with a noisy pretrace before the off-beam window only.
selection::EventSelection selection_of(int npe_max) {
  selection::EventSelection selection(SelectionConfig{}, npe_max, -1.0, 10.0, 0.5);
  reco::ReducedBlock block;
  block.trigger_count = 100;
  block.vetoed_triggers = 1;
  reco::CrystalEvent a;
  a.trigger_id = 1;
  a.npe[0] = a.npe[1] = 3.0F;  // 6 PE at 0.25 µs
  a.arrival_ns = 250.0F;
  reco::CrystalEvent b = a;
  b.trigger_id = 2;
  b.arrival_ns = 9900.0F;  // the last time bin
  reco::CrystalEvent c;
  c.trigger_id = 3;
  c.off_beam_npe[0] = 1.0F;
  c.off_beam_npe[1] = 1.2F;  // 2 PE off-beam at −0.5 µs
  c.off_beam_arrival_ns = -500.0F;
  reco::CrystalEvent noisy;
  noisy.trigger_id = 4;
  noisy.off_beam_pretrace_npe[0] = 5.0F;
  block.events = {a, b, c, noisy};
  selection.add(block);
  return selection;
}

std::vector<std::vector<std::string>> rows_of(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream cols(line);
    for (std::string cell; std::getline(cols, cell, ',');) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

TEST(ObservedCsv, OneRowPerBinOfBothWindowsWithTheirLiveTimes) {
  const auto selection = selection_of(10);
  reco::ReducedRunInfo run;
  run.off_beam_window_start_us = 29.0;
  const auto rows = rows_of(observed_csv(selection, run));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"region", "live_time_s", "npe_low", "npe_high", "time_low_us",
                                                "time_high_us", "counts"}));
  // 11 NPE bins (0 … 10) × 22 time bins (−1 … 10 µs in 0.5 µs) per window.
  ASSERT_EQ(rows.size(), 1u + 2u * 11u * 22u);
  EXPECT_EQ(rows[1], (std::vector<std::string>{"on-beam", "0.001089", "-0.5", "0.5", "-1", "-0.5", "0"}));
  EXPECT_EQ(rows[242], (std::vector<std::string>{"on-beam", "0.001089", "9.5", "10.5", "9.5", "10", "0"}));
  EXPECT_EQ(rows[243], (std::vector<std::string>{"off-beam", "0.001078", "-0.5", "0.5", "-1", "-0.5", "0"}));
  double on = 0.0, off = 0.0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 7u) << i;
    const bool is_on = i <= 242;
    EXPECT_EQ(rows[i][0], is_on ? "on-beam" : "off-beam") << i;
    // Live time: triggers kept by criteria 1 and 2 × 11 µs: 99 on-beam, 98 off-beam.
    EXPECT_EQ(rows[i][1], is_on ? "0.001089" : "0.001078") << i;
    const double counts = std::stod(rows[i][6]);
    (is_on ? on : off) += counts;
    if (counts > 0.0) {
      const std::string bin = fmt::format("{},{},{},{}", rows[i][2], rows[i][3], rows[i][4], rows[i][5]);
      if (is_on)
        EXPECT_TRUE(bin == "5.5,6.5,0,0.5" || bin == "5.5,6.5,9.5,10") << bin;
      else
        EXPECT_EQ(bin, "1.5,2.5,-0.5,0") << bin;
    }
  }
  EXPECT_EQ(on, 2.0);
  EXPECT_EQ(off, 1.0);
  // Both windows share the time edges: row k of each.
  for (std::size_t k = 1; k <= 242; ++k) EXPECT_EQ(rows[k][4], rows[k + 242][4]);
}

TEST(ObservedCsv, AFileWithoutAnOffBeamWindowGivesTheOnBeamWindowOnly) {
  const auto selection = selection_of(10);
  const reco::ReducedRunInfo run;  // format version 2: off_beam_window_start_us unset
  const auto rows = rows_of(observed_csv(selection, run));
  ASSERT_EQ(rows.size(), 1u + 11u * 22u);
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][0], "on-beam");
  const auto json = to_json(selection, run, predict(read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml")));
  EXPECT_TRUE(json["windows"]["off-beam"].is_null());
  EXPECT_EQ(json["windows"]["on-beam"]["triggers_kept"], 99);
}

TEST(ObservedCsv, TheDocumentedPandasExampleRuns) {
  if (std::system("/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "no pandas for /usr/bin/python3 (apt-get install python3-pandas)";
  std::ifstream in(std::string(CEVNS_SOURCE_DIR) + "/docs/output.md");
  const std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto section = doc.find("### observed.csv");
  ASSERT_NE(section, std::string::npos);
  const auto begin = doc.find("```python\n", section);
  const auto end = doc.find("\n```", begin + 1);
  ASSERT_NE(end, std::string::npos) << "no ```python block in the observed.csv section of docs/output.md";
  std::string script = "import sys\n" + doc.substr(begin + 10, end - begin - 10);
  const auto at = script.find("\"selection/observed.csv\"");
  ASSERT_NE(at, std::string::npos) << "the example does not read \"selection/observed.csv\"";
  script.replace(at, 24, "sys.argv[1]");

  const TempDir dir;
  const auto selection = selection_of(200);
  reco::ReducedRunInfo run;
  run.off_beam_window_start_us = 29.0;
  const auto prediction = predict(read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"));
  (void)write_selection(selection, run, prediction, dir / "selection");
  std::ofstream(dir / "example.py") << script;
  const int status = std::system(fmt::format("/usr/bin/python3 '{}' '{}' > '{}'", (dir / "example.py").string(),
                                             (dir / "selection" / "observed.csv").string(), (dir / "example.out").string())
                                     .c_str());
  EXPECT_EQ(status, 0) << "the example failed (its message is above)";
  std::ifstream out(dir / "example.out");
  const std::string output{std::istreambuf_iterator<char>(out), std::istreambuf_iterator<char>()};
  // 4–72 PE, 0–6 µs: the 6-PE crystal at 0.25 µs on-beam, nothing off-beam; the steady-state
  // expectation 0 × 99 / 98.
  EXPECT_NE(output.find("steady-state expectation on-beam: 0.0, excess 1.0"), std::string::npos) << output;
}

}  // namespace
}  // namespace cevns::io
