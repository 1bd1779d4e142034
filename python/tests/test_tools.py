"""cevns.merge, cevns.report and cevns.materials: the cores of cevns merge, cevns report and
cevns materials from Python, against what the commands write."""

import csv
import os

import pytest

import cevns
from conftest import TINY_RUN, run_cli, cli_error

h5py = pytest.importorskip("h5py", reason="h5py is not installed (Debian: python3-h5py)")
np = pytest.importorskip("numpy")

SETS = [a for k, v in TINY_RUN.items() for a in ("--set", f"{k}={v}")]


def test_merge_joins_parts_as_the_command_does(tmp_path):
    for k in (1, 2):
        run_cli("simulate", "--config", "clovers.toml", *SETS, "-n", 500, "--seed", 5, "-t", 1, "--part", f"{k}/2",
                "-o", tmp_path / f"raw.part{k}of2.h5")
    parts = [tmp_path / "raw.part2of2.h5", tmp_path / "raw.part1of2.h5"]  # any order
    summary = cevns.merge(parts, tmp_path / "python.h5")
    assert summary["parts"] == 2 and summary["format"] == "cevns-raw" and summary["blocks"] >= 2
    run_cli("merge", *parts, "-o", tmp_path / "cli.h5")
    with cevns.read_raw(tmp_path / "python.h5") as a, cevns.read_raw(tmp_path / "cli.h5") as b:
        assert len(a) == len(b) >= 2
        assert np.array_equal(a.triggers(), b.triggers()) and len(a.triggers()) > 0
        for i in range(len(a)):
            assert np.array_equal(a.read_block(i)["photoelectrons"], b.read_block(i)["photoelectrons"])
    with pytest.raises(cevns.IoError, match="exists: use --force"):
        cevns.merge(parts, tmp_path / "python.h5")
    with pytest.raises(cevns.Error) as error:
        cevns.merge([parts[0]], tmp_path / "one.h5")
    assert str(error.value) == cli_error("merge", parts[0], "-o", tmp_path / "one.h5")


def test_report_rewrites_the_page_of_a_run(tmp_path):
    out = tmp_path / "study"
    cevns.run("clovers.toml", output=out, mc=False)
    (out / "report.html").unlink()
    page = cevns.report(out)
    assert page == os.fspath(out / "report.html") and (out / "report.html").stat().st_size > 1000
    with pytest.raises(cevns.Error):
        cevns.report(tmp_path / "nothing-here")


def test_materials_rows_are_the_commands_csv(tmp_path, monkeypatch):
    monkeypatch.setenv("CEVNS_CACHE_DIR", os.fspath(tmp_path / "cache"))
    small = ["backgrounds.radioactive-isotopes.decays_per_source=2000"]
    got = cevns.materials("clovers-materials.toml", overrides=small, output=tmp_path / "python")
    assert {os.path.basename(f) for f in got["files"]} >= {"materials.csv", "fig11_materials.png"}
    run_cli("materials", "--config", "clovers-materials.toml", "--set", small[0], "-o", tmp_path / "cli")
    with open(tmp_path / "cli" / "materials.csv") as f:
        cli = [r for r in csv.reader(line for line in f if not line.startswith("#"))]
    assert len(cli) == len(got["rows"]) > 10
    for row, mine in zip(cli, got["rows"]):
        assert [row[0], row[1]] == [mine["volume"], mine["isotope"]]
        assert float(row[4]) == pytest.approx(mine["roi_count"], rel=1e-5, abs=1e-12)
    crystal = sum(r["roi_count"] for r in got["rows"] if r["volume"] == "crystal")
    assert crystal > 0.5 * sum(r["roi_count"] for r in got["rows"])  # the paper: the crystals dominate
    assert "per volume" in got["table"]
    with pytest.raises(cevns.ConfigError, match="no \\[\\[backgrounds\\]\\] entry with model = \"materials\""):
        cevns.materials("clovers.toml")
