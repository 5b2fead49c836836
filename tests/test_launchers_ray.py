"""The Ray launcher on a real local Ray cluster (2 CPUs, small sweeps, no dashboard).

One test runs a user's program with ``--launcher ray`` (the program starts and stops its own
local cluster); one joins a cluster the test started and checks it is left running. Studies on
Ray (one session for all their batches) are in test_study_launchers.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from typedcfg.sweeps.jobs import JobResult, JobSpec
from typedcfg.sweeps.launchers import run_ray
from typedcfg.sweeps.output import SweepOutput

PROGRAM = """
import os
import sys
import time
from pathlib import Path

from pydantic import BaseModel

import typedcfg


class Config(BaseModel):
    lr: float = 0.1
    width: int = 8
    wait: bool = False


@typedcfg.main(Config, runs_dir="runs")
def train(cfg: Config) -> dict:
    print(f"lr {cfg.lr} width {cfg.width}")
    print("on stderr", file=sys.stderr)
    if cfg.wait:  # until the launcher's console has shown the line: output must be live
        print(f"ready {cfg.lr}")
        deadline = time.monotonic() + 60
        while not Path(f"go-{cfg.lr}").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        print("went" if Path(f"go-{cfg.lr}").exists() else "never saw go")
    if cfg.lr == 0.5 and cfg.width == 16:
        raise RuntimeError("out of memory")
    return {"score": cfg.lr * cfg.width, "cpus": os.environ.get("OMP_NUM_THREADS")}


if __name__ == "__main__":
    train()
"""


def env() -> dict[str, str]:
    """The test's environment, without a store root or a Ray address from outside."""
    found = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", RAY_AUTH_MODE="disabled")
    for name in ("TYPEDCFG_RUNS_DIR", "RAY_ADDRESS"):
        found.pop(name, None)
    return found


