// Benchmarks of the likelihood fit (docs/statistics.md, "Speed"): the COHERENT 2017 fit with
// every release systematic as a nuisance, a 41-point profile scan of the CEvNS count, and
// toys. The same likelihood in Python with iminuit (scripts/reference_likelihood.py) takes
// about 0.7 s per fit; the target is ≥ 10× faster. Skipped without the release data.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <optional>

#include "cevns/fit/fit.hpp"
#include "cevns/fit/model_builder.hpp"
#include "cevns/io/config_reader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace cevns::fit;

const fs::path source = CEVNS_SOURCE_DIR;
const fs::path release = source.parent_path() / "shared" / "data" / "coherent-csi-2017";

/// The model and data of configs/fit/coherent-csi-2017-systematics.toml, built once.
struct Coherent {
  std::optional<BuiltModel> built;
  Dataset data;
};

const Coherent& coherent() {
  static const Coherent c = [] {
    Coherent out;
    if (!is_coherent_2017_release(release)) return out;
    auto config = read_fit_config(source / "configs" / "fit" / "coherent-csi-2017-systematics.toml");
    config.release_dir = release;
    const auto observed = read_coherent_2017(release, config.beam_off);
    const auto path = source / "configs" / "coherent-csi-2017.toml";
    const Repredict repredict = [&](const std::vector<std::string>& o) {
      return cevns::predict(cevns::io::read_experiment_config(path, o));
    };
    out.built = build_model(cevns::predict(cevns::io::read_experiment_config(path)), observed, config, repredict);
    out.data = Dataset{observed.flat_counts(), out.built->model.nominal_aux()};
    return out;
  }();
  return c;
}

void BM_CoherentFit(benchmark::State& state) {
  const auto& c = coherent();
  if (!c.built) return state.SkipWithError("the COHERENT 2017 release is not there");
  const Fitter fitter(c.built->model, c.data);
  for (auto _ : state) benchmark::DoNotOptimize(fitter.minimize());
}
BENCHMARK(BM_CoherentFit)->Unit(benchmark::kMillisecond);

void BM_CoherentFitWithHessian(benchmark::State& state) {
  const auto& c = coherent();
  if (!c.built) return state.SkipWithError("the COHERENT 2017 release is not there");
  const Fitter fitter(c.built->model, c.data);
  for (auto _ : state) benchmark::DoNotOptimize(fitter.fit());
}
BENCHMARK(BM_CoherentFitWithHessian)->Unit(benchmark::kMillisecond);

void BM_CoherentProfileScan(benchmark::State& state) {
  const auto& c = coherent();
  if (!c.built) return state.SkipWithError("the COHERENT 2017 release is not there");
  const Fitter fitter(c.built->model, c.data);
  const auto best = fitter.fit();
  const auto poi = c.built->model.index("cevns");
  for (auto _ : state) benchmark::DoNotOptimize(fitter.scan(poi, best, 0.5, 1.5, 41));
}
BENCHMARK(BM_CoherentProfileScan)->Unit(benchmark::kMillisecond);

void BM_CoherentToys(benchmark::State& state) {
  const auto& c = coherent();
  if (!c.built) return state.SkipWithError("the COHERENT 2017 release is not there");
  const Fitter fitter(c.built->model, c.data);
  const auto truth = fitter.fit().minimum.values;
  const auto poi = c.built->model.index("cevns");
  for (auto _ : state)
    benchmark::DoNotOptimize(run_toys(c.built->model, truth, poi, static_cast<int>(state.range(0)), 1, 1));
}
BENCHMARK(BM_CoherentToys)->Arg(100)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
