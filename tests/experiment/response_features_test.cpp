// The response features of published CsI analyses as they enter the prediction: the
// time-dependent efficiency ε(t) per flavour (docs/detector.md, docs/validation.md).
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "cevns/core/constants.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/units.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns {
namespace {

ExperimentConfig load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + name, overrides);
}

TEST(TimeEfficiency, SplitsPromptAndDelayedByTheirArrivalTimes) {
  // COHERENT 2017 with a sharp pulse (a Gaussian of FWHM 0) at 640 ns: a neutrino arrives at
  // c + t_π (+ t_µ), c = 640 ns + L/c, so the kept fraction of each flavour in the 0–12 µs
  // window is a closed form. For an exponential of mean τ starting at c, with
  // ε = 1 before t₀ and e^{−b(t−t₀)} after, over (0, T]:
  //   F(t₀) + [e^{−(t₀−c)/τ} − e^{−b(T−t₀)} e^{−(T−c)/τ}]/(1 + bτ)   (t₀ > c),
  // and the delayed flavours are (τ_µ·Exp(τ_µ) − τ_π·Exp(τ_π))/(τ_µ − τ_π).
  const std::vector<std::string> sharp{"source.pulse.shape=gaussian", "source.pulse.bunch_fwhm_ns=0",
                                       "detector.arrival_time=interaction"};  // ε(t) of the arrival itself
  auto with = sharp;
  for (const char* s : {"selection.time_efficiency.model=exponential", "selection.time_efficiency.flat_until_us=1.0",
                        "selection.time_efficiency.decay_per_us=0.2"})
    with.emplace_back(s);
  const auto off = predict(load("coherent-csi-2017.toml", sharp));
  const auto on = predict(load("coherent-csi-2017.toml", with));
  const double c = 0.640 + 19.3 * units::m / constants::speed_of_light / units::us;  // µs; L/c = 64.4 ns
  EXPECT_NEAR(c, 0.7044, 1e-4);
  const double t0 = 1.0, b = 0.2, T = 12.0;
  const auto kept = [&](double tau, bool efficiency) {
    const double f_t0 = -std::expm1(-(t0 - c) / tau), f_T = -std::expm1(-(T - c) / tau);
    if (!efficiency) return f_T;
    return f_t0 + (std::exp(-(t0 - c) / tau) - std::exp(-b * (T - t0)) * std::exp(-(T - c) / tau)) / (1.0 + b * tau);
  };
  const double tau_pi = constants::pion_lifetime / 1e3, tau_mu = constants::muon_lifetime / 1e3;
  const auto delayed = [&](bool efficiency) {
    return (tau_mu * kept(tau_mu, efficiency) - tau_pi * kept(tau_pi, efficiency)) / (tau_mu - tau_pi);
  };
  const double prompt_ratio = kept(tau_pi, true) / kept(tau_pi, false);
  const double delayed_ratio = delayed(true) / delayed(false);
  EXPECT_NEAR(on.roi_signal_by_flavor.at(Flavor::nu_mu) / off.roi_signal_by_flavor.at(Flavor::nu_mu), prompt_ratio,
              1e-9);
  for (Flavor f : {Flavor::nu_e, Flavor::nubar_mu})
    EXPECT_NEAR(on.roi_signal_by_flavor.at(f) / off.roi_signal_by_flavor.at(f), delayed_ratio, 1e-9) << flavor_name(f);
  // The prompt flavour is all before t₀; the delayed ones lose 27 %: a constant
  // efficiency could not split them so.
  EXPECT_NEAR(prompt_ratio, 1.0, 1e-4);
  EXPECT_NEAR(delayed_ratio, 0.734, 0.001);
  // The arrival-time spectra stay those of all neutrinos, before any selection.
  EXPECT_EQ(on.arrival_time.at(Flavor::nu_e).counts, off.arrival_time.at(Flavor::nu_e).counts);
}

