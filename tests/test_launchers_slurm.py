"""The Slurm launcher (``--launcher slurm``) on the real one-node cluster of slurm_cluster.py.

Slurm's time limits count in minutes, so the over-time job runs in the same sweep as the others
(``--timeout-min 1``): one sweep of four jobs has two that finish, one that fails and one that
Slurm ends at its limit. Another sweep is cancelled (SIGTERM to the launcher) while its first job
runs; nothing of it is left in ``squeue``. A job of a higher-priority partition preempts one.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from slurm_cluster import Cluster

from typedcfg.errors import OverrideError
from typedcfg.sweeps.grammar import take_sweep_flags
from typedcfg.sweeps.slurm import describe, sbatch_parameters

PROGRAM = """
import time

from pydantic import BaseModel

import typedcfg


class Config(BaseModel):
    lr: float = 0.1
    width: int = 8
    sleep: float = 0.0


@typedcfg.main(Config, runs_dir="runs")
def train(cfg: Config) -> dict:
    print(f"training lr={cfg.lr} width={cfg.width}", flush=True)
    if cfg.lr == 0.5 and cfg.width == 16:
        raise RuntimeError("loss is nan")
    if cfg.lr == 0.1 and cfg.width == 16:
        time.sleep(600)  # far past --timeout-min 1: Slurm ends it
    time.sleep(cfg.sleep)
    return {"score": cfg.lr * cfg.width}


if __name__ == "__main__":
    train()
"""


def env() -> dict[str, str]:
    """The test's environment (with SLURM_CONF from the fixture), without a store root."""
    found = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    found.pop("TYPEDCFG_RUNS_DIR", None)
    return found


def write_program(folder: Path) -> Path:
    path = folder / "train.py"
    path.write_text(textwrap.dedent(PROGRAM))
    return path


