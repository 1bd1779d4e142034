// The Monte Carlo with a tabulated flux (source.flux = "table"): it draws from the table the
// prediction uses, ν̄_e included. χ² with fixed seeds, passing when p > 10⁻³ (as
// simulation_test.cpp).
#include <gtest/gtest.h>


#include "../experiment/dar_flux_table.hpp"
#include "cevns/core/constants.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/source/decay_at_rest_source.hpp"
#include "sampling.hpp"

namespace cevns::daq {
namespace {

using test::chi2_p_value;

/// CLOVERS with the analytic model tabulated, plus a ν̄_e of 2 % of the ν_μ flux with ν_μ's
/// 29.8 MeV line and ν_e's (delayed) timing: a pair unlike any DAR flavour's, so that a
/// sampler reading another flavour's table fails.
SimulationConfig clovers_with_nubar_e() {
  auto config = io::read_simulation_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml");
  auto table = test::dar_flux_table(config.experiment.source, test::line_centred_energy_edges(59),
                                    test::dar_time_edges(50.0));
  auto& nubar_e = table->nu_per_pot[static_cast<std::size_t>(Flavor::nubar_e)];
  const auto line = table->energy_marginal(Flavor::nu_mu), delayed = table->time_marginal(Flavor::nu_e);
  const double nu_mu = table->total(Flavor::nu_mu), nu_e = table->total(Flavor::nu_e);
  for (double n_energy : line)
    for (double n_time : delayed) nubar_e.push_back(0.02 * n_energy * n_time / nu_e);
  EXPECT_NEAR(table->total(Flavor::nubar_e), 0.02 * nu_mu, 1e-12);
  config.experiment.source.flux = FluxModel::table;
  config.experiment.source.flux_table = table;
  return config;
}

TEST(FluxTableSimulation, DrawsTimesAndEnergiesOfEveryFlavourFromTheTable) {
  const auto config = clovers_with_nubar_e();
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  const DecayAtRestSource source(config.experiment.source);
  const Prediction prediction = predict(config.experiment);
  ASSERT_EQ(source.flavors().size(), 4u);
  // The table's times shifted by the flight: the CDF is linear inside each 50 ns table bin.
  const double flight_ns = config.experiment.source.distance_m * units::m / constants::speed_of_light;
  const auto& table = *config.experiment.source.flux_table;
  Rng rng = random_stream(11, 0);
  for (Flavor flavor : source.flavors()) {
    const auto marginal = table.time_marginal(flavor);
    const double total = table.total(flavor);
    std::vector<double> cdf_at_edges{0.0};
    for (double n : marginal) cdf_at_edges.push_back(cdf_at_edges.back() + n / total);
    const auto table_cdf = [&](double t_ns) {  // by hand, from the cells
      const double at_target = t_ns - flight_ns;
      const auto& edges = table.time_edges_ns;
      if (at_target <= edges.front()) return 0.0;
      for (std::size_t j = 0; j + 1 < edges.size(); ++j)
        if (at_target < edges[j + 1])
          return cdf_at_edges[j] + (at_target - edges[j]) / (edges[j + 1] - edges[j]) * (cdf_at_edges[j + 1] - cdf_at_edges[j]);
      return 1.0;
    };
    const Binning bins = Binning::uniform(-500.0, 10000.0, 210);  // ns
    std::vector<double> probability(bins.size());
    double inside = 0.0;
    for (std::size_t i = 0; i < bins.size(); ++i) inside += probability[i] = table_cdf(bins.high(i)) - table_cdf(bins.low(i));
    for (double& p : probability) p /= inside;
    constexpr int draws = 20000;
    const auto sampled = test::sampled_arrivals_ns(simulation, flavor, bins, draws, rng);
    EXPECT_GT(chi2_p_value(sampled.counts, probability, sampled.kept), 1e-3) << flavor_name(flavor);

    // Recoil energies: the prediction's spectrum of this flavour (from the table's energies).
    const Spectrum expected = prediction.recoil_spectrum([flavor](const ChannelPrediction& c) { return c.flavor == flavor; });
    std::vector<double> recoils(expected.counts.size(), 0.0), p_recoil(expected.counts.size());
    for (int i = 0; i < draws; ++i) {
      const auto bin = static_cast<std::size_t>(simulation.sample_recoil_keVnr(flavor, rng) / expected.binning.width(0));
      if (bin < recoils.size()) recoils[bin] += 1.0;
    }
    for (std::size_t i = 0; i < p_recoil.size(); ++i) p_recoil[i] = expected.counts[i] / expected.total();
    EXPECT_GT(chi2_p_value(recoils, p_recoil, draws), 1e-3) << flavor_name(flavor);
  }
  // ν̄_e is a source of its own, at the prediction's rate per proton.
  const auto nubar_e = static_cast<std::uint16_t>(Simulation::first_cevns + static_cast<int>(Flavor::nubar_e));
  ASSERT_GT(simulation.source_names().size(), nubar_e);
  EXPECT_EQ(simulation.source_names()[nubar_e], "CEvNS nubar_e");
  const double pot_per_pulse = source.proton_rate() * units::s / config.experiment.source.beam.repetition_rate_Hz;
  EXPECT_NEAR(simulation.expected_per_trigger(nubar_e),
              prediction.events_by_flavor().at(Flavor::nubar_e) / prediction.protons_on_target * pot_per_pulse,
              1e-9 * simulation.expected_per_trigger(nubar_e));
}

}  // namespace
}  // namespace cevns::daq
