#include "cevns/io/config_reader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "cevns/core/error.hpp"

namespace cevns::io {
namespace {

/// Levenshtein distance, for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// "; did you mean 'x'?" for a close match (at most 2 edits, or `given` without its unit
/// suffix, e.g. mass → mass_kg), else "".
std::string suggestion(std::string_view given, const std::vector<std::string>& allowed) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& candidate : allowed) {
    const auto d = edit_distance(given, candidate);
    if (d < best_distance) best_distance = d, best = candidate;
  }
  if (best.empty())
    for (const auto& candidate : allowed)
      if (given.size() >= 3 && candidate.starts_with(std::string(given) + "_")) best = candidate;
  return best.empty() ? "" : fmt::format("; did you mean '{}'?", best);
}

/// Dotted key → "--set key=value" for the values that came from the command line.
using Overrides = std::map<std::string, std::string>;

/// Where the value of `key` came from: "--set key=value" for an override, else "file:line".
std::string where(const toml::node& node, const std::string& key, const std::string& file, const Overrides& overrides) {
  if (auto it = overrides.find(key); it != overrides.end()) return it->second;
  const auto& src = node.source();
  return src.begin.line > 0 ? fmt::format("{}:{}", file, src.begin.line) : file;
}

std::string type_name(const toml::node& node) {
  std::ostringstream out;
  out << node.type();
  return out.str();
}

/// One TOML table being read into a struct: typed getters that remember which keys were
/// used, so that `finish()` can reject the unknown ones.
class Section {
 public:
  Section(const toml::table* table, std::string prefix, std::string file, const Overrides& overrides)
      : table_(table), prefix_(std::move(prefix)), file_(std::move(file)), overrides_(overrides) {}

  std::optional<double> optional_number(const std::string& key) {
    const toml::node* node = get(key);
    if (!node) return std::nullopt;
    if (auto i = node->as_integer()) return static_cast<double>(i->get());
    if (auto f = node->as_floating_point()) return f->get();
    throw mistyped(key, *node, "a number");
  }
  void number(const std::string& key, double& out) {
    if (auto v = optional_number(key)) out = *v;
  }
  void integer(const std::string& key, int& out) {
    const toml::node* node = get(key);
    if (!node) return;
    const auto i = node->as_integer();
    if (!i) throw mistyped(key, *node, "an integer");
    if (i->get() < -1'000'000'000 || i->get() > 1'000'000'000)
      throw ConfigError(fmt::format("{}: {} = {} is out of range", where_is(*node, key), full(key), i->get()));
    out = static_cast<int>(i->get());
  }
  void string(const std::string& key, std::string& out) {
    const toml::node* node = get(key);
    if (!node) return;
    const auto str = node->as_string();
    if (!str) throw mistyped(key, *node, "a string");
    out = str->get();
  }
  void boolean(const std::string& key, bool& out) {
    const toml::node* node = get(key);
    if (!node) return;
    const auto b = node->as_boolean();
    if (!b) throw mistyped(key, *node, "true or false");
    out = b->get();
  }
  /// An array of numbers; with `allow_scalar`, a single number stands for a one-element array.
  void numbers(const std::string& key, std::vector<double>& out, bool allow_scalar = false) {
    const toml::node* node = get(key);
    if (!node) return;
    if (allow_scalar && (node->is_integer() || node->is_floating_point())) {
      out = {*optional_number(key)};
      return;
    }
    const auto array = node->as_array();
    if (!array) throw mistyped(key, *node, "an array of numbers");
    out.clear();
    for (const auto& element : *array) {
      if (auto i = element.as_integer()) out.push_back(static_cast<double>(i->get()));
      else if (auto f = element.as_floating_point()) out.push_back(f->get());
      else throw mistyped(key, element, "an array of numbers");
    }
  }
  /// A choice among named values, e.g. the form-factor model.
  template <class Enum, std::size_t N>
  void choice(const std::string& key, Enum& out, const NamedValues<Enum, N>& names) {
    std::string text;
    string(key, text);
    if (text.empty() && !get(key)) return;
    if (auto value = names.parse(text)) {
      out = *value;
      return;
    }
    const auto allowed = names.names();
    throw ConfigError(fmt::format("{}: {} = \"{}\" is not allowed (must be one of: {}){}", where_is(*get(key), key),
                                  full(key), text, fmt::join(allowed, ", "), suggestion(text, allowed)));
  }
  /// The tables of an array of tables ([[key]]), each as a Section named key[i].
  std::vector<Section> table_array(const std::string& key) {
    std::vector<Section> sections;
    const toml::node* node = get(key);
    if (!node) return sections;
    const auto array = node->as_array();
    if (!array || (!array->empty() && !array->is_array_of_tables()))
      throw mistyped(key, *node, "an array of tables ([[" + full(key) + "]])");
    for (std::size_t i = 0; i < array->size(); ++i)
      sections.emplace_back(array->get(i)->as_table(), full(key) + "[" + std::to_string(i) + "]", file_, overrides_);
    return sections;
  }
  /// Where the value of `key` is, for messages about it.
  [[nodiscard]] const std::string& name() const { return prefix_; }
  [[nodiscard]] std::string location(const std::string& key) const {
    const toml::node* node = table_ ? table_->get(key) : nullptr;
    return node ? where_is(*node, key) : file_;
  }
  Section subsection(const std::string& key) {
    const toml::node* node = get(key);
    if (!node) return Section(nullptr, full(key), file_, overrides_);
    const auto table = node->as_table();
    if (!table) throw mistyped(key, *node, "a table");
    return Section(table, full(key), file_, overrides_);
  }
  /// Rejects every key that no getter asked for.
  void finish() const {
    if (!table_) return;
    for (const auto& [key, node] : *table_) {
      const std::string name(key.str());
      if (std::find(used_.begin(), used_.end(), name) != used_.end()) continue;
      const std::string section = prefix_.empty() ? "at the top level" : "in [" + prefix_ + "]";
      throw ConfigError(fmt::format("{}: unknown key '{}' (allowed {}: {}){}", where_is(node, name), full(name),
                                    section, fmt::join(used_, ", "), suggestion(name, used_)));
    }
  }

