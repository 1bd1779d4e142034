#include "cevns/experiment/signal_response.hpp"

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
  npe_binning_ = Binning::uniform(-0.5, config.spectra.npe_max + 0.5, config.spectra.npe_max + 1);
  time_binning_ = time_bins_of(config.spectra);
  npe_bins_ = npe_binning_.size();
  const bool gamma_resolution = config.detector.resolution.model == ResolutionModel::gamma;
  continuous_acceptance_ = gamma_resolution && config.selection.acceptance.model != AcceptanceModel::none &&
                           config.selection.acceptance.evaluate_at == AcceptanceEvaluation::continuous;
  // Crystals with the same light yield share one folding.
  std::map<double, double> light_yield_shares;
  for (int c = 0; c < config.detector.crystals; ++c)
    light_yield_shares[config.detector.light_yield(c)] += 1.0 / config.detector.crystals;
  std::vector<double> probabilities;
  for (std::size_t ic = 0; ic < target.components().size(); ++ic) {
    const auto& component = target.components()[ic];
    const Quenching quenching(config.detector.quenching, component.isotope);
    for (Flavor flavor : all_flavors) {
      // The end point and the scale do not depend on the cross section's parameters.
      const RecoilRate rate(config, source, component, flavor);
      Channel ch{ic, flavor, {}, {}, {}, {}};
      for_each_recoil_node(rate.max_recoil(), panels_for_npe, [&](double recoil, double weight) {
        ch.recoil_MeV.push_back(recoil);
        ch.weight_MeV.push_back(weight);
        const std::size_t row = ch.p_true.size();
        ch.p_true.resize(row + npe_bins_, 0.0);
        if (continuous_acceptance_) ch.p_accepted.resize(row + npe_bins_, 0.0);
        const double visible_keVee = in_keVee(quenching.electron_equivalent(RecoilEnergy(recoil)));
        for (const auto& [light_yield, share] : light_yield_shares) {
          if (gamma_resolution) {
            const double shape = config.detector.resolution.shape(visible_keVee);
            gamma_pe_probabilities(light_yield * visible_keVee, shape, npe_bins_, probabilities);
            for (std::size_t n = 0; n < npe_bins_; ++n) ch.p_true[row + n] += share * probabilities[n];
            if (continuous_acceptance_) {
              gamma_pe_probabilities(light_yield * visible_keVee, shape, npe_bins_, probabilities,
                                     &config.selection.acceptance);
              for (std::size_t n = 0; n < npe_bins_; ++n) ch.p_accepted[row + n] += share * probabilities[n];
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
      });
      channels_.push_back(std::move(ch));
    }
  }
  // Arrival times: the selected signal keeps ε(t) of each arrival, per flavour.
  for (Flavor flavor : all_flavors) {
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
  }
}

std::size_t SignalResponse::node_count() const {
  std::size_t n = 0;
  for (const auto& c : channels_) n += c.recoil_MeV.size();
  return n;
}

SignalResponse::Folded SignalResponse::fold(const PhysicsConfig& physics) const {
  Folded out;
  for (Flavor flavor : all_flavors) {
    out.npe_true[flavor].assign(npe_bins_, 0.0);
    if (continuous_acceptance_) out.npe_accepted[flavor].assign(npe_bins_, 0.0);
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
    auto& npe = out.npe_true[ch.flavor];
    for (std::size_t k = 0; k < events.size(); ++k) {
      const double* row = ch.p_true.data() + k * npe_bins_;
      for (std::size_t n = 0; n < npe_bins_; ++n) npe[n] += events[k] * row[n];
    }
    if (continuous_acceptance_) {
      auto& accepted = out.npe_accepted[ch.flavor];
      for (std::size_t k = 0; k < events.size(); ++k) {
        const double* row = ch.p_accepted.data() + k * npe_bins_;
        for (std::size_t n = 0; n < npe_bins_; ++n) accepted[n] += events[k] * row[n];
      }
    }
  }
  return out;
}

std::map<Flavor, Spectrum2D> SignalResponse::select(const Folded& folded) const {
  const SelectionEfficiency selection(config_.detector, config_.selection, config_.spectra.npe_max);
  // With the acceptance folded in at the continuous PE, the rest of the selection without it.
  SelectionConfig without_acceptance = config_.selection;
  without_acceptance.acceptance.model = AcceptanceModel::none;
  const SelectionEfficiency rest_of_selection(config_.detector, without_acceptance, config_.spectra.npe_max);
  std::map<Flavor, Spectrum2D> out;
  for (Flavor flavor : all_flavors) {
    const auto after = continuous_acceptance_ ? rest_of_selection.apply(folded.npe_accepted.at(flavor))
                                              : selection.apply(folded.npe_true.at(flavor));
    const auto& time = time_probability_.at(flavor);
    Spectrum2D signal(npe_binning_, time_binning_);
    for (std::size_t n = 0; n < npe_bins_; ++n)
      for (std::size_t t = 0; t < time.size(); ++t) signal.at(n, t) = after[n] * time[t];
    out.emplace(flavor, std::move(signal));
  }
  return out;
}

}  // namespace cevns
