#include "cevns/io/config_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "cevns/core/error.hpp"
#include "cevns/io/table_reader.hpp"
#include "cevns/physics/isotope.hpp"

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
  // No key is longer than this: a longer name is nothing like any of them, and the edit
  // distance of a megabyte-long one would take seconds.
  constexpr std::size_t longest_suggested = 64;
  if (given.size() > longest_suggested) return "";
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

/// Why `text` is not printable UTF-8 text (invalid UTF-8, a control character), or "".
std::string text_problem(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7F) return fmt::format("contains the control character U+{:04X} at byte {}", byte, i);
    std::size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return fmt::format("is not valid UTF-8 (byte {})", i);
    std::uint32_t code = length == 1 ? byte : byte & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next >> 6) != 0x2) return fmt::format("is not valid UTF-8 (byte {})", i + k);
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and code points beyond U+10FFFF are not UTF-8.
    constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)
      return fmt::format("is not valid UTF-8 (byte {})", i);
    if (code >= 0x80 && code < 0xA0) return fmt::format("contains the control character U+{:04X} at byte {}", code, i);
    i += length;
  }
  return "";
}

/// A name from the user for a message: long ones cut, so that a megabyte key does not
/// become a megabyte message, and bytes that are not printable UTF-8 shown as \xNN.
std::string shown_name(std::string_view name) {
  constexpr std::size_t longest_shown = 80;
  const std::string_view cut = name.substr(0, longest_shown);
  std::string shown;
  if (text_problem(cut).empty()) {
    shown = cut;
  } else {
    for (const char c : cut) {
      const auto byte = static_cast<unsigned char>(c);
      shown += byte < 0x20 || byte >= 0x7F ? fmt::format("\\x{:02X}", byte) : std::string(1, c);
    }
  }
  return name.size() > longest_shown ? shown + "…" : shown;
}

/// The shortest text that reads back to exactly `v` (std::to_chars), always a TOML float.
std::string toml_float(double v) {
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
  std::string text(buffer, end);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // "140" is an integer in TOML
  return text;
}

/// A TOML string: literal ('…', as toml++ wrote them) when it can be, else basic with
/// quotes, backslashes and control characters escaped.
std::string toml_string(std::string_view v) {
  if (v.find('\'') == std::string_view::npos &&
      std::none_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }))
    return fmt::format("'{}'", v);
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out + '"';
}

