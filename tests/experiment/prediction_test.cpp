// The expected CEvNS counts against the published numbers (DESIGN.md §3) and internal
// consistency of the prediction. Conventions behind each comparison: docs/validation.md.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <boost/math/quadrature/gauss_kronrod.hpp>

#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/physics/cross_section.hpp"
#include "cevns/physics/target.hpp"
#include "cevns/source/decay_at_rest_source.hpp"

namespace cevns {
namespace {

ExperimentConfig load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + name, overrides);
}

TEST(PublishedNumbers, CloversTotalWithPaperConventions) {
  // CLOVERS §3.1: 303 events per 12 kg per 180 days, no threshold. The paper's number is
  // reproduced with the Klein–Nystrand form factor and sin²θ_W = 0.2312 (the conventions of
  // COHERENT 2017); tolerance 2 % for the rounding of the paper's inputs.
  const auto p = predict(load("clovers.toml", {"physics.form_factor=klein-nystrand", "physics.sin2_theta_w=0.2312"}));
  EXPECT_NEAR(p.total_events() / 303.0, 1.0, 0.02) << p.total_events();
}

TEST(PublishedNumbers, CloversTotalWithDefaults) {
  // Our defaults (Helm, sin²θ_W = 0.23857 at low Q, PDG 2024) give 7–8 % more than the
  // paper's 303 (docs/validation.md); 0.14 /day/kg in the paper is 303/180/12.
  const auto p = predict(load("clovers.toml"));
  EXPECT_GT(p.total_events(), 303.0 * 1.05);
  EXPECT_LT(p.total_events(), 303.0 * 1.10);
  EXPECT_NEAR(p.total_events() / 180.0 / 12.0, 0.15, 0.01);
}

TEST(PublishedNumbers, CicennsAboveThresholds) {
  // CICENNS 2024 slides: 6450 events above 3 keVnr and 4950 above 5 keVnr per 300 kg per
  // year. cicenns.toml takes "a year" as CSNS's ≈5000 beam hours; the slides do not state
  // their form factor, and the remaining −7 % / −12 % is of the size of the form-factor
  // choice (docs/validation.md). Tolerance 15 %.
  const auto p = predict(load("cicenns.toml"));
  const auto above = p.events_above_thresholds();
  ASSERT_EQ(above.size(), 2u);
  EXPECT_NEAR(above[0] / 6450.0, 1.0, 0.15) << above[0];
  EXPECT_NEAR(above[1] / 4950.0, 1.0, 0.15) << above[1];
}

TEST(PublishedNumbers, CoherentCsI2017) {
  // COHERENT 2017 (Science 357 (2017) 1123): 173 ± 48 CEvNS events predicted after the
  // detector response and acceptance, for 1.76e23 protons on target. Here the recoil
  // spectrum is folded the way the release's own description does it, independent of the
  // detector module: NPE = T × QF × LY (QF 0.0878, LY 13.348 PE/keVee), no photostatistics,
  // and the released acceptance a/(1 + exp(−k(x − x₀)))·H(x − 5) at the centre of the 1-PE
  // bin [k, k + 1) holding that NPE (coherent_parameters.yaml). Tolerance: the published ±48.
  auto config = load("coherent-csi-2017.toml");
  config.spectra.recoil_bin_keVnr = 0.05;
  const auto p = predict(config);
  // The published exposure: 1.76e23 POT, and 0.955 GeV protons make it the release's
  // 7.47594 GW·h at 1.4 MW (5340 h of beam).
  EXPECT_DOUBLE_EQ(p.protons_on_target, 1.76e23);
  EXPECT_NEAR(p.beam_on_time_s * 1400e3 / 3.6e12 / 7.47594, 1.0, 1e-3);
  const Spectrum recoil = p.recoil_spectrum();
  double detected = 0.0;
  for (std::size_t bin = 0; bin < recoil.binning.size(); ++bin) {
    const double npe = recoil.binning.center(bin) * 0.0878 * 13.348;
    const double x = std::floor(npe) + 0.5;
    const double step = x < 5.0 ? 0.0 : (x < 6.0 ? 0.5 : 1.0);
    detected += recoil.counts[bin] * 0.6655 / (1.0 + std::exp(-0.4942 * (x - 10.8507))) * step;
  }
  EXPECT_NEAR(detected, 173.0, 48.0);
  EXPECT_NEAR(detected, 171.9, 0.5) << detected;  // docs/validation.md
}

TEST(Prediction, TotalsMatchAdaptiveIntegration) {
  // The fixed Gauss–Legendre panels against adaptive Gauss–Kronrod on the same rate.
  const auto config = load("clovers.toml");
  const auto p = predict(config);
  const DecayAtRestSource source(config.source);
  const auto target = Target::from_formula("CsI");
  for (const auto& channel : p.channels) {
    const auto& component = *std::find_if(target.components().begin(), target.components().end(),
                                          [&](const auto& c) { return c.isotope.name == channel.isotope; });
    const CevnsCrossSection xs(component.isotope, config.physics);
    const auto& spectrum = source.spectrum(channel.flavor);
    const double scale = target.nuclei(component, config.detector.mass_kg * units::kg) * source.fluence(config.exposure);
    const double reference = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        [&](double t) { return scale * xs.spectrum_averaged(channel.flavor, spectrum, t); }, 0.0,
        xs.max_recoil(spectrum.max_energy()), 20, 1e-12);
    EXPECT_NEAR(channel.events / reference, 1.0, 1e-10) << flavor_name(channel.flavor) << " " << channel.isotope;
  }
}

