"""Hostile inputs (issue 18): sweeps counted before they are built, a job's identity that a
command line cannot forge.

The programs are real scripts run in subprocesses, as a user runs them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import typedcfg
from typedcfg.sweeps.grammar import MAX_JOBS, expand

PROGRAM = """
from pydantic import BaseModel

import typedcfg


class Config(BaseModel):
    epochs: int = 1
    lr: float = 0.1


@typedcfg.main(Config)
def train(cfg: Config) -> int:
    print("ran", cfg.epochs, cfg.lr)
    return cfg.epochs


if __name__ == "__main__":
    train()
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(PROGRAM)
    return tmp_path


def run(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "train.py", *args], cwd=where, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def _no_values(token: str) -> list[str]:
    return []


# --- 5. sweep expansion ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["epochs=range(0,1000000000000)", "lr=range(0,1,1e-9)", "epochs=1,2,3"]
)
def test_sweep_over_the_cap_is_refused_before_jobs_are_built(token: str) -> None:
    """Counted, not built: a trillion-value range is refused at once, located at its token."""
    with pytest.raises(typedcfg.OverrideError) as info:
        expand(["x=1", token], _no_values, max_jobs=2)
    assert str(info.value).startswith(f"argv[1] '{token}': the sweep has ")
    assert "more than --max-jobs" in str(info.value)


def test_product_of_sweeps_counts_against_the_cap() -> None:
    tokens = ["epochs=range(0,100)", "lr=range(0,100)"]
    assert len(expand(tokens, _no_values, max_jobs=10_000)) == 10_000
    with pytest.raises(typedcfg.OverrideError, match=r"^argv\[1\] 'lr=range\(0,100\)': "):
        expand(tokens, _no_values, max_jobs=9_999)


def test_default_cap() -> None:
    with pytest.raises(typedcfg.OverrideError, match=f"more than --max-jobs \\({MAX_JOBS:,}\\)"):
        expand(["epochs=range(0,1000000000000)"], _no_values)


@pytest.mark.parametrize("token", ["epochs=range(0,10,0)", "lr=range(0,1,0.0)"])
def test_range_with_step_zero_is_located(token: str) -> None:
    with pytest.raises(typedcfg.OverrideError) as info:
        expand([token], _no_values)
    assert str(info.value) == f"argv[0] '{token}': range() step must not be zero"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--multirun", "epochs=range(0,1000000000000)"],
            "argv[1] 'epochs=range(0,1000000000000)': the sweep has ",
        ),
        (
            ["--multirun", "epochs=range(0,10,0)"],
            "argv[1] 'epochs=range(0,10,0)': range() step must not be zero",
        ),
        (
            ["--multirun", "--max-jobs", "2", "epochs=1,2,3"],
            "argv[3] 'epochs=1,2,3': the sweep has ",
        ),
        (
            ["--multirun", "--max-jobs", "0", "epochs=1,2"],
            "argv[1] '--max-jobs 0': expected a whole number >= 1",
        ),
    ],
)
def test_programs_exit_2_with_the_located_error(
    program: Path, args: list[str], expected: str
) -> None:
    result = run(program, *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(expected), result.stderr
    assert "Traceback" not in result.stderr


def test_max_jobs_allows_a_sweep_within_it(program: Path) -> None:
    result = run(program, "--multirun", "--max-jobs=3", "epochs=1,2,3", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("finished") == 3


# --- 16. the job flag --------------------------------------------------------------------------


def test_forged_job_flag_writes_nothing(program: Path) -> None:
    """The launcher's job identity is not read from argv: a forged flag is an unknown key, and
    the file it names is left alone."""
    victim = program / "victim.txt"
    victim.write_text("keep me\n")
    flag = "--typedcfg-job=" + json.dumps({"result": str(victim), "id": "x", "job": 0})
    result = run(program, flag)
    assert result.returncode == 2, result.stderr
    assert "unknown key 'typedcfg-job'" in result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text() == "keep me\n"


def test_job_flag_without_its_keys_is_no_traceback(program: Path) -> None:
    result = run(program, '--typedcfg-job={"result": "out.json"}')
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert not (program / "out.json").exists()


def test_forged_job_environment_writes_nothing(program: Path) -> None:
    """A job file that no launcher made (wrong place, or its result already exists) is refused."""
    import os

    victim = program / "victim.txt"
    victim.write_text("keep me\n")
    job = program / "job.json"
    job.write_text(json.dumps({"result": str(victim), "id": "x", "job": 0}))
    env = {**os.environ, "TYPEDCFG_SWEEP_JOB": str(job)}
    result = subprocess.run(
        [sys.executable, "train.py"], cwd=program, capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert victim.read_text() == "keep me\n"


def test_real_sweep_still_reports_each_job(program: Path) -> None:
    result = run(program, "--multirun", "epochs=1,2", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "[2/2]" in result.stderr