def test_ray_sweep_runs_every_job_and_reports_the_failure(tmp_path: Path) -> None:
    """A 2x2 sweep on a local Ray cluster: 3 jobs finish, 1 fails; runs recorded; exit 1."""
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM))
    done = subprocess.run(
        [sys.executable, "train.py", "--multirun", "lr=0.1,0.5", "width=8,16",
         "--launcher", "ray", "--cpus-per-job", "1"],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    rows = [line.split()[:4] for line in done.stdout.splitlines()]
    assert rows == [
        ["job", "overrides", "status", "result"],
        ["0", "lr=0.1", "width=8", "finished"],
        ["1", "lr=0.1", "width=16", "finished"],
        ["2", "lr=0.5", "width=8", "finished"],
        ["3", "lr=0.5", "width=16", "failed"],
    ]
    table = done.stdout.splitlines()
    # Ray sets OMP_NUM_THREADS to the CPUs reserved for the task; the job's process inherits it.
    assert '{"score": 0.8, "cpus": "1"}' in table[1]
    assert "RuntimeError: out of memory" in table[4]
    sweep_id = done.stderr.split()[1].rstrip(":")
    assert done.stderr.splitlines()[0] == (
        f"sweep {sweep_id}: 4 jobs on ray (local cluster), 1 CPU + 0 GPU per job"
    )
    root = tmp_path / "runs" / "train"
    states = {p.name: json.loads((p / "meta.json").read_text())["status"] for p in root.iterdir()}
    assert states == {
        f"{sweep_id}-0": "finished",
        f"{sweep_id}-1": "finished",
        f"{sweep_id}-2": "finished",
        f"{sweep_id}-3": "failed",
    }
    # Each job's lines reach the driver's stderr, prefixed, in the order the job wrote them,
    # and are kept in the run's output.log.
    stderr = done.stderr.splitlines()
    for n, (lr, width) in enumerate([(0.1, 8), (0.1, 16), (0.5, 8), (0.5, 16)]):
        mine = [line for line in stderr if line.startswith(f"[{n}] ")]
        assert mine[:2] == [f"[{n}] lr {lr} width {width}", f"[{n}] on stderr"]
        log = (root / f"{sweep_id}-{n}" / "output.log").read_text().splitlines()
        assert [f"[{n}] {line}" for line in log] == mine
    assert stderr[-1] == "RuntimeError: out of memory"  # the failed job's tail, after the table


@pytest.fixture
def cluster() -> Iterator[None]:
    """A local Ray cluster the test owns (the launcher must join it and leave it running)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def test_joined_cluster_is_left_running(cluster: None, tmp_path: Path) -> None:
    """run_ray uses an initialized Ray, runs the jobs as tasks, and does not shut it down."""
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM))
    specs = [
        JobSpec(n, f"lr={lr}", (sys.executable, "train.py"), (f"lr={lr}", "wait=true"),
                str(tmp_path),
                {"id": "joined", "job": n, "jobs": 2, "params": {"lr": str(lr)}})
        for n, lr in enumerate((0.25, 0.5))
    ]  # fmt: skip
    seen: list[JobResult] = []
    console = Console(tmp_path)
    outcome = run_ray(
        specs, address=None, cpus_per_job=1, gpus_per_job=0, report=seen.append,
        output=SweepOutput(console, sweep_id="joined", quiet=False),
    )  # fmt: skip
    assert ray.is_initialized()
    assert sorted(r.index for r in seen) == [0, 1]
    assert [(r.index, r.status, r.value) for r in outcome.results] == [
        (0, "finished", {"score": 2.0, "cpus": "1"}),
        (1, "finished", {"score": 4.0, "cpus": "1"}),
    ]
    assert outcome.interrupted is False
    assert [r.run for r in outcome.results] == [
        str(tmp_path / "runs" / "train" / "joined-0"),
        str(tmp_path / "runs" / "train" / "joined-1"),
    ]
    # Each job waited until its 'ready' line had reached this console: the output is live.
    for n, lr in enumerate((0.25, 0.5)):
        assert [line for line in console.lines if line.startswith(f"[{n}] ")] == [
            f"[{n}] lr {lr} width 8", f"[{n}] on stderr", f"[{n}] ready {lr}", f"[{n}] went",
        ]  # fmt: skip
    assert [r.log for r in outcome.results] == [
        str(tmp_path / "runs" / "train" / f"joined-{n}" / "output.log") for n in (0, 1)
    ]


class Console:
    """Keeps the lines written; creates ``go-LR`` when a job says ``ready LR``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        self.lines.append(text.removesuffix("\n"))
        words = text.split()
        if len(words) == 3 and words[1] == "ready":
            (self.folder / f"go-{words[2]}").touch()


def test_local_cluster_too_small_for_one_job(tmp_path: Path) -> None:
    """Asking each job for a GPU on a machine without one fails at once, not after a hang."""
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM))
    done = subprocess.run(
        [sys.executable, "train.py", "-m", "lr=0.1,0.2", "--launcher", "ray",
         "--gpus-per-job", "1"],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines()[-2:] == [
        "argv '--gpus-per-job 1': each job asks for 1 GPU, and this machine's Ray cluster has 0: "
        "no job could ever start",
        "  hint: lower --gpus-per-job, or join a cluster that has them with --ray-address",
    ]
    assert not (tmp_path / "runs").exists()


SLOW = """
import time
from pathlib import Path

from pydantic import BaseModel

import typedcfg


class Config(BaseModel):
    sleep: float = 0


@typedcfg.main(Config, runs_dir="runs")
def slow(cfg: Config) -> float:
    Path(f"started-{cfg.sleep}").touch()
    time.sleep(cfg.sleep)
    return cfg.sleep


if __name__ == "__main__":
    slow()
"""


def default_sigint() -> None:
    """In the child: Ctrl-C raises KeyboardInterrupt even when this test runs with SIGINT
    ignored or blocked (as a shell's background job or some CI runners start it); both are
    inherited, and the program under test must see the SIGINT the test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
def test_ctrl_c_interrupts_ray_jobs(tmp_path: Path, signum: signal.Signals) -> None:
    """SIGINT or SIGTERM to a Ray sweep: running tasks stop their jobs (recorded failed),
    pending ones never start, the finished one stays, the cluster is shut down, exit 130.

    SIGTERM stops a sweep as Ctrl-C does, although ``ray.init`` sets a SIGTERM handler of its
    own (which would end the program with status 1 and the jobs unrecorded)."""
    (tmp_path / "slow.py").write_text(textwrap.dedent(SLOW))
    process = subprocess.Popen(
        [sys.executable, "slow.py", "-m", "sleep=0,60,61,62", "--launcher", "ray"],
        cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    both = [tmp_path / "started-60.0", tmp_path / "started-61.0"]
    while not all(p.exists() for p in both) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(p.exists() for p in both)
    process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert [line.split()[:4] for line in out.splitlines()] == [
        ["job", "overrides", "status", "result"],
        ["0", "sleep=0", "finished", "0.0"],
        ["1", "sleep=60", "interrupted", "KeyboardInterrupt"],
        ["2", "sleep=61", "interrupted", "KeyboardInterrupt"],
        ["3", "sleep=62", "cancelled", "-"],
    ], (out, err)
    root = tmp_path / "runs" / "slow"
    states = sorted(
        (json.loads((p / "meta.json").read_text())["sweep"]["job"],
         json.loads((p / "meta.json").read_text())["status"])
        for p in root.iterdir()
    )  # fmt: skip
    assert states == [(0, "finished"), (1, "failed"), (2, "failed")], (out, err)
    assert not (tmp_path / "started-62.0").exists()


def test_unreachable_ray_address_fails_fast(tmp_path: Path) -> None:
    """A --ray-address where nothing listens is an error at once (Ray would retry for minutes)."""
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM))
    done = subprocess.run(
        [sys.executable, "train.py", "-m", "lr=0.1,0.2", "--launcher", "ray",
         "--ray-address", "127.0.0.1:1"],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines()[1:] == [
        "argv '--ray-address 127.0.0.1:1': cannot reach the Ray cluster at 127.0.0.1:1: "
        "Connection refused",
        "  hint: start it with 'ray start --head', or leave out --ray-address for a local one",
    ]
