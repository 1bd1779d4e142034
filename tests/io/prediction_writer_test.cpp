#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

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
  // Each background says what drives it (issue 9).
  EXPECT_EQ(j["roi"]["background_drivers"]["PMT dark counts"], "per trigger");
  EXPECT_EQ(j["roi"]["background_drivers"]["beam-related neutrons"], "per POT × kg");
}

TEST(PredictionWriter, WritesFilesThatReadBack) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_writer_test";
  std::filesystem::remove_all(dir);
  const auto p = clovers();
  const auto files = write_prediction(p, dir / "nested");
  ASSERT_EQ(files.size(), 7u);  // json, 4 1-D CSV, the 2-D CSV, config
  for (const auto& f : files) {
    EXPECT_TRUE(std::filesystem::exists(f)) << f;
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(f).concat(".part"))) << f;
  }
  // The resolved configuration reads back to the same prediction.
  const auto again = predict(read_experiment_config(dir / "nested" / "config.toml"));
  EXPECT_DOUBLE_EQ(again.total_events(), p.total_events());
  std::ifstream csv(dir / "nested" / "recoil_spectrum.csv");
  std::string header;
  while (std::getline(csv, header) && header.front() == '#') {
  }
  EXPECT_EQ(header.rfind("recoil_low_keVnr,recoil_high_keVnr,total,nu_mu_Cs133", 0), 0u) << header;
  std::filesystem::remove_all(dir);
}

/// A CSV file: its `#` lines, its header cells and its rows.
struct Csv {
  std::vector<std::string> comments;
  std::vector<std::string> header;
  std::vector<std::vector<double>> rows;
};

Csv read_csv(const std::filesystem::path& file) {
  Csv csv;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.front() == '#') {
      csv.comments.push_back(line);
      continue;
    }
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) cells.push_back(std::exchange(cell, {}));
      else cell += c;
    }
    cells.push_back(cell);
    if (csv.header.empty()) {
      csv.header = cells;
    } else {
      std::vector<double> row;
      for (const auto& c : cells) row.push_back(std::stod(c));
      csv.rows.push_back(row);
    }
  }
  return csv;
}

/// The 1-D spectra per flavour and per background are written as CSV, each with lines
/// saying the unit and the binning, rows of lower edge, upper edge and values, and they
/// sum to the prediction's numbers (only the 2-D NPE × time table was written before).
TEST(PredictionWriter, WritesTheOneDimensionalSpectraPerFlavourAndBackground) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_writer_1d_test";
  std::filesystem::remove_all(dir);
  auto config = read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml");
  config.backgrounds.front().name = "neutrons, beam-related";  // a comma: the header cell is quoted
  const auto p = predict(config);
  write_prediction(p, dir);
  const auto column_sum = [](const Csv& csv, const std::string& name) {
    const auto it = std::find(csv.header.begin(), csv.header.end(), name);
    EXPECT_NE(it, csv.header.end()) << name;
    if (it == csv.header.end()) return -1.0;
    const auto k = static_cast<std::size_t>(it - csv.header.begin());
    double sum = 0.0;
    for (const auto& row : csv.rows) sum += row.at(k);
    return sum;
  };
  for (const char* file : {"recoil_spectrum.csv", "arrival_time.csv", "npe_spectrum.csv", "arrival_time_selected.csv"}) {
    const Csv csv = read_csv(dir / file);
    ASSERT_GE(csv.comments.size(), 3u) << file;
    EXPECT_NE(csv.comments[1].find("# values: expected events per bin"), std::string::npos) << file;
    EXPECT_NE(csv.comments[2].find("# bins: "), std::string::npos) << file;
    ASSERT_GE(csv.header.size(), 3u) << file;
    EXPECT_NE(csv.header[0].find("low"), std::string::npos) << file;
    EXPECT_NE(csv.header[1].find("high"), std::string::npos) << file;
    for (std::size_t i = 0; i < csv.rows.size(); ++i) {
      ASSERT_EQ(csv.rows[i].size(), csv.header.size()) << file << " row " << i;
      EXPECT_LT(csv.rows[i][0], csv.rows[i][1]) << file << " row " << i;
      if (i > 0) {
        EXPECT_DOUBLE_EQ(csv.rows[i][0], csv.rows[i - 1][1]) << file << " row " << i;
      }
    }
  }
  const auto events = p.events_by_flavor();
  const Csv recoil = read_csv(dir / "recoil_spectrum.csv");
  const Csv npe = read_csv(dir / "npe_spectrum.csv");
  const Csv time = read_csv(dir / "arrival_time_selected.csv");
  for (Flavor f : all_flavors) {
    const std::string name(flavor_name(f));
    EXPECT_NEAR(column_sum(recoil, name), events.at(f), 1e-4 * events.at(f)) << name;
    EXPECT_NEAR(column_sum(npe, "signal_before_selection_" + name), p.npe_before_selection.at(f).total(),
                1e-4 * events.at(f)) << name;
    EXPECT_NEAR(column_sum(npe, "signal_after_selection_" + name), p.signal.at(f).total(), 1e-4 * events.at(f)) << name;
  }
  ASSERT_EQ(p.backgrounds.size(), 3u);
  for (const auto& b : p.backgrounds) {
    EXPECT_NEAR(column_sum(npe, "background_after_selection " + b.name), b.npe_time.total(), 1e-4 * b.npe_time.total())
        << b.name;
    EXPECT_NEAR(column_sum(time, "background " + b.name), b.roi, 1e-4 * b.roi) << b.name;
  }
  std::filesystem::remove_all(dir);
}

