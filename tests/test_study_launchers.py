"""Optuna studies (``--sweeper``) on a real local Ray cluster and on the real test Slurm cluster.

A study runs ``--jobs N`` trials at a time, one batch of jobs per launch. On Ray the whole study
is one Ray session: the local cluster is started before the first batch and shut down after the
last (after SIGTERM too). Ray writes one ``session_*`` folder per cluster it starts, under
``RAY_TMPDIR``: the tests give each program a folder of its own and count them. On Slurm each
batch is one job array.

The Ray trials wait until the test has seen their first line on the program's stderr, so the
trials' output is shown while they run, not after.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from slurm_cluster import Cluster

PROGRAM = """
import math
import time
from pathlib import Path

from pydantic import BaseModel, Field

import typedcfg


class Config(BaseModel):
    lr: float = Field(0.01, gt=0)
    wait: bool = False


@typedcfg.main(Config, runs_dir="runs", project="study")
def train(cfg: Config) -> float:
    print(f"lr {cfg.lr!r} ready", flush=True)
    if cfg.wait:  # until the test has seen the line above on the sweep's console
        go = Path(f"go-{cfg.lr!r}")
        deadline = time.monotonic() + 90
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        print(f"lr {cfg.lr!r} went" if go.exists() else "never saw go", flush=True)
    return round((math.log10(cfg.lr) + 2) ** 2, 6)


if __name__ == "__main__":
    train()
"""
READY = re.compile(r"\[(\d+)\] lr (\S+) ready$")
TRIAL = re.compile(r"\[(\d+)/(\d+)\] trial (\d+) (\w+) in [\d.]+s \((.*)\)(?:: objective (.*))?$")


@pytest.fixture
def ray_tmp() -> Iterator[Path]:
    """A short folder for Ray's sessions (its socket paths must stay under 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="tc-ray-", dir="/tmp"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def env(ray_tmp: Path | None = None) -> dict[str, str]:
    """The test's environment, without a store root or a Ray address from outside."""
    found = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", RAY_AUTH_MODE="disabled")
    for name in ("TYPEDCFG_RUNS_DIR", "RAY_ADDRESS"):
        found.pop(name, None)
    if ray_tmp is not None:
        found["RAY_TMPDIR"] = str(ray_tmp)
    return found


def ray_sessions(ray_tmp: Path) -> list[str]:
    """The local Ray clusters started with this ``RAY_TMPDIR`` (one folder per cluster)."""
    folder = ray_tmp / "ray"
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("session_2"))