TEST(GammaResolution, CoherentWithEachAcceptanceConvention) {
  // COHERENT 2017 with the Gamma resolution of COHERENT's later CsI release (shape 1 + 9.56
  // E_ee): every event is kept in the NPE spectrum before the selection, and the acceptance
  // at the continuous PE lies between its values at the bin centres n − ½ and n
  // (docs/validation.md: 161.8, 173.3, 174.8 events).
  const std::vector<std::string> gamma{"detector.resolution.model=gamma"};
  const auto at = [&](const char* convention) {
    auto overrides = gamma;
    overrides.push_back(std::string("selection.acceptance.evaluate_at=") + convention);
    return predict(load("coherent-csi-2017.toml", overrides));
  };
  const auto continuous = at("continuous"), npe = at("npe"), centre = at("bin-centre");
  const auto by_flavor = continuous.events_by_flavor();
  for (const auto& [flavor, spectrum] : continuous.npe_before_selection)
    EXPECT_NEAR(spectrum.total() / by_flavor.at(flavor), 1.0, 1e-9) << flavor_name(flavor);
  EXPECT_NEAR(continuous.roi_signal(), 173.3, 0.5);
  EXPECT_NEAR(npe.roi_signal(), 174.8, 0.5);
  EXPECT_NEAR(centre.roi_signal(), 161.8, 0.5);
  EXPECT_GT(continuous.roi_signal(), centre.roi_signal());
  EXPECT_LT(continuous.roi_signal(), npe.roi_signal());
  // The mean NPE of the spectrum is LY × the mean E_ee, as for Poisson counts (Gamma mean μ),
  // to the binning: bin 0 takes the Gamma's [0, ½) at n = 0 (−0.14 % here); tolerance 0.3 %.
  const auto poisson = predict(load("coherent-csi-2017.toml"));
  const auto mean_npe = [](const Spectrum& s) {
    double sum = 0.0, weight = 0.0;
    for (std::size_t n = 0; n < s.counts.size(); ++n) sum += double(n) * s.counts[n], weight += s.counts[n];
    return sum / weight;
  };
  EXPECT_NEAR(mean_npe(continuous.npe_before_selection.at(Flavor::nu_e)) /
                  mean_npe(poisson.npe_before_selection.at(Flavor::nu_e)),
              1.0, 3e-3);
  // The Gamma width includes the charge resolution: both at once is refused.
  EXPECT_THROW(load("coherent-csi-2017.toml", {"detector.resolution.model=gamma", "detector.spe_resolution=0.3"}),
               ConfigError);
}

/// "spectra.npe_edges=[e0, e1, …]" for --set.
std::string edges_override(const std::vector<double>& edges) {
  std::string s = "spectra.npe_edges=[";
  for (std::size_t i = 0; i < edges.size(); ++i) s += (i ? ", " : "") + fmt::format("{}", edges[i]);
  return s + "]";
}

std::vector<double> integer_edges(int npe_max) {
  std::vector<double> edges;
  for (int n = 0; n <= npe_max + 1; ++n) edges.push_back(n - 0.5);
  return edges;
}

/// Expects the spectra on the edges to be the integer-NPE ones, bit for bit.
void expect_same_as_integer_bins(const Prediction& p) {
  ASSERT_TRUE(p.on_npe_edges.has_value());
  const auto& e = *p.on_npe_edges;
  EXPECT_EQ(e.npe.edges(), p.npe_before_selection.begin()->second.binning.edges());
  for (Flavor f : all_flavors) {
    EXPECT_EQ(e.before_selection.at(f).counts, p.npe_before_selection.at(f).counts) << flavor_name(f);
    EXPECT_EQ(e.signal.at(f).counts, p.signal.at(f).counts) << flavor_name(f);
  }
  ASSERT_EQ(e.backgrounds.size(), p.backgrounds.size());
  for (std::size_t b = 0; b < e.backgrounds.size(); ++b)
    EXPECT_EQ(e.backgrounds[b].counts, p.backgrounds[b].npe_time.counts) << p.backgrounds[b].name;
}

TEST(NpeEdges, IntegerEdgesReproduceTheIntegerSpectraExactly) {
  // Edges n − ½ for n = 0 … npe_max + 1 are the integer-NPE bins: the spectra on them are
  // today's, bit for bit — Poisson counts with CLOVERS' backgrounds, and COHERENT 2017 with
  // the Gamma resolution, the acceptance at n and at the continuous PE (its cells are the
  // integer bins; n − ½ takes the path of n).
  const auto clovers_edges = edges_override(integer_edges(200));
  const auto clovers = predict(load("clovers.toml", {clovers_edges}));
  EXPECT_FALSE(clovers.backgrounds.empty());
  expect_same_as_integer_bins(clovers);
  EXPECT_FALSE(predict(load("clovers.toml")).on_npe_edges.has_value());
  const auto coherent_edges = edges_override(integer_edges(60));
  for (const char* convention : {"npe", "continuous"}) {
    SCOPED_TRACE(convention);
    expect_same_as_integer_bins(predict(load("coherent-csi-2017.toml",
                                             {coherent_edges, "spectra.npe_max=60", "detector.resolution.model=gamma",
                                              std::string("selection.acceptance.evaluate_at=") + convention})));
  }
}

