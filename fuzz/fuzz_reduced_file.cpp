// libFuzzer target: the reduced-data file reader, on HDF5 files mutated byte by byte
// (seed corpus: files written by `cevns reconstruct`). Opening the file, reading every
// block and all events at once must give the data or a cevns::Error (IoError), never a
// crash, a hang or another exception.

#include <cstddef>
#include <cstdint>

#include "cevns/core/error.hpp"
#include "cevns/io/reduced_file.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& path = cevns::fuzz::write_input(data, size);
  try {
    const cevns::io::ReducedFileReader reader(path);
    for (std::uint64_t i = 0; i < reader.block_count(); ++i) (void)reader.read_block(i);
    (void)reader.read_all_events();
  } catch (const cevns::Error&) {
  }
  return 0;
}
