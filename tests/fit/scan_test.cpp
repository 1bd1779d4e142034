// Profile-likelihood scans (scan.hpp) on a small model whose answers are known otherwise.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "cevns/core/cancelled.hpp"
#include "cevns/core/error.hpp"
#include "cevns/fit/fit.hpp"
#include "cevns/fit/scan.hpp"

namespace {

using namespace cevns::fit;

/// One region of 6 NPE × 5 time bins: a signal (free or constrained normalisation "mu"),
/// a constant background with a constrained normalisation and a ±1σ shape variation.
Model small_model(Constraint mu_constraint = Constraint::none) {
  const std::size_t nx = 6, ny = 5;
  RegionLayout l{"on-beam", 0, nx, ny, {}, {}};
  for (std::size_t i = 0; i <= nx; ++i) l.npe_edges.push_back(double(i));
  for (std::size_t j = 0; j <= ny; ++j) l.time_edges_us.push_back(double(j));
  std::vector<double> signal(nx * ny), bkg(nx * ny, 5.0), up(nx * ny), down(nx * ny);
  for (std::size_t i = 0; i < nx; ++i)
    for (std::size_t j = 0; j < ny; ++j) {
      signal[i * ny + j] = 20.0 * std::exp(-0.5 * double(j)) * (1.0 + double(i)) / 6.0;
      up[i * ny + j] = signal[i * ny + j] * (1.0 + 0.02 * double(i));
      down[i * ny + j] = signal[i * ny + j] * (1.0 - 0.02 * double(i));
    }
  std::vector<Parameter> params{
      {.name = "mu", .nominal = 1.0, .lower = 0.0, .upper = 10.0, .constraint = mu_constraint, .sigma = 0.1},
      {.name = "bkg", .nominal = 1.0, .lower = 0.0, .upper = 5.0, .constraint = Constraint::gaussian, .sigma = 0.2},
  };
  std::vector<Sample> samples{{.name = "signal", .nominal = signal, .norm_factors = {"mu"},
                               .shape_variations = {{"shape", up, down}}},
                              {.name = "bkg", .nominal = bkg, .norm_factors = {"bkg"}}};
  return Model({l}, params, samples);
}

/// The signal template of `model` scaled by `s` (a "cross-section parameter").
PointTemplates scaled(const Model& model) {
  const auto base = model.samples().front().nominal;
  return [base](const std::vector<double>& v) {
    auto t = base;
    for (auto& x : t) x *= v.at(0);
    return std::map<std::string, std::vector<double>>{{"signal", t}};
  };
}

TEST(ScanAxis, ParsesAndRejects) {
  const auto a = parse_scan_axis("physics.sin2_theta_w=0.1:0.4:31");
  EXPECT_EQ(a.name, "physics.sin2_theta_w");
  EXPECT_DOUBLE_EQ(a.low, 0.1);
  EXPECT_DOUBLE_EQ(a.high, 0.4);
  EXPECT_EQ(a.points, 31);
  EXPECT_DOUBLE_EQ(a.values().back(), 0.4);
  EXPECT_NEAR(a.values()[10], 0.2, 1e-15);
  for (const char* bad : {"x", "=0:1:3", "x=0:1", "x=1:0:3", "x=0:1:1", "x=0:1:2.5", "x=a:1:3", "x=0:1:100000"})
    EXPECT_THROW(parse_scan_axis(bad), cevns::ConfigError) << bad;
}

TEST(ScanLevels, AreTheChiSquaredQuantiles) {
  // PDG Review of Particle Physics, Statistics, Table 40.2: Δχ² for 68.27 %, 90 %, 95.45 %,
  // 99.73 % at 1 and 2 degrees of freedom (to the 3 decimals printed there).
  const auto one = wilks_levels(1), two = wilks_levels(2);
  const double table1[] = {1.00, 2.71, 4.00, 9.00}, table2[] = {2.30, 4.61, 6.18, 11.83};
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(one[k].delta_chi2, table1[k], 0.005) << one[k].name;
    EXPECT_NEAR(two[k].delta_chi2, table2[k], 0.005) << two[k].name;
  }
  EXPECT_EQ(one[1].name, "90%");
}

// Scanning a factor s on the signal template with the normalisation mu constrained is the
// same likelihood as the profile of mu·s: the interval of the scan must be the MINOS
// interval of the Fitter on a model where the factor is a free parameter (to the grid's
// linear interpolation, 2e-3 on a 401-point grid).
TEST(ProfileScan, OneDimensionalIntervalIsTheProfileInterval) {
  const Model model = small_model(Constraint::none);
  const Dataset data = model.asimov(model.nominal());
  // The scan of s with mu fixed at 1 (so that s carries the rate) against the profile of mu.
  Model held = model;
  held.parameters()[0].fixed = true;
  const ScanResult scan = profile_scan(held, data, {{"s", 0.5, 1.6, 401}}, scaled(held), {1.0});
  const Fitter fitter(model, data);
  const auto best = fitter.fit();
  const auto one = fitter.interval(0, best, 1.0), two = fitter.interval(0, best, 4.0);
  ASSERT_EQ(scan.intervals.size(), 4u);
  ASSERT_EQ(scan.intervals[0].ranges.size(), 1u);
  EXPECT_NEAR(scan.intervals[0].ranges[0].first, one.lower, 2e-3);
  EXPECT_NEAR(scan.intervals[0].ranges[0].second, one.upper, 2e-3);
  EXPECT_NEAR(scan.intervals[2].ranges[0].first, two.lower, 2e-3);
  EXPECT_NEAR(scan.intervals[2].ranges[0].second, two.upper, 2e-3);
  EXPECT_NEAR(scan.reference_delta, 0.0, 1e-6);  // Asimov data: the reference is the minimum
  EXPECT_FALSE(scan.intervals[0].at_low_edge);
  EXPECT_TRUE(scan.intervals[3].at_low_edge || scan.intervals[3].ranges[0].first > 0.5);
}

