// Per-crystal quenching, acceptance and PMT dark rate (detector.quenching and
// selection.acceptance as one table per crystal, daq.pmt.dark_rate_Hz as one value per
// crystal): the prediction is the sum over crystals of each one's response with its share
// of the mass, so a detector of two unlike crystals must predict the mass-weighted sum of
// the two detectors made of either crystal alone (exact, to round-off: 1e-10 per bin).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cevns/background/background.hpp"
#include "cevns/core/error.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/prediction_writer.hpp"

namespace cevns {
namespace {

ExperimentConfig load(const std::vector<std::string>& overrides) {
  return io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml", overrides);
}

std::string error_of(const std::vector<std::string>& overrides) {
  try {
    load(overrides).validate();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

/// Two crystals of 3 kg (CLOVERS' crystals) with `overrides`, at the interaction time.
std::vector<std::string> two_crystals(std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), {"detector.crystals=2", "detector.mass_kg=6"});
  return overrides;
}

/// |a − ½(b + c)| / max(|½(b + c)|, 1e-300) over every bin, the largest.
double worst_of_half_sum(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& c) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.size(), c.size());
  double worst = 0.0, largest = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) largest = std::max(largest, std::abs(0.5 * (b[i] + c[i])));
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double expected = 0.5 * (b[i] + c[i]);
    // Bins far below the largest are compared against 1e-12 of it (round-off of the sum).
    worst = std::max(worst, std::abs(a[i] - expected) / std::max(std::abs(expected), 1e-12 * largest));
  }
  return worst;
}

/// The mixed detector against ½ × (all crystals A) + ½ × (all crystals B): signal per
/// flavour, the NPE spectra before the selection and every background.
void expect_mass_weighted_sum(const Prediction& mixed, const Prediction& a, const Prediction& b) {
  for (const auto& [flavor, s] : mixed.signal) {
    EXPECT_LT(worst_of_half_sum(s.counts, a.signal.at(flavor).counts, b.signal.at(flavor).counts), 1e-10)
        << flavor_name(flavor);
    EXPECT_LT(worst_of_half_sum(mixed.npe_before_selection.at(flavor).counts, a.npe_before_selection.at(flavor).counts,
                                b.npe_before_selection.at(flavor).counts),
              1e-10)
        << flavor_name(flavor);
  }
  ASSERT_EQ(mixed.backgrounds.size(), a.backgrounds.size());
  for (std::size_t i = 0; i < mixed.backgrounds.size(); ++i)
    EXPECT_LT(worst_of_half_sum(mixed.backgrounds[i].npe_time.counts, a.backgrounds[i].npe_time.counts,
                                b.backgrounds[i].npe_time.counts),
              1e-10)
        << mixed.backgrounds[i].name;
  // And the two crystals differ: the check is not of two equal numbers.
  EXPECT_GT(std::abs(a.roi_signal() - b.roi_signal()), 1e-3 * a.roi_signal());
}

TEST(PerCrystal, QuenchingPredictsTheMassWeightedSum) {
  // Crystal 0 with a constant QF of 0.06, crystal 1 with COHERENT's polynomial (the default).
  const std::string constant = "{model = 'constant', constant_qf = 0.06}";
  const auto mixed = predict(load(two_crystals({"detector.quenching=[" + constant + ", {}]"})));
  const auto a = predict(load(two_crystals({"detector.quenching.model=constant", "detector.quenching.constant_qf=0.06"})));
  const auto b = predict(load(two_crystals({})));
  expect_mass_weighted_sum(mixed, a, b);
  // The Gamma resolution's folding too, with an acceptance at the continuous PE.
  const std::vector<std::string> gamma = {"detector.resolution.model=gamma", "selection.acceptance.model=logistic",
                                          "selection.acceptance.evaluate_at=continuous"};
  auto with = [&](std::vector<std::string> o) {
    o.insert(o.end(), gamma.begin(), gamma.end());
    return predict(load(two_crystals(o)));
  };
  expect_mass_weighted_sum(with({"detector.quenching=[" + constant + ", {}]"}),
                           with({"detector.quenching.model=constant", "detector.quenching.constant_qf=0.06"}), with({}));
}

TEST(PerCrystal, AcceptancePredictsTheMassWeightedSum) {
  // COHERENT 2017's logistic in crystal 0, none in crystal 1; the dark counts are selected
  // with each crystal's own acceptance too.
  const auto mixed = predict(load(two_crystals({"selection.acceptance=[{model = 'logistic'}, {model = 'none'}]"})));
  const auto a = predict(load(two_crystals({"selection.acceptance.model=logistic"})));
  const auto b = predict(load(two_crystals({})));
  expect_mass_weighted_sum(mixed, a, b);
  // At the continuous PE of the Gamma resolution (each crystal's acceptance integrated).
  const std::string continuous = "evaluate_at = 'continuous'";
  const auto g = [&](const std::string& acceptance) {
    return predict(load(two_crystals({"detector.resolution.model=gamma", acceptance})));
  };
  expect_mass_weighted_sum(
      g("selection.acceptance=[{model = 'logistic', " + continuous + "}, {model = 'logistic', x0 = 6.0, " + continuous + "}]"),
      g("selection.acceptance={model = 'logistic', " + continuous + "}"),
      g("selection.acceptance={model = 'logistic', x0 = 6.0, " + continuous + "}"));
}