TEST(NpeEdges, PoissonCountsFallInTheBinHoldingThem) {
  // Half-open bins [3.5, 10.5), [10.5, 20.5), [20.5, 72.5) with the last collecting the
  // rest: sums of n = 4 … 10, 11 … 20 and ≥ 21 of the integer spectra (tolerance 10⁻¹²),
  // nothing below 3.5. Integer edges [4, 11, 21, 73): n = 4 … 10 again — an edge at n
  // belongs to the bin above it.
  const auto integer = predict(load("clovers.toml"));
  const auto sum = [](const std::vector<double>& c, std::size_t from, std::size_t to) {
    double s = 0.0;
    for (std::size_t n = from; n < to && n < c.size(); ++n) s += c[n];
    return s;
  };
  for (const std::vector<double>& edges : {std::vector<double>{3.5, 10.5, 20.5, 72.5}, std::vector<double>{4, 11, 21, 73}}) {
    const auto p = predict(load("clovers.toml", {edges_override(edges)}));
    ASSERT_TRUE(p.on_npe_edges.has_value());
    const auto& before = p.on_npe_edges->before_selection.at(Flavor::nu_e).counts;
    const auto& reference = integer.npe_before_selection.at(Flavor::nu_e).counts;
    ASSERT_EQ(before.size(), 3u);
    EXPECT_NEAR(before[0], sum(reference, 4, 11), 1e-12 * before[0]);
    EXPECT_NEAR(before[1], sum(reference, 11, 21), 1e-12 * before[1]);
    EXPECT_NEAR(before[2], sum(reference, 21, reference.size()), 1e-12 * before[2]);
    const auto after = p.on_npe_edges->signal.at(Flavor::nu_mu).project_x().counts;
    const auto reference_after = integer.signal.at(Flavor::nu_mu).project_x().counts;
    EXPECT_NEAR(after[0], sum(reference_after, 4, 11), 1e-12 * after[0]);
    const auto brn = p.on_npe_edges->backgrounds.at(0).project_x().counts;
    EXPECT_NEAR(brn[1], sum(integer.backgrounds.at(0).npe_time.project_x().counts, 11, 21), 1e-12 * brn[1]);
  }
}

TEST(NpeEdges, GammaPeIsIntegratedOverEachBin) {
  // COHERENT 2017 with the Gamma resolution in ⅛-PE bins from 0: the mean PE of the
  // spectrum before the selection (at the bin centres) is LY × ⟨E_ee⟩, the Gamma's mean —
  // taken from the Poisson spectrum, whose mean is the same (tolerance 5·10⁻⁴: the Poisson
  // spectrum's overflow bin at 60 PE); every event is in some bin; and the selected
  // spectrum on fine bins sums to the selected count of the integer bins (10⁻⁹).
  std::vector<double> edges;
  for (int i = 0; i <= 484; ++i) edges.push_back(i / 8.0);
  const auto gamma = predict(load("coherent-csi-2017.toml", {edges_override(edges), "spectra.npe_max=60",
                                                             "detector.resolution.model=gamma"}));
  const auto poisson = predict(load("coherent-csi-2017.toml", {"spectra.npe_max=60"}));
  const auto& fine = gamma.on_npe_edges->before_selection.at(Flavor::nu_e);
  double sum = 0.0, weight = 0.0;
  for (std::size_t i = 0; i < fine.counts.size(); ++i) sum += fine.binning.center(i) * fine.counts[i], weight += fine.counts[i];
  const auto& integer = poisson.npe_before_selection.at(Flavor::nu_e);
  double n_sum = 0.0, n_weight = 0.0;
  for (std::size_t n = 0; n < integer.counts.size(); ++n) n_sum += double(n) * integer.counts[n], n_weight += integer.counts[n];
  EXPECT_NEAR(weight / gamma.events_by_flavor().at(Flavor::nu_e), 1.0, 1e-9);
  EXPECT_NEAR((sum / weight) / (n_sum / n_weight), 1.0, 5e-4);
  double fine_selected = 0.0, integer_selected = 0.0;
  for (Flavor f : all_flavors) {
    for (double c : gamma.on_npe_edges->signal.at(f).counts) fine_selected += c;
    for (double c : gamma.signal.at(f).counts) integer_selected += c;
  }
  EXPECT_NEAR(fine_selected / integer_selected, 1.0, 1e-9);
}

