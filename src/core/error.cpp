#include "cevns/core/error.hpp"

#include <cmath>

#include <fmt/format.h>

namespace cevns {

std::string format_value(double value) { return fmt::format("{:g}", value); }

void require_positive(const std::string& key, double value) {
  if (!(value > 0.0) || !std::isfinite(value)) throw InvalidValue(key, format_value(value), "must be a positive number");
}

void require_range(const std::string& key, double value, double low, double high, const std::string& why,
                   bool low_open) {
  if (low_open ? value > low && value <= high : value >= low && value <= high) return;
  throw InvalidValue(key, format_value(value),
                     fmt::format("must be in {}{:g}, {:g}]{}", low_open ? "(" : "[", low, high, why.empty() ? "" : ": " + why));
}

double checked_poisson_mean(double mean, std::string_view what) {
  if (!std::isfinite(mean) || mean < 0.0)
    throw NumericalError(fmt::format("{} = {} cannot be sampled (a Poisson mean must be finite and >= 0)", what,
                                     format_value(mean)));
  if (mean > max_poisson_mean)
    throw NumericalError(fmt::format("{} = {} is too large to simulate (at most {:g}); the configuration's rates, "
                                     "masses or block size are beyond what the simulation can hold",
                                     what, format_value(mean), max_poisson_mean));
  return mean;
}

void require_finite(std::string_view what, double value) {
  if (!std::isfinite(value))
    throw NumericalError(fmt::format("{} is {}, not a finite number: the configuration's values are each allowed, "
                                     "but the result is not representable",
                                     what, format_value(value)));
}

}  // namespace cevns
