#pragma once
/// \file
/// Backgrounds as expected spectra in NPE × arrival time after the selection.
///
/// `BackgroundModel` is the interface every background implements; today the only
/// implementation is `TemplateBackground`, a configured count in the region of interest
/// with an analytic shape. Physical models (beam neutrons through the shielding, PMT dark
/// counts, radioactivity) will implement the same interface.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/core/named_values.hpp"
#include "cevns/core/spectrum.hpp"
#include "cevns/source/arrival_time.hpp"

namespace cevns {

/// What a background model needs to know about the study.
struct BackgroundContext {
  double exposure_kg_days = 0.0;         ///< target mass × data-taking days
  const ArrivalTimeModel* arrival_time;  ///< the beam's timing (for beam-related shapes)
  int roi_npe_min = 0;
  int roi_npe_max = 0;
};

class BackgroundModel {
 public:
  virtual ~BackgroundModel() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
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

inline constexpr NamedValues<NpeShape, 2> npe_shape_names{{{{"flat", NpeShape::flat},
                                                           {"exponential", NpeShape::exponential}}}};
inline constexpr NamedValues<TimeShape, 2> time_shape_names{{{{"flat", TimeShape::flat}, {"prompt", TimeShape::prompt}}}};
constexpr std::string_view to_string(NpeShape shape) { return npe_shape_names.name(shape); }
constexpr std::string_view to_string(TimeShape shape) { return time_shape_names.name(shape); }

/// A background given as its count in the NPE region of interest (whole time window)
/// for a reference exposure, scaled linearly with mass × days.
struct BackgroundTemplateConfig {
  std::string name;
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
  [[nodiscard]] Spectrum2D expected(const Binning& npe, const Binning& time_us,
                                    const BackgroundContext& context) const override;

 private:
  BackgroundTemplateConfig config_;
};

/// One model per configured template.
std::vector<std::unique_ptr<BackgroundModel>> make_backgrounds(const std::vector<BackgroundTemplateConfig>& configs);

}  // namespace cevns
