#include "cevns/reco/waveform_reco.hpp"

#include "cevns/core/cpu_dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace cevns::reco {
namespace {

// The hot loops are plain code written so that GCC and Clang vectorise them on baseline
// x86-64 (SSE2): 16-bit min/max/add/compare and 16 × 16 → 32-bit multiply-add. The
// expensive part of a trigger is the flat baseline, so every pass over it is one of those.

/// Sample blocks whose sums fit 32-bit lanes: 256 × 2048² < 2³¹ (see winsor_adc).
constexpr std::size_t sum_block = 256;
/// Deviations from the reference are winsorised at this in the first baseline pass, and
/// the exclusion band of the second pass is capped at it: 51 single-PE peaks of 40 ADC,
/// far beyond any noise, and small enough that squares of a block sum exactly in 32 bits.
constexpr int winsor_adc = 2047;
/// The pulse search tests blocks of this many samples at once and looks at the samples of
/// a block only when one of them is beyond the threshold or at an ADC limit.
constexpr std::size_t scan_chunk = 64;
/// calibrate_single_pe_charge() needs at least this many charges (RecoConfig::validate()
/// requires as many calibration pulses).
constexpr std::size_t min_calibration_charges = 100;

constexpr int int16_lowest = std::numeric_limits<std::int16_t>::lowest();
constexpr int int16_highest = std::numeric_limits<std::int16_t>::max();

std::int16_t to_int16(long long value) {
  return static_cast<std::int16_t>(std::clamp<long long>(value, int16_lowest, int16_highest));
}

/// The test lo ≤ x ≤ hi for 16-bit samples as one 16-bit add and one signed compare,
/// which vectorise to two instructions: x − lo as an unsigned 16-bit number (out-of-range
/// values wrap to large ones) with its sign bit flipped, so that a signed compare with
/// hi − lo − 2¹⁵ decides. Also usable as max(x + shift) ≤ limit over a block.
struct Range16 {
  std::uint16_t shift = 0;
  std::int16_t limit = 0;

  Range16() = default;
  /// Requires int16 lowest ≤ lo ≤ hi ≤ int16 highest.
  Range16(int lo, int hi)
      : shift(static_cast<std::uint16_t>(0x8000 - lo)), limit(static_cast<std::int16_t>(hi - lo + int16_lowest)) {}

  [[nodiscard]] std::int16_t shifted(std::int16_t x) const {
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(x) + shift);
  }
  [[nodiscard]] bool contains(std::int16_t x) const { return shifted(x) <= limit; }
};

// ---- Baseline ----------------------------------------------------------------------

struct Sums {
  std::int64_t count = 0;
  std::int64_t sum = 0;   // Σ d
  std::int64_t sum2 = 0;  // Σ d²
};

// Pass 1 over n ≤ sum_block samples: d = clamp(x, lo, hi) − ref, lo ≤ ref ≤ hi within
// winsor_adc of ref.
void add_winsorised(const std::int16_t* x, std::size_t n, std::int16_t lo, std::int16_t hi, std::int16_t ref,
                    Sums& sums) {
  std::int32_t s1 = 0;
  std::int32_t s2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto d = static_cast<std::int16_t>(std::min(std::max(x[i], lo), hi) - ref);
    s1 += d;
    s2 += d * d;
  }
  sums.count += static_cast<std::int64_t>(n);
  sums.sum += s1;
  sums.sum2 += s2;
}

// Pass 2 over n ≤ sum_block samples: d = x − ref for the samples in `inside` only,
// which lie within winsor_adc + 1 of ref. Kept in 16-bit lanes: a mask m (−1 inside, 0
// outside), a 16-bit count (n ≤ 256), and Σd from two multiply-adds instead of a widening
// sum: with e = d − m (d + 1 inside), Σe² = Σd² + 2Σd + count.
void add_within(const std::int16_t* x, std::size_t n, Range16 inside, std::int16_t ref, Sums& sums) {
  std::int16_t count = 0;
  std::int32_t d2 = 0;
  std::int32_t e2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int16_t v = x[i];
    const auto m = static_cast<std::int16_t>(-static_cast<std::int16_t>(inside.contains(v)));
    const auto d = static_cast<std::int16_t>(static_cast<std::int16_t>(v - ref) & m);
    const auto e = static_cast<std::int16_t>(d - m);
    count = static_cast<std::int16_t>(count - m);
    d2 += d * d;
    e2 += e * e;
  }
  sums.count += count;
  sums.sum += (e2 - d2 - count) / 2;
  sums.sum2 += d2;
}

