"""A @typedcfg.main program run the way a wandb sweep agent runs it, in every argument format.

The agent renders each sweep parameter with Python's ``str()`` (``False``, ``None``,
``[64, 32]``, ``{'name': 'adam'}``, ``1e-05``) into one of several macros. wandb's own
``create_sweep_command_args`` builds the tokens here, and the command list is expanded as the
agent expands it (a ``${macro}`` item becomes its list of tokens). Every format must give the
same typed config as the plain ``key=value`` command line, dotted sweep keys (``optim.lr``)
included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROGRAM = """
import json
from typing import Optional

from pydantic import BaseModel

import typedcfg


class Opt(BaseModel):
    name: str = "sgd"


class Optim(BaseModel):
    name: str = "adam"
    lr: float = 0.001


class Config(BaseModel):
    lr: float = 0.1
    amp: bool = True
    layers: list[int] = [8]
    opt: Opt = Opt()
    tag: Optional[str] = "baseline"
    note: str = "none"
    run_name: str = "run"
    optim: Optim = Optim()


@typedcfg.main(Config)
def train(cfg: Config) -> None:
    print("CONFIG " + json.dumps(cfg.model_dump()))


train()
"""

# The sweep parameters of one run, as the sweep controller sends them to the agent.
PARAMETERS: dict[str, Any] = {
    "lr": 1e-05,
    "amp": False,
    "layers": [64, 32],
    "opt": {"name": "adam"},
    "tag": None,
    "note": "two words",
    "run_name": "007",
    "optim.lr": 0.5,
}

# The same run as a person would type it on the command line.
KEY_VALUE = [
    "lr=0.00001",
    "amp=false",
    "layers=[64,32]",
    "opt={name: adam}",
    "tag=null",
    "note='two words'",
    "run_name='007'",
    "optim.lr=0.5",
]

EXPECTED = {
    "lr": 1e-05,
    "amp": False,
    "layers": [64, 32],
    "opt": {"name": "adam"},
    "tag": None,
    "note": "two words",
    "run_name": "007",
    "optim": {"name": "adam", "lr": 0.5},
}


def sweep_command(macro: str, parameters: dict[str, Any], program: str) -> list[str]:
    """The command a wandb agent runs for ``command: [${interpreter}, ${program}, ${macro}]``."""
    from wandb.sdk.launch.sweeps.utils import create_sweep_command, create_sweep_command_args

    variables = create_sweep_command_args(
        {"args": {key: {"value": value} for key, value in parameters.items()}}
    )
    variables["interpreter"] = [sys.executable]
    variables["program"] = [program]
    command: list[str] = []
    for item in create_sweep_command(["${interpreter}", "${program}", "${" + macro + "}"]):
        text = str(item)
        if text.startswith("${") and text.endswith("}"):
            command += variables.get(text[2:-1]) or []
        else:
            command.append(text)
    return command


def run(command: list[str], cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("CONFIG ")]
    assert len(lines) == 1, result.stdout
    loaded: dict[str, Any] = json.loads(lines[0][len("CONFIG ") :])
    return loaded


@pytest.fixture
def program(tmp_path: Path) -> Path:
    """train.py in an empty directory (no config-defaults.yaml: schema defaults only)."""
    (tmp_path / "train.py").write_text(PROGRAM, encoding="utf-8")
    return tmp_path


def test_key_value_command_line_is_the_reference(program: Path) -> None:
    """The plain key=value command line gives the expected typed config."""
    assert run([sys.executable, "train.py", *KEY_VALUE], program) == EXPECTED


@pytest.mark.parametrize("macro", ["args", "args_no_hyphens", "args_no_equals", "args_json"])
def test_each_sweep_format_gives_the_key_value_config(program: Path, macro: str) -> None:
    """${args} (--k=v), ${args_no_hyphens} (k=v), ${args_no_equals} (--k v) and ${args_json}
    (one JSON object), with values printed by str(), give the same config as key=value;
    optim.lr reaches the nested field."""
    command = sweep_command(macro, PARAMETERS, "train.py")
    assert run(command, program) == EXPECTED


def test_args_override_hydra_scalars_and_lists(program: Path) -> None:
    """${args_override_hydra} (++k=v) gives the same config for scalars, lists, None and
    dotted keys. (A dict repr after ++, ++opt={'name': 'adam'}, is not read yet.)"""
    parameters = {k: v for k, v in PARAMETERS.items() if k != "opt"}
    expected = {**EXPECTED, "opt": {"name": "sgd"}}
    command = sweep_command("args_override_hydra", parameters, "train.py")
    assert command[2] == "++lr=1e-05"
    assert run(command, program) == expected


def test_args_format_tokens_are_python_reprs(program: Path) -> None:
    """The ${args} tokens really are Python reprs (so the test above exercises them)."""
    command = sweep_command("args", PARAMETERS, "train.py")
    assert command[2:] == [
        "--lr=1e-05",
        "--amp=False",
        "--layers=[64, 32]",
        "--opt={'name': 'adam'}",
        "--tag=None",
        "--note=two words",
        "--run_name=007",
        "--optim.lr=0.5",
    ]


def test_args_no_boolean_flags(program: Path) -> None:
    """${args_no_boolean_flags}: a true bool is a bare --flag, a false one is left out."""
    on = sweep_command("args_no_boolean_flags", {"amp": True, "lr": 0.2}, "train.py")
    assert on[2:] == ["--amp", "--lr=0.2"]
    assert run(on, program)["amp"] is True
    off = sweep_command("args_no_boolean_flags", {"amp": False, "optim.lr": 0.3}, "train.py")
    assert off[2:] == ["--optim.lr=0.3"]
    got = run(off, program)
    assert (got["amp"], got["optim"]["lr"]) == (True, 0.3)


def test_sweep_args_combine_with_builtin_flags(program: Path) -> None:
    """A sweep command with --cfg appended prints the swept config instead of running."""
    command = sweep_command("args_no_equals", {"optim.lr": 0.25, "amp": False}, "train.py")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [*command, "--cfg"],
        cwd=program,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "CONFIG" not in result.stdout
    assert "amp: false\n" in result.stdout
    assert "  lr: 0.25\n" in result.stdout
