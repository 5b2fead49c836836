"""The Ray launcher: the jobs of a sweep as Ray tasks, their output live on the driver.

Imported by :mod:`typedcfg.sweeps.launchers`; Ray itself is imported only when a sweep runs on
it. :func:`ray_session` connects (joins ``--ray-address`` or starts a local cluster) for a
``with`` block; :func:`run_ray` runs one batch of jobs in a session, its own unless one is
open already, as :class:`~typedcfg.sweeps.launchers.Launcher` keeps one open for a study.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Sequence
from typing import Any

from ..errors import require_module
from ..provenance import Origin, SourceKind
from .jobs import JobResult, JobSpec, LauncherError, Outcome, run_job
from .output import JobOutput, SweepOutput

__all__ = ["ray_session", "run_ray"]


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
    with ray_session(address, cpus_per_job, gpus_per_job) as ray:
        sweep_output = SweepOutput() if output is None else output
        return _ray_jobs(ray, specs, cpus_per_job, gpus_per_job, report, sweep_output)


@contextlib.contextmanager
def ray_session(
    address: str | None, cpus_per_job: float, gpus_per_job: float
) -> Generator[Any, None, None]:
    """Ray, connected, for the ``with`` block: the module ``ray`` is what it yields.

    A Ray already connected (by the user's code, or by an enclosing session) is used and left
    as it is. Otherwise this joins the cluster at ``address`` or starts a local one, and
    disconnects at the end of the block, which shuts down a local cluster it started.

    Raises:
        LauncherError: Ray is not installed, the cluster cannot be reached, or (for a local
            cluster started here) one job needs more CPUs or GPUs than the machine has.
    """
    ray: Any = require_module(
        "ray", LauncherError, "--launcher ray needs Ray", "--launcher ray",
        "pip install 'typedcfg[ray]'  (or: pip install ray)",
    )  # fmt: skip
    if ray.is_initialized():
        yield ray
        return
    _check_reachable(address)
    handler = _callers_sigterm()
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    except Exception as exc:  # ConnectionError, RuntimeError: Ray's errors vary by version
        raise LauncherError(
            f"cannot start or join a Ray cluster: {exc}",
            origin=Origin(SourceKind.ARGV, text=f"--ray-address {address or '(local)'}"),
        ) from exc
    except BaseException:
        # Ctrl-C or SIGTERM while the cluster starts: the processes started so far must not
        # outlive the sweep.
        ray.shutdown()
        raise
    finally:
        if handler is not None:
            _restore_sigterm(handler)
    try:
        if address is None:  # a joined cluster may autoscale: only a local one is checked
            _check_fits(ray.cluster_resources(), cpus_per_job, gpus_per_job)
        yield ray
    finally:
        ray.shutdown()


def _callers_sigterm() -> Any:
    """The SIGTERM handler the caller set, or None (none set, or not the main thread).

    ``ray.init`` sets its own, which kills the cluster's processes and exits with status 1: a
    sweep's handler (SIGTERM stops it as Ctrl-C does, so its jobs record how they ended and a
    study can resume) would be lost. A caller that set none keeps Ray's, which at least stops
    the cluster.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    handler = signal.getsignal(signal.SIGTERM)
    return handler if callable(handler) else None


def _restore_sigterm(handler: Any) -> None:
    import signal

    signal.signal(signal.SIGTERM, handler)


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
