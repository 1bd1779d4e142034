// The cores of cevns merge, cevns report and cevns materials for Python.
#include <filesystem>

#include "cevns/io/file_part.hpp"
#include "cevns/io/output_guard.hpp"
#include "cevns/report/html_report.hpp"
#include "cevns/report/materials_table.hpp"
#include "common.hpp"

namespace cevns::python {

namespace fs = std::filesystem;

void bind_tools(py::module_& m) {
  m.def(
      "_merge",
      [](const std::vector<std::string>& parts, const std::string& output, bool force) {
        const std::vector<fs::path> inputs(parts.begin(), parts.end());
        const auto summary = without_gil([&] {
          const auto lock = io::claim_output(output, io::OutputKind::file, inputs, force);
          return io::merge_parts(inputs, output);
        });
        py::dict d;
        d["output"] = output;
        d["parts"] = summary.parts;
        d["blocks"] = summary.blocks;
        d["format"] = summary.format;
        d["bytes_read"] = summary.bytes_read;
        d["bytes_written"] = summary.bytes_written;
        return d;
      },
      py::arg("parts"), py::arg("output"), py::arg("force"));
  m.def(
      "_report",
      [](const std::string& directory) {
        return without_gil([&] { return report::write_html_report(directory).string(); });
      },
      py::arg("directory"));
  m.def(
      "_materials",
      [](const Prediction& prediction, const std::string& directory) {
        std::vector<fs::path> written;
        std::vector<report::MaterialsRow> rows;
        const auto table =
            without_gil_no_hdf5([&] { return report::materials_report(prediction, directory, written, &rows); });
        py::list out_rows, files;
        for (const auto& r : rows) {
          py::dict d;
          d["background"] = r.background;
          d["volume"] = r.volume;
          d["isotope"] = r.isotope;
          d["activity_Bq"] = r.activity_Bq;
          d["decays_simulated"] = r.decays_simulated;
          d["roi_count"] = r.roi_count;
          d["roi_upper_90"] = r.roi_upper_90;
          out_rows.append(d);
        }
        for (const auto& f : written) files.append(f.string());
        py::dict d;
        d["table"] = table;
        d["rows"] = out_rows;
        d["files"] = files;
        return d;
      },
      py::arg("prediction"), py::arg("directory"));
}

}  // namespace cevns::python
