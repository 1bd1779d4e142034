#pragma once
/// \file
/// Quenching: the scintillation light of a nuclear recoil, expressed as the energy of an
/// electron that gives the same light (keVnr → keVee). Every model has ±1σ variants
/// through `shift_sigma`, so that fits can treat the quenching as a nuisance parameter.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cevns/core/named_values.hpp"
#include "cevns/core/quantity.hpp"
#include "cevns/physics/isotope.hpp"

namespace cevns {

enum class QuenchingModel {
  coherent_polynomial,  ///< COHERENT's CsI[Na] fit, E_ee = Σ c_k E^(k+1), E in MeV
  constant,             ///< E_ee = QF · E
  lindhard,             ///< Lindhard theory with its parameter k
  table,                ///< QF(E) interpolated in a table (keVnr, QF[, σ_QF])
};

inline constexpr NamedValues<QuenchingModel, 4> quenching_model_names{{{
    {"coherent-polynomial", QuenchingModel::coherent_polynomial},
    {"constant", QuenchingModel::constant},
    {"lindhard", QuenchingModel::lindhard},
    {"table", QuenchingModel::table},
}}};
constexpr std::string_view to_string(QuenchingModel model) { return quenching_model_names.name(model); }

struct QuenchingConfig {
  QuenchingModel model = QuenchingModel::coherent_polynomial;
  /// COHERENT, JINST 17 (2022) P10034 (the CLOVERS paper's ref. [15]; DESIGN.md §2):
  /// E_ee = 0.0554628 E + 4.30681 E² − 111.707 E³ + 840.384 E⁴, E in MeV.
  std::vector<double> polynomial_coefficients{0.0554628, 4.30681, -111.707, 840.384};
  /// ±1σ of the polynomial as a relative scale. ≈4 %: the size of the quenching
  /// systematic in COHERENT's CsI analyses (assumption; see docs/detector.md).
  double polynomial_relative_uncertainty = 0.04;
  /// COHERENT 2017 data release (coherent_parameters.yaml): 0.0878 ± 0.0166.
  double constant_qf = 0.0878;
  double constant_qf_uncertainty = 0.0166;
  /// Lindhard k; unset means 0.133 Z^(2/3) A^(−1/2) of each isotope (Lindhard et al.,
  /// Mat. Fys. Medd. Dan. Vid. Selsk. 33 (1963) 10).
  std::optional<double> lindhard_k;
  double lindhard_k_relative_uncertainty = 0.1;  ///< assumption; docs/detector.md
  /// Table points (filled from `table_file` by the configuration reader), taking the
  /// zero-based columns `table_columns` = {recoil keVnr, QF[, σ_QF]} of each row.
  std::string table_file;
  std::vector<double> table_columns{0, 1, 2};
  std::vector<double> table_keVnr;
  std::vector<double> table_qf;
  std::vector<double> table_qf_uncertainty;  ///< empty: no uncertainty given
  /// Evaluate the model shifted by this many standard deviations.
  double shift_sigma = 0.0;

  /// Throws InvalidValue naming `key`.model, `key`.constant_qf, …
  void validate(const std::string& key = "detector.quenching") const;
  bool operator==(const QuenchingConfig&) const = default;
};

class Quenching {
 public:
  Quenching(const QuenchingConfig& config, const Isotope& isotope);

  /// Electron-equivalent energy of a recoil.
  [[nodiscard]] ElectronEquivalentEnergy electron_equivalent(RecoilEnergy recoil) const;
  /// E_ee/E_nr at `recoil`.
  [[nodiscard]] double quenching_factor(RecoilEnergy recoil) const;
  /// The recoil energy that gives `visible` (inverse; E_ee is increasing in E_nr).
  [[nodiscard]] RecoilEnergy recoil_for(ElectronEquivalentEnergy visible) const;

 private:
  QuenchingConfig config_;
  double lindhard_k_;
  int protons_;
};

}  // namespace cevns
