"""A sampled sweep: an Optuna study that asks for trials, runs them as jobs, and tells results.

Nothing here prints; :mod:`typedcfg.app.sampled` does. Optuna is imported only here, only for a
sampled sweep.

The loop, ``batch`` trials at a time (``--jobs N``)::

    ask N trials (each samples every distribution of the space)
    compose and validate each trial's config: one that fails is a failed trial, never started
    run the others as one batch of jobs on the launcher (``run_batch``)
    tell each trial its objective (the function's return value), or that it failed

The study lives in Optuna's storage (``sqlite:///sweeps.db``) when one is given, so the same
command resumes it: trials that ended are kept, a trial that was running when the sweep stopped
(Ctrl-C, SIGTERM, a crash) is marked failed and asked again with the same parameters, and the
sweep runs until the study holds ``trials`` ended trials.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any, cast

from ..errors import OverrideError, require_module, suggest
from ..provenance import Origin, SourceKind
from .jobs import JobResult, JobSpec, Outcome
from .samplers import Space, value_text

__all__ = [
    "SAMPLERS",
    "StudyOutcome",
    "StudySettings",
    "TrialEnd",
    "objective_of",
    "run_study",
]

SAMPLERS = {"optuna": "TPESampler", "tpe": "TPESampler", "random": "RandomSampler"}
"""``--sweeper`` names and the Optuna sampler each one is."""

_SWEEP_ATTR = "typedcfg.sweep"
_INTERRUPTED_ATTR = "typedcfg.interrupted"


@dataclasses.dataclass(frozen=True)
class StudySettings:
    """How to sample and how long.

    Attributes:
        sampler: an ``optuna.samplers`` class name (``TPESampler``, ``RandomSampler``), or
            ``grid`` (every combination of the choices, in order).
        sampler_args: keyword arguments of the sampler (``seed``, ``n_startup_trials``).
        trials: how many trials the study holds when the sweep ends.
        direction: ``minimize`` or ``maximize``.
        objective: the key of a returned mapping that is the objective (``None``: the
            return value itself).
        study: the study's name in the storage (``None``: a new name).
        storage: Optuna's storage URL (``sqlite:///sweeps.db``); ``None`` keeps the study in
            memory (it cannot be resumed).
        batch: how many trials are asked, then run, at a time.
        origin: where the sampler was chosen, for errors about it.
    """

    sampler: str = "TPESampler"
    sampler_args: Mapping[str, Any] = dataclasses.field(default_factory=dict[str, Any])
    trials: int = 20
    direction: str = "minimize"
    objective: str | None = None
    study: str | None = None
    storage: str | None = None
    batch: int = 1
    origin: Origin | None = None


@dataclasses.dataclass(frozen=True)
class TrialEnd:
    """How one trial ended.

    Attributes:
        number: the trial's number in the study (its job number).
        params: the sampled values, by key.
        result: its job's result (a trial whose config failed validation never ran: its
            result says ``failed`` with the validation error).
        objective: the objective told to the study, ``None`` when the trial failed.
    """

    number: int
    params: Mapping[str, Any]
    result: JobResult
    objective: float | None


@dataclasses.dataclass(frozen=True)
class StudyOutcome:
    """The end of a sampled sweep.

    Attributes:
        name: the study's name.
        sweep_id: the sweep id the trials are recorded under (kept across resumes).
        ended: the trials that ended in this session, in the order they ended.
        before: how many trials the study held already when this session started.
        total: the number of trials asked for.
        best: ``(number, params, objective)`` of the study's best trial, ``None`` if none
            completed.
        interrupted: Ctrl-C or SIGTERM stopped the sweep.
        stopped: the trials Ctrl-C or SIGTERM stopped (asked again first on resume).
    """

    name: str
    sweep_id: str
    ended: tuple[TrialEnd, ...]
    before: int
    total: int
    best: tuple[int, Mapping[str, Any], float] | None
    interrupted: bool
    stopped: tuple[int, ...] = ()


def objective_of(value: Any, key: str | None) -> float:
    """The objective in a job's return value: the value, or ``value[key]`` of a mapping.

    Raises:
        ValueError: not a number (the message says what was returned).
    """
    if key is not None:
        if not isinstance(value, Mapping):
            raise ValueError(
                f"the objective is {key!r} of the returned mapping, and the function "
                f"returned {value!r}"
            )
        mapping = cast("Mapping[str, Any]", value)
        if key not in mapping:
            close = suggest(key, [str(k) for k in mapping])
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"the returned mapping has no objective {key!r} (keys: "
                f"{', '.join(map(str, mapping)) or 'none'}){hint}"
            )
        value = mapping[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"the objective must be a number, and the function returned {value!r}")
    if math.isnan(value):
        raise ValueError("the objective is NaN")
    return float(value)


def run_study(
    space: Space,
    settings: StudySettings,
    *,
    spec_of: Callable[[int, str, Sequence[str], Mapping[str, Any]], JobSpec],
    check: Callable[[Sequence[str]], str | None],
    run_batch: Callable[[Sequence[JobSpec]], Outcome],
    new_id: Callable[[], str],
    on_open: Callable[[str, str, int], None],
    on_trial: Callable[[TrialEnd], None],
) -> StudyOutcome:
    """Sample, run and tell trials until the study holds ``settings.trials`` ended ones.

    Args:
        space: the distributions and the command line of the trials.
        settings: the sampler, the number of trials, the study and its storage.
        spec_of: ``(number, label, tokens, info)`` to the job of a trial.
        check: composes a trial's config; the error's text when it is invalid.
        run_batch: runs a batch of jobs on the launcher (at most ``settings.batch``).
        new_id: a new sweep id (a resumed study keeps its own).
        on_open: called once with the study's name, the sweep id and how many trials the
            study already held.
        on_trial: called as each trial's end has been told to the study.

    Raises:
        OverrideError: the sampler cannot be made, or a stored study was made for the other
            direction.
    """
    optuna = require_optuna(settings)
    fresh = new_id()
    study = _open(settings, optuna, settings.study or f"sweep-{fresh}")
    if _SWEEP_ATTR not in study.user_attrs:
        study.set_user_attr(_SWEEP_ATTR, fresh)
        if settings.sampler == "grid":
            for combo in _grid(space, settings.trials):
                study.enqueue_trial(combo)
    sweep_id = str(study.user_attrs[_SWEEP_ATTR])
    _requeue_running(study, optuna)
    before = _ended(study, optuna)
    on_open(study.study_name, sweep_id, before)
    distributions = {p.key: p.distribution() for p in space.params}
    by_key = {p.key: p for p in space.params}
    ended: list[TrialEnd] = []
    stopped: list[int] = []
    remaining = settings.trials - before
    interrupted = False
    while remaining > 0 and not interrupted:
        size = min(max(1, settings.batch), remaining)
        asked: dict[int, tuple[Any, dict[str, Any]]] = {}
        try:
            specs: list[JobSpec] = []
            for _ in range(size):
                trial = study.ask(distributions)
                values = {k: by_key[k].value(v) for k, v in trial.params.items()}
                asked[trial.number] = (trial, values)
                tokens = space.trial_tokens(values)
                label = " ".join(by_key[k].token(v) for k, v in values.items())
                problem = check(tokens)
                if problem is not None:
                    result = JobResult(trial.number, label, "failed", error=problem)
                    ended.append(_tell(study, optuna, trial, values, result, None))
                    on_trial(ended[-1])
                    del asked[trial.number]
                    continue
                texts = {k: value_text(v) for k, v in values.items()}
                info = {"id": sweep_id, "job": trial.number, "jobs": settings.trials,
                        "params": texts, "study": study.study_name}  # fmt: skip
                specs.append(spec_of(trial.number, label, tokens, info))
            outcome = run_batch(specs) if specs else Outcome((), False)
            interrupted = outcome.interrupted
        except KeyboardInterrupt:
            interrupted = True
            outcome = Outcome((), True)
        for result in outcome.results:
            # Every end the launcher returned is told, even after a Ctrl-C during the telling:
            # the sweep has shown it as ended, and a resumed study must not run it again.
            try:
                trial, values = asked.pop(result.index)
                if result.status in ("interrupted", "cancelled"):
                    _interrupted(study, optuna, trial, values)
                    stopped.append(trial.number)
                    continue
                objective = None
                if result.status == "finished":
                    try:
                        objective = objective_of(result.value, settings.objective)
                    except ValueError as exc:
                        result = dataclasses.replace(result, status="failed", error=str(exc))
                ended.append(_tell(study, optuna, trial, values, result, objective))
                on_trial(ended[-1])
            except KeyboardInterrupt:
                interrupted = True
        for trial, values in asked.values():  # asked and never ended: asked again on resume
            _interrupted(study, optuna, trial, values)
            stopped.append(trial.number)
        remaining -= size
    return StudyOutcome(
        study.study_name, sweep_id, tuple(ended), before, settings.trials, _best(study, optuna),
        interrupted, tuple(sorted(stopped)),
    )  # fmt: skip


@contextlib.contextmanager
def _quiet(optuna: Any) -> Generator[None, None, None]:
    """Optuna logs each study it makes at INFO; the sweep says it in its own words."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


