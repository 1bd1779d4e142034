#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "cevns/background/background.hpp"
#include "cevns/core/error.hpp"

namespace cevns {
namespace {

// Beam-related and radioactivity models (docs/backgrounds.md).
struct Study {
  DetectorConfig detector = [] {
    DetectorConfig d;
    d.mass_kg = 12.0;
    d.crystals = 4;
    d.arrival_delay.model = ArrivalTimeDefinition::interaction;  // these test the arrival profiles themselves
    return d;
  }();
  SelectionConfig selection{};
  ArrivalTimeModel arrival{PulseConfig{.bunch_times_ns = {0.0, 410.0}, .bunch_weights = {}, .bunch_fwhm_ns = 80.0}, 35.0};
  Binning npe = Binning::uniform(-0.5, 200.5, 201);
  Binning time = Binning::uniform(-1.0, 10.0, 110);
  BackgroundContext context() const {
    return {.exposure_kg_days = 2160.0, .arrival_time = &arrival, .roi_npe_min = 4, .roi_npe_max = 72,
            .triggers = 3.888e8, .detector = &detector, .selection = &selection, .dark_counts = nullptr,
            .protons_on_target = 8.5e21, .proton_energy_GeV = 1.6,
            .keVee_of_keVnr = [](double keVnr) { return 0.08 * keVnr; }, .window_us = 11.0};
  }
};

BackgroundConfig brn_config() {
  BackgroundConfig c;
  c.name = "brn";
  c.model = BackgroundKind::beam;
  c.events_per_pot_per_kg = 1e-21;
  c.single_crystal_fraction = 0.3;
  c.spectrum_variable = SpectrumVariable::recoil_keVnr;
  for (int i = 0; i < 100; ++i) c.spectrum.x.push_back(i + 0.5), c.spectrum.y.push_back(std::exp(-(i + 0.5) / 15.6));
  return c;
}

double total(const Spectrum2D& s) {
  double sum = 0.0;
  for (double c : s.counts) sum += c;
  return sum;
}

TEST(BeamBackground, CountsArePerProtonPerKgThroughTheSelection) {
  Study study;
  const BeamBackground brn(brn_config());
  auto context = study.context();
  const auto deposits = brn.deposits(study.npe, context);
  ASSERT_TRUE(deposits);
  double all = 0.0;
  for (double c : deposits->true_npe.counts) all += c;
  // Every deposit lands in some NPE bin: rate × POT × kg (the spectrum a shape).
  EXPECT_NEAR(all, 1e-21 * 8.5e21 * 12.0, 1e-6 * all);
  const double selected = total(brn.expected(study.npe, study.time, context));
  // The selection keeps at most the constant cuts × the single-crystal share.
  EXPECT_LT(selected, all * 0.989 * 0.738 * 0.3 * (1 + 1e-9));
  EXPECT_GT(selected, 0.1 * all * 0.3);
  // Twice the protons, twice the background; twice the mass, twice again.
  context.protons_on_target *= 2.0;
  EXPECT_NEAR(total(brn.expected(study.npe, study.time, context)), 2.0 * selected, 1e-9 * selected);
  study.detector.mass_kg *= 2.0;
  EXPECT_NEAR(total(brn.expected(study.npe, study.time, study.context())), 2.0 * selected, 1e-9 * selected);
  // Without criterion 4 the multi-crystal share stays.
  study.detector.mass_kg /= 2.0;
  study.selection.single_crystal = false;
  EXPECT_NEAR(total(brn.expected(study.npe, study.time, study.context())), selected / 0.3, 1e-9 * selected);
}

TEST(BeamBackground, NothingBelowTwoPhotoelectronsAndEveryBinFinite) {
  Study study;
  for (bool coincidence : {true, false}) {
    study.selection.two_pmt_coincidence = coincidence;
    const auto s = BeamBackground(brn_config()).expected(study.npe, study.time, study.context());
    for (double c : s.counts) EXPECT_TRUE(std::isfinite(c) && c >= 0.0);
    const auto npe = s.project_x();
    if (coincidence) {
      EXPECT_EQ(npe.counts[0], 0.0);
      EXPECT_EQ(npe.counts[1], 0.0);  // one PE cannot light both PMTs
    } else {
      EXPECT_GT(npe.counts[1], 0.0);
    }
    EXPECT_GT(npe.counts[2], 0.0);
  }
}

TEST(BeamBackground, CoherentFilesArePerGWhAndTheirPeBinsStartAtOne) {
  Study study;
  study.detector.crystals = 1;
  study.selection.muon_veto = false;
  study.selection.afterglow_cut = false;
  study.selection.two_pmt_coincidence = false;
  BackgroundConfig c;
  c.name = "brn";
  c.model = BackgroundKind::beam;
  c.normalisation = BeamNormalisation::file_per_GWh;
  c.file_scale = 1.0;
  c.spectrum_format = TableFormat::coherent;
  c.spectrum = {{0.5, 1.5, 2.5}, {1.0, 2.0, 3.0}};  // per GW·h
  auto context = study.context();
  // 7.47594 GW·h at 1 GeV: COHERENT 2017's exposure (data release).
  context.proton_energy_GeV = 1.0;
  context.protons_on_target = 7.47594 * 3.6e12 / 1.602176634e-10;
  const auto d = BeamBackground(c).deposits(study.npe, context);
  EXPECT_NEAR(d->true_npe.counts[1], 7.47594, 1e-9);
  EXPECT_NEAR(d->true_npe.counts[3], 3.0 * 7.47594, 1e-9);
  EXPECT_EQ(d->true_npe.counts[0], 0.0);
}

TEST(BeamBackground, TimeProfiles) {
  Study study;
  auto config = brn_config();
  // The beam pulse: like the prompt neutrinos, here delayed by 2 µs.
  config.time_delay_ns = 2000.0;
  const auto delayed = BeamBackground(config).expected(study.npe, study.time, study.context()).project_y();
  const auto prompt_nu = study.arrival.cdf(Flavor::nu_mu, 2.0e3) - study.arrival.cdf(Flavor::nu_mu, -1.0e3);
  (void)prompt_nu;
  double before = 0.0, all = 0.0;
  for (std::size_t b = 0; b < delayed.counts.size(); ++b) {
    all += delayed.counts[b];
    if (study.time.high(b) <= 1.9) before += delayed.counts[b];
  }
  EXPECT_LT(before, 1e-3 * all);
  // Neutrino timing: the delayed flavours put a share beyond 2 µs that the prompt one does not.
  config.time_delay_ns = 0.0;
  config.time_profile = TimeProfile::neutrino;
  const auto nin = BeamBackground(config).expected(study.npe, study.time, study.context()).project_y();
  config.time_profile = TimeProfile::beam_pulse;
  const auto brn = BeamBackground(config).expected(study.npe, study.time, study.context()).project_y();
  double late_nin = 0.0, late_brn = 0.0, nin_all = 0.0;
  for (std::size_t b = 0; b < nin.counts.size(); ++b) {
    nin_all += nin.counts[b];
    if (study.time.low(b) >= 2.0) late_nin += nin.counts[b], late_brn += brn.counts[b];
  }
  // Two of three flavours delayed, exp(−(2 µs − 0.4 µs)/2.197 µs) ≈ 0.48 of them later than 2 µs.
  EXPECT_NEAR(late_nin / nin_all, 2.0 / 3.0 * std::exp(-1.6 / 2.197), 0.05);
  EXPECT_LT(late_brn, 1e-6 * nin_all);
  // A tabulated profile: all in the bin it names.
  config.time_profile = TimeProfile::file;
  config.time = {{4.25, 4.75}, {1.0, 0.0}};
  const auto file = BeamBackground(config).expected(study.npe, study.time, study.context()).project_y();
  double in_bin = 0.0, file_all = 0.0;
  for (std::size_t b = 0; b < file.counts.size(); ++b) {
    file_all += file.counts[b];
    if (study.time.low(b) >= 4.0 - 1e-9 && study.time.high(b) <= 4.5 + 1e-9) in_bin += file.counts[b];
  }
  EXPECT_NEAR(in_bin, file_all, 1e-9 * file_all);
}

TEST(BeamBackground, TimeEfficiencyOfItsArrivalTimeSteadyOnesKeepAll) {
  // A tabulated arrival time uniform in [0, 1), [1, 2), [2, 3) µs with weights 1 : 1 : 2, and
  // ε(t) = 1 before 1 µs, e^(−b(t − 1 µs)) after (b = 0.5 /µs). Kept, in closed form:
  //   ¼ + ¼ (1 − e^(−b))/b + ½ (e^(−b) − e^(−2b))/b = 0.6854 …
  Study study;
  auto config = brn_config();
  config.time_profile = TimeProfile::file;
  config.time = {{0.5, 1.5, 2.5}, {1.0, 1.0, 2.0}};
  const double before = total(BeamBackground(config).expected(study.npe, study.time, study.context()));
  study.selection.time_efficiency = {.model = TimeEfficiencyModel::exponential, .flat_until_us = 1.0, .decay_per_us = 0.5};
  const auto with = BeamBackground(config).expected(study.npe, study.time, study.context());
  const double b = 0.5;
  const double kept = 0.25 + 0.25 * -std::expm1(-b) / b + 0.5 * (std::exp(-b) - std::exp(-2.0 * b)) / b;
  EXPECT_NEAR(total(with) / before, kept, 1e-9);
  EXPECT_NEAR(kept, 0.6854, 1e-4);
  // Bin by bin: the bin [2.0, 2.1) µs keeps ε averaged over it, (e^(−b) − e^(−1.1 b))/(0.1 b), of its ½ × 0.1 share.
  const auto t = with.project_y();
  const std::size_t bin = 30;  // [2.0, 2.1) on the −1 … 10 µs axis
  ASSERT_NEAR(study.time.low(bin), 2.0, 1e-9);
  EXPECT_NEAR(t.counts[bin] / total(with) * kept, 0.5 * 0.1 * (std::exp(-b) - std::exp(-1.1 * b)) / (0.1 * b), 1e-9);
  // Steady deposits (radioactivity) are not weighted: their rate measured off-beam with
  // the same cuts carries whatever the cuts do (docs/detector.md).
  BackgroundConfig rad;
  rad.name = "rad";
  rad.model = BackgroundKind::radioactivity;
  rad.rate_per_kg_keVee_day = 2.0;
  const double steady = total(RadioactivityBackground(rad).expected(study.npe, study.time, study.context()));
  study.selection.time_efficiency.model = TimeEfficiencyModel::none;
  EXPECT_EQ(total(RadioactivityBackground(rad).expected(study.npe, study.time, study.context())), steady);
}

TEST(RadioactivityBackground, SteadyPerKgAndLiveTime) {
  Study study;
  BackgroundConfig c;
  c.name = "rad";
  c.model = BackgroundKind::radioactivity;
  c.rate_per_kg_keVee_day = 2.0;
  c.energy_min_keVee = 0.0;
  c.energy_max_keVee = 10.0;
  const RadioactivityBackground rad(c);
  auto context = study.context();
  const auto d = rad.deposits(study.npe, context);
  double all = 0.0;
  for (double x : d->true_npe.counts) all += x;
  // 2 /kg/keVee/day × 10 keVee × 12 kg × (3.888e8 triggers × 11 µs) in days.
  EXPECT_NEAR(all, 2.0 * 10.0 * 12.0 * 3.888e8 * 11e-6 / 86400.0, 1e-6 * all);
  const auto s = rad.expected(study.npe, study.time, context);
  // Flat in time.
  const auto t = s.project_y();
  EXPECT_NEAR(t.counts.front(), t.counts.back(), 1e-9 * t.counts.front());
  // Flat in keVee: at 33.5 PE/keVee, 20 and 40 PE are equally likely after the coincidence.
  const auto n = s.project_x();
  EXPECT_NEAR(n.counts[40] / n.counts[20], 1.0, 0.01);
  // Twice the triggers (or the window) twice the counts; beam power does not enter.
  context.triggers *= 2.0;
  EXPECT_NEAR(total(rad.expected(study.npe, study.time, context)), 2.0 * total(s), 1e-9 * total(s));
  context.triggers /= 2.0;
  context.protons_on_target *= 2.0;
  EXPECT_NEAR(total(rad.expected(study.npe, study.time, context)), total(s), 1e-12 * total(s));
}

TEST(BackgroundConfig, Validation) {
  auto c = brn_config();
  EXPECT_NO_THROW(c.validate("backgrounds[0]"));
  c.single_crystal_fraction = 1.5;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);
  c = brn_config();
  c.spectrum = {};
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);  // a beam background needs a spectrum
  c = brn_config();
  c.rate_per_kg_keVee_day = 1.0;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);  // not a key of a beam model
  c = brn_config();
  c.time_profile = TimeProfile::file;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);  // no time table
  c = brn_config();
  c.neutrino_flavor_weights = {1.0, 1.0};
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);
  BackgroundConfig rad;
  rad.name = "rad";
  rad.model = BackgroundKind::radioactivity;
  rad.rate_per_kg_keVee_day = -1.0;
  EXPECT_THROW(rad.validate("backgrounds[1]"), InvalidValue);
  rad.rate_per_kg_keVee_day = 1.0;
  rad.energy_max_keVee = 0.0;
  EXPECT_THROW(rad.validate("backgrounds[1]"), InvalidValue);
  BackgroundConfig unnamed;
  unnamed.name = "   ";
  EXPECT_THROW(unnamed.validate("backgrounds[2]"), InvalidValue);
}

