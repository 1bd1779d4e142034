// The documentation points only into the repository, and only at files that exist.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path root = fs::weakly_canonical(CEVNS_SOURCE_DIR);

/// README.md, docs/*.md and configs/*.toml, relative to the repository root.
std::vector<fs::path> documents() {
  std::vector<fs::path> files{"README.md"};
  for (const char* folder : {"docs", "configs"})
    for (const auto& entry : fs::directory_iterator(root / folder)) {
      const auto ext = entry.path().extension();
      if (ext == ".md" || ext == ".toml") files.push_back(fs::relative(entry.path(), root));
    }
  std::sort(files.begin(), files.end());
  return files;
}

/// Whether `path` (already normal) lies inside the repository.
bool inside(const fs::path& path) {
  const auto relative = path.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

/// A word that names a repository path: it starts with a top-level entry of the
/// repository and holds no placeholder (`<m>`, `*`, `{png,svg}`, `DIR`, `FILE`, `…`).
bool names_repository_path(const std::string& word) {
  static const std::array<const char*, 13> tops{"README.md", "CMakeLists.txt", "docs/",  "configs/", "data/",
                                                "scripts/",  "src/",           "include/", "tests/",  "apps/",
                                                "bench/",    "cmake/",         ".ci/"};
  static const std::regex placeholder(R"([<>*{}]|DIR|FILE|…)");
  return std::any_of(tops.begin(), tops.end(), [&](const char* top) { return word.rfind(top, 0) == 0; }) &&
         !std::regex_search(word, placeholder);
}

/// Every problem of one document: links and paths that leave the repository, or name a
/// file that does not exist. "file:line: target (why)".
std::vector<std::string> problems_of(const fs::path& document) {
  static const std::regex link(R"(\]\(([^)\s]+)\))");
  static const std::regex separators(R"([\s`'"(),;\[\]=|]+)");
  static const std::regex scheme(R"(^[a-z]+:)");
  std::vector<std::string> problems;
  std::ifstream in(root / document);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const auto report = [&](const std::string& target, const char* why) {
      problems.push_back(document.string() + ":" + std::to_string(number) + ": " + target + " (" + why + ")");
    };
    // Markdown links, relative to the document's folder.
    for (auto it = std::sregex_iterator(line.begin(), line.end(), link); it != std::sregex_iterator(); ++it) {
      std::string target = (*it)[1];
      if (std::regex_search(target, scheme) || target.front() == '#') continue;  // https:, mailto:, an anchor
      target = target.substr(0, target.find('#'));
      const auto resolved = (root / document.parent_path() / target).lexically_normal();
      if (!inside(resolved))
        report(target, "points outside the repository");
      else if (!fs::exists(resolved))
        report(target, "no such file");
    }
    // Paths in the rest of the text, relative to the repository root as the documents
    // write them.
    const std::string text = std::regex_replace(line, link, "]");
    for (auto it = std::sregex_token_iterator(text.begin(), text.end(), separators, -1);
         it != std::sregex_token_iterator(); ++it) {
      std::string word = *it;
      while (!word.empty() && std::string(".:;,").find(word.back()) != std::string::npos) word.pop_back();
      if (word.empty() || std::regex_search(word, scheme)) continue;
      if (word.rfind("../", 0) == 0 || word.find("shared/") != std::string::npos || word.ends_with("DESIGN.md") ||
          word.ends_with("STYLE.md"))
        report(word, "points outside the repository");
      else if (names_repository_path(word) && !fs::exists(root / word))
        report(word, "no such file");
    }
  }
  return problems;
}

TEST(Documentation, PointsOnlyAtFilesInTheRepository) {
  const auto files = documents();
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files)
    for (const auto& problem : problems_of(file)) ADD_FAILURE() << problem;
}

/// Every skipped test says why: each GTEST_SKIP() in tests/ streams a reason, which the
/// test program prints and CTest's log keeps (docs/developer-guide.md shows how to read it).
TEST(Documentation, EverySkipSaysWhy) {
  static const std::regex skip(R"(GTEST_SKIP\(\)\s*(<<)?)");
  int skips = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root / "tests")) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    for (auto it = std::sregex_iterator(text.begin(), text.end(), skip); it != std::sregex_iterator(); ++it) {
      if (entry.path().filename() == "documentation_test.cpp") continue;  // the pattern above
      ++skips;
      EXPECT_TRUE((*it)[1].matched) << fs::relative(entry.path(), root).string()
                                    << ": GTEST_SKIP() without a reason (stream one: GTEST_SKIP() << \"why\")";
    }
  }
  EXPECT_GE(skips, 1);
}

/// The checker itself finds what it must (a test that cannot fail is a defect).
TEST(Documentation, TheCheckerFindsBadReferences) {
  const fs::path probe = root / "docs" / ".documentation-test-probe.md";
  {
    std::ofstream out(probe);
    out << "See [the design](../../shared/DESIGN.md), [gone](missing.md), [fine](output.md#json-fields),\n"
           "`../shared/data/x.txt`, configs/nothing.toml, configs/clovers.toml, src/<m>/ and https://a.b/c.\n";
  }
  const auto problems = problems_of(fs::relative(probe, root));
  fs::remove(probe);
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  EXPECT_NE(problems[0].find("../../shared/DESIGN.md (points outside"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("missing.md (no such file)"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("../shared/data/x.txt (points outside"), std::string::npos) << problems[2];
  EXPECT_NE(problems[3].find("configs/nothing.toml (no such file)"), std::string::npos) << problems[3];
}

}  // namespace
