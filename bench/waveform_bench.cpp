// Benchmarks of the waveform synthesis. Targets: full mode ≥ 10⁸ samples/s per core (a
// whole CLOVERS-like trigger of 8 channels × 50000 samples, a handful of PEs); zero
// suppression of a trigger with one dark PE costing far less than a full trigger.
// Run: scripts/dev.sh bench --benchmark_filter=Waveform
#include <benchmark/benchmark.h>

#include <vector>

#include "cevns/core/random.hpp"
#include "cevns/daq/waveform.hpp"

namespace {

using namespace cevns::daq;

constexpr std::uint16_t bench_channels = 8;

WaveformSynthesizer make_synthesizer() {
  return WaveformSynthesizer(DigitizerConfig{}, PmtConfig{}, ZeroSuppressionConfig{}, bench_channels);
}

// A small scintillation event around the beam trigger plus two dark PEs.
std::vector<Photoelectron> handful_of_pes() {
  std::vector<Photoelectron> pes;
  for (int i = 0; i < 6; ++i)
    pes.push_back(Photoelectron{0, 40000.0F + 150.0F * static_cast<float>(i), 1.0F, static_cast<std::uint16_t>(i % 2), 0});
  pes.push_back(Photoelectron{0, 1234.5F, 1.0F, 5, 0});
  pes.push_back(Photoelectron{0, 23456.7F, 1.0F, 7, 0});
  return pes;
}

void clear(Segments& s) {
  s.trigger_id.clear();
  s.channel.clear();
  s.first_sample.clear();
  s.length.clear();
  s.offset.clear();
  s.samples.clear();
}

void BM_WaveformFull(benchmark::State& state) {
  const auto synthesizer = make_synthesizer();
  const auto pes = handful_of_pes();
  std::vector<std::int16_t> out(static_cast<std::size_t>(synthesizer.channels()) * synthesizer.samples());
  cevns::Rng rng = cevns::random_stream(1, 0);
  for (auto _ : state) {
    synthesizer.full(pes, rng, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));  // samples
}
BENCHMARK(BM_WaveformFull)->Unit(benchmark::kMicrosecond);

void BM_WaveformZeroSuppressedDarkPe(benchmark::State& state) {
  const auto synthesizer = make_synthesizer();
  const std::vector<Photoelectron> pes{Photoelectron{0, 31415.9F, 1.0F, 3, 0}};
  cevns::Rng rng = cevns::random_stream(1, 1);
  Segments segments;
  std::uint64_t trigger = 0;
  for (auto _ : state) {
    clear(segments);  // a block's arrays keep their capacity from trigger to trigger
    synthesizer.zero_suppressed(trigger++, pes, rng, segments);
    benchmark::DoNotOptimize(segments.samples.data());
  }
  state.SetItemsProcessed(state.iterations());  // triggers
}
BENCHMARK(BM_WaveformZeroSuppressedDarkPe);

void BM_WaveformZeroSuppressedEmpty(benchmark::State& state) {
  const auto synthesizer = make_synthesizer();
  cevns::Rng rng = cevns::random_stream(1, 2);
  Segments segments;
  for (auto _ : state) {
    synthesizer.zero_suppressed(0, {}, rng, segments);
    benchmark::DoNotOptimize(segments.samples.data());
  }
  state.SetItemsProcessed(state.iterations());  // triggers
}
BENCHMARK(BM_WaveformZeroSuppressedEmpty);

void BM_WaveformConstruct(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(make_synthesizer());
}
BENCHMARK(BM_WaveformConstruct)->Unit(benchmark::kMillisecond);

}  // namespace
