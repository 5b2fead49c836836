"""RunConfig and config-defaults.yaml as wandb itself handles them, run side by side.

The oracle is ``wandb.sdk.wandb_config.Config`` (offline, no run): its ``update`` sanitises
values and its constructor reads ``config-defaults.yaml`` from the working directory. Inputs:
wandb's own config tests (``tests/data/peers/wandb_config.json``, replayed on both objects),
values of every kind wandb's sanitiser distinguishes, and the real ``config-defaults.yaml``
files of the corpus. Differences kept on purpose are in docs/runconfig.md ("Deliberate
differences"), each pinned by a test here.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import enum
import fractions
import gc
import math
import pathlib
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from peers import Anything, peer_data

import typedcfg
from typedcfg import ConfigMutationError, KeyWarning, RunConfig, TypedcfgError

CORPUS = Path(__file__).resolve().parent / "corpus" / "wandb-defaults"


def wandb_config() -> Any:
    from wandb.sdk.wandb_config import Config

    return Config()


class Color(enum.Enum):
    RED = 1


@dataclasses.dataclass
class Point:
    x: int = 1
    path: tuple[int, ...] = (1, 2)


def _function() -> None:
    """A plain function: wandb stores it as ``module.qualname``."""


_Pair = collections.namedtuple("_Pair", "a b")

# Values of each kind wandb's sanitiser (json_friendly_val) tells apart, built fresh per call so
# both objects get equal inputs (a generator is consumed once).
VALUES: dict[str, Callable[[], Any]] = {
    "range": lambda: range(3),
    "deque": lambda: collections.deque([1, 2]),
    "bytearray": lambda: bytearray(b"xy"),
    "memoryview": lambda: memoryview(b"ab"),
    "bytes": lambda: b"xy",
    "timedelta": lambda: datetime.timedelta(days=1, seconds=5),
    "builtin method": lambda: str.upper,
    "function": lambda: _function,
    "class": lambda: int,
    "enum": lambda: Color.RED,
    "tuple": lambda: (1, (2, 3)),
    "set": lambda: {3, 1},
    "nan": lambda: float("nan"),
    "inf": lambda: float("inf"),
    "datetime": lambda: datetime.datetime(2024, 1, 2, 3, 4, 5),
    "date": lambda: datetime.date(2024, 1, 2),
    "time": lambda: datetime.time(1, 2),
    "path": lambda: pathlib.Path("a/b"),
    "slice": lambda: slice(1, 5, 2),
    "dataclass": lambda: Point(),
    "namedtuple": lambda: _Pair(1, 2),
    "numpy int": lambda: np.int64(3),
    "numpy float": lambda: np.float32(0.5),
    "numpy array": lambda: np.arange(3),
    "numpy big array": lambda: np.arange(40),
    "numpy nan": lambda: np.float64("nan"),
    "fraction": lambda: fractions.Fraction(1, 3),
    "nested": lambda: {"a": (1, {"b": range(2), "c": collections.deque([b"z"])})},
    "int key": lambda: {1: "a"},
    "none": lambda: None,
    "list of nan": lambda: [float("nan"), datetime.timedelta(0)],
}

# Builtin objects that wandb keeps as they are (its sanitiser passes anything from the builtins
# module through): they are not JSON, and what wandb uploads is their text. RunConfig stores
# JSON-safe data; docs/runconfig.md, "Deliberate differences".
KEPT_BY_WANDB: dict[str, tuple[Callable[[], Any], Any]] = {
    "frozenset": (lambda: frozenset({"b", "a"}), ["a", "b"]),
    "complex": (lambda: 1 + 2j, "1+2j"),
    "ellipsis": (lambda: ..., "Ellipsis"),
    "dict keys": (lambda: {"a": 1}.keys(), "dict_keys(['a'])"),
}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name", list(VALUES))
def test_values_are_stored_as_wandb_config_stores_them(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``update({"v": value})``: RunConfig without a schema stores what wandb.config stores."""
    monkeypatch.chdir(tmp_path)  # no config-defaults.yaml for wandb to find
    theirs = wandb_config()
    theirs.update({"v": VALUES[name]()})
    ours = RunConfig()
    ours.update({"v": VALUES[name]()})
    assert _same(ours.as_dict()["v"], dict(theirs)["v"]), (ours.as_dict(), dict(theirs))


