// Closure of the likelihood fit with the Monte Carlo (issue 11): simulate → reconstruct →
// select (observed.csv: on-beam and off-beam windows) → fit returns the injected CEvNS
// count within its uncertainty, with the steady state (PMT dark counts) measured by the
// off-beam window.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include "cevns/core/pipeline.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/fit/analysis.hpp"
#include "cevns/fit/model_builder.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/selection_writer.hpp"
#include "cevns/reco/reconstruction.hpp"
#include "cevns/selection/event_selection.hpp"

namespace cevns {
namespace {

namespace fs = std::filesystem;

TEST(FitClosure, SimulatedCevnsCountIsFittedBackWithTheSteadyStateFromTheOffBeamWindow) {
  // CLOVERS with 100× the mass and 100× the beam (as Closure.SignalNpeSpectrumAndEfficiency…:
  // CEvNS rare enough per trigger that crystals seldom fire together), no template
  // backgrounds, no afterglow; PMT dark counts raised to 4 kHz so that the off-beam window measures a
  // real steady state (measured: 2318 CEvNS in 4–72 NPE over 400 000 triggers, 177
  // off-beam crystals; 6 kHz makes the reconstruction many times slower). Zero-suppressed waveforms keep
  // it to seconds.
  const std::uint64_t triggers = 400000;
  const std::uint64_t seed = 4242;
  const auto config = io::read_configuration(
      std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml",
      {"detector.mass_kg=1200", "source.beam_power_kW=14000", "backgrounds=[]", "selection.afterglow_efficiency=1",
       "detector.spe_resolution=0.35", "daq.pmt.dark_rate_Hz=4000"});
  const auto& experiment = config.simulation.experiment;
  const Prediction prediction = predict(experiment);
  const daq::Simulation simulation(config.simulation, daq::WaveformMode::zero_suppressed);
  std::vector<daq::TriggerBlock> raw;
  daq::run_simulation(simulation, triggers, seed, 2, [&](daq::TriggerBlock&& b) { raw.push_back(std::move(b)); });
  reco::Reconstruction reconstruction(simulation.run_info(seed), config.reco, config.simulation.daq);
  for (const auto& b : raw)
    if (reconstruction.collect_calibration(b)) break;
  reconstruction.finish_calibration();
  selection::EventSelection selection(experiment.selection, experiment.spectra.npe_max, experiment.spectra.time_min_us,
                                      experiment.spectra.time_max_us, experiment.spectra.time_bin_us);
  double pot = 0.0;
  ordered_pipeline(
      raw.size(), 2, [&](std::uint64_t i) { return &raw[i]; },
      [&](const daq::TriggerBlock* b) { return reconstruction.reconstruct(*b); },
      [&](std::uint64_t, reco::ReducedBlock&& r) {
        pot += r.protons_on_target;
        selection.add(r);
      });

  // The truth: selected CEvNS crystals in the region of interest (the three flavours' sources).
  const auto& flow = selection.cut_flow();
  double injected = 0.0;
  for (int f = 0; f < 3; ++f) {
    const auto it = flow.by_source.find(daq::Simulation::first_cevns + f);
    if (it != flow.by_source.end()) injected += double(it->second[static_cast<std::size_t>(selection::Stage::region)]);
  }
  const double predicted = prediction.roi_signal() * pot / prediction.protons_on_target;
  ASSERT_GT(injected, 1000.0);

  // observed.csv as `cevns select --output` writes it, read back as `cevns fit --data` does.
  reco::ReducedRunInfo run;
  run.raw = simulation.run_info(seed);
  run.off_beam_window_start_us = reconstruction.off_beam_window_start_us();
  ASSERT_TRUE(run.off_beam_window_start_us.has_value());
  const fs::path csv = fs::temp_directory_path() / ("cevns-fit-closure-" + std::to_string(::getpid()) + ".csv");
  std::ofstream(csv) << io::observed_csv(selection, run);
  const auto full = fit::read_observed_csv(csv);
  fs::remove(csv);
  ASSERT_TRUE(full.has_region("off-beam"));
  const auto data = fit::crop_to_roi(full, prediction);
  EXPECT_EQ(data.region("on-beam").npe.size(), 69u);  // 4 … 72 NPE

  const auto steady_in_roi = data.region("off-beam").total();
  ASSERT_GT(steady_in_roi, 100.0);  // the off-beam window measures a real steady state

  fit::FitConfig fit_config = fit::default_fit_config(data);
  EXPECT_EQ(fit_config.steady_state, "per-npe-bin");  // measured by the off-beam window, flat in time
  auto built = fit::build_model(prediction, data, fit_config);
  const double per_unit = built.events_per_unit.at("cevns");
  const auto analysis = fit::analyse(std::move(built), data, {});
  ASSERT_TRUE(analysis.fit.minimum.converged) << analysis.fit.minimum.status;
  const double fitted = analysis.fit.minimum.values[analysis.poi] * per_unit;
  const double sigma = analysis.fit.errors[analysis.poi] * per_unit;
  std::cout << "injected " << injected << " (prediction for the same POT " << predicted << "), fitted " << fitted << " ± "
            << sigma << "; off-beam steady state in the ROI " << steady_in_roi << " (on-beam window "
            << data.region("on-beam").total() << " crystals); " << fit_config.steady_state << "\n";

  // |fitted − injected| < 2σ (95 %: a 1-in-20 failure chance is not acceptable for a fixed
  // seed, but the seed is fixed, so the test is deterministic; 2σ still catches a biased
  // steady state, which moves the count by many σ).
  EXPECT_NEAR(fitted, injected, 2.0 * sigma);
  // σ against the Poisson expectation: at least √N of the CEvNS itself, and no more than
  // √(N + 2 × on-beam steady state) (the steady state subtracted with its own off-beam error
  // of equal live time): the uncertainty is neither too small nor inflated.
  const double on_steady = data.region("on-beam").total() - injected;
  EXPECT_GT(sigma, 0.9 * std::sqrt(injected));
  EXPECT_LT(sigma, 1.3 * std::sqrt(injected + 2.0 * std::max(0.0, on_steady)));
  // The prediction for the same POT agrees too (the Monte Carlo against predict, within 3σ
  // of Poisson, as Closure.SignalNpeSpectrumAndEfficiencyMatchThePrediction).
  EXPECT_NEAR(injected, predicted, 3.0 * std::sqrt(predicted));
}

}  // namespace
}  // namespace cevns
