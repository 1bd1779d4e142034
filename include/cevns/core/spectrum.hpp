#pragma once
/// \file
/// A binned expected spectrum: bin edges and the expected count in each bin.

#include <cstddef>
#include <vector>

namespace cevns {

/// Bin edges of a histogram axis, in whatever unit its owner states.
class Binning {
 public:
  /// `bin_count` equal bins between `low` and `high`. Throws std::invalid_argument on
  /// impossible input: a programming error, since callers validate user input first.
  static Binning uniform(double low, double high, std::size_t bin_count);

  explicit Binning(std::vector<double> edges);

  [[nodiscard]] std::size_t size() const { return edges_.size() - 1; }
  [[nodiscard]] const std::vector<double>& edges() const { return edges_; }
  [[nodiscard]] double low(std::size_t bin) const { return edges_[bin]; }
  [[nodiscard]] double high(std::size_t bin) const { return edges_[bin + 1]; }
  [[nodiscard]] double center(std::size_t bin) const { return 0.5 * (edges_[bin] + edges_[bin + 1]); }
  [[nodiscard]] double width(std::size_t bin) const { return edges_[bin + 1] - edges_[bin]; }

 private:
  std::vector<double> edges_;
};

/// Expected counts per bin over a binning.
struct Spectrum {
  Binning binning;
  std::vector<double> counts;

  explicit Spectrum(Binning b) : binning(std::move(b)), counts(binning.size(), 0.0) {}

  [[nodiscard]] double total() const;
  Spectrum& operator+=(const Spectrum& other);
};

/// Expected counts over two binnings (x outer, y inner): counts[ix * y.size() + iy].
struct Spectrum2D {
  Binning x;
  Binning y;
  std::vector<double> counts;

  Spectrum2D(Binning bx, Binning by) : x(std::move(bx)), y(std::move(by)), counts(x.size() * y.size(), 0.0) {}

  [[nodiscard]] double& at(std::size_t ix, std::size_t iy) { return counts[ix * y.size() + iy]; }
  [[nodiscard]] double at(std::size_t ix, std::size_t iy) const { return counts[ix * y.size() + iy]; }
  [[nodiscard]] double total() const;
  /// Sum over y for each x bin, and over x for each y bin.
  [[nodiscard]] Spectrum project_x() const;
  [[nodiscard]] Spectrum project_y() const;
  /// The outer product of two spectra: counts = a(x) · b(y) / Σb · scale — for a
  /// distribution that factorises into an x spectrum and a y shape.
  static Spectrum2D outer(const Spectrum& x_counts, const Spectrum& y_shape);
  Spectrum2D& operator+=(const Spectrum2D& other);
};

}  // namespace cevns
