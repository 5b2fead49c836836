"""Booleans stay booleans: a bare ``--flag`` is only for bool fields, and a bool is never a number.

pydantic's lax mode reads ``True`` as ``1`` for an ``int`` field and ``1.0`` for a ``float``;
the JSON Schema typedcfg writes rejects it, so the editor and ``typedcfg check`` disagreed and a
program ran with a value nobody meant (``--epochs`` alone gave ``epochs=1``). These tests pin the
located errors from every source; nothing else gets stricter (``"3"`` still reads as 3).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Optional, Union

import pytest
from pydantic import BaseModel, Field

import typedcfg
from typedcfg import ConfigValidationError, OverrideError

REPO = Path(__file__).resolve().parent.parent


class Optim(BaseModel):
    lr: float = Field(default=0.001, gt=0)
    nesterov: bool = False


class Config(BaseModel):
    epochs: int = 10
    project: str = "demo"
    amp: bool = False
    compile: Optional[bool] = None
    seed: Optional[int] = None
    size: Union[int, str] = 0
    layers: list[int] = [64]
    weights: dict[str, float] = {}
    anything: Any = None
    optim: Optim = Optim()


def load(argv: list[str], **kw: Any) -> Config:
    return typedcfg.load(Config, argv, defaults=None, **kw)


def failure(argv: list[str], error: type[Exception] = ConfigValidationError, **kw: Any) -> str:
    with pytest.raises(error) as info:
        load(argv, **kw)
    assert isinstance(info.value, typedcfg.TypedcfgError)
    return info.value.render() if isinstance(info.value, ConfigValidationError) else str(info.value)


# --------------------------------------------------------------------------- bare flags


def test_a_bare_flag_sets_a_bool_field() -> None:
    """``--amp`` alone is ``amp=true`` for ``bool`` and ``Optional[bool]`` fields."""
    cfg = load(["--amp", "--compile", "--optim.nesterov"])
    assert (cfg.amp, cfg.compile, cfg.optim.nesterov) == (True, True, True)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["--epochs", "--lr", "0.01"], "argv[0] '--epochs': epochs needs a value (int)",
                     id="int-before-flag"),
        pytest.param(["--optim.lr"], "argv[0] '--optim.lr': optim.lr needs a value (float)",
                     id="float-last"),
        pytest.param(["--amp", "--project"], "argv[1] '--project': project needs a value (str)",
                     id="str-last"),
        pytest.param(["--seed", "epochs=3"], "argv[0] '--seed': seed needs a value "
                     "(int | None)", id="optional-int-before-override"),
        pytest.param(["--layers"], "argv[0] '--layers': layers needs a value (list[int])",
                     id="list"),
        pytest.param(["--anything"], "argv[0] '--anything': anything needs a value (Any)",
                     id="any"),
    ],
)
def test_a_bare_flag_for_another_type_needs_a_value(argv: list[str], message: str) -> None:
    """argparse says ``expected one argument``; typedcfg names the field and its type."""
    flag = argv[int(message[5])]
    assert failure(argv, OverrideError) == (
        f"{message}\n  hint: a bare {flag} is only for bool fields; "
        f"write {flag} VALUE or {flag}=VALUE"
    )


def test_a_bare_unknown_flag_is_an_unknown_key() -> None:
    """A flag the schema does not know keeps its did-you-mean."""
    assert failure(["--epoch"]) == (
        "argv[0] '--epoch': unknown key 'epoch'; did you mean 'epochs'?"
    )


def test_the_argparse_example_refuses_a_flag_without_its_value() -> None:
    """The docs' own migration example: ``--epochs --lr 0.01`` is an error, exit status 2."""
    done = subprocess.run(
        [sys.executable, "after.py", "--epochs", "--lr", "0.01"],
        cwd=REPO / "examples" / "04_argparse_migration",
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "argv[0] '--epochs': epochs needs a value (int)\n"
        "  hint: a bare --epochs is only for bool fields; write --epochs VALUE or --epochs=VALUE\n"
    )


# --------------------------------------------------------------------------- bool as number


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        pytest.param(["epochs=true"], "argv[0] 'epochs=true': epochs: Input should be a valid "
                     "integer, not a boolean (got True)", id="int"),
        pytest.param(["optim.lr=true"], "argv[0] 'optim.lr=true': optim.lr: Input should be a "
                     "valid number, not a boolean (got True)", id="float"),
        pytest.param(["--epochs=True"], "argv[0] '--epochs=True': epochs: Input should be a "
                     "valid integer, not a boolean (got True)", id="wandb-python-form"),
        pytest.param(["--epochs", "false"], "argv[0] '--epochs false': epochs: Input should be a "
                     "valid integer, not a boolean (got False)", id="flag-and-value"),
        pytest.param(["seed=true"], "argv[0] 'seed=true': seed: Input should be a valid "
                     "integer, not a boolean (got True)", id="optional-int"),
        pytest.param(["size=true"], "argv[0] 'size=true': size: Input should be a valid "
                     "integer or string, not a boolean (got True)", id="int-or-str"),
        pytest.param(["layers=[1,true]"], "argv[0] 'layers=[1,true]': layers[1]: Input should "
                     "be a valid integer, not a boolean (got True)", id="list-item"),
        pytest.param(["weights={a: 0.5, b: true}"], "argv[0] 'weights={a: 0.5, b: true}': "
                     "weights.b: Input should be a valid number, not a boolean (got True)",
                     id="dict-value"),
    ],
)
def test_a_bool_on_the_command_line_is_not_a_number(argv: list[str], line: str) -> None:
    """``optim.lr=true`` used to pass as ``lr=1.0``."""
    assert failure(argv) == line


def test_a_bool_in_a_file_is_not_a_number(tmp_path: Path) -> None:
    """``epochs: true`` in YAML, located at the value."""
    path = tmp_path / "run.yaml"
    path.write_text("epochs: true\noptim:\n  lr: false\n", encoding="utf-8")
    assert failure([], configs=[str(path)]) == (
        f"{path}:1:9: epochs: Input should be a valid integer, not a boolean (got True)\n"
        f"{path}:3:7: optim.lr: Input should be a valid number, not a boolean (got False)"
    )


def test_a_bool_in_the_environment_is_not_a_number() -> None:
    """``TRAIN_EPOCHS=true`` used to give ``epochs=1``."""
    assert failure([], env_prefix="TRAIN_", environ={"TRAIN_EPOCHS": "true"}) == (
        "env:TRAIN_EPOCHS: epochs: Input should be a valid integer, not a boolean (got True)"
    )


def test_bools_numbers_and_strings_that_were_fine_stay_fine(tmp_path: Path) -> None:
    """Nothing else gets stricter: bools for bool fields and ``Any``, numeric strings for
    numbers, ints for floats."""
    path = tmp_path / "run.yaml"
    path.write_text("epochs: '3'\noptim: {lr: 1}\nanything: true\nsize: 'x'\n", encoding="utf-8")
    cfg = load(["amp=true", "compile=false", "seed=null"], configs=[str(path)])
    assert (cfg.epochs, cfg.optim.lr, cfg.anything, cfg.size) == (3, 1.0, True, "x")
    assert (cfg.amp, cfg.compile, cfg.seed) == (True, False, None)
