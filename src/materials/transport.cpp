#include "cevns/materials/transport.hpp"

#include <xraylib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <stdexcept>
#include <thread>

#include "cevns/core/error.hpp"

namespace cevns::materials {
namespace {

constexpr double me_keV = 510.99895;  // CODATA 2018
constexpr double nudge_cm = 1e-7;     // past a boundary, so that the next volume is found

double uniform(Rng& rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

/// Distance along d from p to where it leaves box b (p inside).
double exit_distance(const Box& b, const std::array<double, 3>& p, const std::array<double, 3>& d) {
  double t = std::numeric_limits<double>::infinity();
  for (int k = 0; k < 3; ++k) {
    if (d[k] > 0.0) t = std::min(t, (b.high[k] - p[k]) / d[k]);
    else if (d[k] < 0.0) t = std::min(t, (b.low[k] - p[k]) / d[k]);
  }
  return std::max(t, 0.0);
}

/// Distance along d from p (outside b) to where it enters box b, or ∞.
double entry_distance(const Box& b, const std::array<double, 3>& p, const std::array<double, 3>& d) {
  double t0 = 0.0, t1 = std::numeric_limits<double>::infinity();
  for (int k = 0; k < 3; ++k) {
    if (d[k] == 0.0) {
      if (p[k] < b.low[k] || p[k] >= b.high[k]) return std::numeric_limits<double>::infinity();
      continue;
    }
    double a = (b.low[k] - p[k]) / d[k], c = (b.high[k] - p[k]) / d[k];
    if (a > c) std::swap(a, c);
    t0 = std::max(t0, a), t1 = std::min(t1, c);
    if (t0 > t1) return std::numeric_limits<double>::infinity();
  }
  return t0;
}

/// The direction d turned by polar angle cos θ and a uniform azimuth.
std::array<double, 3> rotate(const std::array<double, 3>& d, double cos_theta, Rng& rng) {
  const double sin_theta = std::sqrt(std::max(0.0, 1.0 - cos_theta * cos_theta));
  const double phi = 2.0 * std::numbers::pi * uniform(rng);
  const double cp = std::cos(phi), sp = std::sin(phi);
  std::array<double, 3> r;
  if (std::abs(d[2]) > 0.99999) {
    const double s = d[2] > 0 ? 1.0 : -1.0;
    r = {sin_theta * cp, sin_theta * sp, s * cos_theta};
  } else {
    const double t = std::sqrt(1.0 - d[2] * d[2]);
    r = {cos_theta * d[0] + sin_theta * (d[0] * d[2] * cp - d[1] * sp) / t,
         cos_theta * d[1] + sin_theta * (d[1] * d[2] * cp + d[0] * sp) / t,
         cos_theta * d[2] - sin_theta * t * cp};
  }
  const double n = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
  for (double& x : r) x /= n;
  return r;
}

double xrl2(double (*f)(int, double, xrl_error**), int Z, double x) {
  xrl_error* error = nullptr;
  const double v = f(Z, x, &error);
  if (error != nullptr) {
    xrl_error_free(error);
    return 0.0;
  }
  return v;
}
double xrl_line(double (*f)(int, int, xrl_error**), int Z, int line) {
  xrl_error* error = nullptr;
  const double v = f(Z, line, &error);
  if (error != nullptr) {
    xrl_error_free(error);
    return 0.0;
  }
  return v;
}

/// Momentum transfer x = sin(θ/2)/λ in Å⁻¹ (xraylib's MomentTransf convention).
double momentum_transfer(double E_keV, double cos_theta) {
  const double sin_half = std::sqrt(std::max(0.0, 0.5 * (1.0 - cos_theta)));
  return E_keV / 12.39842 * sin_half;  // λ(Å) = 12.39842 / E(keV)
}

}  // namespace

std::array<double, 3> isotropic(Rng& rng) {
  const double c = 2.0 * uniform(rng) - 1.0, s = std::sqrt(std::max(0.0, 1.0 - c * c));
  const double phi = 2.0 * std::numbers::pi * uniform(rng);
  return {s * std::cos(phi), s * std::sin(phi), c};
}

double PhotonTransport::sample_compton_cos(int Z, double E, Rng& rng) {
  // Klein–Nishina by the Butcher–Messel mixture (the sampling of the Geant4 Physics
  // Reference Manual, "Compton scattering"): ε = E'/E in [ε₀, 1], f(ε) ∝ (1/ε + ε)(1 −
  // ε sin²θ/(1 + ε²)); then rejection by S(x, Z)/Z, the incoherent scattering function
  // (xraylib SF_Compt) — the binding of the electrons, which suppresses forward scattering.
  const double k = E / me_keV;
  const double e0 = 1.0 / (1.0 + 2.0 * k);
  const double a1 = -std::log(e0), a2 = 0.5 * (1.0 - e0 * e0);
  for (int trial = 0; trial < 100000; ++trial) {
    double e;
    if (a1 / (a1 + a2) > uniform(rng)) e = std::exp(-a1 * uniform(rng));
    else e = std::sqrt(e0 * e0 + (1.0 - e0 * e0) * uniform(rng));
    const double one_minus_cos = (1.0 - e) / (k * e);
    const double cos_t = 1.0 - one_minus_cos;
    const double sin2 = one_minus_cos * (2.0 - one_minus_cos);
    if (uniform(rng) > 1.0 - e * sin2 / (1.0 + e * e)) continue;
    const double x = momentum_transfer(E, cos_t);
    const double s = x > 0.0 ? xrl2(SF_Compt, Z, x) / Z : 0.0;
    if (uniform(rng) <= s) return cos_t;
  }
  return 1.0;  // not reached for Z ≥ 1 at E ≥ 1 keV
}

double PhotonTransport::sample_rayleigh_cos(int Z, double E, Rng& rng) {
  // Thomson (1 + cos²θ)/2 × (F(x, Z)/Z)²; at high E the form factor confines the angle to
  // a few degrees: after 2000 trials the photon goes on undeflected (documented limit).
  for (int trial = 0; trial < 2000; ++trial) {
    const double c = 2.0 * uniform(rng) - 1.0;
    if (uniform(rng) > 0.5 * (1.0 + c * c)) continue;
    const double f = xrl2(FF_Rayl, Z, momentum_transfer(E, c)) / Z;
    if (uniform(rng) <= f * f) return c;
  }
  return 1.0;
}

PhotonHistory PhotonTransport::transport(const Photon& start, Rng& rng, std::vector<double>& deposits, int stop_volume,
                                         std::vector<Photon>* crossings) const {
  PhotonHistory history;
  struct Track {
    Photon photon;
    int volume;
  };
  std::vector<Track> stack{{start, g_.locate(start.position)}};
  const auto deposit = [&](int volume, double w, double e) {
    const int c = g_.volumes[volume].crystal;
    if (c >= 0) deposits[static_cast<std::size_t>(c)] += w * e;
  };
  while (!stack.empty()) {
    Track t = stack.back();
    stack.pop_back();
    auto& p = t.photon;
    for (;;) {
      if (t.volume < 0) {
        history.escaped = true;
        break;
      }
      if (p.energy_keV < grid_min_keV) {  // absorbed within micrometres
        deposit(t.volume, p.weight, p.energy_keV);
        break;
      }
      const Volume& v = g_.volumes[t.volume];
      const Material& m = g_.materials[v.material];
      const auto mu = m.coefficients(p.energy_keV);
      const double total = mu[0] + mu[1] + mu[2] + mu[3];
      const double s = total > 0.0 ? -std::log(1.0 - uniform(rng)) / total : std::numeric_limits<double>::infinity();
      double d = exit_distance(v.box, p.position, p.direction);
      for (int c : v.children) d = std::min(d, entry_distance(g_.volumes[c].box, p.position, p.direction));
      if (s >= d) {
        for (int k = 0; k < 3; ++k) p.position[k] += (d + nudge_cm) * p.direction[k];
        const int next = g_.locate(p.position);
        if (crossings != nullptr && next == stop_volume && t.volume != stop_volume) {
          crossings->push_back(p);
          break;
        }
        if (next >= 0 && splitting_ && g_.splitting_layer_cm > 0.0) {
          // Importance splitting / Russian roulette at the boundary.
          const double r = g_.volumes[next].importance / v.importance;
          if (r > 1.0) {
            const int n = static_cast<int>(r + uniform(rng));
            p.weight /= n;
            for (int i = 1; i < n; ++i) stack.push_back({p, next});
          } else if (r < 1.0) {
            if (uniform(rng) >= r) break;
            p.weight /= r;
          }
        }
        t.volume = next;
        continue;
      }
      for (int k = 0; k < 3; ++k) p.position[k] += s * p.direction[k];
      ++history.interactions;
      double x = uniform(rng) * total;
      int process = 0;
      while (process < 3 && x >= mu[process]) x -= mu[process], ++process;
      const int Z = m.pick_element(process, p.energy_keV, uniform(rng));
      if (process == 0) {
        // Photoabsorption; a K-shell vacancy (share 1 − 1/J_K above the K edge) fluoresces
        // with the K fluorescence yield ω_K, Kα or Kβ by their radiative rates; the rest of
        // the energy (photoelectron, Auger electrons, L and outer X-rays) stays here.
        const double edge = xrl_line(EdgeEnergy, Z, K_SHELL);
        double emitted = 0.0;
        if (edge > 0.0 && p.energy_keV > edge) {
          const double jump = xrl_line(JumpFactor, Z, K_SHELL);
          if (jump > 1.0 && uniform(rng) < 1.0 - 1.0 / jump && uniform(rng) < xrl_line(FluorYield, Z, K_SHELL)) {
            const double ka = xrl_line(RadRate, Z, KA_LINE), kb = xrl_line(RadRate, Z, KB_LINE);
            const int line = uniform(rng) * (ka + kb) < ka ? KA_LINE : KB_LINE;
            emitted = xrl_line(LineEnergy, Z, line);
            if (!(emitted > 0.0 && emitted < p.energy_keV)) emitted = 0.0;
          }
        }
        deposit(t.volume, p.weight, p.energy_keV - emitted);
        if (emitted <= 0.0) break;
        p.energy_keV = emitted;
        p.direction = isotropic(rng);
      } else if (process == 1) {
        const double c = sample_compton_cos(Z, p.energy_keV, rng);
        const double scattered = p.energy_keV / (1.0 + p.energy_keV / me_keV * (1.0 - c));
        deposit(t.volume, p.weight, p.energy_keV - scattered);  // binding energy neglected
        p.energy_keV = scattered;
        p.direction = rotate(p.direction, c, rng);
      } else if (process == 2) {
        p.direction = rotate(p.direction, sample_rayleigh_cos(Z, p.energy_keV, rng), rng);
      } else {
        // Pair production: the pair's kinetic energy here, its positron annihilating at rest
        // into two back-to-back 511 keV photons.
        deposit(t.volume, p.weight, p.energy_keV - 2.0 * me_keV);
        p.energy_keV = me_keV;
        p.direction = isotropic(rng);
        Photon other = p;
        for (double& c : other.direction) c = -c;
        stack.push_back({other, t.volume});
      }
    }
  }
  return history;
}

int PhotonTransport::innermost_shell(const Geometry& g) {
  for (const auto& v : g.volumes)
    if (v.crystal >= 0) {
      const int sub = v.parent;
      return sub >= 0 ? g.volumes[sub].parent : -1;
    }
  return -1;
}

namespace {
/// NIST's "Concrete, Portland" (composition and density via xraylib) as a Material: the
/// cross sections of make_material, also above xraylib's 800 keV.
Material concrete_material() {
  xrl_error* error = nullptr;
  compoundDataNIST* c = GetCompoundDataNISTByName("Concrete, Portland", &error);
  if (c == nullptr) {
    if (error != nullptr) xrl_error_free(error);
    throw std::runtime_error("xraylib has no NIST compound \"Concrete, Portland\"");
  }
  // A formula of mass fractions as atoms per unit: fraction / atomic weight, scaled.
  std::string formula;
  for (int i = 0; i < c->nElements; ++i) {
    xrl_error* e = nullptr;
    const double atoms = c->massFractions[i] / AtomicWeight(c->Elements[i], &e) * 1e4;
    if (e != nullptr) xrl_error_free(e);
    char* symbol = AtomicNumberToSymbol(c->Elements[i], nullptr);
    formula += std::string(symbol) + std::to_string(atoms);
    xrlFree(symbol);
  }
  const double density = c->density;
  FreeCompoundDataNIST(c);
  return make_material("concrete", density, formula);
}
}  // namespace

EnvironmentSource environment_source(const Geometry& g, const DecayData& decays, const EnvironmentActivity& a) {
  EnvironmentSource out;
  const auto add = [&](double E, double per_decay) {
    if (per_decay <= 0.0 || E < grid_min_keV) return;
    static const Material concrete = concrete_material();
    const double mu_rho = concrete.total(E) / concrete.density_g_cm3;  // cm²/g
    out.energy_keV.push_back(E);
    out.flux_cm2_s.push_back(a.Bq_per_kg * 1e-3 * per_decay / mu_rho);
  };
  for (const auto& [n, branching] : decays.members(a.isotope, "environment")) {
    for (const auto& l : n->lines)
      if (l.kind != Line::Kind::electron) add(l.energy_keV, branching * l.intensity);
    for (const auto& b : n->branches)
      for (const auto& c : b.cascades)
        for (double E : c.gammas_keV) add(E, branching * b.intensity * c.probability);
  }
  double sum = 0.0;
  for (double f : out.flux_cm2_s) out.cumulative.push_back(sum += f);
  const Box& b = g.volumes.at(0).box;
  const double x = b.high[0] - b.low[0], y = b.high[1] - b.low[1], z = b.high[2] - b.low[2];
  out.area_cm2 = 2.0 * (x * y + y * z + z * x);
  out.photons_per_s = sum * out.area_cm2 / 4.0;
  return out;
}

Photon sample_entering(const Geometry& g, const EnvironmentSource& source, Rng& rng) {
  Photon p;
  const auto line = std::min<std::size_t>(
      std::upper_bound(source.cumulative.begin(), source.cumulative.end(), uniform(rng) * source.cumulative.back()) -
          source.cumulative.begin(),
      source.cumulative.size() - 1);
  p.energy_keV = source.energy_keV[line];
  const Box& b = g.volumes.at(0).box;
  const std::array<double, 3> size{b.high[0] - b.low[0], b.high[1] - b.low[1], b.high[2] - b.low[2]};
  const std::array<double, 3> face_area{size[1] * size[2], size[0] * size[2], size[0] * size[1]};
  double pick = uniform(rng) * (face_area[0] + face_area[1] + face_area[2]);
  int axis = 0;
  while (axis < 2 && pick >= face_area[axis]) pick -= face_area[axis], ++axis;
  const bool high = uniform(rng) < 0.5;
  for (int k = 0; k < 3; ++k) p.position[k] = b.low[k] + size[k] * uniform(rng);
  std::array<double, 3> normal{0.0, 0.0, 0.0};
  normal[axis] = high ? -1.0 : 1.0;
  p.position[axis] = high ? b.high[axis] : b.low[axis];
  p.direction = rotate(normal, std::sqrt(uniform(rng)), rng);  // cosine law: an isotropic flux's current
  for (int k = 0; k < 3; ++k) p.position[k] += nudge_cm * normal[k];
  return p;
}

std::array<double, 3> sample_point(const Geometry& g, int v, Rng& rng) {
  const Box& b = g.volumes[v].box;
  for (int trial = 0; trial < 1000000; ++trial) {
    std::array<double, 3> p;
    for (int k = 0; k < 3; ++k) p[k] = b.low[k] + (b.high[k] - b.low[k]) * uniform(rng);
    bool in_child = false;
    for (int c : g.volumes[v].children) in_child = in_child || g.volumes[c].box.contains(p);
    if (!in_child) return p;
  }
  throw std::logic_error("sample_point: volume " + g.volumes[v].name + " has no own volume");
}

namespace {

struct PreparedNuclide {
  const Nuclide* nuclide;
  double branching;
  std::vector<BetaSpectrum> spectra;  ///< per branch (EC: an unused placeholder)
  double branch_total;
  std::vector<std::array<double, 2>> ec_binding_keV;  ///< per branch: K and L1 binding of the EC daughter
  bool fed = false;  ///< whole-chain events: some member's branch feeds it (decays only after one)
};

struct Source {
  bool outside = false;  ///< every volume outside the innermost shell: surface-source repetition
  bool environment = false;  ///< the walls' γ (env), entering from outside with importance splitting
  EnvironmentSource env;
  std::vector<int> volumes;
  std::vector<double> cumulative;  ///< volume choice (by mass, or uniform per unit)
  std::vector<PreparedNuclide> members;
};

struct Histograms {
  std::vector<double> fine, fine_single, coarse, coarse_single;
  Histograms()
      : fine(static_cast<std::size_t>(fine_max_keV / fine_bin_keV)),
        fine_single(fine.size()),
        coarse(static_cast<std::size_t>(coarse_max_keV / coarse_bin_keV)),
        coarse_single(coarse.size()) {}
};

/// One decay of m at point: its radiation transported, deposits added. Returns the chain
/// member the chosen branch feeds (BetaBranch::feeds), or nullptr.
const std::string* decay_once(const Geometry& g, const PhotonTransport& transport, const PreparedNuclide& m, int volume,
                              const std::array<double, 3>& point, Rng& rng, std::vector<double>& deposits,
                              int stop_volume, std::vector<Photon>* crossings) {
  const std::string* fed = nullptr;
  const int crystal = g.volumes[volume].crystal;
  const auto local = [&](double e) {
    if (crystal >= 0) deposits[static_cast<std::size_t>(crystal)] += e;
  };
  const auto photon = [&](double e) {
    Photon p;
    p.position = point, p.direction = isotropic(rng), p.energy_keV = e;
    transport.transport(p, rng, deposits, stop_volume, crossings);
  };
  const Nuclide& n = *m.nuclide;
  double x = uniform(rng) * (m.branch_total + n.alpha_intensity);
  if (n.branches.empty() && n.alpha_intensity <= 0.0) {
    // An isomeric transition (Ba-137m): its lines only.
  } else if (x < n.alpha_intensity) {
    local(n.alpha_keV);  // an α never leaves the material it is born in
    fed = &n.alpha_feeds;
  } else {
    x -= n.alpha_intensity;
    std::size_t b = 0;
    while (b + 1 < n.branches.size() && x >= n.branches[b].intensity) x -= n.branches[b].intensity, ++b;
    const auto& branch = n.branches[b];
    fed = &branch.feeds;
    if (branch.endpoint_keV > 0.0) {
      local(m.spectra[b].sample(rng));  // electrons stay where they are made
    } else {
      // Electron capture: no electron, no continuum; the vacancy's X-rays and Auger
      // electrons (≤ 3.2 keV for Ar: ranges of microns) deposit its binding energy here.
      const double shell = uniform(rng);
      if (shell < branch.p_K) local(m.ec_binding_keV[b][0]);
      else if (shell < branch.p_K + branch.p_L) local(m.ec_binding_keV[b][1]);
    }
    double y = uniform(rng);
    for (const auto& c : branch.cascades) {
      if (y < c.probability) {
        for (double e : c.gammas_keV) photon(e);
        break;
      }
      y -= c.probability;
    }
  }
  for (const auto& line : n.lines) {
    if (uniform(rng) >= line.intensity) continue;
    if (line.kind == Line::Kind::electron) local(line.energy_keV);
    else photon(line.energy_keV);
  }
  return fed;
}

}  // namespace

std::vector<SourceSpectrum> simulate_materials(const Geometry& g, const DecayData& decays, const MaterialsSettings& s) {
  if (s.decays_per_source == 0 || s.chunk == 0) throw std::invalid_argument("simulate_materials: no decays");
  std::vector<Source> sources;
  std::vector<SourceSpectrum> out;
  // The innermost shell: the parent of the sub-detectors (the crystals' grandparent).
  int inner = -1;
  for (std::size_t v = 0; v < g.volumes.size(); ++v)
    if (g.volumes[v].crystal >= 0) {
      const int sub = g.volumes[v].parent;
      inner = sub >= 0 ? g.volumes[sub].parent : -1;
      break;
    }
  const int repeat = std::max(1, s.repeat);
  for (const auto& a : g.activities) {
    Source src;
    src.volumes = g.named(a.volume);
    double total = 0.0, mass_kg = 0.0;
    for (int v : src.volumes) {
      const double m = g.mass_g(v) / 1000.0;
      mass_kg += m;
      total += a.per_unit ? 1.0 : m;
      src.cumulative.push_back(total);
    }
    for (const auto& [nuclide, branching] : decays.members(a.isotope, "activity of " + a.volume)) {
      PreparedNuclide p{nuclide, branching, {}, 0.0, {}, false};
      for (const auto& b : nuclide->branches) {
        p.spectra.emplace_back(nuclide->daughter_Z, b.endpoint_keV > 0.0 ? b.endpoint_keV : 1.0, b.shape);
        p.branch_total += b.intensity;
        p.ec_binding_keV.push_back({0.0, 0.0});
        if (b.endpoint_keV <= 0.0 && b.ec_daughter_Z > 0)
          p.ec_binding_keV.back() = {xrl_line(EdgeEnergy, b.ec_daughter_Z, K_SHELL),
                                     xrl_line(EdgeEnergy, b.ec_daughter_Z, L1_SHELL)};
      }
      src.members.push_back(std::move(p));
    }
    for (auto& m : src.members)
      for (const auto& other : src.members) {
        const Nuclide& o = *other.nuclide;
        bool feeds = o.alpha_feeds == m.nuclide->name;
        for (const auto& b : o.branches) feeds = feeds || b.feeds == m.nuclide->name;
        m.fed = m.fed || (feeds && m.branching < 1.0);
      }
    // Outside the innermost shell (the medium around the sub-detectors): no volume of the
    // source is that shell or inside it.
    src.outside = inner >= 0;
    for (int v : src.volumes)
      for (int w = v; w >= 0; w = g.volumes[w].parent)
        if (w == inner) src.outside = false;
    SourceSpectrum spectrum;
    spectrum.volume = a.volume, spectrum.isotope = a.isotope;
    spectrum.activity_Bq = a.value * 1e-3 * (a.per_unit ? double(src.volumes.size()) : mass_kg);
    spectrum.decays = double(s.decays_per_source);
    out.push_back(spectrum);
    sources.push_back(std::move(src));
  }
  for (const auto& a : g.environment) {
    Source src;
    src.environment = true;
    src.env = environment_source(g, decays, a);
    SourceSpectrum spectrum;
    spectrum.volume = "environment", spectrum.isotope = a.isotope;
    spectrum.activity_Bq = src.env.photons_per_s;
    spectrum.decays = double(s.decays_per_source);
    out.push_back(spectrum);
    sources.push_back(std::move(src));
  }
  const std::uint64_t chunks = (s.decays_per_source + s.chunk - 1) / s.chunk;
  const std::size_t jobs = sources.size() * chunks;
  std::vector<Histograms> results(jobs);
  std::atomic<std::size_t> next{0};
  const PhotonTransport transport(g);
  const PhotonTransport splitting_transport(g, true);
  const auto work = [&]() {
    std::vector<double> deposits(static_cast<std::size_t>(g.crystals));
    std::vector<Photon> crossings;
    for (std::size_t job; (job = next.fetch_add(1)) < jobs;) {
      const std::size_t source = job / chunks, chunk = job % chunks;
      Rng rng = random_stream(s.seed, (std::uint64_t(source) << 20) + chunk);
      const Source& src = sources[source];
      Histograms& h = results[job];
      const auto score = [&](double w) {
        for (std::size_t c = 0; c < deposits.size(); ++c) {
          const double e = deposits[c];
          if (e <= 0.0) continue;
          bool alone = true;
          for (std::size_t o = 0; o < deposits.size(); ++o) alone = alone && (o == c || deposits[o] < s.veto_keV);
          if (e < fine_max_keV) {
            const auto bin = static_cast<std::size_t>(e / fine_bin_keV);
            h.fine[bin] += w;
            if (alone) h.fine_single[bin] += w;
          }
          const auto bin = std::min(static_cast<std::size_t>(e / coarse_bin_keV), h.coarse.size() - 1);
          h.coarse[bin] += w;
          if (alone) h.coarse_single[bin] += w;
        }
      };
      const std::uint64_t first = chunk * s.chunk, count = std::min(s.chunk, s.decays_per_source - first);
      if (src.environment) {
        // Through the shield with splitting to the innermost shell; each photon entering
        // it then followed `repeat` times analog, an event of its weight / repeat.
        for (std::uint64_t i = 0; i < count; ++i) {
          crossings.clear();
          std::fill(deposits.begin(), deposits.end(), 0.0);
          splitting_transport.transport(sample_entering(g, src.env, rng), rng, deposits, inner, &crossings);
          for (auto photon : crossings) {
            const double w = photon.weight / repeat;
            photon.weight = 1.0;
            for (int r = 0; r < repeat; ++r) {
              std::fill(deposits.begin(), deposits.end(), 0.0);
              transport.transport(photon, rng, deposits);
              score(w);
            }
          }
        }
        continue;
      }
      for (std::uint64_t i = 0; i < count; ++i) {
        const double u = uniform(rng) * src.cumulative.back();
        const auto vi = std::min<std::size_t>(std::upper_bound(src.cumulative.begin(), src.cumulative.end(), u) -
                                                  src.cumulative.begin(),
                                              src.volumes.size() - 1);
        const int volume = src.volumes[vi];
        const auto point = sample_point(g, volume, rng);
        if (s.whole_chain) {
          // The chain in one event (Geant4's radioactive decay without a time cut): every
          // member's deposits summed; a member of branching < 1 decays after a branch
          // feeding it, or (nothing in the data feeds it) with its branching.
          std::fill(deposits.begin(), deposits.end(), 0.0);
          crossings.clear();
          const bool surface = src.outside && repeat > 1;
          std::vector<const std::string*> fed;
          for (const auto& m : src.members) {
            if (m.branching < 1.0) {
              if (m.fed) {
                if (std::none_of(fed.begin(), fed.end(), [&](const std::string* f) { return *f == m.nuclide->name; }))
                  continue;
              } else if (uniform(rng) >= m.branching) {
                continue;
              }
            }
            if (const auto* f = decay_once(g, transport, m, volume, point, rng, deposits, surface ? inner : -1,
                                           surface ? &crossings : nullptr);
                f != nullptr && !f->empty())
              fed.push_back(f);
          }
          if (!surface) {
            score(1.0);
            continue;
          }
          for (const auto& photon : crossings)
            for (int r = 0; r < repeat; ++r) {
              std::fill(deposits.begin(), deposits.end(), 0.0);
              transport.transport(photon, rng, deposits);
              score(1.0 / repeat);
            }
          continue;
        }
        // Every member of the chain decays once per decay of its head, each its own event.
        for (const auto& m : src.members) {
          std::fill(deposits.begin(), deposits.end(), 0.0);
          const bool surface = src.outside && repeat > 1;
          crossings.clear();
          decay_once(g, transport, m, volume, point, rng, deposits, surface ? inner : -1, surface ? &crossings : nullptr);
          if (surface) {
            // Each photon that entered the innermost shell, followed `repeat` times, each an
            // event of weight 1/repeat (photons of one decay no longer coincide).
            for (const auto& photon : crossings)
              for (int r = 0; r < repeat; ++r) {
                std::fill(deposits.begin(), deposits.end(), 0.0);
                transport.transport(photon, rng, deposits);
                score(m.branching / repeat);
              }
            continue;
          }
          score(m.branching);
        }
      }
    }
  };

  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, s.threads); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  // Reduction in job order: the same sums whatever the threads.
  for (std::size_t source = 0; source < sources.size(); ++source) {
    Histograms sum;
    for (std::uint64_t chunk = 0; chunk < chunks; ++chunk) {
      const auto& h = results[source * chunks + chunk];
      for (std::size_t i = 0; i < sum.fine.size(); ++i) sum.fine[i] += h.fine[i], sum.fine_single[i] += h.fine_single[i];
      for (std::size_t i = 0; i < sum.coarse.size(); ++i)
        sum.coarse[i] += h.coarse[i], sum.coarse_single[i] += h.coarse_single[i];
    }
    const double per = 1.0 / double(s.decays_per_source);
    for (double& x : sum.fine) x *= per;
    for (double& x : sum.fine_single) x *= per;
    for (double& x : sum.coarse) x *= per;
    for (double& x : sum.coarse_single) x *= per;
    out[source].fine = std::move(sum.fine), out[source].fine_single = std::move(sum.fine_single);
    out[source].coarse = std::move(sum.coarse), out[source].coarse_single = std::move(sum.coarse_single);
  }
  return out;
}

}  // namespace cevns::materials
