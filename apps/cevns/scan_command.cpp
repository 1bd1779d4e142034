// cevns scan — profile-likelihood scans in parameters of the prediction (docs/statistics.md, "cevns scan").

#include "scan_command.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/experiment/signal_response.hpp"
#include "cevns/fit/fit.hpp"
#include "cevns/fit/scan.hpp"
#include "cevns/io/config_reader.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/report/fit_plots.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "progress.hpp"

namespace cevns::app {
namespace {

namespace fs = std::filesystem;

/// The value of numeric configuration key `key` in `config` (its TOML form).
double numeric_key(const ExperimentConfig& config, const std::string& key, double low) {
  const auto table = toml::parse(io::to_toml(config));
  const auto node = table.at_path(key);
  if (const auto v = node.value<double>()) return *v;
  if (!node) {  // unset: a key only if the reader takes it (it names the key and what is allowed when not)
    (void)io::parse_experiment_config(io::to_toml(config), "the configuration", {fmt::format("{}={:.17g}", key, low)});
  }
  if (node) throw ConfigError(fmt::format("--param {}: not a number in this configuration (a scan needs a numeric key)", key));
  // A key the configuration leaves unset (e.g. physics.neutron_radius_fm.all): no reference value.
  return std::numeric_limits<double>::quiet_NaN();
}

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
    std::vector<fit::ScanAxis> axes;
    for (const auto& p : params_) axes.push_back(fit::parse_scan_axis(p));
    if (axes.size() > 2) throw ConfigError("cevns scan: --param at most twice (1-D and 2-D scans)");
    const auto experiment = fit_experiment(config_file_, overrides_, data_);
    auto in = fit::load_fit_inputs(data_, fit_config_, asimov_, experiment.predict_with, "scan");
    const auto& config = in.config;
    std::optional<io::OutputLock> lock;
    std::vector<fs::path> inputs{experiment.config_path};
    if (in.have_data) inputs.emplace_back(data_);
    // Under MPI every rank scans its share of the points; rank 0 alone writes.
    if (!output_.empty() && job_rank() == 0)
      lock.emplace(io::claim_output(output_, io::OutputKind::directory, inputs, force_));
    auto built = fit::build_model(in.prediction, in.data, config, in.repredict);
    auto& model = built.model;
    for (const auto& name : free_) {
      auto& p = model.parameters()[model.index(name)];
      p.constraint = fit::Constraint::none;
      p.fixed = false;
    }
    for (const auto& [name, value] : parse_fix_options(fix_)) {
      auto& p = model.parameters()[model.index(name)];
      if (!(value >= p.lower && value <= p.upper))
        throw ConfigError(fmt::format("--fix {}={}: outside the parameter's range [{}, {}]", name, format_value(value),
                                      format_value(p.lower), format_value(p.upper)));
      p.nominal = value;
      p.fixed = true;
    }
    for (const auto& p : model.parameters())
      if ((p.name == "cevns" || p.name == "cevns_prompt" || p.name == "cevns_delayed") && !p.fixed &&
          p.constraint == fit::Constraint::none)
        logger("scan")->warn("the CEvNS normalisation '{}' is free: only the spectral shape constrains the scanned "
                             "parameters (set fit.cevns_sigma to the rate uncertainty, or --fix {}=1)",
                             p.name, p.name);

