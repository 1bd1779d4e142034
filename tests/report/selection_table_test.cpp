#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cevns/io/config_reader.hpp"
#include "cevns/report/plots.hpp"
#include "cevns/report/selection_table.hpp"

namespace cevns::report {
namespace {

reco::CrystalEvent crystal(std::uint64_t trigger, float a, float b, std::int16_t source) {
  reco::CrystalEvent e;
  e.trigger_id = trigger;
  e.npe[0] = a;
  e.npe[1] = b;
  e.arrival_ns = 500.0F;
  e.truth_source = source;
  return e;
}

/// Three sources, and crystals without one (truth −1, "data").
selection::EventSelection selection_of_three_sources() {
  selection::EventSelection selection(SelectionConfig{}, 200, -1.0, 10.0, 0.1);
  reco::ReducedBlock block;
  block.trigger_count = 100;
  block.beam_on_triggers = 100;
  block.protons_on_target = 1e15;
  block.events = {crystal(1, 5, 5, 0), crystal(2, 5, 5, 0), crystal(3, 3, 0, 1), crystal(4, 6, 6, -1),
                  crystal(5, 4, 0, -1), crystal(6, 8, 9, -1)};
  selection.add(block);
  return selection;
}

reco::ReducedRunInfo run_info() {
  reco::ReducedRunInfo run;
  run.raw.experiment = "test";
  run.raw.trigger_rate_Hz = 25.0;
  run.raw.sources = {"CEvNS nu_mu", "dark count"};
  run.raw_file = "test.h5";
  return run;
}

/// The "data" column (truth −1) is in the table, and the source columns add up to the
/// candidates on every row (it was left out: 6 candidates, columns summing to 3).
TEST(SelectionTable, SourceColumnsAddUpToTheCandidates) {
  const auto selection = selection_of_three_sources();
  const auto prediction = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"));
  const std::string table = format_selection_table(selection, run_info(), prediction);
  std::istringstream in(table);
  std::string line;
  int rows = 0;
  bool header_seen = false;
  while (std::getline(in, line)) {
    if (line.find("  stage ") == 0) {
      header_seen = true;
      EXPECT_NE(line.find("data"), std::string::npos) << line;
      continue;
    }
    if (!header_seen || line.empty()) continue;
    if (line.find("data:") != std::string::npos) break;
    // "  <stage name>  candidates [eff.] per-source…": the numbers after the name.
    std::vector<double> numbers;
    std::istringstream words(line.substr(24));
    for (std::string w; words >> w;) numbers.push_back(std::stod(w));
    ASSERT_GE(numbers.size(), 4u) << line;
    const bool has_efficiency = rows != 0 && numbers.size() == 5;
    const double candidates = numbers[0];
    double sum = 0.0;
    for (std::size_t i = has_efficiency ? 2 : 1; i < numbers.size(); ++i) sum += numbers[i];
    EXPECT_EQ(sum, candidates) << line;
    ++rows;
  }
  EXPECT_EQ(rows, selection::stage_count) << table;
  EXPECT_NE(table.find("data: crystals whose light no simulated source made"), std::string::npos) << table;
}

/// Figure 10 shows every candidate before and after the coincidence, not dark counts only:
/// its file says so.
TEST(SelectionTable, Figure10IsNamedForWhatItShows) {
  std::random_device random;
  const auto dir = std::filesystem::temp_directory_path() / ("cevns-fig10-" + std::to_string(random()));
  const auto written = write_dark_count_figure(selection_of_three_sources(), "test", dir);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0].filename(), "fig10_npe_before_after_coincidence.png");
  EXPECT_EQ(written[1].filename(), "fig10_npe_before_after_coincidence.svg");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cevns::report
