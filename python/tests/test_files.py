"""cevns.simulate / reconstruct / select and the file readers: the command line's results
and messages, numpy structured arrays with the documented fields, Ctrl-C."""

import os
import signal
import threading

import numpy as np
import pytest

import cevns
from conftest import TINY_RUN, TINY_TRIGGERS, cli_error, run_cli

TRIGGER_FIELDS = ["id", "time_s", "protons_on_target", "beam_on", "veto", "veto_mask"]
EVENT_FIELDS = ["trigger_id", "time_s", "protons_on_target", "beam_on", "veto", "crystal", "npe", "pretrace_npe",
                "arrival_ns", "flags", "truth_source", "truth_npe", "off_beam_npe", "off_beam_pretrace_npe",
                "off_beam_arrival_ns"]


def same_rows(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    for name in a.dtype.names:
        np.testing.assert_array_equal(a[name], b[name])


def test_simulate_writes_the_run_the_command_writes(tiny_run, tmp_path):
    out = tmp_path / "raw.h5"
    summary = cevns.simulate("clovers.toml", out, triggers=TINY_TRIGGERS, seed=7, threads=1, overrides=TINY_RUN)
    assert summary["triggers"] == TINY_TRIGGERS and os.path.isfile(out)
    with cevns.read_raw(out) as mine, cevns.read_raw(tiny_run["raw"]) as cli:
        assert mine.complete and len(mine) == len(cli) == 4
        assert mine.config_toml == cli.config_toml
        assert mine.info == cli.info
        same_rows(mine.triggers(), cli.triggers())
        same_rows(mine.interactions(), cli.interactions())
        same_rows(mine.photoelectrons(), cli.photoelectrons())
        for i in range(len(cli)):
            a, b = mine.read_block(i), cli.read_block(i)
            same_rows(a["segments"], b["segments"])
            np.testing.assert_array_equal(a["segment_samples"], b["segment_samples"])
        assert summary["beam_on_triggers"] == sum(cli.read_block(i)["beam_on_triggers"] for i in range(len(cli)))


def test_raw_reader_arrays(tiny_run):
    with cevns.read_raw(tiny_run["raw"]) as f:
        assert f.info["mode"] == "zero-suppressed" and f.info["experiment"] == "CLOVERS"
        block = f.read_block(0)
        assert block["trigger_count"] == 250 and block["first_trigger"] == 0
        t = block["triggers"]
        assert list(t.dtype.names) == TRIGGER_FIELDS
        assert t["id"].dtype == np.uint64 and t["time_s"].dtype == np.float64 and t["beam_on"].dtype == np.bool_
        assert t.flags.owndata is False and t.base is not None  # the block's own memory, not a copy
        assert list(block["photoelectrons"].dtype.names) == ["trigger_id", "time_ns", "charge", "channel", "source"]
        assert list(block["interactions"].dtype.names) == \
            ["trigger_id", "time_ns", "recoil_keVnr", "visible_keVee", "photoelectrons", "crystal", "source"]
        assert list(block["segments"].dtype.names) == ["trigger_id", "channel", "first_sample", "length", "offset"]
        assert block["segment_samples"].dtype == np.int16
        assert block["segments"]["length"].sum() == block["segment_samples"].shape[0]
        with pytest.raises(IndexError):
            f.read_block(len(f))
    with pytest.raises(ValueError):
        f.triggers()  # closed


def test_full_mode_waveforms_shape(tmp_path):
    out = tmp_path / "full.h5"
    cevns.simulate("clovers.toml", out, triggers=2, mode="full", seed=1, threads=1,
                   overrides={"daq.digitizer.window_us": 4, "daq.digitizer.pretrace_us": 1,
                              "spectra.time_max_us": 2})  # what the 4 µs window records
    with cevns.read_raw(out) as f:
        block = f.read_block(0)
        info = f.info
        assert block["waveforms"].dtype == np.int16
        assert block["waveforms"].shape == (2, len(info["channels"]), info["samples_per_waveform"])


def test_reconstruct_equals_the_command(tiny_run, tmp_path):
    out = tmp_path / "reduced.h5"
    summary = cevns.reconstruct(tiny_run["raw"], out, threads=2)
    assert summary["triggers"] == TINY_TRIGGERS and summary["spe_charge"].shape == (8,)
    with cevns.read_reduced(out) as mine, cevns.read_reduced(tiny_run["reduced"]) as cli:
        events = mine.events()
        assert list(events.dtype.names) == EVENT_FIELDS
        assert events["npe"].shape == (events.shape[0], 2) and events["npe"].dtype == np.float32
        same_rows(events, cli.events())
        assert mine.info["spe_charge"] == cli.info["spe_charge"]
        assert mine.info["off_beam_window_start_us"] == 29.0  # CLOVERS: the last 11 µs of the pretrace
        events = mine.events()
        assert events["off_beam_npe"].shape == (len(events), 2)
        assert sum(len(mine.read_block(i)["events"]) for i in range(len(mine))) == len(events)


def test_select_equals_the_command(tiny_run, tmp_path):
    sel = cevns.select(tiny_run["reduced"])
    assert sel.to_json() == tiny_run["select"]
    flow = sel.cut_flow
    assert flow["triggers"] == TINY_TRIGGERS
    assert flow["stages"] == tiny_run["select"]["cut_flow"]
    assert flow["stages"][0]["stage"] == "crystals with light"
    for s in sel.selected_npe.values():
        assert s.counts.shape == (cevns.load_config("clovers.toml")["spectra.npe_max"] + 1,)
    assert sel.table() == run_cli("select", tiny_run["reduced"]).stdout
    files = sel.write(tmp_path / "selection")
    assert cevns.read_selection(tmp_path / "selection" / "selection.json") == sel.to_json()
    run_cli("select", tiny_run["reduced"], "-o", tmp_path / "cli-selection")
    assert sorted(f.name for f in files) == sorted(f.name for f in (tmp_path / "cli-selection").iterdir())


def test_file_errors_match_the_command(tiny_run, tmp_path):
    missing = tmp_path / "missing.h5"
    with pytest.raises(cevns.IoError) as e:
        cevns.reconstruct(missing, tmp_path / "x.h5")
    assert str(e.value) == cli_error("reconstruct", missing, "-o", tmp_path / "x.h5")
    raw = tiny_run["raw"]
    with pytest.raises(cevns.IoError) as e:
        cevns.simulate("clovers.toml", raw, triggers=1)
    assert str(e.value) == cli_error("simulate", "-n", 1, "-o", raw)
    with pytest.raises(cevns.IoError) as e:
        cevns.reconstruct(raw, raw, force=True)
    assert str(e.value) == cli_error("reconstruct", raw, "-o", raw, "--force")
    with pytest.raises(cevns.ConfigError) as e:
        cevns.reconstruct(raw, tmp_path / "y.h5", config="cicenns.toml")
    assert str(e.value) == cli_error("reconstruct", raw, "-o", tmp_path / "y.h5", "--config", "cicenns.toml")
    with pytest.raises(cevns.IoError) as e:
        cevns.read_reduced(raw)  # a raw file is not a reduced file
    assert "reduced" in str(e.value)
    with pytest.raises(cevns.ConfigError):
        cevns.simulate("clovers.toml", tmp_path / "z.h5")  # neither triggers nor duration
    with pytest.raises(ValueError):
        cevns.simulate("clovers.toml", tmp_path / "z.h5", triggers=1, threads=0)


def test_duration(tmp_path):
    summary = cevns.simulate("clovers.toml", tmp_path / "d.h5", duration="2s", threads=1)
    assert summary["triggers"] == 50  # 25 Hz
    with pytest.raises(cevns.ConfigError) as e:
        cevns.simulate("clovers.toml", tmp_path / "e.h5", duration="2 weeks")
    # the command line's check of --duration (a usage error there, exit code 2)
    cli = run_cli("simulate", "-d", "2 weeks", "-o", tmp_path / "e.h5", check=False)
    assert cli.returncode == 2 and f"--duration: {e.value}\n" in cli.stderr


# Ctrl-C: a long call stops after the blocks in work, raises KeyboardInterrupt, keeps the
# finished blocks in OUTPUT.part, and leaves no lock behind.
LONG_RUN = {"daq.triggers_per_block": 100}


def test_keyboard_interrupt_from_a_progress_callback(tmp_path):
    out = tmp_path / "stopped.h5"
    calls = []

    def progress(done, total, elapsed_s):
        calls.append(done)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cevns.simulate("clovers.toml", out, triggers=1_000_000, threads=2, overrides=LONG_RUN, progress=progress)
    assert not out.exists() and (tmp_path / "stopped.h5.part").exists()
    with cevns.read_raw(tmp_path / "stopped.h5.part") as f:
        assert not f.complete and len(f) >= 2
    assert not (tmp_path / "stopped.h5.lock").exists()
    with pytest.warns(UserWarning, match="unfinished run"):  # the finished blocks can be reconstructed
        cevns.reconstruct(tmp_path / "stopped.h5.part", tmp_path / "stopped-reduced.h5", threads=1,
                          overrides={"reco.spe_charge_adc_samples": 512})
    cevns.simulate("clovers.toml", out, triggers=10, threads=1, force=True)  # the output is free again


def test_sigint_interrupts_a_long_call_without_the_gil(tmp_path):
    out = tmp_path / "sigint.h5"
    timers = []

    def progress(done, total, elapsed_s):
        if elapsed_s > 20:
            raise RuntimeError("Ctrl-C did not stop simulate")  # fail, rather than run for hours
        if not timers:  # the run is under way: Ctrl-C in 50 ms, from a thread that needs the GIL
            timers.append(threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)))
            timers[0].start()

    try:
        with pytest.raises(KeyboardInterrupt):
            cevns.simulate("clovers.toml", out, triggers=100_000_000, threads=2, overrides=LONG_RUN, progress=progress)
    finally:
        for t in timers:
            t.cancel()
    assert (tmp_path / "sigint.h5.part").exists() and not (tmp_path / "sigint.h5.lock").exists()


