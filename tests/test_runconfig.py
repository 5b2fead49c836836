"""Tests for typedcfg.export.runconfig: RunConfig's wandb.config semantics and its typed binding."""

from __future__ import annotations

import argparse
import dataclasses
import enum
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field, SecretStr

import typedcfg
from typedcfg import (
    ConfigFileError,
    ConfigMutationError,
    ConfigValidationError,
    DottedKeyWarning,
    LockedKeyWarning,
    RunConfig,
    SchemaError,
    SourceKind,
    TypedcfgWarning,
)

CHANGE = (
    'Attempted to change value of key "{key}" from {old} to {new}\n'
    "If you really want to do this, pass allow_val_change=True to config.update()"
)


def change_text(op: str, key: str, old: Any, new: Any) -> str:
    return f"{op}: " + CHANGE.format(key=key, old=old, new=new)


class Optim(BaseModel):
    name: str
    lr: float = 0.001


class Train(BaseModel):
    optim: Optim
    epochs: int = Field(3, description="passes over the data")
    api_key: SecretStr = SecretStr("default-secret")
    tags: list[str] = []


# --- reading -----------------------------------------------------------------------------------


def test_set_by_attribute_and_item_and_read_back() -> None:
    """config.x = v and config['x'] = v are one operation; reads see the value both ways."""
    config = RunConfig()
    config.lr = 0.1
    config["epochs"] = 3
    assert config["lr"] == 0.1 and config.epochs == 3
    assert config.get("lr") == 0.1 and config.get("nope") is None and config.get("nope", 5) == 5
    assert config.keys() == ["lr", "epochs"]
    assert config.items() == [("lr", 0.1), ("epochs", 3)]
    assert config.as_dict() == {"lr": 0.1, "epochs": 3}
    assert repr(config) == "{'lr': 0.1, 'epochs': 3}"


def test_private_keys_hidden_but_present() -> None:
    """'_' keys are hidden from keys/items/as_dict/repr but seen by iter and 'in' (as wandb)."""
    config = RunConfig({"_wandb": {"x": 1}, "lr": 0.1})
    assert config.keys() == ["lr"]
    assert config.as_dict() == {"lr": 0.1}
    assert list(config) == ["_wandb", "lr"]
    assert "_wandb" in config
    assert repr(config) == "{'lr': 0.1}"


def test_missing_key_errors_match_wandb() -> None:
    """A missing attribute raises wandb's AttributeError text; a missing item a KeyError."""
    config = RunConfig()
    with pytest.raises(AttributeError) as info:
        _ = config.nope
    assert str(info.value) == (
        "<class 'typedcfg.export.runconfig.RunConfig'> object has no attribute 'nope'"
    )
    with pytest.raises(KeyError):
        _ = config["nope"]


def test_nested_values_are_plain_dicts_and_dots_are_literal() -> None:
    """Nested values are dicts; a dotted key is a literal key, never a path."""
    config = RunConfig({"a": {"b": 1}, "x.y": 2})
    assert config["a"]["b"] == 1
    assert config["x.y"] == 2
    with pytest.raises(KeyError):
        _ = config["a.b"]


# --- change detection ------------------------------------------------------------------------


def test_changing_a_value_raises_wandb_two_line_error() -> None:
    """Setting a different value raises ConfigMutationError with wandb's two lines."""
    config = RunConfig({"lr": 0.1})
    with pytest.raises(ConfigMutationError) as info:
        config.lr = 0.2
    assert str(info.value) == change_text("RunConfig['lr']", "lr", 0.1, 0.2)
    with pytest.raises(ConfigMutationError) as info:
        config.update({"lr": 0.3})
    assert str(info.value) == change_text("RunConfig.update", "lr", 0.1, 0.3)
    assert info.value.message == CHANGE.format(key="lr", old=0.1, new=0.3)
    assert isinstance(info.value, ValueError)
    assert config.lr == 0.1


def test_equal_values_are_not_changes() -> None:
    """The same value again, or 1 -> 1.0, is allowed (plain != as in wandb)."""
    config = RunConfig({"n": 1, "lr": 0.1})
    config.lr = 0.1
    config.n = 1.0
    assert config.n == 1.0 and isinstance(config.n, float)


def test_allow_val_change_replaces_nested_dict() -> None:
    """allow_val_change=True replaces a nested dict without merging (as wandb)."""
    config = RunConfig({"a": {"b": 1}})
    with pytest.raises(ConfigMutationError, match=r"from \{'b': 1\} to \{'b': 1, 'c': 3\}"):
        config.update({"a": {"b": 1, "c": 3}})
    config.update({"a": {"c": 9}}, allow_val_change=True)
    assert config.a == {"c": 9}


