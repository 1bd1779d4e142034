#pragma once
/// \file
/// Progress of a long task: a bar on a terminal, a log line every 10 % otherwise, both
/// with the remaining time.

#include <chrono>
#include <string>

namespace cevns::app {

class ProgressBar {
 public:
  /// `component`: the logger of the log lines (e.g. "simulate").
  explicit ProgressBar(std::string component);

  /// `fraction` (0 … 1) of the task is done; `what` says it, e.g. "10000 of 90000
  /// triggers, 5200 triggers/s". The remaining time is estimated from the elapsed time.
  void update(double fraction, const std::string& what);
  /// Seconds since construction.
  [[nodiscard]] double elapsed_s() const;

 private:
  std::string component_;
  std::chrono::steady_clock::time_point start_;
  double next_report_ = 0.1;
  bool terminal_;
  bool finished_ = false;
};

/// "45 s", "12 min 5 s", "3 h 20 min", "2.5 days".
[[nodiscard]] std::string format_duration(double seconds);

}  // namespace cevns::app
