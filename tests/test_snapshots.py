"""Snapshots of every kind of error message, reviewed as diffs.

Each case sets up files and an argv, runs ``typedcfg.load`` and records the exception class and
its full text in ``tests/snapshots/errors.json``. A changed message fails the test; after
reviewing the change, rewrite the file with ``TYPEDCFG_UPDATE_SNAPSHOTS=1 pytest
tests/test_snapshots.py``.
"""

from __future__ import annotations

import enum
import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import pytest
from pydantic import BaseModel, Field, SecretStr

import typedcfg

SNAPSHOTS = Path(__file__).parent / "snapshots" / "errors.json"


class Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


class Adam(BaseModel):
    name: Literal["adam"] = "adam"
    lr: float = 0.001


class SGD(BaseModel):
    name: Literal["sgd"] = "sgd"
    lr: float = 0.1


class Optim(BaseModel):
    lr: float = Field(0.1, gt=0)
    name: str = "adam"


class Schema(BaseModel):
    epochs: int = 1
    batch_size: int = 32
    optim: Optim = Optim()
    mode: Mode = Mode.FAST
    kind: Literal["a", "b"] = "a"
    ratio: Optional[float] = None
    either: Union[int, list[int]] = 0
    opt: Annotated[Union[Adam, SGD], Field(discriminator="name")] = Adam()
    token: SecretStr = SecretStr("x")
    tags: list[str] = []


class Required(BaseModel):
    epochs: int
    optim: Optim


CASES: dict[str, dict[str, Any]] = {
    # YAML and files
    "yaml-scanner": {"files": {"config-defaults.yaml": "a: b: c\n"}},
    "yaml-parser": {"files": {"config-defaults.yaml": "a:\n  - 1\n b: 2\n"}},
    "yaml-tab": {"files": {"config-defaults.yaml": "a:\n\t- 1\n"}},
    "yaml-unclosed-quote": {"files": {"config-defaults.yaml": "a: 'open\n"}},
    "yaml-unclosed-bracket": {"files": {"config-defaults.yaml": "a: [1, 2\n"}},
    "yaml-duplicate-key": {"files": {"config-defaults.yaml": "epochs: 1\nepochs: 2\n"}},
    "yaml-unsafe-tag": {
        "files": {"config-defaults.yaml": "epochs: !!python/object/apply:os.system [ls]\n"}
    },
    "yaml-unknown-tag": {"files": {"config-defaults.yaml": "epochs: !seconds 5\n"}},
    "yaml-top-level-list": {"files": {"config-defaults.yaml": "- 1\n- 2\n"}},
    "yaml-billion-laughs": {
        "files": {
            "config-defaults.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n"
                for p, n in zip("abcdefgh", "bcdefghi", strict=True)
            )
        }
    },
    "yaml-not-utf8": {"files": {"config-defaults.yaml": b"epochs: \xff\n"}},
    "desc-without-value": {
        "files": {"config-defaults.yaml": "epochs:\n  desc: how long\n"}
    },
    "wandb-version-2": {
        "files": {"config-defaults.yaml": "wandb_version: 2\nepochs: {value: 1}\n"}
    },
    "configs-missing": {"argv": ["--configs", "nope.yaml"]},
    "configs-directory": {"dirs": ["adir"], "argv": ["--configs", "adir"]},
    "configs-flag-empty": {"argv": ["--configs"]},
    # Overrides
    "override-no-key": {"argv": ["=1"]},
    "override-no-value": {"argv": ["epochs="]},
    "override-double-equals": {"argv": ["epochs==1"]},
    "override-plus-alone": {"argv": ["+"]},
    "override-tilde-alone": {"argv": ["~"]},
    "override-unbalanced-bracket": {"argv": ["tags=[a,b"]},
    "override-unbalanced-quote": {"argv": ["tags='a"]},
    "override-unknown-function": {"argv": ["epochs=nope(1)"]},
    "override-sweep": {"argv": ["optim.lr=0.1,0.01"]},
    "override-not-an-override": {"argv": ["epochs"]},
    "override-bad-json": {"argv": ["{lr: 1"]},
    # Composition
    "add-existing": {"files": {"config-defaults.yaml": "epochs: 1\n"}, "argv": ["+epochs=2"]},
    "delete-missing": {"argv": ["~optim.beta"]},
    "set-below-scalar": {"files": {"config-defaults.yaml": "epochs: 1\n"}, "argv": ["epochs.x=1"]},
    "interpolation-cycle": {"argv": ["optim.name=${kind}", "kind=${optim.name}"]},
    "interpolation-missing": {"argv": ["kind=${nope.key}"]},
    "group-unknown-option": {
        "files": {"conf/optim/adam.yaml": "lr: 0.1\n", "conf/optim/sgd.yaml": "lr: 0.2\n",
                  "config-defaults.yaml": "defaults:\n  - optim: adam\n"},
        "argv": ["optim=adamw"],
    },
    # Validation
    "type-from-file": {"files": {"config-defaults.yaml": "optim:\n  lr: fast\n"}},
    "type-from-argv": {"argv": ["batch_size=big"]},
    "type-from-env": {"env": {"APP_EPOCHS": "many"}},
    "constraint": {"argv": ["optim.lr=-1"]},
    "unknown-key-suggestion": {"argv": ["optim.lrr=0.1"]},
    "unknown-key-elsewhere": {"argv": ["++lr=0.1"]},
    "unknown-key-in-file": {"files": {"config-defaults.yaml": "optim:\n  nme: sgd\n"}},
    "missing-required": {"schema": "Required", "files": {"config-defaults.yaml": "optim: {}\n"}},
    "enum": {"argv": ["mode=medium"]},
    "literal": {"argv": ["kind=c"]},
    "union": {"argv": ["either={a:1}"]},
    "discriminator": {"argv": ["opt={name:rmsprop}"]},
    "secret-masked": {"argv": ["token=[1,2]"]},
    "list-item": {"argv": ["tags=[a,[b]]"]},
    "many-at-once": {
        "files": {"config-defaults.yaml": "epochs: x\nbatch_size: y\n"},
        "argv": ["optim.lr=z"],
    },
}


def run_case(case: dict[str, Any], root: Path) -> tuple[str, str]:
    for name, text in case.get("files", {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    for name in case.get("dirs", []):
        (root / name).mkdir()
    schema = {"Required": Required}.get(case.get("schema", ""), Schema)
    try:
        typedcfg.load(schema, case.get("argv", []), env_prefix="APP_",
                      environ=case.get("env", {}))
    except typedcfg.TypedcfgError as err:
        return type(err).__name__, str(err).replace(str(root), "<cwd>")
    raise AssertionError("no error")


def current() -> dict[str, Any]:
    return json.loads(SNAPSHOTS.read_text()) if SNAPSHOTS.exists() else {}


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_error_message_snapshot(case_id: str, cwd: Path) -> None:
    """The error class and full message match the reviewed snapshot."""
    kind, text = run_case(CASES[case_id], cwd)
    assert not text.startswith(" ") and text, "messages start with their location"
    if os.environ.get("TYPEDCFG_UPDATE_SNAPSHOTS") == "1":
        data = current()
        data[case_id] = {"class": kind, "message": text}
        SNAPSHOTS.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")
    assert current().get(case_id) == {"class": kind, "message": text}


def test_no_stale_snapshots() -> None:
    """Every snapshot belongs to a case."""
    assert sorted(set(current()) - set(CASES)) == []
