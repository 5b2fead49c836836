"""The files under tests/typing/ type-check under mypy --strict and pyright (strict).

Those files pin, with ``assert_type``, what ``load``, ``compose``, ``flatten`` and
``@typedcfg.main`` return, and prove that a wrong attribute is an error: each deliberate mistake
carries an ignore comment that both checkers reject when it is not needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TYPING = REPO / "tests" / "typing"
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        list(args), cwd=REPO, capture_output=True, text=True, env=env, timeout=600, check=False
    )


@pytest.mark.slow
def test_mypy_strict_accepts_tests_typing() -> None:
    """mypy --strict finds no error in tests/typing (errors inside typedcfg are not its concern)."""
    result = _run(
        sys.executable,
        "-m",
        "mypy",
        "--strict",
        "--follow-imports=silent",
        "--cache-dir",
        os.devnull,
        str(TYPING),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found in 2 source files" in result.stdout


@pytest.mark.slow
def test_pyright_strict_accepts_tests_typing() -> None:
    """pyright (strict, unnecessary ignores are errors) finds no error in tests/typing."""
    result = _run(
        str(BIN / "pyright"),
        "-p",
        str(TYPING / "pyrightconfig.json"),
        "--pythonpath",
        sys.executable,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout
