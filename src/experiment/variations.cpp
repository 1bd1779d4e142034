#include "cevns/experiment/variations.hpp"

namespace cevns {

ExperimentConfig shifted(const ExperimentConfig& config, const SystematicConfig& systematic, double sigmas) {
  ExperimentConfig c = config;
  const double shift = sigmas >= 0.0 ? sigmas * systematic.plus_sigma : sigmas * systematic.minus_sigma;
  switch (systematic.parameter) {
    case SystematicParameter::quenching:
      c.detector.quenching.shift_sigma += shift;
      for (auto& q : c.detector.quenching_by_crystal) q.shift_sigma += shift;
      break;
    case SystematicParameter::light_yield:
      for (double& ly : c.detector.light_yield_PE_per_keVee) ly *= 1.0 + shift;
      break;
    case SystematicParameter::acceptance_a:
      c.selection.acceptance.a += shift;
      for (auto& a : c.selection.acceptance_by_crystal) a.a += shift;
      break;
    case SystematicParameter::acceptance_k:
      c.selection.acceptance.k += shift;
      for (auto& a : c.selection.acceptance_by_crystal) a.k += shift;
      break;
    case SystematicParameter::acceptance_x0:
      c.selection.acceptance.x0 += shift;
      for (auto& a : c.selection.acceptance_by_crystal) a.x0 += shift;
      break;
    case SystematicParameter::beam_timing:
      for (double& t : c.source.pulse.bunch_times_ns) t += shift;
      break;
    case SystematicParameter::neutrino_yield:
      c.source.beam.nu_per_proton_per_flavor *= 1.0 + shift;
      if (c.source.flux_per_cm2_s_per_flavor) *c.source.flux_per_cm2_s_per_flavor *= 1.0 + shift;
      if (c.source.flux_table) {  // a table's yields are its cells
        auto table = std::make_shared<FluxTable>(*c.source.flux_table);
        for (auto& cells : table->nu_per_pot)
          for (double& v : cells) v *= 1.0 + shift;
        c.source.flux_table = std::move(table);
      }
      break;
  }
  return c;
}

std::vector<Variation> predict_variations(const ExperimentConfig& config) {
  config.validate();
  std::vector<Variation> variations;
  for (const auto& systematic : config.systematics)
    variations.push_back({systematic.name, systematic.parameter, predict(shifted(config, systematic, -1.0)),
                          predict(shifted(config, systematic, +1.0))});
  return variations;
}

}  // namespace cevns
