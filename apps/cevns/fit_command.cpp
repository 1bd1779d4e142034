// cevns fit — the binned Poisson likelihood fit of docs/statistics.md, from the command line.

#include "fit_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/fit/analysis.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/report/fit_plots.hpp"
#include "options.hpp"
#include "parallel.hpp"

namespace cevns::app {
namespace {

namespace fs = std::filesystem;

/// fit::run_toys shared out over the MPI ranks: rank r fits toys [r·M/N, (r+1)·M/N), each
/// from its own random stream, and every rank gets all M results in toy order — the same
/// numbers as one process.
fit::ToyResults toys_over_ranks(const fit::Model& model, const std::vector<double>& truth, std::size_t poi, int count,
                                std::uint64_t seed, int threads, bool with_q0) {
  const auto n = static_cast<std::size_t>(job_size()), r = static_cast<std::size_t>(job_rank());
  const auto all_toys = static_cast<std::size_t>(std::max(count, 0));
  const std::size_t first = all_toys * r / n, end = all_toys * (r + 1) / n;
  const auto mine = fit::run_toys(model, truth, poi, static_cast<int>(end - first), seed, threads, with_q0, first);
  constexpr std::size_t fields = 5;
  std::vector<double> packed;
  packed.reserve(fields * (end - first));
  for (std::size_t i = 0; i < end - first; ++i)
    packed.insert(packed.end(), {mine.poi_hat[i], mine.poi_error[i], mine.q0[i], mine.deviance[i],
                                 mine.converged[i] ? 1.0 : 0.0});
  const auto all = job_gather(packed);  // rank order is toy order
  if (all.size() != fields * all_toys) throw std::logic_error("toys_over_ranks: the ranks' toys do not add up");
  fit::ToyResults out;
  for (std::size_t i = 0; i < all_toys; ++i) {
    out.poi_hat.push_back(all[fields * i]);
    out.poi_error.push_back(all[fields * i + 1]);
    out.q0.push_back(all[fields * i + 2]);
    out.deviance.push_back(all[fields * i + 3]);
    out.converged.push_back(all[fields * i + 4] != 0.0);
  }
  out.seconds = job_max(mine.seconds);
  return out;
}

}  // namespace

FitExperiment fit_experiment(const std::string& config_file, const std::vector<std::string>& overrides,
                             const std::string& data) {
  const bool coherent = !data.empty() && fit::is_coherent_2017_release(data);
  FitExperiment e;
  e.config_path = find_config(config_file.empty() && coherent ? "coherent-csi-2017.toml" : config_file);
  e.predict_with = [path = e.config_path, overrides](const std::vector<std::string>& more) {
    auto all = overrides;
    all.insert(all.end(), more.begin(), more.end());
    return predict(io::read_experiment_config(path, all));
  };
  return e;
}

std::vector<std::pair<std::string, double>> parse_fix_options(const std::vector<std::string>& fix) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& f : fix) {
    const auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(fmt::format("--fix {}: expected name=value, e.g. --fix brn=1", f));
    const std::string value = f.substr(eq + 1);
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(v))
      throw ConfigError(fmt::format("--fix {}: '{}' is not a number", f, value));
    out.emplace_back(f.substr(0, eq), v);
  }
  return out;
}

namespace {

class Fit final : public FitCommand {
 public:
  explicit Fit(CLI::App& app) {
    command_ = app.add_subcommand("fit", "Binned likelihood fit of observed data (NPE x time, several regions): best fit, "
                                         "profile-likelihood interval, significance, goodness of fit, pulls");
    command_->add_option("-c,--config", config_file_,
                         "Experiment configuration (TOML) the templates are predicted from; default: coherent-csi-2017.toml "
                         "for the COHERENT release, clovers.toml otherwise");
    command_->add_option("-s,--set", overrides_, "Override a configuration key, e.g. --set detector.quenching.constant_qf=0.08")
        ->take_all()
        ->allow_extra_args(false);
    command_->add_option("-d,--data", data_,
                         "Observed data: an observed.csv (docs/statistics.md) or the COHERENT 2017 release directory; "
                         "without it (with --asimov) the prediction's region of interest");
    command_->add_option("--fit-config", fit_config_, "Fit configuration (TOML with a [fit] table, docs/statistics.md)");
    command_->add_flag("--asimov", asimov_, "Fit the Asimov data set of the nominal model (the median expected result)");
    command_->add_option("--toys", toys_, "Toy experiments from the best fit (and as many background-only ones)")
        ->check(whole_number(0, 1000000));
    command_->add_option("--seed", seed_, "Random seed of the toys")->check(whole_number(0, UINT64_MAX))->capture_default_str();
    threads_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    command_->add_option("-t,--threads", threads_, "Threads for the toys")
        ->check(whole_number(1, static_cast<std::uint64_t>(max_pipeline_threads())))
        ->capture_default_str();
    command_->add_option("--fix", fix_, "Hold a parameter at a value, e.g. --fix brn=1")->take_all()->allow_extra_args(false);
    command_->add_option("--free", free_, "Free a parameter of its constraint, e.g. --free brn")->take_all()->allow_extra_args(false);
    command_->add_option("--poi", poi_, "The parameter of interest (default: the fit configuration's, cevns)");
    command_->add_option("-f,--format", format_, "Output on stdout")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
    command_->add_option("-o,--output", output_, "Also write fit.json and the figures into this directory");
    command_->add_flag("--force", force_, "Replace an existing output");
    command_->add_option("--export-model", export_, "Write the model and data as JSON (for scripts/reference_likelihood.py)");
    command_->add_flag("--bench", bench_, "Time one fit, a profile scan and the toys (--toys, default 1000) and report");
  }

