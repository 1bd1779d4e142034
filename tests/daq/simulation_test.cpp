// The Monte Carlo against the analytic models it samples (χ² with fixed seeds), and its
// reproducibility. Each χ² test passes when the p-value exceeds 10⁻³; the seeds are fixed,
// so a pass is deterministic, and a wrong distribution fails by many orders of magnitude.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>


#include "cevns/daq/simulation.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/source/decay_at_rest_source.hpp"
#include "sampling.hpp"

namespace cevns::daq {
namespace {

using test::chi2_p_value;

SimulationConfig clovers(const std::vector<std::string>& overrides = {}) {
  return io::read_simulation_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml", overrides);
}

TEST(SimulationSamplers, RecoilEnergiesFollowThePrediction) {
  const auto config = clovers();
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  const Prediction prediction = predict(config.experiment);
  Rng rng = random_stream(1, 0);
  for (Flavor flavor : all_flavors) {
    const Spectrum expected = prediction.recoil_spectrum([flavor](const ChannelPrediction& c) { return c.flavor == flavor; });
    std::vector<double> observed(expected.counts.size(), 0.0);
    constexpr int draws = 20000;
    for (int i = 0; i < draws; ++i) {
      const double t = simulation.sample_recoil_keVnr(flavor, rng);
      const auto bin = static_cast<std::size_t>(t / expected.binning.width(0));
      if (bin < observed.size()) observed[bin] += 1.0;
    }
    std::vector<double> probability(expected.counts.size());
    for (std::size_t i = 0; i < probability.size(); ++i) probability[i] = expected.counts[i] / expected.total();
    EXPECT_GT(chi2_p_value(observed, probability, draws), 1e-3) << flavor_name(flavor);
  }
}

TEST(SimulationSamplers, ArrivalTimesFollowTheBeamModel) {
  const auto config = clovers();
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  const DecayAtRestSource source(config.experiment.source);
  Rng rng = random_stream(2, 0);
  for (Flavor flavor : all_flavors) {
    const Binning bins = Binning::uniform(-500.0, 10000.0, 210);  // ns
    std::vector<double> probability(bins.size());
    double inside = 0.0;
    for (std::size_t i = 0; i < bins.size(); ++i)
      inside += probability[i] = source.arrival_time().probability(flavor, bins.low(i), bins.high(i));
    const auto sampled = test::sampled_arrivals_ns(simulation, flavor, bins, 20000, rng);
    for (double& p : probability) p /= inside;
    EXPECT_GT(chi2_p_value(sampled.counts, probability, sampled.kept), 1e-3) << flavor_name(flavor);
  }
}

TEST(SimulationSamplers, ScintillationDelaysAreExponential) {
  // Undoped CsI at 80 K: one component of 1015 ns (Amsler et al. 2002).
  const Simulation simulation(clovers(), WaveformMode::zero_suppressed);
  Rng rng = random_stream(3, 0);
  const Binning bins = Binning::uniform(0.0, 8000.0, 80);
  std::vector<double> observed(bins.size(), 0.0), probability(bins.size());
  constexpr int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    const double t = simulation.sample_scintillation_delay_ns(rng);
    if (t < 8000.0) observed[static_cast<std::size_t>(t / 100.0)] += 1.0;
  }
  for (std::size_t i = 0; i < bins.size(); ++i) probability[i] = std::exp(-bins.low(i) / 1015.0) - std::exp(-bins.high(i) / 1015.0);
  EXPECT_GT(chi2_p_value(observed, probability, draws), 1e-3);
}

TEST(SimulationSamplers, FirstPhotoelectronDelayIsWhatThePredictionAssumes) {
  // A two-component profile (30 % 60 ns, 70 % 1015 ns) and the 2 ns transit jitter: the
  // first of n photoelectrons, each drawn as the Monte Carlo draws it (its scintillation
  // sampler, then the normal transit time of add_photoelectron), against the prediction's
  // P(D_n > t) = S(t)ⁿ (ArrivalDelayConfig as the reader fills it, less the reconstruction's
  // pulse offset): χ² over 40 bins, p > 10⁻³, for n = 1, 6 and 40.
  auto config = clovers({"detector.scintillation.decay_times_ns=[60.0, 1015.0]", "detector.scintillation.weights=[0.3, 0.7]"});
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  ArrivalDelayConfig delay = config.experiment.detector.arrival_delay;
  ASSERT_EQ(delay.decay_times_ns.size(), 2U);
  EXPECT_EQ(delay.transit_time_spread_ns, config.daq.pmt.transit_time_spread_ns);
  EXPECT_GT(delay.offset_ns, 0.0);
  delay.offset_ns = 0.0;
  Rng rng = random_stream(11, 0);
  for (int n : {1, 6, 40}) {
    const double scale = 3.0 * (n == 1 ? 1015.0 : 200.0 / n);
    const Binning bins = Binning::uniform(-10.0, scale, 40);
    std::vector<double> observed(bins.size(), 0.0), probability(bins.size());
    constexpr int draws = 20000;
    for (int i = 0; i < draws; ++i) {
      double first = 1e300;
      for (int k = 0; k < n; ++k)
        first = std::min(first, simulation.sample_scintillation_delay_ns(rng) +
                                    std::normal_distribution<double>(0.0, config.daq.pmt.transit_time_spread_ns)(rng));
      if (first >= bins.low(0) && first < bins.high(bins.size() - 1))
        observed[static_cast<std::size_t>((first - bins.low(0)) / bins.width(0))] += 1.0;
    }
    for (std::size_t i = 0; i < bins.size(); ++i)
      probability[i] = delay.survival(bins.low(i), n) - delay.survival(bins.high(i), n);
    EXPECT_GT(chi2_p_value(observed, probability, draws), 1e-3) << n << " photoelectrons";
  }
}

/// All blocks of a run.
std::vector<TriggerBlock> run(const Simulation& simulation, std::uint64_t triggers, std::uint64_t seed, int threads) {
  std::vector<TriggerBlock> blocks;
  run_simulation(simulation, triggers, seed, threads, [&](TriggerBlock&& b) { blocks.push_back(std::move(b)); });
  return blocks;
}

TEST(Simulation, PhotoelectronsOfCevnsFollowThePredictedNpeSpectrum) {
  // A detector 1000 times heavier under a beam 1000 times stronger sees ~1 CEvNS per
  // trigger; its true NPE per interaction follows predict()'s spectrum before selection.
  const auto config = clovers({"detector.mass_kg=12000", "source.beam_power_kW=140000", "daq.triggers_per_block=1000"});
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  const Prediction prediction = predict(config.experiment);
  std::vector<double> observed(prediction.npe_before_selection.begin()->second.counts.size(), 0.0);
  std::vector<double> probability(observed.size(), 0.0);
  double expected_total = 0.0;
  for (const auto& [flavor, s] : prediction.npe_before_selection)
    for (std::size_t n = 0; n < s.counts.size(); ++n) probability[n] += s.counts[n], expected_total += s.counts[n];
  for (double& p : probability) p /= expected_total;
  double interactions = 0.0;
  for (const auto& block : run(simulation, 4000, 7, 2))
    for (const auto& i : block.interactions)
      if (i.source >= Simulation::first_cevns && i.source < Simulation::first_cevns + 3) {
        observed[std::min<std::size_t>(i.photoelectrons, observed.size() - 1)] += 1.0;
        interactions += 1.0;
      }
  // The count itself: expected per trigger × triggers, within 4σ.
  double per_trigger = 0.0;
  for (int f = 0; f < 3; ++f) per_trigger += simulation.expected_per_trigger(static_cast<std::uint16_t>(Simulation::first_cevns + f));
  EXPECT_NEAR(interactions, per_trigger * 4000, 4.0 * std::sqrt(per_trigger * 4000));
  EXPECT_GT(chi2_p_value(observed, probability, interactions), 1e-3);
}

TEST(Simulation, PmtSharePerCrystal) {
  // detector.pmt_share = [0.5, 0.5, 0.5, 0.9]: the photoelectrons of CEvNS in crystal 3 go
  // to its first PMT (channel 6) with probability 0.9, those of the others to theirs with ½
  // (binomial, 5σ). A list of four equal values draws the same run as one value.
  const std::vector<std::string> heavy{"detector.mass_kg=12000", "source.beam_power_kW=140000",
                                       "daq.triggers_per_block=500"};
  auto skewed = heavy;
  skewed.emplace_back("detector.pmt_share=[0.5, 0.5, 0.5, 0.9]");
  const Simulation simulation(clovers(skewed), WaveformMode::zero_suppressed);
  std::vector<double> first(4, 0.0), all(4, 0.0);
  for (const auto& block : run(simulation, 1000, 11, 2))
    for (const auto& pe : block.photoelectrons)
      if (pe.source >= Simulation::first_cevns && pe.source < Simulation::first_cevns + 3) {
        all[pe.channel / 2] += 1.0;
        if (pe.channel % 2 == 0) first[pe.channel / 2] += 1.0;
      }
  for (std::size_t c = 0; c < 4; ++c) {
    const double p = c == 3 ? 0.9 : 0.5;
    ASSERT_GT(all[c], 1000.0) << c;
    EXPECT_NEAR(first[c] / all[c], p, 5.0 * std::sqrt(p * (1.0 - p) / all[c])) << "crystal " << c;
  }
  auto same = heavy;
  same.emplace_back("detector.pmt_share=[0.5, 0.5, 0.5, 0.5]");
  const auto one = run(Simulation(clovers(heavy), WaveformMode::zero_suppressed), 500, 3, 1);
  const auto four = run(Simulation(clovers(same), WaveformMode::zero_suppressed), 500, 3, 1);
  ASSERT_EQ(one.size(), four.size());
  for (std::size_t b = 0; b < one.size(); ++b) {
    ASSERT_EQ(one[b].photoelectrons.size(), four[b].photoelectrons.size());
    for (std::size_t i = 0; i < one[b].photoelectrons.size(); ++i)
      EXPECT_EQ(one[b].photoelectrons[i].channel, four[b].photoelectrons[i].channel);
  }
}

TEST(Simulation, DarkRateAndQuenchingPerCrystal) {
  // daq.pmt.dark_rate_Hz = [1000, 1000, 1000, 20000]: crystal c's two PMTs draw Poisson
  // dark pulses at r_c over the 51 µs window W, so crystal c sees 2 r_c W per trigger
  // (Poisson, 5σ), and both its PMTs have one in a trigger with probability
  // (1 − e^(−r_c W))² (binomial, 5σ): 0.0025 at 1 kHz, 0.41 at 20 kHz. Single-PE pulses.
  const std::vector<double> rates{1000.0, 1000.0, 1000.0, 20000.0};
  const Simulation simulation(clovers({"daq.pmt.dark_rate_Hz=[1000, 1000, 1000, 20000]", "daq.pmt.dark_multi_pe_fraction=0"}),
                              WaveformMode::zero_suppressed);
  constexpr std::uint64_t triggers = 20000;
  const double window_s = 51e-6;
  std::vector<double> pulses(4, 0.0), both(4, 0.0);
  for (const auto& block : run(simulation, triggers, 5, 2)) {
    std::map<std::uint64_t, std::vector<int>> sides;  // trigger → [channel] dark PE
    for (const auto& pe : block.photoelectrons)
      if (pe.source == Simulation::dark_count) {
        pulses[pe.channel / 2] += 1.0;
        auto& seen = sides[pe.trigger_id];
        seen.resize(8, 0);
        seen[pe.channel] = 1;
      }
    for (const auto& [trigger, seen] : sides)
      for (int c = 0; c < 4; ++c) both[c] += seen[2 * c] && seen[2 * c + 1] ? 1.0 : 0.0;
  }
  for (int c = 0; c < 4; ++c) {
    const double expected = 2.0 * rates[c] * window_s * triggers;
    EXPECT_NEAR(simulation.expected_dark_counts(c) * triggers, expected, 1e-9 * expected) << c;
    EXPECT_NEAR(pulses[c], expected, 5.0 * std::sqrt(expected)) << "crystal " << c;
    const double p = std::pow(-std::expm1(-rates[c] * window_s), 2.0);
    EXPECT_NEAR(both[c], p * triggers, 5.0 * std::sqrt(p * (1.0 - p) * triggers)) << "crystal " << c;
  }
  // Equal rates draw the same run as one value.
  const auto one = run(Simulation(clovers({"daq.pmt.dark_rate_Hz=300"}), WaveformMode::zero_suppressed), 300, 3, 1);
  const auto four =
      run(Simulation(clovers({"daq.pmt.dark_rate_Hz=[300, 300, 300, 300]"}), WaveformMode::zero_suppressed), 300, 3, 1);
  ASSERT_EQ(one.size(), four.size());
  for (std::size_t b = 0; b < one.size(); ++b) {
    ASSERT_EQ(one[b].photoelectrons.size(), four[b].photoelectrons.size());
    for (std::size_t i = 0; i < one[b].photoelectrons.size(); ++i) {
      EXPECT_EQ(one[b].photoelectrons[i].channel, four[b].photoelectrons[i].channel);
      EXPECT_EQ(one[b].photoelectrons[i].time_ns, four[b].photoelectrons[i].time_ns);
    }
  }
  // Per-crystal quenching: each CEvNS recoil is quenched by its own crystal's constant QF.
  const Simulation quenched(clovers({"detector.mass_kg=12000", "source.beam_power_kW=140000", "daq.triggers_per_block=500",
                                     "detector.quenching=[{model = 'constant', constant_qf = 0.05}, "
                                     "{model = 'constant', constant_qf = 0.1}, {model = 'constant', constant_qf = 0.05}, "
                                     "{model = 'constant', constant_qf = 0.05}]"}),
                            WaveformMode::zero_suppressed);
  std::vector<int> recoils(4, 0);
  for (const auto& block : run(quenched, 500, 7, 1))
    for (const auto& i : block.interactions)
      if (i.source >= Simulation::first_cevns && i.source < Simulation::first_cevns + 3 && i.recoil_keVnr > 0.0F) {
        ++recoils[i.crystal];
        EXPECT_NEAR(i.visible_keVee / i.recoil_keVnr, i.crystal == 1 ? 0.1 : 0.05, 1e-5);
      }
  for (int c = 0; c < 4; ++c) EXPECT_GT(recoils[c], 50) << c;  // ≈ 100 each
}

TEST(Simulation, DarkCountsVetoAndBeam) {
  // 100 000 triggers of CLOVERS: dark pulses at 111 Hz per PMT × 8 PMTs × 50 µs, veto tags
  // at 1 − e^(−λ), and the protons per pulse of 140 kW at 1.6 GeV and 25 Hz with 2 % spread.
  const auto config = clovers({"daq.beam.beam_off_fraction=0.5", "daq.beam.beam_off_period_s=10"});
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  constexpr std::uint64_t triggers = 100000;
  std::vector<double> charges;
  std::uint64_t vetoed = 0, beam_on = 0;
  double pot = 0.0;
  for (const auto& block : run(simulation, triggers, 11, 2)) {
    vetoed += block.vetoed_triggers;
    beam_on += block.beam_on_triggers;
    pot += block.protons_on_target;
    for (const auto& pe : block.photoelectrons)
      if (pe.source == Simulation::dark_count) charges.push_back(pe.charge);
  }
  // 4440 dark pulses; 5 % of them carry max(1, Poisson(1.5)) extra PE, on average
  // 1.5 + e^(−1.5) = 1.7231: 4440 × (1 + 0.05 × 1.7231) = 4822.5 photoelectrons. (Those
  // that the transit-time jitter pushes out of the window are lost: < 0.01 %.)
  const double expected_photoelectrons = triggers * 8 * 111.0 * 50e-6 * (1.0 + 0.05 * (1.5 + std::exp(-1.5)));
  EXPECT_NEAR(static_cast<double>(charges.size()), expected_photoelectrons, 5.0 * std::sqrt(expected_photoelectrons));
  // Single-PE charge: Gaussian, mean 1, σ 0.35 (truncated at 0: negligible).
  const double mean = std::accumulate(charges.begin(), charges.end(), 0.0) / charges.size();
  double variance = 0.0;
  for (double c : charges) variance += (c - mean) * (c - mean) / charges.size();
  EXPECT_NEAR(mean, 1.0, 0.02);
  EXPECT_NEAR(std::sqrt(variance), 0.35, 0.02);
  const double veto_probability = -std::expm1(-config.daq.veto.rate_per_bar_Hz * 50e-6 * config.daq.veto.bars);
  EXPECT_NEAR(static_cast<double>(vetoed), triggers * veto_probability, 4.0 * std::sqrt(triggers * veto_probability));
  // 400 beam periods of 10 s, each off with probability ½: 0.5 ± 0.025.
  EXPECT_NEAR(static_cast<double>(beam_on) / triggers, 0.5, 0.1);
  const double nominal = 140e3 / (1.6e9 * 1.602176634e-19) / 25.0;
  EXPECT_NEAR(pot / beam_on / nominal, 1.0, 0.001);
}

TEST(Simulation, SameSeedSamePhysicsWhateverTheThreads) {
  const auto config = clovers({"daq.triggers_per_block=2000", "daq.pmt.dark_rate_Hz=2000"});
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  const auto one = run(simulation, 9000, 42, 1);
  const auto two = run(simulation, 9000, 42, 2);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t b = 0; b < one.size(); ++b) {
    EXPECT_EQ(one[b].photoelectrons.size(), two[b].photoelectrons.size());
    EXPECT_EQ(one[b].segments.samples, two[b].segments.samples);
    EXPECT_EQ(one[b].protons_on_target, two[b].protons_on_target);
    ASSERT_EQ(one[b].triggers.size(), two[b].triggers.size());
    for (std::size_t t = 0; t < one[b].triggers.size(); ++t) EXPECT_EQ(one[b].triggers[t].id, two[b].triggers[t].id);
  }
  const auto other = run(simulation, 9000, 43, 2);
  EXPECT_NE(one[0].segments.samples, other[0].segments.samples);
}

