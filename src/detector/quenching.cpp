#include "cevns/detector/quenching.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cevns/core/error.hpp"

namespace cevns {
void QuenchingConfig::validate(const std::string& key) const {
  const std::string prefix = key + ".";
  switch (model) {
    case QuenchingModel::coherent_polynomial:
      if (polynomial_coefficients.empty() || !(polynomial_coefficients[0] > 0.0))
        throw InvalidValue(prefix + "polynomial_coefficients", "[...]", "needs a positive linear coefficient first");
      break;
    case QuenchingModel::constant:
    case QuenchingModel::lindhard:
      break;  // their keys are checked below, for every model
    case QuenchingModel::table: {
      if (table_keVnr.size() < 2 || table_keVnr.size() != table_qf.size())
        throw InvalidValue(prefix + "table_file", "\"" + table_file + "\"",
                           "needs at least two rows of recoil energy (keVnr) and quenching factor");
      if (!std::is_sorted(table_keVnr.begin(), table_keVnr.end()) ||
          std::adjacent_find(table_keVnr.begin(), table_keVnr.end()) != table_keVnr.end() || table_keVnr.front() < 0.0)
        throw InvalidValue(prefix + "table_file", "\"" + table_file + "\"",
                           "recoil energies must be non-negative and strictly increasing");
      for (double qf : table_qf)
        if (!(qf > 0.0 && qf <= 1.0))
          throw InvalidValue(prefix + "table_file", "\"" + table_file + "\"",
                             fmt::format("quenching factor {} is outside (0, 1]", qf));
      if (!(table_keVnr.back() <= 1e4))
        throw InvalidValue(prefix + "table_file", "\"" + table_file + "\"",
                           "recoil energies must be at most 10⁴ keVnr (CEvNS recoils at decay-at-rest sources are "
                           "below ≈ 1 MeV)");
      for (double sigma : table_qf_uncertainty)
        if (!(sigma >= 0.0 && sigma <= 1.0))
          throw InvalidValue(prefix + "table_file", "\"" + table_file + "\"",
                             fmt::format("sigma_QF {} is outside [0, 1]", sigma));
      if (!table_qf_uncertainty.empty() && table_qf_uncertainty.size() != table_qf.size())
        throw InvalidValue(prefix + "table_file", "\"" + table_file + "\"", "needs an uncertainty on every row or none");
      break;
    }
  }
  // A 1σ of more than 100 % turns the −1σ variant negative.
  for (auto [key, value] : {std::pair{"polynomial_relative_uncertainty", polynomial_relative_uncertainty},
                            std::pair{"constant_qf_uncertainty", constant_qf_uncertainty},
                            std::pair{"lindhard_k_relative_uncertainty", lindhard_k_relative_uncertainty}})
    require_range(prefix + key, value, 0.0, 1.0, "a 1σ of at most 100 %");
  // Checked for every model: QF = E_ee/E_nr is at most 1, so no coefficient of a physical
  // polynomial (E in MeV, up to the ≈ 0.05 MeV end point) is near 10⁶; COHERENT's reach 840.
  if (polynomial_coefficients.size() > 10)
    throw InvalidValue(prefix + "polynomial_coefficients", std::to_string(polynomial_coefficients.size()) + " values",
                       "must have at most 10 coefficients");
  for (double c : polynomial_coefficients)
    require_range(prefix + "polynomial_coefficients", c, -1e6, 1e6, "E_ee = Σ c_k E^(k+1) with E in MeV");
  if (!(constant_qf > 0.0 && constant_qf <= 1.0))
    throw InvalidValue(prefix + "constant_qf", format_value(constant_qf), "must be in (0, 1]");
  if (lindhard_k && !(*lindhard_k > 0.0 && *lindhard_k < 1.0))
    throw InvalidValue(prefix + "lindhard_k", format_value(*lindhard_k), "must be in (0, 1); typical 0.13–0.17");
  if (table_columns.size() < 2 || table_columns.size() > 3 ||
      std::any_of(table_columns.begin(), table_columns.end(),
                  [](double c) { return c < 0.0 || c > 100.0 || c != std::floor(c); }))
    throw InvalidValue(prefix + "table_columns", std::to_string(table_columns.size()) + " values",
                       "must list 2 or 3 zero-based column numbers (recoil_keVnr, QF[, sigma_QF]), e.g. [0, 2, 3]");
  if (!std::isfinite(shift_sigma) || std::abs(shift_sigma) > 5.0)
    throw InvalidValue(prefix + "shift_sigma", format_value(shift_sigma), "must be within ±5");
}

Quenching::Quenching(const QuenchingConfig& config, const Isotope& isotope)
    : config_((config.validate(), config)),
      lindhard_k_(config.lindhard_k.value_or(0.133 * std::pow(isotope.protons, 2.0 / 3.0) /
                                             std::sqrt(static_cast<double>(isotope.mass_number)))),
      protons_(isotope.protons) {}

double Quenching::quenching_factor(RecoilEnergy recoil) const {
  const double e_mev = recoil.native() / units::MeV;
  const double e_kev = recoil.native() / units::keV;
  const double shift = config_.shift_sigma;
  switch (config_.model) {
    case QuenchingModel::coherent_polynomial: {
      double power = 1.0;  // E^k
      double sum = 0.0;
      for (double c : config_.polynomial_coefficients) sum += c * power, power *= e_mev;
      return std::max(sum * (1.0 + shift * config_.polynomial_relative_uncertainty), 0.0);
    }
    case QuenchingModel::constant:
      return std::max(config_.constant_qf + shift * config_.constant_qf_uncertainty, 0.0);
    case QuenchingModel::lindhard: {
      // ε = 11.5 E[keV] Z^(−7/3); g = 3ε^0.15 + 0.7ε^0.6 + ε; QF = k g/(1 + k g).
      const double k = lindhard_k_ * (1.0 + shift * config_.lindhard_k_relative_uncertainty);
      const double eps = 11.5 * e_kev * std::pow(protons_, -7.0 / 3.0);
      const double g = 3.0 * std::pow(eps, 0.15) + 0.7 * std::pow(eps, 0.6) + eps;
      return std::max(k * g / (1.0 + k * g), 0.0);
    }
    case QuenchingModel::table: {
      // Linear interpolation, constant beyond the ends.
      const auto& x = config_.table_keVnr;
      const auto value = [&](std::size_t i) {
        const double sigma = config_.table_qf_uncertainty.empty() ? 0.0 : config_.table_qf_uncertainty[i];
        return config_.table_qf[i] + shift * sigma;
      };
      if (e_kev <= x.front()) return std::max(value(0), 0.0);
      if (e_kev >= x.back()) return std::max(value(x.size() - 1), 0.0);
      const auto i = static_cast<std::size_t>(std::upper_bound(x.begin(), x.end(), e_kev) - x.begin()) - 1;
      const double f = (e_kev - x[i]) / (x[i + 1] - x[i]);
      return std::max(value(i) + f * (value(i + 1) - value(i)), 0.0);
    }
  }
  return 0.0;
}

ElectronEquivalentEnergy Quenching::electron_equivalent(RecoilEnergy recoil) const {
  return ElectronEquivalentEnergy(quenching_factor(recoil) * recoil.native());
}

RecoilEnergy Quenching::recoil_for(ElectronEquivalentEnergy visible) const {
  // Bisection on [0, 1 MeV]: E_ee(E_nr) increases over the CEvNS range of every model.
  double low = 0.0, high = 1.0 * units::MeV;
  if (electron_equivalent(RecoilEnergy(high)) < visible) return RecoilEnergy(high);
  for (int i = 0; i < 100 && high - low > 1e-12 * high; ++i) {
    const double mid = 0.5 * (low + high);
    (electron_equivalent(RecoilEnergy(mid)) < visible ? low : high) = mid;
  }
  return RecoilEnergy(0.5 * (low + high));
}

}  // namespace cevns