 private:
  const toml::node* get(const std::string& key) {
    if (std::find(used_.begin(), used_.end(), key) == used_.end()) used_.push_back(key);
    return table_ ? table_->get(key) : nullptr;
  }
  [[nodiscard]] std::string full(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  [[nodiscard]] std::string where_is(const toml::node& node, const std::string& key) const {
    return where(node, full(key), file_, overrides_);
  }
  [[nodiscard]] ConfigError mistyped(const std::string& key, const toml::node& node, std::string_view expected) const {
    std::ostringstream shown;
    node.visit([&shown](const auto& value) { shown << value; });
    return ConfigError(fmt::format("{}: {} must be {}, not {} {}", where_is(node, key), full(key), expected,
                                   type_name(node), shown.str()));
  }

  const toml::table* table_;
  std::string prefix_;
  std::string file_;
  const Overrides& overrides_;
  std::vector<std::string> used_;
};

/// Reads a quenching table: rows of numbers separated by commas or blanks, '#' starting a
/// comment; the columns `table_columns` hold recoil_keVnr, QF and optionally sigma_QF (a
/// σ column beyond a row's end is taken as absent). A relative path is relative to the
/// configuration file.
void read_quenching_table(QuenchingConfig& q, const std::string& config_file, const std::string& where_set) {
  std::filesystem::path path(q.table_file);
  if (path.is_relative()) path = std::filesystem::absolute(std::filesystem::path(config_file).parent_path() / path);
  q.table_file = path.string();  // resolved, so that the written configuration reads back
  std::ifstream in(path);
  if (!in)
    throw ConfigError(fmt::format("{}: cannot read detector.quenching.table_file '{}' (no such file; relative paths "
                                  "are relative to the configuration file)",
                                  where_set, path.string()));
  q.table_keVnr.clear(), q.table_qf.clear(), q.table_qf_uncertainty.clear();
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream row(line);
    std::vector<double> values;
    std::string word;
    while (row >> word) {
      try {
        std::size_t used = 0;
        values.push_back(std::stod(word, &used));
        if (used != word.size()) throw std::invalid_argument(word);
      } catch (const std::exception&) {
        throw ConfigError(fmt::format("{}:{}: '{}' is not a number (rows are recoil_keVnr, QF[, sigma_QF])",
                                      path.string(), number, word));
      }
    }
    if (values.empty()) continue;
    const auto column = [&](std::size_t i) { return static_cast<std::size_t>(q.table_columns[i]); };
    if (values.size() <= std::max(column(0), column(1)))
      throw ConfigError(fmt::format("{}:{}: {} columns, but detector.quenching.table_columns reads column {} "
                                    "(zero-based: recoil_keVnr, QF[, sigma_QF])",
                                    path.string(), number, values.size(), std::max(column(0), column(1))));
    q.table_keVnr.push_back(values[column(0)]);
    q.table_qf.push_back(values[column(1)]);
    if (q.table_columns.size() == 3 && values.size() > column(2)) q.table_qf_uncertainty.push_back(values[column(2)]);
  }
  try {
    q.validate();
  } catch (const InvalidValue& e) {
    throw ConfigError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

/// Applies one "--set key=value" to the document.
void apply_override(toml::table& root, const std::string& assignment, Overrides& overrides) {
  const auto eq = assignment.find('=');
  const std::string key = eq == std::string::npos ? "" : assignment.substr(0, eq);
  if (key.empty() || key.find_first_of(" \t") != std::string::npos)
    throw ConfigError(fmt::format("--set {}: expected key=value, e.g. --set physics.sin2_theta_w=0.24", assignment));
  const std::string value = assignment.substr(eq + 1);
  const std::string origin = "--set " + assignment;

  toml::table parsed;
  try {
    parsed = toml::parse("value = " + value, origin);
  } catch (const toml::parse_error&) {
    parsed = toml::parse("value = \"\"", origin);  // a bare word: take it as a string
    parsed.insert_or_assign("value", value);
  }
  toml::table* table = &root;
  std::size_t start = 0;
  for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1) {
    const std::string part = key.substr(start, dot - start);
    toml::node* node = table->get(part);
    if (!node) node = table->insert_or_assign(part, toml::table{}).first->second.as_table();
    if (!node->is_table())
      throw ConfigError(fmt::format("{}: '{}' is a value, not a section", origin, key.substr(0, dot)));
    table = node->as_table();
  }
  table->insert_or_assign(key.substr(start), *parsed.get("value"));
  overrides[key] = origin;
}

/// Reads the [daq] section and [detector.scintillation].
void read_daq(Section& daq_section, Section& scintillation, daq::DaqConfig& d) {
  const auto count = [](Section& section, const std::string& key, auto& out) {
    int value = static_cast<int>(out);
    section.integer(key, value);
    if (value < 0) throw InvalidValue(section.name() + "." + key, std::to_string(value), "must be zero or positive");
    out = static_cast<std::remove_reference_t<decltype(out)>>(value);
  };
  count(daq_section, "triggers_per_block", d.triggers_per_block);
  Section digitizer = daq_section.subsection("digitizer");
  digitizer.number("sampling_rate_GHz", d.digitizer.sampling_rate_GHz);
  digitizer.number("window_us", d.digitizer.window_us);
  digitizer.number("pretrace_us", d.digitizer.pretrace_us);
  digitizer.number("beam_delay_ns", d.digitizer.beam_delay_ns);
  digitizer.integer("adc_bits", d.digitizer.adc_bits);
  digitizer.number("baseline_adc", d.digitizer.baseline_adc);
  digitizer.number("baseline_spread_adc", d.digitizer.baseline_spread_adc);
  digitizer.number("noise_adc", d.digitizer.noise_adc);
  digitizer.boolean("negative_pulses", d.digitizer.negative_pulses);
  digitizer.finish();
  Section zero = daq_section.subsection("zero_suppression");
  zero.number("threshold_adc", d.zero_suppression.threshold_adc);
  count(zero, "pre_samples", d.zero_suppression.pre_samples);
  count(zero, "post_samples", d.zero_suppression.post_samples);
  zero.finish();
  Section pmt = daq_section.subsection("pmt");
  pmt.number("dark_rate_Hz", d.pmt.dark_rate_Hz);
  pmt.number("dark_multi_pe_fraction", d.pmt.dark_multi_pe_fraction);
  pmt.number("dark_multi_pe_mean", d.pmt.dark_multi_pe_mean);
  pmt.number("afterpulse_probability", d.pmt.afterpulse_probability);
  pmt.number("afterpulse_delay_ns", d.pmt.afterpulse_delay_ns);
  pmt.number("afterpulse_delay_spread_ns", d.pmt.afterpulse_delay_spread_ns);
  pmt.number("transit_time_spread_ns", d.pmt.transit_time_spread_ns);
  pmt.number("pulse_rise_ns", d.pmt.pulse_rise_ns);
  pmt.number("pulse_decay_ns", d.pmt.pulse_decay_ns);
  pmt.number("spe_amplitude_adc", d.pmt.spe_amplitude_adc);
  pmt.number("spe_resolution", d.pmt.spe_resolution);
  pmt.finish();
  Section afterglow = daq_section.subsection("afterglow");
  afterglow.number("deposit_rate_Hz", d.afterglow.deposit_rate_Hz);
  afterglow.number("deposit_photoelectrons", d.afterglow.deposit_photoelectrons);
  afterglow.number("total_fraction", d.afterglow.total_fraction);
  afterglow.number("time_constant_ms", d.afterglow.time_constant_ms);
  afterglow.finish();
  Section beam = daq_section.subsection("beam");
  beam.number("pot_fluctuation", d.beam.pot_fluctuation);
  beam.number("beam_off_fraction", d.beam.beam_off_fraction);
  beam.number("beam_off_period_s", d.beam.beam_off_period_s);
  beam.finish();
  Section veto = daq_section.subsection("veto");
  veto.integer("bars", d.veto.bars);
  veto.number("rate_per_bar_Hz", d.veto.rate_per_bar_Hz);
  veto.number("window_us", d.veto.window_us);
  veto.finish();
  daq_section.finish();
  scintillation.numbers("decay_times_ns", d.scintillation.decay_times_ns);
  scintillation.numbers("weights", d.scintillation.weights);
  scintillation.finish();
}

Configuration read_document(const toml::table& root, const std::string& file, const Overrides& overrides) {
  Configuration everything;
  daq::SimulationConfig& simulation = everything.simulation;
  ExperimentConfig& config = simulation.experiment;
  config.exposure = ExposureConfig{};  // exactly one form comes from the file
  Section top(&root, "", file, overrides);

  Section experiment = top.subsection("experiment");
  experiment.string("name", config.name);
  experiment.string("description", config.description);
  experiment.finish();

  Section source = top.subsection("source");
  source.string("facility", config.source.facility);
  source.number("beam_power_kW", config.source.beam.power_kW);
  source.number("proton_energy_GeV", config.source.beam.proton_energy_GeV);
  source.number("repetition_rate_Hz", config.source.beam.repetition_rate_Hz);
  source.number("nu_per_proton_per_flavor", config.source.beam.nu_per_proton_per_flavor);
  source.number("distance_m", config.source.distance_m);
  config.source.flux_per_cm2_s_per_flavor = source.optional_number("flux_per_cm2_s_per_flavor");
  Section pulse = source.subsection("pulse");
  pulse.numbers("bunch_times_ns", config.source.pulse.bunch_times_ns);
  pulse.numbers("bunch_weights", config.source.pulse.bunch_weights);
  pulse.number("bunch_fwhm_ns", config.source.pulse.bunch_fwhm_ns);
  pulse.finish();
  source.finish();

  Section detector = top.subsection("detector");
  detector.string("material", config.detector.material);
  detector.number("mass_kg", config.detector.mass_kg);
  detector.integer("crystals", config.detector.crystals);
  detector.numbers("light_yield_PE_per_keVee", config.detector.light_yield_PE_per_keVee, true);
  detector.number("pmt_share", config.detector.pmt_share);
  detector.number("spe_resolution", config.detector.spe_resolution);
  Section scintillation = detector.subsection("scintillation");
  Section quenching = detector.subsection("quenching");
  auto& q = config.detector.quenching;
  quenching.choice("model", q.model, quenching_model_names);
  quenching.numbers("polynomial_coefficients", q.polynomial_coefficients);
  quenching.number("polynomial_relative_uncertainty", q.polynomial_relative_uncertainty);
  quenching.number("constant_qf", q.constant_qf);
  quenching.number("constant_qf_uncertainty", q.constant_qf_uncertainty);
  q.lindhard_k = quenching.optional_number("lindhard_k");
  quenching.number("lindhard_k_relative_uncertainty", q.lindhard_k_relative_uncertainty);
  quenching.string("table_file", q.table_file);
  quenching.numbers("table_columns", q.table_columns);
  if (q.table_columns.size() < 2 || q.table_columns.size() > 3 ||
      std::any_of(q.table_columns.begin(), q.table_columns.end(),
                  [](double c) { return c < 0.0 || c > 100.0 || c != std::floor(c); }))
    throw ConfigError(fmt::format("{}: detector.quenching.table_columns must list 2 or 3 zero-based column numbers "
                                  "(recoil_keVnr, QF[, sigma_QF]), e.g. [0, 2, 3]",
                                  quenching.location("table_columns")));
  quenching.number("shift_sigma", q.shift_sigma);
  if (!q.table_file.empty()) read_quenching_table(q, file, quenching.location("table_file"));
  quenching.finish();
  (void)detector.subsection("scintillation");  // read with [daq]; mark the key as known
  detector.finish();

  Section selection = top.subsection("selection");
  auto& sel = config.selection;
  selection.boolean("muon_veto", sel.muon_veto);
  selection.number("muon_veto_efficiency", sel.muon_veto_efficiency);
  selection.boolean("afterglow_cut", sel.afterglow_cut);
  selection.number("max_pretrace_npe", sel.max_pretrace_npe);
  selection.number("min_pmt_npe", sel.min_pmt_npe);
  selection.boolean("single_crystal", sel.single_crystal);
  selection.number("afterglow_efficiency", sel.afterglow_efficiency);
  selection.boolean("two_pmt_coincidence", sel.two_pmt_coincidence);
  selection.integer("roi_npe_min", sel.roi_npe_min);
  selection.integer("roi_npe_max", sel.roi_npe_max);
  sel.roi_time_min_us = selection.optional_number("roi_time_min_us");
  sel.roi_time_max_us = selection.optional_number("roi_time_max_us");
  Section acceptance = selection.subsection("acceptance");
  acceptance.choice("model", sel.acceptance.model, acceptance_model_names);
  acceptance.number("a", sel.acceptance.a);
  acceptance.number("k", sel.acceptance.k);
  acceptance.number("x0", sel.acceptance.x0);
  acceptance.number("step_PE", sel.acceptance.step_PE);
  acceptance.finish();
  selection.finish();

  for (auto& section : top.table_array("backgrounds")) {
    BackgroundTemplateConfig background;
    section.string("name", background.name);
    section.number("roi_events", background.roi_events);
    section.number("reference_kg_days", background.reference_kg_days);
    section.choice("npe_shape", background.npe_shape, npe_shape_names);
    section.number("npe_decay_PE", background.npe_decay_PE);
    section.choice("time_shape", background.time_shape, time_shape_names);
    section.string("origin", background.origin);
    section.boolean("simulate", background.simulate);
    section.finish();
    config.backgrounds.push_back(std::move(background));
  }

  Section exposure = top.subsection("exposure");
  config.exposure.calendar_days = exposure.optional_number("calendar_days");
  exposure.number("beam_on_fraction", config.exposure.beam_on_fraction);
  config.exposure.beam_hours = exposure.optional_number("beam_hours");
  config.exposure.beam_energy_GWh = exposure.optional_number("beam_energy_GWh");
  exposure.finish();

  Section physics = top.subsection("physics");
  physics.choice("form_factor", config.physics.form_factor, form_factor_names);
  physics.choice("weak_charge", config.physics.weak_charge, weak_charge_names);
  physics.number("sin2_theta_w", config.physics.sin2_theta_w);
  physics.number("neutron_skin_fm", config.physics.neutron_skin_fm);
  physics.finish();

  Section spectra = top.subsection("spectra");
  spectra.number("recoil_max_keVnr", config.spectra.recoil_max_keVnr);
  spectra.number("recoil_bin_keVnr", config.spectra.recoil_bin_keVnr);
  spectra.number("time_min_us", config.spectra.time_min_us);
  spectra.number("time_max_us", config.spectra.time_max_us);
  spectra.number("time_bin_us", config.spectra.time_bin_us);
  spectra.numbers("thresholds_keVnr", config.spectra.thresholds_keVnr);
  spectra.integer("npe_max", config.spectra.npe_max);
  spectra.finish();

  Section daq_section = top.subsection("daq");
  read_daq(daq_section, scintillation, simulation.daq);

  Section reco = top.subsection("reco");
  auto& r = everything.reco;
  reco.number("pulse_threshold_adc", r.pulse_threshold_adc);
  for (auto [key, field] : {std::pair{"integration_pre_samples", &r.integration_pre_samples},
                            std::pair{"integration_post_samples", &r.integration_post_samples},
                            std::pair{"calibration_pulses", &r.calibration_pulses}}) {
    int value = static_cast<int>(*field);
    reco.integer(key, value);
    if (value < 0) throw InvalidValue(std::string("reco.") + key, std::to_string(value), "must be zero or positive");
    *field = static_cast<std::uint32_t>(value);
  }
  reco.number("spe_charge_adc_samples", r.spe_charge_adc_samples);
  reco.number("max_baseline_rms_adc", r.max_baseline_rms_adc);
  reco.finish();

  top.finish();
  return everything;
}

/// The source line of a dotted key, for messages from validate().
std::string location_of(const toml::table& root, const std::string& key, const std::string& file,
                        const Overrides& overrides) {
  const toml::node* node = &root;
  std::string prefix = key;
  // Walk down as far as the key exists ("exposure" exists as a table even when the
  // offending value is an absent one).
  while (!prefix.empty()) {
    if (const auto found = root.at_path(prefix); found) {
      node = found.node();
      break;
    }
    const auto dot = prefix.rfind('.');
    prefix = dot == std::string::npos ? "" : prefix.substr(0, dot);
  }
  return node == &root ? file : where(*node, prefix, file, overrides);
}

}  // namespace

