#include "cevns/background/background.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "cevns/core/error.hpp"
#include "cevns/core/units.hpp"

namespace cevns {
void BackgroundTemplateConfig::validate(const std::string& key) const {
  if (name.empty()) throw InvalidValue(key + ".name", "\"\"", "every background needs a name");
  if (model == BackgroundKind::pmt_dark_counts) {
    // Computed from daq.pmt: a count or shape here would be ignored, so it is refused.
    if (roi_events != 0.0)
      throw InvalidValue(key + ".roi_events", format_value(roi_events),
                         "does not apply to model = \"pmt-dark-counts\" (its count is computed from daq.pmt "
                         "and the selection); remove it");
    return;
  }
  // Counts in the region of interest: CLOVERS Table 2 lists 7–666 for 2160 kg·days.
  require_range(key + ".roi_events", roi_events, 0.0, 1e9, "events after the selection in the region of interest");
  require_range(key + ".reference_kg_days", reference_kg_days, 1e-3, 1e8, "a mass × days of data taking");
  // 10⁴ per kg·day in the ROI is 3·10⁴ times CLOVERS' largest background (0.31): a rate the
  // simulation can still make in memory.
  if (roi_events / reference_kg_days > 1e4)
    throw InvalidValue(key + ".roi_events", format_value(roi_events),
                       "is more than 10⁴ events per kg·day (with reference_kg_days = " + format_value(reference_kg_days) +
                           "); CLOVERS' largest background is 0.31");
  // Below 0.1 PE the exponential puts everything in the 0-PE bin, above 10⁴ it is flat.
  require_range(key + ".npe_decay_PE", npe_decay_PE, 0.1, 1e4, "photoelectrons");
}

TemplateBackground::TemplateBackground(BackgroundTemplateConfig config) : config_(std::move(config)) {}

Spectrum2D TemplateBackground::expected(const Binning& npe, const Binning& time_us,
                                        const BackgroundContext& context) const {
  // NPE shape, normalised to one in the region of interest.
  Spectrum npe_shape(npe);
  double in_roi = 0.0;
  for (std::size_t bin = 0; bin < npe.size(); ++bin) {
    const double n = npe.center(bin);
    npe_shape.counts[bin] = config_.npe_shape == NpeShape::flat ? 1.0 : std::exp(-n / config_.npe_decay_PE);
    if (n >= context.roi_npe_min && n <= context.roi_npe_max) in_roi += npe_shape.counts[bin];
  }
  const double events = config_.roi_events * context.exposure_kg_days / config_.reference_kg_days;
  for (double& c : npe_shape.counts) c *= in_roi > 0.0 ? events / in_roi : 0.0;

  // Time shape over the window, normalised by Spectrum2D::outer.
  Spectrum time_shape(time_us);
  for (std::size_t bin = 0; bin < time_us.size(); ++bin)
    time_shape.counts[bin] =
        config_.time_shape == TimeShape::flat
            ? time_us.width(bin)
            : context.arrival_time->probability(Flavor::nu_mu, time_us.low(bin) * units::us, time_us.high(bin) * units::us);
  return Spectrum2D::outer(npe_shape, time_shape);
}

namespace {

/// P(X < x) for X normal with `mean` and `sd`; sd = 0: a step at the mean.
double normal_below(double x, double mean, double sd) {
  if (sd <= 0.0) return x > mean ? 1.0 : 0.0;
  return 0.5 * std::erfc(-(x - mean) / (sd * std::numbers::sqrt2));
}

/// Photoelectrons of one dark pulse: 1, or with the multi-PE fraction 1 + max(1, Poisson(mean))
/// — as daq::Simulation draws them. Index j = PE.
std::vector<double> pulse_photoelectrons(const DarkCountInputs& pmt) {
  std::vector<double> q{0.0, 1.0 - pmt.multi_pe_fraction};
  double poisson = std::exp(-pmt.multi_pe_mean), cumulative = 0.0;
  for (int extra = 0; extra < 200; ++extra) {
    if (extra > 0) poisson *= pmt.multi_pe_mean / extra;
    cumulative += poisson;
    if (extra == 0) continue;  // max(1, ·): 0 extra counts as 1
    const double p = extra == 1 ? poisson + std::exp(-pmt.multi_pe_mean) : poisson;
    q.push_back(pmt.multi_pe_fraction * p);
    if (1.0 - cumulative < 1e-15) break;
  }
  return q;
}

/// P(k PE in [from, to) of one PMT's window) for k = 0 … size − 1: dark pulses uniform over
/// the whole window (Poisson), each PE of a pulse followed by an afterpulse with its
/// probability after a normal delay (clipped at 0) — a compound Poisson distribution,
/// computed by Panjer's recursion from the expected pulses making k PE in the region.
std::vector<double> region_photoelectrons(const DarkCountInputs& pmt, double from_ns, double to_ns, std::size_t size) {
  const auto q = pulse_photoelectrons(pmt);
  const double window = pmt.window_ns;
  std::vector<double> levy(size, 0.0);  // expected pulses per trigger giving k PE in the region
  // Midpoint rule in 2000 steps per stretch before, inside and after the region, whose
  // edges the afterpulse probability has kinks at.
  constexpr int steps = 2000;
  const double rate_per_ns = pmt.dark_rate_Hz * 1e-9;
  const double edges[] = {0.0, from_ns, to_ns, window};
  for (int stretch = 0; stretch < 3; ++stretch) {
    for (int step = 0; step < steps; ++step) {
      const double dt = (edges[stretch + 1] - edges[stretch]) / steps;
      if (dt <= 0.0) break;
      const double t = edges[stretch] + (step + 0.5) * dt;
      const bool inside = stretch == 1;
      // Where the afterpulse of a PE at t lands in the region: t + max(delay, 0) in [from, to).
      const double mu = pmt.afterpulse_delay_ns, sd = pmt.afterpulse_delay_spread_ns;
      double lands = inside ? normal_below(0.0, mu, sd) : 0.0;
      const double low = std::max(from_ns - t, 0.0), high = to_ns - t;
      if (high > low) lands += normal_below(high, mu, sd) - normal_below(low, mu, sd);
      const double a = std::clamp(pmt.afterpulse_probability * lands, 0.0, 1.0 - 1e-12);
      for (std::size_t j = 1; j < q.size(); ++j) {
        // k = j (inside) + Binomial(j, a) afterpulses.
        double b = std::pow(1.0 - a, static_cast<double>(j));
        for (std::size_t i = 0; i <= j; ++i) {
          const std::size_t k = (inside ? j : 0) + i;
          if (k > 0 && k < size) levy[k] += rate_per_ns * dt * q[j] * b;
          b *= a / (1.0 - a) * static_cast<double>(j - i) / static_cast<double>(i + 1);
        }
      }
    }
  }
  double total = 0.0;
  for (double l : levy) total += l;
  std::vector<double> p(size, 0.0);
  p[0] = std::exp(-total);
  for (std::size_t k = 1; k < size; ++k) {
    double sum = 0.0;
    for (std::size_t i = 1; i <= k; ++i) sum += static_cast<double>(i) * levy[i] * p[k - i];
    p[k] = sum / static_cast<double>(k);
  }
  return p;
}

}  // namespace

DarkCountsPerTrigger dark_counts_per_trigger(const DarkCountInputs& pmt, const DetectorConfig& detector,
                                             const SelectionConfig& selection, int npe_max) {
  DarkCountsPerTrigger r;
  const auto size = static_cast<std::size_t>(npe_max) + 1;
  r.pmt_signal_pe = region_photoelectrons(pmt, pmt.pretrace_ns, pmt.window_ns, size);
  r.pmt_pretrace_pe = region_photoelectrons(pmt, 0.0, pmt.pretrace_ns, size);
  const double sigma = pmt.spe_resolution;

  // Criterion 2 per PMT: pretrace charge (k PE: k ± σ√k) below max_pretrace_npe.
  r.pretrace_quiet = r.pmt_pretrace_pe[0];
  for (std::size_t k = 1; k < size; ++k)
    r.pretrace_quiet += r.pmt_pretrace_pe[k] * normal_below(selection.max_pretrace_npe, double(k), sigma * std::sqrt(double(k)));
  if (!selection.afterglow_cut) r.pretrace_quiet = 1.0;

  // One PMT's signal charge on a grid of 0.05 PE (cell i: charge i·dq), restricted to what
  // passes its half of criterion 3 (charge ≥ min_pmt_npe), then the crystal's charge as the
  // sum of its two PMTs (a convolution) and its NPE as the charge rounded.
  constexpr double dq = 0.05;
  std::size_t k_max = size - 1;  // the PE count beyond which nothing is left
  while (k_max > 1 && r.pmt_signal_pe[k_max] < 1e-300) --k_max;
  const double q_max = std::min(double(size), double(k_max) + 8.0 * sigma * std::sqrt(double(k_max)) + 1.0);
  const auto cells = static_cast<std::size_t>(q_max / dq) + 1;
  const bool coincidence = selection.two_pmt_coincidence;
  const double threshold = coincidence ? selection.min_pmt_npe : -1.0;
  std::vector<double> pmt_charge(cells, 0.0);
  if (!coincidence) pmt_charge[0] = r.pmt_signal_pe[0];
  for (std::size_t k = 1; k <= k_max; ++k) {
    const double sd = sigma * std::sqrt(double(k));
    for (std::size_t i = 0; i < cells; ++i) {
      const double low = std::max((double(i) - 0.5) * dq, threshold), high = (double(i) + 0.5) * dq;
      if (high <= low) continue;
      pmt_charge[i] += r.pmt_signal_pe[k] * (normal_below(high, double(k), sd) - normal_below(low, double(k), sd));
    }
  }
  std::vector<double> crystal(size, 0.0);  // P(passes criterion 3 and shows m NPE)
  for (std::size_t i = 0; i < cells; ++i) {
    if (pmt_charge[i] == 0.0) continue;
    for (std::size_t j = 0; j < cells; ++j) {
      const double charge = double(i + j) * dq;
      const auto m = std::min(static_cast<std::size_t>(std::floor(charge + 0.5 + 1e-9)), size - 1);
      crystal[m] += pmt_charge[i] * pmt_charge[j];
    }
  }
  crystal[0] = 0.0;  // no light in the signal region: not a candidate
  for (double c : crystal) r.crystal_coincidence += c;

  // Criteria 1, 2 (as the constant efficiencies of every prediction, times the dark pulses'
  // own pretrace rejection in all 2N PMTs) and 4 (no other crystal passing criterion 3).
  const int crystals = detector.crystals;
  double per_crystal = (selection.muon_veto ? selection.muon_veto_efficiency : 1.0) *
                       (selection.afterglow_cut ? selection.afterglow_efficiency : 1.0) *
                       std::pow(r.pretrace_quiet, 2.0 * crystals);
  if (selection.single_crystal) per_crystal *= std::pow(1.0 - r.crystal_coincidence, crystals - 1.0);
  r.selected_npe.assign(size, 0.0);
  for (std::size_t m = 0; m < size; ++m)
    r.selected_npe[m] = crystals * per_crystal * crystal[m] * selection.acceptance(static_cast<int>(m));
  return r;
}

Spectrum2D PmtDarkCountBackground::expected(const Binning& npe, const Binning& time_us,
                                            const BackgroundContext& context) const {
  if (context.dark_counts == nullptr || context.detector == nullptr || context.selection == nullptr)
    throw std::logic_error("PmtDarkCountBackground needs the PMT, detector and selection of the context");
  const auto& pmt = *context.dark_counts;
  const auto per_trigger = dark_counts_per_trigger(pmt, *context.detector, *context.selection,
                                                   static_cast<int>(npe.size()) - 1);
  Spectrum npe_counts(npe);
  for (std::size_t m = 0; m < npe.size(); ++m) npe_counts.counts[m] = per_trigger.selected_npe[m] * context.triggers;

  // Arrival time: the crystal's first pulse, the earlier of its two PMTs' first pulses —
  // each uniform-Poisson over the signal region — so P(arrival < t) = 1 − (1 − F₁(t))²
  // with F₁(t) = (1 − e^(−λt)) / (1 − e^(−λT)), t from the start of the signal region.
  const double region_ns = pmt.window_ns - pmt.pretrace_ns;
  const double lambda = -std::log(std::max(1e-300, per_trigger.pmt_signal_pe[0])) / region_ns;  // pulses per ns
  const auto first_before = [&](double t_us) {
    const double t = std::clamp(t_us * units::us + pmt.beam_delay_ns, 0.0, region_ns);
    const double f1 = lambda * region_ns < 1e-9 ? t / region_ns : -std::expm1(-lambda * t) / -std::expm1(-lambda * region_ns);
    return 1.0 - (1.0 - f1) * (1.0 - f1);
  };
  Spectrum time_shape(time_us);
  for (std::size_t bin = 0; bin < time_us.size(); ++bin)
    time_shape.counts[bin] = first_before(time_us.high(bin)) - first_before(time_us.low(bin));
  // Spectrum2D::outer normalises the time shape to one: the share beyond the spectra window
  // is lost, as in the selection, so scale by the share inside.
  const double inside = first_before(time_us.high(time_us.size() - 1)) - first_before(time_us.low(0));
  for (double& c : npe_counts.counts) c *= inside;
  return Spectrum2D::outer(npe_counts, time_shape);
}

std::vector<std::unique_ptr<BackgroundModel>> make_backgrounds(const std::vector<BackgroundTemplateConfig>& configs) {
  std::vector<std::unique_ptr<BackgroundModel>> models;
  for (const auto& c : configs) {
    if (c.model == BackgroundKind::pmt_dark_counts)
      models.push_back(std::make_unique<PmtDarkCountBackground>(c.name));
    else
      models.push_back(std::make_unique<TemplateBackground>(c));
  }
  return models;
}

}  // namespace cevns
