#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "cevns/core/log.hpp"

namespace cevns::app {

ProgressBar::ProgressBar(std::string component)
    : component_(std::move(component)), start_(std::chrono::steady_clock::now()), terminal_(isatty(fileno(stderr)) != 0) {}

double ProgressBar::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::update(double fraction, const std::string& what) {
  if (finished_) return;
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  const double elapsed = elapsed_s();
  const bool done = fraction >= 1.0;
  const std::string eta = done ? fmt::format("done in {}", format_duration(elapsed))
                          : fraction > 0.0 ? "ETA " + format_duration(elapsed * (1.0 - fraction) / fraction)
                                           : "ETA unknown";
  if (terminal_) {
    constexpr int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r[%s%s] %5.1f %%  %s  %s   ", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), 100 * fraction, what.c_str(), eta.c_str());
    if (done) std::fprintf(stderr, "\n");
  } else if (fraction >= next_report_ || done) {
    logger(component_)->info("{:.0f} %: {}, {}", std::floor(100 * fraction), what, eta);
    while (next_report_ <= fraction) next_report_ += 0.1;
  }
  finished_ = done;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "unknown";
  if (seconds >= 86400) return fmt::format("{:.3g} days", seconds / 86400);
  if (seconds < 10) return fmt::format("{:.2g} s", seconds);
  const long long s = std::llround(seconds);
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{} min {} s", s / 60, s % 60);
  return fmt::format("{} h {} min", s / 3600, s % 3600 / 60);
}

}  // namespace cevns::app