def require_optuna(settings: StudySettings) -> Any:
    """Optuna, imported; a located error with the command that installs it when it is not."""
    where = settings.origin or Origin(SourceKind.ARGV, text="--sweeper")
    kind = "grid" if settings.sampler == "grid" else settings.sampler
    return require_module(
        "optuna", OverrideError, f"a {kind} sweep runs on Optuna, which is not installed",
        where, "pip install 'typedcfg[optuna]'  (or: pip install optuna)",
    )  # fmt: skip


def _open(settings: StudySettings, optuna: Any, name: str) -> Any:
    where = settings.origin or Origin(SourceKind.ARGV, text="--sweeper")
    kind = "RandomSampler" if settings.sampler == "grid" else settings.sampler
    factory = getattr(optuna.samplers, kind, None)
    if not isinstance(factory, type) or kind in ("GridSampler", "PartialFixedSampler"):
        names = [n for n in dir(optuna.samplers) if n.endswith("Sampler")]
        raise OverrideError(
            f"unknown sampler {kind!r}; the samplers are TPESampler, RandomSampler and the "
            "other classes of optuna.samplers that need no search space",
            origin=where,
            suggestions=suggest(kind, names),
        )
    try:
        sampler = factory(**settings.sampler_args)
    except (TypeError, ValueError) as exc:
        raise OverrideError(f"cannot make the sampler {kind}: {exc}", origin=where) from exc
    try:
        with _quiet(optuna):
            study = optuna.create_study(
                study_name=name, storage=settings.storage, sampler=sampler,
                direction=settings.direction, load_if_exists=True,
            )  # fmt: skip
    except Exception as exc:  # SQLAlchemy's and Optuna's errors for a bad storage URL or file
        raise OverrideError(
            f"cannot open the study storage {settings.storage!r}: {exc}",
            origin=Origin(SourceKind.ARGV, text=f"--storage {settings.storage}"),
            hint="a SQLite file is written as sqlite:///sweeps.db (relative) or "
            "sqlite:////abs/path/sweeps.db",
        ) from exc
    existing = len(study.get_trials(deepcopy=False))
    seed = settings.sampler_args.get("seed")
    if existing and isinstance(seed, int):
        # A resumed study with a seeded sampler would sample its first trials again: the
        # seed moves on by the number of trials the study holds (still reproducible).
        study.sampler = factory(**{**settings.sampler_args, "seed": seed + existing})
    stored = study.direction.name.lower()
    if stored != settings.direction:
        raise OverrideError(
            f"study {study.study_name!r} in {settings.storage} was made to {stored} its "
            f"objective, and this sweep asks to {settings.direction} it",
            origin=Origin(SourceKind.ARGV, text=f"--direction {settings.direction}"),
            hint="give the study's direction, or a new --study name",
        )
    return study


