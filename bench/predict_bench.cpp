// Benchmarks of the expected-spectrum path. Target: the full CLOVERS prediction — all
// flavours and isotopes, recoil and arrival-time spectra, the photoelectron response and
// the NPE × arrival-time histograms of signal and backgrounds after the selection — in
// under 20 ms (under 10 ms for the recoil level alone). Run: scripts/dev.sh bench
#include <benchmark/benchmark.h>

#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"

namespace {

cevns::ExperimentConfig load(const char* name) {
  return cevns::io::read_experiment_config(std::string(CEVNS_SOURCE_DIR) + "/configs/" + name);
}

void BM_PredictClovers(benchmark::State& state) {
  const auto config = load("clovers.toml");
  for (auto _ : state) benchmark::DoNotOptimize(cevns::predict(config));
}
BENCHMARK(BM_PredictClovers)->Unit(benchmark::kMillisecond);

void BM_PredictCicenns(benchmark::State& state) {
  const auto config = load("cicenns.toml");
  for (auto _ : state) benchmark::DoNotOptimize(cevns::predict(config));
}
BENCHMARK(BM_PredictCicenns)->Unit(benchmark::kMillisecond);

void BM_ReadConfig(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(load("clovers.toml"));
}
BENCHMARK(BM_ReadConfig)->Unit(benchmark::kMicrosecond);

}  // namespace
