// The extension module cevns._cevns: the library's errors as Python exceptions, and the
// helpers the other parts share. python/cevns/__init__.py is the public face.

#include <new>
#include <stdexcept>

#include "common.hpp"
#include "cevns/core/cancelled.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/log.hpp"
#include "cevns/core/version.hpp"

namespace cevns::python {

void check_interrupt() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw Interrupted{};
}

std::mutex& hdf5_mutex() {
  static std::mutex mutex;
  return mutex;
}

namespace {
void make_read_only(py::array& array) {
  py::detail::array_proxy(array.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
}
}  // namespace

py::array view(const std::vector<double>& values, py::handle owner) {
  py::array array(py::dtype::of<double>(), {static_cast<py::ssize_t>(values.size())}, {}, values.data(), owner);
  make_read_only(array);
  return array;
}

py::array view_2d(const std::vector<double>& values, std::size_t rows, std::size_t columns, py::handle owner) {
  py::array array(py::dtype::of<double>(), {static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(columns)}, {},
                  values.data(), owner);
  make_read_only(array);
  return array;
}

void bind_errors(py::module_& m) {
  // The hierarchy of include/cevns/core/error.hpp: Error is bad input (the command line's
  // exit code 1); InternalError (not an Error) is a bug (exit code 3).
  static py::exception<cevns::Error> error(m, "Error");
  static py::exception<cevns::ConfigError> config_error(m, "ConfigError", error.ptr());
  static py::exception<cevns::IoError> io_error(m, "IoError", error.ptr());
  static py::exception<cevns::InvalidValue> invalid_value(m, "InvalidValue", error.ptr());
  static py::exception<std::logic_error> internal_error(m, "InternalError", PyExc_Exception);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const py::error_already_set&) {
      throw;  // a Python exception (KeyboardInterrupt from a progress check): pybind11 restores it
    } catch (const py::builtin_exception&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw;  // MemoryError
    } catch (const cevns::Cancelled& e) {
      PyErr_SetString(PyExc_KeyboardInterrupt, e.what());  // a stop flag set by something other than Ctrl-C
    } catch (const cevns::InvalidValue& e) {
      py::object exc = py::handle(invalid_value.ptr())(e.what());
      exc.attr("key") = e.key();
      exc.attr("value") = e.value();
      exc.attr("requirement") = e.requirement();
      PyErr_SetObject(invalid_value.ptr(), exc.ptr());
    } catch (const cevns::ConfigError& e) {
      config_error(e.what());
    } catch (const cevns::IoError& e) {
      io_error(e.what());
    } catch (const cevns::Error& e) {
      error(e.what());
    } catch (const std::exception& e) {
      internal_error((std::string(e.what()) + " (an internal error of cevns: please report it with the call that made it)").c_str());
    }
  });
}

}  // namespace cevns::python

PYBIND11_MODULE(_cevns, m) {
  using namespace cevns::python;
  m.doc() = "cevns: coherent elastic neutrino-nucleus scattering at pulsed spallation sources (C++ core)";
  m.attr("__version__") = std::string(cevns::version());
  m.def(
      "set_log_level",
      [](const std::string& level) {
        const auto parsed = level == "debug"     ? cevns::LogLevel::debug
                            : level == "info"    ? cevns::LogLevel::info
                            : level == "warning" ? cevns::LogLevel::warning
                            : level == "error"   ? cevns::LogLevel::error
                                                 : throw py::value_error("log level '" + level +
                                                                         "': must be debug, info, warning or error");
        cevns::set_log_level(parsed);
      },
      py::arg("level"), "Level of the library's log on stderr: debug, info, warning (the module's default) or error.");
  // Notebooks do not show stderr: only warnings and errors by default.
  cevns::set_log_level(cevns::LogLevel::warning);
  bind_errors(m);
  m.def(
      "_raise",
      [](const std::string& kind, const std::string& message) {
        if (kind == "Error") throw cevns::Error(message);
        if (kind == "ConfigError") throw cevns::ConfigError(message);
        if (kind == "IoError") throw cevns::IoError(message);
        if (kind == "InvalidValue") throw cevns::InvalidValue("detector.mass_kg", message, "must be a positive number");
        if (kind == "bad_alloc") throw std::bad_alloc();
        throw std::logic_error(message);
      },
      py::arg("kind"), py::arg("message"), "Throws a C++ exception of `kind`: for the tests of the translation.");
  bind_config(m);
  bind_predict(m);
  bind_files(m);
  bind_fit(m);
  bind_scan(m);
  bind_run(m);
  bind_tools(m);
}
