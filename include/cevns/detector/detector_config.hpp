#pragma once
/// \file
/// Plain configuration of the detector and of the event selection applied to expected
/// spectra. Units are in the member names; `validate()` throws InvalidValue naming the key.

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "cevns/core/named_values.hpp"
#include "cevns/detector/arrival_delay.hpp"
#include "cevns/detector/quenching.hpp"

namespace cevns {

/// The spread of the reconstructed photoelectron number around its mean μ = LY · E_ee.
enum class ResolutionModel {
  poisson,  ///< integer counts, Poisson (with spe_resolution: charge smearing, rounded)
  gamma,    ///< continuous PE, Gamma of mean μ and shape 1 + b(E): variance μ²/(1 + b)
};
inline constexpr NamedValues<ResolutionModel, 2> resolution_model_names{
    {{{"poisson", ResolutionModel::poisson}, {"gamma", ResolutionModel::gamma}}}};

/// COHERENT's CsI energy resolution (arXiv:2110.07730 and its data release): the
/// reconstructed PE x has density ∝ x^b e^{−(1+b)x/μ}, a Gamma of shape 1 + b(E) with
/// b(E) = b_per_keVee · E_ee (9.56 /keVee; the release's a(E) = 0.0749/E_ee is 1/μ with
/// its 13.35 PE/keVee light yield, here LY · E_ee).
struct ResolutionConfig {
  ResolutionModel model = ResolutionModel::poisson;
  double b_per_keVee = 9.56;  ///< b(E) slope
  double b_constant = 0.0;    ///< b(E) at E_ee = 0

  void validate() const;
  /// The Gamma shape 1 + b(E) at `visible_keVee`.
  [[nodiscard]] double shape(double visible_keVee) const { return 1.0 + b_constant + b_per_keVee * visible_keVee; }
};

struct DetectorConfig {
  std::string material = "CsI";  ///< chemical formula of natural elements
  double mass_kg = 12.0;         ///< total target mass (CLOVERS: 4 × 3 kg)
  int crystals = 4;              ///< crystals sharing the mass equally, each read by two PMTs
  /// Photoelectrons per keVee: one value for every crystal, or one per crystal.
  /// CLOVERS: 33.5 (undoped CsI at 77 K with R11065 PMTs; Ding et al., EPJC 80 (2020) 1146).
  std::vector<double> light_yield_PE_per_keVee{33.5};
  /// Probability that a photoelectron is seen by the first PMT of its crystal (½: the
  /// paper's symmetric crystal, §2.4): one value for every crystal, or one per crystal.
  std::vector<double> pmt_share{0.5};
  /// Relative width σ/mean of the single-photoelectron charge. 0 counts photoelectrons
  /// exactly; > 0 estimates NPE from charge, smearing n PE by σ√n.
  double spe_resolution = 0.0;
  ResolutionConfig resolution;
  /// Every crystal's quenching ([detector.quenching]), unless quenching_by_crystal is set.
  QuenchingConfig quenching;
  /// One quenching per crystal ([[detector.quenching]], one table per crystal); empty:
  /// every crystal has `quenching` (which the reader sets to crystal 0's).
  std::vector<QuenchingConfig> quenching_by_crystal;
  /// What the predicted arrival time is (detector.arrival_time; the profile comes from the
  /// simulation's configuration: arrival_delay.hpp).
  ArrivalDelayConfig arrival_delay;

