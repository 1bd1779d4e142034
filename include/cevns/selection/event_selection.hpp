#pragma once
/// \file
/// The event selection of the CLOVERS paper §2.4 applied to reconstructed data, with a
/// cut flow (per Monte Carlo source when truth is present), the selected spectra, and the
/// normalisation to protons on target.

#include <cstdint>
#include <array>
#include <map>
#include <string>
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
  Spectrum& npe_of(int source);
  Spectrum& time_of(int source);

  SelectionConfig config_;
  Binning npe_bins_;
  Binning time_bins_;
  CutFlow flow_;
  std::map<int, Spectrum> selected_npe_;
  std::map<int, Spectrum> selected_time_;
  Spectrum without_coincidence_;
  Spectrum with_coincidence_;
  std::vector<double> response_n_, response_sum_, response_sum2_;  // per true NPE
};

}  // namespace cevns::selection
