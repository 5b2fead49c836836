"""The Usage commands of examples 01 (quickstart) and 04 (argparse migration) run as documented.

Each command is read from the script's docstring and run from the example's directory with
this interpreter; the test checks exit status and output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from usage import usage_commands

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
QUICKSTART = EXAMPLES / "01_quickstart" / "train.py"
BEFORE = EXAMPLES / "04_argparse_migration" / "before.py"
AFTER = EXAMPLES / "04_argparse_migration" / "after.py"


def run_usage(script: Path) -> list[subprocess.CompletedProcess[str]]:
    """Run every Usage command of ``script`` from its directory."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    results = []
    for argv in usage_commands(script):
        assert argv[:2] == ["python", script.name], argv
        results.append(
            subprocess.run(
                [sys.executable, *argv[1:]],
                cwd=script.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        )
    return results


def test_quickstart_usage() -> None:
    """01_quickstart: defaults from the desc/value file, overrides, --cfg, --explain, --help,
    and a bad command line that exits 2 with both problems located."""
    plain, batch, lr, cfg, explain, help_, bad = run_usage(QUICKSTART)
    for result in (plain, batch, lr, cfg, explain, help_):
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
    assert plain.stdout.splitlines() == [
        "epochs = 100",
        "batch_size = 32",
        "optimizer.name = 'adam'",
        "optimizer.lr = 0.001",
        "training 156200 steps with adam at lr 0.001",
    ]
    assert batch.stdout.splitlines()[1] == "batch_size = 64"
    assert lr.stdout.splitlines() == [
        "epochs = 3",
        "batch_size = 32",
        "optimizer.name = 'adam'",
        "optimizer.lr = 0.01",
        "training 4686 steps with adam at lr 0.01",
    ]
    assert yaml.safe_load(cfg.stdout) == {
        "epochs": 100,
        "batch_size": 32,
        "optimizer": {"name": "sgd", "lr": 0.001},
    }
    assert "training" not in cfg.stdout + explain.stdout + help_.stdout
    assert explain.stdout.splitlines()[2].split(None, 2) == [
        "batch_size",
        "64",
        "argv[1] 'batch_size=64'  (overrode config-defaults.yaml:8:10)",
    ]
    assert explain.stdout.splitlines()[1].split() == ["epochs", "100", "config-defaults.yaml:5:10"]
    for line in (
        "  epochs: int (> 0) = 100\n      Number of epochs to train over\n",
        "  optimizer.name: 'adam' | 'sgd' = 'adam'\n      Which optimizer to use.\n",
        "  optimizer.lr: float (> 0) = 0.001\n      Learning rate\n",
    ):
        assert line in help_.stdout
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.splitlines() == [
        "argv[0] 'batch_size=many': batch_size: Input should be a valid integer, unable to "
        "parse string as an integer (got 'many')",
        "argv[1] 'optimizer.lrr=0.1': unknown key 'optimizer.lrr'; did you mean 'optimizer.lr'?",
    ]


def test_argparse_migration_keeps_the_command_lines() -> None:
    """04: after.py prints exactly what before.py prints for the same three command lines;
    both reject '--epochs three' with status 2; after.py also takes key=value and checks lr."""
    before = run_usage(BEFORE)
    after = run_usage(AFTER)
    assert [argv[2:] for argv in usage_commands(BEFORE)] == [
        argv[2:] for argv in usage_commands(AFTER)[:4]
    ]
    for old, new in zip(before[:3], after[:3], strict=True):
        assert old.returncode == new.returncode == 0, old.stderr + new.stderr
        assert new.stdout == old.stdout
    assert before[1].stdout == "epochs=3 batch_size=32 lr=0.01 optimizer=sgd amp=True\n"
    assert before[2].stdout == "epochs=5 batch_size=64 lr=0.001 optimizer=adam amp=False\n"
    assert before[3].returncode == after[3].returncode == 2
    assert "argument --epochs: invalid int value: 'three'" in before[3].stderr
    assert after[3].stderr == (
        "argv[0] '--epochs three': epochs: Input should be a valid integer, unable to parse "
        "string as an integer (got 'three')\n"
    )
    assert after[4].returncode == 0
    assert after[4].stdout == before[1].stdout
    assert after[5].returncode == 2
    assert after[5].stderr == "argv[0] '--lr=-1': lr: Input should be greater than 0 (got -1)\n"
    assert "Traceback" not in after[3].stderr + after[5].stderr