template <class AddBlock>
Sums block_sums(std::span<const std::int16_t> x, AddBlock add_block) {
  Sums sums;
  std::size_t i = 0;
  for (; i + sum_block <= x.size(); i += sum_block) add_block(x.data() + i, sum_block, sums);
  add_block(x.data() + i, x.size() - i, sums);
  return sums;
}

struct Baseline {
  double mean = 0.0;
  double rms = 0.0;
  bool valid = false;  // false: no samples
};

Baseline from_sums(const Sums& sums, double reference) {
  const double n = static_cast<double>(sums.count);
  const double mean = static_cast<double>(sums.sum) / n;
  const double variance = static_cast<double>(sums.sum2) / n - mean * mean;
  return Baseline{reference + mean, std::sqrt(std::max(variance, 0.0)), true};
}

/// Mean and rms of the baseline samples, robust against pulses among them:
/// (1) a first mean and rms from 16 blocks of 256 samples spread over them, deviations
/// from a reference (the median of 7 spread samples) winsorised at ±winsor_adc;
/// (2) mean and rms of all samples within max(3 rms, threshold) of that mean, repeated
/// while the band moves by more than half a count (large pulses that inflate the first
/// rms: one more pass). Integer sums, exact; a flat baseline costs one pass and a tenth.
CEVNS_KERNEL_CLONES Baseline estimate_baseline(std::span<const std::int16_t> x, double threshold_adc) {
  if (x.empty()) return {};
  std::int16_t spread[7];
  const std::size_t picks = std::min<std::size_t>(7, x.size());
  for (std::size_t j = 0; j < picks; ++j) spread[j] = x[(2 * j + 1) * x.size() / (2 * picks)];
  std::nth_element(spread, spread + picks / 2, spread + picks);
  const std::int16_t ref1 = spread[picks / 2];
  const std::int16_t lo1 = to_int16(ref1 - winsor_adc);
  const std::int16_t hi1 = to_int16(ref1 + winsor_adc);
  auto winsorised = [&](const std::int16_t* p, std::size_t n, Sums& s) { add_winsorised(p, n, lo1, hi1, ref1, s); };
  constexpr std::size_t first_pass_blocks = 16;
  Sums first;
  if (x.size() <= first_pass_blocks * sum_block) {
    first = block_sums(x, winsorised);
  } else {
    for (std::size_t k = 0; k < first_pass_blocks; ++k)
      winsorised(x.data() + k * (x.size() / first_pass_blocks), sum_block, first);
  }
  Baseline estimate = from_sums(first, ref1);

  constexpr int max_passes = 4;
  constexpr double settled_adc = 0.5;
  double used_mean = estimate.mean;
  double used_band = -1.0;
  for (int pass = 0; pass < max_passes; ++pass) {
    const double band = std::min(std::max(3.0 * estimate.rms, threshold_adc), static_cast<double>(winsor_adc));
    if (std::abs(band - used_band) <= settled_adc && std::abs(estimate.mean - used_mean) <= settled_adc) break;
    const std::int16_t lo = to_int16(static_cast<long long>(std::ceil(estimate.mean - band)));
    const std::int16_t hi = to_int16(static_cast<long long>(std::floor(estimate.mean + band)));
    if (lo > hi) break;
    const std::int16_t ref = std::clamp(to_int16(std::llround(estimate.mean)), lo, hi);
    const Range16 inside(lo, hi);
    const Sums sums =
        block_sums(x, [&](const std::int16_t* p, std::size_t n, Sums& s) { add_within(p, n, inside, ref, s); });
    if (sums.count == 0) break;
    used_mean = estimate.mean;
    used_band = band;
    estimate = from_sums(sums, ref);
  }
  return estimate;
}

// ---- Pulses ------------------------------------------------------------------------

/// Contiguous samples [first, first + length) of the trigger window.
struct Piece {
  std::int64_t first = 0;
  const std::int16_t* data = nullptr;
  std::size_t length = 0;
};

