"""cevns from Python: the same C++ library as the `cevns` program.

    import cevns
    cfg = cevns.load_config("clovers.toml")        # a shipped configuration, or any file
    cfg["physics.sin2_theta_w"] = 0.24              # the TOML / --set key names
    p = cevns.predict(cfg)
    p.total_events, p.events_by_flavor, p.npe_before_selection["nu_mu"].counts

Every function mirrors a command (docs/python.md). Bad input raises a cevns.Error
(ConfigError, IoError, InvalidValue) with the message the command prints; a bug in cevns
raises cevns.InternalError.
"""

import os
import warnings
from pathlib import Path

from . import _cevns
from ._cevns import (
    ConfigError,
    Configuration,
    Error,
    InternalError,
    InvalidValue,
    IoError,
    Prediction,
    RawFile,
    ReducedFile,
    Selection,
    Sensitivity,
    Spectrum,
    Spectrum2D,
    __version__,
    set_log_level,
)
from ._paths import SHIPPED_CONFIG_DIRS

for _cls in (ConfigError, Configuration, Error, InternalError, InvalidValue, IoError, Prediction, RawFile,
             ReducedFile, Selection, Sensitivity, Spectrum, Spectrum2D):
    _cls.__module__ = "cevns"  # cevns.ConfigError in tracebacks, not cevns._cevns.ConfigError

__all__ = [
    "ConfigError", "Configuration", "Error", "InternalError", "InvalidValue", "IoError", "Prediction",
    "RawFile", "ReducedFile", "Selection", "Sensitivity", "Spectrum", "Spectrum2D", "__version__",
    "find_config", "fit", "load_config", "materials", "merge", "predict", "read_raw", "read_reduced",
    "read_selection", "reconstruct", "report", "run", "scan", "select", "sensitivity", "set_log_level",
    "shipped_configs", "simulate",
]


def _shipped_dirs():
    here = Path(__file__).resolve().parent
    return [(here / d).resolve() if not os.path.isabs(d) else Path(d) for d in SHIPPED_CONFIG_DIRS]


def shipped_configs():
    """The names of the shipped configurations (clovers.toml, cicenns.toml, ...)."""
    for d in _shipped_dirs():
        if d.is_dir():
            return sorted(p.name for p in d.glob("*.toml"))
    return []


def find_config(name=None):
    """The file `load_config(name)` reads, found as `cevns --config name` finds it: `name`
    when it exists; else, for a bare name (or configs/NAME), the shipped configuration of
    that name; None is the default study, clovers.toml."""
    given = Path(name) if name else Path("clovers.toml")
    if name and given.exists():
        return given
    if name and str(given.parent) not in (".", "configs"):
        return given
    for d in _shipped_dirs():
        if (d / given.name).is_file():
            return d / given.name
    if name:
        return given
    raise ConfigError("cannot find the shipped configurations (looked in {}): give a configuration file".format(
        ", ".join(str(d) for d in _shipped_dirs())))


def load_config(path=None, overrides=None):
    """Reads an experiment configuration (a file, or the name of a shipped one; default
    clovers.toml), applies `overrides` -- a dict {"physics.form_factor": "helm"} or a list of
    "key=value" strings, as --set takes them -- and validates it. Raises cevns.ConfigError."""
    return _cevns._read_config(str(find_config(None if path is None else os.fspath(path))), overrides)


def _config(config, overrides=None):
    """A Configuration from a Configuration (overrides applied to a copy), a path or None."""
    if isinstance(config, Configuration):
        if not overrides:
            return config
        config = config.copy()
        items = overrides.items() if isinstance(overrides, dict) else (o.split("=", 1) for o in overrides)
        for key, value in items:
            config[key] = value
        return config
    return load_config(config, overrides)


def _config_file(config):
    """The configuration file behind `config`, as an input no output may replace."""
    source = config.source
    return source if os.path.isfile(source) else None


