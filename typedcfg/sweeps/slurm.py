"""The Slurm launcher: the jobs of a sweep as one Slurm job array, submitted with submitit.

Imported only for ``--launcher slurm``; submitit is imported inside :func:`run_slurm`. It never
prints: progress goes to ``report``, notices to ``announce``, and each task's new log bytes to
its job's :class:`~typedcfg.sweeps.output.JobOutput` (the sweep's ``output``).

Each array task runs :func:`slurm_job` on its node: the job's process is started there as for a
local job (:func:`run_job`), with its output copied, as it comes, into the task's submitit log
(``<folder>/<array>_<task>_0_log.out``), which the launcher follows. The task's Slurm job id and
node go into the job's job file, so the run store keeps them as
``meta.sweep.slurm``.

How a job ended comes from its result file (written by submitit) and Slurm's own state: a job
that Slurm ended (time limit, out of memory, preemption, a lost node, ``scancel``) is failed with
Slurm's state and reason. Slurm clusters without accounting have no ``sacct``, so the states are
read with ``squeue --states=all`` while Slurm still knows the job (``MinJobAge``, 300 s by
default, after it ends).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import require_module
from ..provenance import Origin, SourceKind
from .jobs import JobResult, JobSpec, LauncherError, Outcome, SweepOptions, run_job
from .output import JobOutput, SweepOutput
from .slurm_queue import ACTIVE, SlurmState, queue_states

__all__ = ["describe", "run_slurm", "sbatch_parameters", "slurm_job"]

_POLL = 1.0
"""Seconds between two looks at the queue and the log files."""

_SETTLE = 60.0
"""Seconds a job with a result may stay active in Slurm before its result is taken as it is."""

_SUBMITIT_LINE = (
    b"submitit INFO (",
    b"submitit WARNING (",
    b"submitit ERROR (",
    b"submitit DEBUG (",
)


def describe(options: SweepOptions, jobs: int) -> str:
    """``4 jobs on Slurm (partition gpu, 4 CPUs, 1 GPU, 16 GB, 60 min per job)``."""
    cpus = max(1, math.ceil(options.cpus_per_job))
    parts = [
        f"partition {options.partition}" if options.partition else "the default partition",
        f"{cpus} CPU" + ("s" if cpus > 1 else ""),
    ]
    if options.gpus_per_job:
        parts.append(f"{math.ceil(options.gpus_per_job)} GPU")
    if options.mem_gb is not None:
        parts.append(f"{options.mem_gb:g} GB")
    parts.append(f"{options.timeout_min} min per job")
    return f"{jobs} jobs on Slurm ({', '.join(parts)})"


def _megabytes(gb: float) -> int:
    return round(gb * 1024)


def sbatch_parameters(options: SweepOptions, jobs: int, name: str) -> dict[str, Any]:
    """The ``SlurmExecutor.update_parameters`` keywords for the sweep's options."""
    params: dict[str, Any] = {
        "job_name": name,
        "time": options.timeout_min,
        "cpus_per_task": max(1, math.ceil(options.cpus_per_job)),
        "array_parallelism": options.array_parallelism or options.jobs or jobs,
        "stderr_to_stdout": True,
        "additional_parameters": dict(options.slurm),
    }
    if options.partition is not None:
        params["partition"] = options.partition
    if options.gpus_per_job:
        params["gpus_per_node"] = math.ceil(options.gpus_per_job)
    if options.mem_gb is not None:
        params["mem"] = f"{_megabytes(options.mem_gb)}MB"
    return params


# --- the task's side (on the node) -----------------------------------------------------------


def slurm_job(spec: JobSpec) -> JobResult:
    """Run one job inside its Slurm array task; its output goes to the task's stdout as it comes.

    Slurm sends SIGTERM at the time limit, on ``scancel`` and on preemption, to every process of
    the task: the job's process records itself as interrupted (``@typedcfg.main`` treats SIGTERM
    as Ctrl-C in a job) and this function returns what it recorded. submitit's SIGUSR2 (sent
    ahead of the time limit to checkpoint and requeue) is ignored, by the job's process too:
    the job runs until Slurm's limit, and Slurm reports the time-out.
    """
    import signal
    import sys

    signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    env = os.environ
    array, task = env.get("SLURM_ARRAY_JOB_ID"), env.get("SLURM_ARRAY_TASK_ID")
    job_id = f"{array}_{task}" if array and task else env.get("SLURM_JOB_ID", "")
    slurm = {"job_id": job_id, "node": env.get("SLURMD_NODENAME", "")}
    spec = dataclasses.replace(spec, info={**spec.info, "slurm": slurm})
    log = sys.stdout.buffer  # the task's submitit log, which the launcher follows

    def to_log(chunk: bytes) -> None:
        log.write(chunk)
        log.flush()

    return run_job(spec, None, to_log)