/// Integer levels of the pulse search for one baseline: a sample is over the threshold
/// when x ≤ over (negative pulses) or x ≥ over (positive ones); samples in [quiet_lo,
/// quiet_hi] are neither over it nor at an ADC limit.
struct Levels {
  int over = 0;
  int quiet_lo = 0;
  int quiet_hi = 0;
  int adc_max = 0;
  Range16 quiet;  // [quiet_lo, quiet_hi], unless never_quiet
  bool never_quiet = false;
};

Levels make_levels(double baseline, double threshold, int adc_max, bool negative) {
  Levels levels;
  levels.adc_max = std::clamp(adc_max, 1, int16_highest);
  const double limit = 40000.0;  // beyond any int16 sample, keeps the conversions defined
  if (negative) {
    // baseline − x > threshold ⟺ x < baseline − threshold ⟺ x ≤ ⌈baseline − threshold⌉ − 1.
    levels.over = static_cast<int>(std::clamp(std::ceil(baseline - threshold), -limit, limit)) - 1;
    levels.quiet_lo = std::max(levels.over + 1, 1);
    levels.quiet_hi = levels.adc_max - 1;
  } else {
    levels.over = static_cast<int>(std::clamp(std::floor(baseline + threshold), -limit, limit)) + 1;
    levels.quiet_lo = 1;
    levels.quiet_hi = std::min(levels.over - 1, levels.adc_max - 1);
  }
  levels.never_quiet = levels.quiet_lo > levels.quiet_hi;
  if (!levels.never_quiet) levels.quiet = Range16(levels.quiet_lo, levels.quiet_hi);
  return levels;
}

/// True when every one of the scan_chunk samples is in [quiet_lo, quiet_hi]: one 16-bit
/// add and one max per sample, vectorised, and one compare per chunk.
bool quiet_chunk(const std::int16_t* x, const Levels& levels) {
  std::int16_t highest = int16_lowest;
  for (std::size_t i = 0; i < scan_chunk; ++i) highest = std::max(highest, levels.quiet.shifted(x[i]));
  return highest <= levels.quiet.limit;
}

/// Turns threshold crossings into pulses: integration windows [start − pre, last + post],
/// merged when they overlap — pile-up is one pulse, and so are the noisy tail of a pulse
/// that dips over the threshold again and the pulse it belongs to. A pulse is pretrace or
/// signal by its first crossing, so what piles up on a pretrace pulse across the beam
/// time stays in the pretrace (a dark count within ≈ 50 ns before the beam: ~10⁻⁵ of
/// triggers); splitting there instead would turn its tail into early signal. Charges are
/// integrated over the samples the pieces hold (zero-suppressed samples are baseline by
/// construction).
class PulseBuilder {
 public:
  PulseBuilder(std::span<const Piece> pieces, double baseline, bool negative, const WaveformLayout& layout,
               const RecoConfig& config, ChannelResult& result, std::vector<Pulse>* pretrace_pulses)
      : pieces_(pieces), baseline_(baseline), negative_(negative),
        pretrace_(static_cast<std::int64_t>(layout.pretrace_samples)), sampling_rate_GHz_(layout.sampling_rate_GHz),
        off_beam_start_(layout.off_beam_start_sample), off_beam_samples_(layout.off_beam_samples),
        pre_(config.integration_pre_samples), post_(config.integration_post_samples), result_(result),
        pretrace_pulses_(pretrace_pulses) {}

  /// Samples [start, last] are over the threshold, `extreme` the farthest of them.
  void crossing(std::int64_t start, std::int64_t last, int extreme) {
    const std::int64_t lo = start - pre_;
    const std::int64_t hi = last + post_;
    if (open_) {
      if (lo <= hi_) {
        hi_ = std::max(hi_, hi);
        extreme_ = negative_ ? std::min(extreme_, extreme) : std::max(extreme_, extreme);
        return;
      }
      close();
    }
    open_ = true;
    start_ = start;
    lo_ = lo;
    hi_ = hi;
    extreme_ = extreme;
  }

  void finish() {
    if (open_) close();
  }