def test_keyboard_interrupt_stops_reconstruct(tiny_run, tmp_path):
    out = tmp_path / "stopped-reduced.h5"

    def progress(done, total, elapsed_s):
        if done >= 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cevns.reconstruct(tiny_run["raw"], out, threads=1, progress=progress)
    with cevns.read_reduced(tmp_path / "stopped-reduced.h5.part") as f:
        assert not f.complete and len(f) >= 1


def test_other_threads_run_while_a_simulation_runs(tmp_path):
    started, stop, outcome = threading.Event(), threading.Event(), []

    def progress(done, total, elapsed_s):
        started.set()
        if stop.is_set() or elapsed_s > 20:
            raise KeyboardInterrupt

    def simulation():
        try:
            cevns.simulate("clovers.toml", tmp_path / "long.h5", triggers=100_000_000, threads=1,
                           overrides=LONG_RUN, progress=progress)
            outcome.append("finished")
        except KeyboardInterrupt:
            outcome.append("stopped")

    worker = threading.Thread(target=simulation)
    worker.start()
    try:
        assert started.wait(20)
        p = cevns.predict("clovers.toml")  # neither the GIL nor the HDF5 lock makes it wait
        assert p.total_events > 0 and outcome == []
    finally:
        stop.set()
        worker.join()
    assert outcome == ["stopped"]
