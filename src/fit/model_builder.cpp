#include "cevns/fit/model_builder.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "cevns/core/error.hpp"

namespace cevns::fit {

namespace fs = std::filesystem;

void FitConfig::validate() const {
  if (poi.empty()) throw InvalidValue("fit.poi", "\"\"", "must name a parameter, e.g. \"cevns\"");
  if (cevns_time != "prediction" && cevns_time != "release")
    throw InvalidValue("fit.cevns_time", cevns_time, "must be \"prediction\" or \"release\"");
  if (brn != "release" && brn != "none") throw InvalidValue("fit.brn", brn, "must be \"release\" or \"none\"");
  if (steady_state != "per-npe-bin" && steady_state != "per-npe-and-time-bin" && steady_state != "none")
    throw InvalidValue("fit.steady_state", steady_state,
                       "must be \"per-npe-and-time-bin\", \"per-npe-bin\" or \"none\"");
  require_range("fit.cevns_sigma", cevns_sigma, 0.0, 10.0,
                "relative width of the CEvNS normalisation's constraint; 0: free (COHERENT 2017 flux: 0.10)");
  require_range("fit.brn_sigma", brn_sigma, 0.0, 10.0, "relative width of the BRN normalisation; release: 0.25", true);
  require_range("fit.background_sigma", background_sigma, 0.0, 10.0, "relative width of a background normalisation", true);
  require_range("fit.beam_timing_sigma_us", beam_timing_sigma_us, 0.0, 5.0,
                "µs; the SNS beam timing is known to tens of ns, 0 turns the nuisance off");
  for (const auto& v : variations) {
    if (v.name.empty() || v.key.empty()) throw InvalidValue("fit.variation", v.name, "needs a name and a key");
    if (!std::isfinite(v.up) || !std::isfinite(v.down) || v.up == v.down)
      throw InvalidValue("fit.variation." + v.name, format_value(v.up) + " / " + format_value(v.down),
                         "up and down must be finite and differ");
  }
}

namespace {

template <class T>
T get(const toml::table& t, const std::string& key, T fallback, const std::string& where) {
  const auto* node = t.get(key);
  if (!node) return fallback;
  if constexpr (std::is_same_v<T, double>) {
    if (const auto v = node->value<double>()) return *v;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (const auto v = node->value<bool>()) return *v;
  } else {
    if (const auto v = node->value<std::string>()) return *v;
  }
  throw ConfigError(fmt::format("{}:{}: fit.{} has the wrong type", where, node->source().begin.line, key));
}

void check_keys(const toml::table& t, const std::set<std::string>& allowed, const std::string& prefix, const std::string& file) {
  for (const auto& [k, v] : t)
    if (!allowed.count(std::string(k.str())))
      throw ConfigError(fmt::format("{}:{}: unknown key {}{} (docs/statistics.md lists the fit keys)", file,
                                    v.source().begin.line, prefix, k.str()));
}

}  // namespace

FitConfig read_fit_config(const fs::path& file) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}: {}", file.string(), e.source().begin.line, e.description()));
  }
  const auto* fit = root["fit"].as_table();
  if (!fit) throw ConfigError(fmt::format("{}: no [fit] table", file.string()));
  check_keys(root, {"fit"}, "", file.string());
  check_keys(*fit,
             {"poi", "cevns_sigma", "split_cevns", "cevns_time", "brn", "brn_sigma", "steady_state", "background_sigma",
              "beam_timing_sigma_us", "on_region", "release_dir", "variation", "beam_off", "free_live_time_regions",
              "backgrounds", "roi"},
             "fit.", file.string());
  FitConfig c;
  const std::string w = file.string();
  c.source = w;
  c.poi = get<std::string>(*fit, "poi", c.poi, w);
  c.cevns_sigma = get<double>(*fit, "cevns_sigma", c.cevns_sigma, w);
  c.split_cevns = get<bool>(*fit, "split_cevns", c.split_cevns, w);
  c.cevns_time = get<std::string>(*fit, "cevns_time", c.cevns_time, w);
  c.brn = get<std::string>(*fit, "brn", c.brn, w);
  c.brn_sigma = get<double>(*fit, "brn_sigma", c.brn_sigma, w);
  c.steady_state = get<std::string>(*fit, "steady_state", c.steady_state, w);
  c.background_sigma = get<double>(*fit, "background_sigma", c.background_sigma, w);
  c.beam_timing_sigma_us = get<double>(*fit, "beam_timing_sigma_us", c.beam_timing_sigma_us, w);
  c.on_region = get<std::string>(*fit, "on_region", c.on_region, w);
  c.beam_off = get<bool>(*fit, "beam_off", c.beam_off, w);
  c.roi = get<bool>(*fit, "roi", c.roi, w);
  if (const auto* list = (*fit)["backgrounds"].as_array()) {
    c.backgrounds.emplace();
    for (const auto& node : *list) {
      const auto v = node.value<std::string>();
      if (!v) throw ConfigError(fmt::format("{}:{}: fit.backgrounds holds background names", w, node.source().begin.line));
      c.backgrounds->push_back(*v);
    }
  }
  if (const auto* list = (*fit)["free_live_time_regions"].as_array())
    for (const auto& node : *list) {
      const auto v = node.value<std::string>();
      if (!v) throw ConfigError(fmt::format("{}:{}: fit.free_live_time_regions holds region names", w, node.source().begin.line));
      c.free_live_time_regions.push_back(*v);
    }
  if (c.beam_off && c.free_live_time_regions.empty())
    c.free_live_time_regions = {"on-beam-beam-off", "off-beam-beam-off"};
  const auto dir = get<std::string>(*fit, "release_dir", "", w);
  if (!dir.empty()) c.release_dir = fs::path(dir).is_relative() ? file.parent_path() / dir : fs::path(dir);
  if (const auto* list = (*fit)["variation"].as_array()) {
    for (const auto& node : *list) {
      const auto* t = node.as_table();
      if (!t) throw ConfigError(fmt::format("{}:{}: fit.variation entries are tables", w, node.source().begin.line));
      check_keys(*t, {"name", "key", "up", "down", "source"}, "fit.variation.", w);
      RepredictVariation v{get<std::string>(*t, "name", "", w), get<std::string>(*t, "key", "", w),
                           get<double>(*t, "up", NAN, w), get<double>(*t, "down", NAN, w),
                           get<std::string>(*t, "source", "", w)};
      c.variations.push_back(v);
    }
  }
  try {
    c.validate();
  } catch (const InvalidValue& e) {
    throw ConfigError(fmt::format("{}: {}", w, e.what()));
  }
  return c;
}

