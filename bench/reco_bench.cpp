// Benchmarks of the waveform reconstruction. Target: reconstruct_full ≥ 10⁹ samples/s per
// core on whole triggers (8 channels × 50000 samples, a handful of pulses: mostly
// baseline), and scaling with threads, each thread on its own data.
// Run: scripts/dev.sh bench --benchmark_filter=Reco
#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <vector>

#include "cevns/core/random.hpp"
#include "cevns/daq/waveform.hpp"
#include "cevns/reco/waveform_reco.hpp"

namespace {

using namespace cevns;

constexpr std::uint16_t bench_channels = 8;
constexpr std::uint64_t bench_triggers = 16;  // 12.8 MB of samples: beyond L2, as from a file

// Triggers of 8 channels with a few PEs each: two dark PEs in the pretrace of some
// channels and a small scintillation pulse after the beam; different per thread.
std::vector<std::int16_t> make_triggers(const daq::WaveformSynthesizer& synthesizer, std::uint64_t stream) {
  const std::size_t per_trigger = static_cast<std::size_t>(bench_channels) * synthesizer.samples();
  std::vector<std::int16_t> samples(bench_triggers * per_trigger);
  Rng rng = random_stream(42, stream);
  for (std::uint64_t t = 0; t < bench_triggers; ++t) {
    std::vector<daq::Photoelectron> pes;
    for (std::uint16_t c = 0; c < bench_channels; ++c) {
      const float shift = static_cast<float>((rng() >> 40) % 1000);
      if ((t + c) % 3 == 0) pes.push_back({t, 1234.5F + 17.0F * shift, 1.0F, c, 0});
      if ((t + c) % 4 == 0) pes.push_back({t, 23456.7F + 9.0F * shift, 1.0F, c, 0});
      for (int i = 0; i < 3; ++i) pes.push_back({t, 40100.0F + shift + 150.0F * static_cast<float>(i), 1.0F, c, 0});
    }
    synthesizer.full(pes, rng, std::span(samples).subspan(t * per_trigger, per_trigger));
  }
  return samples;
}

void BM_RecoFull(benchmark::State& state) {
  const daq::DigitizerConfig digitizer;
  const daq::WaveformSynthesizer synthesizer(digitizer, daq::PmtConfig{}, daq::ZeroSuppressionConfig{}, bench_channels);
  const auto samples = make_triggers(synthesizer, static_cast<std::uint64_t>(state.thread_index()));
  reco::WaveformLayout layout;
  layout.samples = digitizer.samples();
  layout.pretrace_samples = digitizer.pretrace_samples();
  const reco::RecoConfig config;
  std::vector<reco::Pulse> pretrace;
  std::size_t waveform = 0;
  const std::size_t waveforms = samples.size() / layout.samples;
  std::uint64_t pulses = 0;
  for (auto _ : state) {
    for (std::uint16_t c = 0; c < bench_channels; ++c) {  // one trigger per iteration
      pretrace.clear();
      const auto r = reco::reconstruct_full(std::span(samples).subspan(waveform * layout.samples, layout.samples),
                                            layout, config, &pretrace);
      pulses += r.pretrace_pulses + r.signal_pulses;
      benchmark::DoNotOptimize(r);
      waveform = (waveform + 1) % waveforms;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(bench_channels) * layout.samples);  // samples
  state.counters["pulses_per_trigger"] = benchmark::Counter(
      static_cast<double>(pulses) / static_cast<double>(state.iterations()), benchmark::Counter::kAvgThreads);
}
BENCHMARK(BM_RecoFull)->Unit(benchmark::kMicrosecond)->Threads(1)->Threads(2)->UseRealTime();

// The same trigger over and over: samples come from L2, the loop alone is measured.
void BM_RecoFullHot(benchmark::State& state) {
  const daq::DigitizerConfig digitizer;
  const daq::WaveformSynthesizer synthesizer(digitizer, daq::PmtConfig{}, daq::ZeroSuppressionConfig{}, bench_channels);
  const auto samples = make_triggers(synthesizer, 7);
  reco::WaveformLayout layout;
  const reco::RecoConfig config;
  for (auto _ : state) {
    const auto r = reco::reconstruct_full(std::span(samples).first(layout.samples), layout, config);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(layout.samples));
}
BENCHMARK(BM_RecoFullHot)->Unit(benchmark::kMicrosecond);

void BM_RecoCalibrate(benchmark::State& state) {
  Rng rng = random_stream(42, 99);
  std::vector<float> charges(2000);
  for (auto& q : charges) q = 300.0F + static_cast<float>((rng() >> 40) % 400);
  for (auto _ : state) benchmark::DoNotOptimize(reco::calibrate_single_pe_charge(charges));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(charges.size()));
}
BENCHMARK(BM_RecoCalibrate)->Unit(benchmark::kMicrosecond);

}  // namespace
