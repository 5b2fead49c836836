"""Launchers: run the jobs of a sweep in local processes, as Ray tasks, or on Slurm.

It never prints: progress goes to a ``report`` callback, and each job's output to its
:class:`~typedcfg.sweeps.output.JobOutput`, both given by ``app/multirun.py``.

- :func:`run_local`: a pool of ``jobs`` threads, each waiting on one job's process, so at most
  ``jobs`` processes run at once. Ctrl-C sends SIGINT to the running jobs (each records
  itself as failed with ``KeyboardInterrupt``) and cancels the pending ones.
- :func:`run_ray`: one Ray task per job with ``num_cpus``/``num_gpus`` reserved, so Ray
  schedules the jobs on the cluster's resources (and sets ``CUDA_VISIBLE_DEVICES``); the task
  starts the job's process on the node that runs it. Joins ``address`` or starts a local
  cluster, and shuts down only a cluster it started. A task sends its job's output, chunk by
  chunk, to a small actor that the driver empties every 0.2 s into the jobs' outputs.
- Slurm: one job array through submitit, in :mod:`typedcfg.sweeps.slurm` (imported only for
  ``--launcher slurm``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, as_completed
from typing import Any

from ..provenance import Origin, SourceKind
from .jobs import JobResult, JobSpec, LauncherError, Outcome, SweepOptions, run_job
from .output import JobOutput, SweepOutput

__all__ = ["launch", "new_sweep_id", "run_local", "run_ray"]


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
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="typedcfg-job") as pool:
        # Submitting is inside the try too: a Ctrl-C at any moment must cancel, never leave
        # the pool's exit waiting for every job to run to its end.
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
        for future, spec in futures.items():
            if spec.index not in results:
                try:
                    results[spec.index] = future.result()
                except CancelledError:
                    results[spec.index] = JobResult(spec.index, spec.label, "cancelled")
    for spec in specs:  # never submitted: Ctrl-C came first
        results.setdefault(spec.index, JobResult(spec.index, spec.label, "cancelled"))
    return Outcome(tuple(results[i] for i in sorted(results)), interrupted)


# --- Ray ------------------------------------------------------------------------------------


def run_ray(
    specs: Sequence[JobSpec],
    *,
    address: str | None,
    cpus_per_job: float,
    gpus_per_job: float,
    report: Callable[[JobResult], None],
    output: SweepOutput | None = None,
) -> Outcome:
    """Run each job as a Ray task with ``num_cpus``/``num_gpus`` reserved.

    Each job's output reaches ``output`` while it runs (see :class:`_OutputHub`). Joins the
    cluster at ``address`` (``auto``, ``ray://host:10001``, ``host:6379``), or starts a local
    one; a cluster started here is shut down at the end. Ray must already be connected or
    installable: ``pip install 'typedcfg[ray]'``.

    Raises:
        LauncherError: Ray is not installed, the cluster cannot be reached, or (for a local
            cluster started here) one job needs more CPUs or GPUs than the machine has.
    """
    import importlib

    try:
        ray: Any = importlib.import_module("ray")
    except ImportError as exc:
        raise LauncherError(
            "--launcher ray needs Ray",
            origin=Origin(SourceKind.ARGV, text="--launcher ray"),
            hint="pip install 'typedcfg[ray]'  (or: pip install ray)",
        ) from exc
    started = False
    if not ray.is_initialized():
        _check_reachable(address)
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        except Exception as exc:  # ConnectionError, RuntimeError: Ray's errors vary by version
            raise LauncherError(
                f"cannot start or join a Ray cluster: {exc}",
                origin=Origin(SourceKind.ARGV, text=f"--ray-address {address or '(local)'}"),
            ) from exc
        started = True
    try:
        if started and address is None:
            _check_fits(ray.cluster_resources(), cpus_per_job, gpus_per_job)
        sweep_output = SweepOutput() if output is None else output
        return _ray_jobs(ray, specs, cpus_per_job, gpus_per_job, report, sweep_output)
    finally:
        if started:
            ray.shutdown()


def _check_reachable(address: str | None) -> None:
    """Fail fast for a ``host:port`` nobody listens on (Ray itself retries for minutes)."""
    import socket

    if address is None or address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # not host:port: let Ray read it
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise LauncherError(
            f"cannot reach the Ray cluster at {host}:{port}: {exc.strerror or exc}",
            origin=Origin(SourceKind.ARGV, text=f"--ray-address {address}"),
            hint="start it with 'ray start --head', or leave out --ray-address for a local one",
        ) from exc


def _check_fits(total: Any, cpus: float, gpus: float) -> None:
    """A job that asks for more than the local cluster has would wait forever: say so now.

    Only for a local cluster started here: a cluster that was joined may autoscale.
    """
    for name, flag, wanted in (("CPU", "--cpus-per-job", cpus), ("GPU", "--gpus-per-job", gpus)):
        have = float(total.get(name, 0.0))
        if wanted > have:
            raise LauncherError(
                f"each job asks for {wanted:g} {name}, and this machine's Ray cluster has "
                f"{have:g}: no job could ever start",
                origin=Origin(SourceKind.ARGV, text=f"{flag} {wanted:g}"),
                hint=f"lower {flag}, or join a cluster that has them with --ray-address",
            )


class _OutputHub:
    """A Ray actor between the tasks and the driver: tasks push their job's output chunks, the
    driver drains them.

    A task must not wait on the driver (Ray lends a blocked task's CPUs to other tasks, so
    more jobs would run than were reserved), so it pushes without waiting; Ray runs one
    caller's calls on an actor in order, so a job's chunks stay in order. The task waits once,
    after its job has ended, for its last push to arrive, so the driver has every chunk of a
    job before it sees the job's result.
    """

    def __init__(self) -> None:
        self.chunks: list[tuple[int, bytes]] = []

    def push(self, index: int, chunk: bytes) -> None:
        """Keep ``chunk`` of job ``index``."""
        if chunk:
            self.chunks.append((index, chunk))

    def drain(self) -> list[tuple[int, bytes]]:
        """The chunks pushed since the last call, in the order they came."""
        chunks, self.chunks = self.chunks, []
        return chunks


def _ray_task(spec: JobSpec, hub: Any) -> JobResult:
    """The Ray task of one job: run it, its output pushed to ``hub`` as it comes."""
    import importlib

    ray: Any = importlib.import_module("ray")
    result = run_job(spec, sink=lambda chunk: hub.push.remote(spec.index, chunk))
    # Every push before this one has arrived once it returns. A cancel now comes after the
    # job's end, and must not lose it.
    with contextlib.suppress(KeyboardInterrupt, ray.exceptions.RayError):
        ray.get(hub.push.remote(spec.index, b""))
    return result


def _ray_jobs(
    ray: Any,
    specs: Sequence[JobSpec],
    cpus: float,
    gpus: float,
    report: Callable[[JobResult], None],
    output: SweepOutput,
) -> Outcome:
    # No retries: a job that failed ran the user's code, and running it again is their call.
    task = ray.remote(num_cpus=cpus, num_gpus=gpus, max_retries=0)(_ray_task)
    hub = ray.remote(num_cpus=0)(_OutputHub).remote()
    outputs: dict[int, JobOutput] = {}
    hub_lost: list[str] = []

    def drain() -> None:
        if hub_lost:
            return
        try:
            chunks = ray.get(hub.drain.remote())
        except ray.exceptions.RayError as exc:  # its node is gone: the jobs go on, unseen
            why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            hub_lost.append(why)
            output.say(f"sweep {output.sweep_id}: the jobs' output is lost from here on: {why}")
            return
        for index, chunk in chunks:
            if index not in outputs:
                outputs[index] = output.open(index)
            outputs[index].feed(chunk)

    def finish(result: JobResult) -> JobResult:
        if result.status == "cancelled" and result.index not in outputs:
            return result
        job = outputs.get(result.index) or outputs.setdefault(
            result.index, output.open(result.index)
        )
        return job.finish(result)

    refs: dict[Any, JobSpec] = {}
    results: dict[int, JobResult] = {}
    pending: list[Any] = []
    interrupted = False
    try:  # submitting too: a Ctrl-C at any moment cancels what was submitted
        for spec in specs:
            ref = task.remote(spec, hub)
            refs[ref] = spec
            pending.append(ref)
        while pending:
            # A timeout hands control back to Python now and then: a blocking ray.wait would
            # hold off the KeyboardInterrupt of a Ctrl-C until some job ends.
            ready, pending = ray.wait(pending, num_returns=1, timeout=0.2)
            drain()
            for ref in ready:
                result = finish(_ray_result(ray, ref, refs[ref]))
                results[result.index] = result
                report(result)
    except KeyboardInterrupt:
        interrupted = True
        # ray.cancel raises KeyboardInterrupt in a running task: run_job passes SIGINT on to its
        # job and returns the job's end, which ray.get then gives; a task that never started
        # gives TaskCancelledError.
        for ref in reversed(pending):  # the last submitted first: those have not started
            ray.cancel(ref)
        ended = [_ray_result(ray, ref, refs[ref]) for ref in pending]
        drain()
        for result in ended:
            results[result.index] = finish(result)
    finally:
        for job in outputs.values():
            job.close()  # a job whose task died, or an error on the way: its log is closed
        with contextlib.suppress(ray.exceptions.RayError, ValueError):
            ray.kill(hub)
    for spec in specs:  # never submitted: Ctrl-C came first
        results.setdefault(spec.index, JobResult(spec.index, spec.label, "cancelled"))
    return Outcome(tuple(results[i] for i in sorted(results)), interrupted)


def _ray_result(ray: Any, ref: Any, spec: JobSpec) -> JobResult:
    try:
        result: JobResult = ray.get(ref)
    except ray.exceptions.TaskCancelledError:
        return JobResult(spec.index, spec.label, "cancelled")
    except ray.exceptions.RayError as exc:  # the task itself died (node lost, worker killed)
        text = str(exc).strip().splitlines()
        return JobResult(spec.index, spec.label, "failed", error=text[-1] if text else repr(exc))
    return result
