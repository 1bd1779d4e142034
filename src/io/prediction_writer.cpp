#include "cevns/io/prediction_writer.hpp"

#include <fstream>

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

std::string recoil_csv(const Prediction& p) {
  std::string csv = "# CEvNS recoil spectrum of " + p.config.name + ": expected events per bin\n";
  csv += "recoil_low_keVnr,recoil_high_keVnr,total";
  for (const auto& c : p.channels) csv += fmt::format(",{}_{}", flavor_name(c.flavor), c.isotope);
  csv += '\n';
  const Spectrum total = p.recoil_spectrum();
  for (std::size_t bin = 0; bin < total.binning.size(); ++bin) {
    csv += fmt::format("{:g},{:g},{:.6g}", total.binning.low(bin), total.binning.high(bin), total.counts[bin]);
    for (const auto& c : p.channels) csv += fmt::format(",{:.6g}", c.recoil.counts[bin]);
    csv += '\n';
  }
  return csv;
}

std::string time_csv(const Prediction& p) {
  std::string csv = "# CEvNS arrival-time spectrum of " + p.config.name +
                    ": expected events per bin, time from the centre of the first proton bunch\n";
  csv += "time_low_us,time_high_us";
  for (const auto& [flavor, spectrum] : p.arrival_time) csv += fmt::format(",{}", flavor_name(flavor));
  csv += '\n';
  const Binning& binning = p.arrival_time.begin()->second.binning;
  for (std::size_t bin = 0; bin < binning.size(); ++bin) {
    csv += fmt::format("{:g},{:g}", binning.low(bin), binning.high(bin));
    for (const auto& [flavor, spectrum] : p.arrival_time) csv += fmt::format(",{:.6g}", spectrum.counts[bin]);
    csv += '\n';
  }
  return csv;
}

}  // namespace

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
  for (Flavor f : all_flavors)
    recoil_by_flavor[std::string(flavor_name(f))] =
        p.recoil_spectrum([f](const ChannelPrediction& c) { return c.flavor == f; }).counts;
  json recoil_by_isotope = json::object();
  for (const auto& [isotope, events] : p.events_by_isotope())
    recoil_by_isotope[isotope] =
        p.recoil_spectrum([&isotope](const ChannelPrediction& c) { return c.isotope == isotope; }).counts;

  json time_by_flavor = json::object();
  for (const auto& [flavor, spectrum] : p.arrival_time) time_by_flavor[std::string(flavor_name(flavor))] = spectrum.counts;

  const double days = cfg.exposure.calendar_days.value_or(p.beam_on_time_s / 86400.0);
  return {
      {"cevns_version", version()},
      {"experiment", cfg.name},
      {"exposure",
       {{"beam_on_time_s", p.beam_on_time_s},
        {"protons_on_target", p.protons_on_target},
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
          {"by_flavor", time_by_flavor}}}}},
  };
}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const auto temporary = std::filesystem::path(path).concat(".part");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) throw IoError(fmt::format("cannot write '{}' (disk full or no permission?)", temporary.string()));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw IoError(fmt::format("cannot rename '{}' to '{}' ({})", temporary.string(), path.string(), ec.message()));
}

std::vector<std::filesystem::path> write_prediction(const Prediction& prediction, const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) throw IoError(fmt::format("cannot create output directory '{}' ({})", directory.string(), ec.message()));
  const std::vector<std::pair<std::string, std::string>> files{
      {"prediction.json", to_json(prediction).dump(2) + "\n"},
      {"recoil_spectrum.csv", recoil_csv(prediction)},
      {"arrival_time.csv", time_csv(prediction)},
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