def test_failed_update_changes_nothing() -> None:
    """One refused key makes the whole update fail with nothing applied."""
    config = RunConfig({"lr": 0.1})
    with pytest.raises(ConfigMutationError):
        config.update({"new": 1, "lr": 0.5})
    assert config.as_dict() == {"lr": 0.1}


def test_merge_update_adds_leaves_and_checks_changed_leaves() -> None:
    """update(merge=True) deep-merges; new leaves are fine, a changed leaf names its path."""
    config = RunConfig({"optim": {"lr": 0.1, "sched": {"kind": "cos"}}})
    config.update({"optim": {"sched": {"warmup": 5}}}, merge=True)
    assert config.optim == {"lr": 0.1, "sched": {"kind": "cos", "warmup": 5}}
    with pytest.raises(ConfigMutationError) as info:
        config.update({"optim": {"sched": {"kind": "step"}}}, merge=True)
    assert str(info.value) == change_text("RunConfig.update", "optim.sched.kind", "cos", "step")
    config.update({"optim": {"lr": 0.2}}, merge=True, allow_val_change=True)
    assert config.optim["lr"] == 0.2 and config.optim["sched"]["warmup"] == 5


# --- keys ----------------------------------------------------------------------------------------


def test_top_level_dashes_stripped_inner_kept() -> None:
    """'--lr' becomes 'lr', '-both-' becomes 'both', inner dashes and nested keys are kept."""
    config = RunConfig()
    config.update({"--lr": 0.1, "-both-": 1, "mid-dash": 2, "n": {"--x": 3}})
    assert config.as_dict() == {"lr": 0.1, "both": 1, "mid-dash": 2, "n": {"--x": 3}}


def test_non_string_and_empty_keys_raise() -> None:
    """A top-level key must be a non-empty string; the error names the operation."""
    config = RunConfig()
    with pytest.raises(ConfigMutationError) as info:
        config.update({2: "x"})
    assert str(info.value) == "RunConfig.update: keys must be strings, not int (2)"
    with pytest.raises(ConfigMutationError) as info:
        config["--"] = 1
    assert str(info.value) == (
        "RunConfig['--']: key '--' is empty once leading and trailing '-' are stripped"
    )


# --- setdefaults and locks --------------------------------------------------------------------


def test_setdefaults_sets_only_missing_keys_after_stripping() -> None:
    """setdefaults skips existing keys, checking the stripped key (wandb checks the raw one)."""
    config = RunConfig({"lr": 0.1})
    config.setdefaults({"--lr": 0.5, "epochs": 3})
    assert config.as_dict() == {"lr": 0.1, "epochs": 3}


def test_locked_key_update_is_ignored_with_wandb_warning() -> None:
    """A locked key keeps its value; the warning is wandb's text; other keys still apply."""
    config = RunConfig({"lr": 0.1})
    config.update_locked({"lr": 0.5}, user="sweep", _allow_val_change=True)
    with pytest.warns(LockedKeyWarning) as record:
        config.update({"lr": 0.9, "other": 1}, allow_val_change=True)
    assert [str(w.message) for w in record] == [
        "Config item 'lr' was locked by 'sweep' (ignored update)."
    ]
    assert config.as_dict() == {"lr": 0.5, "other": 1}
    with pytest.warns(LockedKeyWarning):
        config.lr = 7
    assert config.lr == 0.5
    assert issubclass(LockedKeyWarning, TypedcfgWarning)


def test_lock_checked_after_dash_stripping() -> None:
    """'--lr' cannot overwrite a locked 'lr' (wandb lets it through: a bug)."""
    config = RunConfig()
    config.update_locked({"lr": 0.5}, user="sweep")
    with pytest.warns(LockedKeyWarning, match="Config item 'lr' was locked by 'sweep'"):
        config.update({"--lr": 0.9}, allow_val_change=True)
    assert config.lr == 0.5


def test_update_locked_without_allow_raises_on_change() -> None:
    """update_locked checks changes unless _allow_val_change is given (as wandb)."""
    config = RunConfig({"epochs": 3})
    with pytest.raises(ConfigMutationError) as info:
        config.update_locked({"epochs": 10}, user="sweep")
    assert str(info.value) == change_text("RunConfig.update_locked", "epochs", 3, 10)
    config.update_locked({"epochs": 10}, user="sweep", _allow_val_change=True)
    assert config.epochs == 10