def predict(config=None, overrides=None, output=None, force=False):
    """Expected CEvNS and background counts and spectra (cevns predict). `config`: a
    Configuration, a file or a shipped name (default clovers.toml). With `output`, also
    writes what `cevns predict --output DIR` writes (an existing non-empty directory only
    with force=True)."""
    cfg = _config(config, overrides)
    lock = _claim(output, cfg, force)
    prediction = _cevns._predict(cfg)
    if lock:
        prediction.write(os.fspath(output))
        lock.release()
    return prediction


def sensitivity(config=None, overrides=None, max_mass_kg=None, max_days=None, points=48):
    """The counting significance and its map over mass x days (cevns sensitivity), of a
    Prediction or of a configuration (predicted first). The map spans max_mass_kg (default:
    twice the configured mass) and max_days (default: twice the exposure, at least a year)."""
    prediction = config if isinstance(config, Prediction) else predict(config, overrides)
    return _cevns._sensitivity(prediction, max_mass_kg, max_days, points)


def run(config=None, overrides=None, output="results", force=False, resume=False, mc=True, mc_exposure="1d",
        mc_min_signal=500.0, seed=1, threads=None, stop_after=None, progress=None):
    """The whole study of `cevns run` into `output` (docs/output.md): the prediction and
    sensitivity (counting and likelihood), then unless mc=False (--no-mc) a Monte Carlo of
    `mc_exposure` ("1d", "12h", ...; scaled up to `mc_min_signal` CEvNS in the region of
    interest) simulated, reconstructed, selected and fitted with its closure, and
    report.html; each stage recorded in study.json, so that resume=True keeps the stages
    done with the same configuration. `config` must be a configuration file (a path, a
    shipped name, or a Configuration read from one; its overrides are --set). `stop_after`:
    a stage name. `progress(stage, fraction, what)` follows the simulation and the
    reconstruction. Ctrl-C stops the study between blocks and stages (KeyboardInterrupt);
    resume=True continues it. Returns {"summary" (what the command prints), "report" (the
    page), "study" (study.json as dicts)}."""
    cfg = _config(config, overrides)
    source = _config_file(cfg)
    if source is None:
        raise ConfigError("cevns.run needs a configuration file: {} is not one (write it with "
                          "Configuration.to_toml() first)".format(cfg.source))
    output = os.fspath(output)
    command = "cevns run --config " + source + "".join(" --set " + o for o in cfg.overrides) + " --output " + output
    if mc:
        command += " --mc-exposure {} --mc-min-signal {:g} --seed {}".format(mc_exposure, mc_min_signal, seed)
    else:
        command += " --no-mc"
    return _cevns._run(cfg, source, output, bool(force), bool(resume), not mc, str(mc_exposure), float(mc_min_signal),
                       int(seed), int(threads or os.cpu_count() or 1), stop_after or "", command, progress)


def _claim(output, config, force, inputs=()):
    if output is None:
        return None
    files = [str(i) for i in inputs if i]
    if _config_file(config):
        files.append(_config_file(config))
    return _cevns._claim_directory(os.fspath(output), files, force)


def merge(parts, output, force=False):
    """Joins the part files of `simulate`/`reconstruct` run with part K/N (cevns merge) into
    `output`, which then reads as the file of one process over the whole run. Returns the
    summary (parts, blocks, format, bytes read and written). Raises cevns.ConfigError for
    parts that do not belong together, naming the files."""
    return _cevns._merge([os.fspath(p) for p in parts], os.fspath(output), bool(force))


def report(directory):
    """Writes DIRECTORY/report.html again from the files of a finished `run` (cevns report);
    returns its path."""
    return _cevns._report(os.fspath(directory))


