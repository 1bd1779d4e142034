#include "cevns/experiment/signal_response.hpp"

#include <algorithm>
#include <cmath>

#include <boost/math/quadrature/gauss.hpp>

#include "cevns/core/units.hpp"
#include "cevns/detector/quenching.hpp"
#include "cevns/detector/response.hpp"
#include "cevns/experiment/prediction.hpp"
#include "cevns/physics/target.hpp"

namespace cevns {
namespace {

using namespace units;

/// Finer panels for folding with Poisson photostatistics, whose peaks are a few keV wide.
constexpr int panels_for_npe = 32;

/// Calls visit(T, weight) for the Gauss–Legendre nodes in u = √T over [0, t_max], so that
/// Σ weight·f(T) approximates ∫ f dT (the minimum neutrino energy E_min(T) ∝ √T near T = 0
/// makes the Michel rates non-analytic in T but analytic in u).
template <class Visit>
void for_each_recoil_node(double t_max, int panels, Visit&& visit) {
  using Rule = boost::math::quadrature::gauss<double, 10>;
  const double width = std::sqrt(t_max) / panels;
  for (int i = 0; i < panels; ++i) {
    const double mid = (i + 0.5) * width;
    const auto& x = Rule::abscissa();
    const auto& w = Rule::weights();
    for (std::size_t k = 0; k < x.size(); ++k) {
      for (double sign : {-1.0, 1.0}) {
        if (k == 0 && sign > 0.0 && x[0] == 0.0) continue;  // the centre node once
        const double u = mid + sign * x[k] * 0.5 * width;
        visit(u * u, 2.0 * u * w[k] * 0.5 * width);
      }
    }
  }
}

Binning time_bins_of(const SpectraConfig& s) {
  const auto bins = static_cast<std::size_t>(std::llround((s.time_max_us - s.time_min_us) / s.time_bin_us));
  return Binning::uniform(s.time_min_us, s.time_min_us + bins * s.time_bin_us, bins);
}

/// The bin of `npe_edges` holding reconstructed PE `x`: [e_i, e_{i+1}), the last one also
/// everything above; −1 below the first edge.
long edge_bin(const std::vector<double>& npe_edges, double x) {
  if (x < npe_edges.front()) return -1;
  const auto above = std::upper_bound(npe_edges.begin(), npe_edges.end(), x) - npe_edges.begin();
  return std::min<long>(static_cast<long>(above) - 1, static_cast<long>(npe_edges.size()) - 2);
}

/// Sums `counts` over integer NPE (bin n = n PE, the point n) into the bins of `npe_edges`.
std::vector<double> rebin_counts(const std::vector<double>& counts, const std::vector<double>& npe_edges) {
  std::vector<double> out(npe_edges.size() - 1, 0.0);
  for (std::size_t n = 0; n < counts.size(); ++n) {
    const long bin = edge_bin(npe_edges, static_cast<double>(n));
    if (bin >= 0) out[static_cast<std::size_t>(bin)] += counts[n];
  }
  return out;
}

}  // namespace

SignalResponse::SignalResponse(const ExperimentConfig& config, const DecayAtRestSource& source)
    : config_(config), own_source_(std::make_shared<const DecayAtRestSource>(source)) {
  build(config, source);
}

SignalResponse::SignalResponse(const ExperimentConfig& config) : config_(config) {
  config.validate();
  own_source_ = std::make_shared<const DecayAtRestSource>(config.source);
  build(config, *own_source_);
}

void SignalResponse::build(const ExperimentConfig& config, const DecayAtRestSource& source) {
  const Target target = Target::from_formula(config.detector.material);
  const int npe_max = config.spectra.npe_max;
  npe_binning_ = Binning::uniform(-0.5, npe_max + 0.5, npe_max + 1);
  time_binning_ = time_bins_of(config.spectra);
  npe_bins_ = npe_binning_.size();
  const bool gamma_resolution = config.detector.resolution.model == ResolutionModel::gamma;
  const auto& detector = config.detector;
  // Every crystal has one evaluation convention (SelectionConfig::validate).
  bool any_acceptance = false;
  for (int c = 0; c < detector.crystals; ++c)
    any_acceptance = any_acceptance || config.selection.acceptance_of(c).model != AcceptanceModel::none;
  continuous_acceptance_ = gamma_resolution && any_acceptance &&
                           config.selection.acceptance_of(0).evaluate_at == AcceptanceEvaluation::continuous;
  // Crystals selected alike (one PMT share, one acceptance) are selected together, and
  // within them crystals of one quenching and light yield are folded together (one group,
  // one folding when every crystal is alike); each with its share of the mass.
  std::vector<QuenchingConfig> quenchings;  // the distinct quenching models, by first crystal
  for (int c = 0; c < detector.crystals; ++c) {
    const auto& q = detector.quenching_of(c);
    const auto found = std::find(quenchings.begin(), quenchings.end(), q);
    const auto index = static_cast<std::size_t>(found - quenchings.begin());
    if (found == quenchings.end()) quenchings.push_back(q);
    const double share = detector.pmt_share_of(c);
    const auto& acceptance = config.selection.acceptance_of(c);
    auto group = std::find_if(groups_.begin(), groups_.end(),
                              [&](const Group& g) { return g.pmt_share == share && g.acceptance == acceptance; });
    if (group == groups_.end()) {
      const DetectorConfig crystals_of_group = detector.with_pmt_share(share);
      AcceptanceConfig none = acceptance;
      none.model = AcceptanceModel::none;
      groups_.push_back(Group{share, acceptance, {},
                              SelectionEfficiency(crystals_of_group, config.selection.with_acceptance(acceptance), npe_max),
                              SelectionEfficiency(crystals_of_group, config.selection.with_acceptance(none), npe_max)});
      group = groups_.end() - 1;
    }
    group->foldings[{index, detector.light_yield(c)}] += 1.0 / detector.crystals;
  }
  std::stable_sort(groups_.begin(), groups_.end(), [](const Group& a, const Group& b) { return a.pmt_share < b.pmt_share; });
  const std::size_t width = groups_.size() * npe_bins_;
  // With spectra.npe_edges and a continuous (Gamma) PE: its probabilities in the cells cut
  // by both the integer bins and the edges.
  const auto& npe_edges = config.spectra.npe_edges;
  if (gamma_resolution && !npe_edges.empty()) {
    cells_.lows.push_back(0.0);
    for (int n = 1; n <= npe_max; ++n) cells_.lows.push_back(n - 0.5);
    // The last edge bounds nothing: its bin collects everything above.
    for (std::size_t i = 0; i + 1 < npe_edges.size(); ++i)
      if (npe_edges[i] > 0.0) cells_.lows.push_back(npe_edges[i]);
    std::sort(cells_.lows.begin(), cells_.lows.end());
    cells_.lows.erase(std::unique(cells_.lows.begin(), cells_.lows.end()), cells_.lows.end());
    for (double low : cells_.lows) {
      cells_.integer_bin.push_back(
          std::min<std::size_t>(static_cast<std::size_t>(std::floor(low + 0.5)), static_cast<std::size_t>(npe_max)));
      cells_.edge_bin.push_back(edge_bin(npe_edges, low));
    }
  }
  const std::size_t cell_count = cells_.lows.size(), cells_width = groups_.size() * cell_count;
  std::vector<double> probabilities;
  for (std::size_t ic = 0; ic < target.components().size(); ++ic) {
    const auto& component = target.components()[ic];
    std::vector<Quenching> quenching;
    for (const auto& q : quenchings) quenching.emplace_back(q, component.isotope);
    std::vector<double> visible(quenching.size());
    for (Flavor flavor : own_source_->flavors()) {
      // The end point and the scale do not depend on the cross section's parameters.
      const RecoilRate rate(config, source, component, flavor);
      Channel ch{ic, flavor, {}, {}, {}, {}, {}, {}};
      for_each_recoil_node(rate.max_recoil(), panels_for_npe, [&](double recoil, double weight) {
        ch.recoil_MeV.push_back(recoil);
        ch.weight_MeV.push_back(weight);
        const std::size_t node = ch.recoil_MeV.size() - 1;
        ch.p_true.resize((node + 1) * width, 0.0);
        if (continuous_acceptance_) ch.p_accepted.resize((node + 1) * width, 0.0);
        ch.p_cells_true.resize((node + 1) * cells_width, 0.0);
        if (continuous_acceptance_) ch.p_cells_accepted.resize((node + 1) * cells_width, 0.0);
        for (std::size_t q = 0; q < quenching.size(); ++q)
          visible[q] = in_keVee(quenching[q].electron_equivalent(RecoilEnergy(recoil)));
        for (std::size_t g = 0; g < groups_.size(); ++g) {
          const std::size_t row = node * width + g * npe_bins_, cells_row = node * cells_width + g * cell_count;
          const AcceptanceConfig* acceptance = &groups_[g].acceptance;
          for (const auto& [folding, share] : groups_[g].foldings) {
            const auto& [q, light_yield] = folding;
            const double visible_keVee = visible[q];
            if (gamma_resolution) {
              const double shape = config.detector.resolution.shape(visible_keVee);
              gamma_pe_probabilities(light_yield * visible_keVee, shape, npe_bins_, probabilities);
              for (std::size_t n = 0; n < npe_bins_; ++n) ch.p_true[row + n] += share * probabilities[n];
              if (continuous_acceptance_) {
                gamma_pe_probabilities(light_yield * visible_keVee, shape, npe_bins_, probabilities, acceptance);
                for (std::size_t n = 0; n < npe_bins_; ++n) ch.p_accepted[row + n] += share * probabilities[n];
              }
              if (cell_count > 0) {
                gamma_pe_probabilities(light_yield * visible_keVee, shape, cells_.lows, probabilities);
                for (std::size_t c = 0; c < cell_count; ++c) ch.p_cells_true[cells_row + c] += share * probabilities[c];
                if (continuous_acceptance_) {
                  gamma_pe_probabilities(light_yield * visible_keVee, shape, cells_.lows, probabilities, acceptance);
                  for (std::size_t c = 0; c < cell_count; ++c)
                    ch.p_cells_accepted[cells_row + c] += share * probabilities[c];
                }
              }
              continue;
            }
            // Poisson NPE with mean LY × E_ee(T); the last bin takes the rest.
            const auto window = poisson_probabilities(light_yield * visible_keVee, npe_bins_, probabilities);
            double kept = 0.0;
            for (std::size_t n = window.first; n < std::min(window.second, npe_bins_ - 1); ++n)
              ch.p_true[row + n] += share * probabilities[n], kept += probabilities[n];
            ch.p_true[row + npe_bins_ - 1] += share * std::max(0.0, 1.0 - kept);
          }
        }
      });
      channels_.push_back(std::move(ch));
    }
  }
  // Arrival times: the selected signal keeps ε(t) of each arrival, per flavour.
  for (Flavor flavor : own_source_->flavors()) {
    std::vector<double> p(time_binning_.size(), 0.0);
    const auto& time_efficiency = config.selection.time_efficiency;
    for (std::size_t bin = 0; bin < time_binning_.size(); ++bin) {
      if (time_efficiency.model != TimeEfficiencyModel::none) {
        const auto cdf_us = [&](double t_us) { return source.arrival_time().cdf(flavor, t_us * us); };
        p[bin] = time_efficiency.weighted_probability(cdf_us, time_binning_.low(bin), time_binning_.high(bin));
      } else {
        p[bin] = source.arrival_time().probability(flavor, time_binning_.low(bin) * us, time_binning_.high(bin) * us);
      }
    }
    time_probability_[flavor] = std::move(p);
    // The reconstructed time is the first photoelectron's: per NPE bin, the arrival (with
    // ε(t) at the arrival, as the Monte Carlo thins) convolved with that delay.
    const auto& delay = config.detector.arrival_delay;
    if (delay.enabled()) {
      const auto cdf_us = [&](double t_us) { return source.arrival_time().cdf(flavor, t_us * us); };
      delayed_time_[flavor] = delay.delayed_time_spectra(
          [&](double low_us, double high_us) { return time_efficiency.weighted_probability(cdf_us, low_us, high_us); },
          time_binning_, npe_max);
    }
  }
}

std::size_t SignalResponse::node_count() const {
  std::size_t n = 0;
  for (const auto& c : channels_) n += c.recoil_MeV.size();
  return n;
}

std::vector<double> SignalResponse::groups() const {
  std::vector<double> shares;
  for (const auto& g : groups_) shares.push_back(g.pmt_share);
  return shares;
}

namespace {

/// out += Σ_k events[k] × matrix[k × out.size() …] (one row of `matrix` per node).
void add_product(const std::vector<double>& events, const std::vector<double>& matrix, std::vector<double>& out) {
  const std::size_t width = out.size();
  for (std::size_t k = 0; k < events.size(); ++k) {
    const double* row = matrix.data() + k * width;
    for (std::size_t i = 0; i < width; ++i) out[i] += events[k] * row[i];
  }
}

}  // namespace

SignalResponse::Folded SignalResponse::fold(const PhysicsConfig& physics) const {
  Folded out;
  const std::size_t width = groups_.size() * npe_bins_, cells_width = groups_.size() * cells_.lows.size();
  for (Flavor flavor : own_source_->flavors()) {
    out.by_group_true[flavor].assign(width, 0.0);
    if (continuous_acceptance_) out.by_group_accepted[flavor].assign(width, 0.0);
    if (cells_width > 0) {
      out.cells_true[flavor].assign(cells_width, 0.0);
      if (continuous_acceptance_) out.cells_accepted[flavor].assign(cells_width, 0.0);
    }
  }
  ExperimentConfig config = config_;
  config.physics = physics;
  const Target target = Target::from_formula(config.detector.material);
  const DecayAtRestSource* source = own_source_.get();
  std::vector<double> events;
  for (const auto& ch : channels_) {
    const RecoilRate rate(config, *source, target.components()[ch.component], ch.flavor);
    events.resize(ch.recoil_MeV.size());
    for (std::size_t k = 0; k < events.size(); ++k) events[k] = ch.weight_MeV[k] * rate(ch.recoil_MeV[k]);
    add_product(events, ch.p_true, out.by_group_true[ch.flavor]);
    if (continuous_acceptance_) add_product(events, ch.p_accepted, out.by_group_accepted[ch.flavor]);
    if (cells_width > 0) {
      add_product(events, ch.p_cells_true, out.cells_true[ch.flavor]);
      if (continuous_acceptance_) add_product(events, ch.p_cells_accepted, out.cells_accepted[ch.flavor]);
    }
  }
  // All crystals: the groups' spectra summed.
  for (Flavor flavor : own_source_->flavors()) {
    const auto& by_group = out.by_group_true.at(flavor);
    std::vector<double> npe(by_group.begin(), by_group.begin() + static_cast<std::ptrdiff_t>(npe_bins_));
    for (std::size_t g = 1; g < groups_.size(); ++g)
      for (std::size_t n = 0; n < npe_bins_; ++n) npe[n] += by_group[g * npe_bins_ + n];
    out.npe_true[flavor] = std::move(npe);
  }
  return out;
}

std::vector<double> SignalResponse::selected_npe(const Folded& folded, Flavor flavor) const {
  // With the acceptance folded in at the continuous PE, the rest of the selection without it.
  const auto& by_group = continuous_acceptance_ ? folded.by_group_accepted.at(flavor) : folded.by_group_true.at(flavor);
  std::vector<double> after;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const auto first = by_group.begin() + static_cast<std::ptrdiff_t>(g * npe_bins_);
    const std::vector<double> group(first, first + static_cast<std::ptrdiff_t>(npe_bins_));
    const auto selected = continuous_acceptance_ ? groups_[g].rest_of_selection.apply(group) : groups_[g].selection.apply(group);
    if (g == 0) {
      after = selected;
      continue;
    }
    for (std::size_t n = 0; n < npe_bins_; ++n) after[n] += selected[n];
  }
  return after;
}

