"""Real wandb, offline in a temp dir: to_wandb's output in run.config; RunConfig vs wandb.config.

No mocks: wandb 0.31 runs in offline mode with every directory it writes under tmp_path.
"""

from __future__ import annotations

import argparse
import enum
import json
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import wandb
from pydantic import BaseModel, Field, SecretStr

import typedcfg
from typedcfg import ConfigMutationError, LockedKeyWarning, RunConfig


class Act(enum.Enum):
    RELU = "relu"
    GELU = "gelu"


class Optim(BaseModel):
    name: str = "adam"
    lr: float = 0.001
    betas: tuple[float, float] = (0.9, 0.999)


class Model(BaseModel):
    depth: int = 4
    act: Act = Act.GELU
    widths: list[int] = [256, 128]


class Train(BaseModel):
    optim: Optim = Optim()
    model: Model = Model()
    epochs: int = Field(10, description="passes over the data")
    data_dir: Path = Path("/data/cifar")
    api_key: SecretStr = SecretStr("hunter2")
    tags: set[str] = {"b", "a"}


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """wandb offline and silent, every file it writes under tmp_path, no stray defaults file.

    wandb reads the environment once per process into its setup singleton; tearing it down
    around each test makes it read this test's directories (and WANDB_SILENT) afresh.
    """
    wandb.teardown()
    for name in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR"):
        path = tmp_path / name.lower()
        path.mkdir()
        monkeypatch.setenv(name, str(path))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.delenv("WANDB_CONFIG_PATHS", raising=False)
    monkeypatch.delenv("WANDB_SWEEP_PARAM_PATH", raising=False)
    monkeypatch.setenv("WANDB_CONSOLE", "off")  # leave pytest's capture of stderr alone
    monkeypatch.chdir(tmp_path)  # wandb reads ./config-defaults.yaml; this one has none
    yield tmp_path
    wandb.teardown()


def _init(config: Any = None) -> Any:
    return wandb.init(mode="offline", project="typedcfg-tests", config=config)


def test_to_wandb_config_survives_wandb_init(offline: Path) -> None:
    """run.config holds exactly to_wandb's dict: nested, JSON-safe, secrets masked."""
    exported = typedcfg.to_wandb(Train())
    run = _init(exported)
    try:
        stored = dict(run.config)
    finally:
        run.finish()
    assert stored == exported
    assert stored["optim"] == {"name": "adam", "lr": 0.001, "betas": [0.9, 0.999]}
    assert stored["model"] == {"depth": 4, "act": "gelu", "widths": [256, 128]}
    assert stored["api_key"] == "**********"
    assert "hunter2" not in json.dumps(stored)
    assert stored["data_dir"] == "/data/cifar"
    assert stored["tags"] == ["a", "b"]
    json.dumps(stored, allow_nan=False)  # strictly JSON-safe


def test_wandb_alone_stores_nested_model_as_str(offline: Path) -> None:
    """The gap to_wandb closes: given the model itself, wandb keeps str() of nested models."""
    run = _init(Train())
    try:
        stored = dict(run.config)
    finally:
        run.finish()
    assert isinstance(stored["optim"], str) and stored["optim"].startswith("name='adam'")
    assert typedcfg.to_wandb(Train())["optim"] == {"name": "adam", "lr": 0.001,
                                                   "betas": [0.9, 0.999]}


def test_flatten_names_are_the_keys_of_the_wandb_view(offline: Path) -> None:
    """flatten() of run.config gives the same dotted names as flatten() of the model."""
    run = _init(typedcfg.to_wandb(Train()))
    try:
        names = sorted(typedcfg.flatten(dict(run.config)))
    finally:
        run.finish()
    assert names == sorted(typedcfg.flatten(Train()))
    assert "optim.lr" in names and "model.act" in names


def test_dashed_keys_land_where_to_wandb_says(offline: Path) -> None:
    """to_wandb strips top-level dashes itself, so its result equals what wandb stores."""
    with pytest.warns(typedcfg.StrippedKeyWarning):
        exported = typedcfg.to_wandb({"--lr": 0.1, "n": {"-k": 1}})
    run = _init({"--lr": 0.1, "n": {"-k": 1}})
    try:
        stored = dict(run.config)
    finally:
        run.finish()
    assert stored == exported == {"lr": 0.1, "n": {"-k": 1}}


# --- differential: RunConfig against the real wandb.config ------------------------------------


def _lock_warnings(stderr: str) -> list[str]:
    """wandb's lock warnings in its stderr output (termwarn prints 'wandb: WARNING <text>')."""
    marker = "WARNING Config item"
    return [line.split("WARNING ", 1)[1] for line in stderr.splitlines() if marker in line]


def _namespace() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--use-amp", action="store_true")
    parser.add_argument("--layers", type=int, nargs="+", default=[64, 32])
    return parser.parse_args(["--batch-size", "8"])