def materials(config="clovers-materials.toml", overrides=None, output=None, force=False):
    """The materials background per volume and isotope (cevns materials): a dict with
    "rows" (one dict per background, volume and isotope: activity_Bq, decays_simulated,
    roi_count — events in the region of interest over the configuration's exposure — and
    roi_upper_90, the 90 % bound where no simulated decay reached it), "table" (what the
    command prints) and "files" (with `output`: fig11_materials.png/.svg, materials.csv).
    Raises cevns.ConfigError when the configuration has no model = "materials" background."""
    cfg = _config(config, overrides)
    lock = _claim(output, cfg, force)
    try:
        return _cevns._materials(_cevns._predict(cfg), os.fspath(output) if lock else "")
    finally:
        if lock:
            lock.release()


def simulate(config, output, triggers=None, duration=None, mode="zero-suppressed", seed=1, threads=None,
             force=False, progress=None, overrides=None):
    """The Monte Carlo of the DAQ into a raw-data file (cevns simulate): `triggers` beam
    triggers or a `duration` ("90s", "30min", "12h", "180d"), mode "zero-suppressed" or
    "full", the seed (the same seed gives the same run) and worker threads (default: one per
    core). `progress(done, total, elapsed_s)` is called after each block. Ctrl-C stops it
    after the blocks in work (KeyboardInterrupt); the finished blocks stay in OUTPUT.part.
    Returns a summary dict."""
    cfg = _config(config, overrides)
    return _cevns._simulate(cfg, os.fspath(output), triggers, duration, mode, seed, threads, force,
                            _config_file(cfg), progress)


def _file_config(stored_toml, file, config, overrides):
    """The configuration of a file's run and its name for messages: `config` when given,
    else the one stored in the file (as the commands choose)."""
    if config is not None:
        cfg = _config(config, overrides)
        return cfg, "--config " + (cfg.source if isinstance(config, Configuration) else os.fspath(config))
    cfg = _cevns._parse_config(stored_toml, os.fspath(file) + ":/run/config_toml", overrides)
    return cfg, "the configuration stored in {}{}".format(os.fspath(file), " with overrides" if overrides else "")


def reconstruct(raw, output, config=None, overrides=None, threads=None, force=False, progress=None):
    """Raw waveforms -> photoelectrons and arrival times per trigger and crystal, into a
    reduced file (cevns reconstruct). The configuration is the one stored in the raw file
    unless `config` is given (it must describe the same acquisition). Returns a summary dict."""
    with RawFile(os.fspath(raw)) as f:
        stored = f.config_toml
        if not f.complete:  # as the command warns
            warnings.warn("{} is the file of an unfinished run: reconstructing its {} finished blocks".format(
                os.fspath(raw), len(f)), stacklevel=2)
    cfg, name = _file_config(stored, raw, config, overrides)
    return _cevns._reconstruct(os.fspath(raw), cfg, name, os.fspath(output), threads, force,
                               _config_file(cfg) if config is not None else None, progress)


def select(reduced, config=None, overrides=None, output=None, force=False, progress=None):
    """The event selection on a reduced file (cevns select): cut flow, selected spectra and
    the prediction for comparison. With `output`, writes what `cevns select --output` writes
    (selection.json, selected_npe.csv and the figures)."""
    with ReducedFile(os.fspath(reduced)) as f:
        stored = f.config_toml
    cfg, _ = _file_config(stored, reduced, config, overrides)
    lock = _claim(output, cfg, force, [os.fspath(reduced)])
    result = _cevns._select(os.fspath(reduced), cfg, progress)
    if lock:
        result.write(os.fspath(output))
        lock.release()
    return result


def read_raw(path):
    """Opens a raw-data file (cevns.RawFile); use it in a `with` block or close() it."""
    return RawFile(os.fspath(path))


def read_reduced(path):
    """Opens a reduced-data file (cevns.ReducedFile); use it in a `with` block or close() it."""
    return ReducedFile(os.fspath(path))


