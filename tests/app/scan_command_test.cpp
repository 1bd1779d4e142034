// cevns scan end to end, and the fits of the COHERENT 2017 release against published
// results from the same data (docs/statistics.md, "cevns scan"). Tests that need the
// release skip, saying where they looked, when it is absent.
#include <gtest/gtest.h>

#include "shell.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

cevns::test::Result cevns(const std::string& arguments) {
  return cevns::test::run_shell(std::string(CEVNS_EXECUTABLE) + " " + arguments + " 2>&1");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const std::string release = std::string(CEVNS_SOURCE_DIR) + "/../shared/data/coherent-csi-2017";
const std::string scan_config = std::string(CEVNS_SOURCE_DIR) + "/configs/fit/coherent-csi-2017-scan.toml";

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("cevns_scan_cli_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};

/// Runs a scan of the release into `dir` and reads its scan.json.
nlohmann::json scan_release(const std::string& arguments, const fs::path& dir) {
  const auto r = cevns("scan -q --data " + release + " --fit-config " + scan_config + " --threads 2 " + arguments +
                       " --output " + dir.string() + " --force");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir / "scan.json");
  return nlohmann::json::parse(in);
}

/// The ranges of `level` in scan.json's intervals for `parameter`.
std::vector<std::pair<double, double>> ranges(const nlohmann::json& j, const std::string& parameter, const std::string& level) {
  std::vector<std::pair<double, double>> out;
  for (const auto& iv : j["intervals"])
    if (iv["parameter"] == parameter && iv["level"] == level)
      for (const auto& r : iv["ranges"]) out.emplace_back(r[0].get<double>(), r[1].get<double>());
  return out;
}

bool allowed(const std::vector<std::pair<double, double>>& r, double x) {
  for (const auto& [lo, hi] : r)
    if (x >= lo && x <= hi) return true;
  return false;
}

#define NEED_RELEASE() \
  if (!fs::exists(release + "/data_coincidence_beamOn.txt")) GTEST_SKIP() << "the COHERENT 2017 release is not in " << release

// Cadeddu, Giunti, Li, Zhang, PRL 120 (2018) 072501: R_n = 5.5 +0.9 −1.1 fm for Cs and I
// together, from the same data with symmetrised-Fermi (and Helm) form factors. Our fit
// (NPE × time, every nuisance of coherent-csi-2017-scan.toml, the rate known to the 10 %
// of the flux) with their form factor: the best R_n within 0.5 fm of 5.5 and the 1σ edges
// within 0.6 fm of 4.4 and 6.4 fm (the differences of analysis: docs/statistics.md).
TEST(ScanCommand, NeutronRadiusOfCsIAgreesWithCadeddu2018) {
  NEED_RELEASE();
  TempDir tmp;
  const auto j = scan_release("--set physics.form_factor=symmetrized-fermi --param physics.neutron_radius_fm.all=3.5:7.5:41",
                              tmp.path);
  const double best = j["axes"][0]["best"].get<double>();
  EXPECT_NEAR(best, 5.5, 0.5);
  const auto one = ranges(j, "physics.neutron_radius_fm.all", "1sigma");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_NEAR(one[0].first, 4.4, 0.6);
  EXPECT_NEAR(one[0].second, 6.4, 0.6);
  EXPECT_TRUE(fs::exists(tmp.path / "scan_profile.png"));
  EXPECT_TRUE(fs::exists(tmp.path / "scan.csv"));
}

// COHERENT, Science 357 (2017) 1123, Fig. 4: the allowed region in ε^{uV}_{ee}–ε^{dV}_{ee}
// (other ε zero) is a diagonal band bounded by the lines where the ν_e weak charge
// Z(g_p + 2ε_u + ε_d) + N(g_n + ε_u + 2ε_d) equals ±Q_SM (the rate the data allow; only
// the ν_e third of the flux changes, so between the lines, where it vanishes, the count
// drops by a third, within the data's deficit: 134 ± 22 observed, 173 predicted). On the
// ε_u axis those lines are at ε_u = 0 and −2 Q_SM/(2Z + N) = 0.40 (Cs 0.4015, I 0.3977,
// g_p = ½ − 2 sin²θ_W, g_n = −½). The 90 % CL interval along ε_d = 0 must be one range
// with its edges within 0.1 of 0 and 0.40 (the rate allowance beyond the lines and the
// grid), the Standard Model inside, ±0.8 excluded.
TEST(ScanCommand, NsiBandOfCoherent2017) {
  NEED_RELEASE();
  TempDir tmp;
  const auto j = scan_release("--param physics.nsi.eps_u_ee=-0.8:0.8:33", tmp.path);
  const auto r90 = ranges(j, "physics.nsi.eps_u_ee", "90%");
  ASSERT_EQ(r90.size(), 1u) << j["intervals"].dump();
  EXPECT_NEAR(r90[0].first, 0.0, 0.1);
  EXPECT_NEAR(r90[0].second, 0.40, 0.1);
  EXPECT_TRUE(allowed(r90, 0.0));
  EXPECT_FALSE(allowed(r90, -0.8));
  EXPECT_FALSE(allowed(r90, 0.8));
}

// A heavy Z' is the NSI of its ε, on the real data (docs/statistics.md, "cevns scan"). No
// published COHERENT-2017 light-mediator or magnetic-moment limit with a citable number was
// found for this validation (issue 12); instead the Z' is tied to the NSI band validated
// above. docs/physics.md: for M² ≫ q² a universal Z' (Q'_ν = Q'_u = Q'_d = 1) shifts the
// couplings as ε^{uV} = ε^{dV} = g²/(√2 G_F M²) for ν_e, ν_μ and ν̄_μ alike. At M = 100 GeV
// (q²/M² ≤ 1.2e-6 on CsI) the profiled −2 ln L of the Z' at g must equal that of the four
// ε_u,d^{ee,μμ} = g²/(√2 G_F M²) to 1e-3 (measured 4e-5: the minimiser), with the re-predicted
// [[fit.variation]]s held at 0 (their templates are taken at the configuration's point,
// which differs between the two runs). G_F = 1.1663788e-5 GeV⁻² (PDG 2024). A factor in
// the mapping (2, √2) or a sign moves −2 ln L by ≥ 0.3 at these points.
TEST(ScanCommand, HeavyVectorMediatorIsTheNsiOfItsEpsilonOnCoherent2017) {
  NEED_RELEASE();
  TempDir tmp;
  const std::string fixed =
      "--fix quenching=0 --fix light_yield=0 --fix acceptance_a=0 --fix acceptance_k=0 --fix acceptance_x0=0 ";
  const double mass_MeV = 1e5, fermi_per_MeV2 = 1.1663788e-11;
  const auto zp = scan_release(fixed + "--set physics.vector_mediator.mass_MeV=1e5 --param physics.vector_mediator.coupling=0.05:0.2:4",
                               tmp.path / "zp");
  ASSERT_EQ(zp["delta_chi2"].size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const double g = 0.05 + 0.05 * static_cast<double>(i);
    const double eps = g * g / (std::sqrt(2.0) * fermi_per_MeV2 * mass_MeV * mass_MeV);
    char e_text[32];
    std::snprintf(e_text, sizeof e_text, "%.17g", eps);
    const std::string e = e_text;
    const auto nsi = scan_release(fixed + "--set physics.nsi.eps_d_ee=" + e + " --set physics.nsi.eps_u_mumu=" + e +
                                      " --set physics.nsi.eps_d_mumu=" + e + " --param physics.nsi.eps_u_ee=" + e + ":1:2",
                                  tmp.path / ("nsi" + std::to_string(i)));
    const double t_zp = zp["t_min"].get<double>() + zp["delta_chi2"][i].get<double>();
    const double t_nsi = nsi["t_min"].get<double>() + nsi["delta_chi2"][0].get<double>();
    EXPECT_NEAR(t_zp, t_nsi, 1e-3) << "g = " << g << ", ε = " << e;
  }
  // The whole profile (variations free): the allowed region is the SM island and its mirror
  // beyond the point where the weak charge vanishes, Z(g_p + 3ε) + N(g_n + 3ε) = 0 at
  // ε ≈ 0.094 (Cs 0.0946, I 0.0939; g = 0.125), which is excluded.
  const auto full = scan_release("--set physics.vector_mediator.mass_MeV=1e5 --param physics.vector_mediator.coupling=0:0.25:26",
                                 tmp.path / "full");
  const auto r90 = ranges(full, "physics.vector_mediator.coupling", "90%");
  ASSERT_EQ(r90.size(), 2u) << full["intervals"].dump();
  EXPECT_TRUE(allowed(r90, 0.0));
  EXPECT_FALSE(allowed(r90, 0.125));
  EXPECT_FALSE(allowed(r90, 0.25));
}

TEST(ScanCommand, AsimovTwoDimensionalWritesContours) {
  TempDir tmp;
  const auto r = cevns("scan -q --asimov --config " + std::string(CEVNS_SOURCE_DIR) +
                       "/configs/clovers.toml --fix bkg_PMT_dark_counts=1 --param physics.sin2_theta_w=0.2:0.28:5 --param "
                       "physics.neutron_skin_fm=-0.5:1.5:4 --threads 2 --output " +
                       (tmp.path / "out").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Wilks, 2 degrees of freedom")) << r.output;
  EXPECT_TRUE(fs::exists(tmp.path / "out" / "scan_contours.png"));
  std::ifstream in(tmp.path / "out" / "scan.json");
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["delta_chi2"].size(), 20u);
  EXPECT_EQ(j["dof"], 2);
}

TEST(ScanCommand, BadInputSaysWhat) {
  auto r = cevns("scan -q --asimov --param physics.sin2_theta_w=0.3:0.2:5");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "high must be above low")) << r.output;
  r = cevns("scan -q --asimov --param physics.no_such_key=0:1:3");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "no_such_key")) << r.output;
  r = cevns("scan -q --asimov --param physics.sin2_theta_w=0.2:0.3:3 --param physics.sin2_theta_w=0.2:0.3:3");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  r = cevns("scan -q --param physics.sin2_theta_w=0.2:0.3:3");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "--asimov")) << r.output;
}

}  // namespace

