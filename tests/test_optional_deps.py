"""An optional dependency that is not installed: a located error naming the command that installs
it, exit status 2, no traceback, and nothing run.

Each case runs a real program in a subprocess whose import of the dependency fails as it does
where the package is absent (``sys.modules[name] = None`` makes ``import name`` raise
``ImportError``), so the installed packages of the test environment stay as they are.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROGRAM = """
from pydantic import BaseModel, Field

import typedcfg


class Config(BaseModel):
    lr: float = Field(default=0.1, gt=0)


@typedcfg.main(Config, runs_dir="runs", project="toy")
def train(cfg: Config) -> float:
    open("ran", "a").close()
    return cfg.lr


if __name__ == "__main__":
    train()
"""

BLOCKED = """
import runpy
import sys

sys.modules[sys.argv[1]] = None  # what 'import' finds where the package is not installed
if sys.argv[2] == "-m":  # python -m typedcfg ...
    sys.argv = ["typedcfg", *sys.argv[4:]]
    runpy.run_module("typedcfg", run_name="__main__", alter_sys=True)
else:
    sys.argv = ["train.py", *sys.argv[2:]]
    runpy.run_path("train.py", run_name="__main__")
"""


def run_without(tmp_path: Path, module: str, *argv: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    (tmp_path / "blocked.py").write_text(textwrap.dedent(BLOCKED), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "blocked.py", module, *argv],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


CASES = [
    pytest.param(
        "optuna",
        ["--multirun", "lr=interval(0.001, 0.1)", "--sweeper", "optuna", "--trials", "2"],
        "argv[2] '--sweeper optuna': a TPESampler sweep runs on Optuna, which is not "
        "installed\n  hint: pip install 'typedcfg[optuna]'  (or: pip install optuna)\n",
        id="optuna-sampler",
    ),
    pytest.param(
        "optuna",
        ["--multirun", "lr=0.1,0.2", "--sweeper", "random", "--trials", "2"],
        "argv[2] '--sweeper random': a RandomSampler sweep runs on Optuna, which is not "
        "installed\n  hint: pip install 'typedcfg[optuna]'  (or: pip install optuna)\n",
        id="optuna-random",
    ),
    pytest.param(
        "ray",
        ["--multirun", "lr=0.1,0.2", "--launcher", "ray"],
        "argv '--launcher ray': --launcher ray needs Ray\n"
        "  hint: pip install 'typedcfg[ray]'  (or: pip install ray)\n",
        id="ray-launcher",
    ),
    pytest.param(
        "submitit",
        ["--multirun", "lr=0.1,0.2", "--launcher", "slurm"],
        "argv '--launcher slurm': --launcher slurm needs submitit\n"
        "  hint: pip install 'typedcfg[slurm]'  (or: pip install submitit)\n",
        id="slurm-launcher",
    ),
]


@pytest.mark.parametrize(("module", "argv", "expected"), CASES)
def test_a_missing_dependency_is_a_located_error(
    tmp_path: Path, module: str, argv: list[str], expected: str
) -> None:
    """The error is located at the flag that asked for the package, its hint installs it, the
    program exits 2 without a traceback, and no job runs."""
    done = run_without(tmp_path, module, *argv)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr.endswith(expected), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "ran").exists()


RUNS_CASES = [
    pytest.param(
        "plotly",
        ["runs", "report", "toy", "-o", "report.html"],
        "argv 'runs report': the report needs plotly, which is not installed\n"
        "  hint: pip install 'typedcfg[report]'\n",
        id="report-plotly",
    ),
    pytest.param(
        "wandb",
        ["runs", "push", "toy", "--to-wandb"],
        "argv '--to-wandb': wandb is not installed\n  hint: pip install 'typedcfg[wandb]'\n",
        id="push-wandb",
    ),
]


@pytest.mark.parametrize(("module", "argv", "expected"), RUNS_CASES)
def test_a_missing_dependency_of_a_runs_command(
    tmp_path: Path, module: str, argv: list[str], expected: str
) -> None:
    """The run store's commands say the same: located at the command, with its install."""
    recorded = run_without(tmp_path, "nothing-blocked", "lr=0.2")
    assert recorded.returncode == 0, recorded.stderr
    done = run_without(tmp_path, module, "-m", "typedcfg", *argv)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr == expected
    assert not (tmp_path / "report.html").exists()
