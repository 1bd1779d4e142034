#include "cevns/fit/analysis.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "cevns/core/cancelled.hpp"
#include "cevns/core/error.hpp"

namespace cevns::fit {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

const char* constraint_name(Constraint c) {
  switch (c) {
    case Constraint::none: return "none";
    case Constraint::gaussian: return "gaussian";
    case Constraint::lognormal: return "lognormal";
  }
  return "?";
}

}  // namespace

void apply_free_and_fix(Model& model, const std::vector<std::string>& free,
                        const std::vector<std::pair<std::string, double>>& fix) {
  for (const auto& name : free) {
    auto& p = model.parameters()[model.index(name)];
    p.constraint = Constraint::none;
    p.fixed = false;
  }
  for (const auto& [name, value] : fix) {
    auto& p = model.parameters()[model.index(name)];
    if (!(value >= p.lower && value <= p.upper))
      throw ConfigError(fmt::format("--fix {}={}: outside the parameter's range [{}, {}]", name, format_value(value),
                                    format_value(p.lower), format_value(p.upper)));
    p.nominal = value;
    p.fixed = true;
  }
}

Analysis analyse(BuiltModel built, const ObservedData& data, const AnalysisOptions& options) {
  Analysis a{std::move(built), {}, data.source};
  auto& model = a.built.model;
  if (!options.poi.empty()) a.built.poi = options.poi;
  a.poi = model.index(a.built.poi);
  apply_free_and_fix(model, options.free, options.fix);
  if (model.parameters()[a.poi].fixed) throw ConfigError("the parameter of interest '" + a.built.poi + "' is fixed (--fix)");
  const auto& name = model.parameters()[a.poi].name;
  a.poi_events_per_unit = a.built.events_per_unit.count(name) ? a.built.events_per_unit.at(name) : 1.0;
  if (options.asimov) {
    a.data = model.asimov(model.nominal());
    a.data_source = "Asimov data of the nominal model";
  } else {
    a.data = Dataset{data.flat_counts(), model.nominal_aux()};
  }
  const auto started = std::chrono::steady_clock::now();
  const Fitter fitter(model, a.data);
  a.fit = fitter.fit();
  a.fit_seconds = seconds_since(started);
  if (!a.fit.minimum.converged)
    throw NumericalError(fmt::format("the fit did not converge ({}); try --fix on a parameter the data cannot constrain",
                                     a.fit.minimum.status));
  const auto stop_point = [&options] {
    if (options.stop != nullptr && options.stop->load()) throw Cancelled("the fit was stopped");
  };
  stop_point();
  a.interval_1sigma = fitter.interval(a.poi, a.fit, 1.0);
  a.interval_2sigma = fitter.interval(a.poi, a.fit, 4.0);
  a.q0 = fitter.q0(a.poi, a.fit);
  a.significance = std::sqrt(a.q0);
  a.p_value = wilks_p_value(a.q0);
  a.upper_limit_95 = fitter.upper_limit(a.poi, a.fit, 0.95);
  const auto& p = model.parameters()[a.poi];
  const double low = std::max(p.lower, a.interval_2sigma.lower - 0.5 * (a.interval_2sigma.upper - a.interval_2sigma.lower) / 2);
  const double high = std::min(p.upper, a.interval_2sigma.upper + 0.5 * (a.interval_2sigma.upper - a.interval_2sigma.lower) / 2);
  stop_point();
  a.scan = fitter.scan(a.poi, a.fit, low, high, options.scan_points);
  stop_point();
  for (std::size_t s = 0; s < model.samples().size(); ++s) {
    std::vector<double> out(model.bin_count());
    model.sample_expected(s, a.fit.minimum.values.data(), out.data());
    a.post_fit.push_back(std::move(out));
  }
  if (options.toys > 0) {
    ToySummary t;
    const auto truth = a.fit.minimum.values;
    const auto toys_of = [&](const std::vector<double>& from, std::uint64_t seed, bool with_q0) {
      return options.run_toys ? options.run_toys(model, from, a.poi, options.toys, seed, options.threads, with_q0)
                              : run_toys(model, from, a.poi, options.toys, seed, options.threads, with_q0, 0, options.stop);
    };
    const auto toys = toys_of(truth, options.seed, false);
    double sum = 0, sum2 = 0;
    int covered = 0, worse = 0;
    for (int i = 0; i < options.toys; ++i) {
      if (!toys.converged[i]) continue;
      ++t.converged;
      const double x = toys.poi_hat[i] * a.poi_events_per_unit;
      sum += x;
      sum2 += x * x;
      if (std::abs(toys.poi_hat[i] - truth[a.poi]) < toys.poi_error[i]) ++covered;
      if (toys.deviance[i] >= a.fit.minimum.deviance) ++worse;
    }
    t.count = options.toys;
    const double n = std::max(t.converged, 1);
    t.poi_mean = sum / n;
    t.poi_std = std::sqrt(std::max(0.0, sum2 / n - t.poi_mean * t.poi_mean));
    t.coverage_1sigma = covered / n;
    t.gof_p_value = worse / n;
    // Background-only toys, from the fit with the POI at 0, for the q₀ tail.
    const auto null = fitter.profile(a.poi, 0.0, truth);
    const auto bkg = toys_of(null.values, options.seed + 1, true);
    int beyond = 0, ok = 0;
    for (int i = 0; i < options.toys; ++i) {
      if (!bkg.converged[i]) continue;
      ++ok;
      if (bkg.q0[i] >= a.q0) ++beyond;
    }
    t.q0_tail_toys = double(beyond) / std::max(ok, 1);
    t.q0_tail_wilks = a.p_value;
    t.seconds = toys.seconds + bkg.seconds;
    a.toys = t;
  }
  // What is printed and written must be finite (a model that overflows can still converge).
  const auto& m = a.fit.minimum;
  require_finite("fit: −2 ln L at the minimum", m.deviance);
  for (std::size_t i = 0; i < m.values.size(); ++i) require_finite("fit: " + model.parameters()[i].name, m.values[i]);
  require_finite("fit: q₀", a.q0);
  require_finite("fit: significance", a.significance);
  return a;
}

nlohmann::json to_json(const Analysis& a) {
  const auto& model = a.built.model;
  const auto& params = model.parameters();
  const double k = a.poi_events_per_unit;
  nlohmann::json j;
  j["data"] = a.data_source;
  j["poi"] = {{"name", params[a.poi].name},
              {"value", a.fit.minimum.values[a.poi]},
              {"error", a.fit.errors[a.poi]},
              {"events", a.fit.minimum.values[a.poi] * k},
              {"events_error", a.fit.errors[a.poi] * k},
              {"events_per_unit", k},
              {"interval_1sigma", {a.interval_1sigma.lower * k, a.interval_1sigma.upper * k}},
              {"interval_2sigma", {a.interval_2sigma.lower * k, a.interval_2sigma.upper * k}},
              {"upper_limit_95_events", a.upper_limit_95 * k}};
  j["significance"] = {{"q0", a.q0}, {"z_wilks", a.significance}, {"p_value", a.p_value}};
  j["goodness_of_fit"] = {{"deviance", a.fit.poisson_deviance},
                          {"bins", a.fit.bins},
                          {"free_parameters", a.fit.free_parameters},
                          {"p_value_chi2", a.fit.gof_p_value}};
  j["minimum"] = {{"minus_2_log_likelihood", a.fit.minimum.deviance},
                  {"converged", a.fit.minimum.converged},
                  {"status", a.fit.minimum.status},
                  {"evaluations", a.fit.minimum.evaluations},
                  {"hessian_positive_definite", a.fit.hessian_ok},
                  {"seconds", a.fit_seconds}};
  nlohmann::json ps = nlohmann::json::array();
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    nlohmann::json e{{"name", p.name},        {"value", a.fit.minimum.values[i]}, {"error", a.fit.errors[i]},
                     {"nominal", p.nominal},  {"fixed", p.fixed},                 {"at_limit", bool(a.fit.at_limit[i])},
                     {"constraint", constraint_name(p.constraint)}, {"source", p.source}};
    if (p.constraint != Constraint::none) {
      e["sigma"] = p.sigma;
      e["pull"] = (a.fit.minimum.values[i] - a.data.aux[i]) / p.sigma;
    }
    if (a.built.events_per_unit.count(p.name)) e["events"] = a.fit.minimum.values[i] * a.built.events_per_unit.at(p.name);
    ps.push_back(e);
  }
  j["parameters"] = ps;
  j["correlation"] = a.fit.correlation;
  j["profile"] = {{"parameter", a.scan.parameter}, {"values", a.scan.values}, {"delta_minus_2_log_likelihood", a.scan.delta_deviance}};
  nlohmann::json yields = nlohmann::json::object();
  for (std::size_t s = 0; s < model.samples().size(); ++s) {
    nlohmann::json per_region;
    for (const auto& r : model.layout()) {
      double sum = 0.0;
      for (std::size_t b = r.offset; b < r.offset + r.npe_bins * r.time_bins; ++b) sum += a.post_fit[s][b];
      per_region[r.name] = sum;
    }
    yields[model.samples()[s].name] = per_region;
  }
  j["post_fit_yields"] = yields;
  nlohmann::json observed;
  for (const auto& r : model.layout()) {
    double sum = 0.0;
    for (std::size_t b = r.offset; b < r.offset + r.npe_bins * r.time_bins; ++b) sum += a.data.counts[b];
    observed[r.name] = sum;
  }
  j["observed"] = observed;
  j["notes"] = a.built.notes;
  if (a.toys) {
    const auto& t = *a.toys;
    j["toys"] = {{"count", t.count},          {"converged", t.converged},          {"poi_events_mean", t.poi_mean},
                 {"poi_events_std", t.poi_std}, {"coverage_1sigma", t.coverage_1sigma}, {"gof_p_value", t.gof_p_value},
                 {"q0_tail_toys", t.q0_tail_toys}, {"q0_tail_wilks", t.q0_tail_wilks}, {"seconds", t.seconds}};
  }
  return j;
}

std::string format_fit_table(const Analysis& a) {
  const auto& model = a.built.model;
  const auto& params = model.parameters();
  const double k = a.poi_events_per_unit;
  std::string out = fmt::format("Likelihood fit — {}\n\n", a.data_source);
  const auto& poi = params[a.poi];
  out += fmt::format("  {} = {:.2f} ± {:.2f} events (Hessian); profile likelihood 68 %: [{:.2f}, {:.2f}] = {:.2f} {:+.2f} {:+.2f}\n",
                     poi.name, a.fit.minimum.values[a.poi] * k, a.fit.errors[a.poi] * k, a.interval_1sigma.lower * k,
                     a.interval_1sigma.upper * k, a.fit.minimum.values[a.poi] * k,
                     (a.interval_1sigma.lower - a.fit.minimum.values[a.poi]) * k,
                     (a.interval_1sigma.upper - a.fit.minimum.values[a.poi]) * k);
  out += fmt::format("  {:<{}} 95.4 %: [{:.2f}, {:.2f}]; one-sided 95 % CL upper limit {:.2f} events\n", "",
                     poi.name.size() + 3, a.interval_2sigma.lower * k, a.interval_2sigma.upper * k, a.upper_limit_95 * k);
  out += fmt::format("  (signal strength {:.4f} ± {:.4f} of the prediction's {:.2f} events)\n", a.fit.minimum.values[a.poi],
                     a.fit.errors[a.poi], k);
  out += fmt::format("  discovery: q0 = {:.2f}, significance {:.2f} sigma (Wilks), p = {:.3g}\n", a.q0, a.significance,
                     a.p_value);
  const double dof = double(a.fit.bins) - double(a.fit.free_parameters);
  out += fmt::format("  goodness of fit: saturated deviance {:.1f} for {} bins − {} free parameters = {:.0f} dof, p = {:.3g}\n",
                     a.fit.poisson_deviance, a.fit.bins, a.fit.free_parameters, dof, a.fit.gof_p_value);
  out += fmt::format("  minimum: −2 ln L = {:.6f}, {}, {} evaluations, {:.3f} s{}\n\n", a.fit.minimum.deviance,
                     a.fit.minimum.status, a.fit.minimum.evaluations, a.fit_seconds,
                     a.fit.hessian_ok ? "" : " — Hessian NOT positive definite");
  out += fmt::format("  {:<22} {:>12} {:>10} {:>10} {:>8}  {}\n", "parameter", "value", "error", "events", "pull", "constraint");
  for (std::size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    const std::string events =
        a.built.events_per_unit.count(p.name) ? fmt::format("{:.2f}", a.fit.minimum.values[i] * a.built.events_per_unit.at(p.name))
                                              : "";
    const std::string pull =
        p.constraint != Constraint::none ? fmt::format("{:+.2f}", (a.fit.minimum.values[i] - a.data.aux[i]) / p.sigma) : "";
    const std::string error = p.fixed ? "fixed" : a.fit.at_limit[i] ? "at limit" : fmt::format("{:.4f}", a.fit.errors[i]);
    const std::string constraint =
        p.constraint == Constraint::none ? "free" : fmt::format("{} σ={:g} ({})", constraint_name(p.constraint), p.sigma, p.source);
    out += fmt::format("  {:<22} {:>12.4f} {:>10} {:>10} {:>8}  {}\n", p.name, a.fit.minimum.values[i], error, events, pull,
                       constraint);
  }
  out += "\n  post-fit yields:";
  for (const auto& r : model.layout()) {
    double observed = 0.0;
    for (std::size_t b = r.offset; b < r.offset + r.npe_bins * r.time_bins; ++b) observed += a.data.counts[b];
    out += fmt::format("\n    {:<20} observed {:.0f}:", r.name, observed);
    for (std::size_t s = 0; s < model.samples().size(); ++s) {
      double sum = 0.0;
      for (std::size_t b = r.offset; b < r.offset + r.npe_bins * r.time_bins; ++b) sum += a.post_fit[s][b];
      if (sum > 0) out += fmt::format(" {} {:.1f}", model.samples()[s].name, sum);
    }
  }
  out += "\n";
  if (a.toys) {
    const auto& t = *a.toys;
    out += fmt::format(
        "\n  toys: {} ({} converged) from the best fit: {} = {:.2f} ± {:.2f} events, ±1σ coverage {:.3f} (nominal 0.683), "
        "goodness-of-fit p = {:.3f}; background-only toys with q0 ≥ {:.2f}: {:.4f} (Wilks {:.3g}); {:.2f} s\n",
        t.count, t.converged, poi.name, t.poi_mean, t.poi_std, t.coverage_1sigma, t.gof_p_value, a.q0, t.q0_tail_toys,
        t.q0_tail_wilks, t.seconds);
  }
  if (!a.built.notes.empty()) {
    out += "\n  analysis choices:\n";
    for (const auto& n : a.built.notes) out += "    - " + n + "\n";
  }
  return out;
}