# --- the launcher's side ----------------------------------------------------------------------


def run_slurm(
    specs: Sequence[JobSpec],
    options: SweepOptions,
    *,
    report: Callable[[JobResult], None],
    announce: Callable[[str], None],
    output: SweepOutput | None = None,
) -> Outcome:
    """Submit the jobs as one job array, follow them to their end, and return how they ended.

    submitit's folder (the pickled jobs, their results and the tasks' logs) is
    ``.submitit/<sweep id>/`` in the sweep's directory, which the nodes must see at the same
    path (a shared file system), as they see the program and its config files.

    Ctrl-C (``KeyboardInterrupt``) cancels the whole array with ``scancel`` and waits until
    Slurm no longer runs any of its tasks.

    Raises:
        LauncherError: submitit is not installed, this machine is no Slurm client, or sbatch
            refused the array (its message).
    """

    if not specs:
        return Outcome((), False)
    submitit: Any = require_module(
        "submitit", LauncherError, "--launcher slurm needs submitit", "--launcher slurm",
        "pip install 'typedcfg[slurm]'  (or: pip install submitit)",
    )  # fmt: skip
    import shutil

    for program in ("sbatch", "squeue", "scancel"):
        if shutil.which(program) is None:
            raise LauncherError(
                f"--launcher slurm submits with sbatch, and {program} is not on PATH",
                origin=Origin(SourceKind.ARGV, text="--launcher slurm"),
                hint="run the sweep on a Slurm login node",
            )
    # submitit submits a single job as a plain Slurm job, not as an array of one (a study's
    # last batch, or a sweep of one job): the messages name what Slurm has.
    what = "job array" if len(specs) > 1 else "job"
    sweep_id = str(specs[0].info.get("id", "sweep"))
    folder = Path(specs[0].cwd) / ".submitit" / sweep_id
    name = f"typedcfg-{sweep_id}"
    executor = submitit.SlurmExecutor(folder=folder / "%j")
    try:
        executor.update_parameters(**sbatch_parameters(options, len(specs), name))
        with contextlib.redirect_stderr(io.StringIO()):  # submitit prints sbatch's errors
            jobs = executor.map_array(slurm_job, list(specs))
    except (ValueError, submitit.core.utils.FailedJobError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        said = "; ".join(line.removeprefix("sbatch: error: ") for line in lines)
        raise LauncherError(
            f"sbatch refused the {what}: {said or type(exc).__name__}",
            origin=Origin(SourceKind.ARGV, text="--launcher slurm"),
        ) from exc
    array_id = str(jobs[0].job_id).split("_")[0]
    announce(f"Slurm {what} {array_id}, logs in {folder}")
    sweep_output = SweepOutput() if output is None else output
    watch = _Watch(array_id, list(zip(specs, jobs, strict=True)), options, sweep_output)
    try:
        while watch.pending:
            watch.step(report)
            if watch.pending:
                time.sleep(_POLL)
    except KeyboardInterrupt:
        announce(f"cancelling Slurm {what} {array_id} (scancel {array_id})")
        subprocess.run(["scancel", array_id], capture_output=True, check=False, timeout=60)
        watch.drain()
        return Outcome(watch.outcome(), True)
    return Outcome(watch.outcome(), False)


@dataclasses.dataclass
class _Task:
    spec: JobSpec
    job: Any
    out: JobOutput | None = None  # opened once the task has started
    offset: int = 0
    partial: bytes = b""
    seen_at: float | None = None  # when its result file was first seen


class _Watch:
    """The array's tasks until each has ended: their logs followed, their ends decided."""

    def __init__(
        self,
        array_id: str,
        tasks: list[tuple[JobSpec, Any]],
        options: SweepOptions,
        output: SweepOutput,
    ) -> None:
        self.array_id = array_id
        self.tasks = {spec.index: _Task(spec, job) for spec, job in tasks}
        self.pending = set(self.tasks)
        self.results: dict[int, JobResult] = {}
        self.options = options
        self.output = output
        self.started: set[int] = set()  # seen in a state past PENDING
        self.known: set[int] = set()  # seen in the queue at all

    def step(self, report: Callable[[JobResult], None]) -> None:
        states = queue_states(self.array_id)
        for index in sorted(self.pending):
            task = self.tasks[index]
            self._follow(task)
            state = states.get(str(task.job.job_id))
            if state is not None:
                self.known.add(index)
                if state.state != "PENDING":
                    self.started.add(index)
            result = self._ended(task, state)
            if result is not None:
                result = self._finish(task, result)
                self.pending.discard(index)
                self.results[index] = result
                report(result)

    def _ended(self, task: _Task, state: SlurmState | None) -> JobResult | None:
        """How the task ended, or None while it runs (or Slurm has not settled its state)."""
        spec = task.spec
        active = state is not None and state.state in ACTIVE
        gone = state is None and spec.index in self.known
        finished = _read_result(task)
        if finished is None and (gone or (state is not None and not active)):
            time.sleep(0.2)  # written just before the task ended: look once more
            finished = _read_result(task)
        if finished is not None:
            task.seen_at = task.seen_at or time.monotonic()
            if active and time.monotonic() - task.seen_at < _SETTLE:
                return None  # Slurm has not said yet how the task ended (COMPLETING)
            if state is not None and not active and state.state not in ("COMPLETED", "FAILED"):
                return dataclasses.replace(
                    finished, status="failed", error=state.describe(self.options)
                )
            return finished
        if active or (state is None and not gone):
            return None
        if state is None:
            return JobResult(
                spec.index, spec.label, "failed",
                error="Slurm no longer knows the job, and it wrote no result",
            )  # fmt: skip
        return JobResult(
            spec.index, spec.label, "failed", error=state.describe(self.options),
            duration=state.elapsed,
        )  # fmt: skip

    def _follow(self, task: _Task, final: bool = False) -> None:
        """Feed the new lines of the task's submitit log to its output (all of it when final).

        submitit's own log lines (``submitit INFO (...) - ...``) are left out.
        """
        try:
            with open(task.job.paths.stdout, "rb") as file:
                file.seek(task.offset)
                data = file.read()
        except OSError:
            return  # not started yet
        if task.out is None:
            task.out = self.output.open(task.spec.index)
        task.offset += len(data)
        lines = (task.partial + data).split(b"\n")
        task.partial = b"" if final else lines.pop()
        kept = [line for line in lines if not line.startswith(_SUBMITIT_LINE)]
        if kept:
            task.out.feed(b"\n".join(kept) + (b"" if final else b"\n"))

    def _finish(self, task: _Task, result: JobResult) -> JobResult:
        """The task's output ended: its log kept (in its run directory), its last lines."""
        self._follow(task, final=True)
        return result if task.out is None else task.out.finish(result)

    def drain(self, timeout: float = 90.0) -> None:
        """After ``scancel``: wait until Slurm runs no task of the array, then decide each end."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = queue_states(self.array_id)
            if not any(s.state in ACTIVE for s in states.values()):
                break
            time.sleep(_POLL)
        states = queue_states(self.array_id)
        for index in sorted(self.pending):
            task = self.tasks[index]
            state = states.get(str(task.job.job_id))
            spec = task.spec
            ran = index in self.started or (state is not None and state.elapsed > 0)
            if not ran:
                self.results[index] = JobResult(spec.index, spec.label, "cancelled")
                continue
            finished = _read_result(task)
            error = "cancelled with scancel"
            if finished is not None:
                result = dataclasses.replace(finished, status="interrupted", error=error)
            else:
                took = state.elapsed if state else 0.0
                result = JobResult(
                    spec.index, spec.label, "interrupted", error=error, duration=took
                )
            self.results[index] = self._finish(task, result)
        self.pending.clear()

    def outcome(self) -> tuple[JobResult, ...]:
        return tuple(self.results[i] for i in sorted(self.results))


def _read_result(task: _Task) -> JobResult | None:
    """The task's result file, when submitit has written it."""
    path = task.job.paths.result_pickle
    if not path.exists():
        return None
    from submitit.core.utils import pickle_load

    try:
        kind, value = pickle_load(path)
    except Exception:  # half written: read it at the next look
        return None
    if kind == "success" and isinstance(value, JobResult):
        return value
    lines = [line for line in str(value).strip().splitlines() if line.strip()]
    text = lines[-1].strip() if lines else "the task failed"
    return JobResult(task.spec.index, task.spec.label, "failed", error=text)