Configuration parse_configuration(std::string_view toml_text, const std::string& source_name,
                                  const std::vector<std::string>& overrides) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("{}:{}:{}: TOML syntax error: {}", source_name, e.source().begin.line,
                                  e.source().begin.column, e.description()));
  }
  Overrides overridden;
  for (const auto& assignment : overrides) apply_override(root, assignment, overridden);

  try {
    Configuration config = read_document(root, source_name, overridden);
    config.simulation.validate();
    config.reco.validate();
    return config;
  } catch (const InvalidValue& e) {
    throw ConfigError(fmt::format("{}: {}", location_of(root, e.key(), source_name, overridden), e.what()));
  }
}

Configuration read_configuration(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw ConfigError(fmt::format("cannot read configuration file '{}' ({}); the experiments shipped are in configs/",
                                  file.string(), std::filesystem::exists(file) ? "not readable" : "no such file"));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_configuration(text.str(), file.string(), overrides);
}

daq::SimulationConfig read_simulation_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  return read_configuration(file, overrides).simulation;
}

daq::SimulationConfig parse_simulation_config(std::string_view toml_text, const std::string& source_name,
                                              const std::vector<std::string>& overrides) {
  return parse_configuration(toml_text, source_name, overrides).simulation;
}

ExperimentConfig parse_experiment_config(std::string_view toml_text, const std::string& source_name,
                                         const std::vector<std::string>& overrides) {
  return parse_configuration(toml_text, source_name, overrides).simulation.experiment;
}

