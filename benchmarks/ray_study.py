"""A study on a local Ray cluster (issue 19): its wall time, and how many clusters it started.

A small program's study of 4 trials, 2 at a time (``--sweeper random --launcher ray``), run as
a user runs it, whole process; each trial prints two lines and returns at once, so the time is
the launcher's: starting (and stopping) Ray, and running two batches of tasks. Ray writes one
``session_*`` folder per cluster it starts under ``RAY_TMPDIR``, which the benchmark gives each
run, so the number of clusters is counted, not assumed. Each run is cross-checked: exit 0 and
4 finished trials.

``--against DIR`` runs the same study with another copy of the package (a folder holding
``typedcfg/``, e.g. ``git archive <commit> typedcfg | tar -x -C DIR``) in alternate rounds
(A B A B ...), so both see the same machine load::

    python benchmarks/ray_study.py --rounds 3 --against /tmp/old-typedcfg
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = """
from pydantic import BaseModel, Field

import typedcfg


class Config(BaseModel):
    lr: float = Field(0.1, gt=0)


@typedcfg.main(Config)
def train(cfg: Config) -> float:
    print(f"lr {cfg.lr:.4g} epoch 1", flush=True)
    print(f"lr {cfg.lr:.4g} epoch 2", flush=True)
    return (cfg.lr - 0.3) ** 2


if __name__ == "__main__":
    train()
"""
STUDY = ["lr=interval(0.01, 1)", "--sweeper", "random", "--seed", "0", "--trials", "4",
         "--jobs", "2", "--launcher", "ray", "--cpus-per-job", "1"]  # fmt: skip


def run_once(package: Path) -> tuple[float, int]:
    """Wall seconds of one study with the package in ``package``, and the clusters it started."""
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory(
        prefix="tc-ray-", dir="/tmp", ignore_cleanup_errors=True  # short: Ray's socket paths
    ) as ray_tmp:  # must stay under 108 bytes
        (Path(work) / "train.py").write_text(PROGRAM)
        env = dict(os.environ, PYTHONPATH=str(package), RAY_TMPDIR=ray_tmp,
                   RAY_AUTH_MODE="disabled", PYTHONDONTWRITEBYTECODE="1")  # fmt: skip
        env.pop("RAY_ADDRESS", None)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "train.py", "--multirun", *STUDY], cwd=work, env=env,
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        finished = sum(" trial " in line and " finished " in line
                       for line in done.stderr.splitlines())  # fmt: skip
        if done.returncode != 0 or finished != 4:
            raise SystemExit(f"the study did not end with 4 finished trials:\n{done.stderr}")
        sessions = Path(ray_tmp) / "ray"
        clusters = sum(p.name.startswith("session_2") for p in sessions.iterdir())
    return seconds, clusters


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another folder holding typedcfg/")
    args = parser.parse_args()
    packages = {"this tree": ROOT}
    if args.against is not None:
        packages[str(args.against)] = args.against.resolve()
    walls: dict[str, list[float]] = {name: [] for name in packages}
    clusters: dict[str, set[int]] = {name: set() for name in packages}
    for _ in range(args.rounds):
        for name, package in packages.items():
            seconds, started = run_once(package)
            walls[name].append(seconds)
            clusters[name].add(started)
    print("| typedcfg | Ray clusters started | wall, median (min-max) |")
    print("|---|---|---|")
    for name in packages:
        w = walls[name]
        shown = ", ".join(map(str, sorted(clusters[name])))
        print(f"| {name} | {shown} | {statistics.median(w):.1f} s ({min(w):.1f}-{max(w):.1f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