TEST(BackgroundConfig, SlugsOfNames) {
  EXPECT_EQ(background_slug("beam-related neutrons"), "beam-related-neutrons");
  EXPECT_EQ(background_slug("PMT dark counts"), "pmt-dark-counts");
  EXPECT_EQ(background_slug("  Radioactive (CsI) "), "radioactive-csi");
}

// PMT dark counts (docs/backgrounds.md): the per-trigger pieces of the analytic model.
TEST(PmtDarkCounts, OnePmtIsPoissonWithoutMultiPeAndAfterpulses) {
  const DarkCountInputs pmt{.dark_rate_Hz = 10000.0, .multi_pe_fraction = 0.0, .afterpulse_probability = 0.0};
  const auto r = dark_counts_per_trigger(pmt, DetectorConfig{}, SelectionConfig{}, 50);
  const double mu = 10000.0 * 11e-6;  // 11 µs signal region
  EXPECT_NEAR(r.pmt_signal_pe[0], std::exp(-mu), 1e-9);
  EXPECT_NEAR(r.pmt_signal_pe[1], mu * std::exp(-mu), 1e-9);
  EXPECT_NEAR(r.pmt_signal_pe[2], mu * mu / 2 * std::exp(-mu), 1e-9);
  EXPECT_NEAR(r.pmt_pretrace_pe[0], std::exp(-10000.0 * 40e-6), 1e-9);
}

