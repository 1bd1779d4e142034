#include "cevns/fit/sensitivity.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/fit/fit.hpp"
#include "cevns/fit/model_builder.hpp"

namespace cevns::fit {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// The region of interest as one on-beam region: 1-PE bins × the spectra's time bins, or
/// one of the two axes collapsed into a single bin.
Region roi_region(const Prediction& p, bool npe_axis, bool time_axis) {
  const auto& sel = p.config.selection;
  const auto& s = p.config.spectra;
  const double t_low = sel.roi_time_min_us.value_or(s.time_min_us);
  const double t_high = sel.roi_time_max_us.value_or(s.time_max_us);
  std::vector<double> time_edges;
  for (double t : p.signal.begin()->second.y.edges())
    if (t >= t_low - 1e-9 && t <= t_high + 1e-9) time_edges.push_back(t);
  if (time_edges.size() < 2) throw ConfigError("the time region of interest holds no time bin of the spectra");
  if (!time_axis) time_edges = {time_edges.front(), time_edges.back()};
  const int n_high = std::min(sel.roi_npe_max + 1, s.npe_max);
  const Binning npe = npe_axis ? Binning::uniform(sel.roi_npe_min, n_high, n_high - sel.roi_npe_min)
                               : Binning(std::vector<double>{double(sel.roi_npe_min), double(n_high)});
  return Region("on-beam", p.beam_on_time_s, npe, Binning(time_edges));
}

std::vector<double> scaled(std::vector<double> v, double f) {
  for (auto& x : v) x *= f;
  return v;
}

/// `v` tilted linearly across the NPE bins of `r` by ±`tilt` at the ends, its total kept.
std::vector<double> tilted(const std::vector<double>& v, const Region& r, double tilt) {
  std::vector<double> out(v.size());
  const double n = double(r.npe.size());
  for (std::size_t i = 0; i < r.npe.size(); ++i) {
    const double u = n > 1 ? 2.0 * double(i) / (n - 1) - 1.0 : 0.0;
    for (std::size_t j = 0; j < r.time_us.size(); ++j) out[i * r.time_us.size() + j] = v[i * r.time_us.size() + j] * (1 + tilt * u);
  }
  const double a = std::accumulate(v.begin(), v.end(), 0.0), b = std::accumulate(out.begin(), out.end(), 0.0);
  return b > 0 ? scaled(out, a / b) : out;
}

struct Builder {
  const Prediction& prediction;
  const LikelihoodSensitivityOptions& options;
  Region region;
  std::vector<double> signal;
  std::vector<std::pair<const BackgroundPrediction*, std::vector<double>>> backgrounds;

  Builder(const Prediction& p, const LikelihoodSensitivityOptions& o, bool npe_axis, bool time_axis)
      : prediction(p), options(o), region(roi_region(p, npe_axis, time_axis)) {
    signal = rebin(p.signal_total(), region);
    for (const auto& b : p.backgrounds) backgrounds.emplace_back(&b, rebin(b.npe_time, region));
  }

  /// The model at `exposure` × the configured exposure (all templates, and the off-beam
  /// measurement of the steady state, scale with it).
  [[nodiscard]] Model model(double exposure) const {
    std::vector<Parameter> parameters{
        {.name = "cevns", .nominal = 1.0, .lower = 0.0, .upper = 50.0, .source = "free (the parameter of interest)"},
        {.name = "flux", .nominal = 1.0, .lower = 0.3, .upper = 3.0, .constraint = Constraint::gaussian,
         .sigma = options.flux_sigma, .source = "neutrino flux 0.08 ± 0.008 ν/flavour/proton (COHERENT 2017 release)"}};
    if (!(options.flux_sigma > 0.0)) parameters.back().fixed = true, parameters.back().constraint = Constraint::none;
    std::vector<Sample> samples{{.name = "cevns", .nominal = scaled(signal, exposure), .norm_factors = {"cevns", "flux"}}};
    for (const auto& [b, counts] : backgrounds) {
      std::string name = "bkg_" + b->name;
      std::replace(name.begin(), name.end(), ' ', '_');
      Sample sample{.name = name, .nominal = scaled(counts, exposure), .norm_factors = {name}};
      const double total = std::accumulate(sample.nominal.begin(), sample.nominal.end(), 0.0);
      Parameter par{.name = name, .nominal = 1.0, .lower = 1e-6, .upper = 20.0};
      if (is_beam_related(*b)) {
        par.constraint = Constraint::lognormal;
        par.sigma = options.beam_background_sigma;
        par.source = fmt::format("beam-related: ± {:g} % (COHERENT 2017 release, prompt-neutron normalisation 1 ± 0.25)",
                                 100 * options.beam_background_sigma);
        if (options.beam_background_npe_tilt > 0.0) {
          sample.shape_variations.push_back({name + "_npe_tilt", tilted(sample.nominal, region, options.beam_background_npe_tilt),
                                             tilted(sample.nominal, region, -options.beam_background_npe_tilt)});
          parameters.push_back({.name = name + "_npe_tilt", .nominal = 0.0, .lower = -5.0, .upper = 5.0,
                                .constraint = Constraint::gaussian, .sigma = 1.0,
                                .source = fmt::format("NPE shape: ± {:g} % linear tilt across the ROI (assumed)",
                                                      100 * options.beam_background_npe_tilt)});
        }
      } else if (options.off_beam_live_time_ratio > 0.0 && total > 0.0) {
        par.constraint = Constraint::gaussian;
        par.sigma = 1.0 / std::sqrt(total * options.off_beam_live_time_ratio);
        par.source = fmt::format("steady state: measured off-beam, {:g} × the on-beam live time (Poisson, {:.3g} events)",
                                 options.off_beam_live_time_ratio, total * options.off_beam_live_time_ratio);
      } else {
        par.source = "steady state: free";
      }
      parameters.push_back(par);
      samples.push_back(std::move(sample));
    }
    RegionLayout layout{region.name, 0, region.npe.size(), region.time_us.size(), region.npe.edges(), region.time_us.edges()};
    return Model({layout}, std::move(parameters), std::move(samples));
  }

