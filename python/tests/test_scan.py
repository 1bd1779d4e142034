"""cevns.scan: the profile-likelihood scan of `cevns scan` from Python — the command's
numbers, its messages, numpy grids, and Ctrl-C."""

import json
import os
import signal
import threading
import time

import numpy as np
import pytest

import cevns
from conftest import SOURCE_DIR, cli_error, run_cli

PARAM = "physics.sin2_theta_w=0.2:0.28:5"
# The CEvNS rate known to ±5 % apart from the cross section: sin²θ_W is then measured.
PROJECTION = SOURCE_DIR / "configs" / "fit" / "projection.toml"


@pytest.fixture(scope="module")
def cli_scan(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli-scan")
    out = json.loads(run_cli("scan", "--asimov", "--fit-config", PROJECTION, "--param", PARAM, "-t", 2, "--format", "json", "-o", d / "out").stdout)
    return out, d / "out"


def test_equals_the_command(cli_scan, tmp_path):
    expected, cli_dir = cli_scan
    got = cevns.scan(PARAM, asimov=True, fit_config=PROJECTION, threads=2, output=tmp_path / "out")
    assert [a["name"] for a in got["axes"]] == ["physics.sin2_theta_w"]
    np.testing.assert_array_equal(got["axes"][0]["values"], expected["axes"][0]["values"])
    assert got["delta_chi2"].shape == (5,) and got["delta_chi2"].dtype == np.float64
    np.testing.assert_allclose(got["delta_chi2"], np.array(expected["delta_chi2"], dtype=float), rtol=1e-9, atol=1e-12)
    assert got["t_min"] == pytest.approx(expected["t_min"], rel=1e-9)
    assert got["reference_delta_chi2"] == pytest.approx(expected["reference_delta_chi2"], rel=1e-9, abs=1e-12)
    assert got["levels"] == expected["levels"]
    for mine, theirs in zip(got["intervals"], expected["intervals"], strict=True):
        assert {k: v for k, v in mine.items() if k != "ranges"} == {k: v for k, v in theirs.items() if k != "ranges"}
        np.testing.assert_allclose(np.array(mine["ranges"]).ravel(), np.array(theirs["ranges"]).ravel(), rtol=1e-9)
    for key in ("experiment", "fit_config", "data", "templates", "dof"):
        assert got[key] == expected[key], key
    assert got["converged"].dtype == np.bool_ and got["converged"].all()
    assert np.nanmax(got["delta_chi2"]) > 1.0  # sin2(theta_W) is measured: 0.2 and 0.28 are outside 1 sigma
    assert got["profiled"].shape == (5, len(got["parameters"]))
    assert "profile-likelihood scan, 5 points" in got["table"]
    # output= writes what --output writes: the same scan.json apart from the timing
    assert sorted(os.path.basename(f) for f in got["files"]) == sorted(os.listdir(cli_dir))
    written = json.loads((tmp_path / "out" / "scan.json").read_text())
    on_disk = json.loads((cli_dir / "scan.json").read_text())
    for j in (written, on_disk):
        del j["seconds"]
    assert written.keys() == on_disk.keys()
    np.testing.assert_allclose(written["delta_chi2"], on_disk["delta_chi2"], rtol=1e-9, atol=1e-12)
    # params as a dict, and a Configuration with the key set: the same scan
    same = cevns.scan({"physics.sin2_theta_w": (0.2, 0.28, 5)}, config=cevns.load_config("clovers.toml"), asimov=True,
                      fit_config=PROJECTION)
    np.testing.assert_allclose(same["delta_chi2"], got["delta_chi2"], rtol=1e-12, atol=1e-14)


def test_two_dimensional_grids_are_shaped():
    calls = []
    # the configuration's point (sin2 0.23857, eps 0) is the grid's centre
    got = cevns.scan(["physics.sin2_theta_w=0.2:0.27714:3", "physics.nsi.eps_u_ee=-0.1:0.1:3"], asimov=True,
                     fit_config=PROJECTION, progress=lambda done, total, elapsed_s: calls.append((done, total)))
    assert got["delta_chi2"].shape == (3, 3) and got["converged"].shape == (3, 3)
    assert got["profiled"].shape == (3, 3, len(got["parameters"]))
    assert got["dof"] == 2 and abs(got["delta_chi2"][1, 1]) < 1e-6 and np.nanmin(got["delta_chi2"]) >= 0.0
    assert got["axes"][1]["values"][1] == 0.0
    assert calls and calls[-1] == (9, 9)


def test_errors_are_the_commands():
    for args, call in [
        (["--param", "physics.sin2_theta_w=0.3:0.2:5"], dict(params="physics.sin2_theta_w=0.3:0.2:5", asimov=True)),
        ([], dict(params=PARAM, asimov=False)),
        (["--fix", "nope=1"], dict(params=PARAM, asimov=True, fix={"nope": 1})),
        (["--param", "detector.no_such_key=0:1:3"], dict(params="detector.no_such_key=0:1:3", asimov=True)),
    ]:
        cli = ["scan"] + (["--asimov"] if call["asimov"] else []) + (["--param", PARAM] if "--param" not in args else []) + args
        message = cli_error(*cli)
        with pytest.raises(cevns.ConfigError) as error:
            cevns.scan(**call)
        assert str(error.value) == message


def test_ctrl_c_stops_a_long_scan(tmp_path):
    """SIGINT to the main thread during a 4000-point scan: KeyboardInterrupt within seconds,
    no output written, the output free again."""
    main = threading.get_ident()
    timer = threading.Timer(1.0, lambda: signal.pthread_kill(main, signal.SIGINT))
    out = tmp_path / "out"
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            cevns.scan("physics.sin2_theta_w=0.1:0.4:4000", asimov=True, threads=2, output=out)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 6.0
    assert not out.exists()
    assert not (tmp_path / "out.lock").exists()
    done = cevns.scan("physics.sin2_theta_w=0.2:0.28:3", asimov=True, output=out)  # the output is free
    assert (out / "scan.json").is_file() and done["converged"].all()


def test_a_raising_progress_callback_stops_the_scan():
    class Enough(Exception):
        pass

    def progress(done, total, elapsed_s):
        raise Enough(done)

    started = time.monotonic()
    with pytest.raises(Enough):
        cevns.scan("physics.sin2_theta_w=0.1:0.4:4000", asimov=True, threads=2, progress=progress)
    assert time.monotonic() - started < 6.0
