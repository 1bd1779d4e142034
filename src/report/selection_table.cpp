#include "cevns/report/selection_table.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace cevns::report {

std::string format_selection_table(const selection::EventSelection& selection, const reco::ReducedRunInfo& run,
                                   const Prediction& prediction) {
  using selection::Stage;
  const auto& flow = selection.cut_flow();
  std::string out;
  const auto line = [&out](const std::string& text) { out += text + '\n'; };
  line(fmt::format("Event selection — {} ({})", run.raw.experiment, run.raw_file));
  line(fmt::format("  {} triggers ({:.4g} s at {:g} Hz), {} with beam, {:.4g} protons on target, {} vetoed",
                   flow.triggers, flow.triggers / run.raw.trigger_rate_Hz, run.raw.trigger_rate_Hz,
                   flow.beam_on_triggers, flow.protons_on_target, flow.triggers - flow.triggers_without_veto));
  line("");

  // Columns: all candidates, then each truth source that appears (most populated first),
  // and last "data": the crystals without a Monte Carlo source (truth −1), so that the
  // source columns add up to the candidates.
  std::vector<int> sources;
  for (const auto& [source, counts] : flow.by_source)
    if (source >= 0) sources.push_back(source);
  std::sort(sources.begin(), sources.end(), [&](int a, int b) { return flow.by_source.at(a)[0] > flow.by_source.at(b)[0]; });
  if (flow.by_source.contains(-1)) sources.push_back(-1);
  const auto name_of = [&](int s) {
    if (s < 0) return std::string("data");
    return static_cast<std::size_t>(s) < run.raw.sources.size() ? run.raw.sources[static_cast<std::size_t>(s)]
                                                                 : fmt::format("source {}", s);
  };
  std::string header = fmt::format("  {:<22}{:>12}{:>8}", "stage", "candidates", "eff.");
  for (int s : sources) header += fmt::format("{:>22}", name_of(s));
  line(header);
  for (int stage = 0; stage < selection::stage_count; ++stage) {
    const auto count = flow.candidates[static_cast<std::size_t>(stage)];
    const auto previous = stage == 0 ? count : flow.candidates[static_cast<std::size_t>(stage - 1)];
    std::string row = fmt::format("  {:<22}{:>12}{:>8}", selection::stage_name(static_cast<Stage>(stage)), count,
                                  stage == 0 || previous == 0 ? std::string("")
                                                              : fmt::format("{:.3f}", double(count) / double(previous)));
    for (int s : sources) row += fmt::format("{:>22}", flow.by_source.at(s)[static_cast<std::size_t>(stage)]);
    line(row);
  }
  if (flow.by_source.contains(-1) && sources.size() > 1)
    line("  data: crystals whose light no simulated source made (truth −1), e.g. noise pulses");
  // The same selection in the off-beam window: what steady-state backgrounds alone give.
  line("");
  if (run.off_beam_window_start_us) {
    const auto& on = selection.window(selection::Window::on_beam);
    const auto& off = selection.window(selection::Window::off_beam);
    const double length_us = on.npe_time.y.high(on.npe_time.y.size() - 1) - on.npe_time.y.low(0);
    line(fmt::format("  off-beam window: the same criteria {:g} µs into the pretrace (no beam: steady-state "
                     "backgrounds only)",
                     *run.off_beam_window_start_us));
    line(fmt::format("  {:<22}{:>12}{:>12}", "window", "on-beam", "off-beam"));
    for (const Stage stage : {Stage::recorded, Stage::single_crystal, Stage::region}) {
      const auto i = static_cast<std::size_t>(stage);
      line(fmt::format("  {:<22}{:>12}{:>12}", selection::stage_name(stage), on.candidates[i], off.candidates[i]));
    }
    line(fmt::format("  {:<22}{:>12.5g}{:>12.5g}   (triggers kept by criteria 1 and 2: {} and {}, × {:g} µs)",
                     "live time (s)", on.live_time_s, off.live_time_s, on.triggers_kept, off.triggers_kept, length_us));
  } else {
    line("  off-beam window: none in this reduced file (format version 2: reconstruct it again; or a pretrace "
         "shorter than twice the signal region)");
  }
  const auto response = selection.npe_response();
  std::string points;
  for (std::size_t n : {2, 5, 10, 20, 40, 80})
    if (n < response.entries.size() && response.entries[n] >= 10.0)
      points += fmt::format("  {} PE: {:+.2f} ± {:.2f}", n, response.mean_difference[n], response.rms_difference[n]);
  if (!points.empty()) {
    line("");
    line("  reconstructed − true NPE (Monte Carlo), mean ± rms:" + points);
  }
  if (prediction.protons_on_target > 0.0 && flow.protons_on_target > 0.0) {
    const double scale = flow.protons_on_target / prediction.protons_on_target;
    line("");
    line(fmt::format("  cevns predict for these protons on target: {:.2f} CEvNS in the region of interest "
                     "(criteria 1 and 2 as constant efficiencies {:.3f} × {:.3f})",
                     prediction.roi_signal() * scale, prediction.config.selection.muon_veto_efficiency,
                     prediction.config.selection.afterglow_efficiency));
  }
  return out;
}

}  // namespace cevns::report