FitConfig default_fit_config(const ObservedData& data) {
  FitConfig c;
  if (is_coherent_2017_release(data.source)) {
    c.brn = "release";
    c.steady_state = "per-npe-and-time-bin";  // the off-beam data fall with time (docs/statistics.md)
    c.release_dir = data.source;
    c.source = "defaults for the COHERENT 2017 release";
  } else {
    c.steady_state = data.has_region("off-beam") ? "per-npe-bin" : "none";
    c.source = "defaults";
  }
  return c;
}

ObservedData crop_to_roi(const ObservedData& data, const Prediction& prediction) {
  const auto& sel = prediction.config.selection;
  const double t_low = sel.roi_time_min_us.value_or(prediction.config.spectra.time_min_us);
  const double t_high = sel.roi_time_max_us.value_or(prediction.config.spectra.time_max_us);
  ObservedData out;
  out.source = data.source;
  for (const auto& r : data.regions) {
    std::vector<std::size_t> keep_npe, keep_time;
    for (std::size_t i = 0; i < r.npe.size(); ++i) {
      const auto n_low = static_cast<long>(std::ceil(r.npe.low(i) - 1e-9));
      const auto n_high = static_cast<long>(std::ceil(r.npe.high(i) - 1e-9));  // exclusive, as in rebin
      if (n_high > n_low && n_low >= sel.roi_npe_min && n_high - 1 <= sel.roi_npe_max) keep_npe.push_back(i);
    }
    for (std::size_t j = 0; j < r.time_us.size(); ++j)
      if (r.time_us.low(j) >= t_low - 1e-9 && r.time_us.high(j) <= t_high + 1e-9) keep_time.push_back(j);
    if (keep_npe.empty() || keep_time.empty())
      throw ConfigError(fmt::format("{}: region '{}' has no bin inside the region of interest ({}–{} NPE, {}–{} µs; set "
                                    "fit.roi = false to fit every bin)",
                                    data.source, r.name, sel.roi_npe_min, sel.roi_npe_max, t_low, t_high));
    // Kept bins must be contiguous for the edges to describe them.
    const auto contiguous = [](const std::vector<std::size_t>& k) { return k.back() - k.front() + 1 == k.size(); };
    if (!contiguous(keep_npe) || !contiguous(keep_time))
      throw ConfigError(fmt::format("{}: the region of interest cuts region '{}' into pieces", data.source, r.name));
    const auto sub = [](const Binning& b, const std::vector<std::size_t>& k) {
      return Binning(std::vector<double>(b.edges().begin() + static_cast<long>(k.front()),
                                         b.edges().begin() + static_cast<long>(k.back()) + 2));
    };
    Region c(r.name, r.live_time_s, sub(r.npe, keep_npe), sub(r.time_us, keep_time));
    for (std::size_t a = 0; a < keep_npe.size(); ++a)
      for (std::size_t b = 0; b < keep_time.size(); ++b) c.at(a, b) = r.at(keep_npe[a], keep_time[b]);
    out.regions.push_back(std::move(c));
  }
  return out;
}

