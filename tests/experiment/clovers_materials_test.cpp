// CLOVERS' radioactivity from its materials (issue 16) against the paper (arXiv:2303.13423):
// the order of Figure 11 (CsI ≫ steel > PMTs > copper > LN₂) and Table 2's 7 events per half
// year per 12 kg in 4–72 NPE (docs/backgrounds.md, "CLOVERS against the paper").
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cevns/experiment/prediction.hpp"
#include "cevns/io/config_reader.hpp"

namespace cevns {
namespace {

namespace fs = std::filesystem;

/// data/materials/clovers.txt with the activities of `volume` only (the others' lines and the
/// walls' γ dropped, unless `volume` is "environment").
fs::path geometry_of(const fs::path& dir, const std::string& volume) {
  std::ifstream in(std::string(CEVNS_SOURCE_DIR) + "/data/materials/clovers.txt");
  const auto file = dir / ("clovers-" + volume + ".txt");
  std::ofstream out(file);
  for (std::string line; std::getline(in, line);) {
    std::istringstream s(line);
    std::string key, v;
    if (s >> key >> v && ((key == "activity" && v != volume) || (key == "environment" && volume != "environment")))
      continue;
    out << line << '\n';
  }
  return file;
}

/// The ROI count (after all cuts, 4–72 NPE, 180 days) of one volume's radioactivity.
double roi_of(const fs::path& dir, const std::string& volume, const std::string& chain_events, int decays) {
  const auto config = io::read_experiment_config(
      std::string(CEVNS_SOURCE_DIR) + "/configs/clovers-materials.toml",
      {"backgrounds.radioactive-isotopes.geometry_file=" + geometry_of(dir, volume).string(),
       "backgrounds.radioactive-isotopes.decays_per_source=" + std::to_string(decays),
       "backgrounds.radioactive-isotopes.chain_events=\"" + chain_events + "\""});
  for (const auto& b : predict(config).backgrounds)
    if (b.name == "radioactive isotopes") return b.roi;
  ADD_FAILURE() << "no radioactive isotopes";
  return 0.0;
}

struct CacheFolder {
  fs::path dir = fs::temp_directory_path() / ("cevns-clovers-materials-" + std::to_string(::getpid()));
  CacheFolder() {
    fs::create_directories(dir);
    ::setenv("CEVNS_CACHE_DIR", (dir / "cache").c_str(), 1);
  }
  ~CacheFolder() {
    std::error_code e;
    fs::remove_all(dir, e);
  }
};

TEST(CloversMaterials, Figure11OrderAndTable2Total) {
  CacheFolder f;
  // Geant4's convention (the paper's simulation): a chain's members in one event.
  constexpr int decays = 40000;
  std::map<std::string, double> roi;
  for (const char* v : {"crystal", "steel", "pmt", "copper", "ln2"}) roi[v] = roi_of(f.dir, v, "whole-chain", decays);
  for (const auto& [v, n] : roi) std::cout << v << " " << n << "\n";
  // Figure 11: CsI ≫ steel > PMTs > copper > LN₂. "≫": ten times. LN₂'s only activity is
  // Ar-39, a pure β emitter outside the crystals: electrons deposit where they are made and
  // bremsstrahlung is not simulated, so it gives exactly nothing here (the paper: "very small").
  EXPECT_GT(roi["crystal"], 10 * roi["steel"]);
  EXPECT_GT(roi["steel"], roi["pmt"]);
  EXPECT_GT(roi["pmt"], roi["copper"]);
  EXPECT_GT(roi["copper"], 0.0);
  EXPECT_EQ(roi["ln2"], 0.0);
  // Table 2: 7 per half year per 12 kg, the paper's only number, without an error. Within a
  // factor 3 (docs/backgrounds.md): > 95 % of it is the crystals' own Cs-137/Cs-134, whose ROI
  // share is set by what the paper does not give — the β shape below 2 keV (the unique
  // first-forbidden shape here), the crystal's shape (the 662 keV γ's escape: 7 × 7 × 13.6 cm
  // assumed), the response at 4–10 PE — and by the KIMS activities themselves.
  double total = 0.0;
  for (const auto& [v, n] : roi) total += n;
  EXPECT_GT(total, 7.0 / 3.0);
  EXPECT_LT(total, 7.0 * 3.0);
}

TEST(CloversMaterials, OwnEventsForBa137mTripleTheCrystal) {
  // The physical convention of a 10 µs window (Ba-137m lives 2.55 min: the Cs-137 β alone is
  // a candidate) against Geant4's (most β's with their 662 keV γ, out of the ROI unless it
  // escapes): the per-nuclide count is several times the whole-chain one (docs/backgrounds.md).
  CacheFolder f;
  const double own = roi_of(f.dir, "crystal", "per-nuclide", 20000);
  const double g4 = roi_of(f.dir, "crystal", "whole-chain", 20000);
  EXPECT_GT(own, 2.0 * g4);
  EXPECT_LT(own, 10.0 * g4);
}

}  // namespace
}  // namespace cevns
