"""examples/10_from_hydra: the ``Command line:`` section (infer, explain, check) runs as documented.

The ``Usage:`` section of the same script is run by ``tests/test_example_10.py``.
"""

from __future__ import annotations

import ast
import os
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "10_from_hydra"
TREE = "tests/corpus/hydra-template/configs"
TOKENS = ("PROJECT_ROOT", "COMET_API_TOKEN", "NEPTUNE_API_TOKEN")


def commands() -> list[list[str]]:
    """The commands under ``Command line:`` in the walkthrough's docstring (``\\`` joins lines)."""
    source = (EXAMPLE / "walkthrough.py").read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(source)) or ""
    block = doc.split("Command line:", 1)[1].split("\n\n", 1)[0]
    return [shlex.split(c) for c in block.replace("\\\n", " ").strip().splitlines()]


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert command[:3] == ["python", "-m", "typedcfg"]
    base = {k: v for k, v in os.environ.items() if k not in TOKENS}
    return subprocess.run(
        [sys.executable, *command[1:]],
        cwd=REPO,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_three_commands_infer_explain_check() -> None:
    """The section lists infer, explain and check --all-options, in that order."""
    assert [c[3] for c in commands()] == ["infer", "explain", "check"]
    assert "--all-options" in commands()[2]


def test_infer_prints_the_schema_kept_beside_the_example() -> None:
    """`train_schema.py` is exactly what infer prints (regenerate it when this fails)."""
    result = run(commands()[0])
    assert result.returncode == 0, result.stderr
    assert result.stdout == (EXAMPLE / "train_schema.py").read_text(encoding="utf-8")
    assert result.stderr.splitlines() == [
        f"note: {TREE}/logger/{name}.yaml:5:12: logger.{name}.api_key: left untyped (Any): "
        "cannot resolve interpolation: KeyError raised while resolving interpolation: "
        f"\"Environment variable '{name.upper()}_API_TOKEN' not found\""
        for name in ("comet", "neptune")
    ]


def test_explain_shows_every_value_with_its_file_and_line() -> None:
    """explain for experiment=example: each value with the file:line:col that set it."""
    result = run(commands()[1])
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert rows["trainer.max_epochs"].split(None, 2)[1:] == [
        "10",
        f"{TREE}/experiment/example.yaml:21:15  (overrode {TREE}/trainer/default.yaml:6:13)",
    ]
    assert rows["paths.output_dir"].endswith(
        "argv[2] 'paths.output_dir=outputs/walkthrough'  "
        f"(overrode {TREE}/paths/default.yaml:15:13)"
    )
    located = [r for r in rows.values() if f"{TREE}/" in r or "argv[" in r]
    # Keys no composition of experiment=example sets show the schema's None default.
    assert all(r.endswith("schema default") for r in rows.values() if r not in located)


EARLY_STOPPING = [
    f"{TREE}/callbacks/early_stopping.yaml:5:12: missing mandatory value: "
    "'callbacks.early_stopping.monitor' is still '???'",
    "  hint: give it a value, for example on the command line: "
    "callbacks.early_stopping.monitor=...",
    "  in: train callbacks=early_stopping",
]


def test_check_all_options_names_the_missing_tokens() -> None:
    """Without the API tokens, check fails on the two loggers that need one, and on the one
    option that leaves a mandatory value (``???``) unset."""
    result = run(commands()[2])
    assert result.returncode == 1
    assert result.stdout.splitlines() == EARLY_STOPPING + [
        line
        for name in ("comet", "neptune")
        for line in (
            f"{TREE}/logger/{name}.yaml:5:12: logger.{name}.api_key: cannot resolve "
            'interpolation: KeyError raised while resolving interpolation: "Environment '
            f"variable '{name.upper()}_API_TOKEN' not found\"",
            f"  in: train logger={name}",
        )
    ]
    assert result.stderr == "typedcfg check: 3 problems in 3 of 32 compositions of train\n"


def test_check_all_options_with_the_tokens_set_leaves_the_mandatory_value() -> None:
    """With the tokens in the environment only ``callbacks=early_stopping`` fails: alone it
    leaves ``monitor: ???``, which Hydra reports only when ``instantiate`` reads it."""
    result = run(commands()[2], {"COMET_API_TOKEN": "c", "NEPTUNE_API_TOKEN": "n"})
    assert (result.returncode, result.stdout.splitlines()) == (1, EARLY_STOPPING)
    assert result.stderr == "typedcfg check: 1 problem in 1 of 32 compositions of train\n"