  [[nodiscard]] bool selected() const override { return command_->parsed(); }

  void run() const override {
    const auto experiment = fit_experiment(config_file_, overrides_, data_);
    auto in = fit::load_fit_inputs(data_, fit_config_, asimov_, experiment.predict_with, "fit");
    auto& data = in.data;
    auto& config = in.config;
    const auto& prediction = in.prediction;
    const bool have_data = in.have_data;
    std::optional<io::OutputLock> lock;
    std::vector<fs::path> inputs{experiment.config_path};
    if (have_data) inputs.emplace_back(data_);
    // Under MPI every rank fits; rank 0 alone writes.
    if (!output_.empty() && job_rank() == 0)
      lock.emplace(io::claim_output(output_, io::OutputKind::directory, inputs, force_));
    const fit::Repredict repredict = in.repredict;
    if (!poi_.empty()) config.poi = poi_;
    auto built = fit::build_model(prediction, data, config, repredict);
    fit::AnalysisOptions options;
    options.poi = poi_;
    options.asimov = asimov_;
    options.toys = bench_ ? 0 : toys_;
    options.seed = seed_;
    options.threads = threads_;
    if (in_parallel_job()) options.run_toys = toys_over_ranks;
    options.free = free_;
    options.fix = parse_fix_options(fix_);
    if (!export_.empty() && job_rank() == 0) {
      auto model = built.model;
      for (const auto& [name, value] : options.fix) {
        auto& p = model.parameters()[model.index(name)];
        p.nominal = value;
        p.fixed = true;
      }
      const fit::Dataset d = asimov_ ? model.asimov(model.nominal()) : fit::Dataset{data.flat_counts(), model.nominal_aux()};
      io::write_file_atomically(export_, fit::export_model(model, d).dump());
      logger("fit")->info("wrote {}", export_);
    }
    const auto analysis = fit::analyse(built, data, options);
    auto json = fit::to_json(analysis);
    json["experiment"] = prediction.config.name;
    json["fit_config"] = config.source;
    if (format_ == "json")
      std::cout << json.dump(2) << '\n';
    else
      std::cout << fit::format_fit_table(analysis);
    if (bench_) bench(analysis);
    if (lock) {
      fs::create_directories(output_);
      io::write_file_atomically(fs::path(output_) / "fit.json", json.dump(2) + "\n");
      logger("fit")->info("wrote {}", (fs::path(output_) / "fit.json").string());
      for (const auto& f : report::write_fit_figures(analysis, prediction.config.name, output_))
        logger("fit")->info("wrote {}", f.string());
    }
  }

 private:
  /// Times one fit (the median of repeats), a 1-D profile scan and the toys.
  void bench(const fit::Analysis& a) const {
    using clock = std::chrono::steady_clock;
    const auto& model = a.built.model;
    const fit::Fitter fitter(model, a.data);
    std::vector<double> times;
    int evaluations = 0;
    for (int k = 0; k < 21; ++k) {
      const auto t0 = clock::now();
      const auto m = fitter.minimize();
      times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
      evaluations = m.evaluations;
    }
    std::sort(times.begin(), times.end());
    const auto t0 = clock::now();
    const auto full = fitter.fit();
    const double with_hessian = std::chrono::duration<double>(clock::now() - t0).count();
    const auto t1 = clock::now();
    const auto scan = fitter.scan(a.poi, full, a.scan.values.front(), a.scan.values.back(), 41);
    const double scan_s = std::chrono::duration<double>(clock::now() - t1).count();
    const int toys = toys_ > 0 ? toys_ : 1000;
    const auto t2 = clock::now();
    const auto results = fit::run_toys(model, full.minimum.values, a.poi, toys, seed_, threads_);
    const double toys_s = std::chrono::duration<double>(clock::now() - t2).count();
    int ok = 0;
    for (bool c : results.converged) ok += c ? 1 : 0;
    std::cout << fmt::format(
        "\nbenchmark ({} parameters, {} bins):\n  one fit (minimum only): {:.2f} ms median of 21 ({} deviance+gradient "
        "evaluations)\n  one fit with Hessian: {:.2f} ms\n  profile scan, 41 points: {:.1f} ms\n  {} toys (fit + Hessian "
        "each), {} threads: {:.2f} s ({} converged)\n",
        model.parameters().size(), model.bin_count(), 1e3 * times[times.size() / 2], evaluations, 1e3 * with_hessian,
        1e3 * scan_s, toys, threads_, toys_s, ok);
  }

  CLI::App* command_ = nullptr;
  std::string config_file_, data_, fit_config_, poi_, format_ = "table", output_, export_;
  std::vector<std::string> overrides_, fix_, free_;
  bool asimov_ = false, force_ = false, bench_ = false;
  int toys_ = 0, threads_ = 1;
  std::uint64_t seed_ = 1;
};

}  // namespace

std::unique_ptr<FitCommand> add_fit_command(CLI::App& app) { return std::make_unique<Fit>(app); }

}  // namespace cevns::app