@pytest.mark.parametrize("name", list(KEPT_BY_WANDB))
def test_builtin_objects_wandb_keeps_are_stored_as_json(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deliberate difference: wandb keeps the object itself, RunConfig JSON-safe data."""
    monkeypatch.chdir(tmp_path)
    make, expected = KEPT_BY_WANDB[name]
    theirs = wandb_config()
    theirs.update({"v": make()})
    assert type(dict(theirs)["v"]) is type(make())  # wandb: the object, unchanged
    ours = RunConfig()
    ours.update({"v": make()})
    assert ours.as_dict()["v"] == expected


@pytest.mark.parametrize("bad", [None, [("a", 1)], 5, 2.5, True], ids=repr)
def test_update_with_a_non_mapping_is_a_type_error_as_in_wandb(
    bad: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """wandb raises ``TypeError``; RunConfig's error is a TypedcfgError and a TypeError."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TypeError):
        wandb_config().update(bad)
    with pytest.raises(TypeError) as caught:
        RunConfig().update(bad)
    assert isinstance(caught.value, TypedcfgError)
    assert isinstance(caught.value, ConfigMutationError)
    assert str(caught.value) == (
        "RunConfig.update: config must be a mapping, an argparse Namespace, absl FLAGS, an "
        "OmegaConf DictConfig, a dataclass, a pydantic model or a YAML path, not "
        f"{type(bad).__name__}"
    )


# --- wandb's own config tests, replayed on both objects --------------------------------------

# wandb's tests also check its callback (``consolidated``), its stderr and the files it reads;
# a test is replayed when the only lines left out are those about wandb's callback.
def _replayable(body: list[str]) -> list[str]:
    kept = [line for line in body if "consolidated" not in line]
    wandb_only = ("capsys", "open(", "wandb_sdk", "test_path")
    return [] if any(part in line for line in kept for part in wandb_only) else kept


WANDB_TESTS = [t for t in peer_data("wandb_config.json")["tests"] if _replayable(t["body"])]


@pytest.mark.parametrize("case", WANDB_TESTS, ids=[t["test"] for t in WANDB_TESTS])
def test_wandb_config_tests_hold_for_both(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of wandb's config tests: its operations and assertions, on wandb and on RunConfig."""
    monkeypatch.chdir(tmp_path)
    lines = _replayable(case["body"])
    assert any(line.startswith("assert") or "raises" in line for line in lines)
    for config in (wandb_config(), RunConfig()):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the locked-key warnings of both
            exec("\n".join(lines), {"config": config, "pytest": pytest})


# --- config-defaults.yaml ------------------------------------------------------------------------


def _wandb_reads(path: Path, cwd: Path) -> tuple[str, Any]:
    """What wandb.config holds after reading ``path`` as ``config-defaults.yaml``."""
    shutil.copyfile(path, cwd / "config-defaults.yaml")
    with warnings.catch_warnings():
        # wandb leaves the file open; collected here, its ResourceWarning is wandb's business.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return "ok", dict(wandb_config())
        except Exception as exc:
            return "error", type(exc).__name__
        finally:
            gc.collect()


def _ours(path: Path) -> tuple[str, Any]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", KeyWarning)
            loaded = typedcfg.compose(Anything, [], defaults=path)
    except TypedcfgError as exc:
        return "error", str(exc)
    return "ok", loaded.config.model_dump()


def _as_wandb_reads(ours: Any, theirs: Any) -> bool:
    """The same values, up to the two readings that differ on purpose (docs/runconfig.md,
    "Deliberate differences"): keys are text (PyYAML makes ``8:`` an int key), and an untyped
    scalar is read as OmegaConf reads it (``1e-3`` is a float; PyYAML's YAML 1.1 gives text)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        keys = [str(k) for k in theirs]  # type: ignore[union-attr]
        return list(ours) == keys and all(  # type: ignore[arg-type]
            _as_wandb_reads(ours[k], v)  # type: ignore[index]
            for k, v in zip(keys, theirs.values(), strict=True)  # type: ignore[union-attr]
        )
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(  # type: ignore[arg-type]
            _as_wandb_reads(a, b) for a, b in zip(ours, theirs, strict=True)  # type: ignore[arg-type]
        )
    if isinstance(ours, float) and isinstance(theirs, str):
        from typedcfg.read.untyped import parse_untyped

        return _same(parse_untyped(theirs), ours)
    return _same(ours, theirs)


FILES = sorted(CORPUS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_defaults_files_read_as_wandb_reads_them(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every real config-defaults.yaml: the values wandb.config holds, or wandb cannot read it
    and typedcfg reads the plain format (a deliberate difference: both formats are read)."""
    monkeypatch.chdir(tmp_path)
    theirs = _wandb_reads(path, tmp_path)
    ours = _ours(path)
    assert ours[0] == "ok", ours[1]
    if theirs[0] == "ok":
        assert _as_wandb_reads(ours[1], theirs[1]), (ours[1], theirs[1])
    else:
        # wandb reads only desc/value files: a top-level value that is not an entry breaks it.
        assert theirs[1] in ("TypeError", "KeyError")
