#include "cevns/reco/reco_config.hpp"

#include <cmath>
#include <string>

#include "cevns/core/error.hpp"

namespace cevns::reco {
namespace {

// The largest excursion a 16-bit signed sample can make from any baseline.
constexpr double max_threshold_adc = 32767.0;
constexpr std::uint32_t max_integration_samples = 100000;
// calibrate_single_pe_charge() needs at least this many charges (waveform_reco.cpp).
constexpr std::uint32_t min_calibration_pulses = 100;

}  // namespace

void RecoConfig::validate() const {
  require_positive("reco.pulse_threshold_adc", pulse_threshold_adc);
  if (pulse_threshold_adc > max_threshold_adc)
    throw InvalidValue("reco.pulse_threshold_adc", format_value(pulse_threshold_adc),
                       "must be at most 32767, the range of a 16-bit sample");
  if (integration_pre_samples > max_integration_samples)
    throw InvalidValue("reco.integration_pre_samples", std::to_string(integration_pre_samples),
                       "must be at most 100000");
  if (integration_post_samples > max_integration_samples)
    throw InvalidValue("reco.integration_post_samples", std::to_string(integration_post_samples),
                       "must be at most 100000");
  // A single PE is a pulse of tens of ADC counts over tens of samples (≈ 500); the bound is
  // the largest excursion over the longest integration.
  if (!(spe_charge_adc_samples >= 0.0 && spe_charge_adc_samples <= 1e7))
    throw InvalidValue("reco.spe_charge_adc_samples", format_value(spe_charge_adc_samples),
                       "must be zero (calibrate from the data) or positive, at most 10⁷ (≈ 500 for a 40-ADC pulse)");
  if (spe_charge_adc_samples == 0.0 && calibration_pulses < min_calibration_pulses)
    throw InvalidValue("reco.calibration_pulses", std::to_string(calibration_pulses),
                       "must be at least 100 to locate the single-PE peak; or set reco.spe_charge_adc_samples");
  if (calibration_pulses > 100'000'000)
    throw InvalidValue("reco.calibration_pulses", std::to_string(calibration_pulses),
                       "must be at most 10⁸; a few thousand locate the peak");
  if (!(max_baseline_rms_adc > 0.0 && max_baseline_rms_adc <= max_threshold_adc))
    throw InvalidValue("reco.max_baseline_rms_adc", format_value(max_baseline_rms_adc),
                       "must be in (0, 32767], the range of a 16-bit sample");
}

}  // namespace cevns::reco
