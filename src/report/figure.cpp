#include "figure.hpp"

#include <system_error>

#include <fmt/format.h>

#include "cevns/core/error.hpp"

namespace cevns::report::figure {

namespace fs = std::filesystem;

std::string tex_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '_' || c == '^' || c == '\\' || c == '{' || c == '}') out += '\\';
    out += c;
  }
  return out;
}

void save(mglGraph& gr, const fs::path& directory, const std::string& stem, std::vector<fs::path>& written) {
  for (const char* extension : {".png", ".svg"}) {
    const fs::path final_path = directory / (stem + extension);
    const fs::path temporary = directory / ("." + stem + ".tmp" + extension);
    std::error_code ec;
    fs::remove(temporary, ec);
    gr.SetWarn(mglWarnNone, "");
    if (std::string(extension) == ".png")
      gr.WritePNG(temporary.c_str(), "", false);
    else
      gr.WriteSVG(temporary.c_str(), "");
    const bool opened = gr.GetWarn() != mglWarnOpen;
    const auto size = fs::file_size(temporary, ec);
    if (ec || size == 0) {
      fs::remove(temporary, ec);
      throw IoError(fmt::format("cannot write {} ({}); check that the directory is writable and not full",
                                final_path.string(), opened ? "MathGL wrote an empty file" : "cannot open the file"));
    }
    fs::rename(temporary, final_path, ec);
    if (ec) {
      const std::string why = ec.message();
      fs::remove(temporary, ec);
      throw IoError(fmt::format("cannot write {} (renaming {} failed: {})", final_path.string(),
                                temporary.filename().string(), why));
    }
    written.push_back(final_path);
  }
}

}  // namespace cevns::report::figure
