// The tabulated flux in the source: histogram spectra, tabulated arrival times, per-flavour flux.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "cevns/core/constants.hpp"
#include "cevns/source/decay_at_rest_source.hpp"

namespace cevns {
namespace {

TEST(HistogramSpectrum, TailMomentsAreTheClosedForms) {
  // 1 neutrino uniform on [10, 20) and 3 on [20, 40): densities 0.025 and 0.0375 per MeV.
  const auto s = NeutrinoSpectrum::histogram({10.0, 20.0, 40.0, 50.0}, {1.0, 3.0, 0.0});
  EXPECT_DOUBLE_EQ(s.max_energy(), 40.0);  // the empty last bin does not count
  EXPECT_DOUBLE_EQ(s.density(15.0), 0.025);
  EXPECT_DOUBLE_EQ(s.density(39.0), 0.0375);
  EXPECT_EQ(s.density(45.0), 0.0);
  for (int k : {-2, -1, 0, 1, 2, 3}) {
    const auto integral = [k](double a, double b) {
      return k == -1 ? std::log(b / a) : (std::pow(b, k + 1) - std::pow(a, k + 1)) / (k + 1);
    };
    for (double low : {0.0, 12.0, 20.0, 33.0}) {
      const double a = std::max(low, 10.0);
      const double expected = a < 20.0 ? 0.025 * integral(a, 20.0) + 0.0375 * integral(20.0, 40.0)
                                       : 0.0375 * integral(a, 40.0);
      EXPECT_NEAR(s.tail_moment(k, low), expected, 1e-13 * std::abs(expected)) << "k " << k << " low " << low;
    }
  }
  EXPECT_EQ(s.tail_moment(0, 40.0), 0.0);
  EXPECT_THROW(NeutrinoSpectrum::histogram({0.0, 1.0}, {-1.0}), std::invalid_argument);
  EXPECT_THROW(NeutrinoSpectrum::histogram({0.0, 1.0}, {0.0}), std::invalid_argument);
  EXPECT_THROW(NeutrinoSpectrum::histogram({1.0, 0.5}, {1.0}), std::invalid_argument);
  // A bin from 0: the k < 0 moments stay finite at E_min = 0 (cut at 1e-12 MeV).
  EXPECT_TRUE(std::isfinite(NeutrinoSpectrum::histogram({0.0, 1.0}, {1.0}).tail_moment(-2, 0.0)));
}

TEST(TabulatedArrivalTime, IsTheCumulativeTableShiftedByTheFlight) {
  std::array<std::vector<double>, 4> content{std::vector<double>{1.0, 3.0}, std::vector<double>{2.0, 2.0},
                                             std::vector<double>{0.0, 1.0}, std::vector<double>{}};
  const ArrivalTimeModel model({0.0, 100.0, 300.0}, content, 35.0);
  EXPECT_EQ(model.cdf(Flavor::nu_mu, 35.0), 0.0);
  EXPECT_DOUBLE_EQ(model.cdf(Flavor::nu_mu, 85.0), 0.125);
  EXPECT_DOUBLE_EQ(model.cdf(Flavor::nu_mu, 135.0), 0.25);
  EXPECT_DOUBLE_EQ(model.cdf(Flavor::nu_mu, 235.0), 0.625);
  EXPECT_EQ(model.cdf(Flavor::nu_mu, 400.0), 1.0);
  EXPECT_DOUBLE_EQ(model.pdf(Flavor::nu_mu, 200.0), 0.75 / 200.0);
  EXPECT_DOUBLE_EQ(model.probability(Flavor::nubar_mu, 0.0, 135.0), 0.0);
  EXPECT_DOUBLE_EQ(model.cdf(Flavor::nubar_e, 85.0), model.cdf(Flavor::nu_e, 85.0));  // absent: ν_e's, no flux
}

TEST(TabulatedSource, FluxPerFlavourIsTheTableSumOverTheSphere) {
  SourceConfig config;
  auto table = std::make_shared<FluxTable>();
  table->file = "test";
  table->energy_edges_MeV = {0.0, 30.0, 60.0};
  table->time_edges_ns = {0.0, 1000.0};
  table->nu_per_pot = {std::vector<double>{0.1, 0.0}, std::vector<double>{0.05, 0.05}, std::vector<double>{0.02, 0.08},
                       std::vector<double>{0.0, 0.001}};
  config.flux = FluxModel::table;
  config.flux_table = table;
  const DecayAtRestSource source(config);
  ASSERT_EQ(source.flavors().size(), 4u);
  // protons per ns / 4πL², CSNS defaults: 140 kW / 1.6 GeV at 10.5 m.
  const double protons_per_s = 140e3 / (1.6e9 * 1.602176634e-19);
  const double per_cm2_s = protons_per_s / (4.0 * std::numbers::pi * 1050.0 * 1050.0);
  const double to_per_cm2_s = units::cm2 * units::s;
  EXPECT_NEAR(source.flux(Flavor::nu_mu) * to_per_cm2_s, 0.1 * per_cm2_s, 1e-9 * per_cm2_s);
  EXPECT_NEAR(source.flux(Flavor::nubar_e) * to_per_cm2_s, 0.001 * per_cm2_s, 1e-11 * per_cm2_s);
  EXPECT_NEAR(source.flux() * to_per_cm2_s, 0.1 * per_cm2_s, 1e-9 * per_cm2_s);  // the DAR flavours' mean
  EXPECT_DOUBLE_EQ(source.spectrum(Flavor::nubar_mu).tail_moment(0, 30.0), 0.8);
  // The analytic source: three flavours, no ν̄_e flux.
  const DecayAtRestSource analytic{SourceConfig{}};
  EXPECT_EQ(analytic.flavors().size(), 3u);
  EXPECT_EQ(analytic.flux(Flavor::nubar_e), 0.0);
  EXPECT_EQ(analytic.flux(Flavor::nu_e), analytic.flux());
}

}  // namespace
}  // namespace cevns
