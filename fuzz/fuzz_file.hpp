#pragma once
// What the file fuzzers share: the input written to a file of its own, for HDF5.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace cevns::fuzz {

/// A file of this process (in /dev/shm when there is one) holding the fuzz input.
inline const std::filesystem::path& write_input(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path = [] {
    const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                                                 : std::filesystem::temp_directory_path();
    return dir / ("cevns-fuzz-" + std::to_string(getpid()) + ".h5");
  }();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
  return path;
}

}  // namespace cevns::fuzz
