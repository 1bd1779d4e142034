// cevns.Configuration: a configuration read from TOML whose keys are read and set with the
// TOML / --set names. Setting a key goes through the reader's --set path, so a bad value
// raises the ConfigError the command line prints.

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "common.hpp"
#include "cevns/core/error.hpp"

namespace cevns::python {

namespace {

/// A TOML node as a Python object: tables become dicts, arrays lists.
py::object to_python(const toml::node& node) {
  if (const auto* table = node.as_table()) {
    py::dict out;
    for (const auto& [key, value] : *table) out[py::str(std::string(key.str()))] = to_python(value);
    return out;
  }
  if (const auto* array = node.as_array()) {
    py::list out;
    for (const auto& value : *array) out.append(to_python(value));
    return out;
  }
  if (const auto* s = node.as_string()) return py::str(s->get());
  if (const auto* i = node.as_integer()) return py::int_(i->get());
  if (const auto* f = node.as_floating_point()) return py::float_(f->get());
  if (const auto* b = node.as_boolean()) return py::bool_(b->get());
  std::ostringstream text;  // dates and times: as TOML writes them
  node.visit([&](const auto& value) { text << value; });
  return py::str(text.str());
}

/// Whether the command line would read `text` as a TOML value (else as a bare string).
bool parses_as_toml_value(const std::string& text) {
  try {
    (void)toml::parse("value = " + text);
    return true;
  } catch (const toml::parse_error&) {
    return false;
  }
}

}  // namespace

Configuration::Configuration(std::string toml_text, std::string name, std::vector<std::string> assignments)
    : text(std::move(toml_text)), source_name(std::move(name)), overrides(std::move(assignments)),
      resolved(io::parse_configuration(text, source_name, overrides)) {}

py::object Configuration::get(const std::string& key) const {
  const toml::table table = toml::parse(to_toml());
  const toml::node_view<const toml::node> node = table.at_path(key);
  if (key.empty() || !node)
    throw py::key_error(fmt::format("'{}' is not a key of the resolved configuration (cfg.keys() lists them; "
                                    "an optional key that is not set has no value)",
                                    key));
  return to_python(*node.node());
}

void Configuration::set(const std::string& key, const std::string& toml_value) {
  std::vector<std::string> next;
  for (const auto& o : overrides)
    if (o.rfind(key + "=", 0) != 0) next.push_back(o);  // the last value of a key wins: keep the list short
  next.push_back(key + "=" + toml_value);
  resolved = io::parse_configuration(text, source_name, next);  // throws before anything changes
  overrides = std::move(next);
}

std::string toml_literal(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::int_>(value)) return py::str(value).cast<std::string>();
  if (py::isinstance<py::float_>(value)) {
    const double x = value.cast<double>();
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    return py::repr(value).cast<std::string>();  // shortest round trip: 6.0, 1e-05
  }
  if (py::isinstance<py::str>(value)) {
    const auto text = value.cast<std::string>();
    // A word the command line takes as a string stays bare (--set physics.form_factor=helm);
    // anything TOML would read otherwise ("5", "true") is quoted.
    if (!text.empty() && !parses_as_toml_value(text) && text.find_first_of("\"'\n=#[]{},") == std::string::npos)
      return text;
    std::ostringstream quoted;
    quoted << toml::value<std::string>(text);
    return quoted.str();
  }
  if (py::isinstance<py::dict>(value)) {
    std::string out = "{";
    for (const auto& [k, v] : value.cast<py::dict>()) {
      std::ostringstream quoted_key;
      quoted_key << toml::value<std::string>(py::str(k).cast<std::string>());
      out += (out.size() > 1 ? ", " : " ") + quoted_key.str() + " = " + toml_literal(v);
    }
    return out + " }";
  }
  if (py::isinstance<py::sequence>(value)) {
    std::string out = "[";
    for (const auto& item : value.cast<py::sequence>()) out += (out.size() > 1 ? ", " : "") + toml_literal(item);
    return out + "]";
  }
  // numpy scalars and the like: as the number they stand for
  if (py::hasattr(value, "__index__")) return toml_literal(py::int_(py::reinterpret_borrow<py::object>(value)));
  if (py::hasattr(value, "__float__")) return toml_literal(py::float_(py::reinterpret_borrow<py::object>(value)));
  throw py::type_error(fmt::format("cannot write a {} as a configuration value (use a number, bool, str, list or dict)",
                                   py::str(py::type::of(value).attr("__name__")).cast<std::string>()));
}

