"""A ``--multirun`` from a ``@typedcfg.main`` program: jobs shown masked, launched, interrupted.

The sweep grammar and the launchers live in :mod:`typedcfg.sweeps`; this is the program's side:
what it prints, how Ctrl-C and SIGTERM stop the launch, and where a job's error points.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from ..composition.reuse import composed_once
from ..errors import TypedcfgError
from ..typeinfo import TypeNode, schema_traits
from .flags import USAGE_EXIT, LoadOptions, relocated

if TYPE_CHECKING:
    from ..pipeline import Loaded
    from ..sweeps.grammar import Job, SweepOptions


def masked_jobs(jobs: list[Job], tree: TypeNode) -> list[Job]:
    """The jobs with swept secret values masked where they are shown: the job label (progress,
    summary table, errors) and ``params`` (the run store's ``meta.sweep``). The tokens the job
    runs with keep the value."""
    if not schema_traits(tree).secrets:
        return jobs
    import dataclasses

    from ..errors import MASK
    from ..read.masking import mask_argv, secret_key

    return [
        dataclasses.replace(
            job,
            overrides=tuple(mask_argv(job.overrides, tree)),
            params={k: MASK if secret_key(k, tree, v) else v for k, v in job.params.items()},
        )
        for job in jobs
    ]


def check_jobs(
    options: LoadOptions, schema: type[Any], jobs: Sequence[Job], positions: Sequence[int]
) -> tuple[list[Loaded[Any]], list[tuple[Job, TypedcfgError]]]:
    """Every job composed and validated before any starts: the configs, and each job that
    fails with its error (located on the sweep's own command line). The files of one choice of
    config groups are composed once for all the jobs that make it (:func:`composed_once`)."""
    loaded: list[Loaded[Any]] = []
    failures: list[tuple[Job, TypedcfgError]] = []
    with composed_once():
        for job in jobs:
            try:
                loaded.append(options.compose(schema, job.tokens))
            except TypedcfgError as exc:
                failures.append((job, relocated(exc, positions)))
    return loaded, failures


def launch_jobs(fn: Callable[..., Any], jobs: Sequence[Job], options: SweepOptions) -> int:
    """Run validated jobs with the chosen launcher; show their output, progress, the summary.

    Everything but the summary table goes to stderr, through one :class:`SweepOutput`, so a
    job's line and a progress line never mix; the table goes to stdout.
    """
    from ..sweeps.jobs import JobResult, JobSpec, program_command, progress_line, summary_table
    from ..sweeps.launchers import launch, new_sweep_id
    from ..sweeps.output import SweepOutput

    sweep_id = new_sweep_id()
    try:
        command = program_command(fn)
        specs = [
            JobSpec(
                job.index, job.label, command, job.tokens, os.getcwd(),
                {"id": sweep_id, "job": job.index, "jobs": len(jobs), "params": job.params},
            )
            for job in jobs
        ]  # fmt: skip
        output = SweepOutput(
            _to_stderr, sweep_id=sweep_id, quiet=options.quiet_jobs, logs=options.logs
        )
        done: list[int] = []

        def report(result: JobResult) -> None:
            done.append(result.index)
            output.say(progress_line(result, len(done), len(jobs)))

        with _sigterm_interrupts():
            outcome = launch(
                specs, options, report, lambda line: output.say(f"sweep {sweep_id}: {line}"),
                output,
            )  # fmt: skip
    except TypedcfgError as exc:
        print(exc.render(), file=sys.stderr)
        return USAGE_EXIT
    print(summary_table(outcome.results), flush=True)
    for result in outcome.results:
        if result.status == "failed" and result.output:
            kept = f"; all of it in {_shown_path(result.log)}" if result.log else ""
            print(f"--- job {result.index} output (last lines{kept}) ---", file=sys.stderr)
            print(result.output, file=sys.stderr)
    if outcome.interrupted:
        print(f"sweep {sweep_id} interrupted", file=sys.stderr)
        return 130
    return 1 if outcome.failed else 0


def _to_stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _shown_path(path: str) -> str:
    """``path`` relative to the working directory when it is below it (as a user types it)."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


@contextlib.contextmanager
def _sigterm_interrupts() -> Generator[None, None, None]:
    """While jobs run, SIGTERM stops the sweep as Ctrl-C does (``kill``, ``timeout``, Slurm and
    Kubernetes send SIGTERM); otherwise the launcher would die and leave its jobs running."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; a caller's thread keeps its own
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def shown_token(tree: TypeNode) -> Callable[[str], str] | None:
    """How a token may appear in an error: with a secret value masked (``None`` for a schema
    without secrets, whose tokens are shown as they are)."""
    if not schema_traits(tree).secrets:
        return None
    from ..read.masking import masked_token

    return lambda token: masked_token(token, tree) or token


