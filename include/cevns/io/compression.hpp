#pragma once
/// \file
/// Lossless compression of the raw and reduced files: which HDF5 filter the large datasets
/// (waveforms, truth tables, /triggers, /events) are written with. Every filter is
/// lossless — the file reads back bit for bit — and recorded twice: in each dataset's
/// filter pipeline (what HDF5, h5py and cevns read by) and in the root attribute
/// `compression`. docs/raw-format.md ("Compression") gives the measurements behind the
/// choice and what a reader needs for each filter.

#include <string>
#include <string_view>

namespace cevns::io {

enum class Compression {
  none,     ///< Fletcher-32 checksum only (formats before compression was added)
  deflate,  ///< HDF5's own byte shuffle + deflate level 1 (zlib): readable by any HDF5
  lz4,      ///< Blosc filter 32001: bit shuffle + LZ4 level 5 (plugin hdf5-filter-plugin-blosc-serial)
  zstd,     ///< Blosc filter 32001: byte shuffle + Zstandard level 1 (the same plugin)
};

/// "none", "deflate", "lz4", "zstd".
[[nodiscard]] std::string_view compression_name(Compression compression);

/// What `name` (one of compression_name's) selects; throws ConfigError naming `where`
/// (e.g. "--compression") and the allowed names for anything else.
[[nodiscard]] Compression parse_compression(std::string_view name, std::string_view where);

/// The names, for help texts: "none, deflate, lz4, zstd".
[[nodiscard]] std::string compression_names();

/// The default of `cevns simulate` and `cevns reconstruct` (docs/raw-format.md,
/// "Compression": the measured ratio and speed behind it).
inline constexpr Compression default_compression = Compression::zstd;

/// Throws IoError naming the filter, the package that has it and HDF5_PLUGIN_PATH unless
/// this process's HDF5 can write and read `compression` (a plugin filter needs its shared
/// library; "none" and "deflate" are built into HDF5).
void require_compression(Compression compression);

}  // namespace cevns::io