TEST(PerCrystal, DarkRatesOfCrystalsCombineInClosedForm) {
  // Crystal c is selected when it passes criteria 1–3 with its own PMTs (rate r_c) and no
  // other crystal passes criterion 3, all 2N pretraces quiet:
  //   N_c(m) = ε_µ ε_ag · q₀² q₁² · (1 − P₃(other)) · C_c(m) · A(m),
  // with q, P₃ and C · ε_µ ε_ag q² A the one-crystal model's pretrace_quiet,
  // crystal_coincidence and selected_npe at that rate.
  const auto config = load({"detector.crystals=2", "detector.mass_kg=6"});
  DarkCountInputs pmt = config.dark_counts;
  pmt.dark_rate_by_crystal_Hz = {2000.0, 20000.0};
  auto one_crystal = config.detector;
  one_crystal.crystals = 1;
  DarkCountInputs low = pmt, high = pmt;
  low.dark_rate_by_crystal_Hz.clear(), high.dark_rate_by_crystal_Hz.clear();
  low.dark_rate_Hz = 2000.0, high.dark_rate_Hz = 20000.0;
  const int npe_max = 60;
  const auto r0 = dark_counts_per_trigger(low, one_crystal, config.selection, npe_max);
  const auto r1 = dark_counts_per_trigger(high, one_crystal, config.selection, npe_max);
  const auto both = dark_counts_per_trigger(pmt, config.detector, config.selection, npe_max);
  ASSERT_EQ(both.selected_npe_by_crystal.size(), 2u);
  double total = 0.0;
  for (std::size_t m = 0; m < both.selected_npe.size(); ++m) {
    const double c0 = r0.selected_npe[m] * r1.pretrace_quiet * r1.pretrace_quiet * (1.0 - r1.crystal_coincidence);
    const double c1 = r1.selected_npe[m] * r0.pretrace_quiet * r0.pretrace_quiet * (1.0 - r0.crystal_coincidence);
    EXPECT_NEAR(both.selected_npe_by_crystal[0][m], c0, 1e-12 * std::max(c0, 1e-300)) << m;
    EXPECT_NEAR(both.selected_npe_by_crystal[1][m], c1, 1e-12 * std::max(c1, 1e-300)) << m;
    EXPECT_NEAR(both.selected_npe[m], c0 + c1, 1e-12 * std::max(c0 + c1, 1e-300)) << m;
    total += c0 + c1;
  }
  EXPECT_GT(total, 0.0);
  // The noisier crystal dominates: its candidates scale ≈ with the rate squared (two PMTs).
  EXPECT_GT(r1.crystal_coincidence, 50.0 * r0.crystal_coincidence);
}

TEST(PerCrystal, EqualListsPredictTheSameBytesAsOneValue) {
  const auto json = [](const std::vector<std::string>& o) { return io::to_json(predict(load(o))).dump(); };
  const std::string one = json({"selection.acceptance.model=logistic", "daq.pmt.dark_rate_Hz=500"});
  // Four equal tables and four equal rates.
  const std::string table = "{model = 'logistic'}";
  EXPECT_EQ(json({"selection.acceptance=[" + table + ", " + table + ", " + table + ", " + table + "]",
                  "daq.pmt.dark_rate_Hz=[500, 500, 500, 500]"}),
            one);
  EXPECT_EQ(json({"detector.quenching=[{}, {}, {}, {}]", "selection.acceptance.model=logistic",
                  "daq.pmt.dark_rate_Hz=500"}),
            one);
}

TEST(PerCrystal, ListsNeedOneEntryPerCrystal) {
  EXPECT_NE(error_of({"detector.quenching=[{}, {}]"}).find("detector.quenching = 2 tables"), std::string::npos)
      << error_of({"detector.quenching=[{}, {}]"});
  EXPECT_NE(error_of({"detector.quenching=[{}, {}]"}).find("one per crystal"), std::string::npos);
  EXPECT_NE(error_of({"selection.acceptance=[{}, {}, {}]"}).find("selection.acceptance"), std::string::npos);
  EXPECT_NE(error_of({"selection.acceptance=[{}, {}, {}]"}).find("3 tables"), std::string::npos);
  EXPECT_NE(error_of({"daq.pmt.dark_rate_Hz=[100, 200]"}).find("daq.pmt.dark_rate_Hz"), std::string::npos);
  EXPECT_NE(error_of({"daq.pmt.dark_rate_Hz=[100, 200]"}).find("2 values"), std::string::npos);
  // Each entry is range-checked under its own key.
  EXPECT_NE(error_of({"detector.quenching=[{}, {}, {model = 'constant', constant_qf = 1.5}, {}]"})
                .find("detector.quenching[2].constant_qf"),
            std::string::npos);
  EXPECT_NE(error_of({"selection.acceptance=[{}, {k = -1.0}, {}, {}]"}).find("selection.acceptance[1].k"),
            std::string::npos);
  EXPECT_NE(error_of({"daq.pmt.dark_rate_Hz=[100, 200, 300, 1e7]"}).find("daq.pmt.dark_rate_Hz"), std::string::npos);
  // One evaluation convention for all crystals.
  EXPECT_NE(error_of({"selection.acceptance=[{}, {evaluate_at = 'bin-centre'}, {}, {}]"})
                .find("selection.acceptance[1].evaluate_at"),
            std::string::npos);
  // Written and read back, one table per crystal.
  const auto config = io::read_configuration(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml",
                                             {"detector.quenching=[{}, {model = 'constant'}, {}, {}]",
                                              "selection.acceptance=[{}, {}, {x0 = 7.0}, {}]",
                                              "daq.pmt.dark_rate_Hz=[100, 200, 300, 400]"});
  const std::string text = io::to_toml(config);
  EXPECT_NE(text.find("[[detector.quenching]]"), std::string::npos);
  EXPECT_NE(text.find("[[selection.acceptance]]"), std::string::npos);
  EXPECT_EQ(io::to_toml(io::parse_configuration(text, "resolved.toml")), text);
}

}  // namespace
}  // namespace cevns
