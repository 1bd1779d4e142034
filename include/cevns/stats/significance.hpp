#pragma once
/// \file
/// Counting-experiment significance.

#include <optional>

namespace cevns::stats {

/// The CLOVERS paper's figure of merit (eq. 1): N_sig / √(N_sig + N_bkg); √N_sig without
/// background.
double simple_significance(double signal, double background);

/// The Asimov discovery significance of a counting experiment with known background,
/// √(2[(s + b) ln(1 + s/b) − s]) (Cowan, Cranmer, Gross, Vitells, EPJC 71 (2011) 1554,
/// eq. 97); s/√b for b → ∞. Unset for b = 0 < s: the formula diverges there (with a
/// background known to be exactly zero a single event is a discovery), so there is no
/// number to report — the caller says so instead of printing ∞.
std::optional<double> asimov_significance(double signal, double background);

/// The factor by which an exposure must grow (signal and background both ∝ exposure) for
/// `simple_significance` to reach `target`: (target / Z)².
double exposure_factor_for(double signal, double background, double target);

}  // namespace cevns::stats
