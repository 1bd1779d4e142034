#include "cevns/io/compression.hpp"

#include <hdf5.h>

#include <array>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "hdf5_util.hpp"

namespace cevns::io {

namespace {
constexpr std::array<std::pair<Compression, std::string_view>, 4> names{{
    {Compression::none, "none"},
    {Compression::deflate, "deflate"},
    {Compression::lz4, "lz4"},
    {Compression::zstd, "zstd"},
}};
}  // namespace

std::string_view compression_name(Compression compression) {
  for (const auto& [value, name] : names)
    if (value == compression) return name;
  return "unknown";
}

std::string compression_names() {
  std::string list;
  for (const auto& entry : names) list += (list.empty() ? "" : ", ") + std::string(entry.second);
  return list;
}

Compression parse_compression(std::string_view name, std::string_view where) {
  for (const auto& [value, text] : names)
    if (text == name) return value;
  throw ConfigError(fmt::format("{} '{}' is not a compression (one of {})", where, name, compression_names()));
}

void require_compression(Compression compression) {
  hdf5::silence_errors();
  const auto filter = hdf5::compression_filter(compression);
  if (filter == 0) return;
  unsigned config = 0;
  const bool usable = H5Zfilter_avail(filter) > 0 && H5Zget_filter_info(filter, &config) >= 0 &&
                      (config & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0 &&
                      (config & H5Z_FILTER_CONFIG_DECODE_ENABLED) != 0;
  if (!usable) throw IoError(hdf5::missing_filter_message(filter, fmt::format("--compression {}", compression_name(compression))));
  hdf5::keep_plugin_loaded(filter);
}

}  // namespace cevns::io