/// A value for a message, by our own formatter (toml++'s printer overflows under UBSan on
/// some floats in arrays): scalars as TOML, arrays and tables elided.
std::string shown_value(const toml::node& node) {
  if (auto v = node.as_string()) return toml_string(shown_name(v->get()));
  if (auto v = node.as_integer()) return std::to_string(v->get());
  if (auto v = node.as_floating_point()) return toml_float(v->get());
  if (auto v = node.as_boolean()) return v->get() ? "true" : "false";
  if (node.is_array()) return "[…]";
  if (node.is_table()) return "{…}";
  return "";
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
    return number_of(key, *node, "a number");
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
    if (str->get().size() > longest_string)
      throw ConfigError(fmt::format("{}: {} is {} bytes long (at most {})", where_is(*node, key), full(key),
                                    str->get().size(), longest_string));
    if (const auto problem = text_problem(str->get()); !problem.empty())
      throw ConfigError(fmt::format("{}: {} {} (names and text must be printable UTF-8)", where_is(*node, key),
                                    full(key), problem));
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
    if (array->size() > longest_array)
      throw ConfigError(fmt::format("{}: {} has {} values (at most {})", where_is(*node, key), full(key), array->size(),
                                    longest_array));
    out.clear();
    for (const auto& element : *array) out.push_back(number_of(key, element, "an array of numbers"));
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
                                  full(key), shown_name(text), fmt::join(allowed, ", "), suggestion(text, allowed)));
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
  // The vocabulary of describe() below, shared with TableWriter: one call per key.
  void value(const std::string& key, double& out) { number(key, out); }
  void value(const std::string& key, int& out) { integer(key, out); }
  void value(const std::string& key, bool& out) { boolean(key, out); }
  void value(const std::string& key, std::string& out) { string(key, out); }
  void value(const std::string& key, std::vector<double>& out) { numbers(key, out); }
  void value(const std::string& key, std::optional<double>& out) {
    if (auto v = optional_number(key)) out = v;
  }
  template <class Count>
    requires(std::is_unsigned_v<Count> && !std::is_same_v<Count, bool>)
  void value(const std::string& key, Count& out) {
    int value = static_cast<int>(out);
    integer(key, value);
    if (value < 0) throw InvalidValue(full(key), std::to_string(value), "must be zero or positive");
    out = static_cast<Count>(value);
  }
  template <class Enum, std::size_t N>
  void value(const std::string& key, Enum& out, const NamedValues<Enum, N>& names) {
    choice(key, out, names);
  }
  /// A list of numbers, or one number standing for a one-element list.
  void list_or_value(const std::string& key, std::vector<double>& out) { numbers(key, out, true); }
  template <class Describe>
  void section(const std::string& key, Describe&& describe) {
    Section sub = subsection(key);
    describe(sub);
    sub.finish();
  }
  template <class Item, class Describe>
  void tables(const std::string& key, std::vector<Item>& out, Describe&& describe) {
    for (auto& sub : table_array(key)) {
      Item item;
      describe(sub, item);
      sub.finish();
      out.push_back(std::move(item));
    }
  }
  /// One table for every crystal ([key]: into `all`) or an array of them, one per crystal
  /// ([[key]]: into `by_crystal`, and its first into `all`); each read by describe(sub, item).
  template <class Item, class Describe>
  void table_or_tables(const std::string& key, Item& all, std::vector<Item>& by_crystal, Describe&& describe) {
    const toml::node* node = get(key);
    if (node && node->is_array()) {
      by_crystal.clear();
      tables(key, by_crystal, [&](Section& sub, Item& item) {
        item = all;  // unset keys keep the defaults
        describe(sub, item);
      });
      if (by_crystal.empty()) throw mistyped(key, *node, "a table or a non-empty array of tables, one per crystal");
      all = by_crystal.front();
      return;
    }
    section(key, [&](Section& sub) { describe(sub, all); });
  }
  /// Loads the points of a quenching table file named in this section.
  void quenching_table(QuenchingConfig& q) const;
  /// Reads the flux table of source.flux = "table" (relative to the file).
  void flux_table(SourceConfig& source) const {
    if (source.flux != FluxModel::table || source.flux_file.empty()) return;
    // Resolved, so that the written configuration reads back.
    source.flux_file = resolve_data_file(source.flux_file, std::filesystem::path(file_).parent_path()).string();
    source.flux_table = read_flux_table(source.flux_file, location("flux_file") + ": source.flux_file");
  }
  /// Reads the spectrum and time files of a [[backgrounds]] entry (relative to the file).
  void background_files(BackgroundConfig& b) const {
    load_background_files(b, std::filesystem::path(file_).parent_path(), prefix_);
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
      throw ConfigError(fmt::format("{}: unknown key '{}' (allowed {}: {}){}", where_is(node, name),
                                    shown_name(full(name)), section, fmt::join(used_, ", "), suggestion(name, used_)));
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
  /// A number, never NaN or infinite: every key is a physical quantity, and a NaN passes
  /// every range check written as a comparison. Checked here once for every key.
  [[nodiscard]] double number_of(const std::string& key, const toml::node& node, std::string_view expected) const {
    double value = 0.0;
    if (auto i = node.as_integer()) value = static_cast<double>(i->get());
    else if (auto f = node.as_floating_point()) value = f->get();
    else throw mistyped(key, node, expected);
    if (!std::isfinite(value))
      throw ConfigError(fmt::format("{}: invalid {} = {} (must be a finite number)", where_is(node, key), full(key),
                                    format_value(value)));
    return value;
  }
  [[nodiscard]] ConfigError mistyped(const std::string& key, const toml::node& node, std::string_view expected) const {
    return ConfigError(fmt::format("{}: {} must be {}, not {} {}", where_is(node, key), full(key), expected,
                                   type_name(node), shown_value(node)));
  }

  // Far beyond any legitimate value (the longest list is one light yield per crystal, the
  // longest text a file path), small enough that nothing built from them is large.
  static constexpr std::size_t longest_string = 4096;
  static constexpr std::size_t longest_array = 1000;

  const toml::table* table_;
  std::string prefix_;
  std::string file_;
  const Overrides& overrides_;
  std::vector<std::string> used_;
};

