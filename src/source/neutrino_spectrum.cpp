#include "cevns/source/neutrino_spectrum.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include <boost/math/quadrature/gauss.hpp>

#include "cevns/core/constants.hpp"

namespace cevns {

NeutrinoSpectrum NeutrinoSpectrum::line(double energy) {
  if (!(energy > 0.0)) throw std::invalid_argument("NeutrinoSpectrum::line needs a positive energy");
  return NeutrinoSpectrum({}, energy);
}

NeutrinoSpectrum NeutrinoSpectrum::polynomial(std::vector<double> coefficients, double max_energy) {
  if (coefficients.empty() || !(max_energy > 0.0))
    throw std::invalid_argument("NeutrinoSpectrum::polynomial needs coefficients and a positive end point");
  return NeutrinoSpectrum(std::move(coefficients), max_energy);
}

namespace {

/// ∫_a^b Eᵏ dE for 0 < a ≤ b (k = −1: the logarithm).
double power_integral(int k, double a, double b) {
  if (k == -1) return std::log(b / a);
  return (std::pow(b, k + 1) - std::pow(a, k + 1)) / (k + 1);
}

// A histogram's tail moments are tabulated for these k.
constexpr int lowest_tabulated_k = -2, highest_tabulated_k = 2, tabulated_ks = 5;
// Below this energy (MeV) a histogram bin starting at 0 is cut for k < 0, where ∫ Eᵏ dE
// diverges at 0: the CEvNS rate at T → 0 multiplies those moments by T (cross_section.cpp).
constexpr double lowest_energy_MeV = 1e-12;

}  // namespace

NeutrinoSpectrum NeutrinoSpectrum::histogram(std::vector<double> edges, const std::vector<double>& content) {
  if (edges.size() < 2 || content.size() + 1 != edges.size())
    throw std::invalid_argument("NeutrinoSpectrum::histogram needs one content per bin and at least one bin");
  if (!(edges.front() >= 0.0)) throw std::invalid_argument("NeutrinoSpectrum::histogram needs edges >= 0");
  double total = 0.0;
  for (std::size_t i = 0; i < content.size(); ++i) {
    if (!(edges[i + 1] > edges[i])) throw std::invalid_argument("NeutrinoSpectrum::histogram needs increasing edges");
    if (!(content[i] >= 0.0) || !std::isfinite(content[i]))
      throw std::invalid_argument("NeutrinoSpectrum::histogram needs finite contents >= 0");
    total += content[i];
  }
  if (!(total > 0.0) || !std::isfinite(total)) throw std::invalid_argument("NeutrinoSpectrum::histogram is empty");
  // Empty bins above the last filled one do not count: the end point is the last filled bin's edge.
  std::size_t bins = content.size();
  while (content[bins - 1] == 0.0) --bins;
  edges.resize(bins + 1);
  NeutrinoSpectrum out({}, edges.back());
  out.edges_ = std::move(edges);
  for (std::size_t i = 0; i < bins; ++i) out.bin_density_.push_back(content[i] / total / (out.edges_[i + 1] - out.edges_[i]));
  out.histogram_tails_.assign(tabulated_ks * (bins + 1), 0.0);
  for (std::size_t i = bins; i-- > 0;)
    for (int k = lowest_tabulated_k; k <= highest_tabulated_k; ++k) {
      const auto at = static_cast<std::size_t>(k - lowest_tabulated_k);
      const double low = out.edges_[i] > 0.0 || k >= 0 ? out.edges_[i] : lowest_energy_MeV;
      const double bin = out.bin_density_[i] == 0.0 ? 0.0 : out.bin_density_[i] * power_integral(k, low, out.edges_[i + 1]);
      out.histogram_tails_[tabulated_ks * i + at] = out.histogram_tails_[tabulated_ks * (i + 1) + at] + bin;
    }
  return out;
}

double NeutrinoSpectrum::histogram_tail_moment(int k, double low) const {
  low = std::max(low, edges_.front());
  if (low >= max_energy_) return 0.0;
  if (k < 0) low = std::max(low, lowest_energy_MeV);
  // The bin holding `low`: its part above low, and the tabulated tail above it.
  const auto upper = std::upper_bound(edges_.begin(), edges_.end(), low);
  const auto i = static_cast<std::size_t>(upper - edges_.begin()) - 1;
  const double partial = bin_density_[i] == 0.0 ? 0.0 : bin_density_[i] * power_integral(k, low, edges_[i + 1]);
  if (k >= lowest_tabulated_k && k <= highest_tabulated_k)
    return partial + histogram_tails_[tabulated_ks * (i + 1) + static_cast<std::size_t>(k - lowest_tabulated_k)];
  double sum = partial;
  for (std::size_t j = i + 1; j < bin_density_.size(); ++j)
    if (bin_density_[j] != 0.0) sum += bin_density_[j] * power_integral(k, edges_[j], edges_[j + 1]);
  return sum;
}

NeutrinoSpectrum NeutrinoSpectrum::decay_at_rest(Flavor flavor) {
  using constants::muon_mass;
  const double m3 = muon_mass * muon_mass * muon_mass;
  const double m4 = m3 * muon_mass;
  switch (flavor) {
    case Flavor::nu_mu:
      return line(constants::prompt_numu_energy);
    case Flavor::nu_e:  // 192/m · x²(1/2 − x) = (96/m³) E² − (192/m⁴) E³
      return polynomial({0.0, 0.0, 96.0 / m3, -192.0 / m4}, constants::michel_endpoint);
    case Flavor::nubar_mu:  // 64/m · x²(3/4 − x) = (48/m³) E² − (64/m⁴) E³
      return polynomial({0.0, 0.0, 48.0 / m3, -64.0 / m4}, constants::michel_endpoint);
    case Flavor::nubar_e:
      throw std::invalid_argument("π⁺ decay at rest gives no ν̄_e (a tabulated flux may: source.flux = \"table\")");
  }
  throw std::invalid_argument("unknown flavour");
}

double NeutrinoSpectrum::polynomial_density(double energy) const {
  if (is_histogram()) {
    if (energy < edges_.front() || energy >= max_energy_) return 0.0;
    const auto upper = std::upper_bound(edges_.begin(), edges_.end(), energy);
    return bin_density_[static_cast<std::size_t>(upper - edges_.begin()) - 1];
  }
  double sum = 0.0;
  for (std::size_t n = coefficients_.size(); n-- > 0;) sum = sum * energy + coefficients_[n];
  return sum;
}

double NeutrinoSpectrum::density(double energy) const {
  if (is_line() || energy < 0.0 || energy > max_energy_) return 0.0;
  const double sum = polynomial_density(energy);
  return probability_ ? sum * probability_(energy) : sum;
}

double NeutrinoSpectrum::weighted_integral(int k, double a, double b) const {
  std::array<double, 4> moments{};
  weighted_moments(a, b, moments);
  return moments[static_cast<std::size_t>(k + 2)];
}

namespace {

using Moments = std::array<double, 4>;

}  // namespace

Moments NeutrinoSpectrum::gauss_moments(double a, double b) const {
  // 8-point Gauss–Legendre: the 4 non-negative abscissae of boost's table, mirrored.
  using rule = boost::math::quadrature::gauss<double, 8>;
  Moments out{};
  const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
  for (std::size_t j = 0; j < rule::abscissa().size(); ++j)
    for (double sign : {-1.0, 1.0}) {
      const double e = mid + sign * half * rule::abscissa()[j];
      const double f = half * rule::weights()[j] * polynomial_density(e) * probability_(e);
      const double inverse = 1.0 / e;
      out[0] += f * inverse * inverse, out[1] += f * inverse, out[2] += f, out[3] += f * e;
    }
  return out;
}

void NeutrinoSpectrum::weighted_moments(double a, double b, Moments& out) const {
  // Halve the interval while the two halves disagree with the whole: an oscillation's phase
  // grows as 1/E, so low energies need finer steps. At most 2¹⁰ pieces per interval (below
  // ≈ 1 MeV, where the spectra hold < 10⁻⁴ of their neutrinos, the phase outruns any grid).
  struct Piece {
    double a, b;
    Moments whole;
    int depth;
  };
  std::vector<Piece> stack{{a, b, gauss_moments(a, b), 0}};
  while (!stack.empty()) {
    const Piece p = stack.back();
    stack.pop_back();
    const double m = 0.5 * (p.a + p.b);
    const Moments left = gauss_moments(p.a, m), right = gauss_moments(m, p.b);
    bool converged = p.depth >= 10;
    if (!converged) {
      converged = true;
      for (std::size_t k = 0; k < 4; ++k) {
        const double halves = left[k] + right[k];
        if (std::abs(halves - p.whole[k]) > 1e-12 * std::abs(halves) + 1e-18) converged = false;
      }
    }
    if (converged) {
      for (std::size_t k = 0; k < 4; ++k) out[k] += left[k] + right[k];
    } else {
      stack.push_back({p.a, m, left, p.depth + 1});
      stack.push_back({m, p.b, right, p.depth + 1});
    }
  }
}

NeutrinoSpectrum NeutrinoSpectrum::times(std::function<double(double)> probability, int intervals) const {
  if (!probability || intervals < 1) throw std::invalid_argument("NeutrinoSpectrum::times needs a probability");
  NeutrinoSpectrum out = *this;
  if (is_line()) {
    out.weight_ = weight_ * probability(max_energy_);
    return out;
  }
  if (probability_) {  // a product of two probabilities
    auto first = probability_;
    out.probability_ = [first, probability](double e) { return first(e) * probability(e); };
  } else {
    out.probability_ = std::move(probability);
  }
  out.step_ = max_energy_ / intervals;
  out.table_.assign(4 * (static_cast<std::size_t>(intervals) + 1), 0.0);
  for (int i = intervals; i-- > 0;) {
    // The lowest interval starts at 0, where E⁻² φ stays finite (φ ∝ E² for Michel); Gauss
    // nodes never sit on 0.
    std::array<double, 4> moments{};
    out.weighted_moments(i * out.step_, (i + 1) * out.step_, moments);
    const std::size_t at = 4 * static_cast<std::size_t>(i);
    for (std::size_t k = 0; k < 4; ++k) out.table_[at + k] = out.table_[at + 4 + k] + moments[k];
  }
  return out;
}

double NeutrinoSpectrum::tail_moment(int k, double min_energy) const {
  if (k < -2) throw std::invalid_argument("NeutrinoSpectrum::tail_moment supports k >= -2");
  if (is_line()) return min_energy <= max_energy_ ? weight_ * std::pow(max_energy_, k) : 0.0;
  const double low = std::max(min_energy, 0.0);
  if (low >= max_energy_) return 0.0;
  if (probability_) {
    if (k > 1) throw std::invalid_argument("NeutrinoSpectrum::tail_moment of an oscillated spectrum supports k <= 1");
    const auto intervals = table_.size() / 4 - 1;
    const auto i = std::min(static_cast<std::size_t>(low / step_), intervals - 1);
    const double edge = static_cast<double>(i + 1) * step_;
    return table_[4 * (i + 1) + static_cast<std::size_t>(k + 2)] + weighted_integral(k, low, edge);
  }
  if (is_histogram()) return histogram_tail_moment(k, low);
  double sum = 0.0;
  for (std::size_t n = 0; n < coefficients_.size(); ++n) {
    if (coefficients_[n] == 0.0) continue;
    const int power = static_cast<int>(n) + k + 1;
    if (power == 0) {
      sum += coefficients_[n] * std::log(max_energy_ / low);
    } else {
      sum += coefficients_[n] * (std::pow(max_energy_, power) - std::pow(low, power)) / power;
    }
  }
  return sum;
}

}  // namespace cevns