    std::vector<double> reference;
    for (const auto& a : axes) reference.push_back(numeric_key(in.prediction.config, a.name, a.low));
    const bool fast = !full_predict_ && std::all_of(axes.begin(), axes.end(), [](const fit::ScanAxis& a) {
      return a.name.rfind("physics.", 0) == 0;
    });
    // The templates at a point: the configuration with the axes' values set, its CEvNS
    // signal from the cached detector response (physics.* keys change only the cross
    // section), or a whole prediction for any other key.
    const std::string toml_text = io::to_toml(in.prediction.config);
    Prediction light = in.prediction;  // what cevns_templates reads: the signal and the configuration
    light.backgrounds.clear();
    light.channels.clear();
    std::optional<SignalResponse> response;
    if (fast) response.emplace(in.prediction.config);
    const double factor = in.exposure_factor;
    const auto overrides_at = [&](const std::vector<double>& values) {
      std::vector<std::string> o;
      for (std::size_t a = 0; a < axes.size(); ++a) o.push_back(fmt::format("{}={:.17g}", axes[a].name, values[a]));
      return o;
    };
    const fit::PointTemplates templates = [&](const std::vector<double>& values) {
      const auto point_config = io::parse_experiment_config(toml_text, experiment.config_path.string(), overrides_at(values));
      if (!fast) return fit::cevns_templates(in.repredict(overrides_at(values)), in.data, config);
      Prediction p = light;
      p.config = point_config;
      auto signal = response->signal(point_config.physics);
      for (auto& [flavor, s] : signal) {
        for (auto& c : s.counts) c *= factor;
        for (std::size_t i = 0; i < s.counts.size(); ++i)
          require_finite(fmt::format("scan: CEvNS signal of {} at {}", flavor_name(flavor), fmt::join(values, ", ")),
                         s.counts[i]);
      }
      p.signal = std::move(signal);
      return fit::cevns_templates(p, in.data, config);
    };
    if (fast && std::all_of(reference.begin(), reference.end(), [](double v) { return std::isfinite(v); })) {
      // the cached response must give the prediction's own templates at the reference
      const auto at_reference = templates(reference);
      for (const auto& s : model.samples()) {
        const auto it = at_reference.find(s.name);
        if (it == at_reference.end()) continue;
        for (std::size_t b = 0; b < s.nominal.size(); ++b)
          if (std::abs(it->second[b] - s.nominal[b]) > 1e-9 * std::max(1.0, s.nominal[b]))
            throw NumericalError(fmt::format("scan: the cached detector response gives {} events in bin {} of '{}', the "
                                             "prediction {} (a bug: run with --full-predict)",
                                             it->second[b], b, s.name, s.nominal[b]));
      }
    }
    if (fast) {
      logger("scan")->info("cached detector response: {} recoil-energy nodes per point", response->node_count());
    } else {
      logger("scan")->info("every scan point predicted in full ({})", full_predict_ ? "--full-predict"
                                                                                    : "a --param outside physics.*");
    }
    const fit::Dataset dataset =
        asimov_ ? model.asimov(model.nominal()) : fit::Dataset{in.data.flat_counts(), model.nominal_aux()};

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
      result = fit::profile_scan(model, dataset, axes, templates, reference, options);
      times.push_back(result.seconds);
    }
    auto json = fit::to_json(result);
    json["experiment"] = in.prediction.config.name;
    json["fit_config"] = config.source;
    json["data"] = asimov_ ? "Asimov data of the nominal model" : in.data.source;
    json["templates"] = fast ? "cached detector response" : "full prediction per point";
    if (format_ == "json")
      std::cout << json.dump(2) << '\n';
    else
      std::cout << fit::format_scan_table(result);
    if (bench_ > 0) {
      std::sort(times.begin(), times.end());
      std::cout << fmt::format("benchmark: {} point{}, {} thread{}, {} repeat{}: min {:.2f} s, median {:.2f} s\n",
                               result.delta.size(), result.delta.size() == 1 ? "" : "s", threads_, threads_ == 1 ? "" : "s",
                               times.size(), times.size() == 1 ? "" : "s", times.front(), times[times.size() / 2]);
    }
    if (lock) {
      fs::create_directories(output_);
      io::write_file_atomically(fs::path(output_) / "scan.json", json.dump(2) + "\n");
      io::write_file_atomically(fs::path(output_) / "scan.csv", fit::to_csv(result));
      logger("scan")->info("wrote {} and scan.csv", (fs::path(output_) / "scan.json").string());
      for (const auto& f : report::write_scan_figures(result, in.prediction.config.name, output_))
        logger("scan")->info("wrote {}", f.string());
    }
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
