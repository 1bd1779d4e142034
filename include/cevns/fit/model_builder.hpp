#pragma once
/// \file
/// Builds the likelihood Model of an experiment from its prediction (`cevns::predict`) and
/// the observed data's bins, following a fit configuration (a `[fit]` TOML table,
/// docs/statistics.md): which components, which normalisations, which constraints.

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/model.hpp"
#include "cevns/fit/observed_data.hpp"

namespace cevns::fit {

/// A ±1σ variation obtained by predicting again with one configuration key changed.
struct RepredictVariation {
  std::string name;       ///< its α parameter, e.g. "quenching"
  std::string key;        ///< dotted configuration key, e.g. "detector.quenching.constant_qf"
  double up = 0.0, down = 0.0;  ///< the key's values at +1σ and −1σ
  std::string source;     ///< where the ±1σ come from
};

/// The fit configuration ([fit] table of a fit TOML; every key in docs/statistics.md).
struct FitConfig {
  std::string poi = "cevns";         ///< the parameter of interest
  /// Width of a Gaussian constraint (around 1) on the CEvNS normalisation(s), relative:
  /// the rate uncertainty a measurement of the cross section needs (flux, acceptance, …);
  /// 0: free (a measurement of the count, as `cevns fit` by default).
  double cevns_sigma = 0.0;
  bool split_cevns = false;          ///< prompt ν_μ ("cevns_prompt") and delayed ν_e + ν̄_μ ("cevns_delayed") apart
  /// CEvNS arrival times: "prediction" (cevns::predict's) or "release" (the COHERENT
  /// release's neutrino arrival-time PDFs, needs release_dir).
  std::string cevns_time = "prediction";
  /// Beam-related neutrons: "release" (the COHERENT release's promptPDF × prompt-neutron
  /// time PDF × exposure × acceptance), or "none".
  std::string brn = "none";
  double brn_sigma = 0.25;           ///< Gaussian width of its normalisation (release: 25 %)
  /// Steady state: "per-npe-bin" (a free rate per NPE bin, flat in time, shared by all
  /// regions in proportion to their live time), or "none".
  std::string steady_state = "per-npe-bin";
  double background_sigma = 0.25;    ///< log-normal width of every configured background's normalisation
  /// The configured backgrounds (by name) that enter as samples; unset: all of them when
  /// steady_state = "none", none otherwise (a measured steady state already holds the steady ones).
  std::optional<std::vector<std::string>> backgrounds;
  /// Beam-timing offset: the CEvNS and BRN templates shifted by ±beam_timing_sigma_us (0: off).
  double beam_timing_sigma_us = 0.0;
  std::vector<RepredictVariation> variations;  ///< shape systematics by re-predicting
  std::string on_region = "on-beam";  ///< the region the beam-related samples live in
  /// Generic data (observed.csv): fit only the bins inside the prediction's region of
  /// interest (crop_to_roi); the COHERENT release is never cropped (its analysis window).
  bool roi = true;
  /// Regions of unknown live time (the COHERENT release's beam-off windows): their steady
  /// state is scaled by one shared free parameter "live_scale" instead.
  std::vector<std::string> free_live_time_regions;
  bool beam_off = false;  ///< read the COHERENT release's beam-off windows too (free_live_time_regions)
  std::filesystem::path release_dir;  ///< the COHERENT release, for brn/cevns_time = "release"
  std::string source = "defaults";    ///< where this configuration was read from

  /// Throws InvalidValue naming the `fit.` key whose value is not allowed.
  void validate() const;
};

/// Reads the [fit] table of `file`; unknown keys are errors naming file and line.
FitConfig read_fit_config(const std::filesystem::path& file);

/// The fit configuration that fits `data` without a fit TOML: for the COHERENT release,
/// its BRN and the per-NPE-bin steady state; for other data, the steady state when there
/// is an off-beam region, the prediction's backgrounds otherwise.
FitConfig default_fit_config(const ObservedData& data);

/// A built model with what reports need to turn normalisations into events.
struct BuiltModel {
  Model model;
  std::string poi;
  /// Events in the data's bins at parameter value 1, per normalisation parameter (e.g.
  /// cevns → 155.7): the factor from a fitted normalisation to a count.
  std::map<std::string, double> events_per_unit;
  std::vector<std::string> notes;  ///< analysis choices made, for the report
};

/// The prediction of a configuration with some keys overridden ("key=value"), for
/// variations by re-prediction; supplied by the caller (it knows the configuration file).
using Repredict = std::function<Prediction(const std::vector<std::string>& overrides)>;

/// Builds the model of `prediction` over the bins of `data`. Templates are rebinned onto
/// the data's bins; throws ConfigError when the data's bins reach beyond the prediction's
/// spectra (raise spectra.npe_max or the time window) or the configuration asks for what
/// the data cannot give (no region `on_region`, steady state without matching NPE bins).
BuiltModel build_model(const Prediction& prediction, const ObservedData& data, const FitConfig& config,
                       const Repredict& repredict = {});

/// The CEvNS templates of `prediction` (its `signal`) over every bin of `data`, per CEvNS
/// sample ("cevns", or "cevns_prompt" and "cevns_delayed"), as build_model makes them.
std::map<std::string, std::vector<double>> cevns_templates(const Prediction& prediction, const ObservedData& data,
                                                           const FitConfig& config);

/// Sums an NPE × time prediction into the bins of `region`: NPE bin [lo, hi) collects the
/// prediction's bins n = lo … hi − 1; time bins by overlap (uniform within a bin).
std::vector<double> rebin(const Spectrum2D& spectrum, const Region& region);

/// `data` with only the bins inside the region of interest of `prediction`: NPE bins whose
/// photoelectron counts n (the convention of rebin) all lie in selection.roi_npe_min …
/// roi_npe_max, time bins inside selection.roi_time_min_us … roi_time_max_us (default: the
/// spectra's window). Live times are kept (the steady state is shared per live time and
/// time-bin width, so every region must be cropped alike, as here). Throws ConfigError
/// when a region keeps no bin.
ObservedData crop_to_roi(const ObservedData& data, const Prediction& prediction);

/// The Model's bin layout of `data`.
std::vector<RegionLayout> layout_of(const ObservedData& data);

/// A template shifted in arrival time by `shift_us` within each NPE row (linear in the
/// cumulative), regions given by `layout`.
std::vector<double> shift_in_time(const std::vector<double>& counts, const std::vector<RegionLayout>& layout,
                                  double shift_us);

}  // namespace cevns::fit