def test_merge_locked_deep_merges_and_locks_top_level() -> None:
    """merge_locked merges into the existing dict and locks its top-level key."""
    config = RunConfig({"model": {"depth": 2, "width": 8}})
    config.merge_locked({"model": {"depth": 4}}, user="sweep", _allow_val_change=True)
    assert config.model == {"depth": 4, "width": 8}
    with pytest.warns(LockedKeyWarning, match="'model' was locked by 'sweep'"):
        config.update({"model": {}}, allow_val_change=True)
    assert config.model == {"depth": 4, "width": 8}


def test_lock_user_none_is_shown_as_wandb_does() -> None:
    """A lock without a user name reads 'None' in the warning, as wandb prints it."""
    config = RunConfig()
    config.update_locked({"a": 1})
    with pytest.warns(LockedKeyWarning, match="^Config item 'a' was locked by 'None'"):
        config.a = 2


# --- inputs ------------------------------------------------------------------------------------


def test_update_from_argparse_namespace() -> None:
    """A Namespace is stored as vars(args): argparse already made '--batch-size' batch_size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--use-amp", action="store_true")
    parser.add_argument("--layers", type=int, nargs="+", default=[64, 32])
    parser.add_argument("--name", default=None)
    config = RunConfig()
    config.update(parser.parse_args(["--batch-size", "8"]))
    assert config.as_dict() == {"batch_size": 8, "use_amp": False, "layers": [64, 32], "name": None}


def test_update_from_absl_flags() -> None:
    """absl FlagValues (or the flags module) give every defined flag, parsed or default."""
    from absl import flags

    values = flags.FlagValues()
    flags.DEFINE_integer("steps", 100, "training steps", flag_values=values)
    flags.DEFINE_string("model", "mlp", "model name", flag_values=values)
    values(["prog", "--steps=5"])
    config = RunConfig()
    config.update(values)
    assert config.as_dict() == {"model": "mlp", "steps": 5}
    module = types.ModuleType("fake_flags")
    module.FLAGS = values  # type: ignore[attr-defined]
    other = RunConfig()
    other.update(module)
    assert other.as_dict() == {"model": "mlp", "steps": 5}


def test_update_from_omegaconf_resolves_interpolations() -> None:
    """A DictConfig is turned into plain nested dicts with ${...} resolved."""
    from omegaconf import OmegaConf

    config = RunConfig()
    config.update(OmegaConf.create({"a": 1, "b": "${a}", "n": {"c": [1, 2]}}))
    assert config.as_dict() == {"a": 1, "b": 1, "n": {"c": [1, 2]}}


def test_update_from_broken_omegaconf_is_a_typedcfg_error() -> None:
    """An interpolation that cannot resolve is a CompositionError naming the call."""
    from omegaconf import OmegaConf

    with pytest.raises(typedcfg.CompositionError, match=r"^RunConfig.update: cannot resolve"):
        RunConfig().update(OmegaConf.create({"b": "${missing}"}))


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Inner:
    depth: int = 2


@dataclasses.dataclass
class Outer:
    inner: Inner = dataclasses.field(default_factory=Inner)
    color: Color = Color.RED


def test_update_from_dataclass_and_model_keeps_structure() -> None:
    """Dataclasses and pydantic models become nested dicts, never str(model)."""
    config = RunConfig()
    config.update(Outer())
    assert config.as_dict() == {"inner": {"depth": 2}, "color": "RED"}
    other = RunConfig()
    other.update(Train(optim=Optim(name="sgd")))
    assert other.optim == {"name": "sgd", "lr": 0.001}
    assert other.api_key == "**********"


def test_update_from_runconfig_and_yaml_path(tmp_path: Path) -> None:
    """Another RunConfig gives its visible items; a path is read as YAML (either format)."""
    source = RunConfig({"a": 1, "_p": 2})
    config = RunConfig()
    config.update(source)
    assert config.as_dict() == {"a": 1} and "_p" not in config
    (tmp_path / "more.yaml").write_text("b:\n  desc: bee\n  value: 2\nc: 3\n")
    config.update(str(tmp_path / "more.yaml"))
    assert config.as_dict() == {"a": 1, "b": 2, "c": 3}
    assert str(config.provenance["c"]) == f"{tmp_path / 'more.yaml'}:4:4"


def test_update_rejects_other_types() -> None:
    """Values without a mapping shape are refused with the accepted kinds listed."""
    with pytest.raises(ConfigMutationError) as info:
        RunConfig().update(42)
    assert str(info.value) == (
        "RunConfig.update: config must be a mapping, an argparse Namespace, absl FLAGS, an "
        "OmegaConf DictConfig, a dataclass, a pydantic model or a YAML path, not int"
    )


def test_values_are_sanitised_like_wandb() -> None:
    """Stored values are wandb's: tuples to lists, Enum names, NaN to None."""
    config = RunConfig({"t": (1, 2), "c": Color.RED, "x": float("nan")})
    assert config.as_dict() == {"t": [1, 2], "c": "RED", "x": None}


