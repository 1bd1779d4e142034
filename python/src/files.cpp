// cevns.simulate / reconstruct / select on files, as the commands do them (apps/cevns/main.cpp),
// and readers of raw and reduced files returning numpy structured arrays. Long calls run
// without the GIL and check for Ctrl-C after every block.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include <pybind11/stl/filesystem.h>

#include "common.hpp"
#include "cevns/core/error.hpp"
#include "cevns/core/pipeline.hpp"
#include "cevns/daq/simulation.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/io/raw_file.hpp"
#include "cevns/io/reduced_file.hpp"
#include "cevns/io/selection_writer.hpp"
#include "cevns/reco/reconstruction.hpp"
#include "cevns/report/plots.hpp"
#include "cevns/report/selection_table.hpp"
#include "cevns/selection/event_selection.hpp"
#include "cevns/core/duration.hpp"
#include "cevns/io/output_guard.hpp"

namespace cevns::python {
/// One zero-suppressed segment (a row of the raw file's segment datasets).
struct SegmentRow {
  std::uint64_t trigger_id;
  std::uint16_t channel;
  std::uint32_t first_sample;
  std::uint32_t length;
  std::uint64_t offset;
};
}  // namespace cevns::python

namespace cevns::python {

namespace {

namespace fs = std::filesystem;

/// Calls the Python progress callback (if any) and checks for Ctrl-C, with the GIL.
class ProgressCheck {
 public:
  explicit ProgressCheck(py::object callback) : callback_(std::move(callback)) {}
  void operator()(std::uint64_t done, std::uint64_t total, double elapsed_s) const {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) throw Interrupted{};
    if (callback_.is_none()) return;
    try {
      callback_(done, total, elapsed_s);
    } catch (py::error_already_set& e) {
      e.restore();  // raised again by without_gil once the work has stopped
      throw Interrupted{};
    }
  }

