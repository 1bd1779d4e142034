#pragma once
/// \file
/// Decay data of long-lived radioactive isotopes (data/materials/decays.txt: ENSDF/NNDC
/// facts with their sources) and β spectra: allowed with the Fermi function, unique
/// first-, second- and third-forbidden with Konopinski's shape factors and the Coulomb
/// ratios λ_k of the generalised Fermi functions.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cevns/core/random.hpp"

namespace cevns::materials {

enum class BetaShape { allowed, unique1, unique2, unique3 };

/// γ rays emitted together after a β branch (or EC), with a probability per decay through it.
struct Cascade {
  double probability = 1.0;
  std::vector<double> gammas_keV;
};

/// A β⁻ branch (endpoint > 0) or an electron capture (endpoint 0: no electron, no β
/// continuum; the atomic relaxation of the captured shell — X-rays and Auger electrons
/// summing to its binding energy in the daughter — deposits where the decay happens).
struct BetaBranch {
  double intensity = 0.0;  ///< per decay of the nuclide
  double endpoint_keV = 0.0;
  BetaShape shape = BetaShape::allowed;
  std::vector<Cascade> cascades;
  /// EC only: the daughter's Z and the capture probabilities from the K and L shells
  /// (the rest, M and above, deposits nothing: < 0.1 keV).
  int ec_daughter_Z = 0;
  double p_K = 0.0, p_L = 0.0;
  /// The chain member this branch feeds ("" when it feeds none in particular): in a
  /// whole-chain event (MaterialsSettings::whole_chain) a member of branching < 1 decays
  /// only after a branch feeding it (Cs-137's β to Ba-137m, Bi-212's α to Tl-208).
  std::string feeds;
};

/// A line emitted independently of the branches, per decay.
struct Line {
  enum class Kind { gamma, xray, electron } kind = Kind::gamma;
  double energy_keV = 0.0;
  double intensity = 0.0;
};

struct Nuclide {
  std::string name;
  int daughter_Z = 0;
  std::vector<BetaBranch> branches;  ///< β⁻ and EC
  double alpha_intensity = 0.0;
  double alpha_keV = 0.0;
  std::string alpha_feeds;  ///< as BetaBranch::feeds, for the α branch
  std::vector<Line> lines;
};

/// A chain in secular equilibrium: each member decays at the chain's activity × branching.
struct Chain {
  std::string name;
  std::vector<std::pair<std::string, double>> members;
};

struct DecayData {
  std::map<std::string, Nuclide> nuclides;
  std::map<std::string, Chain> chains;
  /// The members of a chain, or the nuclide alone (branching 1); throws ConfigError naming
  /// `what` for an unknown name.
  [[nodiscard]] std::vector<std::pair<const Nuclide*, double>> members(const std::string& name,
                                                                       const std::string& what) const;
};

/// Reads the decay-data file (format: its header). Throws ConfigError naming file and line.
DecayData read_decay_data(const std::filesystem::path& file);

/// The kinetic-energy spectrum of a β⁻ branch, tabulated on 2000 points, sampled by its CDF.
class BetaSpectrum {
 public:
  BetaSpectrum(int daughter_Z, double endpoint_keV, BetaShape shape);
  /// dN/dT at kinetic energy T (keV), normalised to one over [0, endpoint].
  [[nodiscard]] double density(double T_keV) const;
  [[nodiscard]] double mean_keV() const { return mean_keV_; }
  [[nodiscard]] double endpoint_keV() const { return endpoint_keV_; }
  /// Share of the spectrum below T (keV).
  [[nodiscard]] double cdf(double T_keV) const;
  [[nodiscard]] double sample(Rng& rng) const;

 private:
  double endpoint_keV_;
  std::vector<double> T_, pdf_, cdf_;
  double mean_keV_ = 0.0;
};

/// The unnormalised spectrum shape: F(Z, W) p W (W₀ − W)² S(p, q) at kinetic energy T (keV),
/// F the relativistic Fermi function with the nuclear radius R = 1.2 A^⅓ fm (A ≈ 2.5 Z).
double beta_shape(int daughter_Z, double endpoint_keV, BetaShape shape, double T_keV);
/// The Coulomb ratio λ_k = F_(k−1)/F₀ of the generalised Fermi functions (k ≥ 1; λ₁ = 1).
double coulomb_lambda(int daughter_Z, double W, int k);
/// The relativistic Fermi function F(Z, W), W the electron's total energy in m_e c².
double fermi_function(int daughter_Z, double W);

}  // namespace cevns::materials
