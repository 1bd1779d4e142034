#pragma once
/// \file
/// When neutrinos reach the detector, relative to the centre of the first proton bunch.
///
/// Prompt ν_μ: t = t_bunch + t_π + L/c; delayed ν_e, ν̄_μ: t = t_bunch + t_π + t_μ + L/c,
/// with t_π, t_μ exponential (mean lives from PDG) and t_bunch from the bunches of the
/// pulse, Gaussian or flat-topped (a box with Gaussian edges). The distributions are closed
/// forms (exponentially modified Gaussians, and their running mean over the box), so binned
/// probabilities are exact differences of the cumulative distribution.
///
/// A tabulated flux (source.flux = "table") gives instead, per flavour, the emission time at
/// the target in bins (the pulse included): constant density in each bin, a piecewise-linear
/// CDF, shifted by the time of flight.

#include <array>
#include <vector>

#include "cevns/source/flavor.hpp"
#include "cevns/source/source_config.hpp"

namespace cevns {

class ArrivalTimeModel {
 public:
  /// \param pulse proton pulse structure (validated)
  /// \param time_of_flight_ns neutrino flight time from target to detector
  ArrivalTimeModel(const PulseConfig& pulse, double time_of_flight_ns);
  /// Tabulated: `content[flavor]` (indexed by Flavor, one value per bin of `edges_ns`, any
  /// unit, normalised here) of the emission times; an empty content stands for a flavour
  /// absent from the table (its CDF is the ν_e one: it carries no flux).
  ArrivalTimeModel(std::vector<double> edges_ns, const std::array<std::vector<double>, 4>& content,
                   double time_of_flight_ns);

  /// P(arrival ≤ t) for `time` in ns.
  [[nodiscard]] double cdf(Flavor flavor, double time) const;
  /// Probability density per ns at `time`.
  [[nodiscard]] double pdf(Flavor flavor, double time) const;
  /// P(low < arrival ≤ high).
  [[nodiscard]] double probability(Flavor flavor, double low, double high) const {
    return cdf(flavor, high) - cdf(flavor, low);
  }

 private:
  template <class ExGaussian>
  [[nodiscard]] double sum_over_bunches(Flavor flavor, double time, ExGaussian exgaussian) const;

  struct Bunch {
    double time;    // ns, including the time of flight
    double weight;  // fraction of protons
  };
  std::vector<Bunch> bunches_;
  // Tabulated: arrival-time edges (ns) and each flavour's CDF at them; empty for the pulse model.
  std::vector<double> table_edges_;
  std::array<std::vector<double>, 4> table_cdf_;
  double sigma_;  // ns, Gaussian width of each bunch, or of the edges of a flat top
  double box_;    // ns, width of the flat top; 0 for Gaussian bunches
};

/// CDF of an exponentially modified Gaussian (Gaussian of width σ convolved with an
/// exponential of mean τ, starting at 0), at x; σ may be zero.
double exgaussian_cdf(double x, double sigma, double tau);
/// Density of the same distribution.
double exgaussian_pdf(double x, double sigma, double tau);
/// CDF of the same distribution further convolved with a uniform box of width `width`
/// centred on 0: [G(x + w/2) − G(x − w/2)]/w with G(x) = xΦ(x/σ) + σφ(x/σ) − τF(x), the
/// antiderivative of the exGaussian CDF F (G′ = Φ − τf = F since τf = Φ − F).
double box_exgaussian_cdf(double x, double width, double sigma, double tau);
/// Its density, [F(x + w/2) − F(x − w/2)]/w.
double box_exgaussian_pdf(double x, double width, double sigma, double tau);

}  // namespace cevns
