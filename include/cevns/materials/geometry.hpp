#pragma once
/// \file
/// Materials (composition and density, photon cross sections from xraylib) and a geometry
/// of nested axis-aligned boxes: the sub-detectors (crystal, PTFE shell, two PMTs) inside
/// shells (copper, LN₂, the Dewar's steel, HDPE, lead, the veto, HDPE), read from a
/// geometry file (data/materials/clovers.txt; format in its header), with the activities
/// of its volumes.

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace cevns::materials {

/// Photon interaction coefficients of a material on a log grid (1 keV … 10 MeV).
struct Material {
  std::string name;
  double density_g_cm3 = 0.0;
  std::string formula;         ///< xraylib CompoundParser formula, "-" for vacuum
  std::vector<int> Z;          ///< its elements
  std::vector<double> weight;  ///< their mass fractions
  /// Per grid point: μ (1/cm) of photoabsorption, Compton (incoherent), Rayleigh, pair; and per
  /// element its share of each (for choosing the atom).
  std::vector<std::array<double, 4>> mu;
  std::vector<std::vector<std::array<double, 4>>> element_mu;
  /// μ (1/cm) of each process at E (keV), linear interpolation in log E.
  [[nodiscard]] std::array<double, 4> coefficients(double E_keV) const;
  [[nodiscard]] double total(double E_keV) const;
  /// Picks the element of process p at E for a uniform u.
  [[nodiscard]] int pick_element(int process, double E_keV, double u) const;
};

/// Builds a material from a formula (xraylib CompoundParser, atoms per formula unit) and a
/// density; formula "-" or density 0 is vacuum. Throws ConfigError for a bad formula.
Material make_material(const std::string& name, double density_g_cm3, const std::string& formula);

/// Energy grid of the tables (keV).
inline constexpr double grid_min_keV = 1.0, grid_max_keV = 10000.0;
inline constexpr int grid_points = 800;

/// The pair-production cross section per atom (cm²/g for element Z): Maximon's expansion of
/// the Bethe–Heitler cross section near threshold (the form Hubbell, Gimm and Øverbø, J.
/// Phys. Chem. Ref. Data 9 (1980) 1023 use below 4 MeV), nuclear field Z², electron field
/// (triplet) approximated by Z² → Z(Z + 1) above 2.044 MeV; no Coulomb correction.
double pair_cross_section_cm2_g(int Z, double E_keV);

struct Box {
  std::array<double, 3> low{}, high{};  ///< cm
  [[nodiscard]] bool contains(const std::array<double, 3>& p) const;
  [[nodiscard]] double volume_cm3() const;
};

struct Volume {
  std::string name;     ///< "crystal", "pmt", "ptfe", or the shell's name
  int material = -1;    ///< index into Geometry::materials
  Box box;
  int parent = -1;
  std::vector<int> children;
  int crystal = -1;     ///< crystal index for crystal volumes, else −1
  double importance = 1.0;  ///< splitting weight (photons entering a volume of higher importance split)
  [[nodiscard]] double own_volume_cm3(const std::vector<Volume>& all) const;
};

/// Activity of a named set of volumes.
struct Activity {
  std::string volume;    ///< volume name
  std::string isotope;   ///< a nuclide or chain of the decay data
  double value = 0.0;    ///< mBq per kg or per unit
  bool per_unit = false; ///< mBq per volume (PMTs), else per kg
  int volume_line = 0;   ///< of the geometry file, for messages
};

/// Environmental γ: the activity of the lab's walls (concrete), whose γ lines reach the
/// outer surface of the geometry (transport.hpp, environment_source).
struct EnvironmentActivity {
  std::string isotope;   ///< a nuclide or chain of the decay data
  double Bq_per_kg = 0.0;
  int line = 0;
};

struct Geometry {
  std::vector<Material> materials;
  std::vector<Volume> volumes;  ///< volumes[0] the outermost; "outside" is −1
  std::vector<Activity> activities;
  std::vector<EnvironmentActivity> environment;
  int crystals = 0;
  double splitting_layer_cm = 0.0;  ///< thickness of importance layers in thick shells (0: no splitting)
  /// The importance of a layer is that of the layer outside it × exp(μ(E) × its thickness),
  /// μ the outer layer's total attenuation at this energy (default the 2614.5 keV of Tl-208,
  /// the most penetrating line of the walls): photons of E keep their number inward.
  double splitting_keV = 2614.5;

  /// The innermost volume containing p, or −1 outside everything.
  [[nodiscard]] int locate(const std::array<double, 3>& p) const;
  /// Volumes with this name.
  [[nodiscard]] std::vector<int> named(const std::string& name) const;
  [[nodiscard]] double mass_g(int volume) const;
  [[nodiscard]] double crystal_mass_kg() const;
};

/// Reads a geometry file (format in data/materials/clovers.txt's header). Throws
/// ConfigError naming file and line.
Geometry read_geometry(const std::filesystem::path& file);

}  // namespace cevns::materials