nlohmann::json export_model(const Model& model, const Dataset& data) {
  nlohmann::json j;
  j["format"] = "cevns-likelihood-1";
  j["deviance"] =
      "t = 2 Σ_b [ν_b − n_b + n_b ln(n_b/ν_b)] + Σ constraints; ν_b = Σ_s (Π norm_factors)(Π bin_factors)"
      " exp(Σ interp(α, ln κ_up, ln κ_down)) max(0, nominal_b + Σ interp(α, up_b − nominal_b, down_b − nominal_b))";
  nlohmann::json ps = nlohmann::json::array();
  for (const auto& p : model.parameters())
    ps.push_back({{"name", p.name}, {"nominal", p.nominal}, {"lower", p.lower}, {"upper", p.upper},
                  {"constraint", constraint_name(p.constraint)}, {"sigma", p.sigma}, {"fixed", p.fixed}});
  j["parameters"] = ps;
  nlohmann::json ss = nlohmann::json::array();
  for (const auto& s : model.samples()) {
    nlohmann::json e{{"name", s.name}, {"nominal", s.nominal}, {"norm_factors", s.norm_factors}, {"bin_factors", s.bin_factors}};
    nlohmann::json nv = nlohmann::json::array(), sv = nlohmann::json::array();
    for (const auto& n : s.norm_variations) nv.push_back({{"parameter", n.parameter}, {"up", n.up}, {"down", n.down}});
    for (const auto& v : s.shape_variations) sv.push_back({{"parameter", v.parameter}, {"up", v.up}, {"down", v.down}});
    e["norm_variations"] = nv;
    e["shape_variations"] = sv;
    ss.push_back(e);
  }
  j["samples"] = ss;
  j["counts"] = data.counts;
  j["aux"] = data.aux;
  return j;
}

}  // namespace cevns::fit
