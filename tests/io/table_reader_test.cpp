// io/table_reader.hpp: the one reader of text tables (backgrounds, quenching, flux).
#include "cevns/io/table_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cevns/core/error.hpp"

namespace cevns::io {
namespace {

TEST(TableReader, TwoColumnTablesOfBackgrounds) {
  // The shipped CLOVERS shape, and bad rows named by file and line.
  const auto t = read_xy_table(std::string(CEVNS_SOURCE_DIR) + "/data/clovers-brn-recoil-keVnr.csv", "test");
  ASSERT_EQ(t.x.size(), 120u);
  EXPECT_DOUBLE_EQ(t.x.front(), 0.5);
  const auto dir = std::filesystem::temp_directory_path() / "cevns_io_table_test";
  std::filesystem::create_directories(dir);
  const auto write = [&](const std::string& text) {
    std::ofstream(dir / "t.csv") << text;
    return dir / "t.csv";
  };
  EXPECT_THROW(read_xy_table(write("1, 2\n2, x\n"), "k"), ConfigError);
  try {
    read_xy_table(write("# c\n1, 2\n0.5, 1\n"), "backgrounds[0].spectrum_file");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("t.csv:3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_xy_table(write("1, -2\n"), "k"), ConfigError);
  EXPECT_THROW(read_xy_table(write("1 2 3\n"), "k"), ConfigError);
  EXPECT_THROW(read_xy_table(write("# nothing\n"), "k"), ConfigError);
  EXPECT_THROW(read_xy_table(dir / "absent.csv", "k"), ConfigError);
  EXPECT_EQ(read_xy_table(write("1 2\n\n3,4 # c\n"), "k").y.back(), 4.0);
  std::filesystem::remove_all(dir);
}

TEST(TableReader, ReadsCoherentsReleaseWhenPresent) {
  const std::string file = std::string(CEVNS_SHARED_DATA_DIR) + "/coherent-csi-2017/promptPDF.txt";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << "COHERENT's data release is not at " << file;
  const auto t = read_xy_table(file, "test");
  ASSERT_EQ(t.x.size(), 50u);  // 0.5 … 49.5 PE
  EXPECT_DOUBLE_EQ(t.x.front(), 0.5);
  EXPECT_NEAR(t.y.front(), 0.5526297688, 1e-12);  // the file's first row
}

TEST(TableReader, RowsKeepTheirLinesAndComments) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_io_table_rows_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "t.txt") << "# source: a test\n\n1, 2, 3\n# units: none\n4 5 # trailing\n";
  std::vector<std::string> comments;
  const auto rows = read_table_rows(dir / "t.txt", {.what = "k", .row_description = "a, b, c"}, &comments);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 3);
  EXPECT_EQ(rows[1].line, 5);
  EXPECT_EQ(rows[1].values, (std::vector<double>{4.0, 5.0}));
  ASSERT_EQ(comments.size(), 3u);
  EXPECT_EQ(comments[0], " source: a test");
  // NaN and infinity are not numbers of a table; a larger file than allowed is refused.
  std::ofstream(dir / "nan.txt") << "1, nan\n";
  try {
    (void)read_table_rows(dir / "nan.txt", {.what = "k", .row_description = "a, b"});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("nan.txt:1: 'nan' is not a finite number"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)read_table_rows(dir / "t.txt", {.what = "k", .row_description = "a", .largest_bytes = 4}), ConfigError);
  EXPECT_THROW((void)read_table_rows(dir, {.what = "k", .row_description = "a"}), ConfigError);  // a directory
  std::filesystem::remove_all(dir);
}

TEST(TableReader, ResolvesDataFilesBesideAboveThenShipped) {
  const auto dir = std::filesystem::temp_directory_path() / "cevns_io_resolve_test";
  std::filesystem::create_directories(dir / "configs");
  std::ofstream(dir / "configs" / "here.csv") << "1 1\n";
  std::ofstream(dir / "above.csv") << "1 1\n";
  EXPECT_EQ(resolve_data_file("here.csv", dir / "configs"), dir / "configs" / "here.csv");
  EXPECT_EQ(resolve_data_file("above.csv", dir / "configs"), dir / "above.csv");
  // Not beside or above: the shipped data of this source tree.
  EXPECT_EQ(resolve_data_file("data/clovers-brn-recoil-keVnr.csv", dir / "configs"),
            std::filesystem::path(CEVNS_SOURCE_DIR) / "data/clovers-brn-recoil-keVnr.csv");
  EXPECT_EQ(resolve_data_file("none.csv", dir / "configs"), dir / "configs" / "none.csv");  // the first, for the message
  EXPECT_EQ(resolve_data_file("/abs/x.csv", dir), std::filesystem::path("/abs/x.csv"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cevns::io
