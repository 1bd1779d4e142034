#include "cevns/physics/physics_config.hpp"

#include <array>
#include <cmath>
#include <utility>

#include "cevns/core/error.hpp"

namespace cevns {
namespace {

constexpr std::array<std::pair<std::string_view, FormFactorModel>, 4> form_factor_names{{
    {"helm", FormFactorModel::helm},
    {"klein-nystrand", FormFactorModel::klein_nystrand},
    {"symmetrized-fermi", FormFactorModel::symmetrized_fermi},
    {"none", FormFactorModel::none},
}};
constexpr std::array<std::pair<std::string_view, WeakChargeModel>, 2> weak_charge_names{{
    {"tree", WeakChargeModel::tree},
    {"radiative", WeakChargeModel::radiative},
}};

template <class Table, class Enum>
std::string_view name_of(const Table& table, Enum value) {
  for (const auto& [name, v] : table)
    if (v == value) return name;
  return "?";
}

template <class Table>
auto parse(const Table& table, std::string_view text) -> std::optional<typename Table::value_type::second_type> {
  for (const auto& [name, v] : table)
    if (name == text) return v;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(FormFactorModel model) { return name_of(form_factor_names, model); }
std::string_view to_string(WeakChargeModel model) { return name_of(weak_charge_names, model); }
std::optional<FormFactorModel> parse_form_factor_model(std::string_view text) { return parse(form_factor_names, text); }
std::optional<WeakChargeModel> parse_weak_charge_model(std::string_view text) { return parse(weak_charge_names, text); }

void PhysicsConfig::validate() const {
  if (!(sin2_theta_w > 0.0 && sin2_theta_w < 1.0))
    throw InvalidValue("physics.sin2_theta_w", format_value(sin2_theta_w), "must be in (0, 1); PDG 2024: 0.23857");
  if (!std::isfinite(neutron_skin_fm) || std::abs(neutron_skin_fm) > 2.0)
    throw InvalidValue("physics.neutron_skin_fm", format_value(neutron_skin_fm),
                       "must be within ±2 fm; measured skins are a few tenths of a fm");
}

}  // namespace cevns
