// libFuzzer target: the TOML configuration reader. Any input must give a configuration or
// a cevns::Error (ConfigError), never a crash, a hang or another exception. A
// configuration that was accepted is also written back as TOML, as `cevns simulate`
// does when it stores it in the raw file.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cevns/core/error.hpp"
#include "cevns/io/config_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto configuration = cevns::io::parse_configuration(text, "fuzz.toml");
    (void)cevns::io::to_toml(configuration);
  } catch (const cevns::Error&) {
  }
  return 0;
}
