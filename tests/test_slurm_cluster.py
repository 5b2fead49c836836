"""The test cluster itself (tests/slurm_cluster.py), driven by submitit with no typedcfg code.

One test submits everything at once, since Slurm's time limits count in minutes: a job that runs
past its one-minute limit, a job array, a failing job and a job that is cancelled while it runs.
"""

from __future__ import annotations

import time
from pathlib import Path

import submitit
from slurm_cluster import Cluster


def square(x: int) -> int:
    return x * x


def boom() -> None:
    raise ValueError("failing on purpose")


def sleep(seconds: float) -> str:
    import signal

    # submitit turns the USR2 Slurm sends before the time limit into an error; ignore it so
    # that Slurm's own time limit ends the job.
    signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    time.sleep(seconds)
    return "woke up"


def wait_until(cluster: Cluster, job_id: str, states: set[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        state = cluster.job_state(job_id)
        if state.get("JobState") in states or time.monotonic() > deadline:
            return state
        time.sleep(0.5)


def test_slurm_runs_arrays_failures_time_limits_and_cancellations(
    slurm: Cluster, tmp_path: Path
) -> None:
    executor = submitit.SlurmExecutor(folder=tmp_path / "%j")
    # The jobs unpickle this module's functions: they import it from the tests folder.
    here = Path(__file__).parent
    executor.update_parameters(
        time=1, cpus_per_task=1, mem="100MB", setup=[f"export PYTHONPATH={here}:$PYTHONPATH"]
    )
    late = executor.submit(sleep, 300)  # first: its minute starts now
    array = executor.map_array(square, [1, 2, 3])
    failing = executor.submit(boom)
    cancelled = executor.submit(sleep, 300)

    # One array: three tasks of one Slurm job, each on this machine's node.
    assert len({job.job_id.split("_")[0] for job in array}) == 1
    assert [job.result() for job in array] == [1, 4, 9]
    assert {slurm.job_state(job.job_id)["NodeList"] for job in array} == {slurm.node}
    try:
        failing.result()
    except submitit.core.utils.FailedJobError as exc:
        assert "ValueError: failing on purpose" in str(exc)
    else:
        raise AssertionError("the failing job gave a result")
    assert wait_until(slurm, failing.job_id, {"FAILED"}, 30)["Reason"] == "NonZeroExitCode"

    assert wait_until(slurm, cancelled.job_id, {"RUNNING"}, 60)["JobState"] == "RUNNING"
    cancelled.cancel()
    assert wait_until(slurm, cancelled.job_id, {"CANCELLED"}, 60)["JobState"] == "CANCELLED"

    state = wait_until(slurm, late.job_id, {"TIMEOUT"}, 150)
    assert (state["JobState"], state["Reason"], state["TimeLimit"]) == (
        "TIMEOUT", "TimeLimit", "00:01:00"
    )  # fmt: skip
    assert not late.paths.result_pickle.exists()
    deadline = time.monotonic() + 60
    while slurm.queue() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert slurm.queue() == []