// Two-dimensional: s on the signal and the background's own scale as the second axis
// (through with_templates on the background). The region's projection at Δχ² < 2.30 is
// wider than the 1-D interval at Δχ² < 1 (2 dof), and the result does not depend on the
// number of threads.
TEST(ProfileScan, TwoDimensionalIsDeterministicAcrossThreads) {
  const Model model = small_model(Constraint::gaussian);
  const Dataset data = model.asimov(model.nominal());
  const auto base_s = model.samples()[0].nominal, base_b = model.samples()[1].nominal;
  const PointTemplates templates = [&](const std::vector<double>& v) {
    auto s = base_s, b = base_b;
    for (auto& x : s) x *= v[0];
    for (auto& x : b) x *= v[1];
    return std::map<std::string, std::vector<double>>{{"signal", s}, {"bkg", b}};
  };
  const std::vector<ScanAxis> axes{{"s", 0.3, 1.8, 16}, {"b", 0.5, 1.5, 11}};
  ScanOptions one_thread, three_threads;
  three_threads.threads = 3;
  std::size_t calls = 0;
  one_thread.progress = [&calls](std::size_t done, std::size_t total) {
    ++calls;
    EXPECT_LE(done, total);
  };
  const auto a = profile_scan(model, data, axes, templates, {1.0, 1.0}, one_thread);
  const auto b = profile_scan(model, data, axes, templates, {1.0, 1.0}, three_threads);
  EXPECT_EQ(calls, 16u * 11u);
  ASSERT_EQ(a.delta.size(), 16u * 11u);
  for (std::size_t i = 0; i < a.delta.size(); ++i) {
    EXPECT_EQ(a.deviance[i], b.deviance[i]) << i;
    EXPECT_TRUE(a.converged[i]);
  }
  EXPECT_EQ(a.dof, 2);
  EXPECT_NEAR(a.levels[0].delta_chi2, 2.2958, 1e-3);
  const auto csv = to_csv(a);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 16 * 11);
  const auto j = to_json(a);
  EXPECT_EQ(j["axes"].size(), 2u);
  EXPECT_EQ(j["delta_chi2"].size(), 16u * 11u);
}

TEST(ProfileScan, WithTemplatesKeepsRelativeVariations) {
  const Model model = small_model();
  auto t = model.samples()[0].nominal;
  for (auto& x : t) x *= 2.0;
  const Model doubled = with_templates(model, {{"signal", t}});
  const auto& v0 = model.samples()[0].shape_variations[0];
  const auto& v1 = doubled.samples()[0].shape_variations[0];
  for (std::size_t b = 0; b < t.size(); ++b) EXPECT_DOUBLE_EQ(v1.up[b], 2.0 * v0.up[b]);
  EXPECT_THROW(with_templates(model, {{"signal", std::vector<double>(3, 1.0)}}), cevns::ConfigError);
}

TEST(ProfileScan, RejectsBadAxes) {
  const Model model = small_model();
  const Dataset data = model.asimov(model.nominal());
  EXPECT_THROW(profile_scan(model, data, {}, scaled(model), {}), cevns::ConfigError);
  EXPECT_THROW(profile_scan(model, data, {{"s", 0, 1, 3}, {"s", 0, 1, 3}}, scaled(model), {1, 1}), cevns::ConfigError);
}

// A stop flag set after the 5th point: no point starts after it, and the scan throws
// Cancelled instead of returning a partial grid; a flag never set changes nothing.
TEST(ProfileScan, StopsWhenAsked) {
  const Model model = small_model(Constraint::gaussian);
  const Dataset data = model.asimov(model.nominal());
  std::atomic<bool> stop{false};
  std::size_t fitted = 0;
  ScanOptions options;
  options.stop = &stop;
  options.progress = [&](std::size_t done, std::size_t) {
    fitted = done;
    if (done == 5) stop = true;
  };
  EXPECT_THROW(profile_scan(model, data, {{"s", 0.5, 1.6, 101}}, scaled(model), {1.0}, options), cevns::Cancelled);
  EXPECT_EQ(fitted, 5u);
  stop = false;
  options.progress = nullptr;
  const auto whole = profile_scan(model, data, {{"s", 0.5, 1.6, 11}}, scaled(model), {1.0}, options);
  EXPECT_EQ(whole.delta.size(), 11u);
}

}  // namespace