  /// √q₀ of the Asimov data set at `exposure`.
  [[nodiscard]] double significance(double exposure, int& fits) const {
    const Model m = model(exposure);
    const auto nominal = m.nominal();
    const Dataset asimov = m.asimov(nominal);
    const Fitter fitter(m, asimov);
    const double t_best = m.deviance(asimov, nominal.data(), nullptr);
    const auto null = fitter.profile(m.index("cevns"), 0.0, nominal);
    ++fits;
    if (!null.converged && null.status.find("MAXEVAL") != std::string::npos)
      throw NumericalError("likelihood sensitivity: the background-only fit did not converge (" + null.status + ")");
    return std::sqrt(std::max(0.0, null.deviance - t_best));
  }
};

/// The exposure factor where Z(f) = target, by bisection in ln f (Z rises with f).
std::optional<double> exposure_for(const Builder& b, double target, double z_at_1, int& fits) {
  double lo = 1.0, hi = 1.0;
  if (z_at_1 < target) {
    double z = z_at_1;
    while (z < target) {
      lo = hi;
      hi *= 4.0;
      if (hi > 1e4) return std::nullopt;
      z = b.significance(hi, fits);
    }
  } else {
    double z = z_at_1;
    while (z >= target) {
      hi = lo;
      lo /= 4.0;
      if (lo < 1e-6) return lo;
      z = b.significance(lo, fits);
    }
  }
  for (int k = 0; k < 14; ++k) {  // 4^(1/2^14): 0.01 % in f
    const double mid = std::sqrt(lo * hi);
    (b.significance(mid, fits) < target ? lo : hi) = mid;
  }
  return std::sqrt(lo * hi);
}

}  // namespace

bool is_beam_related(const BackgroundPrediction& background) {
  const std::string text = lower(background.name + " " + background.drivers);
  for (const char* word : {"neutron", "proton", "per pot", "beam"})
    if (text.find(word) != std::string::npos) return true;
  return false;
}

const BinnedSignificance& LikelihoodSensitivity::binning(const std::string& name) const {
  for (const auto& b : binnings)
    if (b.binning == name) return b;
  throw InvalidValue("likelihood sensitivity binning", name, "must be \"npe x time\", \"npe\" or \"time\"");
}

void LikelihoodSensitivity::check_finite() const {
  for (const auto& b : binnings) {
    require_finite("likelihood significance (" + b.binning + ")", b.significance);
    if (b.days_to_target) require_finite("likelihood days to 5σ (" + b.binning + ")", *b.days_to_target);
  }
  for (double z : map_significance) require_finite("likelihood significance map", z);
}

