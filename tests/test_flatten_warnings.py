"""``flatten`` warns about dotted keys as ``to_wandb`` does, located at the key's file:line:col;
``to_wandb(cfg)`` inside ``@typedcfg.main`` knows the positions too (issue 16)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from pydantic import BaseModel

import typedcfg


class Tagged(BaseModel):
    tags: dict[str, float] = {}


DOTTED = (
    "key 'lr.decay' holds '.', so wandb's flattened view cannot tell it from nesting "
    "(filters and unflatten misread it); use 'lr_decay'"
)


def caught(call: object) -> list[str]:
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        assert callable(call)
        call()
    return [f"{w.category.__name__}: {w.message}" for w in found]


def test_flatten_warns_about_a_dotted_key() -> None:
    """``{"x.y": 1}`` flattens to the name of ``{"x": {"y": 1}}``: flatten says so."""
    with pytest.warns(typedcfg.DottedKeyWarning) as record:
        assert typedcfg.flatten({"x.y": 1, "z": {"w": 2}}) == {"x.y": 1, "z.w": 2}
    assert [str(w.message) for w in record] == [
        "dict: ['x.y']: key 'x.y' holds '.', so wandb's flattened view cannot tell it from "
        "nesting (filters and unflatten misread it); use 'x_y'"
    ]
    assert record[0].filename == __file__  # the caller's line, not typedcfg's


def test_flatten_without_dotted_keys_is_silent() -> None:
    assert caught(lambda: typedcfg.flatten({"a": {"b": 1}, "_c": 2, "-d": 3})) == []


def test_flatten_of_a_loaded_config_names_the_key_in_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config-defaults.yaml").write_text("tags:\n  lr.decay: 0.5\n", encoding="utf-8")
    loaded = typedcfg.compose(Tagged, [])
    assert caught(lambda: typedcfg.flatten(loaded)) == [
        f"DottedKeyWarning: config-defaults.yaml:2:3: tags['lr.decay']: {DOTTED}"
    ]
    assert caught(lambda: typedcfg.to_wandb(loaded)) == [
        f"DottedKeyWarning: config-defaults.yaml:2:3: tags['lr.decay']: {DOTTED}"
    ]


PROGRAM = '''
import warnings
from pydantic import BaseModel
import typedcfg

class Tagged(BaseModel):
    tags: dict[str, float] = {}

@typedcfg.main(Tagged)
def run(cfg: Tagged) -> None:
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        typedcfg.to_wandb(cfg)
        typedcfg.flatten(cfg)
        typedcfg.to_wandb(Tagged(tags={"lr.decay": 1.0}))  # another object: no position
    for w in found:
        print(w.message)

run()
'''


def test_to_wandb_inside_main_names_the_position(tmp_path: Path) -> None:
    """Inside the decorated function the config is a plain model; its keys keep their origins
    (the schema's name was all the warning said)."""
    (tmp_path / "train.py").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "config-defaults.yaml").write_text("tags:\n  lr.decay: 0.5\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "train.py", "tags.other=2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"config-defaults.yaml:2:3: tags['lr.decay']: {DOTTED}",
        f"config-defaults.yaml:2:3: tags['lr.decay']: {DOTTED}",
        f"Tagged: tags['lr.decay']: {DOTTED}",
    ]
