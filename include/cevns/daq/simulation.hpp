#pragma once
/// \file
/// The Monte Carlo of what the DAQ records: beam triggers, CEvNS and background
/// interactions drawn from the same models as `cevns predict`, scintillation light,
/// PMT dark counts, afterpulses and afterglow, veto tags — trigger block by trigger
/// block, each from its own random stream, so that the physics content of a run depends
/// only on its seed, never on the thread count.
///
/// Only what is not empty is simulated: events are drawn per block from Poisson totals
/// and placed on triggers, so an empty trigger costs a few random numbers (its beam
/// record and veto), never a waveform sample in zero-suppressed mode.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cevns/core/random.hpp"
#include "cevns/daq/daq_config.hpp"
#include "cevns/daq/raw_event.hpp"
#include "cevns/experiment/experiment_config.hpp"

namespace cevns::daq {

/// Everything a simulation needs: the experiment and its data acquisition.
struct SimulationConfig {
  ExperimentConfig experiment;
  DaqConfig daq;

  void validate() const;
};

/// The most triggers a run may have: 10¹² is over 1200 years of beam at CSNS' 25 Hz and
/// 500 at the SNS' 60 Hz; a larger count is a typo, not a run.
inline constexpr std::uint64_t max_run_triggers = 1'000'000'000'000;

/// Throws ConfigError unless the selection's time region of interest lies in the signal
/// region the digitiser records (the end of the pretrace to the end of the waveform,
/// relative to the first bunch). `simulate` and `select` need it; `predict` does not.
void check_time_roi_is_recorded(const SimulationConfig& config);

/// Samples a distribution tabulated as a cumulative distribution on a grid (x increasing,
/// cdf non-decreasing from 0 to 1), by linear interpolation of the inverse.
class TabulatedSampler {
 public:
  TabulatedSampler() = default;
  TabulatedSampler(std::vector<double> x, std::vector<double> cdf);
  [[nodiscard]] double operator()(double uniform) const;
  [[nodiscard]] bool empty() const { return x_.empty(); }

 private:
  std::vector<double> x_;
  std::vector<double> cdf_;
};

class WaveformSynthesizer;

/// One run's Monte Carlo.
class Simulation {
 public:
  Simulation(const SimulationConfig& config, WaveformMode mode);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// The run description (without the configuration text, which io adds).
  [[nodiscard]] RunInfo run_info(std::uint64_t seed) const;
  /// Triggers per block: the configured number, reduced in full mode so that one block
  /// of waveforms stays below 256 MB.
  [[nodiscard]] std::uint64_t triggers_per_block() const { return triggers_per_block_; }
  /// Simulates block `index` (triggers [index·B, index·B + count)); thread-safe. Full
  /// mode: the waveforms go into `waveforms`, a buffer of an earlier block whose memory is
  /// reused (every sample is written, so nothing needs zeroing).
  [[nodiscard]] TriggerBlock simulate_block(std::uint64_t seed, std::uint64_t index, std::uint64_t count,
                                            std::vector<std::int16_t> waveforms = {}) const;

  // The physics samplers, exposed for the tests of their distributions.
  /// Expected interactions of each source per beam-on trigger (CEvNS, beam-related
  /// backgrounds; at nominal protons per pulse) and per trigger (steady backgrounds).
  [[nodiscard]] const std::vector<std::string>& source_names() const { return source_names_; }
  [[nodiscard]] double expected_per_trigger(std::uint16_t source) const;
  /// Expected dark pulses per trigger in the two PMTs of `crystal` (daq.pmt.dark_rate_Hz).
  [[nodiscard]] double expected_dark_counts(int crystal) const;
  /// A CEvNS recoil energy (keVnr) of flavour `flavor` on any isotope, from `rng`.
  [[nodiscard]] double sample_recoil_keVnr(Flavor flavor, Rng& rng) const;
  /// An arrival time (ns, relative to the first proton bunch) of flavour `flavor`.
  [[nodiscard]] double sample_arrival_ns(Flavor flavor, Rng& rng) const;
  /// Whether an event arriving at `arrival_us` (µs, the spectra's time axis) survives the
  /// analysis's time efficiency: drawn with probability ε(arrival_us), always true (and no
  /// draw) without one (selection.time_efficiency).
  [[nodiscard]] bool kept_by_time_efficiency(double arrival_us, Rng& rng) const;
  /// A scintillation emission delay (ns).
  [[nodiscard]] double sample_scintillation_delay_ns(Rng& rng) const;

  /// Indices of the fixed sources in source_names().
  static constexpr std::uint16_t dark_count = 0;
  static constexpr std::uint16_t afterpulse = 1;
  static constexpr std::uint16_t afterglow = 2;
  static constexpr std::uint16_t large_deposit = 3;
  static constexpr std::uint16_t first_cevns = 4;  ///< + flavour index

 private:
  struct Channel;  // CEvNS of one flavour on one isotope
  struct Background;
  /// Returns whether both PMTs of the crystal received a photoelectron.
  bool add_deposit(TriggerBlock& block, std::uint64_t trigger, double window_time_ns, std::uint16_t crystal,
                   std::uint32_t photoelectrons, float recoil_keVnr, float visible_keVee, std::uint16_t source,
                   Rng& rng) const;
  void add_photoelectron(TriggerBlock& block, std::uint64_t trigger, double time_ns, std::uint16_t channel,
                         std::uint16_t source, Rng& rng) const;
  void add_afterglow(TriggerBlock& block, std::uint64_t seed, Rng& rng) const;

  SimulationConfig config_;
  WaveformMode mode_;
  std::uint64_t triggers_per_block_;
  std::uint16_t channels_;
  double window_ns_;
  double pretrace_ns_;
  double pot_per_pulse_;
  std::vector<std::string> source_names_;
  std::vector<Channel> cevns_;
  std::vector<Background> backgrounds_;
  std::vector<Flavor> flavors_;        // the source's (DecayAtRestSource::flavors())
  std::vector<double> cevns_per_pot_;  // per flavour
  std::vector<TabulatedSampler> arrival_;  // per flavour
  std::vector<double> light_yield_;        // per crystal
  std::unique_ptr<WaveformSynthesizer> synthesizer_;
};

/// Progress of a run, for progress bars.
struct Progress {
  std::uint64_t triggers_done = 0;
  std::uint64_t triggers_total = 0;
  double elapsed_s = 0.0;
};

/// Simulates `triggers` triggers on `threads` threads (≥ 1) and hands every block to
/// `sink` in block order on the calling thread, holding at most 2 × threads blocks in
/// memory. `progress` (optional) is called after each block.
void run_simulation(const Simulation& simulation, std::uint64_t triggers, std::uint64_t seed, int threads,
                    const std::function<void(TriggerBlock&&)>& sink,
                    const std::function<void(const Progress&)>& progress = {});

/// The blocks of a run of `triggers` triggers: ⌈triggers / triggers_per_block⌉.
[[nodiscard]] std::uint64_t block_count(const Simulation& simulation, std::uint64_t triggers);

/// run_simulation of blocks [first_block, end_block) of the run only (a part of it, for
/// `--part` and MPI ranks): the same blocks, bit for bit, as the whole run makes, since each
/// block has its own random stream. `progress` counts the triggers of these blocks.
void run_simulation(const Simulation& simulation, std::uint64_t triggers, std::uint64_t seed, int threads,
                    const std::function<void(TriggerBlock&&)>& sink, const std::function<void(const Progress&)>& progress,
                    std::uint64_t first_block, std::uint64_t end_block);

}  // namespace cevns::daq
