#include "cevns/io/selection_writer.hpp"

#include <fmt/format.h>

#include "cevns/core/error.hpp"
#include "cevns/io/prediction_writer.hpp"

namespace cevns::io {
namespace {

/// As in the `cevns select` table: "data" for crystals without a Monte Carlo source.
std::string source_name(const reco::ReducedRunInfo& run, int source) {
  if (source < 0) return "data";
  return static_cast<std::size_t>(source) < run.raw.sources.size() ? run.raw.sources[static_cast<std::size_t>(source)]
                                                                    : fmt::format("source {}", source);
}

/// One window's selection for the JSON output.
nlohmann::json window_json(const selection::WindowSelection& w) {
  nlohmann::json stages = nlohmann::json::array();
  for (int s = 0; s < selection::stage_count; ++s)
    stages.push_back({{"stage", selection::stage_name(static_cast<selection::Stage>(s))},
                      {"candidates", w.candidates[static_cast<std::size_t>(s)]}});
  return {{"triggers_kept", w.triggers_kept},
          {"live_time_s", w.live_time_s},
          {"live_time_definition", "triggers kept by criteria 1 and 2 x (spectra time_max_us - time_min_us)"},
          {"cut_flow", stages},
          {"npe", w.npe.counts},
          {"arrival_time", w.time.counts},
          {"arrival_time_edges_us", w.time.binning.edges()}};
}

}  // namespace

std::string observed_csv(const selection::EventSelection& selection, const reco::ReducedRunInfo& run) {
  std::string csv = "region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts\n";
  std::vector<selection::Window> windows{selection::Window::on_beam};
  if (run.off_beam_window_start_us) windows.push_back(selection::Window::off_beam);
  for (const auto w : windows) {
    const auto& window = selection.window(w);
    const auto& h = window.npe_time;
    const std::string prefix = fmt::format("{},{:.12g},", selection::window_name(w), window.live_time_s);
    for (std::size_t n = 0; n < h.x.size(); ++n)
      for (std::size_t t = 0; t < h.y.size(); ++t)
        csv += fmt::format("{}{:.12g},{:.12g},{:.12g},{:.12g},{:g}\n", prefix, h.x.low(n), h.x.high(n), h.y.low(t),
                           h.y.high(t), h.at(n, t));
  }
  return csv;
}

nlohmann::json to_json(const selection::EventSelection& selection, const reco::ReducedRunInfo& run,
                       const Prediction& prediction) {
  using nlohmann::json;
  const auto& flow = selection.cut_flow();
  json stages = json::array();
  for (int s = 0; s < selection::stage_count; ++s) {
    json by_source = json::object();
    for (const auto& [source, counts] : flow.by_source) by_source[source_name(run, source)] = counts[static_cast<std::size_t>(s)];
    stages.push_back({{"stage", selection::stage_name(static_cast<selection::Stage>(s))},
                      {"candidates", flow.candidates[static_cast<std::size_t>(s)]},
                      {"by_source", by_source}});
  }
  json npe = json::object(), time = json::object();
  for (const auto& [source, spectrum] : selection.selected_npe()) npe[source_name(run, source)] = spectrum.counts;
  for (const auto& [source, spectrum] : selection.selected_time()) time[source_name(run, source)] = spectrum.counts;
  const double scale = prediction.protons_on_target > 0.0 ? flow.protons_on_target / prediction.protons_on_target : 0.0;
  return {
      {"experiment", run.raw.experiment},
      {"reduced_from", run.raw_file},
      {"exposure",
       {{"triggers", flow.triggers},
        {"triggers_without_veto", flow.triggers_without_veto},
        {"beam_on_triggers", flow.beam_on_triggers},
        {"protons_on_target", flow.protons_on_target}}},
      {"cut_flow", stages},
      {"selected",
       {{"npe", npe},
        {"npe_unit", "crystals per NPE bin (bin n: n photoelectrons; last bin: everything above)"},
        {"arrival_time", time},
        {"arrival_time_edges_us",
         selection.selected_time().empty() ? std::vector<double>{} : selection.selected_time().begin()->second.binning.edges()}}},
      {"npe_response",
       [&] {
         const auto r = selection.npe_response();
         return json{{"description", "reconstructed minus true NPE of simulated candidates, per true NPE"},
                     {"entries", r.entries},
                     {"mean_difference", r.mean_difference},
                     {"rms_difference", r.rms_difference}};
       }()},
      {"figure10",
       {{"without_coincidence", selection.npe_without_coincidence().counts},
        {"with_coincidence", selection.npe_with_coincidence().counts}}},
      {"predicted_roi_signal_for_these_protons", prediction.roi_signal() * scale},
      {"windows",
       [&] {
         json windows = {{"on-beam", window_json(selection.window(selection::Window::on_beam))}};
         windows["on-beam"]["description"] =
             "the signal region after the beam trigger; criterion 2 on the whole pretrace";
         if (run.off_beam_window_start_us) {
           windows["off-beam"] = window_json(selection.window(selection::Window::off_beam));
           windows["off-beam"]["start_us"] = *run.off_beam_window_start_us;
           windows["off-beam"]["description"] =
               "as long as the signal region, starting start_us after the start of the waveform, its time axis from "
               "its own equivalent of the first bunch; criterion 2 on the pretrace before it";
         } else {
           windows["off-beam"] = nullptr;  // a reduced file without one (format version 2)
         }
         return windows;
       }()},
  };
}

std::vector<std::filesystem::path> write_selection(const selection::EventSelection& selection,
                                                   const reco::ReducedRunInfo& run, const Prediction& prediction,
                                                   const std::filesystem::path& directory) {
  create_output_directory(directory);
  std::string csv = "# Selected crystals per NPE (criteria 1-4, arrival-time region) per source\nnpe";
  for (const auto& [source, spectrum] : selection.selected_npe()) csv += fmt::format(",{}", source_name(run, source));
  csv += '\n';
  const std::size_t bins = selection.npe_with_coincidence().counts.size();
  for (std::size_t n = 0; n < bins; ++n) {
    csv += std::to_string(n);
    for (const auto& [source, spectrum] : selection.selected_npe()) csv += fmt::format(",{:g}", spectrum.counts[n]);
    csv += '\n';
  }
  write_file_atomically(directory / "selection.json", to_json(selection, run, prediction).dump(2) + "\n");
  write_file_atomically(directory / "selected_npe.csv", csv);
  write_file_atomically(directory / "observed.csv", observed_csv(selection, run));
  return {directory / "selection.json", directory / "selected_npe.csv", directory / "observed.csv"};
}

}  // namespace cevns::io