std::vector<std::string> override_list(const py::object& overrides) {
  std::vector<std::string> out;
  if (overrides.is_none()) return out;
  if (py::isinstance<py::dict>(overrides)) {
    for (const auto& [key, value] : overrides.cast<py::dict>())
      out.push_back(py::str(key).cast<std::string>() + "=" + toml_literal(value));
    return out;
  }
  if (py::isinstance<py::str>(overrides))
    throw py::type_error("overrides: a dict {key: value} or a list of \"key=value\" strings, not one string");
  for (const auto& item : overrides.cast<py::sequence>()) {
    if (!py::isinstance<py::str>(item))
      throw py::type_error("overrides: a list of \"key=value\" strings (or a dict {key: value})");
    out.push_back(item.cast<std::string>());
  }
  return out;
}

void bind_config(py::module_& m) {
  py::class_<Configuration, std::shared_ptr<Configuration>>(m, "Configuration", R"(An experiment configuration.

Keys are the TOML / --set names: cfg["detector.mass_kg"] reads the resolved value
(defaults filled in), cfg["detector.mass_kg"] = 6 sets it as --set would, with the same
checks and messages (cevns.ConfigError).)")
      .def("__getitem__", &Configuration::get, py::arg("key"))
      .def(
          "__setitem__",
          [](Configuration& c, const std::string& key, const py::handle& value) { c.set(key, toml_literal(value)); },
          py::arg("key"), py::arg("value"))
      .def("__contains__",
           [](const Configuration& c, const std::string& key) {
             const toml::table table = toml::parse(c.to_toml());
             return !key.empty() && static_cast<bool>(table.at_path(key));
           })
      .def(
          "keys",
          [](const Configuration& c) {
            std::vector<std::string> keys;
            const toml::table table = toml::parse(c.to_toml());
            const auto walk = [&](const auto& self, const toml::table& t, const std::string& prefix) -> void {
              for (const auto& [key, value] : t) {
                const std::string name = prefix + std::string(key.str());
                if (const auto* sub = value.as_table()) self(self, *sub, name + ".");
                else keys.push_back(name);
              }
            };
            walk(walk, table, "");
            return keys;
          },
          "Every dotted key of the resolved configuration (values that are tables are walked into).")
      .def("to_dict", [](const Configuration& c) { return to_python(toml::parse(c.to_toml())); },
           "The resolved configuration as nested dicts.")
      .def("to_toml", &Configuration::to_toml,
           "The resolved configuration as TOML (what `cevns config show` prints); it reads back to the same.")
      .def(
          "copy", [](const Configuration& c) { return std::make_shared<Configuration>(c); },
          "An independent copy (setting a key of one does not change the other).")
      .def("__copy__", [](const Configuration& c) { return std::make_shared<Configuration>(c); })
      .def("__deepcopy__", [](const Configuration& c, py::dict) { return std::make_shared<Configuration>(c); })
      .def_property_readonly("source", [](const Configuration& c) { return c.source_name; },
                             "The file read (or the raw file's stored configuration).")
      .def_property_readonly("overrides", [](const Configuration& c) { return c.overrides; },
                             "The overrides applied, as --set spells them.")
      .def_property_readonly("text", [](const Configuration& c) { return c.text; }, "The TOML text as read.")
      .def_property_readonly("experiment", [](const Configuration& c) { return c.resolved.simulation.experiment.name; })
      .def("__repr__", [](const Configuration& c) {
        return fmt::format("<cevns.Configuration '{}' from {}{}>", c.resolved.simulation.experiment.name, c.source_name,
                           c.overrides.empty() ? "" : fmt::format(" with {} overrides", c.overrides.size()));
      });

  m.def(
      "_read_config",
      [](const std::string& path, const py::object& overrides) {
        const auto assignments = override_list(overrides);
        std::ifstream in(path, std::ios::binary);
        if (!in) (void)io::read_configuration(path, assignments);  // throws the reader's message
        std::ostringstream text;
        text << in.rdbuf();
        return std::make_shared<Configuration>(text.str(), path, assignments);
      },
      py::arg("path"), py::arg("overrides") = py::none());
  m.def(
      "_parse_config",
      [](const std::string& text, const std::string& source_name, const py::object& overrides) {
        return std::make_shared<Configuration>(text, source_name, override_list(overrides));
      },
      py::arg("text"), py::arg("source_name"), py::arg("overrides") = py::none());
}

}  // namespace cevns::python
