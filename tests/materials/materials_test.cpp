// The materials module: decay data and β spectra, photon transport against xraylib and
// Klein–Nishina, the CLOVERS geometry, deterministic threads.
#include <gtest/gtest.h>
#include <unistd.h>
#include <xraylib.h>

#include <cmath>
#include <fstream>
#include <numbers>

#include "cevns/core/error.hpp"
#include "cevns/materials/decay_data.hpp"
#include "cevns/materials/geometry.hpp"
#include "cevns/materials/transport.hpp"

using namespace cevns;
using namespace cevns::materials;

namespace {

const std::string data_dir = std::string(CEVNS_SOURCE_DIR) + "/data/materials/";

/// One box of `material` (cm), its own world.
Geometry slab(const std::string& name, double density, const std::string& formula, std::array<double, 3> size,
              bool crystal = false) {
  Geometry g;
  g.materials.push_back(make_material(name, density, formula));
  Volume v;
  v.name = name, v.material = 0;
  v.box = Box{{-size[0] / 2, -size[1] / 2, 0.0}, {size[0] / 2, size[1] / 2, size[2]}};
  if (crystal) v.crystal = 0, g.crystals = 1;
  g.volumes.push_back(v);
  return g;
}

double xrl_total(int Z, double E) {
  xrl_error* e = nullptr;
  const double photo = CS_Photo(Z, E, &e), compt = CS_Compt(Z, E, &e), rayl = CS_Rayl(Z, E, &e);
  return photo + compt + rayl;
}

}  // namespace

TEST(BetaSpectrum, NormalisedAndMeanEnergiesAsTabulated) {
  // Mean β energies: NNDC NuDat 3 (ENSDF) — Co-60 β to 2505.7 keV: 95.77 keV; Cs-137 β to
  // Ba-137m: 174.32 keV; Ar-39: 218.8 keV; K-40 β⁻ (LNHB Table de Radionucléides, Mougeot
  // and Helmer 2012, computed with the unique third-forbidden shape): 583.55 keV. Tolerance
  // 2 %: the spectra have no screening, no finite-size or radiative corrections.
  struct Case {
    int Z;
    double endpoint;
    BetaShape shape;
    double mean;
  };
  for (const Case& c : {Case{28, 317.88, BetaShape::allowed, 95.77}, Case{56, 514.03, BetaShape::unique1, 174.32},
                        Case{19, 565.0, BetaShape::unique1, 218.8}, Case{20, 1311.07, BetaShape::unique3, 583.55}}) {
    const BetaSpectrum s(c.Z, c.endpoint, c.shape);
    // Normalisation: the density integrates to one (midpoint rule, 20000 steps, 1e-3).
    double sum = 0.0;
    constexpr int n = 20000;
    for (int i = 0; i < n; ++i) sum += s.density((i + 0.5) * c.endpoint / n) * c.endpoint / n;
    EXPECT_NEAR(sum, 1.0, 1e-3) << c.endpoint;
    EXPECT_NEAR(s.cdf(c.endpoint), 1.0, 1e-12);
    EXPECT_NEAR(s.mean_keV(), c.mean, 0.02 * c.mean) << "endpoint " << c.endpoint;
    // Sampling reproduces the mean (20000 draws: σ ≈ 0.5 %, tolerance 2 %).
    Rng rng = random_stream(7, 1);
    double m = 0.0;
    for (int i = 0; i < 20000; ++i) m += s.sample(rng) / 20000;
    EXPECT_NEAR(m, s.mean_keV(), 0.02 * s.mean_keV());
  }
}

TEST(BetaSpectrum, FermiFunctionRaisesTheLowEnergyEnd) {
  // β⁻: the Coulomb attraction raises the spectrum at low energy (F > 1, growing with Z);
  // Z = 0 is the bare phase space.
  EXPECT_GT(fermi_function(56, 1.01), fermi_function(28, 1.01));
  EXPECT_GT(fermi_function(28, 1.01), 1.0);
  EXPECT_DOUBLE_EQ(fermi_function(0, 1.5), 1.0);
  // Unique first-forbidden (Cs-137) puts more of the spectrum at both ends than allowed.
  const BetaSpectrum u(56, 514.03, BetaShape::unique1), a(56, 514.03, BetaShape::allowed);
  EXPECT_GT(u.cdf(2.0), a.cdf(2.0) * 0.5);
}

