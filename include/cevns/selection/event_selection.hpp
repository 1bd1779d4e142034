#pragma once
/// \file
/// The event selection of the CLOVERS paper §2.4 applied to reconstructed data, with a
/// cut flow (per Monte Carlo source when truth is present), the selected spectra, and the
/// normalisation to protons on target.

#include <cstdint>
#include <array>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/core/spectrum.hpp"
#include "cevns/detector/detector_config.hpp"
#include "cevns/reco/reduced_event.hpp"

namespace cevns::selection {

/// The stages of the selection, in order.
enum class Stage : std::uint8_t {
  recorded,        ///< crystals with signal-region light (the candidates)
  no_veto,         ///< 1. trigger without µ-veto tag
  quiet_pretrace,  ///< 2. fewer than max_pretrace_npe PE in every pretrace of the trigger
  coincidence,     ///< 3. ≥ 1 PE in both PMTs of the crystal
  single_crystal,  ///< 4. the only crystal of its trigger passing 3
  region,          ///< in the NPE and arrival-time region of interest
};
inline constexpr int stage_count = 6;
std::string_view stage_name(Stage stage);

/// The two windows of every trigger, selected alike: the signal region after the beam
/// trigger, and the off-beam window in the pretrace (reco.off_beam_window_start_us), as
/// long and on the same time axis, which sees the steady-state backgrounds — dark counts,
/// radioactivity, environmental γ, cosmics — but not the beam.
enum class Window : std::uint8_t { on_beam, off_beam };
std::string_view window_name(Window window);  ///< "on-beam", "off-beam"

/// What the selection gives for one window, all sources together.
struct WindowSelection {
  /// Candidate crystals (light in this window) surviving each stage.
  std::array<std::uint64_t, stage_count> candidates{};
  /// Triggers left by the trigger-level criteria 1 and 2 — criterion 2 looking at the
  /// pretrace before this window: the whole pretrace for the signal region, the part
  /// before the off-beam window for that one.
  std::uint64_t triggers_kept = 0;
  /// triggers_kept × the length of the time axis (spectra time_min_us … time_max_us): the
  /// time in which a steady-state event could have been selected in this window.
  double live_time_s = 0.0;
  Spectrum npe;         ///< criteria 1–4 and the time region of interest; last bin: everything above
  Spectrum time;        ///< criteria 1–4 and the NPE region of interest
  /// Criteria 1–4, no region of interest: NPE bins n = 0 … npe_max ([n − ½, n + ½), no
  /// overflow bin) × the time bins of the spectra.
  Spectrum2D npe_time;

  WindowSelection(const Binning& npe_bins, const Binning& time_bins)
      : npe(npe_bins), time(time_bins), npe_time(npe_bins, time_bins) {}
};

struct CutFlow {
  std::uint64_t triggers = 0;             ///< every trigger of the run
  std::uint64_t triggers_without_veto = 0;
  double protons_on_target = 0.0;
  std::uint64_t beam_on_triggers = 0;
  /// Candidate crystals surviving each stage, in total and per truth source (−1: data).
  std::array<std::uint64_t, stage_count> candidates{};
  std::map<int, std::array<std::uint64_t, stage_count>> by_source;
};

/// Streams reduced blocks through the selection.
class EventSelection {
 public:
  /// `npe_max`: the NPE spectra hold 0 … npe_max (last bin: everything above);
  /// the time spectra span [time_min_us, time_max_us) in bins of time_bin_us.
  EventSelection(const SelectionConfig& config, int npe_max, double time_min_us, double time_max_us,
                 double time_bin_us);

  void add(const reco::ReducedBlock& block);

  /// One window's selection. The off-beam window is meaningful only for data with one
  /// (reco::ReducedRunInfo::off_beam_window_start_us): without, it has no light.
  [[nodiscard]] const WindowSelection& window(Window w) const { return w == Window::on_beam ? on_beam_ : off_beam_; }

  [[nodiscard]] const CutFlow& cut_flow() const { return flow_; }
  /// NPE of the selected crystals (criteria 1–4, time region) per truth source.
  [[nodiscard]] const std::map<int, Spectrum>& selected_npe() const { return selected_npe_; }
  /// Arrival time of the selected crystals (criteria 1–4, NPE region) per truth source.
  [[nodiscard]] const std::map<int, Spectrum>& selected_time() const { return selected_time_; }
  /// The paper's Figure 10: NPE of every candidate crystal of a non-vetoed trigger
  /// without and with the two-PMT coincidence (criterion 3), all sources together.
  [[nodiscard]] const Spectrum& npe_without_coincidence() const { return without_coincidence_; }
  [[nodiscard]] const Spectrum& npe_with_coincidence() const { return with_coincidence_; }

  /// Reconstructed against true photoelectrons of simulated candidates (signal region,
  /// both PMTs): for each true NPE n, how many, and the mean and rms of reco − true.
  struct NpeResponse {
    std::vector<double> entries, mean_difference, rms_difference;
  };
  [[nodiscard]] NpeResponse npe_response() const;

  /// Photoelectrons of a crystal as the selection counts them: the charges rounded.
  static int photoelectrons(float npe) { return static_cast<int>(npe + 0.5F); }

 private:
  void count(const reco::CrystalEvent& event, Stage passed);
  /// Criteria 1–4 and the region of interest in one window of one trigger's rows; returns
  /// whether criterion 2 removes the trigger there (after criterion 1).
  bool select(std::span<const reco::CrystalEvent> trigger, Window w);
  Spectrum& npe_of(int source);
  Spectrum& time_of(int source);

  SelectionConfig config_;
  Binning npe_bins_;
  Binning time_bins_;
  CutFlow flow_;
  std::map<int, Spectrum> selected_npe_;
  std::map<int, Spectrum> selected_time_;
  WindowSelection on_beam_;
  WindowSelection off_beam_;
  Spectrum without_coincidence_;
  Spectrum with_coincidence_;
  std::vector<double> response_n_, response_sum_, response_sum2_;  // per true NPE
};

}  // namespace cevns::selection
