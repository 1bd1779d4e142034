#include "cevns/materials/decay_data.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <fstream>
#include <numbers>
#include <random>
#include <sstream>

#include "cevns/core/error.hpp"

namespace cevns::materials {
namespace {

constexpr double electron_mass_keV = 510.99895;  // CODATA 2018
constexpr double fine_structure = 7.2973525693e-3;  // CODATA 2018

/// ln Γ(z) for complex z (Re z > 0): Lanczos' approximation, g = 7, 9 coefficients
/// (Numerical Recipes 3rd ed. §6.1 coefficients), |error| < 1e-13.
std::complex<double> log_gamma(std::complex<double> z) {
  static constexpr double c[] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                                 771.32342877765313,   -176.61502916214059,   12.507343278686905,
                                 -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
  z -= 1.0;
  std::complex<double> x = c[0];
  for (int i = 1; i < 9; ++i) x += c[i] / (z + double(i));
  const std::complex<double> t = z + 7.5;
  return 0.5 * std::log(2.0 * std::numbers::pi) + (z + 0.5) * std::log(t) - t + std::log(x);
}

[[noreturn]] void bad(const std::filesystem::path& file, int line, const std::string& what) {
  throw ConfigError(file.string() + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

double fermi_function(int Z, double W) {
  // F(Z, W) = 2(1 + γ)(2pR)^(2γ−2) e^(πη) |Γ(γ + iη)|² / Γ(2γ + 1)², γ = √(1 − (αZ)²),
  // η = αZW/p, R in units of ħ/(m_e c) (e.g. Konopinski, The Theory of Beta Radioactivity).
  if (Z == 0) return 1.0;
  const double p = std::sqrt(std::max(W * W - 1.0, 1e-12));
  const double aZ = fine_structure * Z;
  const double gamma = std::sqrt(1.0 - aZ * aZ);
  const double eta = aZ * W / p;
  const double A = 2.5 * Z;  // near the valley of stability, for the radius only
  const double R = 1.2e-15 * std::cbrt(A) / 3.8615926796e-13;  // fm → ħ/(m_e c) = 386.159 fm
  const double lg = 2.0 * log_gamma({gamma, eta}).real() - 2.0 * std::lgamma(2.0 * gamma + 1.0);
  return 2.0 * (1.0 + gamma) * std::pow(2.0 * p * R, 2.0 * gamma - 2.0) * std::exp(std::numbers::pi * eta + lg);
}

double coulomb_lambda(int Z, double W, int k) {
  // λ_k = F_(k−1)/F₀, the generalised Fermi functions (point nucleus, uniform-sphere radius R;
  // H. Behrens and W. Bühring, Electron Radial Wave Functions and Nuclear Beta-decay, 1982):
  // F_(k−1) = [k (2k−1)!!]² 4^(k−1) (2pR)^(2(γ_k−k)) e^(πη) |Γ(γ_k + iη)|² / Γ(1 + 2γ_k)²,
  // γ_k = √(k² − (αZ)²).
  if (k == 1 || Z == 0) return 1.0;
  const double p = std::sqrt(std::max(W * W - 1.0, 1e-12));
  const double aZ = fine_structure * Z, eta = aZ * W / p;
  const double R = 1.2e-15 * std::cbrt(2.5 * Z) / 3.8615926796e-13;
  const auto log_F = [&](int j) {
    double dfact = 1.0;
    for (int i = 2 * j - 1; i > 1; i -= 2) dfact *= i;
    const double g = std::sqrt(double(j * j) - aZ * aZ);
    return 2.0 * std::log(j * dfact) + (j - 1) * std::log(4.0) + 2.0 * (g - j) * std::log(2.0 * p * R) +
           2.0 * log_gamma({g, eta}).real() - 2.0 * std::lgamma(1.0 + 2.0 * g);
  };
  return std::exp(log_F(k) - log_F(1));
}

double beta_shape(int Z, double endpoint_keV, BetaShape shape, double T_keV) {
  if (T_keV <= 0.0 || T_keV >= endpoint_keV) return 0.0;
  const double W = 1.0 + T_keV / electron_mass_keV, W0 = 1.0 + endpoint_keV / electron_mass_keV;
  const double p = std::sqrt(W * W - 1.0), q = W0 - W;
  const double p2 = p * p, q2 = q * q;
  // Unique n-th forbidden: S = Σ_(k=1)^(n+1) λ_k p^(2(k−1)) q^(2(n+1−k)) / ((2k−1)! (2n+3−2k)!)
  // (Konopinski, The Theory of Beta Radioactivity, 1966; with λ_k = 1 the familiar p² + q²,
  // p⁴ + 10/3 p²q² + q⁴, p⁶ + 7p⁴q² + 7p²q⁴ + q⁶), normalised to the q^(2n) coefficient.
  const int n = shape == BetaShape::allowed ? 0 : shape == BetaShape::unique1 ? 1 : shape == BetaShape::unique2 ? 2 : 3;
  double S = 1.0;
  if (n > 0) {
    const auto factorial = [](int m) { return std::tgamma(m + 1.0); };
    S = 0.0;
    for (int k = 1; k <= n + 1; ++k)
      S += coulomb_lambda(Z, W, k) * std::pow(p2, k - 1) * std::pow(q2, n + 1 - k) /
           (factorial(2 * k - 1) * factorial(2 * n + 3 - 2 * k));
    S *= factorial(1) * factorial(2 * n + 1);
  }
  return fermi_function(Z, W) * p * W * q2 * S;
}

BetaSpectrum::BetaSpectrum(int Z, double endpoint_keV, BetaShape shape) : endpoint_keV_(endpoint_keV) {
  // 2000 intervals, denser at low energy (T = E₀ u²... as u uniform): the Fermi function's
  // rise and the ROI (≤ 3 keV) are resolved.
  constexpr int n = 2000;
  T_.resize(n + 1), pdf_.resize(n + 1), cdf_.assign(n + 1, 0.0);
  for (int i = 0; i <= n; ++i) {
    const double u = double(i) / n;
    T_[i] = endpoint_keV * u * u;
    pdf_[i] = beta_shape(Z, endpoint_keV, shape, T_[i]);
  }
  // Near T = 0 the allowed shape ∝ p F → constant (F ∝ 1/p): extrapolate the first point.
  pdf_[0] = pdf_[1];
  double sum = 0.0, moment = 0.0;
  for (int i = 1; i <= n; ++i) {
    const double dT = T_[i] - T_[i - 1];
    sum += 0.5 * (pdf_[i] + pdf_[i - 1]) * dT;
    moment += 0.5 * (pdf_[i] * T_[i] + pdf_[i - 1] * T_[i - 1]) * dT;
    cdf_[i] = sum;
  }
  if (!(sum > 0.0) || !std::isfinite(sum)) throw std::logic_error("β spectrum without area");
  for (int i = 0; i <= n; ++i) cdf_[i] /= sum, pdf_[i] /= sum;
  mean_keV_ = moment / sum;
}

double BetaSpectrum::density(double T) const {
  if (T <= 0.0 || T >= endpoint_keV_) return 0.0;
  const auto i = std::clamp<std::size_t>(std::upper_bound(T_.begin(), T_.end(), T) - T_.begin(), 1, T_.size() - 1);
  const double f = (T - T_[i - 1]) / (T_[i] - T_[i - 1]);
  return pdf_[i - 1] + f * (pdf_[i] - pdf_[i - 1]);
}

double BetaSpectrum::cdf(double T) const {
  if (T <= 0.0) return 0.0;
  if (T >= endpoint_keV_) return 1.0;
  const auto i = std::clamp<std::size_t>(std::upper_bound(T_.begin(), T_.end(), T) - T_.begin(), 1, T_.size() - 1);
  // Trapezoid within the interval (the density is linear there).
  const double dT = T - T_[i - 1];
  const double slope = (pdf_[i] - pdf_[i - 1]) / (T_[i] - T_[i - 1]);
  return cdf_[i - 1] + pdf_[i - 1] * dT + 0.5 * slope * dT * dT;
}

double BetaSpectrum::sample(Rng& rng) const {
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  const auto i = std::clamp<std::size_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin(), 1, cdf_.size() - 1);
  const double c0 = cdf_[i - 1], c1 = cdf_[i];
  const double f = c1 > c0 ? (u - c0) / (c1 - c0) : 0.5;
  return T_[i - 1] + f * (T_[i] - T_[i - 1]);
}

std::vector<std::pair<const Nuclide*, double>> DecayData::members(const std::string& name, const std::string& what) const {
  std::vector<std::pair<const Nuclide*, double>> out;
  if (const auto c = chains.find(name); c != chains.end()) {
    for (const auto& [member, branching] : c->second.members) out.emplace_back(&nuclides.at(member), branching);
    return out;
  }
  if (const auto n = nuclides.find(name); n != nuclides.end()) return {{&n->second, 1.0}};
  std::string known;
  for (const auto& [k, c] : chains) known += (known.empty() ? "" : ", ") + k;
  throw ConfigError(what + ": no nuclide or chain '" + name + "' in the decay data (chains: " + known + ")");
}

DecayData read_decay_data(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError("cannot read the decay data '" + file.string() + "'");
  DecayData data;
  Nuclide* current = nullptr;
  std::string line;
  const auto number = [&](std::istringstream& s, int n, const char* what, double low, double high) {
    double x = 0.0;
    if (!(s >> x) || !std::isfinite(x) || x < low || x > high)
      bad(file, n, std::string(what) + " missing or outside [" + std::to_string(low) + ", " + std::to_string(high) + "]");
    return x;
  };
  for (int n = 1; std::getline(in, line); ++n) {
    if (const auto h = line.find('#'); h != std::string::npos) line.erase(h);
    std::istringstream s(line);
    std::string word;
    if (!(s >> word)) continue;
    if (word == "nuclide") {
      Nuclide nuc;
      if (!(s >> nuc.name)) bad(file, n, "nuclide needs a name");
      nuc.daughter_Z = static_cast<int>(number(s, n, "daughter Z", 0, 110));
      auto [it, fresh] = data.nuclides.emplace(nuc.name, nuc);
      if (!fresh) bad(file, n, "nuclide " + nuc.name + " twice");
      current = &it->second;
      continue;
    }
    if (word == "chain") {
      Chain c;
      if (!(s >> c.name)) bad(file, n, "chain needs a name");
      std::string m;
      while (s >> m) {
        double b = 1.0;
        if (const auto colon = m.find(':'); colon != std::string::npos) {
          try {
            b = std::stod(m.substr(colon + 1));
          } catch (const std::exception&) {
            bad(file, n, "bad branching in '" + m + "'");
          }
          m.erase(colon);
          if (!(b > 0.0 && b <= 1.0)) bad(file, n, "branching of " + m + " outside (0, 1]");
        }
        if (!data.nuclides.contains(m)) bad(file, n, "chain member " + m + " is not a nuclide defined above");
        c.members.emplace_back(m, b);
      }
      if (c.members.empty()) bad(file, n, "chain " + c.name + " has no members");
      data.chains[c.name] = c;
      continue;
    }
    if (current == nullptr) bad(file, n, "'" + word + "' before any nuclide");
    // An optional trailing "feeds MEMBER" on beta, ec and alpha records.
    const auto feeds = [&](std::istringstream& rest, std::string& into) {
      std::string tag;
      if (!(rest >> tag)) return;
      if (tag != "feeds" || !(rest >> into)) bad(file, n, "after the numbers only 'feeds MEMBER' may follow");
    };
    if (word == "beta" || word == "ec") {
      BetaBranch b;
      b.intensity = number(s, n, "intensity", 0.0, 1.0);
      if (word == "ec") {
        b.ec_daughter_Z = static_cast<int>(number(s, n, "EC daughter Z", 1, 110));
        b.p_K = number(s, n, "K-capture probability P_K", 0.0, 1.0);
        b.p_L = number(s, n, "L-capture probability P_L", 0.0, 1.0);
        if (b.p_K + b.p_L > 1.0 + 1e-6) bad(file, n, "P_K + P_L exceed 1");
      }
      if (word == "beta") {
        b.endpoint_keV = number(s, n, "endpoint (keV)", 0.1, 20000.0);
        std::string shape;
        if (!(s >> shape)) bad(file, n, "beta needs a shape");
        if (shape == "allowed") b.shape = BetaShape::allowed;
        else if (shape == "unique1") b.shape = BetaShape::unique1;
        else if (shape == "unique2") b.shape = BetaShape::unique2;
        else if (shape == "unique3") b.shape = BetaShape::unique3;
        else bad(file, n, "unknown β shape '" + shape + "' (allowed, unique1, unique2, unique3)");
      }
      feeds(s, b.feeds);
      current->branches.push_back(b);
    } else if (word == "cascade") {
      if (current->branches.empty()) bad(file, n, "cascade before any beta or ec branch");
      Cascade c;
      c.probability = number(s, n, "probability", 0.0, 1.0);
      double e = 0.0;
      while (s >> e) {
        if (!(e > 0.0 && e < 20000.0)) bad(file, n, "γ energy outside (0, 20000) keV");
        c.gammas_keV.push_back(e);
      }
      if (!s.eof()) bad(file, n, "cascade energies must be numbers");
      current->branches.back().cascades.push_back(c);
    } else if (word == "alpha") {
      current->alpha_intensity = number(s, n, "intensity", 0.0, 1.0);
      current->alpha_keV = number(s, n, "energy (keV)", 1000.0, 10000.0);
      feeds(s, current->alpha_feeds);
    } else if (word == "gamma" || word == "xray" || word == "electron") {
      Line l;
      l.kind = word == "gamma" ? Line::Kind::gamma : word == "xray" ? Line::Kind::xray : Line::Kind::electron;
      l.energy_keV = number(s, n, "energy (keV)", 0.01, 20000.0);
      l.intensity = number(s, n, "intensity", 0.0, 1.0);
      current->lines.push_back(l);
    } else {
      bad(file, n, "unknown record '" + word + "'");
    }
  }
  for (const auto& entry : data.nuclides) {
    const auto& [name, nuc] = entry;
    const auto known = [&file, &data, &entry](const std::string& m) {  // (clang 15 cannot capture a binding)
      if (!m.empty() && !data.nuclides.contains(m))
        throw ConfigError(file.string() + ": a branch of " + entry.first + " feeds " + m + ", which is no nuclide of the file");
    };
    known(nuc.alpha_feeds);
    for (const auto& b : nuc.branches) known(b.feeds);
    double sum = nuc.alpha_intensity;
    for (const auto& b : nuc.branches) {
      sum += b.intensity;
      double c = 0.0;
      for (const auto& k : b.cascades) c += k.probability;
      if (c > 1.0 + 1e-6) throw ConfigError(file.string() + ": cascades of a branch of " + name + " exceed 1");
    }
    if (sum > 1.0 + 1e-3) throw ConfigError(file.string() + ": branches of " + name + " sum to " + std::to_string(sum));
  }
  return data;
}

}  // namespace cevns::materials