 private:
  void close() {
    open_ = false;
    std::int64_t sum = 0;
    std::int64_t count = 0;
    while (next_piece_ < pieces_.size() &&
           pieces_[next_piece_].first + static_cast<std::int64_t>(pieces_[next_piece_].length) <= lo_)
      ++next_piece_;
    for (std::size_t p = next_piece_; p < pieces_.size() && pieces_[p].first <= hi_; ++p) {
      const Piece& piece = pieces_[p];
      const std::int64_t from = std::max(lo_, piece.first) - piece.first;
      const std::int64_t to = std::min(hi_ + 1, piece.first + static_cast<std::int64_t>(piece.length)) - piece.first;
      for (std::int64_t i = from; i < to; ++i) sum += piece.data[i];
      count += std::max<std::int64_t>(to - from, 0);
    }
    const double excursion_sum = static_cast<double>(sum) - static_cast<double>(count) * baseline_;
    const auto charge = static_cast<float>(negative_ ? -excursion_sum : excursion_sum);
    const auto peak = static_cast<float>(negative_ ? baseline_ - extreme_ : extreme_ - baseline_);
    if (start_ < pretrace_) {
      ++result_.pretrace_pulses;
      result_.pretrace_charge += charge;
      if (pretrace_pulses_ != nullptr) pretrace_pulses_->push_back(Pulse{static_cast<std::uint32_t>(start_), charge, peak});
      // The off-beam window is reconstructed as the signal region is: a pulse belongs to
      // it, or to the pretrace before it, by its first crossing.
      if (off_beam_samples_ > 0) {
        if (start_ < off_beam_start_) {
          result_.off_beam_pretrace_charge += charge;
        } else if (start_ < off_beam_start_ + off_beam_samples_) {
          if (result_.off_beam_pulses == 0)
            result_.first_off_beam_time_ns =
                static_cast<float>(static_cast<double>(start_ - off_beam_start_) / sampling_rate_GHz_);
          ++result_.off_beam_pulses;
          result_.off_beam_charge += charge;
        }
      }
    } else {
      if (result_.signal_pulses == 0)
        result_.first_signal_time_ns = static_cast<float>(static_cast<double>(start_ - pretrace_) / sampling_rate_GHz_);
      ++result_.signal_pulses;
      result_.signal_charge += charge;
    }
  }

  std::span<const Piece> pieces_;
  double baseline_;
  bool negative_;
  std::int64_t pretrace_;
  double sampling_rate_GHz_;
  std::int64_t off_beam_start_;
  std::int64_t off_beam_samples_;
  std::int64_t pre_;
  std::int64_t post_;
  ChannelResult& result_;
  std::vector<Pulse>* pretrace_pulses_;
  std::size_t next_piece_ = 0;
  bool open_ = false;
  std::int64_t start_ = 0;
  std::int64_t lo_ = 0;
  std::int64_t hi_ = 0;
  int extreme_ = 0;
};

/// Finds the threshold crossings of one piece, testing whole chunks first.
template <bool Negative>
void scan_piece(const Piece& piece, const Levels& levels, PulseBuilder& builder, bool& saturated) {
  const std::int16_t* x = piece.data;
  bool inside = false;
  std::int64_t start = 0;
  std::int64_t last = 0;
  int extreme = 0;
  auto examine = [&](std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k) {
      const int v = x[k];
      if (v <= 0 || v >= levels.adc_max) saturated = true;
      const bool over = Negative ? v <= levels.over : v >= levels.over;
      if (over) {
        if (!inside) {
          inside = true;
          start = static_cast<std::int64_t>(k);
          extreme = v;
        }
        extreme = Negative ? std::min(extreme, v) : std::max(extreme, v);
        last = static_cast<std::int64_t>(k);
      } else if (inside) {
        inside = false;
        builder.crossing(piece.first + start, piece.first + last, extreme);
      }
    }
  };
  const std::size_t whole = piece.length - piece.length % scan_chunk;
  std::size_t i = 0;
  for (; i < whole; i += scan_chunk) {
    if (!levels.never_quiet && quiet_chunk(x + i, levels)) {
      if (inside) {
        inside = false;
        builder.crossing(piece.first + start, piece.first + last, extreme);
      }
      continue;
    }
    examine(i, i + scan_chunk);
  }
  examine(i, piece.length);
  if (inside) builder.crossing(piece.first + start, piece.first + last, extreme);
}

