#include "cevns/stats/significance.hpp"

#include <cmath>
#include <limits>

namespace cevns::stats {

double simple_significance(double signal, double background) {
  const double total = signal + background;
  return total > 0.0 ? signal / std::sqrt(total) : 0.0;
}

std::optional<double> asimov_significance(double signal, double background) {
  if (signal <= 0.0) return 0.0;
  if (background <= 0.0) return std::nullopt;
  return std::sqrt(2.0 * ((signal + background) * std::log1p(signal / background) - signal));
}

double exposure_factor_for(double signal, double background, double target) {
  const double z = simple_significance(signal, background);
  return z > 0.0 ? (target / z) * (target / z) : std::numeric_limits<double>::infinity();
}

}  // namespace cevns::stats
