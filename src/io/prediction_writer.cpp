#include "cevns/io/prediction_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/core/version.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns::io {
namespace {

using nlohmann::json;

json by_flavor_json(const std::map<Flavor, double>& values) {
  json out = json::object();
  for (const auto& [flavor, value] : values) out[std::string(flavor_name(flavor))] = value;
  return out;
}

/// A CSV header cell: quoted when it holds a comma or a quote (RFC 4180).
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"") == std::string::npos) return text;
  std::string quoted(1, '"');
  for (char c : text) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

/// One column of a 1-D spectrum table.
struct Column {
  std::string name;
  std::vector<double> values;  ///< one per bin
};

/// A 1-D spectrum table: `#` lines saying what it is, its unit and its binning, then a
/// header row and one row per bin: lower edge, upper edge, one value per column.
std::string spectrum_csv(const std::string& title, const std::string& unit, const Binning& binning,
                         const std::string& low_name, const std::string& high_name, const std::vector<Column>& columns) {
  std::string csv = "# " + title + "\n";
  csv += "# values: " + unit + "\n";
  csv += fmt::format("# bins: {} from {:g} to {:g}; each row gives the bin's lower and upper edge, then the values\n",
                     binning.size(), binning.low(0), binning.high(binning.size() - 1));
  csv += fmt::format("{},{}", low_name, high_name);
  for (const auto& c : columns) csv += fmt::format(",{}", csv_field(c.name));
  csv += '\n';
  for (std::size_t bin = 0; bin < binning.size(); ++bin) {
    csv += fmt::format("{:g},{:g}", binning.low(bin), binning.high(bin));
    for (const auto& c : columns) csv += fmt::format(",{:.6g}", c.values[bin]);
    csv += '\n';
  }
  return csv;
}

/// Recoil energy: the total, per flavour × isotope channel, and per flavour.
std::string recoil_csv(const Prediction& p) {
  std::vector<Column> columns{{"total", p.recoil_spectrum().counts}};
  for (const auto& c : p.channels) columns.push_back({fmt::format("{}_{}", flavor_name(c.flavor), c.isotope), c.recoil.counts});
  for (Flavor f : p.flavors())
    columns.push_back({std::string(flavor_name(f)),
                       p.recoil_spectrum([f](const ChannelPrediction& c) { return c.flavor == f; }).counts});
  return spectrum_csv("CEvNS recoil spectrum of " + p.config.name + ", before the detector response",
                      "expected events per bin over the exposure; edges in keVnr (nuclear-recoil energy)",
                      p.channels.front().recoil.binning, "recoil_low_keVnr", "recoil_high_keVnr", columns);
}

/// Arrival time of the CEvNS signal per flavour, all recoil energies, before the selection.
std::string time_csv(const Prediction& p) {
  std::vector<Column> columns;
  for (const auto& [flavor, spectrum] : p.arrival_time) columns.push_back({std::string(flavor_name(flavor)), spectrum.counts});
  return spectrum_csv("CEvNS arrival-time spectrum of " + p.config.name + ", all recoil energies, before the selection",
                      "expected events per bin; edges in µs from the centre of the first proton bunch at the target",
                      p.arrival_time.begin()->second.binning, "time_low_us", "time_high_us", columns);
}
json matrix(const Spectrum2D& s) {
  json rows = json::array();
  for (std::size_t ix = 0; ix < s.x.size(); ++ix) {
    std::vector<double> row(s.y.size());
    for (std::size_t iy = 0; iy < s.y.size(); ++iy) row[iy] = s.at(ix, iy);
    rows.push_back(std::move(row));
  }
  return rows;
}

/// The spectra on spectra.npe_edges (continuous PE bins, docs/detector.md).
json npe_edges_json(const Prediction& p) {
  const auto& e = *p.on_npe_edges;
  json before = json::object(), after = json::object(), backgrounds = json::object();
  Spectrum2D signal(e.npe, p.signal.begin()->second.y), background(e.npe, p.signal.begin()->second.y);
  for (const auto& [flavor, s] : e.before_selection) before[std::string(flavor_name(flavor))] = s.counts;
  for (const auto& [flavor, s] : e.signal) {
    after[std::string(flavor_name(flavor))] = s.project_x().counts;
    signal += s;
  }
  for (std::size_t b = 0; b < e.backgrounds.size(); ++b) {
    backgrounds[p.backgrounds.at(b).name] = e.backgrounds[b].project_x().counts;
    background += e.backgrounds[b];
  }
  return {{"unit", "expected events per bin; bins [low, high) of reconstructed PE, the last one also everything above"},
          {"edges_PE", e.npe.edges()},
          {"signal_before_selection", before},
          {"signal_after_selection", after},
          {"backgrounds_after_selection", backgrounds},
          {"time_edges_us", p.signal.begin()->second.y.edges()},
          {"npe_time_signal", matrix(signal)},
          {"npe_time_background", matrix(background)}};
}

