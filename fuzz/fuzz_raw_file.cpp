// libFuzzer target: the raw-data file reader, on HDF5 files mutated byte by byte (seed
// corpus: files written by `cevns simulate`). Opening the file and reading every block
// must give the data or a cevns::Error (IoError), never a crash, a hang or another
// exception.

#include <cstddef>
#include <cstdint>

#include "cevns/core/error.hpp"
#include "cevns/io/raw_file.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = cevns::fuzz::write_input(data, size);
  try {
    const cevns::io::RawFileReader reader(path);
    for (std::uint64_t i = 0; i < reader.block_count(); ++i) (void)reader.read_block(i);
  } catch (const cevns::Error&) {
  }
  return 0;
}
