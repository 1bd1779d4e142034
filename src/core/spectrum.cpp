#include "cevns/core/spectrum.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace cevns {

Binning Binning::uniform(double low, double high, std::size_t bin_count) {
  if (!(high > low) || bin_count == 0) throw std::invalid_argument("Binning::uniform needs high > low and bins > 0");
  std::vector<double> edges(bin_count + 1);
  for (std::size_t i = 0; i <= bin_count; ++i)
    edges[i] = low + (high - low) * static_cast<double>(i) / static_cast<double>(bin_count);
  return Binning(std::move(edges));
}

Binning::Binning(std::vector<double> edges) : edges_(std::move(edges)) {
  if (edges_.size() < 2 || !std::is_sorted(edges_.begin(), edges_.end()) ||
      std::adjacent_find(edges_.begin(), edges_.end()) != edges_.end())
    throw std::invalid_argument("Binning needs at least two strictly increasing edges");
}

double Spectrum::total() const { return std::accumulate(counts.begin(), counts.end(), 0.0); }

Spectrum& Spectrum::operator+=(const Spectrum& other) {
  if (other.binning.edges() != binning.edges()) throw std::invalid_argument("Spectrum += with different binnings");
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  return *this;
}

double Spectrum2D::total() const { return std::accumulate(counts.begin(), counts.end(), 0.0); }

Spectrum Spectrum2D::project_x() const {
  Spectrum out(x);
  for (std::size_t ix = 0; ix < x.size(); ++ix)
    for (std::size_t iy = 0; iy < y.size(); ++iy) out.counts[ix] += at(ix, iy);
  return out;
}

Spectrum Spectrum2D::project_y() const {
  Spectrum out(y);
  for (std::size_t ix = 0; ix < x.size(); ++ix)
    for (std::size_t iy = 0; iy < y.size(); ++iy) out.counts[iy] += at(ix, iy);
  return out;
}

Spectrum2D Spectrum2D::outer(const Spectrum& x_counts, const Spectrum& y_shape) {
  Spectrum2D out(x_counts.binning, y_shape.binning);
  const double norm = y_shape.total();
  if (norm <= 0.0) return out;
  for (std::size_t ix = 0; ix < out.x.size(); ++ix)
    for (std::size_t iy = 0; iy < out.y.size(); ++iy) out.at(ix, iy) = x_counts.counts[ix] * y_shape.counts[iy] / norm;
  return out;
}

Spectrum2D& Spectrum2D::operator+=(const Spectrum2D& other) {
  if (other.x.edges() != x.edges() || other.y.edges() != y.edges())
    throw std::invalid_argument("Spectrum2D += with different binnings");
  for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += other.counts[i];
  return *this;
}

}  // namespace cevns