TEST(Simulation, FullModeRecordsEveryTrigger) {
  const auto config = clovers({"daq.digitizer.window_us=5", "daq.digitizer.pretrace_us=4", "daq.digitizer.beam_delay_ns=500",
                               "spectra.time_min_us=-0.5", "spectra.time_max_us=0.5"});
  const Simulation simulation(config, WaveformMode::full);
  const auto blocks = run(simulation, 30, 5, 1);
  std::size_t triggers = 0;
  for (const auto& b : blocks) {
    triggers += b.triggers.size();
    EXPECT_EQ(b.waveforms.size(), b.triggers.size() * 8 * 5000);
  }
  EXPECT_EQ(triggers, 30u);
}

}  // namespace
}  // namespace cevns::daq

namespace cevns::daq {
namespace {

TEST(Simulation, DarkChargeSpectrumIsTheSinglePhotoelectronGaussian) {
  // Charges of dark PEs: N(1, 0.35) truncated at 0 (daq.pmt.spe_resolution), χ² in 0.1 bins.
  const auto config = clovers({"daq.pmt.dark_rate_Hz=20000"});
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  std::vector<double> observed(30, 0.0), probability(30, 0.0);
  double total = 0.0;
  for (const auto& block : run(simulation, 20000, 13, 2))
    for (const auto& pe : block.photoelectrons)
      if (pe.source == Simulation::dark_count && pe.charge < 3.0) observed[static_cast<std::size_t>(pe.charge / 0.1)] += 1, ++total;
  const auto phi = [](double x) { return 0.5 * std::erfc(-(x - 1.0) / (0.35 * std::sqrt(2.0))); };
  for (std::size_t i = 0; i < probability.size(); ++i) probability[i] = (phi(0.1 * (i + 1)) - phi(0.1 * i)) / (1.0 - phi(0.0));
  EXPECT_GT(chi2_p_value(observed, probability, total), 1e-3);
}

TEST(Simulation, AfterglowLeaksIntoLaterPretraces) {
  // Deposits at 2 Hz per crystal of 10⁶ PE glowing 0.5 % of their light with τ = 5 ms:
  // ≈ 5000 × e^(−Δt/τ)(1 − e^(−50 µs/τ)) ≈ 50 e^(−Δt/τ) PE in a window Δt after a deposit,
  // so pretraces shortly after one carry tens of PE while most are empty.
  const auto config = clovers({"daq.afterglow.deposit_rate_Hz=2", "daq.afterglow.deposit_photoelectrons=1e6"});
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  std::uint64_t afterglow_pe = 0, large = 0;
  std::map<std::uint64_t, int> pretrace_pe;  // per trigger, in the 40 µs pretrace
  for (const auto& block : run(simulation, 25 * 200, 17, 2)) {  // 200 s
    for (const auto& pe : block.photoelectrons)
      if (pe.source == Simulation::afterglow) {
        ++afterglow_pe;
        if (pe.time_ns < 40000.0F) ++pretrace_pe[pe.trigger_id];
      }
    for (const auto& i : block.interactions) large += i.source == Simulation::large_deposit;
  }
  // 200 s × 4 crystals × 2 Hz = 1600 deposits × 5000 afterglow PE each, of which the
  // windows (50 µs every 40 ms) see 1/800: 10 000 ± 20 % (deposits cluster the PE).
  EXPECT_NEAR(static_cast<double>(afterglow_pe), 10000.0, 2000.0);
  EXPECT_GT(pretrace_pe.size(), 100u);
  // Deposits inside a 50 µs window: 1600 × 50 µs × 25 Hz = 2 expected.
  EXPECT_LT(large, 12u);
  // The same deposits whatever the thread count (per-second streams).
  std::uint64_t again = 0;
  for (const auto& block : run(simulation, 25 * 200, 17, 1))
    for (const auto& pe : block.photoelectrons) again += pe.source == Simulation::afterglow;
  EXPECT_EQ(again, afterglow_pe);
}

}  // namespace
}  // namespace cevns::daq

namespace cevns::daq {
namespace {

TEST(Simulation, DrawsThePmtDarkCountModelOnlyAsDarkPulses) {
  // model = "pmt-dark-counts" is computed from daq.pmt, whose dark pulses the Monte Carlo
  // draws itself: drawing the model as deposits too would count dark counts twice.
  const auto config = io::read_simulation_config(std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml");
  ASSERT_EQ(config.experiment.backgrounds.at(1).model, BackgroundKind::pmt_dark_counts);
  ASSERT_TRUE(config.experiment.backgrounds.at(1).simulate);
  const Simulation simulation(config, WaveformMode::zero_suppressed);
  const auto sources = simulation.run_info(1).sources;
  EXPECT_EQ(std::count(sources.begin(), sources.end(), "PMT dark counts"), 0);
  EXPECT_EQ(std::count(sources.begin(), sources.end(), "beam-related neutrons"), 1);
  EXPECT_EQ(std::count(sources.begin(), sources.end(), "dark count"), 1);
}

}  // namespace
}  // namespace cevns::daq
