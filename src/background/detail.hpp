#pragma once
// Shared by the deposit-based models of background.cpp and materials_background.cpp.
#include <map>
#include <vector>

#include "cevns/detector/detector_config.hpp"

namespace cevns::background_detail {
/// Light-yield shares of the crystals (crystals with the same light yield fold once).
std::map<double, double> light_yield_shares(const DetectorConfig& detector);
/// Adds `events` deposits of `keVee` to the true-NPE spectrum `npe` (Poisson photostatistics).
void add_photostatistics(double keVee, double events, const std::map<double, double>& shares, std::vector<double>& npe,
                         std::vector<double>& scratch);
}  // namespace cevns::background_detail