TEST(NpeEdges, MalformedEdgesAreRefused) {
  for (const char* bad : {"spectra.npe_edges=[1.0]", "spectra.npe_edges=[1.0, 1.0, 2.0]", "spectra.npe_edges=[3.0, 2.0]",
                          "spectra.npe_edges=[-1.0, 2.0]", "spectra.npe_edges=[0.0, 100.6]"}) {
    SCOPED_TRACE(bad);
    try {
      load("coherent-csi-2017.toml", {bad});
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("spectra.npe_edges"), std::string::npos) << e.what();
    }
  }
}

TEST(PerCrystal, PmtSharesEqualToTheGlobalOneChangeNothing) {
  // One value per crystal, all ½, is the single value ½: every spectrum bit for bit
  // (CLOVERS with its backgrounds; CICENNS, whose 15 crystals differ in light yield).
  for (const auto& [name, list] : {std::pair<std::string, std::string>{"clovers.toml", "[0.5, 0.5, 0.5, 0.5]"},
                                   {"cicenns.toml", "[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]"}}) {
    SCOPED_TRACE(name);
    const auto one = predict(load(name));
    const auto each = predict(load(name, {"detector.pmt_share=" + list}));
    for (Flavor f : all_flavors) {
      EXPECT_EQ(one.signal.at(f).counts, each.signal.at(f).counts) << flavor_name(f);
      EXPECT_EQ(one.npe_before_selection.at(f).counts, each.npe_before_selection.at(f).counts) << flavor_name(f);
    }
    ASSERT_EQ(one.backgrounds.size(), each.backgrounds.size());
    for (std::size_t b = 0; b < one.backgrounds.size(); ++b)
      EXPECT_EQ(one.backgrounds[b].npe_time.counts, each.backgrounds[b].npe_time.counts) << one.backgrounds[b].name;
    EXPECT_EQ(one.roi_signal(), each.roi_signal());
  }
}

TEST(PerCrystal, AnAsymmetricCrystalLosesItsOwnCoincidence) {
  // CLOVERS with crystal 3's PMT share 0.9: selected / before at n PE is the µ-veto ×
  // afterglow efficiency × the mass-weighted coincidence ¾(1 − 2^(1−n)) + ¼(1 − 0.9ⁿ − 0.1ⁿ)
  // (closed form, tolerance 10⁻¹²), for the signal and for a beam-related background.
  // At the interaction time: the window's share below is then one number for every n.
  const auto p = predict(load("clovers.toml", {"detector.pmt_share=[0.5, 0.5, 0.5, 0.9]", "detector.arrival_time=interaction"}));
  const auto symmetric = predict(load("clovers.toml", {"detector.arrival_time=interaction"}));
  const double constant = 0.989 * 0.738;
  for (int n : {2, 3, 5, 8}) {
    const double coincidence = 0.75 * (1.0 - std::pow(2.0, 1.0 - n)) + 0.25 * (1.0 - std::pow(0.9, n) - std::pow(0.1, n));
    const auto bin = static_cast<std::size_t>(n);
    const double before = p.npe_before_selection.at(Flavor::nu_e).counts[bin];
    // The time window keeps the share of ν_e arriving before 10 µs (the symmetric case
    // gives it, against the arrival-time spectrum, to 10⁻¹²):
    const double window = symmetric.signal.at(Flavor::nu_e).project_x().counts[bin] /
                          symmetric.npe_before_selection.at(Flavor::nu_e).counts[bin] /
                          (constant * (1.0 - std::pow(2.0, 1.0 - n)));
    EXPECT_NEAR(window, p.arrival_time.at(Flavor::nu_e).total() / p.events_by_flavor().at(Flavor::nu_e), 1e-12);
    EXPECT_NEAR(p.signal.at(Flavor::nu_e).project_x().counts[bin] / before, constant * coincidence * window, 1e-12) << n;
    EXPECT_NEAR(before, symmetric.npe_before_selection.at(Flavor::nu_e).counts[bin], 1e-12 * before);
    const double brn_symmetric = symmetric.backgrounds.at(0).npe_time.project_x().counts[bin];
    const double symmetric_coincidence = 1.0 - std::pow(2.0, 1.0 - n);
    EXPECT_NEAR(p.backgrounds.at(0).npe_time.project_x().counts[bin] / brn_symmetric, coincidence / symmetric_coincidence,
                1e-12) << n;
  }
  EXPECT_LT(p.roi_signal(), symmetric.roi_signal());
}

}  // namespace
}  // namespace cevns
