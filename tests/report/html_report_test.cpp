// The report page's building blocks: base 64 for the inline figures, HTML escaping, and the
// page of a directory that is not a study.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "cevns/core/error.hpp"
#include "cevns/report/html_report.hpp"

namespace cevns::report {
namespace {

TEST(HtmlReport, Base64IsRfc4648) {
  // The test vectors of RFC 4648, section 10.
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\x89PNG\r\n\x1a\n", 8)), "iVBORw0KGgo=");  // every PNG starts so
  EXPECT_EQ(base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(HtmlReport, EscapesMarkup) {
  EXPECT_EQ(html_escape("a < b && \"c\" > 'd'"), "a &lt; b &amp;&amp; &quot;c&quot; &gt; &#39;d&#39;");
  EXPECT_EQ(html_escape("ν̄_μ 4–72 NPE"), "ν̄_μ 4–72 NPE");  // UTF-8 passes through
}

TEST(HtmlReport, ADirectoryWithoutStudyIsAnError) {
  const auto dir = std::filesystem::temp_directory_path() / ("cevns_html_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  EXPECT_THROW((void)html_report(dir), IoError);
  // A study of which only the record exists (every stage not run yet) still gives a page.
  std::ofstream(dir / "study.json") << R"({"experiment": "X <test>", "stages": [], "mc": null})";
  const std::string page = html_report(dir);
  EXPECT_NE(page.find("X &lt;test&gt; — cevns study"), std::string::npos);
  EXPECT_NE(page.find("not run"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cevns::report