ExperimentConfig read_experiment_config(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  return read_configuration(file, overrides).simulation.experiment;
}

namespace {

toml::array to_array(const std::vector<double>& values) {
  toml::array a;
  for (double v : values) a.push_back(v);
  return a;
}

std::string print(const toml::table& root) {
  std::ostringstream out;
  out << root << '\n';
  return out.str();
}

toml::table to_table(const ExperimentConfig& config) {
  const auto array = to_array;
  const auto& src = config.source;
  toml::table source{
      {"facility", src.facility},
      {"beam_power_kW", src.beam.power_kW},
      {"proton_energy_GeV", src.beam.proton_energy_GeV},
      {"repetition_rate_Hz", src.beam.repetition_rate_Hz},
      {"nu_per_proton_per_flavor", src.beam.nu_per_proton_per_flavor},
      {"distance_m", src.distance_m},
      {"pulse", toml::table{{"bunch_times_ns", array(src.pulse.bunch_times_ns)},
                            {"bunch_weights", array(src.pulse.bunch_weights)},
                            {"bunch_fwhm_ns", src.pulse.bunch_fwhm_ns}}},
  };
  if (src.flux_per_cm2_s_per_flavor) source.insert("flux_per_cm2_s_per_flavor", *src.flux_per_cm2_s_per_flavor);

  const auto& q = config.detector.quenching;
  toml::table quenching{{"model", std::string(to_string(q.model))},
                        {"polynomial_coefficients", array(q.polynomial_coefficients)},
                        {"polynomial_relative_uncertainty", q.polynomial_relative_uncertainty},
                        {"constant_qf", q.constant_qf},
                        {"constant_qf_uncertainty", q.constant_qf_uncertainty},
                        {"lindhard_k_relative_uncertainty", q.lindhard_k_relative_uncertainty},
                        {"shift_sigma", q.shift_sigma}};
  if (q.lindhard_k) quenching.insert("lindhard_k", *q.lindhard_k);
  if (!q.table_file.empty()) {
    quenching.insert("table_file", q.table_file);
    quenching.insert("table_columns", array(q.table_columns));
  }
  const auto& det = config.detector;
  toml::table detector{{"material", det.material},
                       {"mass_kg", det.mass_kg},
                       {"crystals", det.crystals},
                       {"light_yield_PE_per_keVee", array(det.light_yield_PE_per_keVee)},
                       {"pmt_share", det.pmt_share},
                       {"spe_resolution", det.spe_resolution},
                       {"quenching", std::move(quenching)}};

  toml::table exposure{{"beam_on_fraction", config.exposure.beam_on_fraction}};
  if (config.exposure.calendar_days) exposure.insert("calendar_days", *config.exposure.calendar_days);
  if (config.exposure.beam_hours) exposure.insert("beam_hours", *config.exposure.beam_hours);
  if (config.exposure.beam_energy_GWh) exposure.insert("beam_energy_GWh", *config.exposure.beam_energy_GWh);

  const auto& sel = config.selection;
  toml::table selection{{"muon_veto", sel.muon_veto},
                        {"muon_veto_efficiency", sel.muon_veto_efficiency},
                        {"afterglow_cut", sel.afterglow_cut},
                        {"max_pretrace_npe", sel.max_pretrace_npe},
                        {"min_pmt_npe", sel.min_pmt_npe},
                        {"single_crystal", sel.single_crystal},
                        {"afterglow_efficiency", sel.afterglow_efficiency},
                        {"two_pmt_coincidence", sel.two_pmt_coincidence},
                        {"roi_npe_min", sel.roi_npe_min},
                        {"roi_npe_max", sel.roi_npe_max},
                        {"acceptance", toml::table{{"model", std::string(acceptance_model_names.name(sel.acceptance.model))},
                                                   {"a", sel.acceptance.a},
                                                   {"k", sel.acceptance.k},
                                                   {"x0", sel.acceptance.x0},
                                                   {"step_PE", sel.acceptance.step_PE}}}};
  if (sel.roi_time_min_us) selection.insert("roi_time_min_us", *sel.roi_time_min_us);
  if (sel.roi_time_max_us) selection.insert("roi_time_max_us", *sel.roi_time_max_us);

  toml::array backgrounds;
  for (const auto& b : config.backgrounds)
    backgrounds.push_back(toml::table{{"name", b.name},
                                      {"roi_events", b.roi_events},
                                      {"reference_kg_days", b.reference_kg_days},
                                      {"npe_shape", std::string(to_string(b.npe_shape))},
                                      {"npe_decay_PE", b.npe_decay_PE},
                                      {"time_shape", std::string(to_string(b.time_shape))},
                                      {"origin", b.origin},
                                      {"simulate", b.simulate}});

  toml::table root{
      {"experiment", toml::table{{"name", config.name}, {"description", config.description}}},
      {"source", std::move(source)},
      {"detector", std::move(detector)},
      {"exposure", std::move(exposure)},
      {"physics", toml::table{{"form_factor", std::string(to_string(config.physics.form_factor))},
                              {"weak_charge", std::string(to_string(config.physics.weak_charge))},
                              {"sin2_theta_w", config.physics.sin2_theta_w},
                              {"neutron_skin_fm", config.physics.neutron_skin_fm}}},
      {"selection", std::move(selection)},
      {"spectra", toml::table{{"recoil_max_keVnr", config.spectra.recoil_max_keVnr},
                              {"recoil_bin_keVnr", config.spectra.recoil_bin_keVnr},
                              {"time_min_us", config.spectra.time_min_us},
                              {"time_max_us", config.spectra.time_max_us},
                              {"time_bin_us", config.spectra.time_bin_us},
                              {"thresholds_keVnr", array(config.spectra.thresholds_keVnr)},
                              {"npe_max", config.spectra.npe_max}}},
  };
  if (!backgrounds.empty()) root.insert("backgrounds", std::move(backgrounds));
  return root;
}

}  // namespace