std::vector<double> SignalResponse::selected_npe_time(const Folded& folded, Flavor flavor) const {
  const auto& by_group = continuous_acceptance_ ? folded.by_group_accepted.at(flavor) : folded.by_group_true.at(flavor);
  const auto& delayed = delayed_time_.at(flavor);
  std::vector<double> after;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const auto first = by_group.begin() + static_cast<std::ptrdiff_t>(g * npe_bins_);
    const std::vector<double> group(first, first + static_cast<std::ptrdiff_t>(npe_bins_));
    const auto selected = continuous_acceptance_ ? groups_[g].rest_of_selection.apply_timed(group, delayed)
                                                 : groups_[g].selection.apply_timed(group, delayed);
    if (g == 0) {
      after = selected;
      continue;
    }
    for (std::size_t i = 0; i < after.size(); ++i) after[i] += selected[i];
  }
  return after;
}

std::map<Flavor, Spectrum2D> SignalResponse::select(const Folded& folded) const {
  std::map<Flavor, Spectrum2D> out;
  if (!delayed_time_.empty()) {
    const std::size_t times = time_binning_.size();
    for (Flavor flavor : own_source_->flavors()) {
      const auto after = selected_npe_time(folded, flavor);
      Spectrum2D signal(npe_binning_, time_binning_);
      for (std::size_t n = 0; n < npe_bins_; ++n)
        for (std::size_t t = 0; t < times; ++t) signal.at(n, t) = after[n * times + t];
      out.emplace(flavor, std::move(signal));
    }
    return out;
  }
  for (Flavor flavor : own_source_->flavors()) {
    const auto after = selected_npe(folded, flavor);
    const auto& time = time_probability_.at(flavor);
    Spectrum2D signal(npe_binning_, time_binning_);
    for (std::size_t n = 0; n < npe_bins_; ++n)
      for (std::size_t t = 0; t < time.size(); ++t) signal.at(n, t) = after[n] * time[t];
    out.emplace(flavor, std::move(signal));
  }
  return out;
}

