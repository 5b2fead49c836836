"""examples/09_sweep: the Usage commands run (local, Ray and Slurm sweeps, grouping, a bad one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from slurm_cluster import Cluster
from usage import usage_commands

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "09_sweep"

HEADER = "job  overrides                         status    result  duration"
ROWS = [
    ["0", "optim.lr=0.1", "data.batch_size=16", "finished", "0.8782"],
    ["1", "optim.lr=0.1", "data.batch_size=64", "finished", "1.3294"],
    ["2", "optim.lr=0.01", "data.batch_size=16", "finished", "1.8455"],
    ["3", "optim.lr=0.01", "data.batch_size=64", "finished", "1.9214"],
]


def test_example_09_usage_commands(tmp_path: Path, slurm: Cluster) -> None:
    """The three sweeps finish 4 jobs with the same losses; groups hold one run of each; bad: 2.

    The Slurm sweep runs on the test cluster (the ``slurm`` fixture sets ``SLURM_CONF``).
    """
    shutil.copy(EXAMPLE / "train.py", tmp_path / "train.py")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", RAY_AUTH_MODE="disabled")
    for name in ("TYPEDCFG_RUNS_DIR", "RAY_ADDRESS"):
        env.pop(name, None)
    done = []
    for argv in usage_commands(EXAMPLE / "train.py"):
        assert argv[0] == "python", argv
        done.append(
            subprocess.run(
                [sys.executable, *argv[1:]],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
            )
        )
    local, on_ray, on_slurm, grouped, bad = done
    for sweep in (local, on_ray, on_slurm):
        assert sweep.returncode == 0, sweep.stderr
        lines = sweep.stdout.splitlines()
        assert lines[0] == HEADER
        assert [line.split()[:5] for line in lines[1:]] == ROWS  # then the duration
    assert "4 jobs in local processes, 2 at a time" in local.stderr
    assert "4 jobs on ray (local cluster), 1 CPU + 0 GPU per job" in on_ray.stderr
    assert "4 jobs on Slurm (the default partition, 1 CPU, 60 min per job)" in on_slurm.stderr
    # The local sweep shows each job's epochs live, in order, the last one at the job's
    # result, and keeps them in logs/; the quiet Ray sweep shows no job line.
    sweep_id = local.stderr.split()[1].rstrip(":")
    for n, row in enumerate(ROWS):
        shown = [line for line in local.stderr.splitlines() if line.startswith(f"[{n}] ")]
        assert [line.split()[:3] for line in shown] == [
            [f"[{n}]", "epoch", str(epoch)] for epoch in range(4)
        ]
        assert shown[-1] == f"[{n}] epoch 3 loss {row[-1]}"
        log = (tmp_path / "logs" / f"{sweep_id}-{n}.log").read_text()
        assert log == "".join(line.removeprefix(f"[{n}] ") + "\n" for line in shown)
        assert (tmp_path / "runs" / "toy" / f"{sweep_id}-{n}" / "output.log").read_text() == log
    assert not [line for line in on_ray.stderr.splitlines() if line[:3] in ("[0]", "[1]")]
    ray_id = on_ray.stderr.split()[1].rstrip(":")
    ray_logs = [(tmp_path / "runs" / "toy" / f"{ray_id}-{n}" / "output.log") for n in range(4)]
    assert [p.read_text().count("\n") for p in ray_logs] == [4, 4, 4, 4]
    assert (grouped.returncode, grouped.stderr) == (0, "")
    assert grouped.stdout.splitlines() == [
        "optim.lr  data.batch_size  count  val_loss mean  std  min     max     n",
        "0.01      16               3      1.8455         0    1.8455  1.8455  3",
        "0.01      64               3      1.9214         0    1.9214  1.9214  3",
        "0.1       16               3      0.8782         0    0.8782  0.8782  3",
        "0.1       64               3      1.3294         0    1.3294  1.3294  3",
    ]
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "argv[1] 'optim.lr=-1': optim.lr: Input should be greater than 0 (got -1)",
        "  in job 2 of 4: optim.lr=-1 data.batch_size=16",
        "argv[1] 'optim.lr=-1': optim.lr: Input should be greater than 0 (got -1)",
        "  in job 3 of 4: optim.lr=-1 data.batch_size=64",
        "2 of 4 sweep combinations are invalid; no job ran",
    ]
    assert len(list((tmp_path / "runs" / "toy").iterdir())) == 12
