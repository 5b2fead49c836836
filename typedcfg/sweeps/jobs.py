"""One job of a sweep: what it is, how it runs in its own process, how it ended.

Nothing here prints. :mod:`typedcfg.sweeps.launchers` schedules
these jobs (local processes or Ray tasks); ``@typedcfg.main`` is the job's side.

Every job runs in a fresh process: the program itself, started again with the job's command
line. Which sweep and job it is comes from a file the launcher writes into the job's own scratch
folder (``job.json``), named by the environment variable ``TYPEDCFG_SWEEP_JOB``; the job writes
its outcome (status, return value, error, run directory) beside it, as a new file. Nothing on
the command line can claim to be a job, so an argument a user pastes cannot make a program
write anywhere. Starting the program again, rather than pickling the function into a worker,
works for a function defined in a user's ``__main__`` script as much as in a module, gives
each job a clean interpreter (no state leaks between jobs, no CUDA context forked), and the
command is what a user types to reproduce the job.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from ..errors import TypedcfgError
from ..provenance import Origin, SourceKind
from .output import Tail, follow

__all__ = [
    "JOB_FILE",
    "NESTED_ENV",
    "JobResult",
    "JobSpec",
    "LauncherError",
    "Outcome",
    "SweepOptions",
    "interrupt_once",
    "program_command",
    "progress_line",
    "reported",
    "run_job",
    "summary_table",
    "take_job",
    "write_outcome",
]

JOB_FILE = "job.json"
"""The file in a job's scratch folder that says which sweep and job it is."""

RESULT_FILE = "result.json"
"""The job's outcome, written beside its job file."""

NESTED_ENV = "TYPEDCFG_SWEEP_JOB"
"""Set in a job's environment to its job file; a job that starts ``--multirun`` again is refused
(no fork bomb)."""

MAX_JOBS = 10_000
"""The most jobs a sweep may have unless ``--max-jobs`` says otherwise: every combination is
composed and checked before any job starts, and each job is a process."""

_GRACE = 10.0
"""Seconds a job has to finish after SIGINT before it is killed."""



class LauncherError(TypedcfgError, RuntimeError):
    """A sweep cannot be launched (the program cannot be started again, Ray is missing...)."""


@dataclasses.dataclass(frozen=True)
class SweepOptions:
    """How to run the jobs of a sweep.

    Attributes:
        launcher: ``local`` (a pool of processes on this machine), ``ray`` or ``slurm``.
        jobs: how many local jobs run at once (``None``: the CPU count).
        ray_address: the Ray cluster to join (``None``: start a local one).
        cpus_per_job: CPUs Ray or Slurm reserves for each job.
        gpus_per_job: GPUs Ray or Slurm reserves for each job.
        partition: Slurm: the partition (``None``: the cluster's default one).
        timeout_min: Slurm: each job's time limit, in minutes.
        mem_gb: Slurm: each job's memory, in GB (``None``: the cluster's default).
        array_parallelism: Slurm: how many tasks of the job array run at once (``None``:
            ``jobs`` when given, else all of them).
        slurm: Slurm: more sbatch options, the ``(key, value)`` of each ``--slurm KEY=VALUE``.
        quiet_jobs: show only progress lines and the summary, not the jobs' own lines.
        logs: a folder that keeps every job's output (``<sweep>-<job>.log``).
        max_jobs: the most combinations the sweep may have (``--max-jobs``).
    """

    launcher: str = "local"
    jobs: int | None = None
    ray_address: str | None = None
    cpus_per_job: float = 1.0
    gpus_per_job: float = 0.0
    quiet_jobs: bool = False
    logs: str | None = None
    partition: str | None = None
    timeout_min: int = 60
    mem_gb: float | None = None
    array_parallelism: int | None = None
    slurm: tuple[tuple[str, str], ...] = ()
    max_jobs: int = MAX_JOBS