namespace {

TEST(ScanCommand, AsimovScanOfCicennsConvergesAtEveryPoint) {
  // A 9-point Asimov scan of the prompt ν_μ scale (docs/statistics.md, projections) had one
  // point whose L-BFGS line search failed 5e-4 away in gradient from a minimum it could not
  // improve (2e-10 in −2 ln L left to gain); the fitter now accepts such an end point by what
  // is left to gain, not by an absolute gradient. Every point converges, the curve is smooth.
  TempDir dir;
  const auto r = cevns("scan -q --asimov --config " + std::string(CEVNS_SOURCE_DIR) + "/configs/cicenns.toml --fit-config " +
                       std::string(CEVNS_SOURCE_DIR) +
                       "/configs/fit/projection.toml --param physics.flavor_scale_nu_mu=0.6:1.4:9 --threads 2 --output " +
                       dir.path.string() + " --force");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(contains(r.output, "did not converge")) << r.output;
  std::ifstream in(dir.path / "scan.json");
  const auto j = nlohmann::json::parse(in);
  for (const auto& c : j["converged"]) EXPECT_TRUE(c.get<bool>());
  // Asimov: Δχ² = 0 at the truth, rising on both sides, roughly quadratic (±21 % at 1σ).
  const auto& d = j["delta_chi2"];
  ASSERT_EQ(d.size(), 9u);
  EXPECT_NEAR(d[4].get<double>(), 0.0, 1e-6);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_GT(d[i].get<double>(), d[i + 1].get<double>()) << i;
  for (std::size_t i = 4; i < 8; ++i) EXPECT_LT(d[i].get<double>(), d[i + 1].get<double>()) << i;
}

}  // namespace
