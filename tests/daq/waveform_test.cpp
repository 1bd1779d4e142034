// Waveform synthesis against the analytic single-PE pulse, the Gaussian noise model and
// a reference zero suppression applied to the full waveform. Fixed seeds throughout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "cevns/core/error.hpp"
#include "cevns/core/random.hpp"
#include "cevns/daq/waveform.hpp"

namespace cevns::daq {
namespace {

constexpr double baseline = 1000.0;

// Default PMT (rise 2 ns, decay 8 ns, 40 ADC per PE); noise and pedestal spread off.
DigitizerConfig quiet_digitizer() {
  DigitizerConfig digitizer;
  digitizer.baseline_adc = baseline;
  digitizer.baseline_spread_adc = 0.0;
  digitizer.noise_adc = 0.0;
  return digitizer;
}

// Analytic pulse, from f(t) = exp(−t/τd) − exp(−t/τr): peak time and ∫ f dt / f(t_peak).
double peak_time_ns(const PmtConfig& pmt) {
  const double r = pmt.pulse_rise_ns;
  const double d = pmt.pulse_decay_ns;
  return r * d / (d - r) * std::log(d / r);
}
double unit_pulse_integral_ns(const PmtConfig& pmt) {
  const double t = peak_time_ns(pmt);
  const double peak = std::exp(-t / pmt.pulse_decay_ns) - std::exp(-t / pmt.pulse_rise_ns);
  return (pmt.pulse_decay_ns - pmt.pulse_rise_ns) / peak;
}

Photoelectron pe(float time_ns, float charge, std::uint16_t channel) {
  return Photoelectron{0, time_ns, charge, channel, 0};
}

std::vector<std::int16_t> full(const WaveformSynthesizer& synthesizer, const std::vector<Photoelectron>& pes,
                               std::uint64_t stream = 0) {
  std::vector<std::int16_t> out(static_cast<std::size_t>(synthesizer.channels()) * synthesizer.samples());
  Rng rng = random_stream(20240601, stream);
  synthesizer.full(pes, rng, out);
  return out;
}

// Σ (baseline − sample) over one channel: the pulse integral in ADC × samples.
double integral(const std::vector<std::int16_t>& out, std::size_t first, std::size_t count) {
  double sum = 0.0;
  for (std::size_t i = first; i < first + count; ++i) sum += baseline - out[i];
  return sum;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(WaveformSynthesizer, NoPhotoelectronsGivesGaussianNoiseOnTheBaseline) {
  DigitizerConfig digitizer = quiet_digitizer();
  digitizer.noise_adc = 2.0;
  const WaveformSynthesizer synthesizer(digitizer, PmtConfig{}, ZeroSuppressionConfig{}, 8);
  const auto out = full(synthesizer, {});
  ASSERT_EQ(out.size(), 8u * 51000u);

  const double n = static_cast<double>(out.size());
  double sum = 0.0;
  for (auto v : out) sum += v;
  const double mean = sum / n;
  double sum2 = 0.0;
  for (auto v : out) sum2 += (v - mean) * (v - mean);
  const double sigma = std::sqrt(sum2 / n);
  // Rounding to integers is unbiased for a baseline on an integer; its variance adds 1/12
  // (Sheppard's correction). Tolerances: mean 5σ/√N; σ 1 % (statistical 0.11 %).
  EXPECT_NEAR(mean, baseline, 5.0 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(sigma / std::sqrt(4.0 + 1.0 / 12.0), 1.0, 0.01);
  EXPECT_GE(*std::min_element(out.begin(), out.end()), 0);
  EXPECT_LE(*std::max_element(out.begin(), out.end()), digitizer.adc_max());

  // χ² of the histogram of v − baseline against the rounded Gaussian, bins −8 … 8 plus
  // the two tails; 18 bins − 1 = 17 degrees of freedom: P(χ² > 45) ≈ 2·10⁻⁴.
  std::vector<double> observed(19, 0.0);
  for (auto v : out) observed[std::clamp(v - 1000 + 9, 0, 18)] += 1.0;
  double chi2 = 0.0;
  for (int bin = 0; bin < 19; ++bin) {
    const double k = bin - 9;
    const double low = bin == 0 ? -1e9 : (k - 0.5) / 2.0;
    const double high = bin == 18 ? 1e9 : (k + 0.5) / 2.0;
    const double expected = n * (normal_cdf(high) - normal_cdf(low));
    if (expected > 5.0) chi2 += (observed[bin] - expected) * (observed[bin] - expected) / expected;
  }
  EXPECT_LT(chi2, 45.0);

  // Independence: autocorrelation within a channel and correlation between channels of a
  // trigger, each within 5/√N of zero (N = 50000 samples per channel).
  auto correlation = [&](std::size_t a, std::size_t b, std::size_t count) {
    double s = 0.0;
    for (std::size_t i = 0; i < count; ++i) s += (out[a + i] - mean) * (out[b + i] - mean);
    return s / count / (sigma * sigma);
  };
  const double tolerance = 5.0 / std::sqrt(50000.0);
  for (std::size_t lag = 1; lag <= 5; ++lag) EXPECT_NEAR(correlation(0, lag, 50000 - lag), 0.0, tolerance) << lag;
  for (std::size_t c = 1; c < 8; ++c) EXPECT_NEAR(correlation(0, c * 50000, 50000), 0.0, tolerance) << c;
}

TEST(WaveformSynthesizer, BaselineVariesFromTriggerToTrigger) {
  DigitizerConfig digitizer = quiet_digitizer();
  digitizer.window_us = 5.0;
  digitizer.beam_delay_ns = 500.0;
  digitizer.pretrace_us = 4.0;
  digitizer.noise_adc = 2.0;
  digitizer.baseline_spread_adc = 5.0;
  const WaveformSynthesizer synthesizer(digitizer, PmtConfig{}, ZeroSuppressionConfig{}, 2);
  std::vector<double> means;
  Rng rng = random_stream(7, 0);
  std::vector<std::int16_t> out(2 * 5000);
  for (int trigger = 0; trigger < 200; ++trigger) {
    synthesizer.full({}, rng, out);
    for (int c = 0; c < 2; ++c) means.push_back(std::accumulate(out.begin() + c * 5000, out.begin() + (c + 1) * 5000, 0.0) / 5000.0);
  }
  const double mean = std::accumulate(means.begin(), means.end(), 0.0) / means.size();
  double sum2 = 0.0;
  for (double m : means) sum2 += (m - mean) * (m - mean);
  const double spread = std::sqrt(sum2 / (means.size() - 1));
  // 400 baselines: σ/√400 = 0.25 ADC on the mean (5σ), 1/√800 = 3.5 % on σ (15 % ≈ 4σ).
  EXPECT_NEAR(mean, baseline, 1.25);
  EXPECT_NEAR(spread / 5.0, 1.0, 0.15);
  // The two channels' pedestals are independent: correlation within 4/√200 of zero.
  double covariance = 0.0;
  for (std::size_t i = 0; i < means.size(); i += 2) covariance += (means[i] - mean) * (means[i + 1] - mean);
  EXPECT_NEAR(covariance / 200.0 / (spread * spread), 0.0, 4.0 / std::sqrt(200.0));
}

TEST(WaveformSynthesizer, SinglePhotoelectronPulseMatchesTheAnalyticShape) {
  const PmtConfig pmt;
  const WaveformSynthesizer synthesizer(quiet_digitizer(), pmt, ZeroSuppressionConfig{}, 1);
  const double t_peak = peak_time_ns(pmt);  // 2·8/6 · ln 4 = 3.6968 ns
  ASSERT_NEAR(t_peak, 3.6968, 1e-4);

  // Peak placed on sample 1000: minimum = baseline − 40 ADC (±1, quantisation).
  const auto out = full(synthesizer, {pe(static_cast<float>(1000.0 - t_peak), 1.0F, 0)});
  const auto minimum = std::min_element(out.begin(), out.end());
  EXPECT_EQ(minimum - out.begin(), 1000);
  EXPECT_NEAR(*minimum, baseline - pmt.spe_amplitude_adc, 1.0);
  // Nothing before the PE: the first sample after it (997) is the first below baseline.
  for (int i = 0; i < 997; ++i) ASSERT_EQ(out[i], baseline) << i;
  // ∫ = A (τd − τr) / f(t_peak) = 40 × 6 / 0.4724 = 508 ADC·ns; ±1 % for sampling,
  // rounding of ≈ 80 samples and the cut after 10 τd.
  EXPECT_NEAR(integral(out, 0, out.size()) / (pmt.spe_amplitude_adc * unit_pulse_integral_ns(pmt)), 1.0, 0.01);

  // An arbitrary time: 2345.3 + 3.697 = 2348.997 ns, so the minimum is on sample 2349.
  const auto other = full(synthesizer, {pe(2345.3F, 1.0F, 0)});
  EXPECT_EQ(std::min_element(other.begin(), other.end()) - other.begin(), 2349);
}

TEST(WaveformSynthesizer, PlacesPulsesBetweenSamples) {
  // The time centroid of exp(−t/τd) − exp(−t/τr) is τd + τr = 10 ns after the PE
  // (first moments of the two exponentials). Sub-sample placement to 1/16 sample
  // (±1/32 ns) plus sampling and rounding at 400 ADC: ±0.08 ns.
  const PmtConfig pmt;
  const WaveformSynthesizer synthesizer(quiet_digitizer(), pmt, ZeroSuppressionConfig{}, 1);
  for (double t0 : {1000.0, 1000.1, 1000.25, 1000.5, 1000.8, 1000.97}) {
    const auto out = full(synthesizer, {pe(static_cast<float>(t0), 10.0F, 0)});
    double weight = 0.0;
    double moment = 0.0;
    for (std::size_t i = 990; i < 1200; ++i) {
      weight += baseline - out[i];
      moment += (baseline - out[i]) * static_cast<double>(i);
    }
    EXPECT_NEAR(moment / weight, t0 + pmt.pulse_decay_ns + pmt.pulse_rise_ns, 0.08) << t0;
  }
}

TEST(WaveformSynthesizer, PulsesAreLinearInChargeAndAdd) {
  const PmtConfig pmt;
  const WaveformSynthesizer synthesizer(quiet_digitizer(), pmt, ZeroSuppressionConfig{}, 1);
  const auto one = full(synthesizer, {pe(5000.3F, 1.0F, 0)});
  const auto three = full(synthesizer, {pe(5000.3F, 3.0F, 0)});
  // ±1 %: rounding errors of ≈ 80 samples on 508 and 1524 ADC·ns.
  EXPECT_NEAR(integral(three, 0, three.size()) / (3.0 * integral(one, 0, one.size())), 1.0, 0.01);
  EXPECT_NEAR(*std::min_element(three.begin(), three.end()), baseline - 3.0 * pmt.spe_amplitude_adc, 1.0);

  // Two overlapping PEs: each sample is the sum of the two pulses, ±1 ADC (each single
  // waveform was rounded on its own).
  const auto later = full(synthesizer, {pe(5004.6F, 1.0F, 0)});
  const auto both = full(synthesizer, {pe(5004.6F, 1.0F, 0), pe(5000.3F, 1.0F, 0)});
  for (std::size_t i = 0; i < both.size(); ++i)
    ASSERT_NEAR(baseline - both[i], (baseline - one[i]) + (baseline - later[i]), 1.0) << i;
}

TEST(WaveformSynthesizer, SaturatesAtBothEndsWithoutWrapping) {
  const PmtConfig pmt;
  // Samples k = 0, 1, … ns after the PE beyond `level` ADC for an amplitude of 4·10⁵ ADC,
  // from the analytic pulse: the flat top's expected length (54 down to 0, 32 up to 16383).
  const double t_peak = peak_time_ns(pmt);
  auto f = [&](double t) { return std::exp(-t / pmt.pulse_decay_ns) - std::exp(-t / pmt.pulse_rise_ns); };
  auto beyond = [&](double level) {
    int count = 0;
    for (int k = 0; k < 200; ++k) count += 4e5 * f(k) / f(t_peak) > level ? 1 : 0;
    return count;
  };
  DigitizerConfig digitizer = quiet_digitizer();
  digitizer.noise_adc = 2.0;
  // 10⁴ PE × 40 ADC = 4·10⁵ ADC, 25 × the 14-bit range.
  const WaveformSynthesizer negative(digitizer, pmt, ZeroSuppressionConfig{}, 1);
  const auto down = full(negative, {pe(3000.0F, 1e4F, 0)});
  EXPECT_EQ(*std::min_element(down.begin(), down.end()), 0);
  EXPECT_LE(*std::max_element(down.begin(), down.end()), baseline + 7 * 2.0);  // no wrap-around
  // Flattened, not a spike; ±2 samples for the noise at the edges.
  EXPECT_NEAR(std::count(down.begin(), down.end(), 0), beyond(baseline), 2);

  digitizer.negative_pulses = false;
  const WaveformSynthesizer positive(digitizer, pmt, ZeroSuppressionConfig{}, 1);
  const auto up = full(positive, {pe(3000.0F, 1e4F, 0)});
  EXPECT_EQ(*std::max_element(up.begin(), up.end()), digitizer.adc_max());
  EXPECT_GE(*std::min_element(up.begin(), up.end()), baseline - 7 * 2.0);
  EXPECT_NEAR(std::count(up.begin(), up.end(), digitizer.adc_max()), beyond(digitizer.adc_max() - baseline), 2);
}

TEST(WaveformSynthesizer, PulsesAreTheSameAcrossInternalChunkBoundaries) {
  // Full mode works in blocks of 2048 samples: a pulse straddling sample 2048 must equal
  // the same pulse 1000 samples earlier, shifted (exact: no noise, same phase).
  const WaveformSynthesizer synthesizer(quiet_digitizer(), PmtConfig{}, ZeroSuppressionConfig{}, 1);
  const auto early = full(synthesizer, {pe(1030.25F, 2.0F, 0)});
  const auto straddling = full(synthesizer, {pe(2030.25F, 2.0F, 0)});
  for (std::size_t i = 1000; i < 1200; ++i) ASSERT_EQ(early[i], straddling[i + 1000]) << i;
}

TEST(WaveformSynthesizer, PulsesAtTheWindowEdges) {
  const WaveformSynthesizer synthesizer(quiet_digitizer(), PmtConfig{}, ZeroSuppressionConfig{}, 1);
  // A PE 5 ns before the window leaves its tail; one 0.5 ns before the last sample its
  // rise (40 × f(0.5 ns)/f(t_peak) = 13.6 ADC); those far outside nothing.
  const auto out = full(synthesizer, {pe(-5.0F, 1.0F, 0), pe(49998.5F, 1.0F, 0), pe(-1000.0F, 1.0F, 0),
                                      pe(60000.0F, 1.0F, 0)});
  EXPECT_LT(out[0], baseline - 10);
  EXPECT_EQ(out[1000], baseline);
  EXPECT_EQ(out[49998], baseline);
  EXPECT_EQ(out[49999], baseline - 14);
}

// Reference zero suppression, applied to a full waveform: samples with |v − baseline| >
// threshold, extended by pre/post and merged when the windows overlap or touch.
Segments reference_zero_suppression(const std::vector<std::int16_t>& out, std::uint16_t channels,
                                    std::uint32_t samples, const ZeroSuppressionConfig& zs) {
  Segments segments;
  for (std::uint16_t c = 0; c < channels; ++c) {
    std::int64_t lo = -1;
    std::int64_t hi = -1;
    auto flush = [&] {
      if (lo < 0) return;
      segments.trigger_id.push_back(42);
      segments.channel.push_back(c);
      segments.first_sample.push_back(static_cast<std::uint32_t>(lo));
      segments.length.push_back(static_cast<std::uint32_t>(hi - lo));
      segments.offset.push_back(segments.samples.size());
      for (std::int64_t k = lo; k < hi; ++k) segments.samples.push_back(out[c * samples + k]);
    };
    for (std::int64_t k = 0; k < samples; ++k) {
      if (!(std::abs(out[c * samples + k] - baseline) > zs.threshold_adc)) continue;
      const std::int64_t a = std::max<std::int64_t>(0, k - zs.pre_samples);
      const std::int64_t b = std::min<std::int64_t>(samples, k + zs.post_samples + 1);
      if (lo >= 0 && a <= hi) {
        hi = std::max(hi, b);
      } else {
        flush();
        lo = a;
        hi = b;
      }
    }
    flush();
  }
  return segments;
}

TEST(WaveformSynthesizer, ZeroSuppressionKeepsTheFullWaveformAroundPulses) {
  const ZeroSuppressionConfig zs;  // threshold 10 ADC, 20 before, 80 after
  const WaveformSynthesizer synthesizer(quiet_digitizer(), PmtConfig{}, zs, 5);
  const std::vector<Photoelectron> pes{
      pe(20100.0F, 1.0F, 1),   // overlaps the next one's window: one merged segment
      pe(20000.0F, 1.0F, 1),   // (given out of order)
      pe(20400.0F, 1.0F, 1),   // far enough for its own segment
      pe(30000.4F, 2.0F, 3),   // alone
      pe(12000.0F, 0.1F, 2),   // 4 ADC: never crosses the threshold, no segment
      pe(3.0F, 1.0F, 4),       // pre-samples clipped at the window start
      pe(50990.0F, 1.0F, 4),   // post-samples clipped at the window end
  };  // channel 0 has none
  const auto reference = reference_zero_suppression(full(synthesizer, pes), 5, synthesizer.samples(), zs);
  Segments segments;
  Rng rng = random_stream(20240601, 0);
  synthesizer.zero_suppressed(42, pes, rng, segments);

  ASSERT_EQ(segments.size(), 5u);
  EXPECT_EQ(segments.trigger_id, reference.trigger_id);
  EXPECT_EQ(segments.channel, reference.channel);
  EXPECT_EQ(segments.first_sample, reference.first_sample);
  EXPECT_EQ(segments.length, reference.length);
  EXPECT_EQ(segments.offset, reference.offset);
  EXPECT_EQ(segments.samples, reference.samples);
  EXPECT_EQ(segments.channel, (std::vector<std::uint16_t>{1, 1, 3, 4, 4}));

  // By hand for the lone PE on channel 3, 80 f(t)/f(t_peak) ADC with f(t_peak) = 0.4724:
  // the first sample over threshold is 30001 (t = 0.6 ns: 80 × 0.193/0.4724 = 33 ADC), so
  // the segment starts 20 earlier; the last is 30022 (t = 21.6 ns: 80 × 0.0670/0.4724 =
  // 11.3 ADC; 30023 gives 10.0, which rounds to 10, not beyond 10), and it ends 80 later.
  EXPECT_EQ(segments.first_sample[2], 30001u - 20u);
  EXPECT_EQ(segments.first_sample[2] + segments.length[2], 30022u + 80u + 1u);
  EXPECT_EQ(segments.first_sample[3], 0u);
  EXPECT_EQ(segments.first_sample[4] + segments.length[4], synthesizer.samples());
  EXPECT_EQ(segments.offset.back() + segments.length.back(), segments.samples.size());
}

TEST(WaveformSynthesizer, ZeroSuppressionDrawsTheSameNoiseAsTheFullWaveform) {
  // Same stream state → same baselines and noise: every kept sample equals the full one.
  const DigitizerConfig digitizer;  // noise 2 ADC, pedestal spread 5 ADC
  const WaveformSynthesizer synthesizer(digitizer, PmtConfig{}, ZeroSuppressionConfig{}, 8);
  const std::vector<Photoelectron> pes{pe(40010.0F, 3.0F, 0), pe(40020.0F, 2.0F, 1), pe(41500.0F, 1.0F, 7),
                                       pe(100.0F, 1.5F, 4)};
  const auto waveform = full(synthesizer, pes, 3);
  Segments segments;
  Rng rng = random_stream(20240601, 3);
  synthesizer.zero_suppressed(7, pes, rng, segments);
  ASSERT_EQ(segments.size(), 4u);
  for (std::size_t s = 0; s < segments.size(); ++s)
    for (std::uint32_t k = 0; k < segments.length[s]; ++k)
      ASSERT_EQ(segments.samples[segments.offset[s] + k],
                waveform[segments.channel[s] * synthesizer.samples() + segments.first_sample[s] + k]);
}

TEST(WaveformSynthesizer, EmptyTriggersCostNothingInZeroSuppression) {
  const WaveformSynthesizer synthesizer(DigitizerConfig{}, PmtConfig{}, ZeroSuppressionConfig{}, 4);
  Segments segments;
  Rng rng = random_stream(1, 2);
  const Rng before = rng;
  synthesizer.zero_suppressed(0, {}, rng, segments);
  const std::vector<Photoelectron> outside{pe(-500.0F, 1.0F, 0), pe(51000.0F, 1.0F, 1)};
  synthesizer.zero_suppressed(1, outside, rng, segments);
  EXPECT_EQ(segments.size(), 0u);
  EXPECT_TRUE(segments.samples.empty());
  EXPECT_TRUE(rng == before);  // no random number drawn
}

TEST(WaveformSynthesizer, IsReproducible) {
  const WaveformSynthesizer synthesizer(DigitizerConfig{}, PmtConfig{}, ZeroSuppressionConfig{}, 2);
  const std::vector<Photoelectron> pes{pe(40000.0F, 1.0F, 0)};
  EXPECT_EQ(full(synthesizer, pes, 0), full(synthesizer, pes, 0));
  EXPECT_NE(full(synthesizer, pes, 0), full(synthesizer, pes, 1));
  // A second synthesiser builds the same noise table.
  const WaveformSynthesizer twin(DigitizerConfig{}, PmtConfig{}, ZeroSuppressionConfig{}, 2);
  EXPECT_EQ(full(synthesizer, pes, 0), full(twin, pes, 0));
}

TEST(WaveformSynthesizer, RejectsBadConfigurationAndInput) {
  DigitizerConfig digitizer;
  digitizer.noise_adc = -1.0;
  EXPECT_THROW(WaveformSynthesizer(digitizer, PmtConfig{}, ZeroSuppressionConfig{}, 2), InvalidValue);
  PmtConfig pmt;
  pmt.pulse_decay_ns = 1.0;  // shorter than the rise
  EXPECT_THROW(WaveformSynthesizer(DigitizerConfig{}, pmt, ZeroSuppressionConfig{}, 2), InvalidValue);
  ZeroSuppressionConfig zs;
  zs.threshold_adc = 0.0;
  EXPECT_THROW(WaveformSynthesizer(DigitizerConfig{}, PmtConfig{}, zs, 2), InvalidValue);
  EXPECT_THROW(WaveformSynthesizer(DigitizerConfig{}, PmtConfig{}, ZeroSuppressionConfig{}, 0), InvalidValue);

  const WaveformSynthesizer synthesizer(quiet_digitizer(), PmtConfig{}, ZeroSuppressionConfig{}, 2);
  Rng rng = random_stream(1, 0);
  std::vector<std::int16_t> too_short(100);
  EXPECT_THROW(synthesizer.full({}, rng, too_short), std::invalid_argument);
  const std::vector<Photoelectron> wrong_channel{pe(100.0F, 1.0F, 2)};
  Segments segments;
  EXPECT_THROW(synthesizer.zero_suppressed(0, wrong_channel, rng, segments), std::invalid_argument);
  const std::vector<Photoelectron> not_a_time{pe(std::nanf(""), 1.0F, 0)};
  EXPECT_THROW(synthesizer.zero_suppressed(0, not_a_time, rng, segments), std::invalid_argument);
}

}  // namespace
}  // namespace cevns::daq