def read_selection(path):
    """A selection.json written by `cevns select --output` or Selection.write, as dicts."""
    import json
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def fit(data=None, config=None, overrides=None, fit_config=None, asimov=False, toys=0, seed=1, threads=None, fix=None,
        free=None, poi=None):
    """The likelihood fit of `cevns fit` (docs/statistics.md): `data` an observed.csv (of a
    `cevns select` run: fitted at its protons on target, inside the region of interest), the
    COHERENT 2017 release directory, or None with asimov=True (the prediction's region of
    interest); `config` the experiment the templates are predicted from
    (default: coherent-csi-2017.toml for the release, else clovers.toml); `fit_config` a TOML
    with a [fit] table; `fix` a dict {name: value}; `free` a list of names. Returns what
    fit.json holds, as dicts, plus "table" (the printed table). Raises cevns.ConfigError."""
    data = None if data is None else os.fspath(data)
    cfg = _config(_release_config(config, data), overrides)
    fixes = sorted((fix or {}).items())
    return _cevns._fit(cfg, data, None if fit_config is None else os.fspath(fit_config), bool(asimov), int(toys),
                       int(seed), int(threads or os.cpu_count() or 1), [(str(k), float(v)) for k, v in fixes],
                       [str(f) for f in (free or [])], poi or "")


def _release_config(config, data):
    """The default experiment of a fit or scan of `data`, as the commands choose it: the
    COHERENT 2017 configuration for the release directory, else clovers.toml."""
    if config is None and data is not None and os.path.isfile(os.path.join(data, "data_coincidence_beamOn.txt")):
        return "coherent-csi-2017.toml"
    return config


def _scan_params(params):
    """The --param texts: "name=low:high:points", a list of them, or a dict
    {name: (low, high, points)}."""
    if isinstance(params, str):
        return [params]
    if isinstance(params, dict):
        out = []
        for key, axis in params.items():
            low, high, points = axis
            if isinstance(points, float) and points.is_integer():
                points = int(points)
            out.append("{}={!r}:{!r}:{}".format(key, float(low), float(high), points))
        return out
    return [str(p) for p in params]


def scan(params, data=None, config=None, overrides=None, fit_config=None, asimov=False, fix=None, free=None,
         threads=None, full_predict=False, output=None, force=False, progress=None):
    """The profile-likelihood scan of `cevns scan` (docs/statistics.md): `params` one or two
    scanned configuration keys, "physics.sin2_theta_w=0.2:0.28:9" (--param), a list of
    them, or {"physics.sin2_theta_w": (0.2, 0.28, 9)}; `data`, `config`, `fit_config`,
    `asimov`, `fix`, `free` as for cevns.fit; `full_predict` predicts every point in full.
    Returns what scan.json holds, as dicts, with the grid as numpy arrays: each axis's
    "values", "delta_chi2" (-2 Delta ln L; NaN where the fit did not converge), "deviance",
    "converged" and "profiled" ([..., parameter], names in "parameters"), shaped (n0,) or
    (n0, n1); plus "table" (what the command prints) and "files" (written with `output`,
    as --output: scan.json, scan.csv, the figures). `progress(done, total, elapsed_s)` is
    called as points finish. Ctrl-C stops the scan after the points in work and raises
    KeyboardInterrupt; nothing is written. Raises cevns.ConfigError."""
    data = None if data is None else os.fspath(data)
    cfg = _config(_release_config(config, data), overrides)
    fixes = sorted((fix or {}).items())
    return _cevns._scan(cfg, _scan_params(params), data, None if fit_config is None else os.fspath(fit_config),
                        bool(asimov), [(str(k), float(v)) for k, v in fixes], [str(f) for f in (free or [])],
                        int(threads or os.cpu_count() or 1), bool(full_predict),
                        None if output is None else os.fspath(output), bool(force), _config_file(cfg), progress)


def _stored_config(file, overrides=None):
    """The configuration stored in a raw or reduced file, as a Configuration."""
    return _cevns._parse_config(file.config_toml, file.path + ":/run/config_toml", overrides)


RawFile.config = property(lambda self: _stored_config(self), doc="The configuration the run was simulated with.")
ReducedFile.config = property(lambda self: _stored_config(self), doc="The configuration of the raw run.")