# Each step is called on both objects; ('call', name, args, kwargs) or ('set', key, value).
STEPS: list[tuple[Any, ...]] = [
    ("set", "x", 1),
    ("item", "y", 2),
    ("call", "update", ({"lr": 0.1, "nested": {"a": 1}},), {}),
    ("call", "update", ({"lr": 0.1},), {}),  # the same value again is not a change
    ("call", "setdefaults", ({"lr": 0.5, "new": 3},), {}),
    ("call", "update_locked", ({"epochs": 10},), {"user": "sweep"}),
    ("call", "update", ({"epochs": 20, "other": 1},), {"allow_val_change": True}),
    ("set", "epochs", 30),
    ("call", "update", ({"lr": 0.2},), {}),
    ("set", "x", 5),
    ("call", "update", ({"nested": {"a": 1, "b": 2}},), {}),
    ("call", "update", ({"nested": {"c": 9}},), {"allow_val_change": True}),
    ("call", "update", ({"--dash-": 1, "mid-dash": 2, "x.y": 3},), {}),
    ("call", "update", ({"t": (1, 2), "s": {3}, "nan": float("nan")},), {}),
    ("call", "update", ({"n": 1},), {}),
    ("call", "update", ({"n": 1.0},), {}),
    ("call", "merge_locked", ({"nested": {"d": 4}},), {"user": "launch",
                                                       "_allow_val_change": True}),
    ("call", "update", ({"nested": {}},), {"allow_val_change": True}),
    ("call", "update", (_namespace(),), {}),
    ("item", "_private", 7),
    ("call", "update_locked", ({"epochs": 11},), {"user": "sweep"}),
]


def _run(target: Any, step: tuple[Any, ...]) -> Callable[[], None]:
    kind = step[0]
    if kind == "set":
        return lambda: setattr(target, step[1], step[2])
    if kind == "item":
        return lambda: target.__setitem__(step[1], step[2])
    return lambda: getattr(target, step[1])(*step[2], **step[3])


def test_runconfig_matches_wandb_config_call_by_call(
    offline: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The same calls give the same contents, the same errors and the same lock warnings."""
    # Silent mode drops termwarn output altogether; the lock warnings are compared, so not here.
    monkeypatch.setenv("WANDB_SILENT", "false")
    wandb.teardown()
    run = _init()
    capfd.readouterr()
    ours = RunConfig()
    errors_seen = warnings_seen = 0
    try:
        for step in STEPS:
            theirs_error: Exception | None = None
            ours_error: ConfigMutationError | None = None
            try:
                _run(run.config, step)()
            except Exception as exc:  # wandb raises its own ConfigError
                theirs_error = exc
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    _run(ours, step)()
                except ConfigMutationError as exc:
                    ours_error = exc
            assert (theirs_error is None) == (ours_error is None), step
            if theirs_error is not None and ours_error is not None:
                errors_seen += 1
                assert type(theirs_error).__name__ == "ConfigError"
                assert ours_error.message == str(theirs_error), step
                assert str(ours_error).endswith(str(theirs_error)), step
            ours_warnings = [str(w.message) for w in caught if w.category is LockedKeyWarning]
            assert ours_warnings == _lock_warnings(capfd.readouterr().err), step
            warnings_seen += len(ours_warnings)
            assert ours.items() == run.config.items(), step
            assert ours.keys() == run.config.keys(), step
        assert ours.as_dict() == dict(run.config)
        assert repr(ours) == repr(run.config)
        assert "_private" in ours and "_private" in run.config
        assert ours.get("lr") == run.config.get("lr") and ours.get("nope") is None
        assert ours["nested"] == {"c": 9, "d": 4}
        assert (errors_seen, warnings_seen) == (4, 3)  # the sequence did exercise both
    finally:
        run.finish()


def test_runconfig_fixes_wandb_lock_bypass_with_dashes(offline: Path) -> None:
    """wandb lets '--lr' overwrite a locked 'lr' (lock checked before stripping); we do not."""
    run = _init()
    ours = RunConfig()
    try:
        run.config.update_locked({"lr": 0.5}, user="sweep")
        ours.update_locked({"lr": 0.5}, user="sweep")
        run.config.update({"--lr": 0.9}, allow_val_change=True)
        with pytest.warns(LockedKeyWarning):
            ours.update({"--lr": 0.9}, allow_val_change=True)
        assert run.config["lr"] == 0.9  # wandb's bug, pinned so a fix upstream shows up here
        assert ours["lr"] == 0.5
    finally:
        run.finish()


def test_runconfig_fixes_wandb_model_as_str(offline: Path) -> None:
    """wandb's update(model) stores nested models as str(); RunConfig stores dicts."""
    run = _init()
    ours = RunConfig()
    try:
        run.config.update(Train())
        ours.update(Train())
        assert isinstance(run.config["optim"], str)
        assert ours["optim"] == {"name": "adam", "lr": 0.001, "betas": [0.9, 0.999]}
        assert ours["api_key"] == run.config["api_key"] == "**********"
    finally:
        run.finish()


def test_runconfig_updates_from_wandb_config(offline: Path) -> None:
    """update(run.config) takes wandb's visible items (not the Config object's __dict__)."""
    run = _init({"lr": 0.1, "model": {"depth": 2}})
    try:
        ours = RunConfig()
        ours.update(run.config)
        assert ours.as_dict() == {"lr": 0.1, "model": {"depth": 2}}
        assert "_wandb" not in ours
    finally:
        run.finish()
