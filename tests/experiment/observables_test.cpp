// Expected observable spectra: conservation through the response, and the CLOVERS and
// COHERENT numbers after the detector response and selection (docs/validation.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cevns/detector/response.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/stats/significance.hpp"

namespace cevns {
namespace {

ExperimentConfig load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + name, overrides);
}

TEST(Observables, ResponseConservesEvents) {
  // Σ_n P(n) over all NPE (with the overflow bin) equals the recoil-level count, per flavour.
  for (const char* name : {"clovers.toml", "cicenns.toml", "coherent-csi-2017.toml"}) {
    const auto p = predict(load(name));
    const auto by_flavor = p.events_by_flavor();
    for (const auto& [flavor, spectrum] : p.npe_before_selection)
      EXPECT_NEAR(spectrum.total() / by_flavor.at(flavor), 1.0, 1e-9) << name << " " << flavor_name(flavor);
  }
}

TEST(Observables, SelectionIsTheProductOfItsEfficiencies) {
  const auto config = load("clovers.toml");
  const auto p = predict(config);
  const SelectionEfficiency efficiency(config.detector, config.selection, config.spectra.npe_max);
  for (const auto& [flavor, before] : p.npe_before_selection) {
    const Spectrum after = p.signal.at(flavor).project_x();
    // The time window [−1, 10] µs holds the prompt flavour, but for the first-photoelectron
    // delay's tail beyond 10 µs (docs/detector.md): e^(−9.5 µs / 1015 ns) ≈ 1e-4 of one
    // component's share at n = 1, ≈ 5e-9 of the count. Tolerance 1e-7 relative.
    if (flavor != Flavor::nu_mu) continue;
    for (int n : {1, 2, 4, 10, 50})
      EXPECT_NEAR(after.counts[n], before.counts[n] * efficiency.efficiency(n), 1e-7 * after.counts[n]) << n;
  }
}

TEST(PublishedNumbers, CloversDetectedRate) {
  // CLOVERS §4: 0.074 /day/kg detected in 4–72 NPE after all cuts (160 per 12 kg per
  // 180 days). Defaults give 0.079 (+7 %), the paper's form factor and sin²θ_W 0.073
  // (docs/validation.md). Tolerance 10 %.
  const auto p = predict(load("clovers.toml"));
  EXPECT_NEAR(p.roi_signal() / 180.0 / 12.0 / 0.074, 1.0, 0.10) << p.roi_signal();
  const auto paper = predict(load("clovers.toml", {"physics.form_factor=klein-nystrand", "physics.sin2_theta_w=0.2312"}));
  EXPECT_NEAR(paper.roi_signal() / 160.0, 1.0, 0.03) << paper.roi_signal();
  // The backgrounds (Table 2): beam neutrons per POT × kg and radioactivity per kg × live
  // time, each with the one rate derived from the paper's count at this configuration
  // (666, 7; docs/validation.md) — so here they come back, to 3 % (the rates are rounded to
  // 3 digits, and a change of the selection's conventions moves them) — and our PMT
  // dark-count model, 94 where the paper has 160.
  ASSERT_EQ(p.backgrounds.size(), 3u);
  EXPECT_NEAR(p.backgrounds[0].roi / 666.0, 1.0, 0.03) << p.backgrounds[0].roi;
  EXPECT_NEAR(p.backgrounds[1].roi, 94.0, 1.0);
  EXPECT_NEAR(p.backgrounds[2].roi / 7.0, 1.0, 0.03) << p.backgrounds[2].roi;
}

TEST(PublishedNumbers, CloversThreshold) {
  // CLOVERS §4: 4 NPE ≈ 1.5 keVnr. With COHERENT's polynomial quenching (QF ≈ 6 % at
  // 2 keVnr) the mean NPE reaches 4 at 1.89 keVnr; with the constant 2017 QF (8.78 %) at
  // 4/33.5/0.0878 = 1.36 keVnr. The paper's value lies between (docs/validation.md).
  const auto p = predict(load("clovers.toml"));
  EXPECT_NEAR(p.roi_threshold_keVnr, 1.89, 0.01);
  const auto constant = predict(load("clovers.toml", {"detector.quenching.model=constant"}));
  EXPECT_NEAR(constant.roi_threshold_keVnr, 4.0 / 33.5 / 0.0878, 1e-6);
  EXPECT_GT(1.5, constant.roi_threshold_keVnr);
  EXPECT_LT(1.5, p.roi_threshold_keVnr);
}

TEST(PublishedNumbers, CloversSignificance) {
  // CLOVERS §4: 5.1σ in 180 days × 12 kg. Ours: N_sig/√(N_sig + N_bkg) with our signal, the
  // beam-neutron and radioactivity models (rates from the paper's 666 and 7) and our
  // dark-count model (94, not 160).
  const auto p = predict(load("clovers.toml"));
  const auto s = sensitivity(p, 24.0, 365.0, 12);
  EXPECT_NEAR(s.significance, p.roi_signal() / std::sqrt(p.roi_signal() + p.roi_background()), 1e-12);
  EXPECT_NEAR(s.significance, 5.1, 0.5);
  EXPECT_NEAR(s.days_to_5sigma, 180.0 * std::pow(5.0 / s.significance, 2), 1e-9);
  // The map: significance ∝ √(mass × days); at the configured point it equals the above.
  ASSERT_EQ(s.map_significance.size(), 13u * 13u);
  EXPECT_EQ(s.map_significance.front(), 0.0);
  const auto at = [&](std::size_t i, std::size_t j) { return s.map_significance[i * s.map_days.size() + j]; };
  EXPECT_NEAR(at(12, 12), s.significance * std::sqrt(24.0 * 365.0 / (12.0 * 180.0)), 1e-9);
  const auto paper = predict(load("clovers.toml", {"physics.form_factor=klein-nystrand", "physics.sin2_theta_w=0.2312"}));
  EXPECT_NEAR(sensitivity(paper, 24, 365).significance, 5.1, 0.15);
}

