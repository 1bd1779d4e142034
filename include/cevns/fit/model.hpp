#pragma once
/// \file
/// A binned Poisson likelihood over several regions at once (docs/statistics.md): samples
/// (CEvNS, beam-related neutrons, steady state, …) with template counts over every bin of
/// every region, scaled by normalisation parameters and bent by ±1σ variations
/// (HistFactory-style interpolation), plus constraint terms for the nuisance parameters.

#include <cstddef>
#include <string>
#include <vector>

namespace cevns::fit {

/// The prior knowledge of a parameter: none (free), a Gaussian, or a log-normal.
enum class Constraint { none, gaussian, lognormal };

/// One parameter of the model. Normalisations are multipliers of their template (nominal 1);
/// the α of a variation is in units of its ±1σ (nominal 0, Gaussian width 1).
struct Parameter {
  std::string name{};
  double nominal = 1.0;  ///< the value Asimov data and the constraint centre use
  double lower = 0.0;
  double upper = 10.0;
  Constraint constraint = Constraint::none;
  /// Gaussian: the standard deviation; log-normal: the relative width (ln(1 + sigma) is the
  /// standard deviation of ln θ).
  double sigma = 0.0;
  std::string source{};  ///< where the constraint comes from, for reports
  bool fixed = false;  ///< held at its start value in fits (--fix)
};

/// A ±1σ shape variation of a sample: whole templates over the model's bins.
struct ShapeVariation {
  std::string parameter{};  ///< its α (created as a N(0, 1)-constrained parameter if new)
  std::vector<double> up{}, down{};
};

/// A ±1σ normalisation variation: the sample is multiplied by κ_up at α = +1, κ_down at −1.
struct NormVariation {
  std::string parameter{};
  double up = 1.0, down = 1.0;
};

/// A component of the expected counts.
struct Sample {
  std::string name{};
  std::vector<double> nominal{};  ///< over every bin of every region, in the data's order
  std::vector<std::string> norm_factors{};  ///< parameters multiplying the whole sample
  /// Optional sets of per-bin factors: in each set a parameter per bin multiplies that bin
  /// (e.g. a steady-state rate per NPE bin shared by the regions, and a time shape per
  /// time bin); "" for a bin without one.
  std::vector<std::vector<std::string>> bin_factors{};
  std::vector<NormVariation> norm_variations{};
  std::vector<ShapeVariation> shape_variations{};
};

/// A region's place in the flat bin vector, for reports and plots.
struct RegionLayout {
  std::string name;
  std::size_t offset = 0;
  std::size_t npe_bins = 0, time_bins = 0;
  std::vector<double> npe_edges, time_edges_us;
};

/// Data the likelihood compares with: counts per bin and the auxiliary measurements (the
/// constraint centres, one per parameter; fluctuated in toys, nominal otherwise).
struct Dataset {
  std::vector<double> counts;
  std::vector<double> aux;
};

/// The model: parameters, samples and bin layout, compiled for fast evaluation.
class Model {
 public:
  /// Checks the samples against the layout and the parameters; adds the N(0, 1) α of every
  /// variation whose parameter is not among `parameters`. Throws ConfigError naming what is
  /// inconsistent (a template of the wrong size, a negative or non-finite template count, an
  /// unknown parameter).
  Model(std::vector<RegionLayout> layout, std::vector<Parameter> parameters, std::vector<Sample> samples);

  [[nodiscard]] std::size_t bin_count() const { return bins_; }
  [[nodiscard]] const std::vector<Parameter>& parameters() const { return parameters_; }
  [[nodiscard]] std::vector<Parameter>& parameters() { return parameters_; }
  [[nodiscard]] const std::vector<Sample>& samples() const { return samples_; }
  [[nodiscard]] const std::vector<RegionLayout>& layout() const { return layout_; }
  /// Index of parameter `name`; throws ConfigError listing the parameters when unknown.
  [[nodiscard]] std::size_t index(const std::string& name) const;
  [[nodiscard]] std::vector<double> nominal() const;

  /// Expected counts of sample `s` at `p`, per bin.
  void sample_expected(std::size_t s, const double* p, double* out) const;
  /// Total expected counts at `p`.
  [[nodiscard]] std::vector<double> expected(const std::vector<double>& p) const;

  /// −2 ln L up to a constant: 2 Σ_b [ν_b − n_b + n_b ln(n_b/ν_b)] + Σ_i c_i(θ_i): the
  /// saturated-model deviance plus the constraint terms. Its gradient into `grad` when not null.
  double deviance(const Dataset& data, const double* p, double* grad) const;
  /// The data part alone (the saturated-model deviance) at `p`.
  [[nodiscard]] double poisson_deviance(const Dataset& data, const std::vector<double>& p) const;
  /// The Asimov data set at `p`: expected counts, auxiliary measurements at `p`'s constrained values.
  [[nodiscard]] Dataset asimov(const std::vector<double>& p) const;
  /// Auxiliary measurements at the parameters' nominal values.
  [[nodiscard]] std::vector<double> nominal_aux() const;

 private:
  struct CompiledNorm {
    std::size_t param;
    double log_up, log_down;  // ln κ
  };
  struct CompiledShape {
    std::size_t param;
    std::vector<double> half_diff, half_sum;  // S = (δ_up − δ_down)/2, A = (δ_up + δ_down)/2 per bin
  };
  struct Compiled {
    std::vector<std::size_t> active;  // bins where the sample can be non-zero
    std::vector<std::size_t> factors;
    std::vector<std::vector<int>> bin_factor;  // per set, per bin, −1 none
    std::vector<CompiledNorm> norms;
    std::vector<CompiledShape> shapes;
  };
  std::vector<RegionLayout> layout_;
  std::vector<Parameter> parameters_;
  std::vector<Sample> samples_;
  std::vector<Compiled> compiled_;
  std::size_t bins_ = 0;
};

/// The smooth HistFactory-style interpolation of a ±1σ variation used for both shapes
/// (additive, on the counts) and normalisations (on ln κ): linear beyond |α| = 1 with the
/// slopes of the ±1σ points, a polynomial within that matches value and first two
/// derivatives there (pyhf's "code 4p" form). Returns the shift at α and its derivative.
struct Interpolated {
  double value, derivative;
};
Interpolated interpolate(double alpha, double delta_up, double delta_down);

}  // namespace cevns::fit
