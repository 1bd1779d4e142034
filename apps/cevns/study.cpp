// cevns run — the whole study in stages (its core, shared with Python's cevns.run, is
// study::run_study in src/study/run.cpp); and cevns report DIR (docs/output.md, "cevns run").

#include "study.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/report/html_report.hpp"
#include "options.hpp"
#include "progress.hpp"

namespace cevns::app {

namespace {

namespace fs = std::filesystem;

class Run final : public Command {
 public:
  explicit Run(CLI::App& app) {
    command_ = app.add_subcommand(
        "run", "The whole study into the output directory: prediction, sensitivity (counting and likelihood), a Monte "
               "Carlo data set reconstructed, selected and fitted with the closure against its truth, and report.html");
    command_->add_option("-c,--config", config_file_,
                         "Experiment configuration (TOML): a file, or the name of a shipped one; default: clovers.toml");
    command_->add_option("-s,--set", overrides_, "Override a configuration key, e.g. --set physics.form_factor=helm")
        ->take_all()
        ->allow_extra_args(false);
    command_->add_option("-o,--output", output_, "Output directory")->capture_default_str();
    command_->add_flag("--force", force_, "Replace an existing output (with --resume: also stages of another configuration)");
    command_->add_flag("--resume", resume_,
                       "Continue a study in the output directory: stages already done with the same configuration and "
                       "options (study.json) are kept, the others run");
    command_->add_flag("--no-mc", no_mc_, "Only the prediction, sensitivity and their figures: no Monte Carlo");
    command_->add_option("--mc-exposure", mc_exposure_, "Data-taking time of the Monte Carlo: 90s, 30min, 12h, 1d, 180d")
        ->check(duration())
        ->capture_default_str();
    command_->add_option("--mc-min-signal", mc_min_signal_,
                         "Scale the beam (then the mass) of the Monte Carlo up until it holds this many CEvNS in the region "
                         "of interest (0: never scale)")
        ->check(CLI::Range(0.0, 1e7))
        ->capture_default_str();
    command_->add_option("--seed", seed_, "Random seed of the Monte Carlo: the same seed gives the same study")
        ->check(whole_number(0, UINT64_MAX))
        ->capture_default_str();
    threads_ = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    command_->add_option("-t,--threads", threads_, "Worker threads (the results do not depend on them)")
        ->check(whole_number(1, static_cast<std::uint64_t>(max_pipeline_threads())))
        ->capture_default_str();
    command_->add_option("--stop-after", stop_after_, "Stop after this stage (the report shows what is done)")
        ->check(CLI::IsMember(study::run_stage_names()));
  }

  [[nodiscard]] bool selected() const override { return command_->parsed(); }

  void run() const override {
    const auto started = std::chrono::steady_clock::now();
    study::RunRequest request;
    request.config_path = find_config(config_file_);
    request.overrides = overrides_;
    request.output = output_;
    request.force = force_;
    request.resume = resume_;
    request.no_mc = no_mc_;
    request.mc_exposure = mc_exposure_;
    request.mc_min_signal = mc_min_signal_;
    request.seed = seed_;
    request.threads = threads_;
    request.stop_after = stop_after_;
    request.command_line = command_line();
    std::optional<ProgressBar> bar;
    std::string bar_stage;
    request.progress = [&](const std::string& stage, double fraction, const std::string& what) {
      if (!bar || bar_stage != stage) bar.emplace(stage), bar_stage = stage;
      bar->update(fraction, what);
    };
    const auto outcome = study::run_study(request);
    std::cout << outcome.summary;
    logger("run")->info("the study took {}",
                        format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
  }

 private:
  [[nodiscard]] std::string command_line() const {
    std::string c = "cevns run --config " + (config_file_.empty() ? std::string("clovers.toml") : config_file_);
    for (const auto& o : overrides_) c += " --set " + o;
    c += " --output " + output_;
    if (no_mc_) c += " --no-mc";
    else c += fmt::format(" --mc-exposure {} --mc-min-signal {:g} --seed {}", mc_exposure_, mc_min_signal_, seed_);
    return c;
  }

  CLI::App* command_ = nullptr;
  std::string config_file_, output_ = "results", mc_exposure_ = study::RunRequest().mc_exposure, stop_after_;
  std::vector<std::string> overrides_;
  bool force_ = false, resume_ = false, no_mc_ = false;
  double mc_min_signal_ = study::RunRequest().mc_min_signal;
  std::uint64_t seed_ = 1;
  int threads_ = 1;
};

class Report final : public Command {
 public:
  explicit Report(CLI::App& app) {
    command_ = app.add_subcommand("report", "Write DIR/report.html again from the files of a finished cevns run");
    command_->add_option("dir", dir_, "The output directory of cevns run")->required();
  }
  [[nodiscard]] bool selected() const override { return command_->parsed(); }
  void run() const override {
    if (!fs::is_directory(dir_)) throw IoError(fmt::format("{} is not a directory", dir_));
    if (!fs::exists(fs::path(dir_) / "study.json"))
      throw IoError(fmt::format("{} has no study.json: not the output of cevns run", dir_));
    const io::OutputLock lock(dir_);  // not while a cevns run writes it
    const fs::path page = report::write_html_report(dir_);
    logger("report")->info("wrote {} ({})", page.string(), io::format_bytes(double(fs::file_size(page))));
  }

 private:
  CLI::App* command_ = nullptr;
  std::string dir_;
};

}  // namespace

std::unique_ptr<Command> add_run_command(CLI::App& app) { return std::make_unique<Run>(app); }
std::unique_ptr<Command> add_report_command(CLI::App& app) { return std::make_unique<Report>(app); }

}  // namespace cevns::app