 private:
  py::object callback_;
};

int checked_threads(std::optional<int> threads) {
  const int value = threads.value_or(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (value < 1 || value > max_pipeline_threads())
    throw py::value_error(fmt::format("threads = {}: must be 1 … {} (more threads than 4 per core only hold more "
                                      "blocks in memory)",
                                      value, max_pipeline_threads()));
  return value;
}

py::dict block_record(const daq::BlockRecord& b) {
  py::dict out;
  out["index"] = b.index;
  out["first_trigger"] = b.first_trigger;
  out["trigger_count"] = b.trigger_count;
  out["protons_on_target"] = b.protons_on_target;
  out["beam_on_triggers"] = b.beam_on_triggers;
  out["vetoed_triggers"] = b.vetoed_triggers;
  return out;
}

py::dict run_info(const daq::RunInfo& r) {
  py::dict out;
  out["cevns_version"] = r.cevns_version;
  out["experiment"] = r.experiment;
  out["seed"] = r.seed;
  out["mode"] = r.mode == daq::WaveformMode::full ? "full" : "zero-suppressed";
  out["sampling_rate_GHz"] = r.sampling_rate_GHz;
  out["samples_per_waveform"] = r.samples_per_waveform;
  out["pretrace_samples"] = r.pretrace_samples;
  out["adc_bits"] = r.adc_bits;
  out["baseline_adc"] = r.baseline_adc;
  out["trigger_rate_Hz"] = r.trigger_rate_Hz;
  out["triggers_per_block"] = r.triggers_per_block;
  py::list channels;
  for (const auto& c : r.channels) {
    py::dict channel;
    channel["name"] = c.name;
    channel["crystal"] = c.crystal;
    channel["side"] = c.side;
    channels.append(channel);
  }
  out["channels"] = channels;
  out["sources"] = r.sources;
  return out;
}

py::array_t<SegmentRow> segment_rows(const daq::Segments& s) {
  std::vector<SegmentRow> rows(s.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    rows[i] = {s.trigger_id[i], s.channel[i], s.first_sample[i], s.length[i], s.offset[i]};
  return adopt(std::move(rows));
}

/// A raw block as a dict of numpy arrays, taking over its vectors (no copy but the segments').
py::dict raw_block(daq::TriggerBlock&& block, const daq::RunInfo& info) {
  py::dict out = block_record(block);
  const auto recorded = static_cast<py::ssize_t>(block.triggers.size());
  out["triggers"] = adopt(std::move(block.triggers));
  if (info.mode == daq::WaveformMode::full)
    out["waveforms"] = adopt(std::move(block.waveforms),
                             {recorded, static_cast<py::ssize_t>(info.channels.size()),
                              static_cast<py::ssize_t>(info.samples_per_waveform)});
  out["segments"] = segment_rows(block.segments);
  out["segment_samples"] = adopt(std::move(block.segments.samples));
  out["interactions"] = adopt(std::move(block.interactions));
  out["photoelectrons"] = adopt(std::move(block.photoelectrons));
  return out;
}

/// A reader whose HDF5 handles are closed under the module's HDF5 lock.
template <class Reader>
struct File {
  std::string path;
  std::unique_ptr<Reader> reader;

  explicit File(std::string p) : path(std::move(p)) {
    reader = without_gil([&] { return std::make_unique<Reader>(path); });
  }
  ~File() {
    if (!reader || !Py_IsInitialized()) return;
    py::gil_scoped_release release;
    std::lock_guard lock(hdf5_mutex());
    reader.reset();
  }
  const Reader& open() const {
    if (!reader) throw py::value_error(fmt::format("{} is closed", path));
    return *reader;
  }
  void close() {
    if (reader) without_gil([&] { reader.reset(); });
  }
  void check_index(std::int64_t index) const {
    if (index < 0 || static_cast<std::uint64_t>(index) >= open().block_count())
      throw py::index_error(fmt::format("{}: block {} (the file has blocks 0 … {})", path, index,
                                        static_cast<std::int64_t>(open().block_count()) - 1));
  }
};
using RawFile = File<io::RawFileReader>;
using ReducedFile = File<io::ReducedFileReader>;

/// The rows `read(i)` returns for every block, concatenated (a copy: the blocks are read one by one).
template <class Row, class Read>
py::array_t<Row> concatenated(std::uint64_t blocks, Read read) {
  std::vector<Row> rows;
  without_gil([&] {
    for (std::uint64_t i = 0; i < blocks; ++i) {
      auto part = read(i);
      rows.insert(rows.end(), part.begin(), part.end());
    }
  });
  return adopt(std::move(rows));
}

/// What a `cevns select` found, with what it is compared to.
struct Selection {
  selection::EventSelection selection;
  reco::ReducedRunInfo run;
  Prediction prediction;

  [[nodiscard]] std::string source_name(int source) const {
    return source >= 0 && static_cast<std::size_t>(source) < run.raw.sources.size()
               ? run.raw.sources[static_cast<std::size_t>(source)]
               : "data";
  }
};

PySpectrum counted(const Spectrum& s, py::handle owner, const char* axis, const char* unit) {
  return {view(s.binning.edges(), owner), view(s.counts, owner), axis, unit, "crystals per bin"};
}

}  // namespace

void bind_files(py::module_& m) {
  // The structured dtypes of the readers' rows: the C++ structs' own layout (no copy).
  PYBIND11_NUMPY_DTYPE(cevns::daq::Trigger, id, time_s, protons_on_target, beam_on, veto, veto_mask);
  PYBIND11_NUMPY_DTYPE(cevns::daq::Photoelectron, trigger_id, time_ns, charge, channel, source);
  PYBIND11_NUMPY_DTYPE(cevns::daq::Interaction, trigger_id, time_ns, recoil_keVnr, visible_keVee, photoelectrons, crystal,
                       source);
  PYBIND11_NUMPY_DTYPE(cevns::reco::CrystalEvent, trigger_id, time_s, protons_on_target, beam_on, veto, crystal, npe,
                       pretrace_npe, arrival_ns, flags, truth_source, truth_npe, off_beam_npe, off_beam_pretrace_npe,
                       off_beam_arrival_ns);
  PYBIND11_NUMPY_DTYPE(cevns::python::SegmentRow, trigger_id, channel, first_sample, length, offset);

  m.def(
      "_simulate",
      [](const Configuration& config, const std::string& output, std::optional<std::uint64_t> triggers,
         std::optional<std::string> duration, const std::string& mode_name, std::uint64_t seed,
         std::optional<int> threads_wanted, bool force, const std::optional<std::string>& config_file,
         py::object progress) {
        // A copy: another Python thread may change `config` while this one runs without the GIL.
        const io::Configuration resolved = config.resolved;
        const auto& sim_config = resolved.simulation;
        if (triggers && duration) throw py::value_error("simulate: give triggers or duration, not both");
        if (!triggers && !duration)
          throw ConfigError("cevns.simulate needs triggers=N or duration=TIME (e.g. duration=\"1h\")");
        if (mode_name != "full" && mode_name != "zero-suppressed")
          throw py::value_error("mode = '" + mode_name + "': must be 'full' or 'zero-suppressed'");
        const int threads = checked_threads(threads_wanted);
        const double rate_hz = sim_config.experiment.source.beam.repetition_rate_Hz;
        std::uint64_t count = triggers.value_or(0);
        if (triggers && (count < 1 || count > daq::max_run_triggers))
          throw py::value_error(fmt::format("triggers = {}: must be 1 … {} (10^12 triggers are over 1000 years of beam)",
                                            count, daq::max_run_triggers));
        if (duration) {
          const double wanted = parse_duration_s(*duration) * rate_hz;
          if (wanted > static_cast<double>(daq::max_run_triggers))
            throw ConfigError(fmt::format("duration {} is {:.3g} triggers at {:g} Hz, more than the {} a run may have",
                                          *duration, wanted, rate_hz, daq::max_run_triggers));
          count = static_cast<std::uint64_t>(std::llround(wanted));
          if (count == 0)
            throw ConfigError(
                fmt::format("duration {} is less than one trigger at {:g} Hz: nothing to do", *duration, rate_hz));
        }
        const auto mode = mode_name == "full" ? daq::WaveformMode::full : daq::WaveformMode::zero_suppressed;
        std::vector<fs::path> inputs;
        if (config_file) inputs.emplace_back(*config_file);
        const ProgressCheck check(std::move(progress));
        py::dict summary;
        std::uint64_t beam_on = 0, vetoed = 0;
        double pot = 0.0;
        std::map<std::uint16_t, std::uint64_t> interactions, photoelectrons;
        std::vector<std::string> sources;
        without_gil([&] {
          const auto lock = io::claim_output(output, io::OutputKind::file, inputs, force);
          const daq::Simulation simulation(sim_config, mode);
          io::check_free_space(output, io::estimated_raw_file_bytes(simulation, sim_config, mode, count));
          sources = simulation.source_names();
          auto info = simulation.run_info(seed);
          info.config_toml = io::to_toml(resolved);
          io::RawFileWriter writer(output, info);
          daq::run_simulation(
              simulation, count, seed, threads,
              [&](daq::TriggerBlock&& block) {
                beam_on += block.beam_on_triggers;
                vetoed += block.vetoed_triggers;
                pot += block.protons_on_target;
                for (const auto& i : block.interactions) ++interactions[i.source];
                for (const auto& pe : block.photoelectrons) ++photoelectrons[pe.source];
                writer.write(block);
              },
              [&](const daq::Progress& p) { check(p.triggers_done, p.triggers_total, p.elapsed_s); });
          writer.close();
        });
        py::dict by_source_interactions, by_source_pe;
        for (std::size_t s = 0; s < sources.size(); ++s) {
          const auto n = static_cast<std::uint16_t>(s);
          by_source_interactions[py::str(sources[s])] = interactions.count(n) ? interactions[n] : 0;
          by_source_pe[py::str(sources[s])] = photoelectrons.count(n) ? photoelectrons[n] : 0;
        }
        summary["output"] = output;
        summary["triggers"] = count;
        summary["beam_on_triggers"] = beam_on;
        summary["vetoed_triggers"] = vetoed;
        summary["protons_on_target"] = pot;
        summary["interactions"] = by_source_interactions;
        summary["photoelectrons"] = by_source_pe;
        return summary;
      },
      py::arg("config"), py::arg("output"), py::arg("triggers"), py::arg("duration"), py::arg("mode"), py::arg("seed"),
      py::arg("threads"), py::arg("force"), py::arg("config_file"), py::arg("progress"));

  m.def(
      "_reconstruct",
      [](const std::string& raw, const Configuration& config, const std::string& config_name, const std::string& output,
         std::optional<int> threads_wanted, bool force, const std::optional<std::string>& config_file,
         py::object progress) {
        const int threads = checked_threads(threads_wanted);
        const ProgressCheck check(std::move(progress));
        const io::Configuration resolved = config.resolved;  // a copy, as in _simulate
        py::dict summary;
        std::uint64_t triggers = 0, rows = 0, blocks = 0;
        std::vector<double> spe;
        without_gil([&] {
          const io::RawFileReader reader(raw);
          const auto& run = reader.info();
          reco::check_config_matches_run(run, resolved.simulation, config_name, raw);
          std::vector<fs::path> inputs{raw};
          if (config_file) inputs.emplace_back(*config_file);
          const auto lock = io::claim_output(output, io::OutputKind::file, inputs, force);
          reco::Reconstruction reco(run, resolved.reco, resolved.simulation.daq);
          blocks = reader.block_count();
          std::uint64_t read = 0;
          for (bool enough = false; read < blocks && !enough;) {
            enough = reco.collect_calibration(reader.read_block(read++));
            check(0, blocks, 0.0);
          }
          reco.finish_calibration();
          spe = reco.spe_charge();
          reco::ReducedRunInfo info{run, raw, io::to_toml(resolved), reco.spe_charge(), 0,
                                    reco.off_beam_window_start_us()};
          for (const auto& c : run.channels) info.crystals = std::max<std::uint16_t>(info.crystals, c.crystal + 1);
          io::ReducedFileWriter writer(output, info);
          const auto started = std::chrono::steady_clock::now();
          ordered_pipeline(
              blocks, threads, [&](std::uint64_t i) { return reader.read_block(i); },
              [&](daq::TriggerBlock&& block) { return reco.reconstruct(block); },
              [&](std::uint64_t i, reco::ReducedBlock&& block) {
                triggers += block.trigger_count;
                rows += block.events.size();
                writer.write(block);
                check(i + 1, blocks,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
              });
          writer.close();
        });
        summary["output"] = output;
        summary["blocks"] = blocks;
        summary["triggers"] = triggers;
        summary["crystal_rows"] = rows;
        summary["spe_charge"] = adopt(std::move(spe));
        return summary;
      },
      py::arg("raw"), py::arg("config"), py::arg("config_name"), py::arg("output"), py::arg("threads"),
      py::arg("force"), py::arg("config_file"), py::arg("progress"));

  py::class_<Selection, std::shared_ptr<Selection>>(m, "Selection", "What cevns select finds in a reduced file.")
      .def_property_readonly("experiment", [](const Selection& s) { return s.prediction.config.name; })
      .def_property_readonly(
          "cut_flow",
          [](const Selection& s) {
            const auto& flow = s.selection.cut_flow();
            py::dict out;
            py::list stages;
            out["triggers"] = flow.triggers;
            out["triggers_without_veto"] = flow.triggers_without_veto;
            out["protons_on_target"] = flow.protons_on_target;
            out["beam_on_triggers"] = flow.beam_on_triggers;
            for (int k = 0; k < selection::stage_count; ++k) {
              py::dict stage;
              stage["stage"] = std::string(selection::stage_name(static_cast<selection::Stage>(k)));
              stage["candidates"] = flow.candidates[static_cast<std::size_t>(k)];
              py::dict by_source;
              for (const auto& [source, counts] : flow.by_source)
                by_source[py::str(s.source_name(source))] = counts[static_cast<std::size_t>(k)];
              stage["by_source"] = by_source;
              stages.append(stage);
            }
            out["stages"] = stages;
            return out;
          },
          "Triggers, protons on target, and the stages: a list of {stage, candidates, by_source} as in cevns select's JSON.")
      .def_property_readonly(
          "selected_npe",
          [](const py::object& self) {
            const auto& s = self.cast<const Selection&>();
            py::dict out;
            for (const auto& [source, spectrum] : s.selection.selected_npe())
              out[py::str(s.source_name(source))] = counted(spectrum, self, "photoelectrons", "NPE");
            return out;
          },
          "NPE of the selected crystals per source (views).")
      .def_property_readonly(
          "selected_time",
          [](const py::object& self) {
            const auto& s = self.cast<const Selection&>();
            py::dict out;
            for (const auto& [source, spectrum] : s.selection.selected_time())
              out[py::str(s.source_name(source))] =
                  counted(spectrum, self, "arrival time from the first proton bunch", "us");
            return out;
          },
          "Arrival time of the selected crystals per source (views).")
      .def_property_readonly("npe_without_coincidence",
                             [](const py::object& self) {
                               return counted(self.cast<const Selection&>().selection.npe_without_coincidence(), self,
                                              "photoelectrons", "NPE");
                             })
      .def_property_readonly("npe_with_coincidence",
                             [](const py::object& self) {
                               return counted(self.cast<const Selection&>().selection.npe_with_coincidence(), self,
                                              "photoelectrons", "NPE");
                             })
      .def_property_readonly(
          "prediction", [](const Selection& s) { return std::make_shared<Prediction>(s.prediction); },
          "The prediction of the configuration, for comparison (cevns select's 'prediction').")
      .def(
          "to_json",
          [](const Selection& s) {
            return py::module_::import("json").attr("loads")(io::to_json(s.selection, s.run, s.prediction).dump());
          },
          "Everything as `cevns select --format json` prints it.")
      .def(
          "write",
          [](const Selection& s, const fs::path& directory, bool figures) {
            return without_gil([&] {
              auto files = io::write_selection(s.selection, s.run, s.prediction, directory);
              if (figures) {
                const auto& name = s.prediction.config.name;
                for (const auto& f : report::write_dark_count_figure(s.selection, name, directory)) files.push_back(f);
                for (const auto& f : report::write_npe_response_figure(s.selection, name, directory)) files.push_back(f);
              }
              return files;
            });
          },
          py::arg("directory"), py::arg("figures") = true,
          "Writes what `cevns select --output DIR` writes: selection.json, selected_npe.csv, observed.csv and (figures=True) "
          "Figure 10 and the NPE response; returns the files.")
      .def(
          "table", [](const Selection& s) { return report::format_selection_table(s.selection, s.run, s.prediction); },
          "The cut-flow table `cevns select` prints.");

  m.def(
      "_select",
      [](const std::string& reduced, const Configuration& config, py::object progress) {
        const ProgressCheck check(std::move(progress));
        const ExperimentConfig experiment = config.resolved.simulation.experiment;  // a copy, as in _simulate
        return without_gil([&] {
          const io::ReducedFileReader reader(reduced);
          selection::EventSelection sel(experiment.selection, experiment.spectra.npe_max, experiment.spectra.time_min_us,
                                        experiment.spectra.time_max_us, experiment.spectra.time_bin_us);
          for (std::uint64_t i = 0; i < reader.block_count(); ++i) {
            sel.add(reader.read_block(i));
            check(i + 1, reader.block_count(), 0.0);
          }
          return std::make_shared<Selection>(Selection{std::move(sel), reader.info(), cevns::predict(experiment)});
        });
      },
      py::arg("reduced"), py::arg("config"), py::arg("progress"));

  py::class_<RawFile, std::shared_ptr<RawFile>>(m, "RawFile", "A raw-data file (cevns simulate), read block by block.")
      .def(py::init([](const fs::path& path) { return std::make_shared<RawFile>(path.string()); }), py::arg("path"))
      .def_readonly("path", &RawFile::path)
      .def_property_readonly("info", [](const RawFile& f) { return run_info(f.open().info()); },
                             "The run: experiment, seed, mode, digitiser, channels, sources.")
      .def_property_readonly("config_toml", [](const RawFile& f) { return f.open().info().config_toml; },
                             "The resolved configuration the run was simulated with.")
      .def_property_readonly("complete", [](const RawFile& f) { return f.open().complete(); },
                             "False for the .part of a run that was stopped.")
      .def_property_readonly("block_count", [](const RawFile& f) { return f.open().block_count(); })
      .def("__len__", [](const RawFile& f) { return f.open().block_count(); })
      .def(
          "read_block",
          [](const RawFile& f, std::int64_t index) {
            f.check_index(index);
            auto block = without_gil([&] { return f.open().read_block(static_cast<std::uint64_t>(index)); });
            return raw_block(std::move(block), f.open().info());
          },
          py::arg("index"),
          "Block `index` as a dict: the block record, and numpy arrays (no copy) triggers, waveforms (full mode: "
          "[trigger, channel, sample]), segments and segment_samples (zero-suppressed), interactions, photoelectrons.")
      .def(
          "triggers",
          [](const RawFile& f) {
            return concatenated<daq::Trigger>(f.open().block_count(), [&](std::uint64_t i) { return f.open().read_block(i).triggers; });
          },
          "The recorded triggers of every block (structured array).")
      .def(
          "interactions",
          [](const RawFile& f) {
            return concatenated<daq::Interaction>(f.open().block_count(),
                                                  [&](std::uint64_t i) { return f.open().read_block(i).interactions; });
          },
          "The Monte Carlo energy deposits of every block (structured array).")
      .def(
          "photoelectrons",
          [](const RawFile& f) {
            return concatenated<daq::Photoelectron>(f.open().block_count(),
                                                    [&](std::uint64_t i) { return f.open().read_block(i).photoelectrons; });
          },
          "The Monte Carlo photoelectrons of every block (structured array).")
      .def("close", &RawFile::close)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](RawFile& f, py::args) { f.close(); })
      .def("__repr__", [](const RawFile& f) {
        if (!f.reader) return fmt::format("<cevns.RawFile {} (closed)>", f.path);
        return fmt::format("<cevns.RawFile {}: {}, {} blocks{}>", f.path, f.reader->info().experiment,
                           f.reader->block_count(), f.reader->complete() ? "" : ", incomplete");
      });

  py::class_<ReducedFile, std::shared_ptr<ReducedFile>>(m, "ReducedFile",
                                                        "A reduced-data file (cevns reconstruct), read block by block.")
      .def(py::init([](const fs::path& path) { return std::make_shared<ReducedFile>(path.string()); }), py::arg("path"))
      .def_readonly("path", &ReducedFile::path)
      .def_property_readonly(
          "info",
          [](const ReducedFile& f) {
            const auto& info = f.open().info();
            py::dict out;
            out["raw"] = run_info(info.raw);
            out["raw_file"] = info.raw_file;
            out["crystals"] = info.crystals;
            out["spe_charge"] = info.spe_charge;
            out["off_beam_window_start_us"] =
                info.off_beam_window_start_us ? py::object(py::float_(*info.off_beam_window_start_us)) : py::none();
            return out;
          },
          "The raw run's description, the raw file, crystals, the single-PE charge per channel, and where the "
          "off-beam window starts (µs; None: the file has none).")
      .def_property_readonly("config_toml", [](const ReducedFile& f) { return f.open().info().raw.config_toml; })
      .def_property_readonly("reco_config_toml", [](const ReducedFile& f) { return f.open().info().reco_config_toml; })
      .def_property_readonly("complete", [](const ReducedFile& f) { return f.open().complete(); })
      .def_property_readonly("block_count", [](const ReducedFile& f) { return f.open().block_count(); })
      .def("__len__", [](const ReducedFile& f) { return f.open().block_count(); })
      .def(
          "read_block",
          [](const ReducedFile& f, std::int64_t index) {
            f.check_index(index);
            auto block = without_gil([&] { return f.open().read_block(static_cast<std::uint64_t>(index)); });
            py::dict out = block_record(block);
            out["events"] = adopt(std::move(block.events));
            return out;
          },
          py::arg("index"), "Block `index`: the block record and its crystal rows `events` (structured array, no copy).")
      .def(
          "events",
          [](const ReducedFile& f) {
            auto events = without_gil([&] { return f.open().read_all_events(); });
            return adopt(std::move(events));
          },
          "Every crystal row of the file (structured array).")
      .def("close", &ReducedFile::close)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](ReducedFile& f, py::args) { f.close(); })
      .def("__repr__", [](const ReducedFile& f) {
        if (!f.reader) return fmt::format("<cevns.ReducedFile {} (closed)>", f.path);
        return fmt::format("<cevns.ReducedFile {}: {}, {} blocks{}>", f.path, f.reader->info().raw.experiment,
                           f.reader->block_count(), f.reader->complete() ? "" : ", incomplete");
      });

  m.def("_parse_duration_s", &parse_duration_s, py::arg("text"));

  // The command line's output safety for the directory outputs (predict, select): the
  // output is not an input, not an existing result unless overwrite, and locked while written.
  struct Lock {
    std::optional<io::OutputLock> lock;
  };
  py::class_<Lock>(m, "_OutputLock").def("release", [](Lock& l) { l.lock.reset(); });
  m.def(
      "_claim_directory",
      [](const std::string& output, const std::vector<std::string>& inputs, bool force) {
        std::vector<fs::path> paths(inputs.begin(), inputs.end());
        auto lock = std::make_unique<Lock>();
        lock->lock.emplace(io::claim_output(output, io::OutputKind::directory, paths, force));
        return lock;
      },
      py::arg("output"), py::arg("inputs"), py::arg("force"));
}

}  // namespace cevns::python
