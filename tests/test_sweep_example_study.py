"""examples/09_sweep/study.py: the Usage commands run (a study, its resumption, a bad space)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from usage import usage_commands

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "09_sweep"
TRIAL = re.compile(r"\[(\d+)/8\] trial (\d+) finished in [\d.]+s \((.*)\): objective (.*)$")


def test_example_09_study_usage_commands(tmp_path: Path) -> None:
    """6 trials, then 2 more of the same study; Optuna reads 8 back; the bad space exits 2."""
    for name in ("train.py", "study.py"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("TYPEDCFG_RUNS_DIR", None)
    done = []
    for argv in usage_commands(EXAMPLE / "study.py"):
        assert argv[0] == "python", argv
        done.append(
            subprocess.run(
                [sys.executable, *argv[1:]],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
        )
    first, resumed, read, bad = done
    assert first.returncode == 0, first.stderr
    assert resumed.returncode == 0, resumed.stderr
    assert "8 trials, 1 at a time, resuming after 6 ended trials" in resumed.stderr
    again = [TRIAL.match(line) for line in resumed.stderr.splitlines()]
    assert sorted(int(m[2]) for m in again if m) == [6, 7]
    assert read.returncode == 0, read.stderr
    rows = read.stdout.splitlines()
    assert len(rows) == 9 and all("COMPLETE" in row for row in rows[:8])
    best = resumed.stdout.splitlines()[-1]
    number = int(best.split()[2].rstrip(":"))
    assert rows[-1] == f"best: trial {number}, loss {best.split()[4]}"
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "argv[1] 'optim.lr=interval(-1,1)': optim.lr: Input should be greater than 0 (got -1.0): "
        "the lower bound of interval(-1,1)",
        "1 problem in the search space; no trial ran",
    ]
    assert len(list((tmp_path / "runs" / "toy").iterdir())) == 8