/// Reads a quenching table: rows of numbers separated by commas or blanks, '#' starting a
/// comment; the columns `table_columns` hold recoil_keVnr, QF and optionally sigma_QF (a
/// σ column beyond a row's end is taken as absent). A relative path is resolved by
/// resolve_data_file (io/table_reader.hpp).
void read_quenching_table(QuenchingConfig& q, const std::string& config_file, const std::string& where_set,
                          bool columns_given) {
  {
    QuenchingConfig columns_only;  // check the columns before using them
    columns_only.table_columns = q.table_columns;
    columns_only.validate();
  }
  const std::filesystem::path path = resolve_data_file(q.table_file, std::filesystem::path(config_file).parent_path());
  q.table_file = path.string();  // resolved, so that the written configuration reads back
  // A measured table has tens of rows.
  const TableFileSpec spec{.what = where_set + ": detector.quenching.table_file",
                           .row_description = "recoil_keVnr, QF[, sigma_QF]",
                           .largest_bytes = 1 << 20,
                           .lookup = data_file_lookup};
  q.table_keVnr.clear(), q.table_qf.clear(), q.table_qf_uncertainty.clear();
  std::size_t widest = 0;  // columns of the widest row
  for (const auto& [number, values] : read_table_rows(path, spec)) {
    widest = std::max(widest, values.size());
    const auto column = [&](std::size_t i) { return static_cast<std::size_t>(q.table_columns[i]); };
    if (values.size() <= std::max(column(0), column(1)))
      throw ConfigError(fmt::format("{}:{}: {} columns, but detector.quenching.table_columns reads column {} "
                                    "(zero-based: recoil_keVnr, QF[, sigma_QF])",
                                    path.string(), number, values.size(), std::max(column(0), column(1))));
    q.table_keVnr.push_back(values[column(0)]);
    q.table_qf.push_back(values[column(1)]);
    if (q.table_columns.size() == 3 && values.size() > column(2)) q.table_qf_uncertainty.push_back(values[column(2)]);
  }
  // More columns than read (COHERENT's table: keVnr, its error, QF, its error): which
  // ones are meant cannot be guessed, so the configuration must say.
  if (!columns_given && widest > q.table_columns.size())
    throw ConfigError(fmt::format("{}: {} has {} columns, more than the {} that detector.quenching.table_columns = "
                                  "[0, 1, 2] reads; set table_columns to the zero-based columns of recoil_keVnr, QF "
                                  "and sigma_QF, e.g. table_columns = [0, 2, 3] for keVnr, dkeVnr, QF, dQF",
                                  where_set, path.string(), widest, q.table_columns.size()));
  try {
    q.validate();
  } catch (const InvalidValue& e) {
    throw ConfigError(fmt::format("{}: {} (the columns read are detector.quenching.table_columns, zero-based: "
                                  "recoil_keVnr, QF[, sigma_QF])",
                                  path.string(), e.what()));
  }
}

void Section::quenching_table(QuenchingConfig& q) const {
  // Only the table model reads its file: another model leaves the file alone.
  if (q.model == QuenchingModel::table && !q.table_file.empty())
    read_quenching_table(q, file_, location("table_file"), table_ && table_->get("table_columns"));
}

// A configuration is a few kilobytes with keys three levels deep; these bounds are far
// beyond that and keep toml++ (recursive) and everything after it fast and within the stack.
constexpr std::size_t largest_configuration_bytes = 1 << 20;
constexpr int deepest_nesting = 16;

