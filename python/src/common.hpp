#pragma once
/// \file
/// What the parts of the Python module share: the configuration object, numpy helpers, and
/// running library code without the GIL while Ctrl-C still works.

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "cevns/core/spectrum.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns::python {

namespace py = pybind11;

/// A configuration as Python sees it: the TOML text it came from, the overrides applied to
/// it (as `--set` spells them), and the resolved result. Changing a key re-reads the text
/// with one more override, so every check and message is the command line's.
struct Configuration {
  std::string text;         ///< the TOML as read
  std::string source_name;  ///< the file (or "file.h5:/run/config_toml") in messages
  std::vector<std::string> overrides;
  io::Configuration resolved;

  /// Reads `text` with `overrides`. Throws ConfigError.
  Configuration(std::string toml_text, std::string name, std::vector<std::string> assignments);
  /// The value of dotted `key` in the resolved configuration, as a Python object.
  [[nodiscard]] py::object get(const std::string& key) const;
  /// Adds the override `key=value` (replacing an earlier one of the same key) and re-reads;
  /// on a ConfigError the configuration stays as it was.
  void set(const std::string& key, const std::string& toml_value);
  [[nodiscard]] std::string to_toml() const { return io::to_toml(resolved); }
};

/// A Python value as the text of a `--set key=value` override: numbers, booleans, strings
/// (bare when the command line would read them as a string too), lists, dicts.
std::string toml_literal(const py::handle& value);

/// The overrides argument of the Python functions: a dict {key: value} or a list of
/// "key=value" strings.
std::vector<std::string> override_list(const py::object& overrides);

/// Thrown on the calling thread, from a progress callback, when Python has a pending
/// KeyboardInterrupt (or another signal handler raised); the Python error stays set.
struct Interrupted {};

/// Runs Python's signal handlers (with the GIL) and throws Interrupted if one raised.
void check_interrupt();

/// The HDF5 library is not thread-safe: every file operation of the module holds this.
std::mutex& hdf5_mutex();

/// Runs `work` without the GIL, holding the HDF5 lock; turns Interrupted into the pending
/// Python exception (KeyboardInterrupt).
template <class Work>
auto without_gil(Work&& work) {
  try {
    py::gil_scoped_release release;
    std::lock_guard lock(hdf5_mutex());
    return work();
  } catch (const Interrupted&) {
    throw py::error_already_set();
  }
}

/// Runs `work`, which touches no HDF5 file, without the GIL (and without the HDF5 lock, so
/// that a prediction need not wait for a simulation in another thread).
template <class Work>
auto without_gil_no_hdf5(Work&& work) {
  py::gil_scoped_release release;
  return work();
}

/// Runs `work(stop)` on a thread of its own while the calling thread — the one Python's
/// signal handlers run on — waits without the GIL, taking it every 0.1 s to run them and
/// `poll()` (e.g. a progress callback; it returns false when it raised). On Ctrl-C (or a
/// raising poll) it sets `stop`, which the work polls, waits for the work to stop,
/// discards its result and raises the pending Python exception (KeyboardInterrupt).
/// Exceptions of the work are raised on the calling thread.
template <class Work, class Poll>
auto interruptible(Work&& work, Poll&& poll) {
  std::atomic<bool> stop{false};
  auto future = std::async(std::launch::async, [&work, &stop] { return work(static_cast<const std::atomic<bool>&>(stop)); });
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0 || !poll()) {
        interrupted = true;
        stop = true;
        break;
      }
    }
    future.wait();
  }
  if (interrupted) {
    try {
      (void)future.get();
    } catch (...) {  // Cancelled, or whatever stopped it: the interrupt is what the caller asked for
    }
    throw py::error_already_set();
  }
  return future.get();
}

/// A read-only numpy view of `values` owned by `owner` (which keeps them alive): no copy.
py::array view(const std::vector<double>& values, py::handle owner);
py::array view_2d(const std::vector<double>& values, std::size_t rows, std::size_t columns, py::handle owner);

/// A numpy array that takes over `values` (moved to the heap, freed with the array): no copy.
template <class T>
py::array_t<T> adopt(std::vector<T>&& values, std::vector<py::ssize_t> shape = {}) {
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  if (shape.empty()) shape.push_back(static_cast<py::ssize_t>(owned->size()));
  return py::array_t<T>(shape, owned->data(), free_when_done);
}

/// A 1-D binned spectrum with its units: `edges` (n + 1), `counts` (n).
struct PySpectrum {
  py::array edges;
  py::array counts;
  std::string axis;       ///< e.g. "recoil energy"
  std::string edge_unit;  ///< e.g. "keVnr"
  std::string unit;       ///< of the counts, e.g. "expected events per bin"
};
/// A 2-D spectrum: counts[ix, iy] over x_edges × y_edges.
struct PySpectrum2D {
  py::array x_edges;
  py::array y_edges;
  py::array counts;
  std::string x_axis, x_unit, y_axis, y_unit, unit;
};

/// The parts of the module.
void bind_errors(py::module_& m);
void bind_config(py::module_& m);
void bind_predict(py::module_& m);
void bind_files(py::module_& m);
void bind_fit(py::module_& m);
void bind_scan(py::module_& m);
void bind_run(py::module_& m);
void bind_tools(py::module_& m);

}  // namespace cevns::python
