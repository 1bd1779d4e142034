"""cevns.predict and cevns.sensitivity: the command line's numbers, numpy spectra with the
documented shapes, dtypes and units, views that keep the prediction alive."""

import gc

import numpy as np
import pytest

import cevns
from conftest import SHIPPED, cli_error, cli_json, run_cli


@pytest.fixture(scope="module", params=SHIPPED)
def predicted(request):
    return cevns.predict(request.param), cli_json("predict", "--config", request.param)


def test_json_equals_the_command_line(predicted):
    p, cli = predicted
    assert p.to_json() == cli


def test_totals_by_flavour_and_isotope(predicted):
    p, cli = predicted
    events = cli["events"]
    assert p.experiment == cli["experiment"]
    assert p.total_events == events["total"]
    assert p.events_by_flavor == events["by_flavor"]
    assert p.events_by_isotope == events["by_isotope"]
    assert p.events_above_threshold == {t["threshold_keVnr"]: t["events"] for t in events["above_threshold"]}
    assert [(c["flavor"], c["isotope"], c["events"]) for c in p.channels] == \
        [(c["flavor"], c["isotope"], c["events"]) for c in events["by_channel"]]
    assert p.protons_on_target == cli["exposure"]["protons_on_target"]
    roi = cli["roi"]
    assert (p.roi_signal, p.roi_background, p.roi_threshold_keVnr) == \
        (roi["signal"], roi["background_total"], roi["threshold_keVnr"])
    assert p.roi_background_by_source == roi["background"]
    assert p.roi_signal_by_flavor == roi["signal_by_flavor"]


