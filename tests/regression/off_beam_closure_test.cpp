// The off-beam window closes: with steady-state light only (PMT dark counts), simulate →
// reconstruct → select gives the same rate per live time in the off-beam window of the
// pretrace as in the signal region, each as the analytic pmt-dark-counts model predicts
// for its own position, with live times that count exactly the triggers kept.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cevns/background/background.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/reco/reconstruction.hpp"
#include "cevns/selection/event_selection.hpp"

namespace cevns {
namespace {

using selection::Stage;
using selection::Window;

std::string clovers() { return std::string(CEVNS_SOURCE_DIR) + "/configs/clovers.toml"; }

/// Triggers that criterion 2 removes (after criterion 1) in one window, counted from the
/// rows directly: a non-vetoed trigger with ≥ max_pretrace_npe in a pretrace PMT of that window.
std::uint64_t noisy_triggers(const std::vector<reco::ReducedBlock>& blocks, Window w, double max_pretrace_npe) {
  std::uint64_t noisy = 0;
  for (const auto& b : blocks) {
    std::uint64_t last = UINT64_MAX;
    for (const auto& e : b.events) {
      const float* pre = w == Window::on_beam ? e.pretrace_npe : e.off_beam_pretrace_npe;
      if (e.veto || e.trigger_id == last || (pre[0] < max_pretrace_npe && pre[1] < max_pretrace_npe)) continue;
      ++noisy;
      last = e.trigger_id;
    }
  }
  return noisy;
}

/// Expected selected crystals per trigger in NPE [roi_npe_min, roi_npe_max] from the
/// pmt-dark-counts model, for a window [from_ns, from_ns + length) whose criterion 2 looks
/// at [0, from_ns): the model's "pretrace" and "signal region" moved there.
double model_roi_per_trigger(const ExperimentConfig& experiment, double from_ns, double length_ns) {
  DarkCountInputs pmt = experiment.dark_counts;
  pmt.pretrace_ns = from_ns;
  pmt.window_ns = from_ns + length_ns;
  const auto model =
      dark_counts_per_trigger(pmt, experiment.detector, experiment.selection, experiment.spectra.npe_max);
  double roi = 0.0;
  for (int n = experiment.selection.roi_npe_min; n <= experiment.selection.roi_npe_max; ++n)
    roi += model.selected_npe[static_cast<std::size_t>(n)];
  return roi;
}

TEST(OffBeamClosure, DarkCountsGiveTheSameRateOnAndOffBeamAndTheModelsPrediction) {
  // Dark counts only: 10 kHz per PMT (≈ 0.11 dark pulses per PMT in the 11 µs window, ≈ 1 %
  // of crystals with both PMTs lit, as in Closure.DarkCountsMatchTheAnalyticModel), the
  // smallest mass the configuration allows (CEvNS ≈ 10⁻⁷ per trigger: none), no templates,
  // no afterglow; the prediction's µ-veto efficiency that of the Monte Carlo's random tags
  // (e^(−100 Hz × 50 µs)). The NPE region opens to 1 PE for statistics.
  const std::uint64_t triggers = 150000;
  const auto config = io::read_configuration(
      clovers(), {"daq.pmt.dark_rate_Hz=10000", "detector.mass_kg=0.001", "backgrounds=[]",
                  "selection.afterglow_efficiency=1", "selection.muon_veto_efficiency=0.995012",
                  "selection.roi_npe_min=1"});
  const auto& experiment = config.simulation.experiment;
  const auto& sel = experiment.selection;
  const daq::Simulation simulation(config.simulation, daq::WaveformMode::zero_suppressed);
  std::vector<daq::TriggerBlock> raw;
  daq::run_simulation(simulation, triggers, 77, 2, [&](daq::TriggerBlock&& b) { raw.push_back(std::move(b)); });

  // Two reconstructions of the same run: the default window (the last 11 µs of the 40 µs
  // pretrace, [29, 40) µs) and one configured at [15, 26) µs.
  for (const std::optional<double> start_us : {std::optional<double>(), std::optional<double>(15.0)}) {
    SCOPED_TRACE(start_us ? "off-beam window at 15 µs" : "off-beam window at its default, 29 µs");
    reco::RecoConfig reco_config = config.reco;
    reco_config.off_beam_window_start_us = start_us;
    reco::Reconstruction reconstruction(simulation.run_info(77), reco_config, config.simulation.daq);
    for (const auto& b : raw)
      if (reconstruction.collect_calibration(b)) break;
    reconstruction.finish_calibration();
    ASSERT_TRUE(reconstruction.off_beam_window_start_us().has_value());
    EXPECT_DOUBLE_EQ(*reconstruction.off_beam_window_start_us(), start_us.value_or(29.0));
    std::vector<reco::ReducedBlock> blocks;
    ordered_pipeline(
        raw.size(), 2, [&](std::uint64_t i) { return &raw[i]; },
        [&](const daq::TriggerBlock* b) { return reconstruction.reconstruct(*b); },
        [&](std::uint64_t, reco::ReducedBlock&& r) { blocks.push_back(std::move(r)); });
    selection::EventSelection selection(sel, experiment.spectra.npe_max, experiment.spectra.time_min_us,
                                        experiment.spectra.time_max_us, experiment.spectra.time_bin_us);
    std::uint64_t vetoed = 0;
    for (const auto& b : blocks) {
      selection.add(b);
      vetoed += b.vetoed_triggers;
    }
    const auto& on = selection.window(Window::on_beam);
    const auto& off = selection.window(Window::off_beam);

    // Live times, exactly: the triggers left by criteria 1 and 2 of each window × the 11 µs
    // of the time axis (spectra −1 … 10 µs).
    for (const Window w : {Window::on_beam, Window::off_beam}) {
      const auto& window = selection.window(w);
      EXPECT_EQ(window.triggers_kept, triggers - vetoed - noisy_triggers(blocks, w, sel.max_pretrace_npe))
          << selection::window_name(w);
      EXPECT_DOUBLE_EQ(window.live_time_s, double(window.triggers_kept) * 11e-6) << selection::window_name(w);
    }
    // Criterion 2 looks at 40 µs before the signal region and 29 or 15 µs before the
    // off-beam window: it removes more triggers there (measured 12 % against 8 % and 4 %,
    // multi-PE dark pulses and pile-up in 8 PMTs at 10 kHz): the live times differ.
    EXPECT_LT(on.triggers_kept, off.triggers_kept);

    // The region of interest: each window against the model at its own position, and
    // both against each other per live time; 3σ (Poisson) each.
    const auto region = [](const selection::WindowSelection& w) {
      return double(w.candidates[static_cast<std::size_t>(Stage::region)]);
    };
    const double on_count = region(on), off_count = region(off);
    const double on_expected = model_roi_per_trigger(experiment, 40000.0, 11000.0) * double(triggers);
    const double off_expected = model_roi_per_trigger(experiment, start_us.value_or(29.0) * 1000.0, 11000.0) * double(triggers);
    ASSERT_GT(on_expected, 500.0);
    EXPECT_NEAR(on_count, on_expected, 3.0 * std::sqrt(on_expected));
    EXPECT_NEAR(off_count, off_expected, 3.0 * std::sqrt(off_expected));
    const double ratio = on.live_time_s / off.live_time_s;  // off-beam → on-beam
    EXPECT_NEAR(off_count * ratio, on_count, 3.0 * std::sqrt(on_count + off_count * ratio * ratio));
    // Arrival time (NPE region): both windows on one axis from their (equivalent) first
    // bunch, −1 … 10 µs — the same falling shape (the earlier of two PMTs' first pulses).
    // Two-sample χ² over 11 bins of 1 µs, the off-beam counts scaled by the live times,
    // p > 10⁻³ (a time axis shifted by the 1 µs beam delay gives χ² ≈ 10³).
    double time_chi2 = 0.0;
    for (std::size_t t0 = 0; t0 < on.time.counts.size(); t0 += 10) {
      double o = 0.0, f = 0.0;
      for (std::size_t t = t0; t < t0 + 10; ++t) o += on.time.counts[t], f += off.time.counts[t];
      if (o + f > 0.0) time_chi2 += (o - ratio * f) * (o - ratio * f) / (o + ratio * ratio * f);
    }
    EXPECT_EQ(on.time.counts.size(), 110u);
    EXPECT_LT(time_chi2, 31.3) << "time chi2 " << time_chi2 << " for 11 bins";  // χ²(11) at p = 10⁻³
    EXPECT_EQ(off.time.total(), off_count);  // the region of interest spans the time axis
    // The 2-D histograms hold what criteria 1–4 select (no region of interest; NPE within
    // 0 … npe_max): here every single-crystal candidate, whose NPE and time all fall in it.
    EXPECT_EQ(on.npe_time.total(), double(on.candidates[static_cast<std::size_t>(Stage::single_crystal)]));
    EXPECT_EQ(off.npe_time.total(), double(off.candidates[static_cast<std::size_t>(Stage::single_crystal)]));
    std::cout << (start_us ? "window at 15 us" : "window at 29 us") << ": on-beam " << on_count << " (model "
              << on_expected << ", live " << on.live_time_s << " s), off-beam " << off_count << " (model "
              << off_expected << ", live " << off.live_time_s << " s); arrival-time chi2 " << time_chi2 << "/11\n";
  }
}

TEST(OffBeamClosure, AWindowOutsideThePretraceIsAConfigErrorNamingTheKey) {
  // CLOVERS: an 11 µs window in the 40 µs pretrace with ≥ 11 µs before it: [11, 29] µs.
  for (const char* start : {"29.5", "5", "40"}) {
    SCOPED_TRACE(start);
    try {
      (void)io::read_configuration(clovers(), {std::string("reco.off_beam_window_start_us=") + start});
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("reco.off_beam_window_start_us"), std::string::npos) << message;
      EXPECT_NE(message.find("must be in [11, 29] µs"), std::string::npos) << message;
    }
  }
  EXPECT_NO_THROW((void)io::read_configuration(clovers(), {"reco.off_beam_window_start_us=11"}));
  EXPECT_THROW((void)io::read_configuration(clovers(), {"reco.off_beam_window_start_us=-1"}), ConfigError);
  // A pretrace shorter than twice the signal region has no room: configured, an error;
  // unset, no off-beam window.
  try {
    (void)io::read_configuration(clovers(), {"daq.digitizer.window_us=30", "daq.digitizer.pretrace_us=19",
                                             "reco.off_beam_window_start_us=8"});
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be placed"), std::string::npos) << e.what();
  }
  const auto short_pretrace =
      io::read_configuration(clovers(), {"daq.digitizer.window_us=30", "daq.digitizer.pretrace_us=19"});
  EXPECT_FALSE(reco::off_beam_window(short_pretrace.reco, short_pretrace.simulation.daq.digitizer).enabled());
}

}  // namespace
}  // namespace cevns