/// Refuses a text too large or too deeply nested for the TOML parser, which recurses once
/// per level of tables, arrays and dotted keys (50 000 levels overflow the stack): counts
/// the dots of keys and the open brackets and braces outside strings and comments.
/// Returns the first line with a non-ASCII character outside strings and comments (0: none),
/// which TOML does not allow there and toml++ 3.3 can meet with TOML_UNREACHABLE (some
/// non-ASCII whitespace).
int check_bounds(std::string_view text, const std::string& source_name) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte-order mark
  int non_ascii_line = 0;
  if (text.size() > largest_configuration_bytes)
    throw ConfigError(fmt::format("{}: larger than {} bytes, which no configuration is (they are a few kB)",
                                  source_name, largest_configuration_bytes));
  int line = 1;
  std::string open;    // the [ and { not yet closed, innermost last
  int dots = 0;        // dots of the key (or table header) being read
  bool in_key = true;  // before the '=' of a key = value
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"' || c == '\'') {  // skip a string; """ and ''' ones span lines
      const std::string_view close = text.substr(i, 3) == std::string(3, c) ? text.substr(i, 3) : text.substr(i, 1);
      for (i += close.size(); i < text.size() && text.substr(i, close.size()) != close; ++i) {
        if (text[i] == '\n') ++line;
        if (c == '"' && text[i] == '\\') ++i;  // an escape in a basic string
      }
      i += close.size() - 1;
      continue;
    }
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      if (!non_ascii_line) non_ascii_line = line;
    } else if (c == '\n') {
      ++line;
      if (open.empty()) in_key = true, dots = 0;  // a new key or table header
    } else if (c == '[' || c == '{') {
      open.push_back(c);
      if (c == '{') in_key = true, dots = 0;  // an inline table's keys
    } else if (c == ']' || c == '}') {
      if (!open.empty()) open.pop_back();
      if (c == '}') in_key = false;
    } else if (c == '=' && in_key) {
      in_key = false, dots = 0;
    } else if (c == ',' && !open.empty() && open.back() == '{') {
      in_key = true, dots = 0;
    } else if (c == '.' && in_key) {
      ++dots;
    }
    if (static_cast<int>(open.size()) + dots > deepest_nesting)
      throw ConfigError(fmt::format("{}:{}: tables, arrays and dotted keys nested more than {} deep", source_name, line,
                                    deepest_nesting));
  }
  return non_ascii_line;
}

/// Applies one "--set key=value" to the document.
void apply_override(toml::table& root, const std::string& assignment, Overrides& overrides) {
  const auto eq = assignment.find('=');
  const std::string key = eq == std::string::npos ? "" : assignment.substr(0, eq);
  if (key.empty() || key.find_first_of(" \t") != std::string::npos)
    throw ConfigError(fmt::format("--set {}: expected key=value, e.g. --set physics.sin2_theta_w=0.24", assignment));
  const std::string value = assignment.substr(eq + 1);
  const std::string origin = "--set " + shown_name(assignment);
  if (std::count(key.begin(), key.end(), '.') > deepest_nesting)
    throw ConfigError(fmt::format("{}: no key has more than {} parts", origin, deepest_nesting));
  const bool bare_text = check_bounds("value = " + value, origin) != 0;  // non-ASCII outside quotes: a bare word

  toml::table parsed;
  bool is_toml = false;
  if (!bare_text) try {
      parsed = toml::parse("value = " + value, origin);
      is_toml = true;
    } catch (const toml::parse_error&) {
    }
  if (!is_toml) parsed.insert_or_assign("value", value);  // a bare word: take it as a string
  toml::table* table = &root;
  std::size_t start = 0;
  if (key.starts_with("backgrounds.")) {
    // backgrounds.<name>.<key>: the [[backgrounds]] entry of that name, given as its slug
    // (lower case, other characters '-': "beam-related-neutrons") or exactly.
    const std::size_t second = key.find('.', 12);
    const std::string wanted = key.substr(12, second == std::string::npos ? std::string::npos : second - 12);
    const std::string rest = second == std::string::npos ? "" : key.substr(second + 1);
    if (rest.empty() || rest.find('.') != std::string::npos)
      throw ConfigError(fmt::format("{}: expected backgrounds.<name>.<key>=value, e.g. --set "
                                    "backgrounds.beam-related-neutrons.single_crystal_fraction=0.3",
                                    origin));
    toml::array* entries = root["backgrounds"].as_array();
    std::vector<std::string> slugs;
    std::optional<std::size_t> found;
    for (std::size_t i = 0; entries && i < entries->size(); ++i) {
      const auto* entry = entries->get(i)->as_table();
      const auto* name = entry ? entry->get_as<std::string>("name") : nullptr;
      if (!name) continue;
      slugs.push_back(background_slug(name->get()));
      if (slugs.back() == wanted || name->get() == wanted) {
        if (found)
          throw ConfigError(fmt::format("{}: two backgrounds are named '{}' (backgrounds[{}] and [{}]); rename one",
                                        origin, shown_name(wanted), *found, i));
        found = i;
      }
    }
    if (!found)
      throw ConfigError(fmt::format("{}: no background named '{}' (the backgrounds, as --set names them: {}){}", origin,
                                    shown_name(wanted), slugs.empty() ? "none" : fmt::format("{}", fmt::join(slugs, ", ")),
                                    suggestion(wanted, slugs)));
    entries->get(*found)->as_table()->insert_or_assign(rest, *parsed.get("value"));
    overrides[fmt::format("backgrounds[{}].{}", *found, rest)] = origin;
    return;
  }
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

/// Writes the configuration structs as TOML text, with the vocabulary of Section and in
/// its order: each table's values, then its subtables. Our own few lines rather than
/// toml++'s printer, which prints 0.05 as 0.050000000000000003 and, under UBSan, overflows
/// converting some floats of arrays (toml++ 3.3).
class TableWriter {
 public:
  explicit TableWriter(std::string path = "") : path_(std::move(path)) {}

  template <class T>
  void value(const std::string& key, const T& v) {
    if constexpr (std::is_same_v<T, bool>) line(key, v ? "true" : "false");
    else if constexpr (std::is_same_v<T, std::string>) line(key, toml_string(v));
    else if constexpr (std::is_floating_point_v<T>) line(key, toml_float(v));
    else line(key, std::to_string(v));
  }
  void value(const std::string& key, const std::vector<double>& v) {
    std::vector<std::string> items;
    for (double x : v) items.push_back(toml_float(x));
    line(key, fmt::format("[{}]", fmt::join(items, ", ")));
  }
  void value(const std::string& key, const std::optional<double>& v) {
    if (v) value(key, *v);
  }
  template <class Enum, std::size_t N>
  void value(const std::string& key, const Enum& v, const NamedValues<Enum, N>& names) {
    line(key, toml_string(names.name(v)));
  }
  void list_or_value(const std::string& key, const std::vector<double>& v) { value(key, v); }
  template <class Describe>
  void section(const std::string& key, Describe&& describe) {
    TableWriter sub(child(key));
    describe(sub);
    tables_ += fmt::format("\n[{}]\n{}", sub.path_, sub.text());
  }
  template <class Item, class Describe>
  void tables(const std::string& key, std::vector<Item>& items, Describe&& describe) {
    for (auto& item : items) {
      TableWriter sub(child(key));
      describe(sub, item);
      tables_ += fmt::format("\n[[{}]]\n{}", sub.path_, sub.text());
    }
  }
  template <class Item, class Describe>
  void table_or_tables(const std::string& key, Item& all, std::vector<Item>& by_crystal, Describe&& describe) {
    if (by_crystal.empty()) section(key, [&](TableWriter& sub) { describe(sub, all); });
    else tables(key, by_crystal, describe);
  }
  void quenching_table(QuenchingConfig&) const {}  // the file is named; its points stay in it
  void background_files(BackgroundConfig&) const {}
  void flux_table(SourceConfig&) const {}

  /// This table's values, then its subtables.
  [[nodiscard]] std::string text() const { return values_ + tables_; }

 private:
  void line(const std::string& key, const std::string& v) { values_ += key + " = " + v + "\n"; }
  [[nodiscard]] std::string child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  std::string path_;
  std::string values_;
  std::string tables_;
};

/// Lists every key with the vocabulary of Section: dotted, "backgrounds.name" for the
/// keys of [[backgrounds]].
class KeyLister {
 public:
  explicit KeyLister(std::string path = "") : path_(std::move(path)) {}
  std::vector<std::string> keys;

  template <class T>
  void value(const std::string& key, const T&) { keys.push_back(child(key)); }
  template <class T, class Names>
  void value(const std::string& key, const T&, const Names&) { keys.push_back(child(key)); }
  void list_or_value(const std::string& key, const std::vector<double>&) { keys.push_back(child(key)); }
  template <class Describe>
  void section(const std::string& key, Describe&& describe) {
    KeyLister sub(child(key));
    describe(sub);
    keys.insert(keys.end(), sub.keys.begin(), sub.keys.end());
  }
  template <class Item, class Describe>
  void tables(const std::string& key, std::vector<Item>&, Describe&& describe) {
    KeyLister sub(child(key));
    Item item;
    describe(sub, item);
    keys.insert(keys.end(), sub.keys.begin(), sub.keys.end());
  }
  template <class Item, class Describe>
  void table_or_tables(const std::string& key, Item& all, std::vector<Item>&, Describe&& describe) {
    section(key, [&](KeyLister& sub) { describe(sub, all); });
  }
  void quenching_table(QuenchingConfig&) const {}
  void background_files(BackgroundConfig&) const {}
  void flux_table(SourceConfig&) const {}

 private:
  [[nodiscard]] std::string child(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  std::string path_;
};

/// One optional number per known isotope ("Cs133", …), and "all" first when `with_all`:
/// the entries of `values` that are set.
template <class V>
void per_isotope(V& v, std::map<std::string, double>& values, bool with_all) {
  const auto one = [&](const std::string& key) {
    std::optional<double> value;
    if (auto it = values.find(key); it != values.end()) value = it->second;
    v.value(key, value);
    if (value) values[key] = *value;
  };
  if (with_all) one("all");
  for (const auto& isotope : isotope_table()) one(isotope.name);
}

/// Every configuration key, once: `Section` reads them, `TableWriter` writes them, so the
/// two cannot drift apart. The acquisition and reconstruction are described when given.
template <class V>
void describe(V& v, ExperimentConfig& e, daq::DaqConfig* daq, reco::RecoConfig* reco) {
  v.section("experiment", [&](V& s) {
    s.value("name", e.name);
    s.value("description", e.description);
  });
  v.section("source", [&](V& s) {
    s.value("facility", e.source.facility);
    s.value("beam_power_kW", e.source.beam.power_kW);
    s.value("proton_energy_GeV", e.source.beam.proton_energy_GeV);
    s.value("repetition_rate_Hz", e.source.beam.repetition_rate_Hz);
    s.value("nu_per_proton_per_flavor", e.source.beam.nu_per_proton_per_flavor);
    s.value("distance_m", e.source.distance_m);
    s.value("flux_per_cm2_s_per_flavor", e.source.flux_per_cm2_s_per_flavor);
    s.value("flux", e.source.flux, flux_model_names);
    s.value("flux_file", e.source.flux_file);
    s.flux_table(e.source);
    s.section("pulse", [&](V& p) {
      p.value("bunch_times_ns", e.source.pulse.bunch_times_ns);
      p.value("bunch_weights", e.source.pulse.bunch_weights);
      p.value("shape", e.source.pulse.shape, pulse_shape_names);
      p.value("bunch_fwhm_ns", e.source.pulse.bunch_fwhm_ns);
      p.value("bunch_rise_ns", e.source.pulse.bunch_rise_ns);
    });
  });
  v.section("detector", [&](V& s) {
    auto& d = e.detector;
    s.value("material", d.material);
    s.value("mass_kg", d.mass_kg);
    s.value("crystals", d.crystals);
    s.list_or_value("light_yield_PE_per_keVee", d.light_yield_PE_per_keVee);
    s.list_or_value("pmt_share", d.pmt_share);  // detector response: one or one per crystal
    s.value("spe_resolution", d.spe_resolution);
    s.value("arrival_time", d.arrival_delay.model, arrival_time_definition_names);  // first-photoelectron delay
    s.section("resolution", [&](V& r) {
      r.value("model", d.resolution.model, resolution_model_names);
      r.value("b_per_keVee", d.resolution.b_per_keVee);
      r.value("b_constant", d.resolution.b_constant);
    });
    // One table for all crystals, or [[detector.quenching]] one per crystal.
    s.table_or_tables("quenching", d.quenching, d.quenching_by_crystal, [&](V& q, QuenchingConfig& c) {
      q.value("model", c.model, quenching_model_names);
      q.value("polynomial_coefficients", c.polynomial_coefficients);
      q.value("polynomial_relative_uncertainty", c.polynomial_relative_uncertainty);
      q.value("constant_qf", c.constant_qf);
      q.value("constant_qf_uncertainty", c.constant_qf_uncertainty);
      q.value("lindhard_k", c.lindhard_k);
      q.value("lindhard_k_relative_uncertainty", c.lindhard_k_relative_uncertainty);
      q.value("table_file", c.table_file);
      q.value("table_columns", c.table_columns);
      q.value("shift_sigma", c.shift_sigma);
      q.quenching_table(c);
    });
    if (daq)
      s.section("scintillation", [&](V& c) {
        c.value("decay_times_ns", daq->scintillation.decay_times_ns);
        c.value("weights", daq->scintillation.weights);
      });
  });
  v.section("exposure", [&](V& s) {
    s.value("calendar_days", e.exposure.calendar_days);
    s.value("beam_on_fraction", e.exposure.beam_on_fraction);
    s.value("beam_hours", e.exposure.beam_hours);
    s.value("beam_energy_GWh", e.exposure.beam_energy_GWh);
    s.value("protons_on_target", e.exposure.protons_on_target);
  });
  v.section("physics", [&](V& s) {
    s.value("form_factor", e.physics.form_factor, form_factor_names);
    s.value("weak_charge", e.physics.weak_charge, weak_charge_names);
    s.value("sin2_theta_w", e.physics.sin2_theta_w);
    s.value("neutron_skin_fm", e.physics.neutron_skin_fm);
    s.value("flavor_scale_nu_e", e.physics.flavor_scale_nu_e);
    s.value("flavor_scale_nu_mu", e.physics.flavor_scale_nu_mu);
    s.value("flavor_scale_nubar_mu", e.physics.flavor_scale_nubar_mu);
    s.value("flavor_scale_nubar_e", e.physics.flavor_scale_nubar_e);
    s.value("magnetic_moment_nu_e_muB", e.physics.magnetic_moment_nu_e_muB);
    s.value("magnetic_moment_nu_mu_muB", e.physics.magnetic_moment_nu_mu_muB);
    s.value("charge_radius_nu_e_cm2", e.physics.charge_radius_nu_e_cm2);
    s.value("charge_radius_nu_mu_cm2", e.physics.charge_radius_nu_mu_cm2);
    s.section("neutron_radius_fm", [&](V& n) { per_isotope(n, e.physics.neutron_radius_fm, true); });
    s.section("weak_charge_override", [&](V& w) { per_isotope(w, e.physics.weak_charge_override, false); });
    s.section("nsi", [&](V& n) {
      auto& c = e.physics.nsi;
      n.value("eps_u_ee", c.eps_u_ee);
      n.value("eps_d_ee", c.eps_d_ee);
      n.value("eps_u_mumu", c.eps_u_mumu);
      n.value("eps_d_mumu", c.eps_d_mumu);
      n.value("eps_u_emu", c.eps_u_emu);
      n.value("eps_d_emu", c.eps_d_emu);
      n.value("eps_u_etau", c.eps_u_etau);
      n.value("eps_d_etau", c.eps_d_etau);
      n.value("eps_u_mutau", c.eps_u_mutau);
      n.value("eps_d_mutau", c.eps_d_mutau);
    });
    s.section("vector_mediator", [&](V& m) {
      m.value("coupling", e.physics.vector_mediator.coupling);
      m.value("mass_MeV", e.physics.vector_mediator.mass_MeV);
      m.value("charges", e.physics.vector_mediator.charges, vector_mediator_charge_names);
    });
    s.section("scalar_mediator", [&](V& m) {
      m.value("coupling", e.physics.scalar_mediator.coupling);
      m.value("mass_MeV", e.physics.scalar_mediator.mass_MeV);
    });
    // The sterile neutrino changes the flux at the detector (SourceConfig), a physics parameter.
    s.section("sterile", [&](V& m) {
      m.value("dm2_eV2", e.source.sterile.dm2_eV2);
      m.value("ue4_squared", e.source.sterile.ue4_squared);
      m.value("umu4_squared", e.source.sterile.umu4_squared);
      m.value("source_length_m", e.source.sterile.source_length_m);
      m.value("detector_length_m", e.source.sterile.detector_length_m);
    });
  });
  v.section("selection", [&](V& s) {
    auto& c = e.selection;
    s.value("muon_veto", c.muon_veto);
    s.value("muon_veto_efficiency", c.muon_veto_efficiency);
    s.value("afterglow_cut", c.afterglow_cut);
    s.value("max_pretrace_npe", c.max_pretrace_npe);
    s.value("afterglow_efficiency", c.afterglow_efficiency);
    s.value("two_pmt_coincidence", c.two_pmt_coincidence);
    s.value("min_pmt_npe", c.min_pmt_npe);
    s.value("single_crystal", c.single_crystal);
    s.value("roi_npe_min", c.roi_npe_min);
    s.value("roi_npe_max", c.roi_npe_max);
    s.value("roi_time_min_us", c.roi_time_min_us);
    s.value("roi_time_max_us", c.roi_time_max_us);
    // One table for all crystals, or [[selection.acceptance]] one per crystal.
    s.table_or_tables("acceptance", c.acceptance, c.acceptance_by_crystal, [&](V& a, AcceptanceConfig& acceptance) {
      a.value("model", acceptance.model, acceptance_model_names);
      a.value("a", acceptance.a);
      a.value("k", acceptance.k);
      a.value("x0", acceptance.x0);
      a.value("offset", acceptance.offset);
      a.value("step_PE", acceptance.step_PE);
      a.value("evaluate_at", acceptance.evaluate_at, acceptance_evaluation_names);
    });
    s.section("time_efficiency", [&](V& t) {
      t.value("model", c.time_efficiency.model, time_efficiency_model_names);
      t.value("flat_until_us", c.time_efficiency.flat_until_us);
      t.value("decay_per_us", c.time_efficiency.decay_per_us);
    });
  });
  v.tables("backgrounds", e.backgrounds, [](V& s, BackgroundConfig& b) {
    s.value("name", b.name);
    s.value("model", b.model, background_kind_names);
    s.value("origin", b.origin);
    s.value("simulate", b.simulate);
    s.value("normalisation", b.normalisation, beam_normalisation_names);
    s.value("events_per_pot_per_kg", b.events_per_pot_per_kg);
    s.value("file_scale", b.file_scale);
    s.value("single_crystal_fraction", b.single_crystal_fraction);
    s.value("spectrum_file", b.spectrum_file);
    s.value("spectrum_format", b.spectrum_format, table_format_names);
    s.value("spectrum_variable", b.spectrum_variable, spectrum_variable_names);
    s.value("time_profile", b.time_profile, time_profile_names);
    s.value("time_delay_ns", b.time_delay_ns);
    s.value("time_spread_ns", b.time_spread_ns);
    s.value("neutrino_flavor_weights", b.neutrino_flavor_weights);
    s.value("time_file", b.time_file);
    s.value("time_format", b.time_format, table_format_names);
    s.value("rate_per_kg_keVee_day", b.rate_per_kg_keVee_day);
    s.value("energy_min_keVee", b.energy_min_keVee);
    s.value("energy_max_keVee", b.energy_max_keVee);
    s.value("geometry_file", b.geometry_file);
    s.value("decay_file", b.decay_file);
    s.value("decays_per_source", b.decays_per_source);
    s.value("mc_seed", b.mc_seed);
    s.value("mc_threads", b.mc_threads);
    s.value("chain_events", b.chain_events, chain_events_names);
    s.background_files(b);
  });
  v.tables("systematics", e.systematics, [](V& s, SystematicConfig& y) {
    s.value("name", y.name);
    s.value("parameter", y.parameter, systematic_parameter_names);
    s.value("plus_sigma", y.plus_sigma);
    s.value("minus_sigma", y.minus_sigma);
    s.value("origin", y.origin);
  });
  v.section("spectra", [&](V& s) {
    s.value("recoil_max_keVnr", e.spectra.recoil_max_keVnr);
    s.value("recoil_bin_keVnr", e.spectra.recoil_bin_keVnr);
    s.value("time_min_us", e.spectra.time_min_us);
    s.value("time_max_us", e.spectra.time_max_us);
    s.value("time_bin_us", e.spectra.time_bin_us);
    s.value("thresholds_keVnr", e.spectra.thresholds_keVnr);
    s.value("npe_max", e.spectra.npe_max);
    s.value("npe_edges", e.spectra.npe_edges);  // detector response (docs/detector.md): continuous PE bins
  });
  if (daq)
    v.section("daq", [&](V& s) {
      auto& d = *daq;
      s.value("triggers_per_block", d.triggers_per_block);
      s.section("digitizer", [&](V& g) {
        g.value("sampling_rate_GHz", d.digitizer.sampling_rate_GHz);
        g.value("window_us", d.digitizer.window_us);
        g.value("pretrace_us", d.digitizer.pretrace_us);
        g.value("beam_delay_ns", d.digitizer.beam_delay_ns);
        g.value("adc_bits", d.digitizer.adc_bits);
        g.value("baseline_adc", d.digitizer.baseline_adc);
        g.value("baseline_spread_adc", d.digitizer.baseline_spread_adc);
        g.value("noise_adc", d.digitizer.noise_adc);
        g.value("negative_pulses", d.digitizer.negative_pulses);
      });
      s.section("zero_suppression", [&](V& z) {
        z.value("threshold_adc", d.zero_suppression.threshold_adc);
        z.value("pre_samples", d.zero_suppression.pre_samples);
        z.value("post_samples", d.zero_suppression.post_samples);
      });
      s.section("pmt", [&](V& p) {
        p.list_or_value("dark_rate_Hz", d.pmt.dark_rate_Hz);  // per PMT: one for all crystals or one per crystal
        p.value("dark_multi_pe_fraction", d.pmt.dark_multi_pe_fraction);
        p.value("dark_multi_pe_mean", d.pmt.dark_multi_pe_mean);
        p.value("afterpulse_probability", d.pmt.afterpulse_probability);
        p.value("afterpulse_delay_ns", d.pmt.afterpulse_delay_ns);
        p.value("afterpulse_delay_spread_ns", d.pmt.afterpulse_delay_spread_ns);
        p.value("transit_time_spread_ns", d.pmt.transit_time_spread_ns);
        p.value("pulse_rise_ns", d.pmt.pulse_rise_ns);
        p.value("pulse_decay_ns", d.pmt.pulse_decay_ns);
        p.value("spe_amplitude_adc", d.pmt.spe_amplitude_adc);
        p.value("spe_resolution", d.pmt.spe_resolution);
      });
      s.section("afterglow", [&](V& a) {
        a.value("deposit_rate_Hz", d.afterglow.deposit_rate_Hz);
        a.value("deposit_photoelectrons", d.afterglow.deposit_photoelectrons);
        a.value("total_fraction", d.afterglow.total_fraction);
        a.value("time_constant_ms", d.afterglow.time_constant_ms);
      });
      s.section("beam", [&](V& b) {
        b.value("pot_fluctuation", d.beam.pot_fluctuation);
        b.value("beam_off_fraction", d.beam.beam_off_fraction);
        b.value("beam_off_period_s", d.beam.beam_off_period_s);
      });
      s.section("veto", [&](V& t) {
        t.value("bars", d.veto.bars);
        t.value("rate_per_bar_Hz", d.veto.rate_per_bar_Hz);
        t.value("window_us", d.veto.window_us);
      });
    });
  if (reco)
    v.section("reco", [&](V& s) {
      s.value("pulse_threshold_adc", reco->pulse_threshold_adc);
      s.value("integration_pre_samples", reco->integration_pre_samples);
      s.value("integration_post_samples", reco->integration_post_samples);
      s.value("spe_charge_adc_samples", reco->spe_charge_adc_samples);
      s.value("calibration_pulses", reco->calibration_pulses);
      s.value("max_baseline_rms_adc", reco->max_baseline_rms_adc);
      s.value("off_beam_window_start_us", reco->off_beam_window_start_us);
    });
}

Configuration read_document(const toml::table& root, const std::string& file, const Overrides& overrides) {
  Configuration everything;
  ExperimentConfig& config = everything.simulation.experiment;
  config.exposure = ExposureConfig{};  // exactly one form comes from the file
  Section top(&root, "", file, overrides);
  describe(top, config, &everything.simulation.daq, &everything.reco);
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
  if (const int line = check_bounds(toml_text, source_name))
    throw ConfigError(fmt::format("{}:{}: TOML syntax error: a non-ASCII character outside a string or comment "
                                  "(text goes in quotes, e.g. name = \"…\")",
                                  source_name, line));
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
    config.simulation.experiment.dark_counts = daq::dark_count_inputs(config.simulation.daq);
    config.simulation.validate();
    config.reco.validate();
    // The predicted first-photoelectron delay uses the simulation's profile and pulse start.
    reco::set_arrival_delay(config.simulation.experiment.detector.arrival_delay, config.simulation.daq, config.reco);
    config.simulation.experiment.detector.arrival_delay.validate();
    (void)reco::off_beam_window(config.reco, config.simulation.daq.digitizer);  // fits the pretrace
    return config;
  } catch (const InvalidValue& e) {
    throw ConfigError(fmt::format("{}: {}", location_of(root, e.key(), source_name, overridden), e.what()));
  }
}

Configuration read_configuration(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::error_code error;
  const bool regular = std::filesystem::is_regular_file(file, error);
  std::ifstream in(file, std::ios::binary);
  if (!in || !regular)
    throw ConfigError(fmt::format("cannot read configuration file '{}' ({}); the experiments shipped are in configs/",
                                  file.string(),
                                  !std::filesystem::exists(file) ? "no such file"
                                  : !regular                     ? "not a regular file"
                                                                 : "not readable"));
  // Read at most one byte more than a configuration may have: /dev/zero-like files end.
  std::string text(largest_configuration_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_configuration(text, file.string(), overrides);
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

std::string to_toml(const ExperimentConfig& config) {
  ExperimentConfig copy = config;
  TableWriter writer;
  describe(writer, copy, nullptr, nullptr);
  return writer.text().substr(1);  // without the blank line before the first table
}

std::string to_toml(const Configuration& everything) {
  Configuration copy = everything;
  TableWriter writer;
  describe(writer, copy.simulation.experiment, &copy.simulation.daq, &copy.reco);
  return writer.text().substr(1);
}

std::vector<std::string> configuration_keys() {
  Configuration everything;
  KeyLister lister;
  describe(lister, everything.simulation.experiment, &everything.simulation.daq, &everything.reco);
  return lister.keys;
}

}  // namespace cevns::io
