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

/// The header shows the exposure predicted: the shipped description says 180 days, so with
/// 365 days set it is replaced by a note, and the exposure line says 365 days.
TEST(PredictionTable, HeaderNeverShowsAStaleExposure) {
  const std::string file = std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml";
  const std::string as_shipped = format_prediction_table(predict(io::read_experiment_config(file)));
  EXPECT_NE(as_shipped.find("4 x 3 kg undoped CsI at 77 K, CSNS, 180 days"), std::string::npos) << as_shipped;
  EXPECT_NE(as_shipped.find("exposure      180 days:"), std::string::npos) << as_shipped;

  const auto longer = predict(io::read_experiment_config(file, {"exposure.calendar_days=365"}));
  const std::string table = format_prediction_table(longer);
  EXPECT_EQ(table.find("CSNS, 180 days"), std::string::npos) << table;
  EXPECT_NE(table.find("written for 180 days, is not shown: this is 365 days"), std::string::npos) << table;
  EXPECT_NE(table.find("exposure      365 days: beam on 365 days"), std::string::npos) << table;
  EXPECT_EQ(contradicted_exposures(longer.config.description, longer), std::vector<std::string>{"180 days"});
}

TEST(PredictionTable, DescriptionsThatAgreeAreKept) {
  for (const char* config : {"clovers", "cicenns", "coherent-csi-2017"}) {
    const auto p = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + config + ".toml"));
    EXPECT_TRUE(contradicted_exposures(p.config.description, p).empty()) << config;  // "7.48 GW h" is 7.47594
    EXPECT_NE(format_prediction_table(p).find(p.config.description), std::string::npos) << config;
  }
  const auto cicenns = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/cicenns.toml"));
  EXPECT_EQ(contradicted_exposures("2000 h of beam, not 3 dB", cicenns), std::vector<std::string>{"2000 h"});
}

}  // namespace
}  // namespace cevns::report