TEST(PmtDarkCounts, AfterpulsesAndMultiPeAddPhotoelectrons) {
  const DarkCountInputs plain{.multi_pe_fraction = 0.0, .afterpulse_probability = 0.0};
  DarkCountInputs after = plain;
  after.afterpulse_probability = 0.5;
  DarkCountInputs multi = plain;
  multi.multi_pe_fraction = 0.5;
  const auto mean = [](const std::vector<double>& p) {
    double m = 0.0;
    for (std::size_t k = 0; k < p.size(); ++k) m += double(k) * p[k];
    return m;
  };
  const auto pe = [&](const DarkCountInputs& in) {
    return mean(dark_counts_per_trigger(in, DetectorConfig{}, SelectionConfig{}, 50).pmt_signal_pe);
  };
  const double mu = 111.0 * 11e-6;
  EXPECT_NEAR(pe(plain), mu, 1e-9);
  // Half the PE of pulses anywhere in the 51 µs window throw an afterpulse ≈ 1.5 µs later;
  // those landing in the signal region: ≈ 111 Hz × 0.5 × 11 µs (pulses from the pretrace
  // replace those thrown beyond the window's end).
  EXPECT_NEAR(pe(after), 1.5 * mu, 0.05 * mu);
  // max(1, Poisson(1.5)) extra PE: 1.5 + e^(−1.5) = 1.72 extra per multi-PE pulse.
  EXPECT_NEAR(pe(multi), mu * (1.0 + 0.5 * (1.5 + std::exp(-1.5))), 1e-6 * mu);
}

