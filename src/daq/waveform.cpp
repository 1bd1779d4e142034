#include "cevns/daq/waveform.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <tuple>
#include <stdexcept>
#include <string>
#include <utility>

#include "cevns/core/error.hpp"

namespace cevns::daq {

struct WaveformSynthesizer::Pulse {
  std::int64_t first_sample;  // first sample at or after the PE (may be < 0)
  float amplitude_adc;        // spe_amplitude_adc × charge
  std::uint32_t index;        // in the caller's span: a deterministic tie-break for sorting
  std::uint16_t channel;
  std::uint16_t phase;        // template: first sample phase/pulse_phases after the PE
};

namespace {

constexpr std::size_t chunk_samples = 2048;  // full mode works in L1-sized chunks

/// Uniform in (0, 1] from the top 53 bits.
double uniform_open_closed(Rng& rng) { return (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53; }

constexpr double two_pi = 2.0 * 3.141592653589793;

/// Box–Muller: two independent standard normal values (explicit, so that a seed gives the
/// same numbers with every standard library).
std::pair<double, double> standard_normal_pair(Rng& rng) {
  const double radius = std::sqrt(-2.0 * std::log(uniform_open_closed(rng)));
  const double angle = two_pi * uniform_open_closed(rng);
  return {radius * std::cos(angle), radius * std::sin(angle)};
}

/// Element `i` of the SplitMix64 sequence seeded with `key` (Steele, Lea & Flood, OOPSLA
/// 2014; the finaliser of Java's SplittableRandom): counter-based, so any element costs
/// the same and a trigger's channels can be drawn in any order, or not at all.
std::uint64_t split_mix(std::uint64_t key, std::uint64_t i) {
  std::uint64_t z = key + (i + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Scratch buffers, reused by each thread from trigger to trigger.
struct Scratch {
  std::vector<float> acc;
  std::vector<std::int16_t> values;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

WaveformSynthesizer::WaveformSynthesizer(const DigitizerConfig& digitizer, const PmtConfig& pmt,
                                         const ZeroSuppressionConfig& zero_suppression, std::uint16_t channels)
    : digitizer_(digitizer), pmt_(pmt), zero_suppression_(zero_suppression), channels_(channels) {
  digitizer_.validate();
  pmt_.validate();
  zero_suppression_.validate();
  if (channels_ == 0) throw InvalidValue("daq channels", "0", "must be at least one PMT channel");
  samples_ = digitizer_.samples();
  if (samples_ == 0)
    throw InvalidValue("daq.digitizer.window_us", format_value(digitizer_.window_us), "gives no sample at this sampling rate");
  sample_period_ns_ = 1.0 / digitizer_.sampling_rate_GHz;

  // Single-PE template: f(t) = (exp(−t/τd) − exp(−t/τr)) / f(t_peak).
  const double rise = pmt_.pulse_rise_ns;
  const double decay = pmt_.pulse_decay_ns;
  const double peak_ns = rise * decay / (decay - rise) * std::log(decay / rise);
  const double peak = std::exp(-peak_ns / decay) - std::exp(-peak_ns / rise);
  const double length_ns = peak_ns + pulse_length_decay_times * decay;
  pulse_samples_ = static_cast<std::size_t>(std::ceil(length_ns / sample_period_ns_)) + 1;
  const double sign = digitizer_.negative_pulses ? -1.0 : 1.0;
  templates_.assign(pulse_phases * pulse_samples_, 0.0F);
  for (int d = 0; d < pulse_phases; ++d) {
    for (std::size_t j = 0; j < pulse_samples_; ++j) {
      const double t = (static_cast<double>(j) + static_cast<double>(d) / pulse_phases) * sample_period_ns_;
      if (t > length_ns) break;  // the cut
      templates_[d * pulse_samples_ + j] =
          static_cast<float>(sign * (std::exp(-t / decay) - std::exp(-t / rise)) / peak);
    }
  }

  // Noise table: independent Gaussian values, redrawn beyond ±4.5σ, standardised to mean 0
  // and σ = noise_adc. The table is read again and again at random offsets, so one extreme
  // value would reappear in a large share of triggers (a single −5.3σ entry gave a noise
  // pulse in 44 % of them); the true tail beyond 4.5σ (7e-6 per sample) is left out.
  if (digitizer_.noise_adc > 0.0) {
    const std::size_t wanted = static_cast<std::size_t>(channels_) * samples_;
    const std::size_t length =
        std::clamp(std::bit_ceil(wanted), min_noise_table_samples, max_noise_table_samples);
    std::vector<double> values(length);
    Rng rng = random_stream(noise_table_seed, 0);
    constexpr double tail = 4.5;
    for (std::size_t i = 0; i < length; i += 2) {
      auto [a, b] = standard_normal_pair(rng);
      while (std::abs(a) > tail || std::abs(b) > tail) std::tie(a, b) = standard_normal_pair(rng);
      values[i] = a;
      values[i + 1] = b;
    }
    double mean = 0.0;
    for (double v : values) mean += v;
    mean /= static_cast<double>(length);
    double variance = 0.0;
    for (double v : values) variance += (v - mean) * (v - mean);
    variance /= static_cast<double>(length);
    const double scale = digitizer_.noise_adc / std::sqrt(variance);
    noise_.resize(length);
    for (std::size_t i = 0; i < length; ++i) noise_[i] = static_cast<float>((values[i] - mean) * scale);
    noise_mask_ = length - 1;
  }
}

void WaveformSynthesizer::place_pulses(std::span<const Photoelectron> pes, std::vector<Pulse>& pulses) const {
  pulses.clear();
  pulses.reserve(pes.size());
  const double phases_per_ns = digitizer_.sampling_rate_GHz * pulse_phases;
  const double lowest = -static_cast<double>(pulse_samples_ + 2) * pulse_phases;
  const double highest = (static_cast<double>(samples_) + 2.0) * pulse_phases;
  for (std::size_t i = 0; i < pes.size(); ++i) {
    const Photoelectron& pe = pes[i];
    if (pe.channel >= channels_)
      throw std::invalid_argument("WaveformSynthesizer: photoelectron on channel " + std::to_string(pe.channel) +
                                  " of " + std::to_string(channels_));
    if (!std::isfinite(pe.time_ns) || !std::isfinite(pe.charge))
      throw std::invalid_argument("WaveformSynthesizer: photoelectron with non-finite time or charge");
    const float amplitude = static_cast<float>(pmt_.spe_amplitude_adc) * pe.charge;
    const double position = static_cast<double>(pe.time_ns) * phases_per_ns;  // in 1/pulse_phases samples
    if (amplitude == 0.0F || !(position > lowest && position < highest)) continue;
    const std::int64_t q = std::llround(position);
    // First sample at or after the PE: ceil(q / pulse_phases), for either sign of q.
    const std::int64_t first = q >= 0 ? (q + pulse_phases - 1) / pulse_phases : -((-q) / pulse_phases);
    if (first >= static_cast<std::int64_t>(samples_) || first + static_cast<std::int64_t>(pulse_samples_) <= 0) continue;
    pulses.push_back(Pulse{first, amplitude, static_cast<std::uint32_t>(i), pe.channel,
                           static_cast<std::uint16_t>(first * pulse_phases - q)});
  }
  std::sort(pulses.begin(), pulses.end(), [](const Pulse& a, const Pulse& b) {
    if (a.channel != b.channel) return a.channel < b.channel;
    if (a.first_sample != b.first_sample) return a.first_sample < b.first_sample;
    return a.index < b.index;
  });
}

std::uint64_t WaveformSynthesizer::noise_offset(std::uint64_t trigger_key) { return split_mix(trigger_key, 0); }

float WaveformSynthesizer::channel_baseline_adc(std::uint64_t trigger_key, std::uint16_t channel) const {
  // Box–Muller from elements 2c + 1 and 2c + 2 of the trigger's sequence.
  const double u1 = (static_cast<double>(split_mix(trigger_key, 2 * std::uint64_t{channel} + 1) >> 11) + 1.0) * 0x1.0p-53;
  const double u2 = static_cast<double>(split_mix(trigger_key, 2 * std::uint64_t{channel} + 2) >> 11) * 0x1.0p-53;
  const double gauss = std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
  return static_cast<float>(digitizer_.baseline_adc + digitizer_.baseline_spread_adc * gauss);
}

void WaveformSynthesizer::synthesise(float baseline_adc, std::uint64_t table_start, std::int64_t first, std::size_t n,
                                     const Pulse* begin, const Pulse* end, float* acc) const {
  if (noise_.empty()) {
    std::fill(acc, acc + n, baseline_adc);
  } else {
    // Samples [first, first + n) read table entries (table_start + first + j) mod length, in
    // at most two contiguous pieces.
    const float* noise = noise_.data();
    const std::size_t start = (table_start + static_cast<std::uint64_t>(first)) & noise_mask_;
    const std::size_t piece = std::min(n, noise_.size() - start);
    for (std::size_t j = 0; j < piece; ++j) acc[j] = baseline_adc + noise[start + j];
    for (std::size_t j = piece; j < n; ++j) acc[j] = baseline_adc + noise[j - piece];
  }
  const std::int64_t last = first + static_cast<std::int64_t>(n);
  for (const Pulse* p = begin; p != end; ++p) {
    const std::int64_t lo = std::max(first, p->first_sample);
    const std::int64_t hi = std::min(last, p->first_sample + static_cast<std::int64_t>(pulse_samples_));
    if (lo >= hi) continue;
    const float* shape = templates_.data() + p->phase * pulse_samples_ + (lo - p->first_sample);
    float* target = acc + (lo - first);
    const float amplitude = p->amplitude_adc;
    const auto count = static_cast<std::size_t>(hi - lo);
    for (std::size_t j = 0; j < count; ++j) target[j] += amplitude * shape[j];
  }
}

void WaveformSynthesizer::quantise(const float* acc, std::size_t n, std::int16_t* out) const {
  // Clamp first, then round half up by truncation: the loop vectorises (min/max, cvtt).
  const float top = static_cast<float>(digitizer_.adc_max());
  for (std::size_t j = 0; j < n; ++j) {
    const float clamped = std::min(std::max(acc[j], 0.0F), top);
    out[j] = static_cast<std::int16_t>(static_cast<std::int32_t>(clamped + 0.5F));
  }
}

void WaveformSynthesizer::full(std::span<const Photoelectron> pes, Rng& rng, std::span<std::int16_t> out) const {
  if (out.size() != static_cast<std::size_t>(channels_) * samples_)
    throw std::invalid_argument("WaveformSynthesizer::full: output holds " + std::to_string(out.size()) +
                                " samples, needs channels × samples = " +
                                std::to_string(static_cast<std::size_t>(channels_) * samples_));
  Scratch& s = scratch();
  thread_local std::vector<Pulse> pulses;
  place_pulses(pes, pulses);
  const std::uint64_t key = rng();
  const std::uint64_t table_offset = noise_offset(key);
  s.acc.resize(chunk_samples);

  const Pulse* next = pulses.data();
  const Pulse* const all_end = pulses.data() + pulses.size();
  const auto length = static_cast<std::int64_t>(pulse_samples_);
  for (std::uint16_t c = 0; c < channels_; ++c) {
    const Pulse* channel_end = next;
    while (channel_end != all_end && channel_end->channel == c) ++channel_end;
    const std::uint64_t table_start = table_offset + static_cast<std::uint64_t>(c) * samples_;
    const float baseline = channel_baseline_adc(key, c);
    std::int16_t* channel_out = out.data() + static_cast<std::size_t>(c) * samples_;
    // Pulses are sorted by first sample and all have the same length, so they also end in
    // order: [active, channel_end) starting before the chunk's end are those that touch it.
    const Pulse* active = next;
    for (std::uint32_t first = 0; first < samples_; first += chunk_samples) {
      const std::size_t n = std::min<std::size_t>(chunk_samples, samples_ - first);
      const std::int64_t chunk_end = static_cast<std::int64_t>(first) + static_cast<std::int64_t>(n);
      while (active != channel_end && active->first_sample + length <= static_cast<std::int64_t>(first)) ++active;
      const Pulse* touching_end = active;
      while (touching_end != channel_end && touching_end->first_sample < chunk_end) ++touching_end;
      synthesise(baseline, table_start, first, n, active, touching_end, s.acc.data());
      quantise(s.acc.data(), n, channel_out + first);
    }
    next = channel_end;
  }
}

void WaveformSynthesizer::zero_suppressed(std::uint64_t trigger_id, std::span<const Photoelectron> pes, Rng& rng,
                                          Segments& out) const {
  if (pes.empty()) return;
  thread_local std::vector<Pulse> pulses;
  place_pulses(pes, pulses);
  if (pulses.empty()) return;
  Scratch& s = scratch();
  const std::uint64_t key = rng();
  const std::uint64_t table_offset = noise_offset(key);

  const auto length = static_cast<std::int64_t>(pulse_samples_);
  const auto pre = static_cast<std::int64_t>(zero_suppression_.pre_samples);
  const auto post = static_cast<std::int64_t>(zero_suppression_.post_samples);
  const auto window_end = static_cast<std::int64_t>(samples_);
  const double threshold = zero_suppression_.threshold_adc;

  auto append = [&](std::uint16_t channel, std::int64_t region_first, std::int64_t lo, std::int64_t hi) {
    out.trigger_id.push_back(trigger_id);
    out.channel.push_back(channel);
    out.first_sample.push_back(static_cast<std::uint32_t>(lo));
    out.length.push_back(static_cast<std::uint32_t>(hi - lo));
    out.offset.push_back(out.samples.size());
    const std::int16_t* from = s.values.data() + (lo - region_first);
    out.samples.insert(out.samples.end(), from, from + (hi - lo));
  };

  const Pulse* p = pulses.data();
  const Pulse* const all_end = pulses.data() + pulses.size();
  std::uint16_t baseline_channel = channels_;  // none yet
  float baseline = 0.0F;
  while (p != all_end) {
    // A cluster: pulses of one channel whose possible segments [first − pre, first + length
    // + post) overlap or touch; its region holds every sample they can contribute to.
    const std::uint16_t channel = p->channel;
    const Pulse* cluster_begin = p;
    std::int64_t region_first = std::max<std::int64_t>(0, p->first_sample - pre);
    std::int64_t region_end = std::min(window_end, p->first_sample + length + post);
    for (++p; p != all_end && p->channel == channel && p->first_sample - pre <= region_end; ++p)
      region_end = std::min(window_end, std::max(region_end, p->first_sample + length + post));
    const Pulse* cluster_end = p;
    const auto n = static_cast<std::size_t>(region_end - region_first);

    s.acc.resize(std::max(s.acc.size(), n));
    s.values.resize(std::max(s.values.size(), n));
    const std::uint64_t table_start = table_offset + static_cast<std::uint64_t>(channel) * samples_;
    if (channel != baseline_channel) {
      baseline = channel_baseline_adc(key, channel);
      baseline_channel = channel;
    }
    synthesise(baseline, table_start, region_first, n, cluster_begin, cluster_end, s.acc.data());
    quantise(s.acc.data(), n, s.values.data());

    // |v − baseline| > threshold for an integer v ⟺ v > ⌊baseline + threshold⌋ or
    // v < ⌈baseline − threshold⌉.
    const auto above = static_cast<std::int32_t>(std::floor(static_cast<double>(baseline) + threshold));
    const auto below = static_cast<std::int32_t>(std::ceil(static_cast<double>(baseline) - threshold));
    const std::int16_t* values = s.values.data();
    // Excursions beyond the threshold within a pulse's span open [k − pre, k + post + 1),
    // merged. The spans come in order (sorted by first sample, equal lengths).
    std::int64_t open_lo = -1;
    std::int64_t open_hi = -1;
    std::int64_t scanned = region_first;  // samples before it have been examined
    for (const Pulse* q = cluster_begin; q != cluster_end; ++q) {
      const std::int64_t span_end = std::min(region_end, q->first_sample + length);
      for (std::int64_t k = std::max(scanned, q->first_sample); k < span_end; ++k) {
        const std::int32_t v = values[k - region_first];
        if (v <= above && v >= below) continue;
        const std::int64_t lo = std::max(region_first, k - pre);
        const std::int64_t hi = std::min(region_end, k + post + 1);
        if (open_lo >= 0 && lo <= open_hi) {
          open_hi = std::max(open_hi, hi);
        } else {
          if (open_lo >= 0) append(channel, region_first, open_lo, open_hi);
          open_lo = lo;
          open_hi = hi;
        }
      }
      scanned = std::max(scanned, span_end);
    }
    if (open_lo >= 0) append(channel, region_first, open_lo, open_hi);
  }
}

}  // namespace cevns::daq
