"""Launchers: run the jobs of a sweep in local processes, as Ray tasks, or on Slurm.

It never prints: progress goes to a ``report`` callback, and each job's output to its
:class:`~typedcfg.sweeps.output.JobOutput`, both given by ``app/multirun.py``.

- :func:`run_local`: a pool of ``jobs`` threads, each waiting on one job's process, so at most
  ``jobs`` processes run at once. Ctrl-C sends SIGINT to the running jobs (each records
  itself as failed with ``KeyboardInterrupt``) and cancels the pending ones.
- :func:`run_ray` (in :mod:`typedcfg.sweeps.ray_launcher`): one Ray task per job with
  ``num_cpus``/``num_gpus`` reserved, so Ray schedules the jobs on the cluster's resources (and
  sets ``CUDA_VISIBLE_DEVICES``); the task starts the job's process on the node that runs it.
  Joins ``address`` or starts a local cluster (:func:`ray_session`), and shuts down only a
  cluster it started. A task sends its job's output, chunk by chunk, to a small actor that the
  driver empties every 0.2 s into the jobs' outputs.
- :class:`Launcher`: one sweep's launcher for all of its batches (a study runs ``--jobs N``
  trials at a time). On Ray it holds one session from the first batch to its close, so a
  study starts one cluster, not one per batch.
- Slurm: one job array through submitit, in :mod:`typedcfg.sweeps.slurm` (imported only for
  ``--launcher slurm``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, as_completed

from .jobs import JobResult, JobSpec, Outcome, SweepOptions, run_job
from .output import SweepOutput
from .ray_launcher import ray_session, run_ray

__all__ = ["Launcher", "launch", "new_sweep_id", "ray_session", "run_local", "run_ray"]


def new_sweep_id() -> str:
    """Eight random lowercase letters and digits (job ``n`` records as run ``<id>-<n>``)."""
    import secrets
    import string

    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))


def launch(
    specs: Sequence[JobSpec],
    options: SweepOptions,
    report: Callable[[JobResult], None],
    announce: Callable[[str], None],
    output: SweepOutput | None = None,
) -> Outcome:
    """Run the jobs with the launcher ``options`` names; ``announce`` gets one line first.

    Each job's output goes to ``output`` (``None``: shown nowhere, kept only in the run
    directory of a recorded job).
    """
    if options.launcher == "slurm":
        from .slurm import describe, run_slurm  # submitit is imported in there, when it runs

        announce(describe(options, len(specs)))
        return run_slurm(specs, options, report=report, announce=announce, output=output)
    if options.launcher == "ray":
        announce(
            f"{len(specs)} jobs on ray {options.ray_address or '(local cluster)'}, "
            f"{options.cpus_per_job:g} CPU + {options.gpus_per_job:g} GPU per job"
        )
        return run_ray(
            specs, address=options.ray_address, cpus_per_job=options.cpus_per_job,
            gpus_per_job=options.gpus_per_job, report=report, output=output,
        )  # fmt: skip
    width = options.jobs or os.cpu_count() or 1
    announce(f"{len(specs)} jobs in local processes, {min(width, len(specs))} at a time")
    return run_local(specs, jobs=width, report=report, output=output)


class Launcher:
    """The launcher of one sweep, for each batch of its jobs (use it as a context manager).

    A study launches one batch per ``--jobs N`` trials. On Ray, the cluster is joined or
    started at the first batch and left at :meth:`close` (a cluster started here is shut down
    then, also after Ctrl-C, SIGTERM or an error): starting a local cluster takes seconds,
    which a study would otherwise pay for every batch.
    """

    def __init__(self, options: SweepOptions) -> None:
        self.options = options
        self._session = contextlib.ExitStack()
        self._connected = False

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def launch(
        self,
        specs: Sequence[JobSpec],
        report: Callable[[JobResult], None],
        announce: Callable[[str], None],
        output: SweepOutput | None = None,
    ) -> Outcome:
        """Run one batch of jobs, as :func:`launch` does."""
        options = self.options
        if options.launcher == "ray" and not self._connected:
            self._session.enter_context(
                ray_session(options.ray_address, options.cpus_per_job, options.gpus_per_job)
            )
            self._connected = True
        return launch(specs, options, report, announce, output)

    def close(self) -> None:
        """Leave the Ray session opened by the first batch (a no-op for the other launchers)."""
        self._session.close()


# --- local processes ------------------------------------------------------------------------


def run_local(
    specs: Sequence[JobSpec],
    *,
    jobs: int,
    report: Callable[[JobResult], None],
    output: SweepOutput | None = None,
) -> Outcome:
    """Run the jobs, at most ``jobs`` at once; ``report`` is called as each one ends.

    Each job's output is fed to ``output`` as it comes, by the thread that waits for the job.
    Ctrl-C (``KeyboardInterrupt`` in the calling thread) interrupts the running jobs, cancels
    the pending ones, waits for the running ones to record their end, and returns.
    """
    sweep_output = SweepOutput() if output is None else output
    cancel = threading.Event()

    def one(spec: JobSpec) -> JobResult:
        if cancel.is_set():
            return JobResult(spec.index, spec.label, "cancelled")
        job = sweep_output.open(spec.index)
        try:
            result = run_job(spec, cancel.is_set, job.feed)
        except BaseException:
            job.close()  # the program could not be started: the log file is closed all the same
            raise
        return job.finish(result)

    results: dict[int, JobResult] = {}
    interrupted = False
    futures: dict[Future[JobResult], JobSpec] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="typedcfg-job")
    collected = False
    try:
        # Submitting is inside the try too: a Ctrl-C at any moment must cancel, never leave
        # the pool waiting for every job to run to its end.
        try:
            for spec in specs:
                futures[pool.submit(one, spec)] = spec
            for future in as_completed(futures):
                result = future.result()
                results[result.index] = result
                report(result)
        except KeyboardInterrupt:
            interrupted = True
            cancel.set()
            for future in futures:
                future.cancel()
        while True:
            # A Ctrl-C now (after the last job was reported, or while the others wind down)
            # stops what still runs; the ends already known are kept and returned.
            try:
                for future, spec in futures.items():
                    if spec.index not in results:
                        try:
                            results[spec.index] = future.result()
                        except CancelledError:
                            results[spec.index] = JobResult(spec.index, spec.label, "cancelled")
                break
            except KeyboardInterrupt:
                interrupted = True
                cancel.set()
        collected = True
    finally:
        # Once every job's end is collected no thread has work left, so nothing is waited for
        # (a Ctrl-C during that wait would lose the ends); after an error, the jobs are.
        pool.shutdown(wait=not collected)
    for spec in specs:  # never submitted: Ctrl-C came first
        results.setdefault(spec.index, JobResult(spec.index, spec.label, "cancelled"))
    return Outcome(tuple(results[i] for i in sorted(results)), interrupted)