TEST(PmtDarkCounts, CoincidentSpectrumIsEmptyBelowTwoPeAndFinite) {
  SelectionConfig selection;
  DetectorConfig detector;
  detector.crystals = 4;
  for (double resolution : {0.0, 0.35}) {
    const DarkCountInputs pmt{.dark_rate_Hz = 5000.0, .spe_resolution = resolution};
    const auto r = dark_counts_per_trigger(pmt, detector, selection, 200);
    for (double c : r.selected_npe) EXPECT_TRUE(std::isfinite(c) && c >= 0.0);
    EXPECT_EQ(r.selected_npe[0], 0.0);
    if (resolution == 0.0) {
      EXPECT_EQ(r.selected_npe[1], 0.0);  // one PE in each PMT at least
    } else {
      // Two single PE (charge 2 ± 0.35√2) round to 1 when their charges sum below 1.5:
      // the reconstruction's view; it stays a small share of the 2-PE bin.
      EXPECT_LT(r.selected_npe[1], 0.25 * r.selected_npe[2]);
    }
    EXPECT_GT(r.selected_npe[2], 0.0);
  }
}

TEST(PmtDarkCounts, CoincidenceGoesWithTheSquareOfTheRate) {
  const DarkCountInputs low{.dark_rate_Hz = 111.0};
  const DarkCountInputs high{.dark_rate_Hz = 222.0};
  const auto a = dark_counts_per_trigger(low, DetectorConfig{}, SelectionConfig{}, 200);
  const auto b = dark_counts_per_trigger(high, DetectorConfig{}, SelectionConfig{}, 200);
  EXPECT_NEAR(b.crystal_coincidence / a.crystal_coincidence, 4.0, 0.05);
  EXPECT_NEAR(b.selected_npe[2] / a.selected_npe[2], 4.0, 0.05);
}

TEST(PmtDarkCounts, RefusesANormalisation) {
  BackgroundConfig c;
  c.name = "dark";
  c.model = BackgroundKind::pmt_dark_counts;
  c.events_per_pot_per_kg = 1e-21;
  EXPECT_THROW(c.validate("backgrounds[1]"), InvalidValue);
  c.events_per_pot_per_kg = 0.0;
  EXPECT_NO_THROW(c.validate("backgrounds[1]"));
}

}  // namespace
}  // namespace cevns
