"""Compressed raw and reduced files (cevns simulate/reconstruct --compression): h5py reads
them with the set-up docs/raw-format.md ("Compression") documents — Debian's h5py and,
for the Blosc filters (lz4, zstd), the package hdf5-filter-plugin-blosc-serial, whose
plugin Debian's HDF5 finds without HDF5_PLUGIN_PATH — and they hold exactly the numbers
of an uncompressed file of the same run."""

import pytest

from conftest import TINY_RUN, TINY_TRIGGERS, run_cli

h5py = pytest.importorskip("h5py", reason="h5py is not installed (Debian: python3-h5py)")
np = pytest.importorskip("numpy")

SETS = [a for k, v in TINY_RUN.items() for a in ("--set", f"{k}={v}")]
BLOSC = 32001


def blosc_available():
    return h5py.h5z.filter_avail(BLOSC)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("compression")
    names = ["none", "deflate"] + (["lz4", "zstd"] if blosc_available() else [])
    for name in names:
        run_cli("simulate", "--config", "clovers.toml", *SETS, "-n", TINY_TRIGGERS // 4, "--seed", 3, "-t", 1,
                "--compression", name, "-o", d / f"raw-{name}.h5")
        run_cli("reconstruct", d / f"raw-{name}.h5", "-t", 1, "--compression", name, "-o", d / f"reduced-{name}.h5")
        run_cli("simulate", "--config", "clovers.toml", "-n", 2, "--mode", "full", "--seed", 3, "-t", 1,
                "--compression", name, "-o", d / f"full-{name}.h5")
    return d, names


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and name not in ("run/config_toml",):
                out[name] = (obj[...], obj.compression, obj.fletcher32, obj._filters)
        f.visititems(visit)
        out["attrs"] = dict(f.attrs)
    return out


@pytest.mark.parametrize("kind", ["raw", "reduced", "full"])
def test_h5py_reads_compressed_files_as_uncompressed_ones(runs, kind):
    d, names = runs
    plain = datasets(d / f"{kind}-none.h5")
    assert plain["attrs"]["compression"] == b"none"
    for name in names[1:]:
        packed = datasets(d / f"{kind}-{name}.h5")
        assert packed["attrs"]["compression"].decode() == name
        filtered = 0
        for key, entry in plain.items():
            if key == "attrs":
                continue
            values, compression, fletcher32, filters = entry
            other = packed[key]
            assert other[2] and fletcher32, key  # every chunk still checksummed
            if key in ("run/raw_file",):
                continue  # the reduced file names its own raw file
            if values.dtype.names:
                for field in values.dtype.names:
                    np.testing.assert_array_equal(other[0][field], values[field], err_msg=f"{key}.{field}")
            else:
                np.testing.assert_array_equal(other[0], values, err_msg=key)
            filtered += (str(BLOSC) in other[3]) or other[1] == "gzip"
        assert filtered >= 1, f"{kind}-{name}: no dataset is compressed"


def test_compressed_files_are_smaller(runs):
    d, names = runs
    for name in names[1:]:
        for kind in ("raw", "full"):
            assert (d / f"{kind}-{name}.h5").stat().st_size < (d / f"{kind}-none.h5").stat().st_size, (kind, name)


def test_an_unknown_compression_is_refused(tmp_path):
    result = run_cli("simulate", "--config", "clovers.toml", "-n", 1, "--compression", "gzip9", "-o",
                     tmp_path / "x.h5", check=False)
    assert result.returncode != 0 and "--compression" in result.stderr