/// docs/output.md lists exactly the files `predict --output` writes (it said four when five
/// were written).
TEST(PredictionWriter, OutputDocumentationListsExactlyTheFilesWritten) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_writer_doc_test";
  std::filesystem::remove_all(dir);
  std::set<std::string> written;
  for (const auto& f : write_prediction(clovers(), dir)) written.insert(f.filename().string());
  std::filesystem::remove_all(dir);

  std::ifstream doc(std::string(CEVNS_SOURCE_DIR) + "/docs/output.md");
  std::set<std::string> documented;
  std::string count_sentence;
  bool in_table = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.find("`--output DIR` it also writes") != std::string::npos) count_sentence = line;
    if (line == "| file | content |") in_table = true;
    else if (in_table && line.rfind("| `", 0) == 0) documented.insert(line.substr(3, line.find('`', 3) - 3));
    else if (in_table && line.rfind("|---", 0) != 0) break;
  }
  EXPECT_EQ(documented, written);
  const char* numbers[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
  ASSERT_LT(written.size(), std::size(numbers));
  EXPECT_NE(count_sentence.find(std::string("these ") + numbers[written.size()] + " files"), std::string::npos)
      << count_sentence;
}

/// The disk fills while writing: /dev/full (writes fail with ENOSPC, even for root) stands
/// in for the disk through a symbolic link at the temporary name. The message says "disk
/// full while writing F", the temporary file is removed and the old file is kept (an
/// empty FILE.part was left before).
TEST(PredictionWriter, DiskFullIsReportedAndLeavesNoPartFile) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this system";
  const auto dir = std::filesystem::temp_directory_path() / "cevns_writer_full_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto file = dir / "sensitivity.json";
  std::ofstream(file) << "old";
  std::filesystem::create_symlink("/dev/full", dir / "sensitivity.json.part");
  try {
    write_file_atomically(file, "{}\n");
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("disk full while writing " + file.string(), 0), 0u) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(dir / "sensitivity.json.part"))) << "left behind";
  std::ifstream in(file);
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "old");
  std::filesystem::remove_all(dir);
}

/// A parent that is a file (fails for root too): the message names the file and the
/// reason, and nothing is left.
TEST(PredictionWriter, FailedWriteNamesTheFileAndLeavesNothing) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_writer_notdir_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a-file") << "x";
  const auto file = dir / "a-file" / "prediction.json";
  try {
    write_file_atomically(file, "{}\n");
    ADD_FAILURE() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot write " + file.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Not a directory"), std::string::npos) << e.what();
  }
  // A rename that fails (the target is a non-empty directory) removes the temporary file.
  std::filesystem::create_directories(dir / "taken" / "inside");
  EXPECT_THROW(write_file_atomically(dir / "taken", "{}\n"), IoError);
  EXPECT_FALSE(std::filesystem::exists(dir / "taken.part"));
  std::filesystem::remove_all(dir);
}

TEST(PredictionWriter, UnwritableDirectoryIsAClearError) {
  EXPECT_THROW(write_prediction(clovers(), "/proc/cevns-cannot-write-here"), IoError);
}

}  // namespace
}  // namespace cevns::io
