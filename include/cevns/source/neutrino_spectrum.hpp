#pragma once
/// \file
/// Neutrino energy spectra of a spallation source, normalised to one neutrino.
///
/// The CEvNS rate needs, for each recoil energy T, integrals of the spectrum above the
/// minimum neutrino energy E_min(T) weighted by powers of E. Every spectrum here is a
/// polynomial in E (the Michel spectra), a line (prompt ν_μ) or a histogram (a tabulated
/// flux, constant density in each bin), so these "tail moments" are exact closed forms —
/// no numerical integration over E is needed.

#include <array>
#include <functional>
#include <vector>

#include "cevns/source/flavor.hpp"

namespace cevns {

class NeutrinoSpectrum {
 public:
  /// A monoenergetic line at `energy` (MeV).
  static NeutrinoSpectrum line(double energy);
  /// φ(E) = Σ_n c_n Eⁿ on [0, max_energy], with `coefficients[n] = c_n` (MeV⁻ⁿ⁻¹).
  static NeutrinoSpectrum polynomial(std::vector<double> coefficients, double max_energy);
  /// A histogram: `content[i]` neutrinos (any unit) spread uniformly over [edges[i], edges[i+1])
  /// (MeV, increasing, edges[0] ≥ 0), normalised to one neutrino. Throws std::invalid_argument
  /// for irregular edges, negative contents or an empty histogram.
  static NeutrinoSpectrum histogram(std::vector<double> edges, const std::vector<double>& content);

  /// The spectrum of one flavour from π⁺ and μ⁺ decay at rest: the prompt ν_μ line at
  /// (m_π² − m_μ²)/2m_π, and the Michel spectra (m_e → 0, no radiative corrections)
  ///   ν_e:  φ(x) = 192 x² (1/2 − x),   ν̄_μ:  φ(x) = 64 x² (3/4 − x),   x = E/m_μ ≤ 1/2.
  static NeutrinoSpectrum decay_at_rest(Flavor flavor);

  /// This spectrum times a probability P(E) ∈ [0, 1] (an oscillation at the detector): a
  /// line keeps its energy with weight P(E₀); a continuous spectrum's tail moments (k = −2 … 1)
  /// are tabulated on `intervals` equal energy intervals, each integrated by adaptive 8-point
  /// Gauss–Legendre with P evaluated exactly, and the partial interval above E_min likewise.
  [[nodiscard]] NeutrinoSpectrum times(std::function<double(double)> probability, int intervals = 512) const;

  /// Probability density per MeV at `energy` (zero for a line).
  [[nodiscard]] double density(double energy) const;
  /// ∫_{min_energy}^{E_max} Eᵏ φ(E) dE for k ≥ −2 (a line contributes E₀ᵏ if E₀ ≥ min_energy).
  [[nodiscard]] double tail_moment(int k, double min_energy) const;
  /// The largest energy with non-zero probability.
  [[nodiscard]] double max_energy() const { return max_energy_; }
  [[nodiscard]] double mean_energy() const { return tail_moment(1, 0.0); }
  [[nodiscard]] bool is_line() const { return coefficients_.empty() && edges_.empty(); }
  [[nodiscard]] bool is_histogram() const { return !edges_.empty(); }
  /// The probability of a line (1 unless multiplied by times()).
  [[nodiscard]] double line_weight() const { return weight_; }

 private:
  NeutrinoSpectrum(std::vector<double> coefficients, double max_energy)
      : coefficients_(std::move(coefficients)), max_energy_(max_energy) {}
  /// The density before any probability: the polynomial's, or the histogram bin's.
  [[nodiscard]] double polynomial_density(double energy) const;
  /// ∫_low^{E_max} Eᵏ φ dE of a histogram (no probability).
  [[nodiscard]] double histogram_tail_moment(int k, double low) const;
  /// ∫_a^b E^k φ(E) P(E) dE by 8-point Gauss–Legendre.
  [[nodiscard]] double weighted_integral(int k, double a, double b) const;
  /// Adds ∫_a^b E^k φ P dE for k = −2, −1, 0, 1 to out[k + 2] (adaptive Gauss–Legendre).
  void weighted_moments(double a, double b, std::array<double, 4>& out) const;
  /// The same four integrals by one 8-point Gauss–Legendre rule.
  [[nodiscard]] std::array<double, 4> gauss_moments(double a, double b) const;

  std::vector<double> coefficients_;  // empty for a line at max_energy_ and for a histogram
  // A histogram: its edges, the density per MeV in each bin, and the tail moments for
  // k = −2 … 2 at each edge (5 per edge).
  std::vector<double> edges_, bin_density_, histogram_tails_;
  double max_energy_;
  double weight_ = 1.0;  // a line's probability
  // times(): P(E) and, at the interval edges i·ΔE, the tail moments for k = −2 … 1 (4 per node).
  std::function<double(double)> probability_;
  std::vector<double> table_;
  double step_ = 0.0;
};

}  // namespace cevns
