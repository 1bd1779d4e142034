#pragma once
/// \file
/// Backgrounds as expected spectra in NPE × arrival time after the selection.
///
/// `BackgroundModel` is the interface every background implements: `TemplateBackground`, a
/// configured count in the region of interest with an analytic shape, and
/// `PmtDarkCountBackground`, computed from the PMTs' dark pulses (docs/backgrounds.md).
/// Physical models of beam neutrons and radioactivity will implement the same interface.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/core/named_values.hpp"
#include "cevns/detector/detector_config.hpp"
#include "cevns/core/spectrum.hpp"
#include "cevns/source/arrival_time.hpp"

namespace cevns {

/// The dark-pulse and window parameters of the PMT dark-count model: the Monte Carlo's own
/// daq.pmt and daq.digitizer values, copied by the configuration reader
/// (`daq::dark_count_inputs`); the defaults are those of daq::DaqConfig.
struct DarkCountInputs {
  double dark_rate_Hz = 111.0;               ///< per PMT (daq.pmt.dark_rate_Hz)
  double multi_pe_fraction = 0.05;           ///< daq.pmt.dark_multi_pe_fraction
  double multi_pe_mean = 1.5;                ///< daq.pmt.dark_multi_pe_mean (extra PE, ≥ 1)
  double afterpulse_probability = 0.01;      ///< per photoelectron (daq.pmt)
  double afterpulse_delay_ns = 1500.0;
  double afterpulse_delay_spread_ns = 500.0;
  double spe_resolution = 0.35;              ///< relative single-PE charge width (daq.pmt)
  double window_ns = 51000.0;                ///< recorded waveform (daq.digitizer.window_us)
  double pretrace_ns = 40000.0;              ///< daq.digitizer.pretrace_us
  double beam_delay_ns = 1000.0;             ///< daq.digitizer.beam_delay_ns
};

/// What a background model needs to know about the study.
struct BackgroundContext {
  double exposure_kg_days = 0.0;         ///< target mass × data-taking days
  const ArrivalTimeModel* arrival_time;  ///< the beam's timing (for beam-related shapes)
  int roi_npe_min = 0;
  int roi_npe_max = 0;
  double triggers = 0.0;                 ///< DAQ triggers of the exposure (repetition rate × beam time)
  const DetectorConfig* detector = nullptr;
  const SelectionConfig* selection = nullptr;
  const DarkCountInputs* dark_counts = nullptr;
};

class BackgroundModel {
 public:
  virtual ~BackgroundModel() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  /// What the background is proportional to, for reports: "per kg·day", "per trigger".
  [[nodiscard]] virtual std::string drivers() const = 0;
  /// Expected counts after the selection over NPE (bin n = n photoelectrons) × arrival
  /// time (µs), for the context's exposure.
  [[nodiscard]] virtual Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                            const BackgroundContext& context) const = 0;
};

enum class NpeShape {
  flat,         ///< uniform in NPE
  exponential,  ///< ∝ exp(−n/decay_PE): piled at the lowest NPE
};
enum class TimeShape {
  flat,    ///< steady in time (radioactivity, dark counts, cosmics)
  prompt,  ///< with the beam: the prompt-neutrino arrival-time profile
};

enum class BackgroundKind {
  template_spectrum,  ///< a configured ROI count with an analytic shape
  pmt_dark_counts,    ///< computed from daq.pmt and the selection (no normalisation)
};

inline constexpr NamedValues<BackgroundKind, 2> background_kind_names{
    {{{"template", BackgroundKind::template_spectrum}, {"pmt-dark-counts", BackgroundKind::pmt_dark_counts}}}};
inline constexpr NamedValues<NpeShape, 2> npe_shape_names{{{{"flat", NpeShape::flat},
                                                           {"exponential", NpeShape::exponential}}}};
inline constexpr NamedValues<TimeShape, 2> time_shape_names{{{{"flat", TimeShape::flat}, {"prompt", TimeShape::prompt}}}};
constexpr std::string_view to_string(BackgroundKind kind) { return background_kind_names.name(kind); }
constexpr std::string_view to_string(NpeShape shape) { return npe_shape_names.name(shape); }
constexpr std::string_view to_string(TimeShape shape) { return time_shape_names.name(shape); }

/// One [[backgrounds]] entry. model = "template": its count in the NPE region of interest
/// (whole time window) for a reference exposure, scaled linearly with mass × days.
/// model = "pmt-dark-counts": computed from the PMTs; only name and origin apply.
struct BackgroundTemplateConfig {
  std::string name;
  BackgroundKind model = BackgroundKind::template_spectrum;
  double roi_events = 0.0;          ///< after the selection, in the NPE region of interest
  double reference_kg_days = 1.0;   ///< the exposure `roi_events` refers to
  NpeShape npe_shape = NpeShape::flat;
  double npe_decay_PE = 10.0;       ///< for the exponential shape
  TimeShape time_shape = TimeShape::flat;
  std::string origin;               ///< where the numbers come from (for reports)
  /// Whether the waveform Monte Carlo draws this background from the template; false for
  /// what it models itself (PMT dark counts, from daq.pmt.dark_rate_Hz).
  bool simulate = true;

  /// `key` is the configuration path, e.g. "backgrounds[0]".
  void validate(const std::string& key) const;
};

class TemplateBackground final : public BackgroundModel {
 public:
  explicit TemplateBackground(BackgroundTemplateConfig config);
  [[nodiscard]] const std::string& name() const override { return config_.name; }
  [[nodiscard]] std::string drivers() const override { return "per kg·day (template)"; }
  [[nodiscard]] Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                    const BackgroundContext& context) const override;

 private:
  BackgroundTemplateConfig config_;
};

/// Per-PMT signal-region photoelectrons of dark pulses and their afterpulses, and the
/// selected crystal's NPE, per trigger (docs/backgrounds.md, "PMT dark counts").
struct DarkCountsPerTrigger {
  std::vector<double> pmt_signal_pe;    ///< P(k PE in one PMT's signal region)
  std::vector<double> pmt_pretrace_pe;  ///< P(k PE in one PMT's pretrace)
  double pretrace_quiet = 1.0;          ///< P(one PMT's pretrace charge < max_pretrace_npe)
  double crystal_coincidence = 0.0;     ///< P(a crystal passes criterion 3)
  /// Expected selected crystals per trigger per observed NPE (criteria 1–4, all crystals).
  std::vector<double> selected_npe;
};

/// Computes `DarkCountsPerTrigger` for NPE bins 0 … npe_max (the last one: everything above).
DarkCountsPerTrigger dark_counts_per_trigger(const DarkCountInputs& pmt, const DetectorConfig& detector,
                                             const SelectionConfig& selection, int npe_max);

/// PMT dark counts: dark pulses (single and multi-PE) and afterpulses of every PMT,
/// Poisson-superposed, folded to a crystal's NPE, through criteria 1–4, per trigger ×
/// the exposure's triggers. Arrival time: the first pulse of the crystal.
class PmtDarkCountBackground final : public BackgroundModel {
 public:
  explicit PmtDarkCountBackground(std::string name) : name_(std::move(name)) {}
  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::string drivers() const override { return "per trigger"; }
  [[nodiscard]] Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                    const BackgroundContext& context) const override;

 private:
  std::string name_;
};

/// One model per configured background.
std::vector<std::unique_ptr<BackgroundModel>> make_backgrounds(const std::vector<BackgroundTemplateConfig>& configs);

}  // namespace cevns
