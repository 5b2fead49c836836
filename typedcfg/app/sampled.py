"""A sampled ``--multirun`` (``--sweeper``, ``--sweep-config``, a tree's ``hydra.sweeper``).

The program's side of :mod:`typedcfg.sweeps.study`: it reads the flags, the tree or the sweep
file, checks the search space before the first trial, runs the study batch by batch on the
launcher, prints each trial as it ends and the best trial at the end.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..composition.reuse import composed_once
from ..errors import TypedcfgError
from ..typeinfo import schema_tree
from .flags import (
    USAGE_EXIT,
    Flags,
    relocated,  # pyright: ignore[reportPrivateUsage]  # the room's own helper
)

if TYPE_CHECKING:
    from ..sweeps.grammar import SweepFlags
    from ..sweeps.jobs import JobResult, JobSpec, Outcome
    from ..sweeps.study import StudyOutcome, StudySettings, TrialEnd
    from .main import MainFunction

__all__ = ["sampled_sweep"]


def sampled_sweep(
    main: MainFunction[Any], flags: Flags, sweep: SweepFlags, positions: Sequence[int]
) -> int | None:
    """Run a sampled sweep and return the exit status; ``None`` when the sweep is a grid.

    Args:
        main: the decorated function.
        flags: the built-in flags of the command line.
        sweep: the ``--multirun`` flags and the tokens left.
        positions: for each of ``sweep.tokens``, its index in the command line.
    """
    from ..sweeps.hydra_sweeper import tree_sweeper
    from ..sweeps.sampled import settings_from, take_sampler_flags
    from ..sweeps.samplers import SpaceError, check_space, looks_sampled, read_space
    from ..sweeps.study import require_optuna
    from .multirun import shown_token  # pyright: ignore[reportPrivateUsage]  # same room

    opts = main.options
    tree = schema_tree(main.schema)
    where = list(positions)
    try:
        found = take_sampler_flags(sweep.tokens)
        extra: Sequence[Any] = ()
        fixed: Sequence[Any] = ()
        params: Sequence[Any] = ()
        base: StudySettings | None = None
        if "--sweep-config" in found.values:
            from ..sweeps.wandb_sweep import read_sweep_config

            wandb = read_sweep_config(found.values["--sweep-config"][0])
            _needs_cap(wandb.capped, found.values)
            base, params, fixed = wandb.settings, wandb.params, wandb.fixed
        else:
            hydra = tree_sweeper(
                [t for t in found.tokens if not looks_sampled(t)], defaults=opts.defaults,
                configs=opts.configs, env_prefix=opts.env_prefix, environ=opts.environ,
                config_dir=opts.config_dir, config_name=opts.config_name,
                config_store=opts.config_store,
            )  # fmt: skip
            if hydra is not None:
                base, extra = hydra.settings, hydra.params
        if base is None and not found.sampled:
            return None
        try:
            settings = settings_from(found, base, sweep.options.jobs)
            require_optuna(settings)  # before anything is checked: the sampler is Optuna's
        except TypedcfgError as exc:  # located at a flag: an index among sweep.tokens
            print(relocated(exc, positions).render(), file=sys.stderr)
            return USAGE_EXIT
        where = [positions[p] for p in found.positions]  # errors from here: found.tokens
        space = read_space(found.tokens, shown_token(tree), extra, fixed, params)
        with composed_once():  # the files are composed once for every bound and choice
            check_space(space, lambda tokens: opts.compose(main.schema, tokens))
    except TypedcfgError as exc:
        if isinstance(exc, SpaceError):
            moved = SpaceError([relocated(e, where) for e in exc.errors])
            print(moved.render(), file=sys.stderr)
        else:
            print(relocated(exc, where).render(), file=sys.stderr)
        return USAGE_EXIT
    if flags.cfg or flags.explain:
        return _dry_run(main, space, settings, flags, where)
    return _run(main, space, settings, sweep, where)


def _dry_run(
    main: MainFunction[Any], space: Any, settings: StudySettings, flags: Flags,
    where: Sequence[int],
) -> int:
    """``--cfg``/``--explain``: the search space, then the config with each distribution at its
    first value (bounds and choices were checked already); nothing runs."""
    from .display import config_yaml, explain_text

    print(f"# {settings.trials} trials ({settings.sampler}, {settings.direction}) over:")
    for param in space.params:
        print(f"#   {param.key}: {param.written}  ({param.distribution()!r})")
    first = {p.key: p.probes()[0][1] for p in space.params}
    loaded = main.options.compose(main.schema, space.trial_tokens(first))
    print(config_yaml(loaded.config) if flags.cfg else "", end="")
    if flags.explain:
        print(explain_text(loaded, where))
    return 0


def _needs_cap(capped: bool, values: Mapping[str, Any]) -> None:
    from ..errors import OverrideError

    if not capped and "--trials" not in values:
        raise OverrideError(
            "a random or bayes sweep runs until it is stopped on wandb's server; a local one "
            "needs run_cap in the sweep file or --trials N",
            origin=values["--sweep-config"][1],
        )


def _run(
    main: MainFunction[Any],
    space: Any,
    settings: StudySettings,
    sweep: SweepFlags,
    where: Sequence[int],
) -> int:
    from ..sweeps.jobs import JobSpec, program_command, progress_line, summary_table
    from ..sweeps.launchers import Launcher, new_sweep_id
    from ..sweeps.output import SweepOutput
    from ..sweeps.study import objective_of, run_study
    from .multirun import _sigterm_interrupts  # pyright: ignore[reportPrivateUsage]  # same room

    opts = main.options
    done: list[int] = []
    state: dict[str, Any] = {
        "before": 0, "announced": False, "first": True, "id": "", "output": None,
    }  # fmt: skip

    def say(line: str) -> None:
        if state["output"] is not None:  # one lock with the jobs' lines: never mixed in a line
            state["output"].say(line)
        else:
            print(line, file=sys.stderr, flush=True)

    def show(result: JobResult) -> None:
        done.append(result.index)
        objective = ""
        if result.status == "finished":
            try:
                objective = f": objective {objective_of(result.value, settings.objective):.6g}"
            except ValueError as exc:  # the study records the trial as failed, with this
                result = dataclasses.replace(result, status="failed", error=str(exc))
        line = progress_line(result, state["before"] + len(done), settings.trials)
        say(line.replace(f"job {result.index} ", f"trial {result.index} ", 1) + objective)

    def check(tokens: Sequence[str]) -> str | None:
        try:
            opts.compose(main.schema, tokens)
        except TypedcfgError as exc:
            return relocated(exc, where).render()
        return None

    def on_open(name: str, sweep_id: str, before: int) -> None:
        state["before"] = before
        state["id"] = sweep_id
        # Made here: a resumed study keeps its sweep id, which names the jobs' log files.
        state["output"] = SweepOutput(
            _write, sweep_id=sweep_id, quiet=sweep.options.quiet_jobs, logs=sweep.options.logs
        )
        kept = f"in {settings.storage}" if settings.storage else "in memory"
        sampler = "grid" if settings.sampler == "grid" else settings.sampler
        resumed = f", resuming after {before} ended trials" if before else ""
        say(f"sweep {sweep_id}: study {name} ({sampler}, {settings.direction}) {kept}, "
            f"{settings.trials} trials, {settings.batch} at a time{resumed}")  # fmt: skip

    def on_trial(end: TrialEnd) -> None:
        if end.result.duration == 0.0 and end.result.status == "failed" and not end.result.run:
            show(end.result)  # never started: its config failed validation

    def announce(line: str) -> None:
        # A batch's first line says where its jobs run, the same for every batch: said once,
        # without the batch's own count. Its other lines (a batch's Slurm job array, a cancel)
        # are said as they come.
        if not state["first"]:
            say(f"sweep {state['id']}: {line}")
            return
        state["first"] = False
        if not state["announced"]:
            state["announced"] = True
            where = line.split(" jobs ", 1)[-1]
            if where.endswith(" at a time"):  # local processes: the study's line says how many
                where = where.rpartition(", ")[0]
            say(f"sweep {state['id']}: trials run {where}")

    launcher = Launcher(sweep.options)

    def run_batch(specs: Sequence[JobSpec]) -> Outcome:
        state["first"] = True
        return launcher.launch(specs, show, announce, state["output"])

    try:
        command = program_command(main.__wrapped__)
        cwd = os.getcwd()

        def spec_of(
            number: int, label: str, tokens: Sequence[str], info: Mapping[str, Any]
        ) -> JobSpec:
            return JobSpec(number, label, command, tuple(tokens), cwd, info)

        # One launcher for every batch: on Ray, one session from the first batch to the end
        # (closed after Ctrl-C, SIGTERM or an error too), not a cluster started per batch.
        # Each trial's check reuses the files (composed_once).
        with _sigterm_interrupts(), launcher, composed_once():
            outcome = run_study(
                space, settings, spec_of=spec_of, check=check, run_batch=run_batch,
                new_id=new_sweep_id, on_open=on_open, on_trial=on_trial,
            )  # fmt: skip
    except TypedcfgError as exc:
        print(relocated(exc, where).render(), file=sys.stderr)
        return USAGE_EXIT
    results = sorted((e.result for e in outcome.ended), key=lambda r: r.index)
    if results:
        print(summary_table(results))
    for result in results:
        if result.status == "failed" and result.output:
            kept = f"; all of it in {os.path.relpath(result.log)}" if result.log else ""
            print(f"--- trial {result.index} output (last lines{kept}) ---", file=sys.stderr)
            print(result.output, file=sys.stderr)
    print(_best_line(outcome, settings))
    return _status(outcome, settings, say)


def _write(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def _best_line(outcome: StudyOutcome, settings: StudySettings) -> str:
    from ..sweeps.samplers import value_text

    if outcome.best is None:
        return f"study {outcome.name}: no trial completed"
    number, params, value = outcome.best
    shown = " ".join(f"{k}={value_text(v)}" for k, v in params.items())
    return f"best trial {number}: objective {value:.6g} ({settings.direction}) with {shown}"


def _status(outcome: StudyOutcome, settings: StudySettings, say: Callable[[str], None]) -> int:
    if outcome.interrupted:
        if outcome.stopped:
            numbers = ", ".join(map(str, outcome.stopped))
            noun = "trial" if len(outcome.stopped) == 1 else "trials"
            say(f"stopped before the end: {noun} {numbers}, asked again first on resume")
        if settings.storage:
            say(f"sweep {outcome.sweep_id} interrupted; the same command resumes study "
                f"{outcome.name} in {settings.storage}")  # fmt: skip
        else:
            say(f"sweep {outcome.sweep_id} interrupted; the study was in memory: give "
                "--study NAME (kept in sqlite:///sweeps.db) to make a sweep resumable")  # fmt: skip
        return 130
    say(f"sweep {outcome.sweep_id}: study {outcome.name}, "
        f"{outcome.before + len(outcome.ended)} of {outcome.total} trials ended")  # fmt: skip
    return 1 if any(e.objective is None for e in outcome.ended) else 0