@dataclasses.dataclass(frozen=True)
class JobSpec:
    """Everything a launcher needs to run one job, as plain data (Ray sends it to a node).

    Attributes:
        index: the job number.
        label: the job's chosen overrides, for progress lines and the table.
        command: the program: ``(python, script.py)``, ``(python, -m, pkg.mod)``, ...
        tokens: the job's command line.
        cwd: the directory the job runs in (the sweep's).
        info: what the job file holds (sweep id, job number, swept params).
    """

    index: int
    label: str
    command: tuple[str, ...]
    tokens: tuple[str, ...]
    cwd: str
    info: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class JobResult:
    """How one job ended.

    Attributes:
        index: the job number.
        label: the job's chosen overrides.
        status: ``finished``, ``failed``, ``interrupted`` (stopped by Ctrl-C) or ``cancelled``
            (never started).
        value: the function's return value as JSON-safe data (``None`` when it failed).
        error: ``Type: message`` of the job's exception, or why its process ended.
        duration: seconds from start to end (0 for a cancelled job).
        run: the recorded run's directory, when the sweep records runs.
        output: the end of the job's stdout and stderr.
        log: the file that keeps all of the job's output (``--logs``, else the run's
            ``output.log``), once the launcher has kept it.
    """

    index: int
    label: str
    status: str
    value: Any = None
    error: str | None = None
    duration: float = 0.0
    run: str | None = None
    output: str = ""
    log: str | None = None


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The results of all jobs (in job order), and whether Ctrl-C stopped the sweep."""

    results: tuple[JobResult, ...]
    interrupted: bool

    @property
    def failed(self) -> bool:
        """True when any job did not finish."""
        return any(r.status != "finished" for r in self.results)


def program_command(fn: Callable[..., Any]) -> tuple[str, ...]:
    """The command that starts this program again, for a function decorated in it.

    A function defined in the ``__main__`` script re-runs that script (``python -m pkg`` when
    it was started with ``-m``); a function of an importable module is imported and called.

    Raises:
        LauncherError: the program has no file to run again (an interactive session).
    """
    module = getattr(fn, "__module__", None) or "__main__"
    if module != "__main__":
        name = getattr(fn, "__qualname__", getattr(fn, "__name__", ""))
        # The job imports the module from where this process found it, then calls the function
        # (which reads the job's command line from sys.argv like a script's would).
        file = getattr(sys.modules.get(module), "__file__", None) or ""
        root = os.path.dirname(os.path.abspath(file))
        for _ in range(module.count(".") + (os.path.basename(file) == "__init__.py")):
            root = os.path.dirname(root)
        code = (
            f"import importlib, sys; sys.path.insert(0, {root!r}); "
            f"fn = importlib.import_module({module!r})\n"
            f"for part in {name!r}.split('.'): fn = getattr(fn, part)\n"
            "fn()"
        )
        return (sys.executable, "-c", code)
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    spec_name = getattr(spec, "name", None)
    if isinstance(spec_name, str) and spec_name:
        return (sys.executable, "-m", spec_name.removesuffix(".__main__"))
    path = getattr(main_module, "__file__", None)
    if isinstance(path, str) and os.path.isfile(path):
        return (sys.executable, os.path.abspath(path))
    raise LauncherError(
        "--multirun starts the program again for each job, and this session has no script",
        origin=Origin(SourceKind.ARGV, text="--multirun"),
        hint="put the @typedcfg.main function in a script and run: python train.py --multirun ...",
    )


# --- one job --------------------------------------------------------------------------------


def run_job(
    spec: JobSpec,
    cancel: Callable[[], bool] | None = None,
    sink: Callable[[bytes], None] | None = None,
) -> JobResult:
    """Run one job in its own process and wait for it, passing on its output as it comes.

    Args:
        spec: the job.
        cancel: polled while the job runs; once it returns True the job gets SIGINT (and is
            killed if it is still running ``_GRACE`` seconds later). A job cancelled before it
            started never starts. A ``KeyboardInterrupt`` while waiting also interrupts it.
        sink: gets the job's stdout and stderr (one pipe, in the order written) as bytes, in
            chunks as they arrive: a :meth:`~typedcfg.sweeps.output.JobOutput.feed`. The
            pipe is read all the time, so a job that prints a lot never blocks on it; a sink
            that raises is dropped and the job goes on. Python jobs run with
            ``PYTHONUNBUFFERED=1`` (unless the environment sets it), so their lines come live.

    Returns:
        How the job ended; ``output`` holds its last lines.
    """
    import shutil
    import subprocess
    import tempfile
    import time

    if cancel is not None and cancel():
        return JobResult(spec.index, spec.label, "cancelled")
    scratch = tempfile.mkdtemp(prefix="typedcfg-job-")
    try:
        result_path = os.path.join(scratch, RESULT_FILE)
        job_path = os.path.join(scratch, JOB_FILE)
        with open(job_path, "w", encoding="utf-8") as file:
            json.dump(dict(spec.info), file)
        argv = list(spec.command)
        env = {"PYTHONUNBUFFERED": "1", **os.environ, NESTED_ENV: job_path}
        start = time.monotonic()
        # A session of its own: a Ctrl-C at the terminal reaches the launcher only, which
        # then interrupts each job once, so no job is interrupted twice while recording.
        process = subprocess.Popen(
            [*argv, *spec.tokens], cwd=spec.cwd, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        tail = Tail(sink)
        with process:
            interrupted = follow(process, cancel, tail, grace=_GRACE)
        duration = time.monotonic() - start
        output = tail.text()
        outcome: dict[str, Any] = _read_outcome(result_path)
        run = outcome.get("run")
        status = str(outcome.get("status", "failed"))
        error = outcome.get("error")
        if not outcome:
            error = _exit_text(process.returncode, output)
        if interrupted:
            status = "interrupted"
        return JobResult(
            spec.index, spec.label, status, outcome.get("value"), error, duration,
            run if isinstance(run, str) else None, output,
        )  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _read_outcome(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as file:
            data: Any = json.load(file)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return cast("dict[str, Any]", data)


def _exit_text(code: int | None, output: str) -> str:
    """Why a job that wrote no outcome ended: its exit status and its last line of output."""
    lines = [line for line in output.splitlines() if line.strip()]
    signalled = code is not None and code < 0
    text = f"killed by signal {-(code or 0)}" if signalled else f"exit status {code}"
    return f"{text}: {lines[-1].strip()}" if lines else text


# --- the job's side (called by @typedcfg.main in the job's process) --------------------------


def take_job(path: str) -> dict[str, Any] | None:
    """The job file ``path`` (from ``TYPEDCFG_SWEEP_JOB``), claimed for this process.

    The file must lie in a launcher's scratch folder (``typedcfg-job-*``, this user's, closed
    to others) and is renamed once read, so the job's own child processes, which inherit the
    variable, run as plain programs. The outcome goes to ``result.json`` beside it, a file that
    must not exist yet. ``None`` when the file is gone (claimed already).

    Raises:
        LauncherError: the file is not one a launcher made, or does not hold a job.
    """
    origin = Origin.env(NESTED_ENV)
    if not os.path.lexists(path):
        return None  # claimed already (this is a job's child process), or no file at all
    folder = os.path.dirname(os.path.abspath(path))
    result = os.path.join(folder, RESULT_FILE)
    try:
        status = os.lstat(folder)
        ours = (
            os.path.basename(folder).startswith("typedcfg-job-")
            and os.path.basename(path) == JOB_FILE
            and status.st_uid == getattr(os, "getuid", lambda: status.st_uid)()
            and not status.st_mode & 0o077
            and not os.path.lexists(result)
        )
    except OSError:
        return None
    if not ours:
        raise LauncherError("not a job file of a typedcfg launcher", origin=origin)
    claimed = path + ".taken"
    try:
        os.rename(path, claimed)
        with open(claimed, encoding="utf-8") as file:
            info: Any = json.load(file)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise LauncherError(f"cannot read the job file: {exc}", origin=origin) from exc
    data = cast("dict[str, Any]", info) if isinstance(info, dict) else {}
    if not isinstance(data.get("id"), str) or not isinstance(data.get("job"), int):
        raise LauncherError("the job file does not hold a sweep id and job number", origin=origin)
    return {**data, "result": result}


def interrupt_once(signum: int, frame: object) -> None:
    """A job's SIGTERM handler: stop as on Ctrl-C (``KeyboardInterrupt``), once.

    Slurm signals every process of a job step, and may do so twice (the job and its step); a
    second SIGTERM must not interrupt the job while it records how it ended.
    """
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def reported(value: Any) -> Any:
    """A return value as the launcher shows it: JSON-safe data, else its repr."""
    from ..export.wandb_values import json_safe

    try:
        safe = json_safe(value)
        json.dumps(safe)
    except Exception:  # anything json_safe cannot turn into data is shown as its repr
        return repr(value)
    return safe


def write_outcome(path: str, outcome: Mapping[str, Any]) -> None:
    """Write a job's outcome for the launcher (atomically: it never reads half of it).

    Never over another file: the partial file and the outcome must both be new.
    """
    data = json.dumps(outcome, default=repr).encode()
    partial = path + ".partial"
    with open(partial, "xb") as file:
        file.write(data)
    try:
        os.link(partial, path)  # fails if ``path`` exists, where os.replace would overwrite it
    finally:
        os.unlink(partial)


# --- the summary ----------------------------------------------------------------------------


def summary_table(results: Sequence[JobResult], width: int = 48) -> str:
    """One aligned row per job: job, overrides, status, return value or error, duration."""
    rows = [["job", "overrides", "status", "result", "duration"]]
    for r in results:
        shown = r.error if r.status != "finished" else json.dumps(r.value, ensure_ascii=False)
        shown = (shown or "").replace("\n", " ")
        if len(shown) > width:
            shown = shown[: width - 3] + "..."
        took = f"{r.duration:.1f}s" if r.status != "cancelled" else "-"
        rows.append([str(r.index), r.label, r.status, shown, took])
    sizes = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(size) for cell, size in zip(row, sizes, strict=True)).rstrip()
        for row in rows
    )


def progress_line(result: JobResult, done: int, total: int) -> str:
    """``[2/4] job 1 finished in 0.5s (optim.lr=0.1 batch_size=64)``, with the error if any."""
    extra = f": {result.error}" if result.status != "finished" else ""
    return (
        f"[{done}/{total}] job {result.index} {result.status} in {result.duration:.1f}s "
        f"({result.label}){extra}"
    )
