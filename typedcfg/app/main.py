"""``@typedcfg.main``: the entry point a program's ``train()`` is written against.

With :mod:`typedcfg.app.cli`, the only library module that reads ``sys.argv``, prints and exits.

The decorated function is called exactly once with the validated config::

    @typedcfg.main(Config)
    def train(cfg: Config) -> float: ...

    train()                       # parses sys.argv[1:]
    train(argv=["optim.lr=0.1"])  # parses the given tokens (tests)

Before composing, the built-in flags ``--help``/``-h``, ``--cfg`` and ``--explain`` are taken
out of the command line (up to ``--``); everything else, ``--configs`` included, goes to
:func:`typedcfg.compose`, which owns the override grammar. A :class:`TypedcfgError` while
composing becomes its located message on stderr and exit status 2; the function's own
exceptions propagate untouched.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from ..errors import SchemaError, TypedcfgError
from ..pipeline import CWD_DEFAULTS, Loaded
from ..provenance import running
from ..typeinfo import is_schema, schema_tree
from .flags import (
    JOB_ENV,
    MULTIRUN_MARKERS,
    USAGE_EXIT,
    Flags,
    LoadOptions,
    relocated,
    split_flags,
)

# Sweeps, run records and the --cfg/--explain printers are imported where they are used: a
# plain run pays for none of them (``import typedcfg`` stays cheap, see docs/performance.md).
if TYPE_CHECKING:
    from ..sweeps.grammar import SweepFlags

__all__ = ["MainFunction", "main"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
R = TypeVar("R")






class MainFunction(Generic[R]):
    """A function decorated with :func:`main`: call it to parse argv, load, and run it once.

    Attributes:
        schema: the config class.
        options: the load options given to the decorator.
        __wrapped__: the undecorated function.
    """

    def __init__(self, fn: Callable[[Any], R], schema: type[Any], options: LoadOptions) -> None:
        self.schema = schema
        self.options = options
        self.__wrapped__ = fn
        functools.update_wrapper(self, fn)

    def __call__(self, *, argv: Sequence[str] | None = None) -> R:
        """Parse ``argv`` (default ``sys.argv[1:]``), then run the function with the config.

        Raises:
            SystemExit: 0 after ``--help``, ``--cfg`` or ``--explain``; 2 on bad input.
        """
        if isinstance(argv, str):
            raise TypeError("argv must be a list of tokens, not a string")
        tokens = list(sys.argv[1:] if argv is None else argv)
        job = None
        job_file = os.environ.get(JOB_ENV)
        if job_file:  # started by a sweep's launcher, which wrote the job's identity to a file
            from ..sweeps.jobs import take_job

            try:
                job = take_job(job_file)
            except TypedcfgError as exc:
                print(exc.render(), file=sys.stderr)
                raise SystemExit(USAGE_EXIT) from None
        flags = split_flags(tokens)
        if flags.help:
            from .help import render_help

            text, problem = render_help(
                self.schema,
                self.__wrapped__,
                _prog(),
                defaults=self.options.defaults,
                config_dir=self.options.config_dir,
                config_store=self.options.config_store,
            )
            print(text)
            if problem is not None:
                print(relocated(problem, flags.positions).render(), file=sys.stderr)
            raise SystemExit(0)
        try:
            if MULTIRUN_MARKERS.intersection(flags.tokens):
                from ..sweeps.grammar import take_sweep_flags

                sweep = take_sweep_flags(flags.tokens)
                if sweep.multirun:
                    raise SystemExit(self._multirun(flags, sweep))
            loaded = self.options.compose(self.schema, flags.tokens)
        except TypedcfgError as exc:
            print(relocated(exc, flags.positions).render(), file=sys.stderr)
            raise SystemExit(USAGE_EXIT) from None
        if flags.cfg or flags.explain:
            from .display import config_yaml, explain_text

            if flags.cfg:
                print(config_yaml(loaded.config), end="")
            if flags.explain:
                print(explain_text(loaded, flags.positions))
            raise SystemExit(0)
        runs_dir = self.options.runs_root()
        if job is not None:
            return self._job(loaded, runs_dir, tokens, job)
        if runs_dir is None:
            return self._call(loaded)
        return self._recorded(loaded, runs_dir, tokens)

    def _call(self, loaded: Loaded[Any]) -> R:
        """The function itself; ``to_wandb(cfg)`` inside it knows where each key came from."""
        with running(loaded.config, loaded.provenance):
            return self.__wrapped__(loaded.config)

    def _recorded(
        self,
        loaded: Loaded[Any],
        runs_dir: str,
        tokens: Sequence[str],
        sweep: Mapping[str, Any] | None = None,
        on_run: Callable[[str], None] | None = None,
    ) -> R:
        """Call the function inside :func:`~typedcfg.runs.store.record_run` (status, summary)."""
        from ..runs.record import record_run

        with contextlib.ExitStack() as stack:
            try:
                run = stack.enter_context(
                    record_run(
                        loaded,
                        runs_dir=runs_dir,
                        project=self.options.project or self.__wrapped__.__name__,
                        run_id=None if sweep is None else f"{sweep['id']}-{sweep['job']}",
                        argv=tokens,
                        configs=[os.fspath(c) for c in self.options.configs],
                        program=sys.argv[0] if sys.argv else None,
                        sweep=sweep,
                    )
                )
            except TypedcfgError as exc:  # a bad project name, an unwritable runs_dir
                print(exc.render(), file=sys.stderr)
                raise SystemExit(USAGE_EXIT) from None
            if on_run is not None:
                on_run(os.fspath(run.dir.resolve()))
            return self._call(loaded)

    def _job(
        self, loaded: Loaded[Any], runs_dir: str | None, tokens: Sequence[str], job: dict[str, Any]
    ) -> R:
        """Run one job of a sweep and write its outcome where the launcher reads it."""
        import signal

        from ..sweeps.jobs import interrupt_once, reported, write_outcome

        # The launcher stops a job with SIGINT. A process inherits an ignored or blocked SIGINT
        # (Ray's workers block it, a shell's background job ignores it), and Python then never
        # raises KeyboardInterrupt; a job restores it so that it can record how it ended.
        with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
            # SIGTERM too: Slurm ends a job with it (time limit, scancel, preemption), as do
            # kill and container runtimes; the job then records how it ended before it exits.
            signal.signal(signal.SIGTERM, interrupt_once)
        outcome: dict[str, Any] = {"status": "failed", "value": None, "error": None, "run": None}
        try:
            if runs_dir is None:
                value = self._call(loaded)
            else:
                sweep = {k: v for k, v in job.items() if k != "result"}

                def seen(path: str) -> None:
                    outcome["run"] = path

                value = self._recorded(loaded, runs_dir, tokens, sweep, seen)
            outcome.update(status="finished", value=reported(value))
            return value
        except BaseException as exc:
            if isinstance(exc, SystemExit) and exc.code in (None, 0):
                outcome["status"] = "finished"
            else:
                text = str(exc)
                outcome["error"] = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
            raise
        finally:
            write_outcome(str(job["result"]), outcome)

    def _multirun(self, flags: Flags, sweep: SweepFlags) -> int:
        """Expand, validate every job, launch, print the summary; the exit status."""
        from ..sweeps.grammar import SweepError, expand, group_options
        from ..sweeps.jobs import NESTED_ENV
        from .display import config_yaml, explain_text
        from .multirun import check_jobs, launch_jobs, masked_jobs, shown_token

        if os.environ.get(NESTED_ENV):
            print("--multirun: a job of a sweep cannot start another sweep", file=sys.stderr)
            return USAGE_EXIT
        positions = [flags.positions[p] for p in sweep.positions]
        from .sampled import sampled_sweep

        status = sampled_sweep(self, flags, sweep, positions)
        if status is not None:  # --sweeper, --sweep-config, or a tree's hydra.sweeper
            return status
        opts = self.options
        try:
            jobs = expand(
                sweep.tokens,
                lambda g: group_options(
                    self.schema, g, config_dir=opts.config_dir, defaults=opts.defaults,
                    config_store=opts.config_store,
                ),
                shown_token(schema_tree(self.schema)),
                max_jobs=sweep.options.max_jobs,
            )
        except TypedcfgError as exc:
            print(relocated(exc, positions).render(), file=sys.stderr)
            return USAGE_EXIT
        jobs = masked_jobs(jobs, schema_tree(self.schema))
        loaded, failures = check_jobs(opts, self.schema, jobs, positions)
        if failures:
            print(SweepError(failures, len(jobs)).render(), file=sys.stderr)
            return USAGE_EXIT
        if flags.cfg or flags.explain:
            for job, each in zip(jobs, loaded, strict=True):
                print(f"# job {job.index}: {job.label}")
                print(config_yaml(each.config) if flags.cfg else "", end="")
                if flags.explain:
                    print(explain_text(each, positions))
            return 0
        return launch_jobs(self.__wrapped__, jobs, sweep.options)

    def __repr__(self) -> str:
        return f"<typedcfg.main {getattr(self, '__qualname__', '?')}({self.schema.__name__})>"


class _Decorator(Protocol[T_co]):
    """What ``typedcfg.main(Schema)`` returns: takes ``fn(cfg: Schema) -> R``."""

    def __call__(self, fn: Callable[[T_co], R], /) -> MainFunction[R]: ...


# A class is also a callable, so the overloads overlap for a one-field dataclass; the class
# overload comes first so such a schema still means "schema", never "function".
@overload
def main(  # type: ignore[overload-overlap]
    schema: type[T],
    /,
    *,
    defaults: str | os.PathLike[str] | None = ...,
    configs: Sequence[str | os.PathLike[str]] = ...,
    env_prefix: str | None = ...,
    environ: Mapping[str, str] | None = ...,
    config_dir: str | os.PathLike[str] | None = ...,
    config_name: str | None = ...,
    runs_dir: str | os.PathLike[str] | None = ...,
    project: str | None = ...,
    config_store: object | None = ...,
) -> _Decorator[T]: ...


@overload
def main(schema: Callable[[T], R], /) -> MainFunction[R]: ...


def main(
    schema: Any,
    /,
    *,
    defaults: str | os.PathLike[str] | None = CWD_DEFAULTS,
    configs: Sequence[str | os.PathLike[str]] = (),
    env_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    config_name: str | None = None,
    runs_dir: str | os.PathLike[str] | None = None,
    project: str | None = None,
    config_store: object | None = None,
) -> Any:
    """Turn ``fn(cfg)`` into a program entry point with a typed, validated config.

    Use as ``@typedcfg.main(Schema, **options)`` or bare ``@typedcfg.main`` (the schema is the
    annotation of the function's first parameter). The options are those of
    :func:`typedcfg.compose`.

    Built-in flags: ``--help``/``-h`` (fields, types, defaults, descriptions, group options),
    ``--cfg`` (the composed config as YAML, secrets masked), ``--explain`` (each key, its value,
    where it came from and what it overrode); ``--configs FILE...`` adds files. All exit 0;
    bad input prints its located message(s) on stderr and exits 2.

    With ``runs_dir="runs"`` (or ``TYPEDCFG_RUNS_DIR`` set in the environment) each call is
    recorded in ``runs/<project>/<run_id>/`` (see :func:`typedcfg.record_run`); ``project``
    defaults to the function's name. Without either, nothing is written.

    Raises:
        SchemaError: at decoration time, when the schema is not a model or dataclass or the
            first parameter has no annotation.
    """
    options = LoadOptions(
        defaults, tuple(configs), env_prefix, environ, config_dir, config_name, runs_dir, project,
        config_store,
    )
    if isinstance(schema, type):
        schema_tree(schema)  # a bad schema fails here, at decoration time

        def decorate(fn: Callable[[Any], R]) -> MainFunction[R]:
            if not callable(fn):
                raise TypeError(f"@typedcfg.main({schema.__name__}) decorates a function")
            return MainFunction(fn, schema, options)

        return decorate
    if callable(schema):
        return MainFunction(schema, _annotated_schema(schema), options)
    raise SchemaError(
        f"@typedcfg.main takes a schema class or a function, not {type(schema).__name__}"
    )


def _annotated_schema(fn: Callable[..., Any]) -> type[Any]:
    """The class annotated on ``fn``'s first parameter (bare ``@typedcfg.main``)."""
    name = getattr(fn, "__qualname__", repr(fn))
    code = getattr(fn, "__code__", None)
    if code is None or code.co_argcount < 1:
        raise SchemaError(
            f"{name}: @typedcfg.main needs a function whose first parameter takes the config",
            hint="def train(cfg: Config) -> None: ...",
        )
    first = code.co_varnames[0]
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:  # NameError for a schema defined inside another function
        raise SchemaError(
            f"{name}: cannot resolve the annotation of {first!r}: {exc}",
            hint="define the schema at module level, or name it: @typedcfg.main(Config)",
        ) from exc
    schema = hints.get(first)
    if schema is None:
        raise SchemaError(
            f"{name}: parameter {first!r} has no annotation, so @typedcfg.main cannot tell "
            "the schema",
            hint=f"annotate it ({first}: Config) or name it: @typedcfg.main(Config)",
        )
    if not (isinstance(schema, type) and is_schema(schema)):
        raise SchemaError(
            f"{name}: parameter {first!r} is annotated {schema!r}, which is not a schema",
            hint="annotate it with a pydantic model or a dataclass",
        )
    schema_tree(schema)
    return schema


def _prog() -> str:
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "program"


# --- sweeps -----------------------------------------------------------------------------------


# --- locations --------------------------------------------------------------------------------


