#pragma once
// Running a shell command from the CLI tests: what every test of the program needs.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace cevns::test {

struct Result {
  int exit_code;       ///< -1 when the command did not exit normally
  std::string output;  ///< what the command wrote to stdout (redirect stderr in `command`)
};

/// Runs `command` with /bin/sh and collects its standard output.
inline Result run_shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string output;
  std::array<char, 4096> buffer{};
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace cevns::test
