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