TEST(DecayData, FileReadsAndChainsResolve) {
  const auto d = read_decay_data(data_dir + "decays.txt");
  for (const char* name : {"K40", "Cs137", "Cs134", "Co60", "Pb210", "Ar39", "Rb87", "U238", "Th232", "Ra226", "Th228",
                           "Ra228", "U238-upper", "Tl208", "Bi214", "Ac228"})
    EXPECT_NO_THROW((void)d.members(name, "test")) << name;
  EXPECT_EQ(d.members("U238", "test").size(), 14u);
  EXPECT_THROW((void)d.members("Xx999", "test"), ConfigError);
  // Th-232 chain: Tl-208 decays at 35.94 % of the chain's activity (ENSDF Bi-212 α branch).
  for (const auto& [n, b] : d.members("Th232", "test"))
    if (n->name == "Tl208") {
      EXPECT_DOUBLE_EQ(b, 0.3594);
    }
}

TEST(PhotonTransport, NarrowBeamAttenuationMatchesXraylib) {
  // Uncollided photons through a slab: exp(−μ x) with μ/ρ from xraylib (photo + Compton +
  // Rayleigh; below the pair threshold). 40000 photons: binomial σ; tolerance 4σ.
  struct Case {
    const char* formula;
    int Z;
    double density, thickness, E;
  };
  for (const Case& c : {Case{"Pb", 82, 11.35, 1.0, 661.657}, Case{"Pb", 82, 11.35, 0.05, 100.0},
                        Case{"Cu", 29, 8.96, 2.0, 661.657}, Case{"Cu", 29, 8.96, 0.5, 122.0}}) {
    const auto g = slab(c.formula, c.density, c.formula, {1e4, 1e4, c.thickness});
    const PhotonTransport t(g);
    Rng rng = random_stream(11, static_cast<std::uint64_t>(c.Z * 10000 + c.E));
    constexpr int n = 40000;
    int uncollided = 0;
    std::vector<double> deposits;
    for (int i = 0; i < n; ++i) {
      Photon p;
      p.position = {0.0, 0.0, 1e-9}, p.direction = {0.0, 0.0, 1.0}, p.energy_keV = c.E;
      if (t.transport(p, rng, deposits).interactions == 0) ++uncollided;
    }
    const double expected = std::exp(-xrl_total(c.Z, c.E) * c.density * c.thickness);
    const double sigma = std::sqrt(expected * (1.0 - expected) / n);
    EXPECT_NEAR(double(uncollided) / n, expected, 4.0 * sigma) << c.formula << " " << c.E << " keV";
  }
}

TEST(PhotonTransport, AttenuationAbove800keVMatchesNist) {
  // xraylib's cross sections end at 800 keV; above it make_material continues them
  // (geometry.cpp). Lead's μ/ρ against NIST (Hubbell and Seltzer, NIST SRD 126, Table 3:
  // 0.08870 at 0.8 MeV, 0.07102 at 1, 0.05222 at 1.5, 0.04606 at 2, 0.04234 at 3 MeV): 3 % to
  // 1.5 MeV; 6 % at 2–3 MeV, where ours is ≈ 5 % low (the pair term's missing Coulomb
  // correction, which raises it near threshold at high Z, and the extrapolated photoeffect;
  // docs/backgrounds.md, limits).
  const auto pb = make_material("Pb", 11.35, "Pb");
  for (const auto& [E, nist] : {std::pair{800.0, 0.08870}, std::pair{1000.0, 0.07102}, std::pair{1500.0, 0.05222},
                                std::pair{2000.0, 0.04606}, std::pair{3000.0, 0.04234}})
    EXPECT_NEAR(pb.total(E) / 11.35, nist, (E < 1600.0 ? 0.03 : 0.06) * nist) << E << " keV";
  // Continuous across 800 keV (no step where xraylib ends).
  EXPECT_NEAR(pb.total(795.0), pb.total(805.0), 0.01 * pb.total(800.0));
}