TEST(PublishedNumbers, CoherentCsI2017) {
  // COHERENT 2017 (Science 357 (2017) 1123): 173 ± 48 CEvNS events predicted by the SM for
  // 1.76e23 POT, through the released light yield (13.348 PE/keVee), constant QF 0.0878 and
  // acceptance, in the released 0–50 PE × 0–12 µs window. Tolerance: the published ±48, for
  // each way of evaluating the acceptance (docs/validation.md: 176.5 at x = n, the default;
  // 163.1 at x = n − ½).
  // At the interaction time, so that Σ_n below is exact (the first-photoelectron delay,
  // the default, moves the count by −0.03: what it delays past 12 µs; docs/detector.md).
  const auto p = predict(load("coherent-csi-2017.toml", {"detector.arrival_time=interaction"}));
  EXPECT_EQ(p.config.selection.acceptance.evaluate_at, AcceptanceEvaluation::npe);
  EXPECT_NEAR(p.roi_signal(), 173.0, 48.0) << p.roi_signal();
  EXPECT_NEAR(p.roi_signal(), 176.5, 0.5) << p.roi_signal();
  const auto centre = predict(
      load("coherent-csi-2017.toml", {"selection.acceptance.evaluate_at=bin-centre", "detector.arrival_time=interaction"}));
  EXPECT_NEAR(centre.roi_signal(), 173.0, 48.0) << centre.roi_signal();
  EXPECT_NEAR(centre.roi_signal(), 163.1, 0.5) << centre.roi_signal();
  // Each against Σ_n N(n)·f(x_n)·P(0 < t < 12 µs), f written out from coherent_parameters.yaml.
  for (const auto* q : {&p, &centre}) {
    const double shift = q == &p ? 0.0 : 0.5;
    double expected = 0.0;
    for (const auto& [flavor, before] : q->npe_before_selection) {
      const auto& time = q->arrival_time.at(flavor);
      const double in_window = time.total() / q->events_by_flavor().at(flavor);
      for (int n = 0; n <= 50; ++n) {
        const double x = n - shift;
        const double step = x < 5.0 ? 0.0 : (x < 6.0 ? 0.5 : 1.0);
        expected += before.counts[n] * in_window * step * 0.6655 / (1.0 + std::exp(-0.4942 * (x - 10.8507)));
      }
    }
    EXPECT_NEAR(q->roi_signal() / expected, 1.0, 1e-9);
  }
  // The ±1σ quenching factor (0.0878 ± 0.0166) moves it by tens of events.
  const auto high = predict(load("coherent-csi-2017.toml", {"detector.quenching.shift_sigma=1"}));
  EXPECT_GT(high.roi_signal(), p.roi_signal() + 20.0);
}

/// Reads a two-column CSV "time_us, probability" of the COHERENT release.
std::vector<double> read_release_pdf(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<double> values;
  std::string line;
  while (std::getline(in, line)) {
    double t = 0, p = 0;
    char comma = 0;
    std::istringstream row(line);
    if (row >> t >> comma >> p) values.push_back(p);
  }
  return values;
}

TEST(PublishedNumbers, CoherentArrivalTimes) {
  // The release's arrival-time PDFs (0.5 µs bins from 0 µs) against ours with the SNS pulse
  // at 640 ns (configs/coherent-csi-2017.toml): flat-topped, 380 ns wide with 250 ns edges,
  // bin by bin within 0.01 (largest differences 0.0072 prompt, 0.0065 delayed;
  // docs/validation.md); a Gaussian of 380 ns FWHM within 0.04 (largest 0.038: 87 % of the
  // prompt flavour in the 0.5–1 µs bin where the release has 91 %).
  const std::filesystem::path dir = CEVNS_SHARED_DATA_DIR "/coherent-csi-2017";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "COHERENT data release not found at " << dir;
  const auto prompt = read_release_pdf(dir / "arrivalTimePDF_promptNeutrinos.txt");
  const auto delayed = read_release_pdf(dir / "arrivalTimePDF_delayedNeutrinos.txt");
  ASSERT_GE(prompt.size(), 24u);
  ASSERT_GE(delayed.size(), 24u);
  for (const auto& [shape, tolerance] : {std::pair{"flat-top", 0.01}, std::pair{"gaussian", 0.04}}) {
    const auto p = predict(load("coherent-csi-2017.toml", {std::string("source.pulse.shape=") + shape}));
    const auto by_flavor = p.events_by_flavor();
    double largest = 0.0;
    for (std::size_t bin = 0; bin < 24; ++bin) {
      const double ours_prompt = p.arrival_time.at(Flavor::nu_mu).counts[bin] / by_flavor.at(Flavor::nu_mu);
      const double ours_delayed = p.arrival_time.at(Flavor::nu_e).counts[bin] / by_flavor.at(Flavor::nu_e);
      EXPECT_NEAR(ours_prompt, prompt[bin], tolerance) << shape << " " << bin;
      EXPECT_NEAR(ours_delayed, delayed[bin], tolerance) << shape << " " << bin;
      largest = std::max({largest, std::abs(ours_prompt - prompt[bin]), std::abs(ours_delayed - delayed[bin])});
    }
    // The flat top is the closer shape, by a factor of 5.
    if (std::string(shape) == "flat-top") EXPECT_LT(largest, 0.008);
    else EXPECT_GT(largest, 0.03);
  }
}

}  // namespace
}  // namespace cevns
