#!/usr/bin/env python3
"""Lossless HDF5 filters on cevns files: compression ratio, write and read speed.

For every large dataset of the given raw or reduced files (cevns simulate / reconstruct),
the dataset is read into memory once, then written into a scratch file with each filter
set-up in turn (the same chunks as the file has, Fletcher-32 after the filter as cevns
writes), flushed into the page cache, and read back; the table gives, per file and filter,

    ratio        bytes stored without a filter / bytes stored with it (the whole datasets)
    write MB/s   uncompressed bytes per second of H5Dwrite + flush (into the page cache)
    read MB/s    uncompressed bytes per second of reading the dataset back (warm)

Filters: HDF5's own shuffle + deflate (levels 1, 4), and Debian's plugins
(hdf5-filter-plugin: LZ4 [32004], BZip2 [307]; hdf5-filter-plugin-blosc-serial: Blosc
[32001] with LZ4, Zstd or zlib behind its byte- or bit-shuffle). Plugins are found through
HDF5_PLUGIN_PATH (Debian: /usr/lib/x86_64-linux-gnu/hdf5/serial/plugins), which this
script sets when it is unset. A filter whose plugin is missing is reported, not measured.

    scripts/compression_survey.py full.h5 zs.h5 reduced.h5
"""
import os
import sys
import tempfile
import time

os.environ.setdefault("HDF5_PLUGIN_PATH", "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins")
import h5py  # noqa: E402  (after HDF5_PLUGIN_PATH: HDF5 reads it once)
import numpy as np  # noqa: E402

# name → keyword arguments of create_dataset
BLOSC = 32001
FILTERS = {
    "none": {},
    "shuffle+deflate1": {"shuffle": True, "compression": "gzip", "compression_opts": 1},
    "shuffle+deflate4": {"shuffle": True, "compression": "gzip", "compression_opts": 4},
    "lz4": {"compression": 32004, "compression_opts": (0,)},
    "shuffle+lz4": {"shuffle": True, "compression": 32004, "compression_opts": (0,)},
    "bzip2-9": {"compression": 307, "compression_opts": (9,)},
    # Blosc: (reserved ×4, clevel, shuffle 0/1 byte/2 bit, compressor 1 lz4, 4 zlib, 5 zstd)
    "blosc-lz4-shuffle": {"compression": BLOSC, "compression_opts": (0, 0, 0, 0, 5, 1, 1)},
    "blosc-lz4-bitshuffle": {"compression": BLOSC, "compression_opts": (0, 0, 0, 0, 5, 2, 1)},
    "blosc-zstd1-shuffle": {"compression": BLOSC, "compression_opts": (0, 0, 0, 0, 1, 1, 5)},
    "blosc-zstd1-bitshuffle": {"compression": BLOSC, "compression_opts": (0, 0, 0, 0, 1, 2, 5)},
    "blosc-zstd5-bitshuffle": {"compression": BLOSC, "compression_opts": (0, 0, 0, 0, 5, 2, 5)},
    "blosc-zlib1-bitshuffle": {"compression": BLOSC, "compression_opts": (0, 0, 0, 0, 1, 2, 4)},
}


def datasets(f, min_bytes):
    found = []

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.chunks and obj.size * obj.dtype.itemsize >= min_bytes:
            found.append(name)

    f.visititems(visit)
    return found


def stored_bytes(d):
    return d.id.get_storage_size()


def survey(path, names, out, filters):
    with h5py.File(path, "r") as f:
        data = {n: (f[n][...], f[n].chunks) for n in names}
    raw = sum(a.nbytes for a, _ in data.values())
    rows = []
    base = None
    for label, kw in filters.items():
        scratch = os.path.join(out, "survey.h5")
        try:
            t0 = time.perf_counter()
            with h5py.File(scratch, "w") as g:
                for n, (a, chunks) in data.items():
                    g.create_dataset(n, data=a, chunks=chunks, fletcher32=True, **kw)
                g.flush()
            t1 = time.perf_counter()
            with h5py.File(scratch, "r") as g:
                size = sum(stored_bytes(g[n]) for n in data)
                t2 = time.perf_counter()
                for n, (a, _) in data.items():
                    back = g[n][...]
                    if back.tobytes() != a.tobytes():  # bit for bit (NaN fields too)
                        raise RuntimeError(f"{n} read back differently")
                t3 = time.perf_counter()
        except (OSError, ValueError, RuntimeError) as e:
            rows.append((label, None, None, None, str(e).splitlines()[0][:60]))
            continue
        finally:
            if os.path.exists(scratch):
                os.remove(scratch)
        if base is None:
            base = size
        rows.append((label, base / size, raw / (t1 - t0) / 1e6, raw / (t3 - t2) / 1e6, ""))
    return raw, base, rows


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    out = tempfile.mkdtemp(dir=os.environ.get("TMPDIR", "/tmp"))
    for path in argv[1:]:
        with h5py.File(path, "r") as f:
            names = datasets(f, 1 << 20)
        if not names:
            print(f"\n{path}: no dataset of 1 MB or more to measure")
            continue
        raw, base, rows = survey(path, names, out, FILTERS)
        print(f"\n{path}: {', '.join(names)}; {raw / 1e6:.1f} MB in memory, {base / 1e6:.1f} MB stored unfiltered")
        print(f"{'filter':<24} {'ratio':>6} {'write MB/s':>11} {'read MB/s':>10}")
        for label, ratio, w, r, err in rows:
            if ratio is None:
                print(f"{label:<24} not measured: {err}")
            else:
                print(f"{label:<24} {ratio:6.2f} {w:11.0f} {r:10.0f}")
    os.rmdir(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
