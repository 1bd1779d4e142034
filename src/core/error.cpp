#include "cevns/core/error.hpp"

#include <cmath>

#include <fmt/format.h>

namespace cevns {

std::string format_value(double value) { return fmt::format("{:g}", value); }

void require_positive(const std::string& key, double value) {
  if (!(value > 0.0) || !std::isfinite(value)) throw InvalidValue(key, format_value(value), "must be a positive number");
}

}  // namespace cevns
