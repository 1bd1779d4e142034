// The selection criteria of the CLOVERS paper §2.4 on hand-made reduced events.
#include <gtest/gtest.h>

#include "cevns/selection/event_selection.hpp"

namespace cevns::selection {
namespace {

reco::CrystalEvent crystal(std::uint64_t trigger, std::uint16_t c, float a, float b, float arrival_ns = 500.0F,
                           std::int16_t source = 4) {
  reco::CrystalEvent e;
  e.trigger_id = trigger;
  e.crystal = c;
  e.npe[0] = a;
  e.npe[1] = b;
  e.arrival_ns = arrival_ns;
  e.truth_source = source;
  return e;
}

reco::ReducedBlock block_of(std::vector<reco::CrystalEvent> events) {
  reco::ReducedBlock block;
  block.trigger_count = 100;
  block.vetoed_triggers = 1;
  block.protons_on_target = 1e15;
  block.beam_on_triggers = 100;
  block.events = std::move(events);
  return block;
}

TEST(EventSelection, EachCriterionRemovesWhatItShould) {
  SelectionConfig config;  // 4–72 NPE, all criteria on
  EventSelection selection(config, 200, -1.0, 10.0, 0.1);
  auto vetoed = crystal(1, 0, 5, 5);
  vetoed.veto = 1;
  auto noisy = crystal(2, 0, 5, 5);
  noisy.pretrace_npe[1] = 3.2F;  // ≥ 3 PE in one pretrace: criterion 2
  selection.add(block_of({
      vetoed,                                      // 1 removes it
      noisy,                                       // 2
      crystal(3, 0, 6, 0.2F),                      // 3: one PMT only
      crystal(4, 0, 3, 4), crystal(4, 1, 2, 2),    // 4: two crystals pass 3
      crystal(5, 2, 10, 12),                       // selected, 22 PE in the ROI
      crystal(6, 1, 1, 1),                         // selected, 2 PE: below the ROI
      crystal(7, 3, 5, 5, 12000.0F),               // selected, outside the time window
  }));
  const auto& flow = selection.cut_flow();
  EXPECT_EQ(flow.triggers, 100u);
  EXPECT_EQ(flow.triggers_without_veto, 99u);
  const auto at = [&](Stage s) { return flow.candidates[static_cast<std::size_t>(s)]; };
  EXPECT_EQ(at(Stage::recorded), 8u);
  EXPECT_EQ(at(Stage::no_veto), 7u);
  EXPECT_EQ(at(Stage::quiet_pretrace), 6u);
  EXPECT_EQ(at(Stage::coincidence), 5u);
  EXPECT_EQ(at(Stage::single_crystal), 3u);
  EXPECT_EQ(at(Stage::region), 1u);
  EXPECT_EQ(flow.by_source.at(4)[static_cast<std::size_t>(Stage::region)], 1u);
  EXPECT_DOUBLE_EQ(selection.selected_npe().at(4).counts[22], 1.0);
  EXPECT_DOUBLE_EQ(selection.selected_npe().at(4).counts[2], 1.0);
  EXPECT_DOUBLE_EQ(selection.selected_npe().at(4).total(), 2.0);  // the 12 µs one is out of time
}

TEST(EventSelection, CriteriaCanBeSwitchedOff) {
  SelectionConfig config;
  config.muon_veto = config.afterglow_cut = config.two_pmt_coincidence = config.single_crystal = false;
  EventSelection selection(config, 200, -1.0, 10.0, 0.1);
  auto vetoed = crystal(1, 0, 5, 5);
  vetoed.veto = 1;
  selection.add(block_of({vetoed, crystal(3, 0, 6, 0.2F), crystal(4, 0, 3, 4), crystal(4, 1, 2, 2)}));
  EXPECT_EQ(selection.cut_flow().candidates[static_cast<std::size_t>(Stage::single_crystal)], 4u);
}

TEST(EventSelection, FigureTenSpectra) {
  // Dark counts: one PMT only mostly; the coincidence keeps the rare two-PMT ones.
  SelectionConfig config;
  EventSelection selection(config, 20, -1.0, 10.0, 0.1);
  std::vector<reco::CrystalEvent> events;
  for (std::uint64_t t = 0; t < 50; ++t) events.push_back(crystal(t, 0, 1, 0, 100.0F, 0));
  events.push_back(crystal(60, 0, 1, 1, 100.0F, 0));
  selection.add(block_of(events));
  EXPECT_DOUBLE_EQ(selection.npe_without_coincidence().counts[1], 50.0);
  EXPECT_DOUBLE_EQ(selection.npe_without_coincidence().counts[2], 1.0);
  EXPECT_DOUBLE_EQ(selection.npe_with_coincidence().total(), 1.0);
}

/// Light in the off-beam window only (the signal region of the row empty).
reco::CrystalEvent off_beam(std::uint64_t trigger, std::uint16_t c, float a, float b, float arrival_ns = 500.0F) {
  reco::CrystalEvent e;
  e.trigger_id = trigger;
  e.crystal = c;
  e.off_beam_npe[0] = a;
  e.off_beam_npe[1] = b;
  e.off_beam_arrival_ns = arrival_ns;
  e.truth_source = -1;
  return e;
}

TEST(EventSelection, TheOffBeamWindowIsSelectedAsTheSignalRegionIs) {
  SelectionConfig config;  // 4–72 NPE, all criteria on
  EventSelection selection(config, 200, -1.0, 10.0, 0.1);
  auto vetoed = off_beam(1, 0, 5, 5);
  vetoed.veto = 1;
  auto noisy = off_beam(2, 0, 5, 5);
  noisy.off_beam_pretrace_npe[0] = 3.5F;  // criterion 2 of the off-beam window
  auto noisy_on_beam = off_beam(8, 0, 4, 4, 2500.0F);
  noisy_on_beam.pretrace_npe[1] = 4.0F;  // the signal region's pretrace only: selected off-beam
  selection.add(block_of({
      vetoed,                                        // 1
      noisy,                                         // 2
      off_beam(3, 0, 6, 0.2F),                       // 3: one PMT
      off_beam(4, 0, 3, 4), off_beam(4, 1, 2, 2),    // 4: two crystals
      off_beam(5, 2, 10, 12),                        // selected, 22 PE, 0.5 µs
      off_beam(6, 1, 1, 1),                          // selected, 2 PE: below the ROI
      off_beam(7, 3, 5, 5, 12000.0F),                // selected, beyond the time axis
      noisy_on_beam,                                 // selected, 8 PE, 2.5 µs
      crystal(9, 0, 5, 5, 500.0F, -1),               // on-beam light only
  }));
  const auto& off = selection.window(Window::off_beam);
  const auto at = [&](Stage s) { return off.candidates[static_cast<std::size_t>(s)]; };
  EXPECT_EQ(at(Stage::recorded), 9u);
  EXPECT_EQ(at(Stage::no_veto), 8u);
  EXPECT_EQ(at(Stage::quiet_pretrace), 7u);
  EXPECT_EQ(at(Stage::coincidence), 6u);
  EXPECT_EQ(at(Stage::single_crystal), 4u);
  EXPECT_EQ(at(Stage::region), 2u);
  EXPECT_DOUBLE_EQ(off.npe.counts[22], 1.0);
  EXPECT_DOUBLE_EQ(off.npe.counts[8], 1.0);
  EXPECT_DOUBLE_EQ(off.npe.total(), 3.0);   // the 12 µs one is out of time
  EXPECT_DOUBLE_EQ(off.time.total(), 2.0);  // 22 and 8 PE: in the NPE region
  EXPECT_DOUBLE_EQ(off.time.counts[15], 1.0);  // 0.5 µs: bin [0.5, 0.6)
  // 2-D: criteria 1–4 without the region of interest, inside the axes.
  EXPECT_DOUBLE_EQ(off.npe_time.total(), 3.0);
  EXPECT_DOUBLE_EQ(off.npe_time.at(2, 15), 1.0);
  EXPECT_DOUBLE_EQ(off.npe_time.at(8, 35), 1.0);  // 2.5 µs: bin [2.5, 2.6)
  // Live time: 100 triggers, 1 vetoed, 1 removed by criterion 2 of each window, × 11 µs.
  EXPECT_EQ(off.triggers_kept, 98u);
  EXPECT_DOUBLE_EQ(off.live_time_s, 98 * 11e-6);
  const auto& on = selection.window(Window::on_beam);
  EXPECT_EQ(on.triggers_kept, 98u);  // trigger 8 instead of 2
  // The signal region saw one candidate (trigger 9), selected; the off-beam light is not in it.
  EXPECT_EQ(on.candidates[static_cast<std::size_t>(Stage::recorded)], 1u);
  EXPECT_EQ(on.candidates[static_cast<std::size_t>(Stage::region)], 1u);
  EXPECT_EQ(selection.cut_flow().candidates, on.candidates);
  EXPECT_DOUBLE_EQ(on.npe_time.at(10, 15), 1.0);
  EXPECT_DOUBLE_EQ(selection.npe_without_coincidence().total(), 1.0);  // Figure 10: the signal region only
}

TEST(EventSelection, OverflowIsNotInTheTwoDimensionalHistogram) {
  EventSelection selection(SelectionConfig{}, 20, -1.0, 10.0, 0.1);
  selection.add(block_of({crystal(1, 0, 15, 15)}));  // 30 PE > npe_max
  const auto& on = selection.window(Window::on_beam);
  EXPECT_DOUBLE_EQ(on.npe.counts[20], 1.0);  // the 1-D spectrum's last bin holds everything above
  EXPECT_DOUBLE_EQ(on.npe_time.total(), 0.0);
}

}  // namespace
}  // namespace cevns::selection