TEST(PhotonTransport, ComptonElectronSpectrumFollowsKleinNishina) {
  // 662 keV on carbon (binding negligible above ~ 10 keV electron energy): the electron
  // kinetic energy T = E − E' against dσ/dT of Klein–Nishina in 20 bins from 50 keV to the
  // Compton edge (477.3 keV); χ² per bin of 200000 draws below 2 (a 4σ bound for 20 dof ≈ 1.9).
  const double E = 661.657, me = 510.99895, k = E / me;
  const double edge = E * 2 * k / (1 + 2 * k);
  EXPECT_NEAR(edge, 477.334, 0.01);
  constexpr int bins = 20, n = 200000;
  const double low = 50.0, width = (edge - low) / bins;
  std::vector<double> histogram(bins, 0.0);
  Rng rng = random_stream(3, 3);
  int inside = 0;
  for (int i = 0; i < n; ++i) {
    const double c = PhotonTransport::sample_compton_cos(6, E, rng);
    const double T = E - E / (1 + k * (1 - c));
    if (T >= low && T < edge) ++histogram[static_cast<std::size_t>((T - low) / width)], ++inside;
  }
  // dσ/dT ∝ 2 + s²/(k²(1−s)²) + s/(1−s) (s − 2/k), s = T/E (Klein–Nishina).
  const auto dsdT = [&](double T) {
    const double s = T / E;
    return 2.0 + s * s / (k * k * (1 - s) * (1 - s)) + s / (1 - s) * (s - 2.0 / k);
  };
  std::vector<double> expected(bins);
  double total = 0.0;
  for (int b = 0; b < bins; ++b) {
    for (int j = 0; j < 50; ++j) expected[b] += dsdT(low + (b + (j + 0.5) / 50.0) * width);
    total += expected[b];
  }
  double chi2 = 0.0;
  for (int b = 0; b < bins; ++b) {
    const double e = expected[b] / total * inside;
    chi2 += (histogram[b] - e) * (histogram[b] - e) / e;
  }
  EXPECT_LT(chi2 / bins, 2.0);
  // The edge: nothing above it.
  EXPECT_GT(inside, n / 2);
}

TEST(PhotonTransport, FullEnergyPeakOfCsIBlocks) {
  // 662 keV from the centre of CsI cubes. Independent limits: (a) a 60 cm cube holds
  // almost everything (escape ∝ e^(−μ·30 cm) with μ = 0.33/cm for the primary, the
  // scattered photons' μ only larger): FEP > 0.95; (b) a thin 1 mm slab hit head-on:
  // single interactions dominate, FEP ≈ P_int × τ/μ × (1 − K X-ray escape), between
  // P_int τ/μ (1 − ω_K) and that plus Compton-then-absorbed (see below).
  {
    const auto g = slab("CsI", 4.51, "CsI", {60, 60, 60}, true);
    const PhotonTransport t(g);
    Rng rng = random_stream(5, 1);
    int peak = 0;
    constexpr int n = 4000;
    for (int i = 0; i < n; ++i) {
      std::vector<double> d(1, 0.0);
      Photon p;
      p.position = {0, 0, 30}, p.direction = isotropic(rng), p.energy_keV = 661.657;
      t.transport(p, rng, d);
      if (std::abs(d[0] - 661.657) < 0.01) ++peak;
    }
    EXPECT_GT(double(peak) / n, 0.95);
  }
  {
    const double thickness = 0.1;
    // 2 × 2 cm across: scattered photons leave sideways instead of being trapped.
    const auto g = slab("CsI", 4.51, "CsI", {2.0, 2.0, thickness}, true);
    const PhotonTransport t(g);
    Rng rng = random_stream(5, 2);
    int peak = 0;
    constexpr int n = 200000;
    for (int i = 0; i < n; ++i) {
      std::vector<double> d(1, 0.0);
      Photon p;
      p.position = {0, 0, 1e-9}, p.direction = {0, 0, 1}, p.energy_keV = 661.657;
      t.transport(p, rng, d);
      if (std::abs(d[0] - 661.657) < 0.01) ++peak;
    }
    const auto& m = g.materials[0];
    const auto mu = m.coefficients(661.657);
    const double total = mu[0] + mu[1] + mu[2] + mu[3];
    const double single = (1 - std::exp(-total * thickness)) * mu[0] / total;
    const double fep = double(peak) / n;
    EXPECT_GT(fep, single * (1 - 0.9));  // ω_K(Cs, I) ≈ 0.88–0.9 (xraylib)
    // Above: single absorption plus Compton first and the scattered photon (≥ 184 keV)
    // absorbed within the slab's diagonal (2.83 cm), with μ(184 keV) as a bound on its μ.
    const auto mu184 = m.coefficients(184.0);
    const double compton_then_absorbed =
        (1 - std::exp(-total * thickness)) * mu[1] / total * (1 - std::exp(-(mu184[0] + mu184[1]) * 2.83));
    EXPECT_LT(fep, single + compton_then_absorbed);
    // Multiple interactions add to the single-absorption estimate (here ≈ 20 %, ± 3 % statistics).
    EXPECT_GT(fep, single * 0.9);
  }
}

