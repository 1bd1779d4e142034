#include "cevns/experiment/experiment_config.hpp"

#include <cmath>
#include <map>

#include "cevns/core/error.hpp"
#include "cevns/core/units.hpp"

namespace cevns {
void SpectraConfig::validate() const {
  // Recoils: the decay-at-rest end point (52.8 MeV neutrinos) is ≈ 47 keVnr on CsI, ≈ 150
  // on Ar and 1.5 MeV on ⁴He, the lightest nucleus anyone would use.
  require_range("spectra.recoil_max_keVnr", recoil_max_keVnr, 0.0, 2000.0,
                "the decay-at-rest end point is below 1.5 MeV on every nucleus", true);
  require_range("spectra.recoil_bin_keVnr", recoil_bin_keVnr, 0.0, recoil_max_keVnr,
                "at least one bin up to spectra.recoil_max_keVnr = " + format_value(recoil_max_keVnr), true);
  if (recoil_max_keVnr / recoil_bin_keVnr > 1e5)
    throw InvalidValue("spectra.recoil_bin_keVnr", format_value(recoil_bin_keVnr), "gives more than 100000 bins");
  // Arrival times: prompt neutrinos come with the pulse, delayed ones within ≈ 10 τ_µ = 22 µs.
  require_range("spectra.time_min_us", time_min_us, -100.0, 100.0,
                "relative to the first bunch: within ±100 µs of the beam");
  if (!(time_max_us > time_min_us && time_max_us <= 1000.0))
    throw InvalidValue("spectra.time_max_us", format_value(time_max_us),
                       "must be larger than spectra.time_min_us = " + format_value(time_min_us) +
                           " and at most 1000 µs; delayed neutrinos are gone after ≈ 22 µs (10 muon lifetimes)");
  require_range("spectra.time_bin_us", time_bin_us, 0.0, time_max_us - time_min_us,
                "at least one bin between spectra.time_min_us and spectra.time_max_us", true);
  if ((time_max_us - time_min_us) / time_bin_us > 1e5)
    throw InvalidValue("spectra.time_bin_us", format_value(time_bin_us), "gives more than 100000 bins");
  if (npe_max < 1 || npe_max > 5000)
    throw InvalidValue("spectra.npe_max", std::to_string(npe_max), "must be in [1, 5000]");
  if (!npe_edges.empty()) {
    if (npe_edges.size() < 2 || npe_edges.size() > 1000)
      throw InvalidValue("spectra.npe_edges", std::to_string(npe_edges.size()) + " values",
                         "must hold 2 to 1000 edges (one to 999 bins) or be empty");
    for (std::size_t i = 0; i < npe_edges.size(); ++i) {
      require_range("spectra.npe_edges", npe_edges[i], -0.5, npe_max + 0.5,
                    "photoelectrons from −0.5 (the lower edge of the 0-PE bin) to spectra.npe_max + 0.5");
      if (i > 0 && !(npe_edges[i] > npe_edges[i - 1]))
        throw InvalidValue("spectra.npe_edges", format_value(npe_edges[i]),
                           "must be larger than the edge before it, " + format_value(npe_edges[i - 1]) +
                               " (edges strictly increasing)");
    }
  }
  if (thresholds_keVnr.size() > 100)
    throw InvalidValue("spectra.thresholds_keVnr", std::to_string(thresholds_keVnr.size()) + " values",
                       "must be at most 100 thresholds");
  for (double t : thresholds_keVnr)
    require_range("spectra.thresholds_keVnr", t, 0.0, 2000.0, "a recoil energy up to the decay-at-rest end point");
}

void SystematicConfig::validate(const std::string& key) const {
  if (name.empty()) throw InvalidValue(key + ".name", "\"\"", "needs a name, used by tables, JSON and fits");
  // Ranges per parameter: what a 1σ of that quantity can physically be.
  const auto [high, why] = [&]() -> std::pair<double, const char*> {
    switch (parameter) {
      case SystematicParameter::quenching: return {5.0, "σ of the quenching model; 1 is its own ±1σ"};
      case SystematicParameter::light_yield: return {0.5, "a relative 1σ; COHERENT 2017: 0.019/13.348"};
      case SystematicParameter::acceptance_a: return {1.0, "an absolute 1σ of the plateau (COHERENT 2017: +0.0212 −0.0384)"};
      case SystematicParameter::acceptance_k: return {10.0, "an absolute 1σ of the steepness per PE (COHERENT 2017: +0.0335 −0.0131)"};
      case SystematicParameter::acceptance_x0: return {100.0, "an absolute 1σ in PE (COHERENT 2017: +0.1838 −0.3995)"};
      case SystematicParameter::beam_timing: return {1000.0, "ns; a timing offset beyond 1 µs is no longer a systematic"};
      case SystematicParameter::neutrino_yield: return {0.5, "a relative 1σ; COHERENT 2017: 0.008/0.08 = 10 %"};
    }
    return {0.0, ""};
  }();
  require_range(key + ".plus_sigma", plus_sigma, 0.0, high, why);
  require_range(key + ".minus_sigma", minus_sigma, 0.0, high, why);
}

void ExperimentConfig::validate() const {
  source.validate();
  detector.validate();
  exposure.validate();
  physics.validate();
  selection.validate();
  selection.validate_crystals(detector.crystals);
  if (!dark_counts.dark_rate_by_crystal_Hz.empty() &&
      dark_counts.dark_rate_by_crystal_Hz.size() != static_cast<std::size_t>(detector.crystals))
    throw InvalidValue("daq.pmt.dark_rate_Hz", std::to_string(dark_counts.dark_rate_by_crystal_Hz.size()) + " values",
                       "needs one value for all crystals or one per crystal (" + std::to_string(detector.crystals) + ")");
  for (double rate : dark_counts.dark_rate_by_crystal_Hz)
    require_range("daq.pmt.dark_rate_Hz", rate, 0.0, 1e5, "PMT dark rates are 10 Hz – 10 kHz");
  std::map<std::string, std::size_t> names;  // background name → first index
  for (std::size_t i = 0; i < backgrounds.size(); ++i) {
    const std::string key = "backgrounds[" + std::to_string(i) + "]";
    backgrounds[i].validate(key);
    // Tables, JSON and plots key the backgrounds by name: two of one name would merge.
    if (const auto [it, added] = names.emplace(backgrounds[i].name, i); !added)
      throw InvalidValue(key + ".name", "\"" + backgrounds[i].name + "\"",
                         "must differ from the name of backgrounds[" + std::to_string(it->second) + "]");
  }
  std::map<std::string, std::size_t> systematic_names;
  for (std::size_t i = 0; i < systematics.size(); ++i) {
    const std::string key = "systematics[" + std::to_string(i) + "]";
    systematics[i].validate(key);
    if (const auto [it, added] = systematic_names.emplace(systematics[i].name, i); !added)
      throw InvalidValue(key + ".name", "\"" + systematics[i].name + "\"",
                         "must differ from the name of systematics[" + std::to_string(it->second) + "]");
  }
  spectra.validate();
  if (selection.roi_npe_max > spectra.npe_max)
    throw InvalidValue("selection.roi_npe_max", std::to_string(selection.roi_npe_max),
                       "must not exceed spectra.npe_max = " + std::to_string(spectra.npe_max));
  // The time region of interest is counted in the spectra: outside them it would count nothing.
  // (Appended piece by piece: GCC 12's -Wrestrict warns, wrongly, on "[" + std::string&&.)
  std::string window = "[";
  window += format_value(spectra.time_min_us);
  window += ", ";
  window += format_value(spectra.time_max_us);
  window += "]";
  for (auto [key, value] : {std::pair{"selection.roi_time_min_us", selection.roi_time_min_us},
                            std::pair{"selection.roi_time_max_us", selection.roi_time_max_us}})
    if (value && !(*value >= spectra.time_min_us && *value <= spectra.time_max_us))
      throw InvalidValue(key, format_value(*value),
                         "must lie in the spectra's time window spectra.time_min_us … time_max_us = " + window + " µs");
  if (selection.roi_time_min_us && *selection.roi_time_min_us >= spectra.time_max_us)
    throw InvalidValue("selection.roi_time_min_us", format_value(*selection.roi_time_min_us),
                       "must be below spectra.time_max_us");
  if (selection.roi_time_max_us && *selection.roi_time_max_us <= spectra.time_min_us)
    throw InvalidValue("selection.roi_time_max_us", format_value(*selection.roi_time_max_us),
                       "must be above spectra.time_min_us");
}

double ExperimentConfig::exposure_kg_days() const {
  double days = 0.0;
  if (exposure.calendar_days) {
    days = *exposure.calendar_days;
  } else if (exposure.beam_hours) {
    days = *exposure.beam_hours / 24.0;
  } else if (exposure.beam_energy_GWh) {
    days = *exposure.beam_energy_GWh * 1e6 / source.beam.power_kW / 24.0;  // GW·h / kW = 1e6 h
  } else if (exposure.protons_on_target) {
    using namespace units;  // beam-on time: POT × E_p / power
    days = *exposure.protons_on_target * source.beam.proton_energy_GeV * GeV / (source.beam.power_kW * kW) / day;
  }
  return detector.mass_kg * days;
}

}  // namespace cevns
