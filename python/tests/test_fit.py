"""cevns.fit: the likelihood fit of `cevns fit` from Python."""

import os

import pytest

import cevns
from conftest import SOURCE_DIR

RELEASE = SOURCE_DIR.parent / "shared" / "data" / "coherent-csi-2017"


def test_fit_of_a_csv(tmp_path):
    # One region, a prediction-free fit is not possible: the CLOVERS templates over a small grid.
    csv = tmp_path / "observed.csv"
    rows = ["region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts"]
    for n in range(4, 20, 4):
        for t in range(0, 10, 2):
            rows.append(f"on-beam,1,{n},{n + 4},{t},{t + 2},{5 + n // 4}")
    csv.write_text("\n".join(rows) + "\n")
    result = cevns.fit(csv, config="clovers.toml")
    assert result["minimum"]["converged"]
    assert result["poi"]["name"] == "cevns"
    assert "table" in result


def test_bad_input_is_a_config_error(tmp_path):
    csv = tmp_path / "observed.csv"
    csv.write_text("region,counts\n")
    with pytest.raises(cevns.ConfigError, match="the header must be"):
        cevns.fit(csv)
    with pytest.raises(cevns.ConfigError, match="unknown fit parameter 'nope'"):
        ok = tmp_path / "ok.csv"
        ok.write_text("region,live_time_s,npe_low,npe_high,time_low_us,time_high_us,counts\non-beam,1,4,8,0,2,3\n")
        cevns.fit(ok, config="clovers.toml", fix={"nope": 1.0})


@pytest.mark.skipif(not (RELEASE / "data_coincidence_beamOn.txt").is_file(), reason="the COHERENT 2017 release is not there")
def test_the_coherent_release():
    result = cevns.fit(RELEASE, fit_config=SOURCE_DIR / "configs" / "fit" / "coherent-csi-2017.toml")
    assert abs(result["poi"]["events"] - 134.0) < 22.0  # Science 357 (2017) 1123, docs/statistics.md
    profile = result["profile"]  # the profile of the parameter of interest (cevns.scan scans configuration keys)
    assert min(profile["delta_minus_2_log_likelihood"]) < 0.1


def test_ctrl_c_stops_the_toys():
    """SIGINT to the main thread while the fit runs its toys: KeyboardInterrupt within
    seconds (the toys poll a stop flag), not after the last toy; a fit afterwards works."""
    import signal
    import threading
    import time

    main = threading.get_ident()
    timer = threading.Timer(1.0, lambda: signal.pthread_kill(main, signal.SIGINT))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            cevns.fit(asimov=True, config="clovers.toml", toys=200000, threads=2)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 8.0
    assert cevns.fit(asimov=True, config="clovers.toml")["minimum"]["converged"]
