#include "options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cmath>
#include <regex>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cevns/core/error.hpp"

namespace cevns::app {

namespace fs = std::filesystem;

CLI::Validator whole_number(std::uint64_t min, std::uint64_t max, std::string why) {
  const std::string range = max == UINT64_MAX ? fmt::format("≥ {}", min) : fmt::format("from {} to {}", min, max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, value);
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits || error == std::errc::result_out_of_range || stop != end || value < min || value > max)
          return fmt::format("{} is not a whole number {}{}", text, range, why.empty() ? "" : " (" + why + ")");
        return {};
      },
      fmt::format("whole number {}", range));
}

CLI::Validator duration() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          (void)parse_duration_s(text);
          return {};
        } catch (const Error& e) {
          return e.what();
        }
      },
      "TIME");
}

std::vector<fs::path> shipped_config_dirs() {
  std::vector<fs::path> dirs;
  std::error_code error;
  const fs::path program = fs::read_symlink("/proc/self/exe", error);
  if (!error) dirs.push_back((program.parent_path() / CEVNS_INSTALLED_CONFIG_DIR).lexically_normal());
  dirs.emplace_back(CEVNS_SOURCE_CONFIG_DIR);
  return dirs;
}

fs::path find_config(const std::string& name) {
  const fs::path given = name.empty() ? fs::path("clovers.toml") : fs::path(name);
  std::error_code error;
  if (!name.empty() && fs::exists(given, error)) return given;
  if (!name.empty() && given.has_parent_path() && given.parent_path() != "configs") return given;
  std::vector<std::string> looked;
  for (const auto& dir : shipped_config_dirs()) {
    if (fs::is_regular_file(dir / given.filename(), error)) return dir / given.filename();
    looked.push_back(dir.string());
  }
  if (!name.empty()) return given;
  throw ConfigError(fmt::format("cannot find the shipped configurations (looked in {}): give --config FILE",
                                fmt::join(looked, ", ")));
}

}  // namespace cevns::app
