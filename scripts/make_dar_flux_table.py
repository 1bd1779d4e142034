#!/usr/bin/env python3
"""Writes the analytic π⁺ decay-at-rest model of configs/clovers.toml (CSNS) as a flux table
(source.flux = "table", docs/configuration.md): data/flux/csns-dar-tabulated.csv.

It is exactly cevns's analytic model binned (no decay in flight, no ν̄_e): the format's
example and a check that a table reproduces the analytic prediction
(tests/experiment/flux_table_test.cpp). Energies: the Michel spectra and the prompt ν_μ line
(src/source/neutrino_spectrum.cpp); times at the target: two Gaussian bunches (0 and 410 ns,
80 ns FWHM) convolved with the π⁺ and μ⁺ decay times (src/source/arrival_time.cpp).

Usage: /usr/bin/python3 scripts/make_dar_flux_table.py > data/flux/csns-dar-tabulated.csv
"""
import math

# PDG 2024, as include/cevns/core/constants.hpp.
M_PI, M_MU = 139.57039, 105.6583755      # MeV
TAU_PI, TAU_MU = 26.033, 2196.9811       # ns
E_LINE = (M_PI**2 - M_MU**2) / (2 * M_PI)
E_END = M_MU / 2
YIELD = 0.17                             # ν per proton per flavour (CLOVERS §2.1)
BUNCHES = (0.0, 410.0)                   # ns, equal shares
SIGMA = 80.0 / (2 * math.sqrt(2 * math.log(2)))


def michel_cdf(kind, e):
    """P(E ≤ e) of the ν_e (192 x²(1/2 − x)) or ν̄_μ (64 x²(3/4 − x)) spectrum, x = E/m_μ."""
    x = min(max(e, 0.0), E_END) / M_MU
    return 32 * x**3 - 48 * x**4 if kind == "nu_e" else 16 * x**3 - 16 * x**4


def exgaussian_cdf(x, tau):
    gauss = 0.5 * math.erfc(-x / (SIGMA * math.sqrt(2)))
    z = (SIGMA / tau - x / SIGMA) / math.sqrt(2)
    return gauss - 0.5 * math.exp(-x / tau + 0.5 * (SIGMA / tau) ** 2) * math.erfc(z)


def time_cdf(kind, t):
    total = 0.0
    for b in BUNCHES:
        x = t - b
        if kind == "nu_mu":
            total += exgaussian_cdf(x, TAU_PI)
        else:  # π then μ decay: (τμ F(τμ) − τπ F(τπ)) / (τμ − τπ)
            total += (TAU_MU * exgaussian_cdf(x, TAU_MU) - TAU_PI * exgaussian_cdf(x, TAU_PI)) / (TAU_MU - TAU_PI)
    return total / len(BUNCHES)


def main():
    step = E_LINE / 29.5  # the ν_μ line at the centre of bin 29
    energies = [0.0]
    while energies[-1] < E_END:
        energies.append(len(energies) * step)
    times = [-300.0 + 20 * i for i in range(56)]               # to 800 ns: the pulse
    times += [800.0 + 100 * i for i in range(1, 53)]           # to 6 µs
    times += [6000.0 + 1000 * i for i in range(1, 15)]         # to 20 µs
    times.append(1e6)                                          # the rest of the muon decays
    flavours = ("nu_mu", "nu_e", "nubar_mu")
    p_time = {f: [time_cdf(f, b) - time_cdf(f, a) for a, b in zip(times, times[1:])] for f in flavours}
    print("# cevns flux table (source.flux = \"table\"): EXACTLY the analytic pi+ decay-at-rest model of")
    print("# configs/clovers.toml (CSNS: 0.17 nu per proton per flavour; two Gaussian bunches at 0 and 410 ns,")
    print("# 80 ns FWHM), binned by scripts/make_dar_flux_table.py. NOT a beam-target simulation: no decay in")
    print("# flight, no nubar_e. Energy bins %.6f MeV (the prompt nu_mu line at a bin centre); times at the" % step)
    print("# target, 20 ns to 800 ns, 100 ns to 6 us, 1 us to 20 us, one bin to 1 ms.")
    print("# columns: energy_low_MeV energy_high_MeV time_low_ns time_high_ns nu_mu nu_e nubar_mu")
    print("# (neutrinos per proton on target emitted into the cell)")
    for i, (e0, e1) in enumerate(zip(energies, energies[1:])):
        p_energy = {
            "nu_mu": 1.0 if e0 <= E_LINE < e1 else 0.0,
            "nu_e": michel_cdf("nu_e", e1) - michel_cdf("nu_e", e0),
            "nubar_mu": michel_cdf("nubar_mu", e1) - michel_cdf("nubar_mu", e0),
        }
        for j, (t0, t1) in enumerate(zip(times, times[1:])):
            cells = " ".join("%.7g" % (YIELD * p_energy[f] * max(p_time[f][j], 0.0)) for f in flavours)
            print("%.7g %.7g %g %g %s" % (e0, e1, t0, t1, cells))


if __name__ == "__main__":
    main()