CEVNS_KERNEL_CLONES void find_pulses(std::span<const Piece> pieces, const WaveformLayout& layout, const RecoConfig& config,
                 ChannelResult& result, std::vector<Pulse>* pretrace_pulses) {
  const double baseline = result.baseline_adc;
  const Levels levels = make_levels(baseline, config.pulse_threshold_adc, layout.adc_max, layout.negative_pulses);
  PulseBuilder builder(pieces, baseline, layout.negative_pulses, layout, config, result, pretrace_pulses);
  bool saturated = false;
  for (const Piece& piece : pieces) {
    if (layout.negative_pulses)
      scan_piece<true>(piece, levels, builder, saturated);
    else
      scan_piece<false>(piece, levels, builder, saturated);
  }
  builder.finish();
  if (saturated) result.flags |= ChannelFlag::saturated;
}

void check_layout(const WaveformLayout& layout) {
  if (!(layout.sampling_rate_GHz > 0.0) || !std::isfinite(layout.sampling_rate_GHz))
    throw std::invalid_argument("waveform reconstruction: sampling rate " + std::to_string(layout.sampling_rate_GHz) +
                                " GHz (must be positive)");
  if (layout.off_beam_samples > 0 &&
      std::uint64_t{layout.off_beam_start_sample} + layout.off_beam_samples > layout.pretrace_samples)
    throw std::invalid_argument("waveform reconstruction: the off-beam window [" +
                                std::to_string(layout.off_beam_start_sample) + ", +" +
                                std::to_string(layout.off_beam_samples) + ") reaches beyond the pretrace of " +
                                std::to_string(layout.pretrace_samples) + " samples");
}

void set_baseline(ChannelResult& result, const Baseline& baseline, const WaveformLayout& layout,
                  const RecoConfig& config) {
  if (!baseline.valid) {
    result.baseline_adc = static_cast<float>(layout.nominal_baseline_adc);
    result.baseline_rms_adc = 0.0F;
    result.flags |= ChannelFlag::bad_baseline;
    return;
  }
  result.baseline_adc = static_cast<float>(baseline.mean);
  result.baseline_rms_adc = static_cast<float>(baseline.rms);
  if (baseline.rms > config.max_baseline_rms_adc) result.flags |= ChannelFlag::bad_baseline;
}

}  // namespace

ChannelResult reconstruct_full(std::span<const std::int16_t> samples, const WaveformLayout& layout,
                               const RecoConfig& config, std::vector<Pulse>* pretrace_pulses) {
  config.validate();
  check_layout(layout);
  ChannelResult result;
  const std::size_t pretrace = std::min<std::size_t>(layout.pretrace_samples, samples.size());
  set_baseline(result, estimate_baseline(samples.first(pretrace), config.pulse_threshold_adc), layout, config);
  if (samples.empty()) return result;
  const Piece piece{0, samples.data(), samples.size()};
  find_pulses(std::span(&piece, 1), layout, config, result, pretrace_pulses);
  return result;
}

ChannelResult reconstruct_segments(const daq::Segments& segments, std::span<const std::size_t> indices,
                                   const WaveformLayout& layout, const RecoConfig& config,
                                   std::vector<Pulse>* pretrace_pulses) {
  config.validate();
  check_layout(layout);
  // Per-thread scratch, reused from call to call.
  thread_local std::vector<Piece> pieces;
  thread_local std::vector<std::int16_t> leading;
  // Baseline samples: those before the first crossing (the DAQ's pre-samples) that are
  // not in its integration window either — the sample just before a crossing is often
  // already on the rising edge.
  const std::uint32_t pre = layout.zero_suppression_pre_samples;
  const std::uint32_t baseline_samples =
      pre > config.integration_pre_samples ? pre - config.integration_pre_samples : pre;
  pieces.clear();
  leading.clear();
  const std::size_t count = segments.size();
  if (segments.channel.size() != count || segments.first_sample.size() != count || segments.length.size() != count ||
      segments.offset.size() != count)
    throw std::invalid_argument("reconstruct_segments: the segment arrays differ in length");
  std::int64_t previous_end = 0;
  for (const std::size_t index : indices) {
    if (index >= segments.size())
      throw std::invalid_argument("reconstruct_segments: segment " + std::to_string(index) + " of " +
                                  std::to_string(segments.size()));
    const std::uint32_t length = segments.length[index];
    const std::uint64_t offset = segments.offset[index];
    const auto first = static_cast<std::int64_t>(segments.first_sample[index]);
    if (offset > segments.samples.size() || length > segments.samples.size() - offset)
      throw std::invalid_argument("reconstruct_segments: segment " + std::to_string(index) +
                                  " reaches beyond the stored samples");
    if (!pieces.empty() && (segments.channel[index] != segments.channel[indices.front()] ||
                            segments.trigger_id[index] != segments.trigger_id[indices.front()] ||
                            first < previous_end))
      throw std::invalid_argument("reconstruct_segments: segment " + std::to_string(index) +
                                  " is not the next one in time of the same trigger and channel");
    const std::int16_t* data = segments.samples.data() + offset;
    pieces.push_back(Piece{first, data, length});
    leading.insert(leading.end(), data, data + std::min(length, baseline_samples));
    previous_end = first + length;
  }

  ChannelResult result;
  if (pieces.empty()) {  // nothing beyond the zero-suppression threshold: a flat baseline
    result.baseline_adc = static_cast<float>(layout.nominal_baseline_adc);
    return result;
  }
  set_baseline(result, estimate_baseline(leading, config.pulse_threshold_adc), layout, config);
  find_pulses(pieces, layout, config, result, pretrace_pulses);
  return result;
}

