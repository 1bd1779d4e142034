#pragma once
/// \file
/// A fresh directory under the system's temporary directory for one test, removed at the
/// end of it (shared by the io tests).

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>

namespace cevns::test {

class TempDir {
 public:
  TempDir() {
    static int count = 0;
    path_ = std::filesystem::temp_directory_path() / fmt::format("cevns_io_test_{}_{}", getpid(), count++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace cevns::test