std::vector<RegionLayout> layout_of(const ObservedData& data) {
  std::vector<RegionLayout> out;
  std::size_t offset = 0;
  for (const auto& r : data.regions) {
    out.push_back({r.name, offset, r.npe.size(), r.time_us.size(), r.npe.edges(), r.time_us.edges()});
    offset += r.size();
  }
  return out;
}

std::vector<double> rebin(const Spectrum2D& spectrum, const Region& region) {
  const std::size_t nx = spectrum.x.size(), ny = spectrum.y.size();
  std::vector<double> out(region.size(), 0.0);
  const double t_low = spectrum.y.edges().front(), t_high = spectrum.y.edges().back();
  if (region.time_us.edges().front() < t_low - 1e-9 || region.time_us.edges().back() > t_high + 1e-9)
    throw ConfigError(fmt::format("the data's region '{}' spans {}–{} µs, the prediction only {}–{} µs (set spectra.time_min_us "
                                  "and spectra.time_max_us to cover the data)",
                                  region.name, region.time_us.edges().front(), region.time_us.edges().back(), t_low, t_high));
  // The prediction's bin k holds n = k photoelectrons (edges k ± ½); its last bin is the overflow.
  const double npe_first = spectrum.x.center(0);
  for (std::size_t i = 0; i < region.npe.size(); ++i) {
    const auto n_low = static_cast<long>(std::ceil(region.npe.low(i) - 1e-9));
    const auto n_high = static_cast<long>(std::ceil(region.npe.high(i) - 1e-9));  // exclusive
    for (long n = n_low; n < n_high; ++n) {
      const long k = n - static_cast<long>(std::lround(npe_first));
      if (k < 0) continue;  // below the prediction: nothing there
      if (k >= static_cast<long>(nx) - 1)
        throw ConfigError(fmt::format("the data's region '{}' reaches {} photoelectrons, beyond the prediction's {} (raise "
                                      "spectra.npe_max above the data's highest NPE)",
                                      region.name, n_high - 1, nx - 2));
      for (std::size_t j = 0; j < region.time_us.size(); ++j) {
        const double a = region.time_us.low(j), b = region.time_us.high(j);
        double sum = 0.0;
        for (std::size_t m = 0; m < ny; ++m) {
          const double lo = std::max(a, spectrum.y.low(m)), hi = std::min(b, spectrum.y.high(m));
          if (hi > lo) sum += spectrum.at(static_cast<std::size_t>(k), m) * (hi - lo) / spectrum.y.width(m);
        }
        out[i * region.time_us.size() + j] += sum;
      }
    }
  }
  return out;
}