def test_spectra_equal_the_command_lines(predicted):
    p, cli = predicted
    spectra = cli["spectra"]
    np.testing.assert_array_equal(p.recoil.edges, spectra["recoil"]["edges_keVnr"])
    np.testing.assert_array_equal(p.recoil.counts, spectra["recoil"]["total"])
    for flavor, counts in spectra["recoil"]["by_flavor"].items():
        np.testing.assert_array_equal(p.recoil_by_flavor[flavor].counts, counts)
    for isotope, counts in spectra["recoil"]["by_isotope"].items():
        np.testing.assert_array_equal(p.recoil_by_isotope[isotope].counts, counts)
    for flavor, counts in spectra["arrival_time"]["by_flavor"].items():
        np.testing.assert_array_equal(p.arrival_time[flavor].counts, counts)
        np.testing.assert_array_equal(p.arrival_time[flavor].edges, spectra["arrival_time"]["edges_us"])
    npe = spectra["npe"]
    for flavor, counts in npe["signal_before_selection"].items():
        np.testing.assert_array_equal(p.npe_before_selection[flavor].counts, counts)
        np.testing.assert_array_equal(p.npe_before_selection[flavor].centers, npe["npe"])
    for flavor, counts in npe["signal_after_selection"].items():
        np.testing.assert_array_equal(p.npe_after_selection[flavor].counts, counts)
    for name, counts in npe["background_after_selection"].items():
        np.testing.assert_array_equal(p.background_npe[name].counts, counts)
    selected = spectra["arrival_time_selected"]
    for flavor, counts in selected["signal"].items():
        np.testing.assert_array_equal(p.arrival_time_selected["signal"][flavor].counts, counts)
    for name, counts in selected["background"].items():
        np.testing.assert_array_equal(p.arrival_time_selected["background"][name].counts, counts)
    npe_time = spectra["npe_time"]
    np.testing.assert_array_equal(p.signal_total.counts, npe_time["signal"])
    np.testing.assert_array_equal(p.background_total.counts, npe_time["background"])
    np.testing.assert_array_equal(p.signal_total.x_edges, npe_time["npe_edges"])
    np.testing.assert_array_equal(p.signal_total.y_edges, npe_time["time_edges_us"])
    # the per-flavour and per-source 2-D spectra add up to the totals
    np.testing.assert_allclose(sum(s.counts for s in p.signal_npe_time.values()), p.signal_total.counts,
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(sum(s.counts for s in p.background_npe_time.values()), p.background_total.counts,
                               rtol=1e-12, atol=1e-300)


def test_shapes_dtypes_and_units():
    cfg = cevns.load_config("clovers.toml")
    p = cevns.predict(cfg)
    npe_bins = cfg["spectra.npe_max"] + 1
    for s in [p.recoil, *p.arrival_time.values(), *p.npe_before_selection.values(), *p.background_npe.values()]:
        assert s.edges.dtype == np.float64 and s.counts.dtype == np.float64
        assert s.edges.shape == (s.counts.shape[0] + 1,) and s.centers.shape == s.counts.shape
        assert s.unit == "expected events per bin"
    assert p.recoil.edge_unit == "keVnr" and p.arrival_time["nu_mu"].edge_unit == "us"
    assert p.npe_before_selection["nu_e"].edge_unit == "NPE"
    assert p.npe_before_selection["nu_e"].counts.shape == (npe_bins,)
    time_bins = p.arrival_time["nu_mu"].counts.shape[0]
    for s in [*p.signal_npe_time.values(), *p.background_npe_time.values(), p.signal_total]:
        assert s.counts.shape == (npe_bins, s.y_edges.shape[0] - 1) and s.counts.dtype == np.float64
        assert (s.x_unit, s.y_unit) == ("NPE", "us")
    assert p.signal_total.y_edges.shape[0] - 1 <= time_bins or time_bins > 0
    assert set(p.events_by_flavor) == {"nu_mu", "nu_e", "nubar_mu"}


def test_held_spectra_are_read_only_views_that_keep_the_prediction_alive():
    p = cevns.predict("clovers.toml")
    view = p.npe_before_selection["nu_mu"].counts
    matrix = p.signal_npe_time["nu_mu"].counts
    expected = view.copy()
    assert not view.flags.writeable and not view.flags.owndata and view.base is not None
    assert matrix.ndim == 2 and not matrix.flags.writeable
    with pytest.raises(ValueError):
        view[0] = 1.0
    # two reads of the same spectrum share memory: no copy
    assert np.shares_memory(view, p.npe_before_selection["nu_mu"].counts)
    del p
    gc.collect()
    np.testing.assert_array_equal(view, expected)
    # sums are new, writable arrays
    total = cevns.predict("clovers.toml").recoil.counts
    assert total.flags.writeable


def test_changing_sin2_theta_w_changes_the_rate_as_the_command_line_does():
    cfg = cevns.load_config("clovers.toml")
    cfg["physics.sin2_theta_w"] = 0.24
    cli = cli_json("predict", "--config", "clovers.toml", "--set", "physics.sin2_theta_w=0.24")
    p = cevns.predict(cfg)
    assert p.to_json() == cli
    assert p.total_events != cevns.predict("clovers.toml").total_events


def test_predict_accepts_a_path_a_name_and_overrides(tmp_path):
    a = cevns.predict("clovers.toml", overrides={"detector.mass_kg": 6})
    b = cevns.predict(cevns.load_config("clovers.toml", {"detector.mass_kg": 6}))
    assert a.to_json() == b.to_json()


def test_sensitivity_equals_the_command_line():
    cli = cli_json("sensitivity", "--config", "clovers.toml")
    s = cevns.sensitivity("clovers.toml")
    got = s.to_json()
    for key in ("significance", "asimov_significance", "days_to_5sigma", "signal", "background", "map"):
        assert got[key] == cli[key]
    assert s.map_significance.shape == (s.map_mass_kg.shape[0], s.map_days.shape[0])
    np.testing.assert_array_equal(s.map_significance, cli["map"]["significance"])
    assert cevns.sensitivity(cevns.predict("clovers.toml")).significance == cli["significance"]


def test_predict_errors_match_the_command_line():
    with pytest.raises(cevns.ConfigError) as e:
        cevns.predict("clovers.toml", overrides={"detector.mass_kg": 0})
    assert str(e.value) == cli_error("predict", "--config", "clovers.toml", "--set", "detector.mass_kg=0")


def test_predict_output_writes_what_the_command_writes(tmp_path):
    out = tmp_path / "prediction"
    cevns.predict("clovers.toml", output=out)
    run_cli("-q", "predict", "--config", "clovers.toml", "--output", str(tmp_path / "cli"))
    written = sorted(f.name for f in out.iterdir())
    assert written == sorted(f.name for f in (tmp_path / "cli").iterdir())
    assert "prediction.json" in written and "npe_spectrum.csv" in written
    with pytest.raises(cevns.IoError):
        cevns.predict("clovers.toml", output=out)  # an existing result needs force=True
    cevns.predict("clovers.toml", output=out, force=True)


def test_tables_are_the_command_lines():
    from conftest import run_cli
    p = cevns.predict("clovers.toml")
    s = cevns.sensitivity(p)
    assert p.table() == run_cli("predict", "--config", "clovers.toml").stdout
    # The command line adds the likelihood significance after the counting table.
    cli = run_cli("sensitivity", "--config", "clovers.toml").stdout
    assert cli.startswith(p.table() + "\n" + s.table())
    assert "likelihood, npe x time" in cli[len(p.table() + "\n" + s.table()):]


def test_run_is_the_commands_study(tmp_path):
    from conftest import run_cli
    study = cevns.run("clovers.toml", output=tmp_path / "study", mc=False)
    cli = run_cli("run", "--config", "clovers.toml", "--no-mc", "--output", tmp_path / "cli")
    import re
    untimed = lambda text: re.sub(r"\d+\.\d+ s\b", "T s", text)  # the likelihood map's time
    assert untimed(study["summary"]) == untimed(cli.stdout)  # what `cevns run --no-mc` prints
    names = sorted(f.name for f in (tmp_path / "study").iterdir())
    assert names == sorted(f.name for f in (tmp_path / "cli").iterdir())
    assert {"prediction.json", "sensitivity.json", "summary.txt", "study.json", "report.html",
            "fig14_significance_map.svg"} <= set(names)
    assert (tmp_path / "study" / "summary.txt").read_text() == study["summary"]
    assert [s["name"] for s in study["study"]["stages"]] == ["prediction"]
    assert study["report"].endswith("report.html")
    # an existing study is replaced only with force (or continued with resume), as the command says
    with pytest.raises(cevns.IoError, match="--resume"):
        cevns.run("clovers.toml", output=tmp_path / "study", mc=False)
    again = cevns.run("clovers.toml", output=tmp_path / "study", mc=False, resume=True)
    assert again["study"]["stages"][0]["reused"] is True


def test_ctrl_c_stops_a_study(tmp_path):
    """SIGINT during the Monte Carlo of a study: KeyboardInterrupt within seconds, the
    stages done recorded, the output free for resume."""
    import signal
    import threading
    import time
    main = threading.get_ident()
    started = []

    def progress(stage, fraction, what):
        if not started:
            started.append(time.monotonic())
            threading.Timer(0.5, lambda: signal.pthread_kill(main, signal.SIGINT)).start()

    with pytest.raises(KeyboardInterrupt):
        cevns.run("clovers.toml", output=tmp_path / "study", mc_exposure="1d", mc_min_signal=0, threads=2,
                  progress=progress)
    assert started and time.monotonic() - started[0] < 8.0
    assert not (tmp_path / "study.lock").exists()
    import json
    stages = json.loads((tmp_path / "study" / "study.json").read_text())["stages"]
    done = [s["name"] for s in stages]  # the stages finished before the interrupt, in order
    assert done == ["prediction", "simulate", "reconstruct", "select", "fit"][:len(done)] and len(done) < 5
    assert not (tmp_path / "study" / "report.html").exists()  # written at the end only