def _grid(space: Space, cap: int) -> list[dict[str, Any]]:
    """Every combination of the choices, first key slowest (wandb's and Hydra's order)."""
    keys = [p.key for p in space.params]
    choices = [list(p.choices) for p in space.params]
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.islice(
        itertools.product(*choices), cap)]  # fmt: skip


def _requeue_running(study: Any, optuna: Any) -> None:
    """Trials left running by a sweep that died: failed, and asked again first."""
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        _interrupted(study, optuna, trial, dict(trial.params))


def _interrupted(study: Any, optuna: Any, trial: Any, values: Mapping[str, Any]) -> None:
    numbers = [*study.user_attrs.get(_INTERRUPTED_ATTR, []), trial.number]
    study.set_user_attr(_INTERRUPTED_ATTR, numbers)
    study.tell(trial.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)
    study.enqueue_trial(dict(trial.params))


def _ended(study: Any, optuna: Any) -> int:
    """Trials that ran to their end (completed or failed), not those stopped by Ctrl-C."""
    skipped = set(study.user_attrs.get(_INTERRUPTED_ATTR, []))
    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
    return sum(
        t.number not in skipped for t in study.get_trials(deepcopy=False, states=states)
    )


def _tell(
    study: Any,
    optuna: Any,
    trial: Any,
    values: Mapping[str, Any],
    result: JobResult,
    objective: float | None,
) -> TrialEnd:
    if objective is None:
        if result.error:
            trial.set_user_attr("typedcfg.error", result.error[:2000])
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
    else:
        study.tell(trial, objective)
    return TrialEnd(trial.number, dict(values), result, objective)


def _best(study: Any, optuna: Any) -> tuple[int, Mapping[str, Any], float] | None:
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        return None
    best = study.best_trial
    return best.number, dict(best.params), float(best.value)
