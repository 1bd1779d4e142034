#include "cevns/source/neutrino_spectrum.hpp"

#include <cmath>
#include <stdexcept>

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

double NeutrinoSpectrum::density(double energy) const {
  if (is_line() || energy < 0.0 || energy > max_energy_) return 0.0;
  double sum = 0.0;
  for (std::size_t n = coefficients_.size(); n-- > 0;) sum = sum * energy + coefficients_[n];
  return sum;
}

double NeutrinoSpectrum::tail_moment(int k, double min_energy) const {
  if (k < -2) throw std::invalid_argument("NeutrinoSpectrum::tail_moment supports k >= -2");
  if (is_line()) return min_energy <= max_energy_ ? std::pow(max_energy_, k) : 0.0;
  const double low = std::max(min_energy, 0.0);
  if (low >= max_energy_) return 0.0;
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