std::vector<double> shift_in_time(const std::vector<double>& counts, const std::vector<RegionLayout>& layout,
                                  double shift_us) {
  std::vector<double> out(counts.size(), 0.0);
  for (const auto& r : layout) {
    const auto& e = r.time_edges_us;
    for (std::size_t i = 0; i < r.npe_bins; ++i) {
      const double* row = counts.data() + r.offset + i * r.time_bins;
      std::vector<double> cumulative{0.0};
      for (std::size_t j = 0; j < r.time_bins; ++j) cumulative.push_back(cumulative.back() + row[j]);
      const auto at = [&](double t) {  // the cumulative, linear within bins, flat outside
        if (t <= e.front()) return 0.0;
        if (t >= e.back()) return cumulative.back();
        const auto j = static_cast<std::size_t>(std::upper_bound(e.begin(), e.end(), t) - e.begin()) - 1;
        return cumulative[j] + (cumulative[j + 1] - cumulative[j]) * (t - e[j]) / (e[j + 1] - e[j]);
      };
      for (std::size_t j = 0; j < r.time_bins; ++j)
        out[r.offset + i * r.time_bins + j] = std::max(0.0, at(e[j + 1] - shift_us) - at(e[j] - shift_us));
    }
  }
  return out;
}

namespace {

/// "centre, value" rows of a release text file (comment lines start with #).
std::vector<std::pair<double, double>> read_columns(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw IoError(fmt::format("cannot read {} (the COHERENT 2017 release; set fit.release_dir)", file.string()));
  std::vector<std::pair<double, double>> rows;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line.front() == '#') continue;
    double a = 0, b = 0;
    char comma = 0;
    std::istringstream s(line);
    if (!(s >> a >> comma >> b) || comma != ',' || !std::isfinite(a) || !std::isfinite(b) || b < 0)
      throw ConfigError(fmt::format("{}:{}: expected 'bin centre, non-negative value', got '{}'", file.string(), number, line));
    rows.emplace_back(a, b);
  }
  if (rows.empty()) throw ConfigError(fmt::format("{}: no rows", file.string()));
  return rows;
}

/// A release arrival-time PDF (0.5 µs bins by centre) as a Spectrum from 0 µs.
Spectrum release_time_pdf(const fs::path& file) {
  const auto rows = read_columns(file);
  const double width = rows.size() > 1 ? rows[1].first - rows[0].first : 0.5;
  Spectrum s(Binning::uniform(rows.front().first - width / 2, rows.back().first + width / 2, rows.size()));
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (std::abs(rows[k].first - s.binning.center(k)) > 1e-6)
      throw ConfigError(fmt::format("{}: bin centres are not evenly spaced", file.string()));
    s.counts[k] = rows[k].second;
  }
  return s;
}

/// NPE spectrum (bin k = k photoelectrons, an empty overflow bin on top) from a vector over n.
Spectrum npe_spectrum(const std::vector<double>& by_n) {
  Spectrum s(Binning::uniform(-0.5, static_cast<double>(by_n.size()) + 0.5, by_n.size() + 1));
  std::copy(by_n.begin(), by_n.end(), s.counts.begin());
  return s;
}

/// A template over every region: `per_region(region)` for the beam region, zeros elsewhere.
std::vector<double> in_region(const ObservedData& data, const std::string& name, const std::vector<double>& counts) {
  std::vector<double> out;
  for (const auto& r : data.regions) {
    if (r.name == name)
      out.insert(out.end(), counts.begin(), counts.end());
    else
      out.insert(out.end(), r.size(), 0.0);
  }
  return out;
}

}  // namespace

std::map<std::string, std::vector<double>> cevns_templates(const Prediction& p, const ObservedData& data, const FitConfig& c) {
  const Region& on = data.region(c.on_region);
  std::map<std::string, Spectrum2D> by_group;
  for (const auto& [flavor, spectrum] : p.signal) {
    const std::string group = !c.split_cevns ? "cevns" : (flavor == Flavor::nu_mu ? "cevns_prompt" : "cevns_delayed");
    Spectrum2D s = spectrum;
    if (c.cevns_time == "release") {
      const Spectrum pdf = release_time_pdf(c.release_dir / (flavor == Flavor::nu_mu ? "arrivalTimePDF_promptNeutrinos.txt"
                                                                                      : "arrivalTimePDF_delayedNeutrinos.txt"));
      s = Spectrum2D::outer(spectrum.project_x(), pdf);
    }
    const auto it = by_group.find(group);
    if (it == by_group.end())
      by_group.emplace(group, s);
    else
      it->second += s;
  }
  std::map<std::string, std::vector<double>> out;
  for (const auto& [group, s] : by_group) out[group] = in_region(data, c.on_region, rebin(s, on));
  return out;
}

