#include "variations.hpp"

#include <fmt/format.h>

namespace cevns::app {
namespace {

/// Rows of NPE, each the arrival-time bins.
nlohmann::json rows(const Spectrum2D& s) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t ix = 0; ix < s.x.size(); ++ix) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t iy = 0; iy < s.y.size(); ++iy) row.push_back(s.at(ix, iy));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

nlohmann::json variations_json(const std::vector<Variation>& variations) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& v : variations)
    out.push_back({{"name", v.name},
                   {"parameter", std::string(systematic_parameter_names.name(v.parameter))},
                   {"roi_signal_down", v.down.roi_signal()},
                   {"roi_signal_up", v.up.roi_signal()},
                   {"signal_down", rows(v.down.signal_total())},
                   {"signal_up", rows(v.up.signal_total())}});
  return out;
}

std::string variations_table(const Prediction& central, const std::vector<Variation>& variations) {
  std::string out = fmt::format("\n  systematics: CEvNS signal in the region of interest\n  {:<28} {:>10} {:>10} {:>10}\n",
                                "nuisance", "-1 sigma", "central", "+1 sigma");
  for (const auto& v : variations)
    out += fmt::format("  {:<28} {:>10.2f} {:>10.2f} {:>10.2f}\n", v.name, v.down.roi_signal(), central.roi_signal(),
                       v.up.roi_signal());
  if (variations.empty()) out += "  (none configured: [[systematics]])\n";
  return out;
}

}  // namespace cevns::app