  void validate() const;
  /// Light yield of crystal `index` (0-based), PE/keVee.
  [[nodiscard]] double light_yield(int index) const;
  /// PMT share of crystal `index` (0-based).
  [[nodiscard]] double pmt_share_of(int index) const;
  /// Whether every crystal has the same PMT share.
  [[nodiscard]] bool uniform_pmt_share() const;
  /// Quenching of crystal `index` (0-based).
  [[nodiscard]] const QuenchingConfig& quenching_of(int index) const;
  /// This detector with every crystal given the PMT share `share` (what one crystal's
  /// selection sees: SelectionEfficiency takes crystal 0's share).
  [[nodiscard]] DetectorConfig with_pmt_share(double share) const;
};

/// An analysis acceptance as a function of NPE, e.g. COHERENT 2017's
/// a/(1 + exp(−k(x − x₀))) · H(x − step_PE), with H = 0 below step_PE, ½ in
/// [step_PE, step_PE + 1) and 1 above, or the later releases' form with an offset,
/// a/(1 + exp(−k(x − x₀))) + offset; the result is clipped to [0, 1].
enum class AcceptanceModel {
  none,      ///< acceptance 1
  logistic,  ///< the form above
};
inline constexpr NamedValues<AcceptanceModel, 2> acceptance_model_names{{{{"none", AcceptanceModel::none},
                                                                         {"logistic", AcceptanceModel::logistic}}}};

/// Where the acceptance, a function of reconstructed PE x, is evaluated for a count of n
/// photoelectrons (docs/validation.md: the default and what each choice moves).
enum class AcceptanceEvaluation {
  bin_centre,  ///< x = n − ½: the release's "n-PE bin" taken as (n − 1, n], centre n − ½
  npe,         ///< x = n: the count is its own reconstructed PE (the default)
  continuous,  ///< x = the continuous reconstructed PE (detector.resolution.model =
               ///< "gamma"), integrated over it within each bin; for integer counts n
};
inline constexpr NamedValues<AcceptanceEvaluation, 3> acceptance_evaluation_names{
    {{{"bin-centre", AcceptanceEvaluation::bin_centre},
      {"npe", AcceptanceEvaluation::npe},
      {"continuous", AcceptanceEvaluation::continuous}}}};

struct AcceptanceConfig {
  AcceptanceModel model = AcceptanceModel::none;
  double a = 0.6655;      ///< COHERENT 2017 release values (coherent_parameters.yaml)
  double k = 0.4942;
  double x0 = 10.8507;
  double offset = 0.0;    ///< added to the logistic (COHERENT's later CsI releases: −0.333)
  double step_PE = 5.0;   ///< 0: no step
  AcceptanceEvaluation evaluate_at = AcceptanceEvaluation::npe;

  /// Throws InvalidValue naming `key`.a, `key`.k, …
  void validate(const std::string& key = "selection.acceptance") const;
  bool operator==(const AcceptanceConfig&) const = default;
  /// The acceptance at reconstructed PE `x`, clipped to [0, 1].
  [[nodiscard]] double at(double x) const;
  /// The acceptance of a count of n photoelectrons under `evaluate_at`.
  [[nodiscard]] double operator()(int photoelectrons) const;
};

/// An analysis efficiency in arrival time, multiplying the NPE acceptance: 1 before
/// `flat_until_us`, then exp(−decay_per_us·(t − flat_until_us)) — the form of COHERENT's
/// CsI analysis (arXiv:2110.07730 and its data release: 520 ns, 0.0494 /µs), where cuts
/// on the pulse train lose late events. t is on the spectra's time axis.
enum class TimeEfficiencyModel {
  none,         ///< ε(t) = 1
  exponential,  ///< flat, then exponential decay
};
inline constexpr NamedValues<TimeEfficiencyModel, 2> time_efficiency_model_names{
    {{{"none", TimeEfficiencyModel::none}, {"exponential", TimeEfficiencyModel::exponential}}}};

struct TimeEfficiencyConfig {
  TimeEfficiencyModel model = TimeEfficiencyModel::none;
  double flat_until_us = 0.52;   ///< COHERENT CsI 2021 release: a = 520 ns
  double decay_per_us = 0.0494;  ///< COHERENT CsI 2021 release: b = 0.0494 /µs

