#include "cevns/selection/event_selection.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
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
      on_beam_(npe_bins_, time_bins_),
      off_beam_(npe_bins_, time_bins_),
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

namespace {

/// What one window of a crystal row holds.
struct Light {
  const float* npe;           // per PMT
  const float* pretrace_npe;  // per PMT: the pretrace criterion 2 looks at
  float arrival_ns;
};

Light light_of(const reco::CrystalEvent& e, Window w) {
  if (w == Window::on_beam) return {e.npe, e.pretrace_npe, e.arrival_ns};
  return {e.off_beam_npe, e.off_beam_pretrace_npe, e.off_beam_arrival_ns};
}

}  // namespace

std::string_view window_name(Window window) { return window == Window::on_beam ? "on-beam" : "off-beam"; }

void EventSelection::add(const reco::ReducedBlock& block) {
  flow_.triggers += block.trigger_count;
  flow_.triggers_without_veto += block.trigger_count - block.vetoed_triggers;
  flow_.protons_on_target += block.protons_on_target;
  flow_.beam_on_triggers += block.beam_on_triggers;

  // Triggers left by criterion 1; criterion 2 removes those of them with a noisy pretrace,
  // which have rows.
  const std::uint64_t unvetoed = config_.muon_veto ? block.trigger_count - block.vetoed_triggers : block.trigger_count;
  std::uint64_t noisy[2] = {0, 0};
  // Rows come grouped by trigger; walk one trigger at a time.
  const auto& events = block.events;
  for (std::size_t first = 0; first < events.size();) {
    std::size_t last = first;
    while (last < events.size() && events[last].trigger_id == events[first].trigger_id) ++last;
    const auto trigger = std::span(events).subspan(first, last - first);
    first = last;
    for (const Window w : {Window::on_beam, Window::off_beam})
      if (select(trigger, w)) ++noisy[static_cast<int>(w)];
  }
  const double span_s = (time_bins_.high(time_bins_.size() - 1) - time_bins_.low(0)) * 1e-6;
  for (WindowSelection* w : {&on_beam_, &off_beam_}) {
    w->triggers_kept += unvetoed - noisy[w == &on_beam_ ? 0 : 1];
    w->live_time_s = static_cast<double>(w->triggers_kept) * span_s;
  }
}

bool EventSelection::select(std::span<const reco::CrystalEvent> trigger, Window w) {
  const bool on_beam = w == Window::on_beam;
  WindowSelection& out = on_beam ? on_beam_ : off_beam_;
  const auto npe_bin = [&](int n) { return static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(npe_bins_.size()) - 1)); };
  const double t_low = config_.roi_time_min_us.value_or(time_bins_.low(0));
  const double t_high = config_.roi_time_max_us.value_or(time_bins_.high(time_bins_.size() - 1));
  const auto time_bin = [&](double t_us) -> std::ptrdiff_t {
    if (!(t_us >= time_bins_.low(0) && t_us < time_bins_.high(time_bins_.size() - 1))) return -1;
    return static_cast<std::ptrdiff_t>(
        std::min((t_us - time_bins_.low(0)) / time_bins_.width(0), static_cast<double>(time_bins_.size() - 1)));
  };
  const auto stage_passed = [&](const reco::CrystalEvent& e, Stage stage) {
    ++out.candidates[static_cast<std::size_t>(stage)];
    if (on_beam) count(e, stage);  // the per-source cut flow: Monte Carlo truth is of the signal region
  };

  const bool vetoed = config_.muon_veto && trigger.front().veto;
  const bool noisy_pretrace =
      config_.afterglow_cut && std::any_of(trigger.begin(), trigger.end(), [&](const reco::CrystalEvent& e) {
        const Light l = light_of(e, w);
        return l.pretrace_npe[0] >= config_.max_pretrace_npe || l.pretrace_npe[1] >= config_.max_pretrace_npe;
      });
  const auto both_pmts = [&](const reco::CrystalEvent& e) {
    const Light l = light_of(e, w);
    return !config_.two_pmt_coincidence || (l.npe[0] >= config_.min_pmt_npe && l.npe[1] >= config_.min_pmt_npe);
  };
  const auto coincident = std::count_if(trigger.begin(), trigger.end(), both_pmts);

  for (const auto& e : trigger) {
    const Light l = light_of(e, w);
    const int npe = photoelectrons(l.npe[0] + l.npe[1]);
    if (on_beam && e.truth_source >= 0 && e.truth_npe > 0 && e.truth_npe < response_n_.size()) {
      const double difference = double(e.npe[0]) + double(e.npe[1]) - double(e.truth_npe);
      response_n_[e.truth_npe] += 1.0;
      response_sum_[e.truth_npe] += difference;
      response_sum2_[e.truth_npe] += difference * difference;
    }
    if (npe < 1) continue;  // no light in this window: not a candidate
    stage_passed(e, Stage::recorded);
    if (vetoed) continue;
    stage_passed(e, Stage::no_veto);
    if (on_beam) {
      without_coincidence_.counts[npe_bin(npe)] += 1.0;
      if (both_pmts(e)) with_coincidence_.counts[npe_bin(npe)] += 1.0;
    }
    if (noisy_pretrace) continue;
    stage_passed(e, Stage::quiet_pretrace);
    if (!both_pmts(e)) continue;
    stage_passed(e, Stage::coincidence);
    if (config_.single_crystal && coincident != 1) continue;
    stage_passed(e, Stage::single_crystal);
    const double t_us = l.arrival_ns / 1000.0;
    const bool timed = std::isfinite(l.arrival_ns);
    const bool in_time = timed && t_us >= t_low && t_us < t_high;
    const bool in_npe = npe >= config_.roi_npe_min && npe <= config_.roi_npe_max;
    const std::ptrdiff_t t_bin = timed ? time_bin(t_us) : -1;
    if (in_time) {
      out.npe.counts[npe_bin(npe)] += 1.0;
      if (on_beam) npe_of(e.truth_source).counts[npe_bin(npe)] += 1.0;
    }
    if (in_npe && t_bin >= 0) {
      out.time.counts[static_cast<std::size_t>(t_bin)] += 1.0;
      if (on_beam) time_of(e.truth_source).counts[static_cast<std::size_t>(t_bin)] += 1.0;
    }
    if (t_bin >= 0 && static_cast<std::size_t>(npe) < npe_bins_.size())  // no overflow bin in 2-D
      out.npe_time.at(static_cast<std::size_t>(npe), static_cast<std::size_t>(t_bin)) += 1.0;
    if (in_time && in_npe) stage_passed(e, Stage::region);
  }
  return !vetoed && noisy_pretrace;
}

}  // namespace cevns::selection
