#include "cevns/core/error.hpp"

#include <fmt/format.h>

namespace cevns {

std::string format_value(double value) { return fmt::format("{:g}", value); }

}  // namespace cevns
