#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cevns/core/error.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/prediction_writer.hpp"

namespace cevns::io {
namespace {

Prediction clovers() {
  return predict(read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"));
}

TEST(PredictionWriter, JsonHasTheDocumentedFields) {
  const auto p = clovers();
  const auto j = to_json(p);
  EXPECT_DOUBLE_EQ(j["events"]["total"].get<double>(), p.total_events());
  for (const char* flavor : {"nu_mu", "nu_e", "nubar_mu"}) EXPECT_TRUE(j["events"]["by_flavor"].contains(flavor));
  EXPECT_TRUE(j["events"]["by_isotope"].contains("Cs133"));
  EXPECT_TRUE(j["events"]["by_isotope"].contains("I127"));
  ASSERT_EQ(j["events"]["above_threshold"].size(), 3u);
  EXPECT_DOUBLE_EQ(j["events"]["above_threshold"][0]["threshold_keVnr"].get<double>(), 1.5);
  const auto& recoil = j["spectra"]["recoil"];
  EXPECT_EQ(recoil["edges_keVnr"].size(), recoil["total"].size() + 1);
  EXPECT_EQ(recoil["unit"], "expected events per bin");
  EXPECT_EQ(j["spectra"]["arrival_time"]["by_flavor"]["nu_e"].size() + 1, j["spectra"]["arrival_time"]["edges_us"].size());
}

TEST(PredictionWriter, WritesFilesThatReadBack) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_writer_test";
  std::filesystem::remove_all(dir);
  const auto p = clovers();
  const auto files = write_prediction(p, dir / "nested");
  ASSERT_EQ(files.size(), 5u);  // json, 3 CSV, config
  for (const auto& f : files) {
    EXPECT_TRUE(std::filesystem::exists(f)) << f;
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(f).concat(".part"))) << f;
  }
  // The resolved configuration reads back to the same prediction.
  const auto again = predict(read_experiment_config(dir / "nested" / "config.toml"));
  EXPECT_DOUBLE_EQ(again.total_events(), p.total_events());
  std::ifstream csv(dir / "nested" / "recoil_spectrum.csv");
  std::string comment, header;
  std::getline(csv, comment);
  std::getline(csv, header);
  EXPECT_EQ(header.rfind("recoil_low_keVnr,recoil_high_keVnr,total,nu_mu_Cs133", 0), 0u) << header;
  std::filesystem::remove_all(dir);
}

TEST(PredictionWriter, UnwritableDirectoryIsAClearError) {
  EXPECT_THROW(write_prediction(clovers(), "/proc/cevns-cannot-write-here"), IoError);
}

}  // namespace
}  // namespace cevns::io
