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

}  // namespace cevns