TEST(Prediction, SpectraAddUpToTotals) {
  const auto p = predict(load("clovers.toml"));
  // The recoil histogram reaches 50 keVnr, beyond every end point: it holds every event.
  EXPECT_NEAR(p.recoil_spectrum().total() / p.total_events(), 1.0, 1e-10);
  for (const auto& c : p.channels) EXPECT_NEAR(c.recoil.total() / c.events, 1.0, 1e-10);
  // Thresholds are ordered and the 0-threshold count would be the total.
  const auto above = p.events_above_thresholds();
  EXPECT_GT(above[0], above[1]);
  EXPECT_GT(above[1], above[2]);
  // The arrival-time window [−1, 10] µs holds all but the muon-decay tail beyond 10 µs:
  // for bunches at 0 and 410 ns and 35 ns of flight, P(t_π + t_μ > X) ≈ τμ/(τμ − τπ)·e^{−X/τμ}
  // averaged over X = 9965 and 9555 ns gives 1.196 % (hand calculation; Gaussian width and
  // τπ² terms change it by < 1e-4).
  const auto by_flavor = p.events_by_flavor();
  EXPECT_NEAR(p.arrival_time.at(Flavor::nu_mu).total() / by_flavor.at(Flavor::nu_mu), 1.0, 1e-6);
  EXPECT_NEAR(p.arrival_time.at(Flavor::nu_e).total() / by_flavor.at(Flavor::nu_e), 1.0 - 0.01196, 1e-4);
}

TEST(Prediction, ScalesWithExposureMassAndDistance) {
  const auto base = predict(load("clovers.toml"));
  const auto doubled = predict(load("clovers.toml", {"detector.mass_kg=24", "exposure.calendar_days=360"}));
  EXPECT_NEAR(doubled.total_events() / base.total_events(), 4.0, 1e-9);
  const auto farther = predict(load("clovers.toml", {"source.distance_m=21"}));
  EXPECT_NEAR(farther.total_events() / base.total_events(), 0.25, 1e-9);
}

TEST(Prediction, OtherTargets) {
  // Ar and Ge targets run through the same chain; CEvNS per kg grows roughly as N²/A.
  for (const char* material : {"Ar", "Ge", "Xe", "NaI"}) {
    const auto p = predict(load("clovers.toml", {std::string("detector.material=") + material}));
    EXPECT_GT(p.total_events(), 0.0) << material;
    EXPECT_LT(p.total_events(), 400.0) << material;
  }
}

}  // namespace
}  // namespace cevns

#include <spdlog/sinks/ostream_sink.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"

namespace cevns {
namespace {

TEST(PredictionChecks, ResultsAreCheckedFiniteNamingTheQuantity) {
  Prediction p = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"));
  EXPECT_NO_THROW(p.check_finite());
  Prediction bad = p;
  bad.channels[1].recoil.counts[3] = std::numeric_limits<double>::infinity();
  try {
    bad.check_finite();
    ADD_FAILURE() << "expected a NumericalError";
  } catch (const NumericalError& e) {
    EXPECT_NE(std::string(e.what()).find("CLOVERS: CEvNS"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("recoil spectrum, bin 3 is inf"), std::string::npos) << e.what();
  }
  bad = p;
  bad.backgrounds[0].roi = std::nan("");
  EXPECT_THROW(bad.check_finite(), NumericalError);
  bad = p;  // the deposits the Monte Carlo draws (beam-related neutrons)
  ASSERT_TRUE(bad.backgrounds[0].deposits);
  bad.backgrounds[0].deposits->true_npe.counts[5] = std::numeric_limits<double>::infinity();
  EXPECT_THROW(bad.check_finite(), NumericalError);

  Sensitivity s = sensitivity(p, 24.0, 365.0, 4);
  EXPECT_NO_THROW(s.check_finite());
  s.map_significance[2] = std::nan("");
  EXPECT_THROW(s.check_finite(), NumericalError);
}

TEST(PredictionChecks, NoSignalInTheRegionOfInterestIsAnError) {
  Prediction p = predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"));
  for (auto& [flavor, count] : p.roi_signal_by_flavor) count = 0.0;
  EXPECT_THROW(sensitivity(p, 24.0, 365.0, 4), NumericalError);
}

TEST(PredictionChecks, NoBackgroundHasNoAsimovSignificance) {
  // It printed "Asimov inf σ": with b = 0 the Asimov Z diverges; N_sig/√N_sig remains.
  const Prediction p = predict(
      io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml", {"backgrounds=[]"}));
  const Sensitivity s = sensitivity(p, 24.0, 365.0, 4);
  EXPECT_FALSE(s.asimov_significance.has_value());
  EXPECT_DOUBLE_EQ(s.significance, std::sqrt(p.roi_signal()));
}

TEST(PredictionChecks, DebugLinesAreLoggedOnce) {
  // `-v predict` printed the source's debug line 7 times: once per RecoilRate.
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  logger("source")->sinks().push_back(sink);
  set_log_level(LogLevel::debug);
  (void)predict(io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"));
  set_log_level(LogLevel::info);
  logger("source")->sinks().pop_back();
  const std::string text = captured.str();
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = text.find("protons/s", at)) != std::string::npos; ++at) ++lines;
  EXPECT_EQ(lines, 1u) << text;
}

}  // namespace
}  // namespace cevns