def wait_for_empty_queue(cluster: Cluster, timeout: float = 60) -> list[str]:
    """``squeue`` (pending, running, completing jobs) once it is empty, or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        active = cluster.queue()
        if not active or time.monotonic() > deadline:
            return active
        time.sleep(0.5)


def meta_files(folder: Path) -> dict[int, dict[str, object]]:
    found: dict[int, dict[str, object]] = {}
    for path in (folder / "runs").rglob("meta.json"):
        meta = json.loads(path.read_text())
        found[int(meta["sweep"]["job"])] = meta
    return found


def test_slurm_sweep_with_a_failure_and_a_time_out(slurm: Cluster, tmp_path: Path) -> None:
    """Four jobs as one array: two finish, one fails, Slurm ends one at its limit; exit 1."""
    program = write_program(tmp_path)
    done = subprocess.run(
        [sys.executable, str(program), "--multirun", "--launcher", "slurm", "lr=0.1,0.5",
         "width=8,16", "--timeout-min", "1", "--cpus-per-job", "1", "--mem-gb", "0.25",
         "--slurm", "comment=typedcfg-test"],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    array = re.search(r"Slurm job array (\d+), logs in (\S+)", done.stderr)
    assert array is not None, done.stderr
    array_id = array.group(1)
    assert "4 jobs on Slurm (the default partition, 1 CPU, 0.25 GB, 1 min per job)" in done.stderr
    # Live output from the tasks' submitit logs, one prefix per job.
    for index, (lr, width) in enumerate([(0.1, 8), (0.1, 16), (0.5, 8), (0.5, 16)]):
        assert f"[{index}] training lr={lr} width={width}\n" in done.stderr
    assert "RuntimeError: loss is nan" in done.stderr
    rows = {int(line.split()[0]): line for line in done.stdout.splitlines()[1:]}
    assert sorted(rows) == [0, 1, 2, 3]
    assert re.match(r"0\s+lr=0.1 width=8\s+finished\s+\{\"score\": 0.8\}", rows[0])
    assert re.match(r"2\s+lr=0.5 width=8\s+finished\s+\{\"score\": 4.0\}", rows[2])
    assert re.match(r"3\s+lr=0.5 width=16\s+failed\s+RuntimeError: loss is nan", rows[3])
    assert re.match(r"1\s+lr=0.1 width=16\s+failed\s+ended by Slurm: TIMEOUT", rows[1])
    assert "job 1 failed in" in done.stderr
    assert "ended by Slurm: TIMEOUT (TimeLimit: --timeout-min 1)" in done.stderr
    # The run store has each job's Slurm job id and node.
    metas = meta_files(tmp_path)
    assert sorted(metas) == [0, 1, 2, 3]
    for index, meta in metas.items():
        sweep = meta["sweep"]
        assert isinstance(sweep, dict)
        assert sweep["slurm"] == {"job_id": f"{array_id}_{index}", "node": slurm.node}
    assert [metas[i]["status"] for i in range(4)] == ["finished", "failed", "finished", "failed"]
    for index in (0, 2, 3):
        run_dir = next((tmp_path / "runs").rglob(f"*-{index}/output.log")).parent
        assert "training lr=" in (run_dir / "output.log").read_text()
    # Slurm's own view agrees, and nothing of the sweep is left running.
    assert slurm.job_state(f"{array_id}_1")["JobState"] == "TIMEOUT"
    assert slurm.job_state(f"{array_id}_3")["JobState"] == "COMPLETED"  # the job's error is data
    assert wait_for_empty_queue(slurm) == []


def test_slurm_sweep_cancelled_mid_way_leaves_nothing_in_squeue(
    slurm: Cluster, tmp_path: Path
) -> None:
    """SIGTERM to the launcher while job 0 runs and 1-3 wait: scancel, said so, exit 130."""
    program = write_program(tmp_path)
    process = subprocess.Popen(
        [sys.executable, str(program), "--multirun", "--launcher", "slurm", "lr=0.2",
         "width=1,2,3,4", "sleep=300", "--slurm-array-parallelism", "1", "--timeout-min", "5"],
        cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    seen = ""
    for line in process.stderr:  # until job 0 prints from its node
        seen += line
        if line.startswith("[0] training"):
            break
    array = re.search(r"Slurm job array (\d+)", seen)
    assert array is not None, seen
    array_id = array.group(1)
    assert slurm.job_state(f"{array_id}_0")["JobState"] == "RUNNING"
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    err = seen + err
    assert process.returncode == 130, err
    assert f"cancelling Slurm job array {array_id} (scancel {array_id})" in err
    rows = {int(line.split()[0]): line.split()[2] for line in out.splitlines()[1:]}
    assert rows == {0: "interrupted", 1: "cancelled", 2: "cancelled", 3: "cancelled"}
    assert wait_for_empty_queue(slurm) == []
    states = {slurm.job_state(f"{array_id}_{i}").get("JobState") for i in range(4)}
    assert states == {"CANCELLED"}
    assert (meta_files(tmp_path)[0]["status"]) == "failed"  # recorded its interruption


def test_preempted_job_is_reported_with_slurms_state(slurm: Cluster, tmp_path: Path) -> None:
    """A job of the "urgent" partition takes the node: the sweep's running job is preempted."""
    program = write_program(tmp_path)
    process = subprocess.Popen(
        [sys.executable, str(program), "--multirun", "--launcher", "slurm", "lr=0.2", "width=1",
         "sleep=300,0", "--cpus-per-job", "2", "--timeout-min", "5"],
        cwd=tmp_path, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    seen = ""
    for line in process.stderr:  # until job 0 runs, on both of the node's CPUs
        seen += line
        if line.startswith("[0] training"):
            break
    urgent = slurm.run("sbatch", "--parsable", "-p", "urgent", "-c", "2", "-o", "/dev/null",
                       "--wrap", "sleep 1")  # fmt: skip
    out, err = process.communicate(timeout=120)
    err = seen + err
    assert process.returncode == 1, err
    rows = out.splitlines()[1:]
    assert re.match(r"0\s+sleep=300\s+failed\s+ended by Slurm: PREEMPTED\s", rows[0]), out
    assert re.match(r"1\s+sleep=0\s+finished\s", rows[1]), out
    assert "job 0 failed in" in err and "ended by Slurm: PREEMPTED" in err
    assert slurm.job_state(urgent.strip())["JobState"] == "COMPLETED"
    assert meta_files(tmp_path)[0]["status"] == "failed"  # it recorded how it ended
    assert wait_for_empty_queue(slurm) == []


def test_sbatch_refusal_is_a_located_error(slurm: Cluster, tmp_path: Path) -> None:
    """A partition the cluster does not have: sbatch's message, exit 2, nothing submitted."""
    program = write_program(tmp_path)
    before = slurm.queue()
    done = subprocess.run(
        [sys.executable, str(program), "--multirun", "--launcher", "slurm", "lr=0.1,0.2",
         "--partition", "nosuch"],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.endswith(
        "argv '--launcher slurm': sbatch refused the job array: invalid partition specified: "
        "nosuch; Batch job submission failed: Invalid partition name specified\n"
    )
    assert done.stderr.count("invalid partition specified") == 1  # not sbatch's lines as well
    assert "Traceback" not in done.stderr
    assert slurm.queue() == before


def test_slurm_flags_map_to_sbatch_parameters() -> None:
    """Every flag of the issue, as submitit's SlurmExecutor parameters (sbatch options)."""
    flags = take_sweep_flags(
        ["-m", "--launcher", "slurm", "lr=1,2", "--partition", "gpu", "--timeout-min=90",
         "--gpus-per-job", "1", "--cpus-per-job", "4", "--mem-gb", "16",
         "--slurm-array-parallelism", "2", "--slurm", "constraint=a100", "--slurm=qos=high"]
    )  # fmt: skip
    assert (flags.tokens, flags.positions) == (("lr=1,2",), (3,))
    assert sbatch_parameters(flags.options, 4, "typedcfg-x") == {
        "job_name": "typedcfg-x", "time": 90, "cpus_per_task": 4, "array_parallelism": 2,
        "stderr_to_stdout": True, "additional_parameters": {"constraint": "a100", "qos": "high"},
        "partition": "gpu", "gpus_per_node": 1, "mem": "16384MB",
    }  # fmt: skip
    assert describe(flags.options, 4) == (
        "4 jobs on Slurm (partition gpu, 4 CPUs, 1 GPU, 16 GB, 90 min per job)"
    )
    # Defaults: Hydra's timeout_min (60), the whole array at once unless --jobs says otherwise.
    plain = take_sweep_flags(["-m", "--launcher", "slurm", "--jobs", "3"]).options
    assert sbatch_parameters(plain, 8, "n") == {
        "job_name": "n", "time": 60, "cpus_per_task": 1, "array_parallelism": 3,
        "stderr_to_stdout": True, "additional_parameters": {},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-m", "--partition", "gpu"],
         "argv[1] '--partition gpu': --partition is a flag of the Slurm launcher\n"
         "  hint: add --launcher slurm"),
        (["-m", "--launcher", "ray", "--slurm=a=b"],
         "argv[3] '--slurm=a=b': --slurm is a flag of the Slurm launcher\n"
         "  hint: add --launcher slurm"),
        (["-m", "--launcher", "slurm", "--slurm", "a100"],
         "argv[3] '--slurm a100': expected --slurm KEY=VALUE with an sbatch option as KEY, "
         "got 'a100'\n  hint: for example --slurm constraint=a100 or --slurm qos=high"),
        (["-m", "--launcher", "slurm", "--timeout-min", "0"],
         "argv[3] '--timeout-min 0': expected a whole number >= 1, got '0'"),
        (["-m", "--launcher", "slurm", "--mem-gb", "lots"],
         "argv[3] '--mem-gb lots': expected a number >= 0, got 'lots'"),
        (["-m", "--launcher", "slurm", "--slurm-array-parallelism"],
         "argv[3] '--slurm-array-parallelism': --slurm-array-parallelism needs a value"),
    ],
)  # fmt: skip
def test_bad_slurm_flags_are_located_errors(argv: list[str], message: str) -> None:
    with pytest.raises(OverrideError) as caught:
        take_sweep_flags(argv)
    assert caught.value.render() == message


def test_squeue_fields_are_read() -> None:
    """squeue's elapsed times, and how a job Slurm ended is described."""
    from typedcfg.sweeps.slurm_queue import SlurmState, seconds

    assert [seconds(t) for t in ("0:05", "1:02", "1:02:03", "2-01:02:03", "INVALID")] == [
        5.0, 62.0, 3723.0, 176523.0, 0.0
    ]  # fmt: skip
    options = take_sweep_flags(["-m", "--launcher", "slurm", "--timeout-min", "5"]).options
    described = [
        SlurmState(state, reason, "n1", 1.0).describe(options)
        for state, reason in [("TIMEOUT", "TimeLimit"), ("OUT_OF_MEMORY", "None"),
                              ("PREEMPTED", ""), ("NODE_FAIL", "NodeDown")]
    ]  # fmt: skip
    assert described == [
        "ended by Slurm: TIMEOUT (TimeLimit: --timeout-min 5)",
        "ended by Slurm: OUT_OF_MEMORY",
        "ended by Slurm: PREEMPTED",
        "ended by Slurm: NODE_FAIL (NodeDown)",
    ]
