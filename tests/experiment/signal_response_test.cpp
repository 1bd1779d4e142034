// The cached detector response of `cevns scan` (signal_response.hpp) against the full
// prediction: the same selected NPE × time signal for other cross sections.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cevns/experiment/prediction.hpp"
#include "cevns/experiment/signal_response.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns {
namespace {

ExperimentConfig load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + name, overrides);
}

/// The largest |a − b| / max(b, 1e-3 × total) over the bins of every flavour.
double worst_relative(const std::map<Flavor, Spectrum2D>& a, const std::map<Flavor, Spectrum2D>& b) {
  double worst = 0.0;
  for (const auto& [flavor, s] : b) {
    const auto& t = a.at(flavor);
    EXPECT_EQ(t.counts.size(), s.counts.size());
    const double floor = 1e-3 * s.total() / static_cast<double>(s.counts.size());
    for (std::size_t i = 0; i < s.counts.size(); ++i)
      worst = std::max(worst, std::abs(t.counts[i] - s.counts[i]) / std::max(s.counts[i], floor));
  }
  return worst;
}

// The response built at the nominal physics, evaluated at other physics.* values, must give
// what predict() gives with those values: the map is linear in dσ/dT on the same nodes, so
// the agreement is to round-off (tolerance 1e-10 relative per bin). A term added outside
// the cross section (in predict() only) would break it and fail here. (≈ 18 s: 10 full
// predictions of five configurations, each with its background models.)
TEST(SignalResponse, MatchesFullPredictionForOtherPhysics) {
  const std::vector<std::vector<std::string>> points = {
      {"physics.sin2_theta_w=0.20", "physics.neutron_skin_fm=-0.3"},
      {"physics.form_factor=symmetrized-fermi", "physics.nsi.eps_u_ee=0.2", "physics.magnetic_moment_nu_mu_muB=1e-8"},
  };
  // COHERENT 2017 also with the Gamma resolution and the acceptance at the continuous PE
  // (the other folding of predict), and with a time efficiency.
  const std::vector<std::string> gamma = {"detector.resolution.model=gamma", "selection.acceptance.evaluate_at=continuous",
                                          "selection.time_efficiency.model=exponential"};
  // CLOVERS also with crystals of two PMT shares (two groups, each selected with its own
  // coincidence).
  const std::vector<std::string> shares = {"detector.pmt_share=[0.5, 0.5, 0.5, 0.9]"};
  // CLOVERS with per-crystal quenching and acceptance (at the continuous PE of the Gamma
  // resolution): three groups of acceptance, two quenching models folded within them.
  const std::string logistic = "model = 'logistic', evaluate_at = 'continuous'";
  const std::vector<std::string> per_crystal = {
      "detector.resolution.model=gamma",
      "detector.quenching=[{model = 'constant', constant_qf = 0.06}, {}, {}, {model = 'constant', constant_qf = 0.06}]",
      "selection.acceptance=[{" + logistic + "}, {" + logistic + ", x0 = 6.0}, {" + logistic + "}, {model = 'none', "
      "evaluate_at = 'continuous'}]"};
  const std::vector<std::pair<std::string, std::vector<std::string>>> setups = {
      {"coherent-csi-2017.toml", {}}, {"coherent-csi-2017.toml", gamma}, {"clovers.toml", {}},
      {"clovers.toml", shares},       {"clovers.toml", per_crystal},    {"cicenns.toml", {}}};
  for (const auto& [file, base] : setups) {
    const SignalResponse response(load(file, base));
    EXPECT_EQ(response.continuous_acceptance(), base == gamma || base == per_crystal);
    EXPECT_EQ(response.groups().size(), base == shares ? 2u : base == per_crystal ? 3u : 1u);
    for (auto overrides : points) {
      overrides.insert(overrides.begin(), base.begin(), base.end());
      const auto config = load(file, overrides);
      const auto full = predict(config);
      const auto fast = response.signal(config.physics);
      EXPECT_LT(worst_relative(fast, full.signal), 1e-10) << file << " " << overrides.back();
      // And it does move: the point differs from the nominal prediction.
      EXPECT_GT(worst_relative(fast, response.signal(load(file, base).physics)), 1e-3) << file << " " << overrides.back();
    }
  }
}

}  // namespace
}  // namespace cevns
