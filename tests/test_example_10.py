"""examples/10_from_hydra: the commands of its ``Usage:`` section run and print their output."""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "examples" / "10_from_hydra" / "walkthrough.py"
TREE = "tests/corpus/hydra-template/configs"


def usage_commands() -> list[list[str]]:
    """The commands listed under ``Usage:`` in the script's docstring."""
    doc = ast.get_docstring(ast.parse(SCRIPT.read_text(encoding="utf-8"))) or ""
    block = doc.split("Usage:", 1)[1]
    return [shlex.split(line) for line in block.strip().splitlines() if line.strip()]


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    assert command[0] == "python"
    env = {k: v for k, v in os.environ.items() if k not in ("COMET_API_TOKEN", "NEPTUNE_API_TOKEN")}
    return subprocess.run(
        [sys.executable, *command[1:]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_usage_lists_three_commands() -> None:
    """The docstring's Usage section holds the three commands tested below."""
    assert [c[2:] for c in usage_commands()] == [
        [],
        ["trainer=gpu", "model.optimizer.lr=0.01"],
        ["data.batch_size=0"],
    ]


def test_walkthrough_composes_explains_and_validates_every_option() -> None:
    """Plain run: the experiment's values with file:line:col, then every option checked."""
    result = run(usage_commands()[0])
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("composed train with experiment=example\n")
    assert "  trainer: cpu x1, 10 epochs; lr=0.002; batch_size=64\n" in out
    assert (
        f"  trainer.max_epochs = 10  <- {TREE}/experiment/example.yaml:21:15  "
        f"(overrode {TREE}/trainer/default.yaml:6:13)\n"
    ) in out
    assert (
        f"  model.optimizer.lr = 0.002  <- {TREE}/experiment/example.yaml:26:9  "
        f"(overrode {TREE}/model/mnist.yaml:6:7)\n"
    ) in out
    for line in [
        "experiment=example: ok",
        "debug=fdr: ok",
        "trainer=ddp: ok",
        "logger=many_loggers: ok",
        "hparams_search=mnist_optuna: ok",
    ]:
        assert f"  {line}\n" in out
    assert "  logger=comet: FAILED\n" in out
    assert (
        f"      {TREE}/logger/comet.yaml:5:12: logger.comet.api_key: cannot resolve interpolation"
    ) in out
    # The early_stopping option alone leaves `monitor: ???`: Hydra composes it and fails only
    # when instantiate reads the value; typedcfg reports it where the marker is written.
    assert "  callbacks=early_stopping: FAILED\n" in out
    assert (
        f"      {TREE}/callbacks/early_stopping.yaml:5:12: missing mandatory value: "
        "'callbacks.early_stopping.monitor' is still '???'\n"
    ) in out
    assert out.rstrip().endswith("28 of 31 options valid")
    assert result.stderr == ""


def test_walkthrough_with_overrides_names_argv() -> None:
    """Overrides win, and their provenance is the argv token that set them."""
    result = run(usage_commands()[1])
    assert result.returncode == 0, result.stderr
    assert "  trainer: gpu x1, 10 epochs; lr=0.01; batch_size=64\n" in result.stdout
    assert (
        "  model.optimizer.lr = 0.01  <- argv[1] 'model.optimizer.lr=0.01'  "
        f"(overrode {TREE}/model/mnist.yaml:6:7, {TREE}/experiment/example.yaml:26:9)\n"
    ) in result.stdout


def test_walkthrough_invalid_value_is_located() -> None:
    """A value the schema rejects: one located line on stderr, exit status 2."""
    result = run(usage_commands()[2])
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "argv[0] 'data.batch_size=0': data.batch_size: Input should be greater than 0 (got 0)\n"
    )