namespace {

/// The release's beam-related neutrons: promptPDF (per GW·h, 1-PE bins) × exposure ×
/// acceptance at each n, times the prompt-neutron arrival-time PDF.
std::vector<double> release_brn(const Prediction& p, const ObservedData& data, const FitConfig& c) {
  const double gwh = p.beam_energy_GWh;  // POT × proton energy, however the exposure is given
  const auto rows = read_columns(c.release_dir / "promptPDF.txt");
  std::vector<double> by_n(rows.size() + 1, 0.0);
  for (const auto& [centre, value] : rows) {
    const auto n = static_cast<long>(std::lround(centre + 0.5));  // the 1-PE bin centred at n − ½
    if (n < 1 || n >= static_cast<long>(by_n.size()) || std::abs(centre + 0.5 - double(n)) > 1e-6)
      throw ConfigError(fmt::format("{}: bin centre {} is not n − ½", (c.release_dir / "promptPDF.txt").string(), centre));
    by_n[static_cast<std::size_t>(n)] = value * gwh * p.config.selection.acceptance(static_cast<int>(n));
  }
  const auto s = Spectrum2D::outer(npe_spectrum(by_n), release_time_pdf(c.release_dir / "arrivalTimePDF_promptNeutrons.txt"));
  return in_region(data, c.on_region, rebin(s, data.region(c.on_region)));
}

double total(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

/// `v` scaled to the total of `like` (a shape-only variation).
std::vector<double> same_total(std::vector<double> v, const std::vector<double>& like) {
  const double t = total(v), want = total(like);
  if (t > 0.0)
    for (auto& x : v) x *= want / t;
  return v;
}

}  // namespace

BuiltModel build_model(const Prediction& prediction, const ObservedData& data, const FitConfig& config,
                       const Repredict& repredict) {
  config.validate();
  if (config.split_cevns && config.poi == "cevns")
    throw ConfigError(fmt::format("{}: fit.split_cevns = true names the CEvNS normalisations cevns_prompt and cevns_delayed: "
                                  "set fit.poi (or --poi) to one of them",
                                  config.source));
  if (data.regions.empty()) throw ConfigError("the observed data have no regions");
  (void)data.region(config.on_region);  // no such region: an error naming the regions there are
  std::vector<Parameter> parameters;
  std::vector<Sample> samples;
  std::vector<std::string> notes;
  const auto layout = layout_of(data);

  // CEvNS: one free normalisation per group (relative to the prediction).
  auto cevns = cevns_templates(prediction, data, config);
  std::map<std::string, Sample> cevns_samples;
  for (auto& [name, t] : cevns) {
    if (config.cevns_sigma > 0.0)
      parameters.push_back({.name = name, .nominal = 1.0, .lower = 0.0, .upper = 20.0, .constraint = Constraint::gaussian,
                            .sigma = config.cevns_sigma,
                            .source = fmt::format("signal rate known to ± {:g} % (fit.cevns_sigma)", 100 * config.cevns_sigma)});
    else
      parameters.push_back({.name = name, .nominal = 1.0, .lower = 0.0, .upper = 20.0, .source = "free (signal)"});
    cevns_samples[name] = Sample{.name = name, .nominal = t, .norm_factors = {name}};
  }
  notes.push_back(fmt::format("CEvNS arrival times from the {}", config.cevns_time == "release" ? "release's neutrino PDFs"
                                                                                                  : "prediction"));
  // Beam-related neutrons.
  std::optional<Sample> brn;
  if (config.brn == "release") {
    parameters.push_back({.name = "brn", .nominal = 1.0, .lower = 0.0, .upper = 10.0, .constraint = Constraint::gaussian,
                          .sigma = config.brn_sigma, .source = "COHERENT 2017 release: prompt-neutron normalisation 1 ± 0.25"});
    brn = Sample{.name = "brn", .nominal = release_brn(prediction, data, config), .norm_factors = {"brn"}};
    notes.push_back(fmt::format("BRN: the release's promptPDF × exposure × acceptance, normalisation ± {:g} %",
                                100 * config.brn_sigma));
  }
  // Configured backgrounds of the prediction, each with a log-normal normalisation.
  if (config.backgrounds)
    for (const auto& name : *config.backgrounds)
      if (std::none_of(prediction.backgrounds.begin(), prediction.backgrounds.end(),
                       [&](const BackgroundPrediction& b) { return b.name == name; })) {
        std::string names;
        for (const auto& b : prediction.backgrounds) names += (names.empty() ? "" : ", ") + b.name;
        throw ConfigError(fmt::format("{}: fit.backgrounds names '{}', which the configuration does not have (it has: {})",
                                      config.source, name, names.empty() ? "none" : names));
      }
  const auto included = [&](const std::string& name) {
    if (!config.backgrounds) return config.steady_state == "none";
    return std::find(config.backgrounds->begin(), config.backgrounds->end(), name) != config.backgrounds->end();
  };
  {
    for (const auto& b : prediction.backgrounds) {
      if (!included(b.name)) continue;
      std::string name = "bkg_" + b.name;  // spaces as _, so that --fix bkg_PMT_dark_counts=1 is one word
      std::replace(name.begin(), name.end(), ' ', '_');
      parameters.push_back({.name = name, .nominal = 1.0, .lower = 1e-6, .upper = 20.0, .constraint = Constraint::lognormal,
                            .sigma = config.background_sigma, .source = "configured background (" + b.drivers + ")"});
      samples.push_back({.name = name, .nominal = in_region(data, config.on_region, rebin(b.npe_time, data.region(config.on_region))),
                         .norm_factors = {name}});
    }
  }
  if (!config.backgrounds && config.steady_state != "none" && !prediction.backgrounds.empty())
    notes.push_back("the configured backgrounds are left out (the steady state is measured from the data; fit.backgrounds "
                    "lists those to include)");
  // Shape variations by re-predicting with one key changed.
  for (const auto& v : config.variations) {
    if (!repredict) throw ConfigError("fit.variation '" + v.name + "' needs the configuration to predict again");
    const auto up = cevns_templates(repredict({fmt::format("{}={:.17g}", v.key, v.up)}), data, config);
    const auto down = cevns_templates(repredict({fmt::format("{}={:.17g}", v.key, v.down)}), data, config);
    // Shape only: scaled to the nominal count, since the CEvNS normalisation is free and
    // the fitted count is then the parameter times the nominal count at every α.
    // With a constrained normalisation (fit.cevns_sigma > 0) the variation keeps its
    // change of the rate, which then no free normalisation absorbs.
    const bool keep_rate = config.cevns_sigma > 0.0;
    for (auto& [name, s] : cevns_samples)
      s.shape_variations.push_back({v.name, keep_rate ? up.at(name) : same_total(up.at(name), s.nominal),
                                    keep_rate ? down.at(name) : same_total(down.at(name), s.nominal)});
    parameters.push_back({.name = v.name, .nominal = 0.0, .lower = -5.0, .upper = 5.0, .constraint = Constraint::gaussian,
                          .sigma = 1.0, .source = fmt::format("{} = {:g} / {:g} at ±1σ ({})", v.key, v.up, v.down, v.source)});
    notes.push_back(fmt::format("{} systematic '{}': {} re-predicted at {:g} and {:g}", keep_rate ? "rate and shape" : "shape",
                                v.name, v.key, v.up, v.down));
  }
  // Beam timing: every beam-related template shifted by ±σ together.
  if (config.beam_timing_sigma_us > 0.0) {
    const double s = config.beam_timing_sigma_us;
    const auto vary = [&](Sample& sample) {
      sample.shape_variations.push_back({"beam_timing", same_total(shift_in_time(sample.nominal, layout, s), sample.nominal),
                                         same_total(shift_in_time(sample.nominal, layout, -s), sample.nominal)});
    };
    for (auto& [name, sample] : cevns_samples) vary(sample);
    if (brn) vary(*brn);
    parameters.push_back({.name = "beam_timing", .nominal = 0.0, .lower = -5.0, .upper = 5.0, .constraint = Constraint::gaussian,
                          .sigma = 1.0, .source = fmt::format("beam-timing offset ± {:g} µs", s)});
    notes.push_back(fmt::format("beam-timing offset: CEvNS and BRN shifted by ± {:g} µs at ±1σ", s));
  }
  BuiltModel built{Model({}, {}, {}), config.poi, {}, notes};
  for (auto& [name, s] : cevns_samples) {
    built.events_per_unit[name] = total(s.nominal);
    samples.insert(samples.begin(), std::move(s));
  }
  if (brn) {
    built.events_per_unit["brn"] = total(brn->nominal);
    samples.push_back(std::move(*brn));
  }
  // Steady state: a free rate per NPE bin, flat in time or times a free time shape, in
  // every region ∝ live time.
  if (config.steady_state != "none") {
    const bool time_shape = config.steady_state == "per-npe-and-time-bin";
    const auto& edges = data.regions.front().npe.edges();
    const auto& time_edges = data.regions.front().time_us.edges();
    for (const auto& r : data.regions)
      if (r.npe.edges() != edges || (time_shape && r.time_us.edges() != time_edges))
        throw ConfigError(fmt::format("fit.steady_state = \"{}\" shares its rates between the regions, but region '{}' has other "
                                      "{} bins than '{}'",
                                      config.steady_state, r.name, r.npe.edges() != edges ? "NPE" : "time",
                                      data.regions.front().name));
    double live = 0.0;
    for (const auto& r : data.regions) live += r.live_time_s;
    Sample ss{.name = "steady_state"};
    std::vector<double> rate(edges.size() - 1, 0.0);  // start: all counts of the NPE bin / all live time
    for (const auto& r : data.regions)
      for (std::size_t i = 0; i < r.npe.size(); ++i)
        for (std::size_t j = 0; j < r.time_us.size(); ++j) rate[i] += r.at(i, j) / live;
    for (std::size_t i = 0; i < rate.size(); ++i)
      if (rate[i] > 0.0)
        parameters.push_back({.name = fmt::format("ss_npe{:g}-{:g}", edges[i], edges[i + 1]), .nominal = 1.0, .lower = 0.0,
                              .upper = 50.0, .source = "free (measured by the off-beam data)"});
    // The time shape relative to its last bin (which has no factor: the rates carry the
    // scale); starting flat.
    if (time_shape)
      for (std::size_t j = 0; j + 1 < time_edges.size() - 1; ++j)
        parameters.push_back({.name = fmt::format("ss_t{:g}-{:g}", time_edges[j], time_edges[j + 1]), .nominal = 1.0,
                              .lower = 0.0, .upper = 50.0, .source = "free (steady-state time shape, off-beam data)"});
    const auto scaled = [&](const std::string& region) {
      return std::find(config.free_live_time_regions.begin(), config.free_live_time_regions.end(), region) !=
             config.free_live_time_regions.end();
    };
    for (const auto& name : config.free_live_time_regions) (void)data.region(name);
    if (!config.free_live_time_regions.empty())
      parameters.push_back({.name = "live_scale", .nominal = 1.0, .lower = 0.0, .upper = 100.0,
                            .source = "free (the live time of " + fmt::format("{}", fmt::join(config.free_live_time_regions, ", ")) +
                                      " is not known)"});
    ss.bin_factors.resize(time_shape ? 3 : 2);
    for (const auto& r : data.regions) {
      const double window = r.time_us.edges().back() - r.time_us.edges().front();
      for (std::size_t i = 0; i < r.npe.size(); ++i)
        for (std::size_t j = 0; j < r.time_us.size(); ++j) {
          ss.nominal.push_back(rate[i] * r.live_time_s * r.time_us.width(j) / window);
          ss.bin_factors[0].push_back(rate[i] > 0.0 ? fmt::format("ss_npe{:g}-{:g}", edges[i], edges[i + 1]) : "");
          ss.bin_factors.back().push_back(scaled(r.name) ? "live_scale" : "");
          if (time_shape)
            ss.bin_factors[1].push_back(j + 1 < r.time_us.size()
                                            ? fmt::format("ss_t{:g}-{:g}", time_edges[j], time_edges[j + 1])
                                            : "");
        }
    }
    built.events_per_unit["steady_state"] = total(ss.nominal);
    samples.push_back(std::move(ss));
    built.notes.push_back(time_shape ? "steady state: a free rate per NPE bin times a free time shape, shared by all regions in "
                                 "proportion to live time"
                               : "steady state: a free rate per NPE bin, flat in time, shared by all regions in proportion "
                                 "to live time");
  }
  for (const auto& s : samples)
    if (!s.norm_factors.empty() && !built.events_per_unit.count(s.norm_factors.front()))
      built.events_per_unit[s.norm_factors.front()] = total(s.nominal);
  built.model = Model(layout, std::move(parameters), std::move(samples));
  (void)built.model.index(config.poi);  // an unknown POI is an error here, naming the parameters
  return built;
}

}  // namespace cevns::fit