std::optional<NpeEdgesSpectra> SignalResponse::on_npe_edges(const Folded& folded) const {
  const auto& npe_edges = config_.spectra.npe_edges;
  if (npe_edges.empty()) return std::nullopt;
  NpeEdgesSpectra out{Binning(npe_edges), {}, {}, {}};
  const auto& sel = config_.selection;
  const std::size_t cell_count = cells_.lows.size();
  for (Flavor flavor : own_source_->flavors()) {
    // Integer counts by the bin holding n, a continuous PE by its cells, each selected as
    // the integer bin it lies in.
    Spectrum before(out.npe), after(out.npe);
    const bool delayed = !delayed_time_.empty();
    const std::size_t times = time_binning_.size();
    Spectrum2D signal(out.npe, time_binning_);  // with the delay: filled here
    if (cell_count == 0 && delayed) {
      before.counts = rebin_counts(folded.npe_true.at(flavor), npe_edges);
      const auto selected = selected_npe_time(folded, flavor);
      for (std::size_t n = 0; n < npe_bins_; ++n) {
        const long bin = edge_bin(npe_edges, static_cast<double>(n));
        if (bin < 0) continue;
        for (std::size_t t = 0; t < times; ++t) {
          signal.at(static_cast<std::size_t>(bin), t) += selected[n * times + t];
          after.counts[static_cast<std::size_t>(bin)] += selected[n * times + t];
        }
      }
    } else if (cell_count == 0) {
      before.counts = rebin_counts(folded.npe_true.at(flavor), npe_edges);
      after.counts = rebin_counts(selected_npe(folded, flavor), npe_edges);
    } else {
      const auto& true_cells = folded.cells_true.at(flavor);
      const std::vector<double> no_cells;
      const auto& accepted_cells = continuous_acceptance_ ? folded.cells_accepted.at(flavor) : no_cells;
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        const double constant = groups_[g].selection.constant_efficiency();
        for (std::size_t c = 0; c < cell_count; ++c) {
          if (cells_.edge_bin[c] < 0) continue;
          const auto bin = static_cast<std::size_t>(cells_.edge_bin[c]);
          const auto n = static_cast<int>(cells_.integer_bin[c]);
          const std::size_t i = g * cell_count + c;
          before.counts[bin] += true_cells[i];
          // As SelectionEfficiency::apply: the coincidence at n, then the constant cuts and
          // the acceptance at n (unless it is already integrated over the cell).
          const double coincidence = sel.two_pmt_coincidence ? coincidence_efficiency(n, groups_[g].pmt_share) : 1.0;
          const double kept = continuous_acceptance_ ? accepted_cells[i] * coincidence * constant
                                                     : true_cells[i] * coincidence * (constant * groups_[g].acceptance(n));
          if (!delayed) {
            after.counts[bin] += kept;
            continue;
          }
          const auto& time = delayed_time_.at(flavor)[static_cast<std::size_t>(n)];
          for (std::size_t t = 0; t < times; ++t) {
            signal.at(bin, t) += kept * time[t];
            after.counts[bin] += kept * time[t];
          }
        }
      }
    }
    if (!delayed) {
      const auto& time = time_probability_.at(flavor);
      for (std::size_t n = 0; n < signal.x.size(); ++n)
        for (std::size_t t = 0; t < time.size(); ++t) signal.at(n, t) = after.counts[n] * time[t];
    }
    out.before_selection.emplace(flavor, std::move(before));
    out.signal.emplace(flavor, std::move(signal));
  }
  return out;
}

Spectrum2D SignalResponse::to_npe_edges(const Spectrum2D& s) const {
  const auto& npe_edges = config_.spectra.npe_edges;
  Spectrum2D out(Binning(npe_edges), s.y);
  for (std::size_t n = 0; n < s.x.size(); ++n) {
    const long bin = edge_bin(npe_edges, static_cast<double>(n));
    if (bin < 0) continue;
    for (std::size_t t = 0; t < s.y.size(); ++t) out.at(static_cast<std::size_t>(bin), t) += s.at(n, t);
  }
  return out;
}

}  // namespace cevns