  void validate() const;
  /// ε at `time_us`.
  [[nodiscard]] double operator()(double time_us) const;
  /// ∫ ε(t) dF(t) over (low_us, high_us] for a distribution with CDF `cdf_us` (t in µs):
  /// the probability of arriving there and being kept. Exact before flat_until_us; after
  /// it, by parts, e^{−b(h−t₀)}(F(h) − F(l)) + b∫ e^{−b(t−t₀)}(F(t) − F(l)) dt with
  /// Gauss–Legendre on the smooth remainder.
  template <class Cdf>
  [[nodiscard]] double weighted_probability(Cdf&& cdf_us, double low_us, double high_us) const;
};

/// The event selection of the CLOVERS paper §2.4: applied to data by `cevns select`, and
/// to expected spectra (criteria 1 and 2 as constant efficiencies) by `cevns predict`.
struct SelectionConfig {
  bool muon_veto = true;                ///< criterion 1: no µ-veto tag
  double muon_veto_efficiency = 0.989;  ///< its efficiency in predictions, COHERENT's value (paper §2.4)
  bool afterglow_cut = true;            ///< criterion 2: fewer than max_pretrace_npe PE in every pretrace
  double max_pretrace_npe = 3.0;        ///< paper §2.4: "smaller than 3"
  double afterglow_efficiency = 0.738;  ///< its efficiency in predictions, COHERENT's value (paper §2.4)
  bool two_pmt_coincidence = true;      ///< criterion 3: ≥ 1 PE in both PMTs
  /// In data, a PMT has seen a photoelectron when its signal charge reaches this many
  /// single-PE charges (≈ the pulse threshold over the single-PE amplitude).
  double min_pmt_npe = 0.25;
  bool single_crystal = true;           ///< criterion 4: exactly one crystal passes criterion 3
  /// Every crystal's acceptance ([selection.acceptance]), unless acceptance_by_crystal is set.
  AcceptanceConfig acceptance;
  /// One acceptance per crystal ([[selection.acceptance]], one table per crystal, all with
  /// the same evaluate_at); empty: every crystal has `acceptance` (the reader sets it to
  /// crystal 0's). Its count is checked by ExperimentConfig::validate, which knows the crystals.
  std::vector<AcceptanceConfig> acceptance_by_crystal;
  TimeEfficiencyConfig time_efficiency;
  int roi_npe_min = 4;   ///< region of interest, inclusive (paper §4: 4–72 NPE)
  int roi_npe_max = 72;
  /// Arrival-time region of interest in µs; unset: the whole spectra time window.
  std::optional<double> roi_time_min_us;
  std::optional<double> roi_time_max_us;

  void validate() const;
  /// Throws InvalidValue unless acceptance_by_crystal is empty or holds one per crystal.
  void validate_crystals(int crystals) const;
  /// Acceptance of crystal `index` (0-based).
  [[nodiscard]] const AcceptanceConfig& acceptance_of(int index) const;
  /// This selection with every crystal given `one` (what one crystal's selection sees).
  [[nodiscard]] SelectionConfig with_acceptance(const AcceptanceConfig& one) const;
};

template <class Cdf>
double TimeEfficiencyConfig::weighted_probability(Cdf&& cdf_us, double low_us, double high_us) const {
  if (!(high_us > low_us)) return 0.0;
  const double f_low = cdf_us(low_us);
  if (model == TimeEfficiencyModel::none || high_us <= flat_until_us) return cdf_us(high_us) - f_low;
  const double split = std::max(low_us, flat_until_us);
  const double f_split = split > low_us ? cdf_us(split) : f_low;
  const double flat = f_split - f_low;
  const double b = decay_per_us;
  // 10-point Gauss–Legendre nodes and weights on [−1, 1] (Abramowitz & Stegun 25.4.30).
  constexpr double x[5] = {0.1488743389816312, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845,
                           0.9739065285171717};
  constexpr double w[5] = {0.2955242247147529, 0.2692667193099963, 0.2190863625159820, 0.1494513491505806,
                           0.0666713443086881};
  const double half = 0.5 * (high_us - split), mid = 0.5 * (high_us + split);
  double remainder = 0.0;
  for (int i = 0; i < 5; ++i)
    for (double sign : {-1.0, 1.0}) {
      const double t = mid + sign * half * x[i];
      remainder += w[i] * std::exp(-b * (t - flat_until_us)) * (cdf_us(t) - f_split);
    }
  return flat + std::exp(-b * (high_us - flat_until_us)) * (cdf_us(high_us) - f_split) + b * half * remainder;
}

}  // namespace cevns
