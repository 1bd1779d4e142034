#include "cevns/selection/event_selection.hpp"

#include <algorithm>
#include <cmath>
#include <span>

namespace cevns::selection {

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::recorded: return "crystals with light";
    case Stage::no_veto: return "1. no µ-veto tag";
    case Stage::quiet_pretrace: return "2. quiet pretrace";
    case Stage::coincidence: return "3. both PMTs";
    case Stage::single_crystal: return "4. single crystal";
    case Stage::region: return "region of interest";
  }
  return "?";
}

EventSelection::EventSelection(const SelectionConfig& config, int npe_max, double time_min_us, double time_max_us,
                               double time_bin_us)
    : config_((config.validate(), config)),
      npe_bins_(Binning::uniform(-0.5, npe_max + 0.5, static_cast<std::size_t>(npe_max) + 1)),
      time_bins_(Binning::uniform(time_min_us, time_max_us,
                                  static_cast<std::size_t>(std::max(1.0, std::round((time_max_us - time_min_us) / time_bin_us))))),
      without_coincidence_(npe_bins_),
      with_coincidence_(npe_bins_),
      response_n_(npe_bins_.size(), 0.0),
      response_sum_(npe_bins_.size(), 0.0),
      response_sum2_(npe_bins_.size(), 0.0) {}

EventSelection::NpeResponse EventSelection::npe_response() const {
  NpeResponse r;
  r.entries = response_n_;
  for (std::size_t n = 0; n < response_n_.size(); ++n) {
    const double count = response_n_[n];
    const double mean = count > 0.0 ? response_sum_[n] / count : 0.0;
    r.mean_difference.push_back(mean);
    r.rms_difference.push_back(count > 1.0 ? std::sqrt(std::max(0.0, response_sum2_[n] / count - mean * mean)) : 0.0);
  }
  return r;
}

Spectrum& EventSelection::npe_of(int source) { return selected_npe_.try_emplace(source, npe_bins_).first->second; }
Spectrum& EventSelection::time_of(int source) { return selected_time_.try_emplace(source, time_bins_).first->second; }

void EventSelection::count(const reco::CrystalEvent& event, Stage passed) {
  const auto stage = static_cast<std::size_t>(passed);
  ++flow_.candidates[stage];
  ++flow_.by_source[event.truth_source][stage];
}

void EventSelection::add(const reco::ReducedBlock& block) {
  flow_.triggers += block.trigger_count;
  flow_.triggers_without_veto += block.trigger_count - block.vetoed_triggers;
  flow_.protons_on_target += block.protons_on_target;
  flow_.beam_on_triggers += block.beam_on_triggers;

  const auto npe_bin = [&](int n) { return static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(npe_bins_.size()) - 1)); };
  const double t_low = config_.roi_time_min_us.value_or(time_bins_.low(0));
  const double t_high = config_.roi_time_max_us.value_or(time_bins_.high(time_bins_.size() - 1));

  // Rows come grouped by trigger; walk one trigger at a time.
  const auto& events = block.events;
  for (std::size_t first = 0; first < events.size();) {
    std::size_t last = first;
    while (last < events.size() && events[last].trigger_id == events[first].trigger_id) ++last;
    const auto trigger = std::span(events).subspan(first, last - first);
    first = last;

    const bool vetoed = config_.muon_veto && trigger.front().veto;
    const bool noisy_pretrace =
        config_.afterglow_cut && std::any_of(trigger.begin(), trigger.end(), [&](const reco::CrystalEvent& e) {
          return e.pretrace_npe[0] >= config_.max_pretrace_npe || e.pretrace_npe[1] >= config_.max_pretrace_npe;
        });
    const auto both_pmts = [&](const reco::CrystalEvent& e) {
      return !config_.two_pmt_coincidence || (e.npe[0] >= config_.min_pmt_npe && e.npe[1] >= config_.min_pmt_npe);
    };
    const auto coincident = std::count_if(trigger.begin(), trigger.end(), both_pmts);

    for (const auto& e : trigger) {
      const int npe = photoelectrons(e.npe[0] + e.npe[1]);
      if (e.truth_source >= 0 && e.truth_npe > 0 && e.truth_npe < response_n_.size()) {
        const double difference = double(e.npe[0]) + double(e.npe[1]) - double(e.truth_npe);
        response_n_[e.truth_npe] += 1.0;
        response_sum_[e.truth_npe] += difference;
        response_sum2_[e.truth_npe] += difference * difference;
      }
      if (npe < 1) continue;  // no light in the signal region: not a candidate
      count(e, Stage::recorded);
      if (vetoed) continue;
      count(e, Stage::no_veto);
      without_coincidence_.counts[npe_bin(npe)] += 1.0;
      if (both_pmts(e)) with_coincidence_.counts[npe_bin(npe)] += 1.0;
      if (noisy_pretrace) continue;
      count(e, Stage::quiet_pretrace);
      if (!both_pmts(e)) continue;
      count(e, Stage::coincidence);
      if (config_.single_crystal && coincident != 1) continue;
      count(e, Stage::single_crystal);
      const double t_us = e.arrival_ns / 1000.0;
      const bool timed = std::isfinite(e.arrival_ns);
      const bool in_time = timed && t_us >= t_low && t_us < t_high;
      const bool in_npe = npe >= config_.roi_npe_min && npe <= config_.roi_npe_max;
      if (in_time) npe_of(e.truth_source).counts[npe_bin(npe)] += 1.0;
      if (in_npe && timed && t_us >= time_bins_.low(0) && t_us < time_bins_.high(time_bins_.size() - 1))
        time_of(e.truth_source).counts[static_cast<std::size_t>((t_us - time_bins_.low(0)) / time_bins_.width(0))] += 1.0;
      if (in_time && in_npe) count(e, Stage::region);
    }
  }
}

}  // namespace cevns::selection
