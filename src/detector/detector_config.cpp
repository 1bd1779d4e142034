#include "cevns/detector/detector_config.hpp"

#include <algorithm>
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
  require_range("detector.mass_kg", mass_kg, 1e-3, 1e5,
                "1 g to 100 t: CEvNS detectors are kilograms to a tonne; larger for statistics studies");
  if (crystals < 1 || crystals > 1000)
    throw InvalidValue("detector.crystals", std::to_string(crystals),
                       "must be in [1, 1000]: two PMT channels each; CICENNS has 15");
  if (light_yield_PE_per_keVee.size() != 1 && light_yield_PE_per_keVee.size() != static_cast<std::size_t>(crystals))
    throw InvalidValue("detector.light_yield_PE_per_keVee", std::to_string(light_yield_PE_per_keVee.size()) + " values",
                       "needs one value for all crystals or one per crystal (" + std::to_string(crystals) + ")");
  for (double ly : light_yield_PE_per_keVee)
    require_range("detector.light_yield_PE_per_keVee", ly, 0.1, 200.0,
                  "scintillators give 1–50 PE/keVee (undoped CsI at 77 K: 33.5); below 0.1 no recoil makes light");
  if (pmt_share.size() != 1 && pmt_share.size() != static_cast<std::size_t>(crystals))
    throw InvalidValue("detector.pmt_share", std::to_string(pmt_share.size()) + " values",
                       "needs one value for all crystals or one per crystal (" + std::to_string(crystals) + ")");
  for (double share : pmt_share)
    if (!(share > 0.0 && share < 1.0))
      throw InvalidValue("detector.pmt_share", format_value(share), "must be in (0, 1); 0.5 for a symmetric crystal");
  if (!(spe_resolution >= 0.0 && spe_resolution < 2.0))
    throw InvalidValue("detector.spe_resolution", format_value(spe_resolution), "must be in [0, 2); PMTs: 0.3–0.5");
  resolution.validate();
  if (resolution.model == ResolutionModel::gamma && spe_resolution > 0.0)
    throw InvalidValue("detector.spe_resolution", format_value(spe_resolution),
                       "must be 0 with detector.resolution.model = \"gamma\", whose width includes the charge resolution");
  quenching.validate();
  if (!quenching_by_crystal.empty() && quenching_by_crystal.size() != static_cast<std::size_t>(crystals))
    throw InvalidValue("detector.quenching", std::to_string(quenching_by_crystal.size()) + " tables",
                       "needs one table for all crystals ([detector.quenching]) or one per crystal "
                       "([[detector.quenching]], " + std::to_string(crystals) + ")");
  for (std::size_t c = 0; c < quenching_by_crystal.size(); ++c)
    quenching_by_crystal[c].validate("detector.quenching[" + std::to_string(c) + "]");
  arrival_delay.validate();
}

void ResolutionConfig::validate() const {
  // Shape 1 + b: b → 0 is an exponential (the widest), large b a narrow peak; COHERENT's
  // 9.56 /keVee gives a width close to Poisson's at a few keVee.
  require_range("detector.resolution.b_per_keVee", b_per_keVee, 0.0, 1000.0,
                "the Gamma shape's slope per keVee (COHERENT CsI 2021: 9.56)");
  require_range("detector.resolution.b_constant", b_constant, 0.0, 1e4, "the Gamma shape 1 + b at 0 keVee, minus 1");
}

double DetectorConfig::light_yield(int index) const {
  return light_yield_PE_per_keVee.size() == 1 ? light_yield_PE_per_keVee.front()
                                              : light_yield_PE_per_keVee.at(static_cast<std::size_t>(index));
}

double DetectorConfig::pmt_share_of(int index) const {
  return pmt_share.size() == 1 ? pmt_share.front() : pmt_share.at(static_cast<std::size_t>(index));
}

bool DetectorConfig::uniform_pmt_share() const {
  return std::all_of(pmt_share.begin(), pmt_share.end(), [&](double s) { return s == pmt_share.front(); });
}

const QuenchingConfig& DetectorConfig::quenching_of(int index) const {
  return quenching_by_crystal.empty() ? quenching : quenching_by_crystal.at(static_cast<std::size_t>(index));
}

DetectorConfig DetectorConfig::with_pmt_share(double share) const {
  DetectorConfig one = *this;
  one.pmt_share = {share};
  return one;
}

void AcceptanceConfig::validate(const std::string& key) const {
  // Checked for every model, so that a value set now is sound when the model is switched on.
  // NPE spectra hold at most 5000 photoelectrons (spectra.npe_max). With an offset the
  // logistic's amplitude may exceed 1 (COHERENT's 2021 CsI release: a = 1.32, offset −0.333).
  require_range(key + ".a", a, 0.0, 5.0,
                "the logistic's amplitude; ≤ 1 without an offset (COHERENT 2017: 0.6655)", true);
  require_range(key + ".k", k, 0.0, 100.0, "steepness per PE; COHERENT 2017: 0.49", true);
  require_range(key + ".x0", x0, -5000.0, 5000.0, "the NPE of half the plateau, within the spectra");
  require_range(key + ".offset", offset, -5.0, 1.0,
                "added to the logistic before clipping to [0, 1]; COHERENT's 2021 CsI release: −0.333");
  if (!(a + offset > 0.0))
    throw InvalidValue(key + ".offset", format_value(offset),
                       "must leave a positive plateau a + offset (a = " + format_value(a) + ")");
  require_range(key + ".step_PE", step_PE, 0.0, 5000.0, "an NPE within the spectra; 0: no step");
}