TEST(Geometry, CloversLayersAndMasses) {
  const auto g = read_geometry(data_dir + "clovers.txt");
  EXPECT_EQ(g.crystals, 4);
  // 4 × 7 × 7 × 13.6 cm³ × 4.51 g/cm³ = 12.02 kg (the paper's 4 × 3 kg).
  EXPECT_NEAR(g.crystal_mass_kg(), 12.02, 0.01);
  EXPECT_EQ(g.named("pmt").size(), 8u);
  EXPECT_EQ(g.named("steel").size(), 2u);
  // The lead shell is 60 cm thick on every side, in 30 importance layers of 2 cm
  // (splitting_layer_cm 2), each 2.4 times as important as the one outside it.
  const auto layers = g.named("lead");
  ASSERT_EQ(layers.size(), 30u);
  const auto lead = g.volumes[layers.front()];
  const auto inside = g.volumes[g.volumes[layers.back()].children.at(0)];
  EXPECT_NEAR(lead.box.high[0] - inside.box.high[0], 60.0, 1e-9);
  const double ratio = g.volumes[layers[1]].importance / g.volumes[layers[0]].importance;
  EXPECT_NEAR(ratio, std::exp(g.materials[lead.material].total(2614.5) * 2.0), 1e-9);
  EXPECT_GT(ratio, 2.0);
  EXPECT_LT(ratio, 3.0);
  EXPECT_EQ(g.environment.size(), 2u);
  // A point at the centre of the first crystal is in a crystal.
  const auto c = g.volumes[g.named("crystal")[0]];
  const std::array<double, 3> centre{(c.box.low[0] + c.box.high[0]) / 2, (c.box.low[1] + c.box.high[1]) / 2, 0.0};
  EXPECT_GE(g.volumes[g.locate(centre)].crystal, 0);
}

TEST(Geometry, BadFilesNameTheLine) {
  const auto path = std::filesystem::temp_directory_path() / "cevns-materials-bad.txt";
  {
    std::ofstream(path) << "material CsI 4.51 CsI\ncrystal CsI 7 7 -1\n";
  }
  try {
    (void)read_geometry(path);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  {
    std::ofstream(path) << "material X 1.0 Qq9\n";
  }
  EXPECT_THROW((void)read_geometry(path), ConfigError);
  std::filesystem::remove(path);
}

TEST(Simulation, DeterministicWhateverTheThreads) {
  auto g = read_geometry(data_dir + "clovers.txt");
  const auto d = read_decay_data(data_dir + "decays.txt");
  g.activities = {{"crystal", "Cs137", 150, false, 0}};
  g.environment.clear();
  MaterialsSettings s;
  s.decays_per_source = 4000, s.chunk = 1000, s.threads = 1;
  const auto one = simulate_materials(g, d, s);
  s.threads = 2;
  const auto two = simulate_materials(g, d, s);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].coarse, two[0].coarse);
  EXPECT_EQ(one[0].fine, two[0].fine);
  // 150 mBq/kg × 12.02 kg = 1.803 Bq.
  EXPECT_NEAR(one[0].activity_Bq, 1.803, 0.002);
  // Every Cs-137 decay in a crystal deposits its β there (and Ba-137m is its own event):
  // candidates per decay ≥ 1 (the β) + the 661.7 keV photons that interact.
  double candidates = 0.0;
  for (double x : one[0].coarse) candidates += x;
  EXPECT_GT(candidates, 1.0);
  EXPECT_LT(candidates, 2.5);
}

