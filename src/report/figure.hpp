#pragma once
/// \file
/// What the figure sources of the plotting module (plots.cpp, fit_plots.cpp) share: the
/// house canvas, TeX escaping for MathGL, and writing a figure as PNG and SVG.

#include <mgl2/mgl.h>

#include <filesystem>
#include <string>
#include <vector>

namespace cevns::report::figure {

inline constexpr int image_width_px = 800;
inline constexpr int image_height_px = 600;

/// A MathGL canvas of the house font, 800 × 600 px unless told. (mglGraph must not be
/// copied: its copy would delete the canvas twice.)
class Canvas : public mglGraph {
 public:
  explicit Canvas(int width_px = image_width_px, int height_px = image_height_px) : mglGraph(0, width_px, height_px) {
    SetFontSize(2.6);
  }
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;
};

/// Text for MathGL, which reads '_', '^', '\\' and braces as TeX: escape them in names.
std::string tex_escape(const std::string& text);

/// Writes `gr` as `directory/stem.png` and `.svg` through temporary names, appending them to
/// `written`; throws IoError naming the file when one cannot be written.
void save(mglGraph& gr, const std::filesystem::path& directory, const std::string& stem,
          std::vector<std::filesystem::path>& written);

}  // namespace cevns::report::figure
