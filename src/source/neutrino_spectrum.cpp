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
  }
  throw std::invalid_argument("unknown flavour");
}

double NeutrinoSpectrum::polynomial_density(double energy) const {
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
