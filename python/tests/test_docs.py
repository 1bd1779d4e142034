"""docs/python.md's example runs as written: its python blocks, in order, in one namespace,
in an empty working directory."""

import contextlib
import io
import os
import re

from conftest import SOURCE_DIR, cli_error

DOC = SOURCE_DIR / "docs" / "python.md"


def python_blocks(text):
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_worked_example_runs(tmp_path, monkeypatch):
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")  # matplotlib, when there, draws into files only
    namespace = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for number, block in enumerate(blocks, 1):
            exec(compile(block, f"{DOC.name} python block {number}", "exec"), namespace)
    out = printed.getvalue()
    # what the text says happens, happens
    assert cli_error("config", "show", "--set", "detector.mass_kg=-3") in out
    assert namespace["weak"].overrides == ["physics.sin2_theta_w=0.25"]
    assert namespace["run"]["triggers"] == 1000
    assert os.path.isfile("tiny-reduced.h5")
    # the fit of the simulated data set: converged, at the selection's protons on target,
    # its CEvNS count within 4σ of what the selection predicts for them
    result, truth = namespace["result"], namespace["truth"]
    assert result["minimum"]["converged"]
    expected = truth["predicted_roi_signal_for_these_protons"]
    assert abs(result["poi"]["events"] - expected) < 4 * max(result["poi"]["events_error"], expected ** 0.5)
    if namespace["plt"] is not None:
        assert os.path.isfile("npe.png")