/// NPE of the signal per flavour before and after the selection, and of every
/// background after it.
std::string npe_csv(const Prediction& p) {
  std::vector<Column> columns;
  for (const auto& [flavor, s] : p.npe_before_selection)
    columns.push_back({fmt::format("signal_before_selection_{}", flavor_name(flavor)), s.counts});
  for (const auto& [flavor, s] : p.signal)
    columns.push_back({fmt::format("signal_after_selection_{}", flavor_name(flavor)), s.project_x().counts});
  for (const auto& b : p.backgrounds) columns.push_back({"background_after_selection " + b.name, b.npe_time.project_x().counts});
  for (const auto& b : p.backgrounds)
    if (b.deposits) columns.push_back({"background_before_selection " + b.name, b.deposits->true_npe.counts});
  return spectrum_csv("Photoelectron (NPE) spectra of " + p.config.name +
                          ": CEvNS before and after the selection per flavour, backgrounds after it (and the true NPE "
                          "of their deposits before it, where the Monte Carlo draws them)",
                      "expected events per bin over the whole time window; bin n (edges n - 0.5, n + 0.5) holds n "
                      "photoelectrons, the last bin everything above",
                      p.npe_before_selection.begin()->second.binning, "npe_low", "npe_high", columns);
}

/// Arrival time after the selection in the NPE region of interest: signal per flavour,
/// every background.
std::string selected_time_csv(const Prediction& p) {
  std::vector<Column> columns;
  for (const auto& [flavor, s] : p.signal)
    columns.push_back({fmt::format("signal_{}", flavor_name(flavor)), time_in_npe_roi(s, p.config.selection).counts});
  for (const auto& b : p.backgrounds)
    columns.push_back({"background " + b.name, time_in_npe_roi(b.npe_time, p.config.selection).counts});
  return spectrum_csv(fmt::format("Arrival-time spectra of {} after the selection, in the NPE region of interest {}-{}",
                                  p.config.name, p.config.selection.roi_npe_min, p.config.selection.roi_npe_max),
                      "expected events per bin; edges in µs from the centre of the first proton bunch at the target",
                      p.signal.begin()->second.y, "time_low_us", "time_high_us", columns);
}

json roi_json(const Prediction& p) {
  const auto& sel = p.config.selection;
  json background = json::object();
  json drivers = json::object();
  for (const auto& b : p.backgrounds) background[b.name] = b.roi, drivers[b.name] = b.drivers;
  return {{"npe_min", sel.roi_npe_min},
          {"npe_max", sel.roi_npe_max},
          {"time_min_us", sel.roi_time_min_us.value_or(p.config.spectra.time_min_us)},
          {"time_max_us", sel.roi_time_max_us.value_or(p.config.spectra.time_max_us)},
          {"signal", p.roi_signal()},
          {"signal_by_flavor", by_flavor_json(p.roi_signal_by_flavor)},
          {"signal_per_day_per_kg", p.roi_signal() / p.days() / p.config.detector.mass_kg},
          {"background", background},
          {"background_total", p.roi_background()},
          {"background_drivers", drivers},
          {"threshold_keVnr", p.roi_threshold_keVnr}};
}

json npe_json(const Prediction& p) {
  json before = json::object(), after = json::object(), backgrounds = json::object();
  for (const auto& [flavor, s] : p.npe_before_selection) before[std::string(flavor_name(flavor))] = s.counts;
  for (const auto& [flavor, s] : p.signal) after[std::string(flavor_name(flavor))] = s.project_x().counts;
  for (const auto& b : p.backgrounds) backgrounds[b.name] = b.npe_time.project_x().counts;
  const Binning& binning = p.npe_before_selection.begin()->second.binning;
  std::vector<double> centers;
  for (std::size_t i = 0; i < binning.size(); ++i) centers.push_back(binning.center(i));
  return {{"unit", "expected events per bin; bin n holds n photoelectrons, the last bin everything above"},
          {"npe", centers},
          {"signal_before_selection", before},
          {"signal_after_selection", after},
          {"background_after_selection", backgrounds}};
}