double AcceptanceConfig::at(double x) const {
  if (model == AcceptanceModel::none) return 1.0;
  const double step = step_PE <= 0.0 ? 1.0 : (x < step_PE ? 0.0 : (x < step_PE + 1.0 ? 0.5 : 1.0));
  return std::clamp(a / (1.0 + std::exp(-k * (x - x0))) + offset, 0.0, 1.0) * step;
}

double AcceptanceConfig::operator()(int photoelectrons) const {
  const double n = photoelectrons;
  return at(evaluate_at == AcceptanceEvaluation::bin_centre ? n - 0.5 : n);
}

void TimeEfficiencyConfig::validate() const {
  // Checked for every model. Arrival-time spectra reach at most 1000 µs (spectra.time_max_us).
  require_range("selection.time_efficiency.flat_until_us", flat_until_us, -100.0, 1000.0,
                "a time on the spectra's axis (COHERENT CsI 2021: 0.52 µs)");
  require_range("selection.time_efficiency.decay_per_us", decay_per_us, 0.0, 10.0,
                "a decay rate: 0 keeps every late event, 10 /µs none after a µs (COHERENT CsI 2021: 0.0494)");
}

double TimeEfficiencyConfig::operator()(double time_us) const {
  if (model == TimeEfficiencyModel::none || time_us < flat_until_us) return 1.0;
  return std::exp(-decay_per_us * (time_us - flat_until_us));
}

void SelectionConfig::validate() const {
  // Predictions multiply by these efficiencies and the Monte Carlo divides by them; a cut
  // keeping less than 1 % leaves nothing to measure.
  for (auto [key, value] : {std::pair{"selection.muon_veto_efficiency", muon_veto_efficiency},
                            std::pair{"selection.afterglow_efficiency", afterglow_efficiency}})
    require_range(key, value, 0.01, 1.0, "an efficiency; below 1 % the cut removes the signal");
  acceptance.validate();
  time_efficiency.validate();
  if (!(min_pmt_npe > 0.0 && min_pmt_npe <= 1.0))
    throw InvalidValue("selection.min_pmt_npe", format_value(min_pmt_npe), "must be in (0, 1]");
  require_range("selection.max_pretrace_npe", max_pretrace_npe, 0.0, 1e4,
                "photoelectrons in a pretrace; the paper's cut is 3", true);
  if (roi_npe_min < 0 || roi_npe_max < roi_npe_min)
    throw InvalidValue("selection.roi_npe_max", std::to_string(roi_npe_max),
                       "must be >= selection.roi_npe_min = " + std::to_string(roi_npe_min) + " >= 0");
  if (roi_npe_max > 5000) throw InvalidValue("selection.roi_npe_max", std::to_string(roi_npe_max), "must be <= 5000");
  if (roi_time_min_us && roi_time_max_us && !(*roi_time_max_us > *roi_time_min_us))
    throw InvalidValue("selection.roi_time_max_us", format_value(*roi_time_max_us),
                       "must be larger than selection.roi_time_min_us");
  for (std::size_t c = 0; c < acceptance_by_crystal.size(); ++c) {
    const std::string key = "selection.acceptance[" + std::to_string(c) + "]";
    acceptance_by_crystal[c].validate(key);
    // Predictions fold the acceptance at one convention for all crystals.
    if (acceptance_by_crystal[c].evaluate_at != acceptance_by_crystal.front().evaluate_at)
      throw InvalidValue(key + ".evaluate_at", std::string(acceptance_evaluation_names.name(acceptance_by_crystal[c].evaluate_at)),
                         "must be the same for every crystal (selection.acceptance[0].evaluate_at = " +
                             std::string(acceptance_evaluation_names.name(acceptance_by_crystal.front().evaluate_at)) + ")");
  }
}

void SelectionConfig::validate_crystals(int crystals) const {
  if (!acceptance_by_crystal.empty() && acceptance_by_crystal.size() != static_cast<std::size_t>(crystals))
    throw InvalidValue("selection.acceptance", std::to_string(acceptance_by_crystal.size()) + " tables",
                       "needs one table for all crystals ([selection.acceptance]) or one per crystal "
                       "([[selection.acceptance]], detector.crystals = " + std::to_string(crystals) + ")");
}

const AcceptanceConfig& SelectionConfig::acceptance_of(int index) const {
  return acceptance_by_crystal.empty() ? acceptance : acceptance_by_crystal.at(static_cast<std::size_t>(index));
}

SelectionConfig SelectionConfig::with_acceptance(const AcceptanceConfig& one) const {
  SelectionConfig s = *this;
  s.acceptance = one;
  s.acceptance_by_crystal.clear();
  return s;
}

}  // namespace cevns
