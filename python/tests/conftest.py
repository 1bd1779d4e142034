"""Shared fixtures: the command line to compare with, and a tiny simulated run."""

import functools
import json
import os
import subprocess
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("CEVNS_SOURCE_DIR", Path(__file__).resolve().parents[2])).resolve()
CLI = Path(os.environ.get("CEVNS_EXECUTABLE", SOURCE_DIR / "build" / "bin" / "cevns")).resolve()
SHIPPED = sorted(p.name for p in (SOURCE_DIR / "configs").glob("*.toml"))
# A run small enough for a test: 4 blocks of 250 CLOVERS triggers (40 s of beam), with
# dark counts enough for the single-PE calibration of so short a run.
TINY_RUN = {"daq.triggers_per_block": 250, "daq.pmt.dark_rate_Hz": 2000, "reco.calibration_pulses": 100}
TINY_TRIGGERS = 1000


def run_cli(*args, check=True, cwd=None):
    """Runs the cevns program; returns the CompletedProcess."""
    result = subprocess.run([str(CLI), "-q", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"cevns {' '.join(map(str, args))} failed ({result.returncode}): {result.stderr}")
    return result


def cli_error(*args):
    """The message of a command that fails on bad input: 'cevns: error: MESSAGE' -> MESSAGE."""
    result = run_cli(*args, check=False)
    assert result.returncode == 1, (result.returncode, result.stderr)
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("cevns: error: "), line
    return line[len("cevns: error: "):]


@functools.lru_cache(maxsize=None)
def cli_json(*args):
    return json.loads(run_cli(*args, "--format", "json").stdout)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The same tiny run simulated, reconstructed and selected by the command line."""
    d = tmp_path_factory.mktemp("cli-run")
    sets = [a for k, v in TINY_RUN.items() for a in ("--set", f"{k}={v}")]
    run_cli("simulate", "--config", "clovers.toml", *sets, "-n", TINY_TRIGGERS, "--seed", 7, "-t", 2, "-o", d / "raw.h5")
    run_cli("reconstruct", d / "raw.h5", "-t", 2, "-o", d / "reduced.h5")
    return {"dir": d, "raw": d / "raw.h5", "reduced": d / "reduced.h5",
            "select": json.loads(run_cli("select", d / "reduced.h5", "--format", "json").stdout)}