std::string to_toml(const ExperimentConfig& config) { return print(to_table(config)); }

std::string to_toml(const Configuration& everything) {
  const auto& config = everything.simulation;
  toml::table root = to_table(config.experiment);
  const auto& r = everything.reco;
  root.insert("reco", toml::table{{"pulse_threshold_adc", r.pulse_threshold_adc},
                                  {"integration_pre_samples", static_cast<std::int64_t>(r.integration_pre_samples)},
                                  {"integration_post_samples", static_cast<std::int64_t>(r.integration_post_samples)},
                                  {"spe_charge_adc_samples", r.spe_charge_adc_samples},
                                  {"calibration_pulses", static_cast<std::int64_t>(r.calibration_pulses)},
                                  {"max_baseline_rms_adc", r.max_baseline_rms_adc}});
  const auto& d = config.daq;
  root["detector"].as_table()->insert(
      "scintillation", toml::table{{"decay_times_ns", to_array(d.scintillation.decay_times_ns)},
                                   {"weights", to_array(d.scintillation.weights)}});
  root.insert(
      "daq",
      toml::table{
          {"triggers_per_block", static_cast<std::int64_t>(d.triggers_per_block)},
          {"digitizer", toml::table{{"sampling_rate_GHz", d.digitizer.sampling_rate_GHz},
                                    {"window_us", d.digitizer.window_us},
                                    {"pretrace_us", d.digitizer.pretrace_us},
                                    {"beam_delay_ns", d.digitizer.beam_delay_ns},
                                    {"adc_bits", d.digitizer.adc_bits},
                                    {"baseline_adc", d.digitizer.baseline_adc},
                                    {"baseline_spread_adc", d.digitizer.baseline_spread_adc},
                                    {"noise_adc", d.digitizer.noise_adc},
                                    {"negative_pulses", d.digitizer.negative_pulses}}},
          {"zero_suppression", toml::table{{"threshold_adc", d.zero_suppression.threshold_adc},
                                           {"pre_samples", static_cast<std::int64_t>(d.zero_suppression.pre_samples)},
                                           {"post_samples", static_cast<std::int64_t>(d.zero_suppression.post_samples)}}},
          {"pmt", toml::table{{"dark_rate_Hz", d.pmt.dark_rate_Hz},
                              {"dark_multi_pe_fraction", d.pmt.dark_multi_pe_fraction},
                              {"dark_multi_pe_mean", d.pmt.dark_multi_pe_mean},
                              {"afterpulse_probability", d.pmt.afterpulse_probability},
                              {"afterpulse_delay_ns", d.pmt.afterpulse_delay_ns},
                              {"afterpulse_delay_spread_ns", d.pmt.afterpulse_delay_spread_ns},
                              {"transit_time_spread_ns", d.pmt.transit_time_spread_ns},
                              {"pulse_rise_ns", d.pmt.pulse_rise_ns},
                              {"pulse_decay_ns", d.pmt.pulse_decay_ns},
                              {"spe_amplitude_adc", d.pmt.spe_amplitude_adc},
                              {"spe_resolution", d.pmt.spe_resolution}}},
          {"afterglow", toml::table{{"deposit_rate_Hz", d.afterglow.deposit_rate_Hz},
                                    {"deposit_photoelectrons", d.afterglow.deposit_photoelectrons},
                                    {"total_fraction", d.afterglow.total_fraction},
                                    {"time_constant_ms", d.afterglow.time_constant_ms}}},
          {"beam", toml::table{{"pot_fluctuation", d.beam.pot_fluctuation},
                               {"beam_off_fraction", d.beam.beam_off_fraction},
                               {"beam_off_period_s", d.beam.beam_off_period_s}}},
          {"veto", toml::table{{"bars", d.veto.bars},
                               {"rate_per_bar_Hz", d.veto.rate_per_bar_Hz},
                               {"window_us", d.veto.window_us}}},
      });
  return print(root);
}

}  // namespace cevns::io
