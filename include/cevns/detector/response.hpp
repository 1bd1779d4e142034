#pragma once
/// \file
/// From visible energy to counted photoelectrons, and the selection efficiency per NPE.

#include <utility>
#include <vector>

#include "cevns/detector/detector_config.hpp"

namespace cevns {

/// P(≥ 1 PE in each of two PMTs | n PE), each PE going to the first PMT with probability
/// `share`: 1 − shareⁿ − (1 − share)ⁿ; for share = ½ this is 1 − 2^(1−n), the CLOVERS
/// paper's Figure 5. Zero for n = 0.
double coincidence_efficiency(int photoelectrons, double share);

/// Poisson probabilities P(n; μ) for n = 0 … size − 1 into `out` (resized), computed by
/// recurrence from the mode so that large μ neither underflows nor overflows. Only the
/// returned window [first, last) is non-zero: beyond μ ± (10√μ + 10), P < 10⁻²⁰.
std::pair<std::size_t, std::size_t> poisson_probabilities(double mean, std::size_t size, std::vector<double>& out);

/// Probabilities that a continuous reconstructed PE x, Gamma-distributed with mean `mean`
/// and shape `shape` (variance mean²/shape), falls in each NPE bin [n − ½, n + ½),
/// n = 0 … size − 1 (bin 0 from 0, the last one to ∞), into `out` (resized). With an
/// `acceptance`, each bin's ∫ acceptance.at(x) p(x) dx instead (the acceptance evaluated
/// at the continuous PE; 10-point Gauss–Legendre, split at the acceptance's steps).
void gamma_pe_probabilities(double mean, double shape, std::size_t size, std::vector<double>& out,
                            const AcceptanceConfig* acceptance = nullptr);

/// As above for the cells [lows[i], lows[i + 1]) of the continuous PE (the last one to ∞;
/// below 0 nothing): predict's bins on `spectra.npe_edges`.
void gamma_pe_probabilities(double mean, double shape, const std::vector<double>& lows, std::vector<double>& out,
                            const AcceptanceConfig* acceptance = nullptr);

/// The efficiency of the whole selection for an event of n true photoelectrons, and the
/// optional charge smearing from true to observed NPE.
class SelectionEfficiency {
 public:
  /// `max_npe`: the largest NPE tracked; spectra hold bins 0 … max_npe. The coincidence
  /// uses crystal 0's PMT share and acceptance: with differing ones, one per crystal
  /// (DetectorConfig::with_pmt_share, SelectionConfig::with_acceptance).
  SelectionEfficiency(const DetectorConfig& detector, const SelectionConfig& selection, int max_npe);

  /// Applies the selection to a true-NPE spectrum (index n = number of PE): coincidence on
  /// true PE, charge smearing to observed NPE, then veto, afterglow and acceptance.
  [[nodiscard]] std::vector<double> apply(const std::vector<double>& true_npe) const;
  /// apply() with an arrival-time spectrum per true NPE (`time_by_npe[n]`, the first
  /// photoelectron's delay depends on n): the observed NPE × time, out[m × T + t] =
  /// Σ_n (what apply() moves from n to m) × time_by_npe[n][t], T = time_by_npe[n].size().
  [[nodiscard]] std::vector<double> apply_timed(const std::vector<double>& true_npe,
                                                const std::vector<std::vector<double>>& time_by_npe) const;
  /// The total efficiency for n true photoelectrons without smearing (Figure 5's curve).
  [[nodiscard]] double efficiency(int photoelectrons) const;
  /// Only the constant cuts (µ veto × afterglow).
  [[nodiscard]] double constant_efficiency() const { return constant_; }

 private:
  DetectorConfig detector_;
  SelectionConfig selection_;
  int max_npe_;
  double constant_;
  std::vector<std::vector<double>> smearing_;  // [true n][observed m], empty without smearing
};

}  // namespace cevns
