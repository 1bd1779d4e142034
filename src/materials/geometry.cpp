#include "cevns/materials/geometry.hpp"

#include <xraylib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>

#include "cevns/core/error.hpp"

namespace cevns::materials {
namespace {

double grid_energy(int i) {
  return grid_min_keV * std::pow(grid_max_keV / grid_min_keV, double(i) / (grid_points - 1));
}

/// Grid position of E: index i and fraction f in log E.
std::pair<int, double> grid_position(double E) {
  const double x = std::log(std::clamp(E, grid_min_keV, grid_max_keV) / grid_min_keV) /
                   std::log(grid_max_keV / grid_min_keV) * (grid_points - 1);
  const int i = std::min(static_cast<int>(x), grid_points - 2);
  return {i, x - i};
}

double xrl(double (*f)(int, double, xrl_error**), int Z, double E) {
  xrl_error* error = nullptr;
  const double v = f(Z, E, &error);
  if (error != nullptr) {
    xrl_error_free(error);
    return 0.0;
  }
  return v;
}

/// xraylib's photon cross sections end at 800 keV (CS_Photo, CS_Compt, CS_Rayl fail above:
/// "Spline extrapolation is not allowed"); above it, per element (cm²/g):
/// - incoherent: Z × Klein–Nishina (binding: S(x, Z) = Z at the momentum transfers of
///   > 800 keV photons except the most forward angles, a < 1 % effect);
/// - photoabsorption: a power law from 800 keV whose log-log slope (xraylib's between 700
///   and 800 keV, ≈ −2.2 for Pb) runs linearly in log E to −1 at 10 MeV (the Sauter
///   high-energy limit σ ∝ 1/E);
/// - Rayleigh: ∝ E⁻² from 800 keV (form-factor dominated; < 2 % of μ above 1 MeV).
/// tests/materials check the total against NIST's μ/ρ of lead and copper to 1–3 MeV.
constexpr double xraylib_max_keV = 800.0;

double klein_nishina_cm2_g(int Z, double E_keV) {
  constexpr double me = 510.99895, re_cm = 2.8179403262e-13, NA = 6.02214076e23;
  const double k = E_keV / me, l = std::log(1.0 + 2.0 * k);
  const double sigma = 2.0 * std::numbers::pi * re_cm * re_cm *
                       ((1.0 + k) / (k * k) * (2.0 * (1.0 + k) / (1.0 + 2.0 * k) - l / k) + l / (2.0 * k) -
                        (1.0 + 3.0 * k) / ((1.0 + 2.0 * k) * (1.0 + 2.0 * k)));
  xrl_error* error = nullptr;
  const double A = AtomicWeight(Z, &error);
  if (error != nullptr) {
    xrl_error_free(error);
    return 0.0;
  }
  return Z * sigma * NA / A;
}

/// Photo, incoherent and coherent cross sections (cm²/g) of element Z at E (keV).
std::array<double, 3> element_cross_sections(int Z, double E) {
  if (E <= xraylib_max_keV) return {xrl(CS_Photo, Z, E), xrl(CS_Compt, Z, E), xrl(CS_Rayl, Z, E)};
  const double p800 = xrl(CS_Photo, Z, xraylib_max_keV), p700 = xrl(CS_Photo, Z, 700.0);
  double photo = 0.0;
  if (p800 > 0.0 && p700 > 0.0) {
    const double slope800 = std::log(p700 / p800) / std::log(xraylib_max_keV / 700.0);
    // slope(u) = s0 + (1 − s0) u/U, u = ln(E/800), U = ln(10 MeV/800 keV): ∫ slope du.
    const double u = std::log(E / xraylib_max_keV), U = std::log(10000.0 / xraylib_max_keV);
    photo = p800 * std::exp(-(slope800 * u + (1.0 - slope800) * u * u / (2.0 * U)));
  }
  const double r = xraylib_max_keV / E;
  return {photo, klein_nishina_cm2_g(Z, E), xrl(CS_Rayl, Z, xraylib_max_keV) * r * r};
}

}  // namespace

double pair_cross_section_cm2_g(int Z, double E_keV) {
  constexpr double me = 510.99895, alpha = 7.2973525693e-3, re_cm = 2.8179403262e-13, NA = 6.02214076e23;
  const double k = E_keV / me;
  if (k <= 2.0) return 0.0;
  // Maximon (1968), Born approximation, nuclear field, valid to within a few % below k ≈ 4,
  // used here to 10 MeV as the only source (documented limit).
  const double e = (2.0 * k - 4.0) / (2.0 + k + 2.0 * std::sqrt(2.0 * k));
  const double r = (k - 2.0) / k;
  double sigma = alpha * re_cm * re_cm * 2.0 * std::numbers::pi / 3.0 * r * r * r *
                 (1.0 + e / 2.0 + 23.0 * e * e / 40.0 + 11.0 * e * e * e / 60.0 + 29.0 * e * e * e * e / 960.0);
  sigma *= (k > 4.0 ? Z * (Z + 1.0) : double(Z) * Z);
  // Atomic weights ≈ from xraylib.
  xrl_error* error = nullptr;
  const double A = AtomicWeight(Z, &error);
  if (error != nullptr) {
    xrl_error_free(error);
    return 0.0;
  }
  return sigma * NA / A;
}

Material make_material(const std::string& name, double density, const std::string& formula) {
  Material m;
  m.name = name, m.density_g_cm3 = density, m.formula = formula;
  m.mu.assign(grid_points, {0.0, 0.0, 0.0, 0.0});
  if (formula == "-" || density == 0.0) return m;
  xrl_error* error = nullptr;
  compoundData* cd = CompoundParser(formula.c_str(), &error);
  if (cd == nullptr) {
    std::string why = error != nullptr ? error->message : "unknown";
    if (error != nullptr) xrl_error_free(error);
    throw ConfigError("material " + name + ": xraylib cannot parse the formula '" + formula + "' (" + why + ")");
  }
  for (int i = 0; i < cd->nElements; ++i) m.Z.push_back(cd->Elements[i]), m.weight.push_back(cd->massFractions[i]);
  FreeCompoundData(cd);
  m.element_mu.assign(m.Z.size(), std::vector<std::array<double, 4>>(grid_points));
  for (int g = 0; g < grid_points; ++g) {
    const double E = grid_energy(g);
    for (std::size_t j = 0; j < m.Z.size(); ++j) {
      const int Z = m.Z[j];
      const double w = m.weight[j] * density;
      // xraylib: cm²/g, E in keV (CS_Photo: photoionisation; CS_Compt: incoherent with
      // the incoherent scattering function; CS_Rayl: coherent with the form factor).
      const auto cs = element_cross_sections(Z, E);
      std::array<double, 4> mu{w * cs[0], w * cs[1], w * cs[2], w * pair_cross_section_cm2_g(Z, E)};
      m.element_mu[j][g] = mu;
      for (int p = 0; p < 4; ++p) m.mu[g][p] += mu[p];
    }
  }
  return m;
}

std::array<double, 4> Material::coefficients(double E) const {
  const auto [i, f] = grid_position(E);
  std::array<double, 4> c{};
  for (int p = 0; p < 4; ++p) {
    const double a = mu[i][p], b = mu[i + 1][p];
    // log-log where both are positive (cross sections are power laws between edges).
    c[p] = a > 0.0 && b > 0.0 ? std::exp(std::log(a) + f * (std::log(b) - std::log(a))) : a + f * (b - a);
  }
  return c;
}

double Material::total(double E) const {
  const auto c = coefficients(E);
  return c[0] + c[1] + c[2] + c[3];
}

int Material::pick_element(int p, double E, double u) const {
  if (Z.size() == 1) return Z[0];
  const auto [i, f] = grid_position(E);
  double total = 0.0;
  std::vector<double> share(Z.size());
  for (std::size_t j = 0; j < Z.size(); ++j) {
    share[j] = element_mu[j][i][p] + f * (element_mu[j][i + 1][p] - element_mu[j][i][p]);
    total += share[j];
  }
  double x = u * total;
  for (std::size_t j = 0; j < Z.size(); ++j) {
    if (x < share[j]) return Z[j];
    x -= share[j];
  }
  return Z.back();
}

bool Box::contains(const std::array<double, 3>& p) const {
  for (int k = 0; k < 3; ++k)
    if (p[k] < low[k] || p[k] >= high[k]) return false;
  return true;
}

double Box::volume_cm3() const { return (high[0] - low[0]) * (high[1] - low[1]) * (high[2] - low[2]); }

double Volume::own_volume_cm3(const std::vector<Volume>& all) const {
  double v = box.volume_cm3();
  for (int c : children) v -= all[c].box.volume_cm3();
  return v;
}

int Geometry::locate(const std::array<double, 3>& p) const {
  if (volumes.empty() || !volumes[0].box.contains(p)) return -1;
  int v = 0;
  for (;;) {
    int next = -1;
    for (int c : volumes[v].children)
      if (volumes[c].box.contains(p)) {
        next = c;
        break;
      }
    if (next < 0) return v;
    v = next;
  }
}

std::vector<int> Geometry::named(const std::string& name) const {
  std::vector<int> out;
  for (std::size_t i = 0; i < volumes.size(); ++i)
    if (volumes[i].name == name) out.push_back(static_cast<int>(i));
  return out;
}

double Geometry::mass_g(int v) const {
  return volumes[v].own_volume_cm3(volumes) * materials[volumes[v].material].density_g_cm3;
}

double Geometry::crystal_mass_kg() const {
  double m = 0.0;
  for (std::size_t v = 0; v < volumes.size(); ++v)
    if (volumes[v].crystal >= 0) m += mass_g(static_cast<int>(v));
  return m / 1000.0;
}

Geometry read_geometry(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError("cannot read the geometry file '" + file.string() + "'");
  const auto bad = [&](int n, const std::string& what) -> void {
    throw ConfigError(file.string() + ":" + std::to_string(n) + ": " + what);
  };
  Geometry g;
  std::map<std::string, int> material_index;
  std::array<double, 3> crystal_cm{0, 0, 0};
  int nx = 1, ny = 1;
  double gap = 0.0, ptfe = 0.0, pmt_length = 0.0;
  std::string crystal_material, ptfe_material = "PTFE", pmt_material = "PMT";
  struct Shell {
    std::string name, material;
    double thickness;
    int line;
  };
  std::vector<Shell> shells;
  std::string line;
  const auto read = [&](std::istringstream& s, int n, const char* what, double low, double high) {
    double x = 0.0;
    if (!(s >> x) || !std::isfinite(x) || x < low || x > high)
      bad(n, std::string(what) + " missing or outside [" + std::to_string(low) + ", " + std::to_string(high) + "]");
    return x;
  };
  const auto material_of = [&](const std::string& name, int n) {
    const auto it = material_index.find(name);
    if (it == material_index.end()) bad(n, "material '" + name + "' is not defined above (material NAME DENSITY FORMULA)");
    return it->second;
  };
  for (int n = 1; std::getline(in, line); ++n) {
    if (const auto h = line.find('#'); h != std::string::npos) line.erase(h);
    std::istringstream s(line);
    std::string key;
    if (!(s >> key)) continue;
    if (key == "material") {
      std::string name, formula;
      if (!(s >> name)) bad(n, "material needs a name");
      const double density = read(s, n, "density (g/cm³)", 0.0, 25.0);
      if (!(s >> formula)) bad(n, "material needs a formula");
      if (material_index.contains(name)) bad(n, "material " + name + " twice");
      material_index[name] = static_cast<int>(g.materials.size());
      g.materials.push_back(make_material(name, density, formula));
    } else if (key == "crystal") {
      if (!(s >> crystal_material)) bad(n, "crystal needs a material");
      material_of(crystal_material, n);
      for (double& c : crystal_cm) c = read(s, n, "crystal size (cm)", 0.1, 200.0);
    } else if (key == "array") {
      nx = static_cast<int>(read(s, n, "crystals along x", 1, 20));
      ny = static_cast<int>(read(s, n, "crystals along y", 1, 20));
    } else if (key == "gap_cm") {
      gap = read(s, n, "gap between sub-detectors (cm)", 0.0, 100.0);
    } else if (key == "ptfe") {
      if (!(s >> ptfe_material)) bad(n, "ptfe needs a material");
      material_of(ptfe_material, n);
      ptfe = read(s, n, "PTFE thickness (cm)", 0.0, 20.0);
    } else if (key == "pmt") {
      if (!(s >> pmt_material)) bad(n, "pmt needs a material");
      material_of(pmt_material, n);
      pmt_length = read(s, n, "PMT length (cm)", 0.0, 100.0);
    } else if (key == "shell") {
      Shell sh;
      if (!(s >> sh.name >> sh.material)) bad(n, "shell needs NAME MATERIAL THICKNESS_cm");
      material_of(sh.material, n);
      sh.thickness = read(s, n, "shell thickness (cm)", 0.0, 1000.0);
      sh.line = n;
      shells.push_back(sh);
    } else if (key == "splitting_layer_cm") {
      g.splitting_layer_cm = read(s, n, "importance layer (cm)", 0.0, 100.0);
    } else if (key == "splitting_keV") {
      g.splitting_keV = read(s, n, "energy of the importance layers (keV)", 10.0, 10000.0);
    } else if (key == "environment") {
      EnvironmentActivity a;
      std::string unit;
      if (!(s >> a.isotope)) bad(n, "environment needs ISOTOPE VALUE Bq/kg");
      a.Bq_per_kg = read(s, n, "wall activity (Bq/kg)", 0.0, 1e5);
      if (!(s >> unit) || unit != "Bq/kg") bad(n, "environment activity unit must be Bq/kg");
      a.line = n;
      g.environment.push_back(a);
    } else if (key == "activity") {
      Activity a;
      std::string unit;
      if (!(s >> a.volume >> a.isotope)) bad(n, "activity needs VOLUME ISOTOPE VALUE UNIT");
      a.value = read(s, n, "activity", 0.0, 1e9);
      if (!(s >> unit) || (unit != "mBq/kg" && unit != "mBq/unit")) bad(n, "activity unit must be mBq/kg or mBq/unit");
      a.per_unit = unit == "mBq/unit";
      a.volume_line = n;
      g.activities.push_back(a);
    } else {
      bad(n, "unknown key '" + key + "'");
    }
  }
  if (crystal_material.empty()) throw ConfigError(file.string() + ": no 'crystal' line");
  if (shells.empty()) throw ConfigError(file.string() + ": no 'shell' line (the medium around the sub-detectors)");

  // Sub-detectors along z: PMT, PTFE window… the crystal in the middle, a PMT at each end,
  // all wrapped in PTFE of thickness `ptfe`; arranged nx × ny in x, y with `gap` between.
  const double sx = crystal_cm[0] + 2 * ptfe, sy = crystal_cm[1] + 2 * ptfe;
  const double sz = crystal_cm[2] + 2 * pmt_length + 2 * ptfe;
  const double ax = nx * sx + (nx - 1) * gap, ay = ny * sy + (ny - 1) * gap;
  // Shells from the outside in: shell k's box is the array's box grown by the thicknesses
  // of shells ≤ k.
  std::vector<double> grow(shells.size());
  double sum = 0.0;
  for (std::size_t k = 0; k < shells.size(); ++k) sum += shells[k].thickness, grow[k] = sum;
  const auto centred = [](double hx, double hy, double hz) {
    return Box{{-hx, -hy, -hz}, {hx, hy, hz}};
  };
  int parent = -1;
  std::vector<double> layer_cm;  ///< per shell volume (outermost first): its thickness
  for (std::size_t k = shells.size(); k-- > 0;) {
    // Thick shells split into importance layers (each its own volume, same material).
    const double inner = k == 0 ? 0.0 : grow[k - 1];
    int layers = 1;
    if (g.splitting_layer_cm > 0.0 && shells[k].thickness > g.splitting_layer_cm)
      layers = static_cast<int>(std::ceil(shells[k].thickness / g.splitting_layer_cm));
    for (int l = 0; l < layers; ++l) {
      const double outer_grow = grow[k] - shells[k].thickness * l / layers;
      Volume v;
      v.name = shells[k].name;
      v.material = material_index[shells[k].material];
      v.box = centred(ax / 2 + outer_grow, ay / 2 + outer_grow, sz / 2 + outer_grow);
      v.parent = parent;
      const int index = static_cast<int>(g.volumes.size());
      if (parent >= 0) g.volumes[parent].children.push_back(index);
      g.volumes.push_back(v);
      layer_cm.push_back(shells[k].thickness / layers);
      parent = index;
    }
    (void)inner;
  }
  // Importance (the outermost 1): × exp(μ(splitting_keV) t) of the layer just crossed,
  // at most × 16 per layer (thin layers: thick ones split into splitting_layer_cm).
  if (g.splitting_layer_cm > 0.0)
    for (std::size_t v = 1; v < g.volumes.size(); ++v) {
      const double mu = g.materials[g.volumes[v - 1].material].total(g.splitting_keV);
      g.volumes[v].importance = g.volumes[v - 1].importance * std::clamp(std::exp(mu * layer_cm[v - 1]), 1.0, 16.0);
    }
  const int medium = parent;
  for (int i = 0; i < nx; ++i)
    for (int j = 0; j < ny; ++j) {
      const double cx = -ax / 2 + sx / 2 + i * (sx + gap), cy = -ay / 2 + sy / 2 + j * (sy + gap);
      const auto at = [&](double hx, double hy, double z0, double z1) {
        return Box{{cx - hx, cy - hy, z0}, {cx + hx, cy + hy, z1}};
      };
      Volume shell;
      shell.name = "ptfe";
      shell.material = material_index.count(ptfe_material) ? material_index[ptfe_material] : material_index[crystal_material];
      shell.box = at(sx / 2, sy / 2, -sz / 2, sz / 2);
      shell.parent = medium;
      shell.importance = g.volumes[medium].importance;
      const int s_index = static_cast<int>(g.volumes.size());
      g.volumes[medium].children.push_back(s_index);
      g.volumes.push_back(shell);
      const auto add = [&](const std::string& name, const std::string& material, Box b) {
        Volume v;
        v.name = name, v.material = material_index[material], v.box = b, v.parent = s_index;
        v.importance = shell.importance;
        g.volumes[s_index].children.push_back(static_cast<int>(g.volumes.size()));
        g.volumes.push_back(v);
        return static_cast<int>(g.volumes.size()) - 1;
      };
      const double hz = crystal_cm[2] / 2;
      const int c = add("crystal", crystal_material, at(crystal_cm[0] / 2, crystal_cm[1] / 2, -hz, hz));
      g.volumes[c].crystal = g.crystals++;
      if (pmt_length > 0.0) {
        if (!material_index.contains(pmt_material)) throw ConfigError(file.string() + ": pmt material not defined");
        add("pmt", pmt_material, at(crystal_cm[0] / 2, crystal_cm[1] / 2, hz, hz + pmt_length));
        add("pmt", pmt_material, at(crystal_cm[0] / 2, crystal_cm[1] / 2, -hz - pmt_length, -hz));
      }
    }
  for (const auto& a : g.activities)
    if (g.named(a.volume).empty())
      throw ConfigError(file.string() + ":" + std::to_string(a.volume_line) + ": activity of '" + a.volume +
                        "', which is no volume (crystal, ptfe, pmt or a shell's name)");
  return g;
}

}  // namespace cevns::materials
