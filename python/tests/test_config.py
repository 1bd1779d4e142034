"""cevns.load_config and Configuration: the TOML / --set key names, the command line's
checks and messages, the error hierarchy."""

import tomllib

import pytest

import cevns
from conftest import SHIPPED, cli_error, run_cli


def test_error_hierarchy_mirrors_the_library():
    for cls in (cevns.ConfigError, cevns.IoError, cevns.InvalidValue):
        assert issubclass(cls, cevns.Error)
    assert issubclass(cevns.Error, Exception)
    # a bug is not bad input: catching cevns.Error does not hide it
    assert not issubclass(cevns.InternalError, cevns.Error)


@pytest.mark.parametrize("name", SHIPPED)
def test_resolved_configuration_is_what_config_show_prints(name):
    cfg = cevns.load_config(name)
    shown = tomllib.loads(run_cli("config", "show", "--config", name).stdout)
    assert cfg.to_dict() == shown
    assert tomllib.loads(cfg.to_toml()) == shown


def test_keys_read_and_set_with_the_toml_names():
    cfg = cevns.load_config("clovers.toml")
    assert cfg["detector.mass_kg"] == pytest.approx(tomllib.loads(cfg.to_toml())["detector"]["mass_kg"])
    cfg["detector.mass_kg"] = 6
    assert cfg["detector.mass_kg"] == 6.0
    cfg["physics.form_factor"] = "helm"
    assert cfg["physics.form_factor"] == "helm"
    cfg["detector.mass_kg"] = 7.5  # the last value of a key wins, and replaces the earlier override
    assert cfg.overrides == ["physics.form_factor=helm", "detector.mass_kg=7.5"]
    assert "detector.mass_kg" in cfg and "detector.no_such_key" not in cfg
    assert "detector.mass_kg" in cfg.keys()
    assert isinstance(cfg["detector"], dict)


def test_overrides_as_dict_or_as_set_strings():
    a = cevns.load_config("clovers.toml", overrides={"physics.sin2_theta_w": 0.24, "physics.form_factor": "helm"})
    b = cevns.load_config("clovers.toml", overrides=["physics.sin2_theta_w=0.24", "physics.form_factor=helm"])
    assert a.to_toml() == b.to_toml()
    assert a["physics.sin2_theta_w"] == 0.24


def test_copy_is_independent():
    a = cevns.load_config("clovers.toml")
    b = a.copy()
    b["detector.mass_kg"] = 9
    assert a["detector.mass_kg"] != 9.0


def test_bad_value_raises_the_command_lines_message_and_changes_nothing():
    cfg = cevns.load_config("clovers.toml")
    before = cfg.to_toml()
    with pytest.raises(cevns.ConfigError) as e:
        cfg["detector.mass_kg"] = -3
    assert str(e.value) == cli_error("config", "show", "--config", "clovers.toml", "--set", "detector.mass_kg=-3")
    assert cfg.to_toml() == before and cfg.overrides == []


@pytest.mark.parametrize("assignment", ["physics.form_factor=nonsense", "detector.no_such_key=1",
                                        "detector.mass_kg=\"heavy\"", "physics.sin2_theta_w=2"])
def test_override_errors_match_the_command_line(assignment):
    with pytest.raises(cevns.ConfigError) as e:
        cevns.load_config("clovers.toml", overrides=[assignment])
    assert str(e.value) == cli_error("config", "show", "--config", "clovers.toml", "--set", assignment)


def test_a_bare_word_is_passed_as_the_command_line_would():
    # a string TOML would read as something else is quoted, so it stays a string
    with pytest.raises(cevns.ConfigError) as e:
        cevns.load_config("clovers.toml", overrides={"physics.form_factor": "true"})
    assert "physics.form_factor" in str(e.value)


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(cevns.ConfigError) as e:
        cevns.load_config(tmp_path / "missing.toml")
    assert str(e.value) == cli_error("config", "show", "--config", tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[detector]\nmass_kg = = 3\n")
    with pytest.raises(cevns.ConfigError) as e:
        cevns.load_config(bad)
    assert str(e.value) == cli_error("config", "show", "--config", bad)


def test_unknown_key_read_is_a_key_error():
    with pytest.raises(KeyError):
        cevns.load_config("clovers.toml")["detector.no_such_key"]


def test_unwritable_value_type_is_a_type_error():
    cfg = cevns.load_config("clovers.toml")
    with pytest.raises(TypeError):
        cfg["detector.mass_kg"] = object()


@pytest.mark.parametrize("kind", ["Error", "ConfigError", "IoError"])
def test_library_errors_become_their_python_class(kind):
    with pytest.raises(getattr(cevns, kind)) as e:
        cevns._cevns._raise(kind, "what went wrong")
    assert type(e.value) is getattr(cevns, kind) and str(e.value) == "what went wrong"


def test_invalid_value_carries_key_value_and_requirement():
    with pytest.raises(cevns.InvalidValue) as e:
        cevns._cevns._raise("InvalidValue", "-3")
    assert str(e.value) == "invalid detector.mass_kg = -3 (must be a positive number)"
    assert (e.value.key, e.value.value, e.value.requirement) == ("detector.mass_kg", "-3", "must be a positive number")


def test_other_cxx_exceptions_are_internal_errors():
    with pytest.raises(cevns.InternalError) as e:
        cevns._cevns._raise("logic_error", "index out of range")
    assert str(e.value).startswith("index out of range (an internal error of cevns")
    with pytest.raises(MemoryError):
        cevns._cevns._raise("bad_alloc", "")


def test_numpy_numbers_are_written_as_numbers():
    np = pytest.importorskip("numpy")
    cfg = cevns.load_config("clovers.toml")
    cfg["spectra.npe_max"] = np.int64(80)
    cfg["detector.mass_kg"] = np.float32(6.5)
    assert cfg["spectra.npe_max"] == 80 and cfg["detector.mass_kg"] == 6.5
