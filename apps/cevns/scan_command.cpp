// cevns scan — profile-likelihood scans in parameters of the prediction (docs/statistics.md, "cevns scan").

#include "scan_command.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/fit/scan.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/study/scan.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "progress.hpp"

namespace cevns::app {
namespace {

namespace fs = std::filesystem;

class Scan final : public FitCommand {
 public:
  explicit Scan(CLI::App& app) {
    command_ = app.add_subcommand("scan", "Profile-likelihood scan in one or two parameters of the prediction (e.g. "
                                          "physics.sin2_theta_w), every nuisance profiled: intervals, contours, figures");
    command_->add_option("-c,--config", config_file_,
                         "Experiment configuration (TOML); default: coherent-csi-2017.toml for the COHERENT release, "
                         "clovers.toml otherwise");
    command_->add_option("-s,--set", overrides_, "Override a configuration key, e.g. --set physics.form_factor=helm")
        ->take_all()
        ->allow_extra_args(false);
    command_->add_option("-d,--data", data_, "Observed data: an observed.csv or the COHERENT 2017 release directory");
    command_->add_option("--fit-config", fit_config_, "Fit configuration (TOML with a [fit] table, docs/statistics.md)");
    command_->add_flag("--asimov", asimov_, "Scan the Asimov data set of the nominal model (the expected precision)");
    command_->add_option("-p,--param", params_,
                         "A scanned parameter, name=low:high:points (a numeric configuration key), once or twice")
        ->required()
        ->take_all()
        ->allow_extra_args(false);
    threads_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    command_->add_option("-t,--threads", threads_, "Threads over the scan points (results do not depend on it)")
        ->check(whole_number(1, static_cast<std::uint64_t>(max_pipeline_threads())))
        ->capture_default_str();
    command_->add_option("--fix", fix_, "Hold a likelihood parameter at a value, e.g. --fix brn=1")
        ->take_all()
        ->allow_extra_args(false);
    command_->add_option("--free", free_, "Free a likelihood parameter of its constraint, e.g. --free cevns")
        ->take_all()
        ->allow_extra_args(false);
    command_->add_flag("--full-predict", full_predict_,
                       "Predict every point in full instead of the cached detector response (for checks; slow)");
    command_->add_option("-f,--format", format_, "Output on stdout")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
    command_->add_option("-o,--output", output_, "Write scan.json, scan.csv and the figures into this directory");
    command_->add_flag("--force", force_, "Replace an existing output");
    command_->add_option("--bench", bench_, "Repeat the scan this many times and report the minimum and median time")
        ->check(whole_number(1, 100));
  }

  [[nodiscard]] bool selected() const override { return command_->parsed(); }

  void run() const override {
    // Bad --param fails before anything is predicted (and the study parses them again).
    for (const auto& p : params_) (void)fit::parse_scan_axis(p);
    if (params_.size() > 2) throw ConfigError("cevns scan: --param at most twice (1-D and 2-D scans)");
    const auto experiment = fit_experiment(config_file_, overrides_, data_);
    std::optional<io::OutputLock> lock;
    std::vector<fs::path> inputs{experiment.config_path};
    if (!data_.empty()) inputs.emplace_back(data_);
    // Under MPI every rank scans its share of the points; rank 0 alone writes.
    if (!output_.empty() && job_rank() == 0)
      lock.emplace(io::claim_output(output_, io::OutputKind::directory, inputs, force_));
    study::ScanRequest request;
    request.params = params_;
    request.data = data_;
    request.fit_config = fit_config_;
    request.asimov = asimov_;
    request.full_predict = full_predict_;
    request.fix = parse_fix_options(fix_);
    request.free = free_;
    request.config_name = experiment.config_path.string();
    const study::ScanStudy scan(request, experiment.predict_with);

    fit::ScanResult result;
    std::vector<double> times;
    for (int repeat = 0; repeat < std::max(1, bench_); ++repeat) {
      ProgressBar bar("scan");
      fit::ScanOptions options;
      options.threads = threads_;
      // Under mpirun the points are spread over the ranks (contiguous shares, gathered in
      // rank order: the same result as one process); rank 0 shows its own share's progress.
      if (in_parallel_job()) {
        options.share = [](std::size_t total) {
          const auto n = static_cast<std::size_t>(job_size()), r = static_cast<std::size_t>(job_rank());
          return std::pair<std::size_t, std::size_t>{total * r / n, total * (r + 1) / n};
        };
        options.gather = [](const std::vector<double>& mine) { return job_gather(mine); };
      }
      if (job_rank() == 0)
        options.progress = [&bar](std::size_t done, std::size_t total) {
          bar.update(static_cast<double>(done) / static_cast<double>(total),
                     fmt::format("{} of {} points{}", done, total,
                                 in_parallel_job() ? fmt::format(" (rank 0 of {})", job_size()) : std::string()));
        };
      result = scan.run(options);
      times.push_back(result.seconds);
    }
    if (format_ == "json")
      std::cout << scan.to_json(result).dump(2) << '\n';
    else
      std::cout << fit::format_scan_table(result);
    if (bench_ > 0) {
      std::sort(times.begin(), times.end());
      std::cout << fmt::format("benchmark: {} point{}, {} thread{}, {} repeat{}: min {:.2f} s, median {:.2f} s\n",
                               result.delta.size(), result.delta.size() == 1 ? "" : "s", threads_, threads_ == 1 ? "" : "s",
                               times.size(), times.size() == 1 ? "" : "s", times.front(), times[times.size() / 2]);
    }
    if (lock) (void)scan.write(result, output_);
  }

 private:
  CLI::App* command_ = nullptr;
  std::string config_file_, data_, fit_config_, format_ = "table", output_;
  std::vector<std::string> overrides_, params_, fix_, free_;
  bool asimov_ = false, force_ = false, full_predict_ = false;
  int threads_ = 1, bench_ = 0;
};

}  // namespace

std::unique_ptr<FitCommand> add_scan_command(CLI::App& app) { return std::make_unique<Scan>(app); }

}  // namespace cevns::app
