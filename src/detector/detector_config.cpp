#include "cevns/detector/detector_config.hpp"

#include <cmath>

#include "cevns/core/error.hpp"
#include "cevns/physics/target.hpp"

namespace cevns {

void DetectorConfig::validate() const {
  try {
    (void)Target::from_formula(material);
  } catch (const ConfigError& e) {
    throw InvalidValue("detector.material", "\"" + material + "\"", e.what());
  }
  require_positive("detector.mass_kg", mass_kg);
  if (crystals < 1) throw InvalidValue("detector.crystals", std::to_string(crystals), "must be at least 1");
  if (light_yield_PE_per_keVee.size() != 1 && light_yield_PE_per_keVee.size() != static_cast<std::size_t>(crystals))
    throw InvalidValue("detector.light_yield_PE_per_keVee", std::to_string(light_yield_PE_per_keVee.size()) + " values",
                       "needs one value for all crystals or one per crystal (" + std::to_string(crystals) + ")");
  for (double ly : light_yield_PE_per_keVee) require_positive("detector.light_yield_PE_per_keVee", ly);
  if (!(pmt_share > 0.0 && pmt_share < 1.0))
    throw InvalidValue("detector.pmt_share", format_value(pmt_share), "must be in (0, 1); 0.5 for a symmetric crystal");
  if (!(spe_resolution >= 0.0 && spe_resolution < 2.0))
    throw InvalidValue("detector.spe_resolution", format_value(spe_resolution), "must be in [0, 2); PMTs: 0.3–0.5");
  quenching.validate();
}

double DetectorConfig::light_yield(int index) const {
  return light_yield_PE_per_keVee.size() == 1 ? light_yield_PE_per_keVee.front()
                                              : light_yield_PE_per_keVee.at(static_cast<std::size_t>(index));
}

void AcceptanceConfig::validate() const {
  if (model == AcceptanceModel::none) return;
  if (!(a > 0.0 && a <= 1.0)) throw InvalidValue("selection.acceptance.a", format_value(a), "must be in (0, 1]");
  require_positive("selection.acceptance.k", k);
  if (!std::isfinite(x0)) throw InvalidValue("selection.acceptance.x0", format_value(x0), "must be finite");
  if (!(step_PE >= 0.0)) throw InvalidValue("selection.acceptance.step_PE", format_value(step_PE), "must be >= 0");
}

double AcceptanceConfig::operator()(int photoelectrons) const {
  if (model == AcceptanceModel::none) return 1.0;
  const double x = photoelectrons - 0.5;  // centre of the n-th 1-PE bin
  const double step = x < step_PE ? 0.0 : (x < step_PE + 1.0 ? 0.5 : 1.0);
  return a / (1.0 + std::exp(-k * (x - x0))) * step;
}

void SelectionConfig::validate() const {
  for (auto [key, value] : {std::pair{"selection.muon_veto_efficiency", muon_veto_efficiency},
                            std::pair{"selection.afterglow_efficiency", afterglow_efficiency}})
    if (!(value > 0.0 && value <= 1.0)) throw InvalidValue(key, format_value(value), "must be in (0, 1]");
  acceptance.validate();
  if (!(min_pmt_npe > 0.0 && min_pmt_npe <= 1.0))
    throw InvalidValue("selection.min_pmt_npe", format_value(min_pmt_npe), "must be in (0, 1]");
  if (!(max_pretrace_npe > 0.0) || !std::isfinite(max_pretrace_npe))
    throw InvalidValue("selection.max_pretrace_npe", format_value(max_pretrace_npe), "must be a positive number");
  if (roi_npe_min < 0 || roi_npe_max < roi_npe_min)
    throw InvalidValue("selection.roi_npe_max", std::to_string(roi_npe_max),
                       "must be >= selection.roi_npe_min = " + std::to_string(roi_npe_min) + " >= 0");
  if (roi_npe_max > 5000) throw InvalidValue("selection.roi_npe_max", std::to_string(roi_npe_max), "must be <= 5000");
  if (roi_time_min_us && roi_time_max_us && !(*roi_time_max_us > *roi_time_min_us))
    throw InvalidValue("selection.roi_time_max_us", format_value(*roi_time_max_us),
                       "must be larger than selection.roi_time_min_us");
}

}  // namespace cevns
