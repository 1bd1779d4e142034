// The materials background (model = "materials"): validation, the cache, proportionality
// to the activities, criterion 4 from the other crystals (docs/backgrounds.md, "Materials").
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "cevns/background/background.hpp"
#include "cevns/core/error.hpp"

namespace cevns {
namespace {

namespace fs = std::filesystem;

/// A private cache folder and a small geometry: four CsI crystals in LN₂ with one activity.
struct Fixture {
  fs::path dir = fs::temp_directory_path() / ("cevns-materials-test-" + std::to_string(::getpid()));
  DetectorConfig detector = [] {
    DetectorConfig d;
    d.mass_kg = 12.0;
    d.crystals = 4;
    return d;
  }();
  SelectionConfig selection{};
  Binning npe = Binning::uniform(-0.5, 200.5, 201);
  Binning time = Binning::uniform(-1.0, 10.0, 11);
  Fixture() {
    fs::create_directories(dir);
    ::setenv("CEVNS_CACHE_DIR", (dir / "cache").c_str(), 1);
  }
  ~Fixture() {
    std::error_code e;
    fs::remove_all(dir, e);
  }
  fs::path geometry(double cs137_mBq_kg) const {
    const auto file = dir / ("geometry-" + std::to_string(cs137_mBq_kg) + ".txt");
    std::ofstream(file) << "material CsI 4.51 CsI\nmaterial LN2 0.807 N2\ncrystal CsI 7 7 13.6\narray 2 2\ngap_cm 1\n"
                           "shell ln2 LN2 5\nactivity crystal Cs137 "
                        << cs137_mBq_kg << " mBq/kg\n";
    return file;
  }
  BackgroundConfig config(double cs137) const {
    BackgroundConfig c;
    c.name = "materials";
    c.model = BackgroundKind::materials;
    c.geometry_file = geometry(cs137).string();
    c.decays_per_source = 5000;
    c.decay_file = std::string(CEVNS_SOURCE_DIR) + "/data/materials/decays.txt";
    c.check_material_files("backgrounds[0]");
    c.validate("backgrounds[0]");
    return c;
  }
  BackgroundContext context() const {
    return {.exposure_kg_days = 2160.0, .arrival_time = nullptr, .roi_npe_min = 4, .roi_npe_max = 72,
            .triggers = 3.888e8, .detector = &detector, .selection = &selection, .dark_counts = nullptr,
            .protons_on_target = 0.0, .proton_energy_GeV = 0.0, .keVee_of_keVnr = {}, .window_us = 11.0};
  }
};

double total(const Spectrum2D& s) {
  double sum = 0.0;
  for (double c : s.counts) sum += c;
  return sum;
}

TEST(MaterialsBackground, CachedProportionalToActivityAndSteady) {
  Fixture f;
  const auto config = f.config(150.0);
  const MaterialsBackground model(config);
  EXPECT_FALSE(fs::exists(model.cache_file()));
  const auto s = model.expected(f.npe, f.time, f.context());
  ASSERT_TRUE(fs::exists(model.cache_file())) << model.cache_file();
  // Read back from the cache: the same spectrum to the last digit written (17 digits).
  const MaterialsBackground again(config);
  const auto t = again.expected(f.npe, f.time, f.context());
  ASSERT_EQ(s.counts.size(), t.counts.size());
  for (std::size_t i = 0; i < s.counts.size(); ++i) EXPECT_NEAR(s.counts[i], t.counts[i], 1e-12 * (1 + s.counts[i]));
  // Twice the activity with the same seed: the same decays, twice the counts (the cache key
  // differs: the file's text does).
  const MaterialsBackground twice(f.config(300.0));
  EXPECT_NE(twice.cache_file(), model.cache_file());
  // Slightly less than twice: criterion 2 loses the crystals' own decays in the 40 µs
  // pretrace, exp(−rate × 40 µs) with a rate of ≈ 1 Bq per crystal: ≈ 4·10⁻⁵ more at 2×.
  const double doubled = total(twice.expected(f.npe, f.time, f.context()));
  EXPECT_NEAR(doubled, 2.0 * total(s), 1e-3 * total(s));
  EXPECT_LT(doubled, 2.0 * total(s));
  // Steady: flat in time (1 µs bins).
  const auto time = s.project_y();
  EXPECT_NEAR(time.counts.front(), time.counts.back(), 1e-9 * time.counts.front());
  // The Cs-137 β in the ROI (0.12–2.2 keVee): about 0.5 % of 1.8 Bq × 4277 s of live time, × the
  // selection (≈ 0.6): tens of events. Bounds from the β spectrum (BetaSpectrum tests) ± a factor 3.
  const auto parts = model.contributions(f.npe, f.time, f.context());
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_GT(parts[0].roi_count, 5.0);
  EXPECT_LT(parts[0].roi_count, 150.0);
  EXPECT_NEAR(parts[0].activity_Bq, 0.150 * 4 * 7 * 7 * 13.6 * 4.51e-3, 1e-6);
  // Criterion 4 removes something (γ rays of Ba-137m reaching a second crystal are separate
  // events; the β alone never lights two crystals) but not the bulk.
  const auto d = model.deposits(f.npe, f.context());
  EXPECT_GE(d->multi_crystal_fraction, 0.0);
  EXPECT_LT(d->multi_crystal_fraction, 0.5);
}

TEST(MaterialsBackground, ConfigurationErrorsNameTheKey) {
  Fixture f;
  BackgroundConfig c;
  c.name = "materials";
  c.model = BackgroundKind::materials;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);  // no geometry_file
  c.geometry_file = f.geometry(1.0).string();
  c.rate_per_kg_keVee_day = 1.0;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);  // not a key of this model
  c.rate_per_kg_keVee_day = 0.0;
  c.decays_per_source = 10.0;
  EXPECT_THROW(c.validate("backgrounds[0]"), InvalidValue);  // too few decays
  c.decays_per_source = 1e4;
  EXPECT_NO_THROW(c.validate("backgrounds[0]"));
  // A geometry naming an unknown isotope: an error at load time naming the key and file.
  const auto bad = f.dir / "bad.txt";
  std::ofstream(bad) << "material CsI 4.51 CsI\ncrystal CsI 7 7 13.6\nshell x CsI 1\nactivity crystal Xx123 1 mBq/kg\n";
  c.geometry_file = bad.string();
  try {
    c.check_material_files("backgrounds[0]");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("backgrounds[0]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Xx123"), std::string::npos) << e.what();
  }
  // Another model does not take a geometry.
  BackgroundConfig r;
  r.name = "r";
  r.model = BackgroundKind::radioactivity;
  r.geometry_file = "x.txt";
  EXPECT_THROW(r.validate("backgrounds[1]"), InvalidValue);
}

}  // namespace
}  // namespace cevns