double calibrate_single_pe_charge(std::span<const float> charges) {
  std::vector<double> q;
  q.reserve(charges.size());
  for (const float c : charges)
    if (c > 0.0F && std::isfinite(c)) q.push_back(c);
  if (q.size() < min_calibration_charges) return 0.0;
  std::sort(q.begin(), q.end());
  const std::size_t n = q.size();
  std::vector<double> s1(n + 1, 0.0);
  std::vector<double> s2(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    s1[i + 1] = s1[i] + q[i];
    s2[i + 1] = s2[i] + q[i] * q[i];
  }

  // Start: the shortest charge interval holding a third of the total charge. Weighting by
  // charge keeps the narrow bump of noise pulses just over the threshold (many pulses,
  // little charge) from winning over the single-PE peak.
  const double third = s1[n] / 3.0;
  std::size_t best_lo = 0;
  std::size_t best_hi = n - 1;
  for (std::size_t lo = 0, hi = 0; lo < n; ++lo) {
    while (hi < n && s1[hi + 1] - s1[lo] < third) ++hi;
    if (hi == n) break;
    if (q[hi] - q[lo] < q[best_hi] - q[best_lo]) {
      best_lo = lo;
      best_hi = hi;
    }
  }
  double centre = 0.5 * (q[best_lo] + q[best_hi]);
  // A third of a Gaussian lies within ±0.4307 σ of its mean.
  double sigma = std::max((q[best_hi] - q[best_lo]) / (2.0 * 0.4307), 1e-6 * centre);

  // Iterate: mean and σ of the charges within ±1.5 σ. The σ of a Gaussian truncated at
  // ±a σ is σ √(1 − 2a φ(a) / (2Φ(a) − 1)); divide by it to recover the full σ.
  constexpr double half_width = 1.5;
  const double phi = std::exp(-0.5 * half_width * half_width) / std::sqrt(2.0 * 3.141592653589793);
  const double truncated_sigma = std::sqrt(1.0 - 2.0 * half_width * phi / std::erf(half_width / std::sqrt(2.0)));
  for (int iteration = 0; iteration < 200; ++iteration) {
    const auto lo = static_cast<std::size_t>(std::lower_bound(q.begin(), q.end(), centre - half_width * sigma) - q.begin());
    const auto hi = static_cast<std::size_t>(std::upper_bound(q.begin(), q.end(), centre + half_width * sigma) - q.begin());
    if (hi <= lo + 2) break;
    const double m = static_cast<double>(hi - lo);
    const double mean = (s1[hi] - s1[lo]) / m;
    const double variance = std::max((s2[hi] - s2[lo]) / m - mean * mean, 0.0);
    const double next_sigma = std::max(std::sqrt(variance) / truncated_sigma, 1e-6 * mean);
    const bool converged = std::abs(mean - centre) <= 1e-9 * mean && std::abs(next_sigma - sigma) <= 1e-9 * sigma;
    centre = mean;
    sigma = next_sigma;
    if (converged) break;
  }
  return centre;
}

}  // namespace cevns::reco
