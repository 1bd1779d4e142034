#include "cevns/core/version.hpp"

namespace cevns {

std::string_view version() { return CEVNS_VERSION; }

}  // namespace cevns
