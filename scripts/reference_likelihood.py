#!/usr/bin/python3
"""An independent implementation of cevns's binned likelihood (docs/statistics.md), minimised
with iminuit (MINUIT2), to check that `cevns fit` reaches the same minimum and to time it.

It reads the model and data that `cevns fit --export-model FILE` writes (templates,
modifiers, parameters, counts) and evaluates, from the formulas of docs/statistics.md only,

    t = 2 sum_b [nu_b - n_b + n_b ln(n_b / nu_b)] + sum_i c_i(theta_i)

Usage:
    reference_likelihood.py MODEL.json [--expect T] [--tolerance 1e-6] [--repeat N]
    reference_likelihood.py --cevns build/bin/cevns --data DIR_OR_CSV [--fit-config F] [--config C]
        (runs cevns fit itself, then compares its minimum with iminuit's)

Exit status 0 when the two minima agree within the tolerance, 1 when not, 77 when
iminuit or numpy are missing (CTest's "skipped").
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    from iminuit import Minuit
except ImportError as e:  # CTest reads 77 as "skipped"
    print(f"skipped: {e} (install python3-iminuit and python3-numpy)")
    sys.exit(77)


def interpolate(alpha, up, down):
    """Shift at alpha of a +-1 sigma variation: linear beyond |alpha| = 1, inside the
    polynomial alpha*S + A*alpha^2 (15 - 10 alpha^2 + 3 alpha^4)/8 that joins it smoothly."""
    if alpha >= 1.0:
        return alpha * up
    if alpha <= -1.0:
        return -alpha * down
    s = 0.5 * (up - down)
    a = 0.5 * (up + down)
    a2 = alpha * alpha
    return alpha * s + a * a2 * (15.0 - 10.0 * a2 + 3.0 * a2 * a2) / 8.0


class Likelihood:
    def __init__(self, model):
        self.params = model["parameters"]
        self.names = [p["name"] for p in self.params]
        index = {n: i for i, n in enumerate(self.names)}
        self.counts = np.asarray(model["counts"], dtype=float)
        self.aux = np.asarray(model["aux"], dtype=float)
        self.samples = []
        for s in model["samples"]:
            nominal = np.asarray(s["nominal"], dtype=float)
            self.samples.append({
                "nominal": nominal,
                "factors": [index[f] for f in s["norm_factors"]],
                # per set of bin factors: parameter index per bin, -1 none
                "bin_factors": [np.array([index[f] if f else -1 for f in fs]) for fs in s["bin_factors"]],
                "norms": [(index[v["parameter"]], np.log(v["up"]), np.log(v["down"])) for v in s["norm_variations"]],
                "shapes": [(index[v["parameter"]], np.asarray(v["up"]) - nominal, np.asarray(v["down"]) - nominal)
                           for v in s["shape_variations"]],
            })
        self.mask = self.counts > 0
        self.log_counts = np.where(self.mask, np.log(np.where(self.mask, self.counts, 1.0)), 0.0)

    def expected(self, p):
        nu = np.zeros_like(self.counts)
        for s in self.samples:
            scale = np.prod([p[f] for f in s["factors"]]) if s["factors"] else 1.0
            scale *= np.exp(sum(interpolate(p[i], up, down) for i, up, down in s["norms"]))
            base = s["nominal"].copy()
            for i, du, dd in s["shapes"]:
                a = p[i]
                if a >= 1.0:
                    base += a * du
                elif a <= -1.0:
                    base += -a * dd
                else:
                    a2 = a * a
                    base += a * 0.5 * (du - dd) + 0.5 * (du + dd) * a2 * (15.0 - 10.0 * a2 + 3.0 * a2 * a2) / 8.0
            g = np.ones_like(base)
            for idx in s["bin_factors"]:
                g *= np.where(idx >= 0, p[np.maximum(idx, 0)], 1.0)
            nu += scale * g * np.maximum(base, 0.0)
        return nu

    def __call__(self, *p):
        p = np.asarray(p)
        nu = np.maximum(self.expected(p), 1e-300)
        t = 2.0 * np.sum(nu - self.counts + self.counts * (self.log_counts - np.log(nu)) * self.mask)
        for i, q in enumerate(self.params):
            if q["constraint"] == "gaussian":
                t += ((p[i] - self.aux[i]) / q["sigma"]) ** 2
            elif q["constraint"] == "lognormal":
                t += (np.log(max(p[i], 1e-300) / self.aux[i]) / np.log1p(q["sigma"])) ** 2
        return float(t)


def minimise(lik):
    start = [q["nominal"] for q in lik.params]
    m = Minuit(lik, *start, name=lik.names)
    m.errordef = Minuit.LEAST_SQUARES  # t is -2 ln L: errors at delta t = 1
    m.strategy = 1
    m.tol = 1e-6
    for q in lik.params:
        m.limits[q["name"]] = (q["lower"], q["upper"])
        m.fixed[q["name"]] = bool(q["fixed"])
    m.migrad()
    m.migrad()  # a second pass settles the last digits
    return m


def run_cevns(args):
    """Runs cevns fit with --export-model; returns (model json, cevns's minimum)."""
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, "model.json")
        cmd = [args.cevns, "fit", "-q", "--data", args.data, "--export-model", model_file, "--format", "json"]
        if args.fit_config:
            cmd += ["--fit-config", args.fit_config]
        if args.config:
            cmd += ["--config", args.config]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        with open(model_file) as f:
            model = json.load(f)
    result = json.loads(out)
    return model, result["minimum"]["minus_2_log_likelihood"], result["minimum"]["seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", help="model JSON from cevns fit --export-model")
    ap.add_argument("--expect", type=float, help="cevns's minimum of -2 ln L to compare with")
    ap.add_argument("--tolerance", type=float, default=1e-6)
    ap.add_argument("--repeat", type=int, default=3, help="fits to time")
    ap.add_argument("--cevns", help="the cevns program: run cevns fit and compare")
    ap.add_argument("--data")
    ap.add_argument("--fit-config")
    ap.add_argument("--config")
    args = ap.parse_args()
    cevns_seconds = None
    if args.cevns:
        if not args.data:
            ap.error("--cevns needs --data")
        if not os.path.exists(args.data):
            print(f"skipped: the data {args.data} are not there")
            return 77
        model, args.expect, cevns_seconds = run_cevns(args)
    elif args.model:
        with open(args.model) as f:
            model = json.load(f)
    else:
        ap.error("give MODEL.json or --cevns")
    lik = Likelihood(model)
    times = []
    for _ in range(max(args.repeat, 1)):
        t0 = time.perf_counter()
        m = minimise(lik)
        times.append(time.perf_counter() - t0)
    times.sort()
    t_min = m.fval
    print(f"iminuit: -2 ln L = {t_min:.9f} ({'valid' if m.valid else 'NOT valid'} minimum, {m.nfcn} calls, "
          f"{1e3 * times[len(times) // 2]:.1f} ms per fit, median of {len(times)})")
    if cevns_seconds is not None:
        print(f"cevns:   -2 ln L = {args.expect:.9f} (fit with Hessian {1e3 * cevns_seconds:.1f} ms); "
              f"cevns is {times[len(times) // 2] / max(cevns_seconds, 1e-9):.1f}x faster")
    if args.expect is not None:
        delta = abs(t_min - args.expect)
        print(f"|delta(-2 ln L)| = {delta:.2e} (tolerance {args.tolerance:g})")
        return 0 if delta < args.tolerance and m.valid else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