def ray_processes(ray_tmp: Path) -> list[str]:
    """The command lines of the processes still running for a cluster under ``ray_tmp``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        if str(ray_tmp) in line:
            found.append(line[:200])
    return found


def trials(stderr: str) -> dict[int, tuple[str, str, str]]:
    """``trial: (status, overrides, objective)`` of each progress line."""
    found = [TRIAL.match(line) for line in stderr.splitlines()]
    return {int(m[3]): (m[4], m[5], m[6] or "") for m in found if m}


def start(folder: Path, ray_tmp: Path, *args: str) -> subprocess.Popen[str]:
    (folder / "train.py").write_text(textwrap.dedent(PROGRAM))
    return subprocess.Popen(
        [sys.executable, "train.py", "--multirun", "wait=true", *args],
        cwd=folder, env=env(ray_tmp), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


RAY_STUDY = ("lr=tag(log, interval(0.0001, 1))", "--sweeper", "random", "--seed", "5",
             "--trials", "4", "--jobs", "2", "--study", "onray", "--launcher", "ray",
             "--cpus-per-job", "1")  # fmt: skip


def test_ray_study_runs_in_one_session_with_live_output(tmp_path: Path, ray_tmp: Path) -> None:
    """4 trials, 2 at a time, on a local Ray cluster started once: each trial's lines are live
    and prefixed, the study in SQLite holds the 4 trials, the summary names its best one."""
    process = start(tmp_path, ray_tmp, *RAY_STUDY)
    assert process.stderr is not None
    seen: list[str] = []
    for line in process.stderr:  # each trial waits for its go file: made once its line is seen
        seen.append(line.rstrip("\n"))
        ready = READY.match(seen[-1])
        if ready:
            (tmp_path / f"go-{ready[2]}").touch()
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, "\n".join(seen)
    err = "\n".join(seen)
    assert len(ray_sessions(ray_tmp)) == 1, err  # one cluster for the two batches
    sweep_id = seen[0].split()[1].rstrip(":")
    assert seen[0] == (
        f"sweep {sweep_id}: study onray (RandomSampler, minimize) in sqlite:///sweeps.db, "
        "4 trials, 2 at a time"
    )
    assert [line for line in seen if " trials run " in line] == [
        f"sweep {sweep_id}: trials run on ray (local cluster), 1 CPU + 0 GPU per job"
    ]
    ended = trials(err)
    assert sorted(ended) == [0, 1, 2, 3]
    for number, (status, overrides, _) in ended.items():
        assert status == "finished"
        lr = overrides.removeprefix("lr=")
        mine = [line for line in seen if line.startswith(f"[{number}] ")]
        assert mine == [f"[{number}] lr {lr} ready", f"[{number}] lr {lr} went"], err
        progress = next(i for i, line in enumerate(seen) if f" trial {number} finished" in line)
        assert seen.index(mine[-1]) < progress
    study = optuna.load_study(study_name="onray", storage=f"sqlite:///{tmp_path / 'sweeps.db'}")
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 4
    for trial in study.trials:
        status, overrides, objective = ended[trial.number]
        assert overrides == f"lr={trial.params['lr']!r}"
        assert float(objective) == pytest.approx(trial.value, rel=1e-5)
    best = study.best_trial
    assert best.value == min(t.value for t in study.trials)
    assert out.splitlines()[-1] == (
        f"best trial {best.number}: objective {best.value:.6g} (minimize) with "
        f"lr={best.params['lr']!r}"
    )
    assert len(list((tmp_path / "runs" / "study").iterdir())) == 4  # each trial recorded


def test_sigterm_mid_study_shuts_the_ray_session_down(tmp_path: Path, ray_tmp: Path) -> None:
    """SIGTERM while the second batch runs: its trials are stopped (asked again on resume),
    exit 130, and no process of the cluster the study started is left."""
    process = start(tmp_path, ray_tmp, *RAY_STUDY)
    assert process.stderr is not None
    seen: list[str] = []
    waiting: set[int] = set()
    for line in process.stderr:  # the first batch may end; the second one is stopped
        seen.append(line.rstrip("\n"))
        ready = READY.match(seen[-1])
        if ready and len(trials("\n".join(seen))) < 2:
            (tmp_path / f"go-{ready[2]}").touch()
        elif ready:
            waiting.add(int(ready[1]))
            if len(waiting) == 2:
                break
    assert len(waiting) == 2, "\n".join(seen)
    process.send_signal(signal.SIGTERM)
    out, tail = process.communicate(timeout=120)
    err = "\n".join(seen) + "\n" + tail
    assert process.returncode == 130, err
    numbers = sorted(waiting)
    assert (
        f"stopped before the end: trials {numbers[0]}, {numbers[1]}, asked again first on resume"
    ) in err
    assert "the same command resumes study onray in sqlite:///sweeps.db" in err
    assert len(ray_sessions(ray_tmp)) == 1
    deadline = time.monotonic() + 30
    while ray_processes(ray_tmp) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray_processes(ray_tmp) == []
    rows = out.splitlines()
    assert [row.split()[2] for row in rows[1:-1]] == ["finished", "finished"]  # the first batch
    assert rows[-1].startswith("best trial ")
    study = optuna.load_study(study_name="onray", storage=f"sqlite:///{tmp_path / 'sweeps.db'}")
    complete = optuna.trial.TrialState.COMPLETE
    assert sorted(t.number for t in study.trials if t.state == complete) == sorted(
        set(range(4)) - waiting
    )


def test_slurm_study_runs_each_batch_as_a_job_array(slurm: Cluster, tmp_path: Path) -> None:
    """3 trials, 2 at a time, on the test Slurm cluster: a job array of 2 tasks, then a single
    job, each trial's objective told to the study, the best one in the summary; nothing left
    queued."""
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM))
    done = subprocess.run(
        [sys.executable, "train.py", "--multirun", "lr=tag(log, interval(0.0001, 1))",
         "--sweeper", "optuna", "--seed", "2", "--trials", "3", "--jobs", "2",
         "--study", "onslurm", "--launcher", "slurm", "--cpus-per-job", "1", "--mem-gb", "0.25",
         "--timeout-min", "2"],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    err = done.stderr.splitlines()
    sweep_id = err[0].split()[1].rstrip(":")
    assert [line for line in err if " trials run " in line] == [
        f"sweep {sweep_id}: trials run on Slurm (the default partition, 1 CPU, 0.25 GB, "
        "2 min per job)"
    ]
    folder = tmp_path / ".submitit" / sweep_id
    submitted = [re.fullmatch(rf"sweep {sweep_id}: Slurm (job array|job) (\d+), logs in (\S+)",
                              line) for line in err]  # fmt: skip
    batches = [(m[1], m[2], m[3]) for m in submitted if m]
    assert [(what, where) for what, _, where in batches] == [
        ("job array", str(folder)), ("job", str(folder)),  # the last batch is a single job
    ], done.stderr  # fmt: skip
    study = optuna.load_study(
        study_name="onslurm", storage=f"sqlite:///{tmp_path / 'sweeps.db'}"
    )
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 3
    ended = trials(done.stderr)
    for trial in study.trials:
        lr = trial.params["lr"]
        # The objective is the function's return value, as the program computes it.
        assert trial.value == round((math.log10(lr) + 2) ** 2, 6)
        status, overrides, objective = ended[trial.number]
        assert (status, overrides) == ("finished", f"lr={lr!r}")
        assert float(objective) == pytest.approx(trial.value, rel=1e-5)
        assert f"[{trial.number}] lr {lr!r} ready" in err  # its output, from its node
    best = study.best_trial
    assert best.value == min(t.value for t in study.trials)
    assert done.stdout.splitlines()[-1] == (
        f"best trial {best.number}: objective {best.value:.6g} (minimize) with "
        f"lr={best.params['lr']!r}"
    )
    # Trials 0 and 1 ran as the array's tasks, trial 2 as the single job (the run store keeps
    # each trial's Slurm job id), and Slurm says each one completed.
    array_id, single_id = batches[0][1], batches[1][1]
    tasks = {0: f"{array_id}_0", 1: f"{array_id}_1", 2: single_id}
    for number, task in tasks.items():
        meta = json.loads((tmp_path / "runs" / "study" / f"{sweep_id}-{number}" / "meta.json")
                          .read_text())  # fmt: skip
        assert meta["sweep"]["slurm"] == {"job_id": task, "node": slurm.node}
        assert slurm.job_state(task)["JobState"] == "COMPLETED"
    deadline = time.monotonic() + 60
    while slurm.queue() and time.monotonic() < deadline:  # COMPLETING for a moment
        time.sleep(0.5)
    assert slurm.queue() == []