def test_optional_libraries_not_imported() -> None:
    """Using RunConfig with plain dicts imports neither absl, omegaconf nor wandb."""
    code = (
        "import sys, typedcfg\n"
        "c = typedcfg.RunConfig({'a': 1}); c.update({'b': 2}); c.setdefaults({'c': 3})\n"
        "print(sorted(m for m in ('absl', 'omegaconf', 'wandb') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# --- load_defaults ----------------------------------------------------------------------------


def test_load_defaults_reads_both_formats_without_overriding(tmp_path: Path) -> None:
    """desc/value and plain entries are read; keys already set keep their value."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text(
        "wandb_version: 1\nlr:\n  desc: learning rate\n  value: 0.01\nepochs:\n  value: 3\n"
    )
    config = RunConfig({"epochs": 10})
    assert config.load_defaults(path) is config
    assert config.as_dict() == {"epochs": 10, "lr": 0.01}
    assert config.descriptions == {"lr": "learning rate"}
    origin = config.provenance["lr"]
    assert origin.kind is SourceKind.DEFAULTS_FILE and origin.line == 4
    plain = tmp_path / "plain.yaml"
    plain.write_text("batch: 32\nmodel:\n  depth: 2\n")
    assert RunConfig().load_defaults(plain).as_dict() == {"batch": 32, "model": {"depth": 2}}


def test_load_defaults_missing_file(tmp_path: Path) -> None:
    """A missing defaults file is fine by default and an error with missing_ok=False."""
    missing = tmp_path / "config-defaults.yaml"
    assert RunConfig().load_defaults(missing).as_dict() == {}
    with pytest.raises(ConfigFileError):
        RunConfig().load_defaults(missing, missing_ok=False)


def test_load_defaults_malformed_is_located(tmp_path: Path) -> None:
    """A YAML error is a ConfigFileError starting with file:line:col."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text("a: 1\nb: [1, 2\n")
    with pytest.raises(ConfigFileError) as info:
        RunConfig().load_defaults(path)
    assert str(info.value).startswith(f"{path}:")


def test_load_defaults_warns_dotted_keys_at_load_time(tmp_path: Path) -> None:
    """Keys from YAML that wandb would misread are warned about with their file position."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text("x.y: 1\n")
    with pytest.warns(DottedKeyWarning) as record:
        RunConfig().load_defaults(path)
    assert str(record[0].message).startswith(f"{path}:1:")


# --- typed -------------------------------------------------------------------------------------


def test_typed_assignment_validated_and_nothing_changes() -> None:
    """A bad value raises ConfigValidationError located at the call; the config is unchanged."""
    config = RunConfig(schema=Train)
    config.update({"optim": {"name": "adam"}, "epochs": 5})
    with pytest.raises(ConfigValidationError) as info:
        config.update({"epochs": "many"}, allow_val_change=True)
    assert str(info.value) == (
        "RunConfig.update: epochs: Input should be a valid integer, unable to parse string as "
        "an integer (got 'many')"
    )
    assert config.epochs == 5
    with pytest.raises(ConfigValidationError) as info:
        config.update({"optim": {"name": "adam", "lrr": 0.1}}, allow_val_change=True)
    assert str(info.value) == (
        "RunConfig.update: unknown key 'optim.lrr'; did you mean 'optim.lr'?"
    )
    assert config.optim == {"name": "adam"}
    with pytest.raises(ConfigValidationError) as info:
        config["epoch"] = 1
    assert str(info.value) == "RunConfig['epoch']: unknown key 'epoch'; did you mean 'epochs'?"
    assert "epoch" not in config


def test_typed_missing_keys_wait_for_to_model() -> None:
    """Required keys may be set later; to_model() reports them if still missing."""
    config = RunConfig(schema=Train)
    config.epochs = 4
    with pytest.raises(ConfigValidationError) as info:
        config.to_model()
    assert [issue.key for issue in info.value.issues] == ["optim"]
    config.optim = {"name": "sgd"}
    model = config.to_model()
    assert model == Train(optim=Optim(name="sgd"), epochs=4)


def test_typed_secret_is_masked_in_repr_and_export() -> None:
    """A plain string set on a SecretStr field is wrapped, so repr and to_wandb mask it."""
    config = RunConfig(schema=Train)
    config.update({"optim": {"name": "a"}, "api_key": "s3cret"})
    assert "s3cret" not in repr(config)
    assert typedcfg.to_wandb(config)["api_key"] == "**********"
    assert config.to_model().api_key.get_secret_value() == "s3cret"
    config.api_key = "s3cret"  # the same secret again is not a change


def test_typed_private_keys_skip_validation() -> None:
    """'_' keys are bookkeeping: a schema that forbids extras still accepts them."""
    config = RunConfig(schema=Train)
    config["_wandb"] = {"t": 1}
    config.optim = {"name": "sgd"}
    assert config["_wandb"] == {"t": 1}
    assert config.to_model() == Train(optim=Optim(name="sgd"))


def test_to_model_without_schema() -> None:
    """to_model() needs a schema; the error says how to give one."""
    with pytest.raises(SchemaError) as info:
        RunConfig().to_model()
    assert str(info.value) == (
        "RunConfig.to_model: this RunConfig has no schema; create it with "
        "RunConfig(schema=YourSchema)"
    )


def test_from_loaded_keeps_provenance_and_values(tmp_path: Path) -> None:
    """from_loaded holds the loaded values with their origins; code updates become the origin."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text("optim:\n  name: sgd\nepochs:\n  desc: how long\n  value: 7\n")
    loaded = typedcfg.compose(Train, ["optim.lr=0.5"], defaults=path)
    config = RunConfig.from_loaded(loaded)
    assert config.schema is Train
    assert config.optim == {"name": "sgd", "lr": 0.5}
    assert config.epochs == 7
    assert config.provenance["optim.name"].line == 2
    assert config.provenance["optim.lr"].kind is SourceKind.ARGV
    assert config.descriptions == {"epochs": "how long"}
    with pytest.raises(ConfigMutationError):
        config.epochs = 8
    config.update({"epochs": 8}, allow_val_change=True)
    assert str(config.provenance["epochs"]) == "RunConfig.update"
    assert config.to_model().epochs == 8
    assert typedcfg.to_wandb(config, desc=True)["epochs"] == {"desc": "how long", "value": 8}


def test_absl_own_flags_left_out() -> None:
    """Flags absl defines for itself (verbosity, helpfull, '?') are not experiment settings."""
    from absl import flags
    from absl import logging as absl_logging  # defines absl's logging flags on flags.FLAGS

    assert "verbosity" in flags.FLAGS and absl_logging is not None
    config = RunConfig()
    config.update(flags.FLAGS)
    assert not {"verbosity", "helpfull", "?", "logtostderr"} & set(config)


def test_warnings_point_at_the_callers_line(tmp_path: Path) -> None:
    """Lock and key warnings are reported at the user's line, whichever way the call is made."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text("x.y: 1\n")
    config = RunConfig()
    config.update_locked({"a": 1}, user="sweep")
    with pytest.warns(LockedKeyWarning) as record:
        config.a = 2
        config["a"] = 2
        config.update({"a": 3})
    with pytest.warns(DottedKeyWarning) as loaded:
        RunConfig().load_defaults(path)
        RunConfig().update(path)
    assert {Path(w.filename).name for w in [*record, *loaded]} == {"test_runconfig.py"}
    assert len(record) == 3 and len(loaded) == 2


def test_copy_deepcopy_and_pickle() -> None:
    """Copies are independent objects with the same items, locks and schema."""
    import copy
    import pickle

    config = RunConfig({"a": {"b": 1}}, schema=None)
    config.update_locked({"x": 1}, user="sweep")
    shallow = copy.copy(config)
    shallow.y = 2
    assert "y" not in config and shallow.a is config.a
    deep = copy.deepcopy(config)
    assert deep.as_dict() == config.as_dict() and deep.a is not config.a
    restored = pickle.loads(pickle.dumps(config))
    assert restored.as_dict() == {"a": {"b": 1}, "x": 1}
    with pytest.warns(LockedKeyWarning):
        restored.x = 5
    typed = pickle.loads(pickle.dumps(RunConfig({"optim": {"name": "a"}}, schema=Train)))
    assert typed.to_model() == Train(optim=Optim(name="a"))