/// Each background: what drives it, its count in the ROI and its spectra, so that a user
/// can see why a number moved (docs/output.md).
json backgrounds_json(const Prediction& p) {
  json out = json::array();
  for (std::size_t i = 0; i < p.backgrounds.size(); ++i) {
    const auto& b = p.backgrounds[i];
    json entry = {{"name", b.name},
                  {"drivers", b.drivers},
                  {"roi", b.roi},
                  {"npe_after_selection", b.npe_time.project_x().counts},
                  {"arrival_time_in_npe_roi", time_in_npe_roi(b.npe_time, p.config.selection).counts}};
    if (i < p.config.backgrounds.size()) {
      const auto& c = p.config.backgrounds[i];
      entry["model"] = std::string(to_string(c.model));
      entry["origin"] = c.origin;
    }
    if (b.deposits) {
      entry["npe_before_selection"] = b.deposits->true_npe.counts;
      entry["beam_related"] = b.deposits->beam_related;
      entry["multi_crystal_fraction"] = b.deposits->multi_crystal_fraction;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

json selected_time_json(const Prediction& p) {
  json signal = json::object(), backgrounds = json::object();
  for (const auto& [flavor, s] : p.signal)
    signal[std::string(flavor_name(flavor))] = time_in_npe_roi(s, p.config.selection).counts;
  for (const auto& b : p.backgrounds) backgrounds[b.name] = time_in_npe_roi(b.npe_time, p.config.selection).counts;
  return {{"unit", "expected events per bin, after the selection, in the NPE region of interest"},
          {"edges_us", p.signal.begin()->second.y.edges()},
          {"signal", signal},
          {"background", backgrounds}};
}

std::string npe_time_csv(const Prediction& p) {
  std::string csv = "# Expected events after the selection per NPE x arrival-time bin (" + p.config.name + ")\n";
  csv += "# npe: the bin's photoelectron count; time edges in µs from the centre of the first proton bunch\n";
  csv += "npe,time_low_us,time_high_us,signal,background\n";
  const Spectrum2D signal = p.signal_total();
  const Spectrum2D background = p.background_total();
  for (std::size_t ix = 0; ix < signal.x.size(); ++ix)
    for (std::size_t iy = 0; iy < signal.y.size(); ++iy)
      csv += fmt::format("{:g},{:g},{:g},{:.6g},{:.6g}\n", signal.x.center(ix), signal.y.low(iy), signal.y.high(iy),
                         signal.at(ix, iy), background.at(ix, iy));
  return csv;
}

}  // namespace

json to_json(const Sensitivity& s) {
  return {{"significance", s.significance},
          // null without background, where the Asimov Z diverges (stats::asimov_significance)
          {"asimov_significance", s.asimov_significance ? json(*s.asimov_significance) : json(nullptr)},
          {"days_to_5sigma", s.days_to_5sigma},
          {"signal", s.signal},
          {"background", s.background},
          {"map",
           {{"mass_kg", s.map_mass_kg},
            {"days", s.map_days},
            {"significance", [&] {
               json rows = json::array();
               for (std::size_t i = 0; i < s.map_mass_kg.size(); ++i)
                 rows.push_back(std::vector<double>(s.map_significance.begin() + i * s.map_days.size(),
                                                    s.map_significance.begin() + (i + 1) * s.map_days.size()));
               return rows;
             }()}}}};
}

json to_json(const Prediction& p) {
  const auto& cfg = p.config;
  json channels = json::array();
  for (const auto& c : p.channels)
    channels.push_back({{"flavor", flavor_name(c.flavor)},
                        {"isotope", c.isotope},
                        {"events", c.events},
                        {"max_recoil_keVnr", c.max_recoil_keVnr}});
  json thresholds = json::array();
  const auto above = p.events_above_thresholds();
  for (std::size_t k = 0; k < above.size(); ++k)
    thresholds.push_back({{"threshold_keVnr", cfg.spectra.thresholds_keVnr[k]}, {"events", above[k]}});

  json recoil_by_flavor = json::object();
  for (Flavor f : p.flavors())
    recoil_by_flavor[std::string(flavor_name(f))] =
        p.recoil_spectrum([f](const ChannelPrediction& c) { return c.flavor == f; }).counts;
  json recoil_by_isotope = json::object();
  for (const auto& [isotope, events] : p.events_by_isotope())
    recoil_by_isotope[isotope] =
        p.recoil_spectrum([&name = isotope](const ChannelPrediction& c) { return c.isotope == name; }).counts;

  json time_by_flavor = json::object();
  for (const auto& [flavor, spectrum] : p.arrival_time) time_by_flavor[std::string(flavor_name(flavor))] = spectrum.counts;

  const double days = cfg.exposure.calendar_days.value_or(p.beam_on_time_s / 86400.0);
  json out = {
      {"cevns_version", version()},
      {"experiment", cfg.name},
      {"exposure",
       {{"beam_on_time_s", p.beam_on_time_s},
        {"protons_on_target", p.protons_on_target},
        {"beam_energy_GWh", p.beam_energy_GWh},
        {"flux_per_cm2_s_per_flavor", p.flux_per_cm2_s},
        {"fluence_per_cm2_per_flavor", p.fluence_per_cm2}}},
      {"target", {{"material", cfg.detector.material}, {"mass_kg", cfg.detector.mass_kg}, {"nuclei", p.nuclei}}},
      {"events",
       {{"total", p.total_events()},
        {"per_day_per_kg", p.total_events() / days / cfg.detector.mass_kg},
        {"by_flavor", by_flavor_json(p.events_by_flavor())},
        {"by_isotope", p.events_by_isotope()},
        {"by_channel", channels},
        {"above_threshold", thresholds}}},
      {"spectra",
       {{"recoil",
         {{"unit", "expected events per bin"},
          {"edges_keVnr", p.channels.front().recoil.binning.edges()},
          {"total", p.recoil_spectrum().counts},
          {"by_flavor", recoil_by_flavor},
          {"by_isotope", recoil_by_isotope}}},
        {"arrival_time",
         {{"unit", "expected events per bin"},
          {"time_zero", "centre of the first proton bunch at the target"},
          {"edges_us", p.arrival_time.begin()->second.binning.edges()},
          {"by_flavor", time_by_flavor}}},
        {"npe", npe_json(p)},
        {"arrival_time_selected", selected_time_json(p)},
        {"npe_time",
         {{"unit", "expected events per bin after the selection; rows: NPE bins, columns: time bins"},
          {"npe_edges", p.signal.begin()->second.x.edges()},
          {"time_edges_us", p.signal.begin()->second.y.edges()},
          {"signal", matrix(p.signal_total())},
          {"background", matrix(p.background_total())}}}}},
      {"roi", roi_json(p)},
      {"backgrounds", backgrounds_json(p)},
  };
  if (p.on_npe_edges) out["spectra"]["npe_edges"] = npe_edges_json(p);
  return out;
}

void create_output_directory(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw IoError(fmt::format("cannot create output directory '{}' ({})", directory.string(), ec.message()));
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const auto temporary = std::filesystem::path(path).concat(".part");
  // Any failure removes the temporary file: no empty or half-written FILE.part is left.
  const auto fail = [&](int error, const char* step) {
    ::unlink(temporary.c_str());
    if (error == ENOSPC || error == EDQUOT)
      throw IoError(fmt::format("disk full while writing {} (free some space, or write elsewhere)", path.string()));
    throw IoError(fmt::format("cannot write {} ({} {}: {})", path.string(), step, temporary.string(),
                              std::strerror(error)));
  };
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int error = errno;
    throw IoError(fmt::format("cannot write {} (creating {}: {})", path.string(), temporary.string(),
                              std::strerror(error)));
  }
  for (std::size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      fail(error, "writing");
    }
    done += static_cast<std::size_t>(n);
  }
  // A full disk may show only when the data reach it: at fsync or close.
  if (::fsync(fd) != 0 && errno != EINVAL) {
    const int error = errno;
    ::close(fd);
    fail(error, "writing");
  }
  if (::close(fd) != 0) fail(errno, "closing");
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    ::unlink(temporary.c_str());
    throw IoError(fmt::format("cannot write {} (renaming {} to it: {})", path.string(), temporary.string(), ec.message()));
  }
}

