#include "cevns/background/background.hpp"

#include <cmath>

#include "cevns/core/error.hpp"
#include "cevns/core/units.hpp"

namespace cevns {
void BackgroundTemplateConfig::validate(const std::string& key) const {
  if (name.empty()) throw InvalidValue(key + ".name", "\"\"", "every background needs a name");
  // Counts in the region of interest: CLOVERS Table 2 lists 7–666 for 2160 kg·days.
  require_range(key + ".roi_events", roi_events, 0.0, 1e9, "events after the selection in the region of interest");
  require_range(key + ".reference_kg_days", reference_kg_days, 1e-3, 1e8, "a mass × days of data taking");
  // 10⁴ per kg·day in the ROI is 3·10⁴ times CLOVERS' largest background (0.31): a rate the
  // simulation can still make in memory.
  if (roi_events / reference_kg_days > 1e4)
    throw InvalidValue(key + ".roi_events", format_value(roi_events),
                       "is more than 10⁴ events per kg·day (with reference_kg_days = " + format_value(reference_kg_days) +
                           "); CLOVERS' largest background is 0.31");
  // Below 0.1 PE the exponential puts everything in the 0-PE bin, above 10⁴ it is flat.
  require_range(key + ".npe_decay_PE", npe_decay_PE, 0.1, 1e4, "photoelectrons");
}

TemplateBackground::TemplateBackground(BackgroundTemplateConfig config) : config_(std::move(config)) {}

Spectrum2D TemplateBackground::expected(const Binning& npe, const Binning& time_us,
                                        const BackgroundContext& context) const {
  // NPE shape, normalised to one in the region of interest.
  Spectrum npe_shape(npe);
  double in_roi = 0.0;
  for (std::size_t bin = 0; bin < npe.size(); ++bin) {
    const double n = npe.center(bin);
    npe_shape.counts[bin] = config_.npe_shape == NpeShape::flat ? 1.0 : std::exp(-n / config_.npe_decay_PE);
    if (n >= context.roi_npe_min && n <= context.roi_npe_max) in_roi += npe_shape.counts[bin];
  }
  const double events = config_.roi_events * context.exposure_kg_days / config_.reference_kg_days;
  for (double& c : npe_shape.counts) c *= in_roi > 0.0 ? events / in_roi : 0.0;

  // Time shape over the window, normalised by Spectrum2D::outer.
  Spectrum time_shape(time_us);
  for (std::size_t bin = 0; bin < time_us.size(); ++bin)
    time_shape.counts[bin] =
        config_.time_shape == TimeShape::flat
            ? time_us.width(bin)
            : context.arrival_time->probability(Flavor::nu_mu, time_us.low(bin) * units::us, time_us.high(bin) * units::us);
  return Spectrum2D::outer(npe_shape, time_shape);
}

std::vector<std::unique_ptr<BackgroundModel>> make_backgrounds(const std::vector<BackgroundTemplateConfig>& configs) {
  std::vector<std::unique_ptr<BackgroundModel>> models;
  for (const auto& c : configs) models.push_back(std::make_unique<TemplateBackground>(c));
  return models;
}

}  // namespace cevns
