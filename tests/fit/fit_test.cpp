// The likelihood and its statistics on small models whose answers are known.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cevns/core/error.hpp"
#include "cevns/fit/fit.hpp"

namespace {

using namespace cevns::fit;

/// Two regions of 6 NPE × 5 time bins: a signal peaked early in time in the on-beam
/// region, a BRN-like sample with a Gaussian-constrained normalisation and a ±1σ shape
/// variation, and a steady state with a free rate per NPE bin shared by both regions.
Model small_model(double signal_events = 100.0, double steady_per_bin = 8.0) {
  const std::size_t nx = 6, ny = 5, per = nx * ny;
  std::vector<RegionLayout> layout;
  for (int r = 0; r < 2; ++r) {
    RegionLayout l{r == 0 ? "on-beam" : "off-beam", per * r, nx, ny, {}, {}};
    for (std::size_t i = 0; i <= nx; ++i) l.npe_edges.push_back(double(i));
    for (std::size_t j = 0; j <= ny; ++j) l.time_edges_us.push_back(double(j));
    layout.push_back(l);
  }
  std::vector<double> signal(2 * per, 0.0), brn(2 * per, 0.0), brn_up(2 * per, 0.0), brn_down(2 * per, 0.0),
      ss(2 * per, 0.0);
  std::vector<std::string> ss_factor(2 * per);
  double sig_sum = 0.0;
  for (std::size_t i = 0; i < nx; ++i)
    for (std::size_t j = 0; j < ny; ++j) {
      const std::size_t b = i * ny + j;
      signal[b] = std::exp(-0.5 * double(j)) * (1.0 + double(i));
      sig_sum += signal[b];
      brn[b] = j == 0 ? 6.0 / double(nx) : 0.0;
      brn_up[b] = brn[b] * (1.0 + 0.1 * double(i));
      brn_down[b] = brn[b] * (1.0 - 0.05 * double(i));
      for (int r = 0; r < 2; ++r) {
        ss[per * r + b] = steady_per_bin;
        ss_factor[per * r + b] = "ss" + std::to_string(i);
      }
    }
  for (auto& v : signal) v *= signal_events / sig_sum;
  std::vector<Parameter> params{
      {.name = "mu", .nominal = 1.0, .lower = 0.0, .upper = 10.0, .source = "free"},
      {.name = "brn", .nominal = 1.0, .lower = 0.0, .upper = 5.0, .constraint = Constraint::gaussian, .sigma = 0.25,
       .source = "test"},
  };
  std::vector<Sample> samples{
      {.name = "signal", .nominal = signal, .norm_factors = {"mu"}},
      {.name = "brn", .nominal = brn, .norm_factors = {"brn"}, .shape_variations = {{"brn_shape", brn_up, brn_down}}},
      {.name = "ss", .nominal = ss, .bin_factors = {ss_factor}, .norm_variations = {{"ss_norm", 1.02, 0.97}}},
  };
  return Model(layout, params, samples);
}

TEST(Interpolation, JoinsTheLinearPiecesSmoothly) {
  const double up = 3.0, down = -1.0;  // an asymmetric variation
  EXPECT_DOUBLE_EQ(interpolate(1.0, up, down).value, up);
  EXPECT_DOUBLE_EQ(interpolate(-1.0, up, down).value, down);
  EXPECT_DOUBLE_EQ(interpolate(0.0, up, down).value, 0.0);
  EXPECT_DOUBLE_EQ(interpolate(2.0, up, down).value, 2.0 * up);
  EXPECT_DOUBLE_EQ(interpolate(-2.0, up, down).value, 2.0 * down);
  for (double a : {-1.0, 1.0}) {
    const double h = 1e-7;
    EXPECT_NEAR(interpolate(a - h, up, down).value, interpolate(a + h, up, down).value, 1e-6);
    EXPECT_NEAR(interpolate(a - h, up, down).derivative, interpolate(a + h, up, down).derivative, 1e-5);
  }
  // A symmetric variation is linear throughout.
  EXPECT_DOUBLE_EQ(interpolate(0.5, 2.0, -2.0).value, 1.0);
}

TEST(Model, AnalyticGradientMatchesFiniteDifferences) {
  const Model m = small_model();
  std::mt19937 rng(7);
  std::vector<double> p = m.nominal();
  for (std::size_t i = 0; i < p.size(); ++i) p[i] += std::uniform_real_distribution<double>(-0.3, 0.3)(rng);
  Dataset d = m.asimov(m.nominal());
  for (auto& c : d.counts) c = std::round(c * 1.1 + 1.0);
  std::vector<double> grad(p.size());
  m.deviance(d, p.data(), grad.data());
  for (std::size_t i = 0; i < p.size(); ++i) {
    auto q = p;
    const double h = 1e-6;
    q[i] = p[i] + h;
    const double tp = m.deviance(d, q.data(), nullptr);
    q[i] = p[i] - h;
    const double tm = m.deviance(d, q.data(), nullptr);
    EXPECT_NEAR(grad[i], (tp - tm) / (2 * h), 1e-4 * std::max(1.0, std::abs(grad[i]))) << m.parameters()[i].name;
  }
}

TEST(Model, RejectsInconsistentInput) {
  std::vector<RegionLayout> layout{{"on-beam", 0, 1, 2, {0, 1}, {0, 1, 2}}};
  EXPECT_THROW(Model(layout, {}, {{.name = "s", .nominal = {1.0}}}), cevns::ConfigError);        // 1 bin for 2
  EXPECT_THROW(Model(layout, {}, {{.name = "s", .nominal = {1.0, -1.0}}}), cevns::NumericalError);  // negative
  const Model m(layout, {}, {{.name = "s", .nominal = {1.0, 2.0}, .norm_factors = {"mu"}}});
  EXPECT_EQ(m.parameters().size(), 1u);  // created free
  EXPECT_THROW((void)m.index("nope"), cevns::ConfigError);
}

// An Asimov data set is fitted back to the parameters it was made from, to the minimiser's precision.
TEST(Fit, AsimovReturnsItsInputs) {
  Model m = small_model();
  for (double truth_mu : {1.0, 0.6}) {
    auto truth = m.nominal();
    truth[m.index("mu")] = truth_mu;
    truth[m.index("brn")] = 1.2;
    truth[m.index("ss3")] = 0.8;
    const Fitter fitter(m, m.asimov(truth));
    const auto r = fitter.fit();
    ASSERT_TRUE(r.minimum.converged) << r.minimum.status;
    ASSERT_TRUE(r.hessian_ok);
    for (std::size_t i = 0; i < truth.size(); ++i) EXPECT_NEAR(r.minimum.values[i], truth[i], 1e-5) << m.parameters()[i].name;
    EXPECT_NEAR(r.poisson_deviance, 0.0, 1e-8);  // the Asimov data are the expectation
    EXPECT_GT(r.errors[m.index("mu")], 0.0);
    // The profile interval of a near-Gaussian likelihood ≈ the Hessian error.
    const auto iv = fitter.interval(m.index("mu"), r);
    EXPECT_NEAR(0.5 * (iv.upper - iv.lower), r.errors[m.index("mu")], 0.05 * r.errors[m.index("mu")]);
    EXPECT_LT(iv.lower, truth_mu);
    EXPECT_GT(iv.upper, truth_mu);
  }
}

TEST(Fit, FixedParametersStayPut) {
  Model m = small_model();
  m.parameters()[m.index("brn")].fixed = true;
  m.parameters()[m.index("brn")].nominal = 1.5;
  const Fitter fitter(m, m.asimov(small_model().nominal()));
  const auto r = fitter.fit();
  EXPECT_DOUBLE_EQ(r.minimum.values[m.index("brn")], 1.5);
  EXPECT_EQ(r.errors[m.index("brn")], 0.0);
}

// Toys of the model cover the truth at the nominal rate: 1000 toys, the fraction within
// the Hessian ±1σ has a binomial standard deviation √(0.683·0.317/1000) = 0.015; the test
// allows 3 of them (0.045).
TEST(Fit, ToysCoverAtTheNominalRate) {
  const Model m = small_model(100.0, 8.0);
  const auto truth = m.nominal();
  const auto poi = m.index("mu");
  const auto toys = run_toys(m, truth, poi, 1000, 2024, 2);
  int covered = 0, ok = 0;
  for (std::size_t i = 0; i < toys.poi_hat.size(); ++i) {
    if (!toys.converged[i]) continue;
    ++ok;
    if (std::abs(toys.poi_hat[i] - truth[poi]) < toys.poi_error[i]) ++covered;
  }
  EXPECT_GE(ok, 990);
  EXPECT_NEAR(double(covered) / ok, 0.6827, 0.045);
  // Reproducible whatever the thread count.
  const auto again = run_toys(m, truth, poi, 20, 2024, 1);
  for (std::size_t i = 0; i < 20; ++i) EXPECT_DOUBLE_EQ(again.poi_hat[i], toys.poi_hat[i]);
}

// Wilks: under the background-only hypothesis q₀ follows ½δ(0) + ½χ²₁ (Chernoff), so
// P(q₀ > 1) = 0.1587 and P(q₀ > 4) = 0.0228. 2000 toys: binomial σ 0.0082 and 0.0033; 3σ allowed.
TEST(Fit, WilksAgreesWithToys) {
  const Model m = small_model(100.0, 8.0);
  auto truth = m.nominal();
  truth[m.index("mu")] = 0.0;
  const auto toys = run_toys(m, truth, m.index("mu"), 2000, 99, 2, true);
  int above1 = 0, above4 = 0, ok = 0;
  for (std::size_t i = 0; i < toys.q0.size(); ++i) {
    if (!toys.converged[i]) continue;
    ++ok;
    above1 += toys.q0[i] > 1.0;
    above4 += toys.q0[i] > 4.0;
  }
  EXPECT_NEAR(double(above1) / ok, wilks_p_value(1.0), 3 * 0.0082);
  EXPECT_NEAR(double(above4) / ok, wilks_p_value(4.0), 3 * 0.0033);
  EXPECT_NEAR(wilks_p_value(25.0), 2.8665e-7, 1e-10);  // 5σ one-sided
}

TEST(Fit, DiscoveryAndUpperLimitOnAsimov) {
  const Model m = small_model(100.0, 8.0);
  const auto poi = m.index("mu");
  const Fitter fitter(m, m.asimov(m.nominal()));
  const auto r = fitter.fit();
  const double q0 = fitter.q0(poi, r);
  EXPECT_GT(q0, 4.0);
  // Without signal the best fit sits at the bound, q0 = 0, and the limit is above 0.
  auto none = m.nominal();
  none[poi] = 0.0;
  const Fitter empty(m, m.asimov(none));
  const auto r0 = empty.fit();
  EXPECT_NEAR(r0.minimum.values[poi], 0.0, 1e-6);
  EXPECT_EQ(empty.q0(poi, r0), 0.0);
  const double limit = empty.upper_limit(poi, r0, 0.95);
  // Asimov limit ≈ 1.645 σ(μ) with σ from the Asimov fit with signal (same order).
  EXPECT_GT(limit, 1.0 * r.errors[poi]);
  EXPECT_LT(limit, 2.5 * r.errors[poi]);
}

}  // namespace
