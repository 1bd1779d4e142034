#include "cevns/physics/physics_config.hpp"

#include <cmath>

#include "cevns/core/error.hpp"

namespace cevns {
void PhysicsConfig::validate() const {
  if (!(sin2_theta_w > 0.0 && sin2_theta_w < 1.0))
    throw InvalidValue("physics.sin2_theta_w", format_value(sin2_theta_w), "must be in (0, 1); PDG 2024: 0.23857");
  if (!std::isfinite(neutron_skin_fm) || std::abs(neutron_skin_fm) > 2.0)
    throw InvalidValue("physics.neutron_skin_fm", format_value(neutron_skin_fm),
                       "must be within ±2 fm; measured skins are a few tenths of a fm");
}

}  // namespace cevns