namespace {

/// A geometry file in the temporary folder, read back.
Geometry geometry_from(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("cevns-materials-" + name + "-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(path) << text;
  auto g = read_geometry(path);
  std::filesystem::remove(path);
  return g;
}

}  // namespace

TEST(DecayData, ElectronCaptureDepositsTheShellBindingWithoutContinuum) {
  // K-40 in a 1 mm CsI grain (the 1460.8 keV γ leaves it: P_int ≲ 0.1 cm × 0.22/cm ≈ 2 %):
  // its EC branches (LNHB: 10.55 % to the 1460 keV level with P_K 0.763, P_L 0.209; 0.2 % to
  // the ground state with P_K 0.88, P_L 0.086) deposit exactly the K binding of Ar (3.2060
  // keV, xraylib EdgeEnergy; 3.206 keV in the LNHB table's atomic data: Kβ at 3.1905 keV
  // below it) or the L1 binding (0.3263 keV), never a β continuum.
  const auto d = read_decay_data(data_dir + "decays.txt");
  auto g = geometry_from("ec", "material CsI 4.51 CsI\nmaterial Vacuum 0 -\ncrystal CsI 0.1 0.1 0.1\n"
                               "shell world Vacuum 1\nactivity crystal K40 1 mBq/kg\n");
  MaterialsSettings s;
  s.decays_per_source = 200000, s.chunk = 50000, s.threads = 2;
  const auto out = simulate_materials(g, d, s);
  ASSERT_EQ(out.size(), 1u);
  const auto& f = out[0].fine;
  const auto bin = [](double E) { return static_cast<std::size_t>(E / fine_bin_keV); };
  const double k = f[bin(3.2060)], l = f[bin(0.3263)];
  const double expected_k = 0.1055 * 0.763 + 0.0020 * 0.88, expected_l = 0.1055 * 0.209 + 0.0020 * 0.086;
  // Binomial σ of 2·10⁵ decays (≈ 6·10⁻⁴ and 3·10⁻⁴), the γ's ≲ 2 % interaction: 5σ + 3 %.
  EXPECT_NEAR(k, expected_k, 5 * std::sqrt(expected_k / 2e5) + 0.03 * expected_k);
  EXPECT_NEAR(l, expected_l, 5 * std::sqrt(expected_l / 2e5) + 0.03 * expected_l);
  // Beside the lines only the β⁻ continuum (89.25 %, unique third-forbidden, 1311 keV): per
  // 0.01 keV bin near 3 keV ≈ 0.8925 × density × 0.01 keV ≈ 10⁻⁶, not an EC share.
  EXPECT_LT(f[bin(3.2060) - 3] + f[bin(3.2060) + 3], 1e-4);
  const BetaSpectrum beta(20, 1311.07, BetaShape::unique3);
  EXPECT_NEAR(f[bin(3.2060) - 3], 0.8925 * beta.density(3.18) * fine_bin_keV, 5 * std::sqrt(1e-6 / 2e5) + 2e-6);
  // Everything that deposits: the β's, the EC's K and L shells (M: 2.7 % and 1.3 % of the
  // EC deposit < 0.1 keV, here counted when above zero).
  double total = 0.0;
  for (double x : out[0].coarse) total += x;
  EXPECT_NEAR(total, 0.8925 + 0.1055 * (0.763 + 0.209) + 0.0020 * (0.88 + 0.086), 0.01);
}

TEST(Splitting, ImportanceWeightsAreUnbiasedThroughAThinShield) {
  // Tl-208's 2614.5 keV line of the walls' Th-232 (environment_source) through 4 cm of lead
  // onto a CsI crystal: the photons entering the innermost shell (their summed weight) and the
  // energy they then deposit, analog against importance splitting in 0.5 cm layers. Means per
  // source photon agree within 4σ (σ from the histories' spread; splitting makes the
  // histories correlated within one, not between them).
  const std::string common = "material CsI 4.51 CsI\nmaterial Pb 11.35 Pb\nmaterial Air 0.0012 N78O21Ar1\n"
                             "crystal CsI 5 5 5\nshell air Air 0.5\nshell lead Pb 4\nenvironment Th232 5.4 Bq/kg\n";
  const auto analog = geometry_from("analog", common);
  const auto split = geometry_from("split", common + "splitting_layer_cm 0.5\n");
  // Lead in 8 layers; the air (the innermost shell, where the crossings are counted) whole.
  EXPECT_EQ(analog.volumes.size() + 7, split.volumes.size());
  // Importance grows by exp(μ(2614.5 keV) × 0.5 cm) per lead layer.
  const auto lead = split.named("lead");
  ASSERT_EQ(lead.size(), 8u);
  const double mu = split.materials[1].total(2614.5);
  EXPECT_NEAR(split.volumes[lead[1]].importance / split.volumes[lead[0]].importance, std::exp(mu * 0.5), 1e-9);
  const auto d = read_decay_data(data_dir + "decays.txt");
  struct Tally {
    double n = 0, w = 0, w2 = 0, e = 0, e2 = 0;
  };
  const auto run = [&](const Geometry& g, bool splitting, std::uint64_t stream) {
    const auto env = environment_source(g, d, g.environment.at(0));
    // The line alone: every photon 2614.5 keV.
    EnvironmentSource line = env;
    line.energy_keV = {2614.5}, line.flux_cm2_s = {1.0}, line.cumulative = {1.0};
    const PhotonTransport stage1(g, splitting), stage2(g);
    const int inner = PhotonTransport::innermost_shell(g);
    Rng rng = random_stream(21, stream);
    Tally t;
    std::vector<Photon> crossings;
    std::vector<double> deposits(1);
    for (int i = 0; i < 20000; ++i) {
      crossings.clear();
      stage1.transport(sample_entering(g, line, rng), rng, deposits, inner, &crossings);
      double w = 0.0, e = 0.0;
      for (auto p : crossings) {
        w += p.weight;
        const double weight = p.weight;
        p.weight = 1.0;
        deposits[0] = 0.0;
        stage2.transport(p, rng, deposits);
        e += weight * deposits[0];
      }
      t.n += 1, t.w += w, t.w2 += w * w, t.e += e, t.e2 += e * e;
    }
    return t;
  };
  const Tally a = run(analog, false, 1), b = run(split, true, 2);
  const auto mean = [](double s, double n) { return s / n; };
  const auto var_mean = [](double s, double s2, double n) { return (s2 / n - (s / n) * (s / n)) / n; };
  const double wa = mean(a.w, a.n), wb = mean(b.w, b.n);
  const double sw = std::sqrt(var_mean(a.w, a.w2, a.n) + var_mean(b.w, b.w2, b.n));
  EXPECT_GT(wa, 0.01);  // 4 cm of lead: e^(−μx) ≈ 0.15 of the normal photons, fewer at slant
  EXPECT_NEAR(wa, wb, 4 * sw) << "analog " << wa << ", split " << wb;
  const double ea = mean(a.e, a.n), eb = mean(b.e, b.n);
  EXPECT_NEAR(ea, eb, 4 * std::sqrt(var_mean(a.e, a.e2, a.n) + var_mean(b.e, b.e2, b.n))) << ea << " " << eb;
  // Splitting makes more (lighter) photons reach the inside: its error on the weight is smaller.
  EXPECT_LT(var_mean(b.w, b.w2, b.n), var_mean(a.w, a.w2, a.n));
}

TEST(Environment, WallFluxAndEntranceByTheCosineLaw) {
  const auto g = geometry_from("env", "material CsI 4.51 CsI\nmaterial Air 0.0012 N78O21Ar1\ncrystal CsI 5 5 5\n"
                                      "shell air Air 10\nenvironment Th232 5.4 Bq/kg\n");
  const auto d = read_decay_data(data_dir + "decays.txt");
  const auto env = environment_source(g, d, g.environment.at(0));
  // Tl-208's 2614.5 keV line: 5.4 Bq/kg × 35.94 % × 99.75 % over μ/ρ of Portland concrete.
  // Independently of xraylib's cross sections: at 2.6 MeV in a light material μ/ρ is the
  // Klein–Nishina cross section per electron × N_A Z/A (composition: NIST's, via xraylib),
  // plus ≈ 2–3 % of pair production and < 1 % of binding and Rayleigh: within 6 %.
  double flux_2614 = 0.0;
  for (std::size_t i = 0; i < env.energy_keV.size(); ++i)
    if (std::abs(env.energy_keV[i] - 2614.51) < 0.01) flux_2614 += env.flux_cm2_s[i];
  xrl_error* error = nullptr;
  compoundDataNIST* concrete = GetCompoundDataNISTByName("Concrete, Portland", &error);
  ASSERT_NE(concrete, nullptr);
  double z_over_a = 0.0;
  for (int i = 0; i < concrete->nElements; ++i)
    z_over_a += concrete->massFractions[i] * concrete->Elements[i] / AtomicWeight(concrete->Elements[i], &error);
  FreeCompoundDataNIST(concrete);
  EXPECT_NEAR(z_over_a, 0.50, 0.01);
  const double kn = 2614.51 / 510.99895, re = 2.8179403262e-13, l = std::log(1 + 2 * kn);
  const double sigma_kn = 2 * std::numbers::pi * re * re *
                          ((1 + kn) / (kn * kn) * (2 * (1 + kn) / (1 + 2 * kn) - l / kn) + l / (2 * kn) -
                           (1 + 3 * kn) / ((1 + 2 * kn) * (1 + 2 * kn)));
  const double mu_rho_compton = 6.02214076e23 * z_over_a * sigma_kn;
  EXPECT_LT(flux_2614, 5.4e-3 * 0.3594 * 0.9975 / mu_rho_compton);
  EXPECT_NEAR(flux_2614, 5.4e-3 * 0.3594 * 0.9975 / mu_rho_compton, 0.06 * flux_2614);
  // The outer box: 25 × 25 × 25 cm (5 cm crystal, 10 cm of air around it, no PMTs).
  EXPECT_NEAR(env.area_cm2, 6 * 25.0 * 25.0, 1e-9);
  double flux = 0.0;
  for (double f : env.flux_cm2_s) flux += f;
  EXPECT_NEAR(env.photons_per_s, flux * env.area_cm2 / 4, 1e-9 * env.photons_per_s);
  // Entering photons: on the surface, inward, ⟨cos θ⟩ = 2/3 about the normal (cosine law).
  Rng rng = random_stream(4, 4);
  double cos_sum = 0.0;
  constexpr int n = 40000;
  for (int i = 0; i < n; ++i) {
    const auto p = sample_entering(g, env, rng);
    ASSERT_GE(g.locate(p.position), 0);
    double c = 0.0;
    for (int k = 0; k < 3; ++k)
      if (std::abs(std::abs(p.position[k]) - 12.5) < 1e-6) c = -p.direction[k] * (p.position[k] > 0 ? 1 : -1);
    ASSERT_GT(c, 0.0);
    cos_sum += c;
  }
  EXPECT_NEAR(cos_sum / n, 2.0 / 3.0, 4 * std::sqrt(1.0 / 18.0 / n));  // var(cos θ) = 1/2 − 4/9
}