LikelihoodSensitivity likelihood_sensitivity(const Prediction& prediction, const LikelihoodSensitivityOptions& options,
                                             const Sensitivity* map_grid) {
  require_range("likelihood sensitivity: flux_sigma", options.flux_sigma, 0.0, 1.0, "relative; 0 leaves the flux out");
  require_range("likelihood sensitivity: beam_background_sigma", options.beam_background_sigma, 0.0, 10.0,
                "relative width of a log-normal", true);
  require_range("likelihood sensitivity: beam_background_npe_tilt", options.beam_background_npe_tilt, 0.0, 0.99,
                "relative; 0 leaves the shape fixed");
  require_range("likelihood sensitivity: off_beam_live_time_ratio", options.off_beam_live_time_ratio, 0.0, 1e6,
                "off-beam / on-beam live time; 0 leaves the steady state free");
  if (!(prediction.roi_signal() > 0.0) || prediction.signal.empty())
    throw NumericalError(fmt::format("{}: no CEvNS signal in the region of interest: no likelihood significance",
                                     prediction.config.name));
  const auto t0 = std::chrono::steady_clock::now();
  LikelihoodSensitivity out;
  out.options = options;
  for (const auto& b : prediction.backgrounds) (is_beam_related(b) ? out.beam_related : out.steady_state).push_back(b.name);
  if (!(prediction.roi_background() > 0.0)) {
    out.undefined = "no background in the region of interest: the Asimov likelihood significance diverges";
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }
  struct Axis {
    const char* name;
    bool npe, time;
  };
  std::optional<Builder> full;
  for (const Axis a : {Axis{"npe x time", true, true}, Axis{"npe", true, false}, Axis{"time", false, true}}) {
    Builder builder(prediction, options, a.npe, a.time);
    BinnedSignificance s{a.name, builder.region.size(), builder.significance(1.0, out.fits), std::nullopt};
    if (const auto f = exposure_for(builder, options.target_sigma, s.significance, out.fits))
      s.days_to_target = *f * prediction.days();
    out.binnings.push_back(s);
    if (a.npe && a.time) {
      out.parameters = builder.model(1.0).parameters();
      full.emplace(std::move(builder));
    }
  }
  if (map_grid && !map_grid->map_mass_kg.empty()) {
    // The likelihood depends on mass × days only through the exposure factor f: Z(f) on a
    // log grid, interpolated in ln f (Z → 0 as f → 0, Z ∝ √f at small f).
    const double reference = prediction.config.exposure_kg_days();
    const double f_max = map_grid->map_mass_kg.back() * map_grid->map_days.back() / reference;
    double f_min = f_max;
    for (double m : map_grid->map_mass_kg)
      for (double d : map_grid->map_days)
        if (m * d > 0.0) f_min = std::min(f_min, m * d / reference);
    const int n = 24;
    std::vector<double> ln_f, z;
    for (int k = 0; k <= n; ++k) {
      const double f = f_min * std::pow(f_max / f_min, double(k) / n);
      ln_f.push_back(std::log(f));
      z.push_back(full->significance(f, out.fits));
    }
    for (double m : map_grid->map_mass_kg)
      for (double d : map_grid->map_days) {
        const double f = m * d / reference;
        if (!(f > 0.0)) {
          out.map_significance.push_back(0.0);
          continue;
        }
        const double x = std::clamp(std::log(f), ln_f.front(), ln_f.back());
        const auto k = std::min<std::size_t>(
            static_cast<std::size_t>(std::upper_bound(ln_f.begin(), ln_f.end(), x) - ln_f.begin()), ln_f.size() - 1);
        const std::size_t k0 = k == 0 ? 0 : k - 1;
        const double w = ln_f[k] > ln_f[k0] ? (x - ln_f[k0]) / (ln_f[k] - ln_f[k0]) : 0.0;
        out.map_significance.push_back(z[k0] + w * (z[k] - z[k0]));
      }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.check_finite();
  return out;
}

nlohmann::json to_json(const LikelihoodSensitivity& s) {
  using nlohmann::json;
  json binnings = json::array();
  for (const auto& b : s.binnings)
    binnings.push_back({{"binning", b.binning},
                        {"bins", b.bins},
                        {"significance", b.significance},
                        {"days_to_5sigma", b.days_to_target ? json(*b.days_to_target) : json(nullptr)}});
  json parameters = json::array();
  for (const auto& p : s.parameters)
    parameters.push_back({{"name", p.name},
                          {"constraint", p.constraint == Constraint::none       ? "none"
                                         : p.constraint == Constraint::gaussian ? "gaussian"
                                                                                : "lognormal"},
                          {"sigma", p.sigma},
                          {"source", p.source}});
  return {{"method", "Asimov profile-likelihood ratio q0 (Wilks: Z = sqrt(q0)) over the region of interest"},
          {"binnings", binnings},
          {"parameters", parameters},
          {"beam_related", s.beam_related},
          {"steady_state", s.steady_state},
          {"target_sigma", s.options.target_sigma},
          {"map_significance", s.map_significance},
          {"undefined", s.undefined ? json(*s.undefined) : json(nullptr)},
          {"fits", s.fits},
          {"seconds", s.seconds}};
}

}  // namespace cevns::fit
