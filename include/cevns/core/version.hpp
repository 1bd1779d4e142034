#pragma once
/// \file
/// The program version, from the CMake project version.

#include <string_view>

namespace cevns {

std::string_view version();

}  // namespace cevns
