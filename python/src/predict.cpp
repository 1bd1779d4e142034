// cevns.predict and cevns.sensitivity: the prediction's numbers, and its spectra as numpy
// arrays. A spectrum the prediction holds is a read-only view into it (no copy; the array
// keeps the prediction alive); a sum or projection computed on request is a new array.

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include <pybind11/stl/filesystem.h>

#include "common.hpp"
#include "cevns/core/version.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/prediction_writer.hpp"
#include "cevns/report/plots.hpp"
#include "cevns/report/prediction_table.hpp"

namespace cevns::python {

namespace {

constexpr const char* per_bin = "expected events per bin";

struct Axis {
  const char* name;
  const char* unit;
};
constexpr Axis recoil_axis{"recoil energy", "keVnr"};
constexpr Axis time_axis{"arrival time from the centre of the first proton bunch", "us"};
constexpr Axis npe_axis{"photoelectrons (bin n holds n; the last bin everything above)", "NPE"};

PySpectrum spectrum_view(const Spectrum& s, py::handle owner, Axis axis, const char* unit = per_bin) {
  return {view(s.binning.edges(), owner), view(s.counts, owner), axis.name, axis.unit, unit};
}
PySpectrum spectrum_copy(Spectrum s, Axis axis, const char* unit = per_bin) {
  auto edges = s.binning.edges();
  return {adopt(std::move(edges)), adopt(std::move(s.counts)), axis.name, axis.unit, unit};
}
PySpectrum2D spectrum2d_view(const Spectrum2D& s, py::handle owner, const char* unit) {
  return {view(s.x.edges(), owner), view(s.y.edges(), owner), view_2d(s.counts, s.x.size(), s.y.size(), owner),
          npe_axis.name, npe_axis.unit, time_axis.name, time_axis.unit, unit};
}
PySpectrum2D spectrum2d_copy(Spectrum2D s, const char* unit) {
  auto x = s.x.edges();
  auto y = s.y.edges();
  const auto rows = static_cast<py::ssize_t>(s.x.size()), columns = static_cast<py::ssize_t>(s.y.size());
  return {adopt(std::move(x)), adopt(std::move(y)), adopt(std::move(s.counts), {rows, columns}),
          npe_axis.name, npe_axis.unit, time_axis.name, time_axis.unit, unit};
}

template <class Value>
py::dict by_flavor(const std::map<Flavor, Value>& values) {
  py::dict out;
  for (const auto& [flavor, value] : values) out[py::str(std::string(flavor_name(flavor)))] = value;
  return out;
}

const Prediction& of(const py::object& self) { return self.cast<const Prediction&>(); }

/// A nlohmann::json value as Python objects (through the json module: exact doubles).
py::object json_to_python(const nlohmann::json& json) {
  return py::module_::import("json").attr("loads")(json.dump());
}

Sensitivity sensitivity_of(const Prediction& p, std::optional<double> max_mass_kg, std::optional<double> max_days,
                           int points) {
  // The command line's map: twice the configured mass and time, at least a year.
  const double mass = max_mass_kg.value_or(2.0 * p.config.detector.mass_kg);
  const double days = max_days.value_or(std::max(365.0, 2.0 * p.days()));
  if (!(mass > 0.0) || !(days > 0.0) || points < 2)
    throw py::value_error(fmt::format("sensitivity map: max_mass_kg = {:g} and max_days = {:g} must be positive and "
                                      "points = {} at least 2",
                                      mass, days, points));
  return cevns::sensitivity(p, mass, days, points);
}

}  // namespace

void bind_predict(py::module_& m) {
  py::class_<PySpectrum>(m, "Spectrum", "A binned spectrum: edges (n + 1), counts (n), and their units.")
      .def_readonly("edges", &PySpectrum::edges, "Bin edges, in edge_unit (n + 1 values).")
      .def_readonly("counts", &PySpectrum::counts, "Expected (or counted) entries per bin, in unit (n values).")
      .def_readonly("axis", &PySpectrum::axis)
      .def_readonly("edge_unit", &PySpectrum::edge_unit)
      .def_readonly("unit", &PySpectrum::unit)
      .def_property_readonly("centers",
                             [](const PySpectrum& s) {
                               py::object e = s.edges;
                               return (e[py::slice(1, {}, {})] + e[py::slice({}, -1, {})]) * py::float_(0.5);
                             }, "Bin centres (n values).")
      .def("total", [](const PySpectrum& s) { return s.counts.attr("sum")().cast<double>(); })
      .def("__len__", [](const PySpectrum& s) { return s.counts.size(); })
      .def("__repr__", [](const PySpectrum& s) {
        return fmt::format("<cevns.Spectrum {} bins of {} [{}], {}>", s.counts.size(), s.axis, s.edge_unit, s.unit);
      });
  py::class_<PySpectrum2D>(m, "Spectrum2D", "A 2-D spectrum: counts[ix, iy] over x_edges × y_edges.")
      .def_readonly("x_edges", &PySpectrum2D::x_edges)
      .def_readonly("y_edges", &PySpectrum2D::y_edges)
      .def_readonly("counts", &PySpectrum2D::counts)
      .def_readonly("x_axis", &PySpectrum2D::x_axis)
      .def_readonly("x_unit", &PySpectrum2D::x_unit)
      .def_readonly("y_axis", &PySpectrum2D::y_axis)
      .def_readonly("y_unit", &PySpectrum2D::y_unit)
      .def_readonly("unit", &PySpectrum2D::unit)
      .def("total", [](const PySpectrum2D& s) { return s.counts.attr("sum")().cast<double>(); })
      .def("__repr__", [](const PySpectrum2D& s) {
        return fmt::format("<cevns.Spectrum2D {}×{} bins ({} [{}] × {} [{}]), {}>", s.counts.shape(0), s.counts.shape(1),
                           s.x_axis, s.x_unit, s.y_axis, s.y_unit, s.unit);
      });

  py::class_<Prediction, std::shared_ptr<Prediction>>(m, "Prediction", R"(Expected CEvNS and background counts and spectra (cevns predict).

Spectra the prediction holds (per channel, per flavour, per background) are read-only
views into it; sums and projections are new arrays.)")
      .def_property_readonly("experiment", [](const Prediction& p) { return p.config.name; })
      .def_readonly("beam_on_time_s", &Prediction::beam_on_time_s)
      .def_readonly("protons_on_target", &Prediction::protons_on_target)
      .def_readonly("flux_per_cm2_s", &Prediction::flux_per_cm2_s, "Per flavour, beam on.")
      .def_readonly("fluence_per_cm2", &Prediction::fluence_per_cm2, "Per flavour, over the exposure.")
      .def_readonly("nuclei", &Prediction::nuclei, "Target nuclei per isotope.")
      .def_property_readonly("days", &Prediction::days, "Data-taking days the per-day rates refer to.")
      .def_property_readonly("total_events", &Prediction::total_events, "CEvNS events, all recoil energies.")
      .def_property_readonly("events_by_flavor", [](const Prediction& p) { return by_flavor(p.events_by_flavor()); })
      .def_property_readonly("events_by_isotope", &Prediction::events_by_isotope)
      .def_property_readonly(
          "events_above_threshold",
          [](const Prediction& p) {
            py::dict out;
            const auto above = p.events_above_thresholds();
            for (std::size_t k = 0; k < above.size(); ++k) out[py::float_(p.config.spectra.thresholds_keVnr[k])] = above[k];
            return out;
          },
          "{threshold_keVnr: events} for each spectra.thresholds_keVnr.")
      .def_property_readonly(
          "channels",
          [](const py::object& self) {
            py::list out;
            for (const auto& c : of(self).channels) {
              py::dict channel;
              channel["flavor"] = std::string(flavor_name(c.flavor));
              channel["isotope"] = c.isotope;
              channel["events"] = c.events;
              channel["max_recoil_keVnr"] = c.max_recoil_keVnr;
              channel["above_threshold"] = c.above_threshold;
              channel["recoil"] = spectrum_view(c.recoil, self, recoil_axis);
              out.append(channel);
            }
            return out;
          },
          "One dict per flavour and isotope: flavor, isotope, events, max_recoil_keVnr, above_threshold, recoil (view).")
      .def_property_readonly(
          "recoil", [](const Prediction& p) { return spectrum_copy(p.recoil_spectrum(), recoil_axis); },
          "Recoil spectrum, all channels (a new array).")
      .def_property_readonly(
          "recoil_by_flavor",
          [](const Prediction& p) {
            py::dict out;
            for (Flavor f : p.flavors())
              out[py::str(std::string(flavor_name(f)))] =
                  spectrum_copy(p.recoil_spectrum([f](const ChannelPrediction& c) { return c.flavor == f; }), recoil_axis);
            return out;
          })
      .def_property_readonly(
          "recoil_by_isotope",
          [](const Prediction& p) {
            py::dict out;
            for (const auto& [isotope, events] : p.events_by_isotope())
              out[py::str(isotope)] = spectrum_copy(
                  p.recoil_spectrum([&name = isotope](const ChannelPrediction& c) { return c.isotope == name; }),
                  recoil_axis);
            return out;
          })
      .def_property_readonly(
          "arrival_time",
          [](const py::object& self) {
            py::dict out;
            for (const auto& [flavor, s] : of(self).arrival_time)
              out[py::str(std::string(flavor_name(flavor)))] = spectrum_view(s, self, time_axis);
            return out;
          },
          "Arrival-time spectrum per flavour, all recoil energies (views).")
      .def_property_readonly(
          "npe_before_selection",
          [](const py::object& self) {
            py::dict out;
            for (const auto& [flavor, s] : of(self).npe_before_selection)
              out[py::str(std::string(flavor_name(flavor)))] = spectrum_view(s, self, npe_axis);
            return out;
          },
          "Photoelectron spectrum per flavour before any selection, the paper's Figure 7 (views).")
      .def_property_readonly(
          "npe_after_selection",
          [](const Prediction& p) {
            py::dict out;
            for (const auto& [flavor, s] : p.signal)
              out[py::str(std::string(flavor_name(flavor)))] = spectrum_copy(s.project_x(), npe_axis);
            return out;
          },
          "Signal NPE spectrum per flavour after the selection, all arrival times (new arrays).")
      .def_property_readonly(
          "background_npe",
          [](const Prediction& p) {
            py::dict out;
            for (const auto& b : p.backgrounds) out[py::str(b.name)] = spectrum_copy(b.npe_time.project_x(), npe_axis);
            return out;
          },
          "NPE spectrum of each background after the selection, all arrival times (new arrays).")
      .def_property_readonly(
          "arrival_time_selected",
          [](const Prediction& p) {
            py::dict signal, background;
            for (const auto& [flavor, s] : p.signal)
              signal[py::str(std::string(flavor_name(flavor)))] =
                  spectrum_copy(time_in_npe_roi(s, p.config.selection), time_axis);
            for (const auto& b : p.backgrounds)
              background[py::str(b.name)] = spectrum_copy(time_in_npe_roi(b.npe_time, p.config.selection), time_axis);
            py::dict out;
            out["signal"] = signal;
            out["background"] = background;
            return out;
          },
          "Arrival-time spectra after the selection in the NPE region of interest: {'signal': {flavour: …}, "
          "'background': {source: …}} (new arrays).")
      .def_property_readonly(
          "signal_npe_time",
          [](const py::object& self) {
            py::dict out;
            for (const auto& [flavor, s] : of(self).signal)
              out[py::str(std::string(flavor_name(flavor)))] = spectrum2d_view(s, self, per_bin);
            return out;
          },
          "Signal per flavour after the selection, NPE × arrival time (views).")
      .def_property_readonly(
          "background_npe_time",
          [](const py::object& self) {
            py::dict out;
            for (const auto& b : of(self).backgrounds) out[py::str(b.name)] = spectrum2d_view(b.npe_time, self, per_bin);
            return out;
          },
          "Each background after the selection, NPE × arrival time (views).")
      .def_property_readonly("signal_total", [](const Prediction& p) { return spectrum2d_copy(p.signal_total(), per_bin); })
      .def_property_readonly("background_total",
                             [](const Prediction& p) { return spectrum2d_copy(p.background_total(), per_bin); })
      .def_property_readonly("roi_signal", &Prediction::roi_signal, "CEvNS in the region of interest after the selection.")
      .def_property_readonly("roi_signal_by_flavor", [](const Prediction& p) { return by_flavor(p.roi_signal_by_flavor); })
      .def_property_readonly("roi_background", &Prediction::roi_background)
      .def_property_readonly("roi_background_by_source",
                             [](const Prediction& p) {
                               py::dict out;
                               for (const auto& b : p.backgrounds) out[py::str(b.name)] = b.roi;
                               return out;
                             })
      .def_readonly("roi_threshold_keVnr", &Prediction::roi_threshold_keVnr)
      .def(
          "to_json", [](const Prediction& p) { return json_to_python(io::to_json(p)); },
          "Everything as `cevns predict --format json` prints it (docs/output.md), as dicts and lists.")
      .def(
          "write",
          [](const Prediction& p, const std::filesystem::path& directory) {
            return without_gil_no_hdf5([&] { return io::write_prediction(p, directory); });
          },
          py::arg("directory"), "Writes what `cevns predict --output DIR` writes; returns the files.")
      .def("table", &report::format_prediction_table, "The table `cevns predict` prints.")
      .def("__repr__", [](const Prediction& p) {
        return fmt::format("<cevns.Prediction '{}': {:.4g} CEvNS events, {:.4g} signal and {:.4g} background in the ROI>",
                           p.config.name, p.total_events(), p.roi_signal(), p.roi_background());
      });

  py::class_<Sensitivity, std::shared_ptr<Sensitivity>>(m, "Sensitivity", "The counting significance (cevns sensitivity).")
      .def_readonly("signal", &Sensitivity::signal)
      .def_readonly("background", &Sensitivity::background)
      .def_readonly("significance", &Sensitivity::significance, "N_sig/sqrt(N_sig + N_bkg), the CLOVERS paper's eq. 1.")
      .def_readonly("asimov_significance", &Sensitivity::asimov_significance)
      .def_readonly("days_to_5sigma", &Sensitivity::days_to_5sigma)
      .def_readonly("target_sigma", &Sensitivity::target_sigma)
      .def_property_readonly("map_mass_kg", [](const py::object& self) {
        return view(self.cast<const Sensitivity&>().map_mass_kg, self);
      })
      .def_property_readonly("map_days", [](const py::object& self) { return view(self.cast<const Sensitivity&>().map_days, self); })
      .def_property_readonly(
          "map_significance",
          [](const py::object& self) {
            const auto& s = self.cast<const Sensitivity&>();
            return view_2d(s.map_significance, s.map_mass_kg.size(), s.map_days.size(), self);
          },
          "The paper's Figure 14: [i_mass, i_day] (a view).")
      .def("to_json", [](const Sensitivity& s) { return json_to_python(io::to_json(s)); },
           "As `cevns sensitivity --format json` prints it, without experiment and roi (Prediction.to_json has them).")
      .def("table", &report::format_sensitivity_table, "The significance table `cevns sensitivity` prints.")
      .def("__repr__", [](const Sensitivity& s) {
        return fmt::format("<cevns.Sensitivity {:.3g} sigma, 5 sigma in {:.3g} days>", s.significance, s.days_to_5sigma);
      });

  m.def(
      "_predict",
      [](const Configuration& config) {
        const ExperimentConfig experiment = config.resolved.simulation.experiment;
        return std::make_shared<Prediction>(without_gil_no_hdf5([&] { return cevns::predict(experiment); }));
      },
      py::arg("config"));
  m.def(
      "_sensitivity",
      [](const Prediction& prediction, std::optional<double> max_mass_kg, std::optional<double> max_days, int points) {
        return std::make_shared<Sensitivity>(sensitivity_of(prediction, max_mass_kg, max_days, points));
      },
      py::arg("prediction"), py::arg("max_mass_kg") = py::none(), py::arg("max_days") = py::none(),
      py::arg("points") = 48);
}

}  // namespace cevns::python