std::vector<std::filesystem::path> write_sensitivity(const Sensitivity& s, const std::filesystem::path& directory) {
  create_output_directory(directory);
  std::string csv = "# N_sig/sqrt(N_sig+N_bkg) with signal and background scaled by mass x days\nmass_kg,days,significance\n";
  for (std::size_t i = 0; i < s.map_mass_kg.size(); ++i)
    for (std::size_t j = 0; j < s.map_days.size(); ++j)
      csv += fmt::format("{:g},{:g},{:.6g}\n", s.map_mass_kg[i], s.map_days[j],
                         s.map_significance[i * s.map_days.size() + j]);
  write_file_atomically(directory / "sensitivity.json", to_json(s).dump(2) + "\n");
  write_file_atomically(directory / "significance_map.csv", csv);
  return {directory / "sensitivity.json", directory / "significance_map.csv"};
}

std::vector<std::filesystem::path> write_prediction(const Prediction& prediction, const std::filesystem::path& directory) {
  create_output_directory(directory);
  const std::vector<std::pair<std::string, std::string>> files{
      {"prediction.json", to_json(prediction).dump(2) + "\n"},
      {"recoil_spectrum.csv", recoil_csv(prediction)},
      {"arrival_time.csv", time_csv(prediction)},
      {"npe_spectrum.csv", npe_csv(prediction)},
      {"arrival_time_selected.csv", selected_time_csv(prediction)},
      {"npe_time.csv", npe_time_csv(prediction)},
      {"config.toml", "# Resolved configuration of this prediction (cevns " + std::string(version()) + ")\n" +
                          to_toml(prediction.config)},
  };
  std::vector<std::filesystem::path> written;
  for (const auto& [name, content] : files) {
    write_file_atomically(directory / name, content);
    written.push_back(directory / name);
  }
  return written;
}

}  // namespace cevns::io
