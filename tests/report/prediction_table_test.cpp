#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cevns/io/config_reader.hpp"
#include "cevns/report/prediction_table.hpp"

namespace cevns::report {
namespace {

TEST(PredictionTable, ShowsTheNumbersOfThePrediction) {
  const auto p = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"));
  const std::string table = format_prediction_table(p);
  EXPECT_NE(table.find("CLOVERS"), std::string::npos);
  EXPECT_NE(table.find(fmt::format("{:.2f}", p.total_events())), std::string::npos) << table;
  for (const auto& [isotope, events] : p.events_by_isotope()) {
    EXPECT_NE(table.find(isotope), std::string::npos);
    EXPECT_NE(table.find(fmt::format("{:.2f}", events)), std::string::npos);
  }
  EXPECT_NE(table.find("above   1.5 keVnr"), std::string::npos) << table;
  EXPECT_NE(table.find("helm"), std::string::npos);
}

}  // namespace
}  // namespace cevns::report
