"""Sweeps: ``--multirun`` flags, the sweep grammar expanded into jobs, and pre-launch checks.

No printing, no exiting here: :mod:`typedcfg.app.main` does both.

A sweep is a command line whose overrides may hold several values, in Hydra's grammar, read by
hydra-core's own override parser (imported only here, and only for ``--multirun``)::

    optim.lr=0.1,0.01            a comma list
    batch_size=range(32,129,32)  range(start, stop[, step]), stop excluded
    optim=choice(adam,sgd)       choice(...), also sort(...) and shuffle(...)
    optim=glob(*)                every option of a config group (files or a typed group)

Every combination (the cartesian product, first sweep slowest, as Hydra orders it) becomes a
:class:`Job`: the same tokens as the command line, each sweep token replaced by one value in
the same position, so an error in a job is located at the argument the user typed.
``interval(...)`` describes a distribution, not values: it is an error that says a sampler is
needed.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..composition.config_store import read_config_store
from ..composition.repo import GroupRepo
from ..errors import OverrideError, TypedcfgError
from ..pipeline import find_defaults_file
from ..provenance import Origin, SourceKind
from ..typeinfo import UNION, schema_tree
from .jobs import MAX_JOBS, SweepOptions

__all__ = [
    "LAUNCHERS",
    "MAX_JOBS",
    "MULTIRUN_FLAGS",
    "Job",
    "SweepError",
    "SweepFlags",
    "SweepOptions",
    "expand",
    "group_options",
    "take_sweep_flags",
]

MULTIRUN_FLAGS = ("--multirun", "-m")
LAUNCHERS = ("local", "ray", "slurm")

# Flags that take a value, as ``--flag value`` or ``--flag=value``, read only with --multirun
# (without it they are ordinary ``--key value`` overrides, as wandb's sweep agents write them).
_SLURM_FLAGS = ("--partition", "--timeout-min", "--mem-gb", "--slurm-array-parallelism", "--slurm")
_VALUE_FLAGS = (
    "--launcher", "--jobs", "--ray-address", "--cpus-per-job", "--gpus-per-job", "--logs",
    *_SLURM_FLAGS,
    "--max-jobs",
)  # fmt: skip
_SWITCHES = ("--quiet-jobs",)  # flags without a value, read only with --multirun
_SBATCH_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclasses.dataclass(frozen=True)
class SweepFlags:
    """The ``--multirun`` flags found on a command line, and the tokens left for the jobs.

    Attributes:
        multirun: ``--multirun`` or ``-m`` was given.
        options: the launcher options (defaults unless ``multirun``).
        tokens: every other token, in order.
        positions: for each kept token, its index in the command line given.
    """

    multirun: bool
    options: SweepOptions
    tokens: tuple[str, ...]
    positions: tuple[int, ...]


def take_sweep_flags(tokens: Sequence[str]) -> SweepFlags:
    """Take ``--multirun``/``-m`` and, when it is there, the launcher flags out of ``tokens``.

    ``--`` ends flag parsing. Without ``--multirun`` nothing else is taken: ``--jobs 4`` is then
    an override of a ``jobs`` field, as for any ``--key value``.

    Raises:
        OverrideError: a launcher flag without its value, or with a bad one (located).
    """
    flag_part = list(itertools.takewhile(lambda t: t != "--", tokens))
    multirun = any(_is_multirun(flag_part, i) for i in range(len(flag_part)))
    if not multirun:
        return SweepFlags(False, SweepOptions(), tuple(tokens), tuple(range(len(tokens))))
    values: dict[str, tuple[str, Origin]] = {}
    sbatch: list[tuple[str, Origin]] = []  # --slurm KEY=VALUE, repeatable
    kept: list[str] = []
    positions: list[int] = []
    i, done = 0, False
    while i < len(tokens):
        token = tokens[i]
        name = token.partition("=")[0]
        if done or (not _is_multirun(tokens, i) and name not in (*_VALUE_FLAGS, *_SWITCHES)):
            done = done or token == "--"
            kept.append(token)
            positions.append(i)
        elif name in _SWITCHES:
            if token != name:
                raise OverrideError(f"{name} takes no value", origin=Origin.argv(i, token))
            values[name] = ("", Origin.argv(i, token))
        elif name in _VALUE_FLAGS:
            if "=" in token:
                found = (token.partition("=")[2], Origin.argv(i, token))
            elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
                found = (tokens[i + 1], Origin.argv(i, f"{token} {tokens[i + 1]}"))
                i += 1
            else:
                raise OverrideError(f"{token} needs a value", origin=Origin.argv(i, token))
            if name == "--slurm":
                sbatch.append(found)
            values[name] = found
        i += 1
    return SweepFlags(True, _options(values, sbatch), tuple(kept), tuple(positions))


def _is_multirun(tokens: Sequence[str], i: int) -> bool:
    """``tokens[i]`` is ``--multirun``/``-m``, and not the value of a bare ``--key`` before it.

    wandb's ``${args_no_equals}`` writes ``--name -m`` for the value ``-m``, as for ``-h``.
    """
    if tokens[i] not in MULTIRUN_FLAGS:
        return False
    before = tokens[i - 1] if i else ""
    takes_value = (
        before.startswith("--") and len(before) > 2 and "=" not in before
        and before not in (*MULTIRUN_FLAGS, *_VALUE_FLAGS, *_SWITCHES, "--configs")
    )  # fmt: skip
    return tokens[i] == "--multirun" or not takes_value


def _options(
    values: dict[str, tuple[str, Origin]], sbatch: Sequence[tuple[str, Origin]] = ()
) -> SweepOptions:
    launcher, where = values.get("--launcher", ("local", None))
    if launcher not in LAUNCHERS:
        raise OverrideError(
            f"unknown launcher {launcher!r}; the launchers are {', '.join(LAUNCHERS)}",
            origin=where,
        )
    if launcher != "slurm":
        for flag in _SLURM_FLAGS:
            if flag in values:
                raise OverrideError(
                    f"{flag} is a flag of the Slurm launcher",
                    origin=values[flag][1],
                    hint="add --launcher slurm",
                )
    timeout = values.get("--timeout-min", ("60", None))
    parallel = values.get("--slurm-array-parallelism")
    return SweepOptions(
        launcher=launcher,
        jobs=None if "--jobs" not in values else int(_number(*values["--jobs"], whole=True)),
        max_jobs=int(_number(*values.get("--max-jobs", (str(MAX_JOBS), None)), whole=True)),
        ray_address=values["--ray-address"][0] if "--ray-address" in values else None,
        cpus_per_job=_number(*values.get("--cpus-per-job", ("1", None)), least=0.0),
        gpus_per_job=_number(*values.get("--gpus-per-job", ("0", None)), least=0.0),
        quiet_jobs="--quiet-jobs" in values,
        logs=values["--logs"][0] if "--logs" in values else None,
        partition=values["--partition"][0] if "--partition" in values else None,
        timeout_min=int(_number(*timeout, whole=True)),
        mem_gb=_number(*values["--mem-gb"], least=0.0) if "--mem-gb" in values else None,
        array_parallelism=None if parallel is None else int(_number(*parallel, whole=True)),
        slurm=tuple(_sbatch_option(*each) for each in sbatch),
    )


def _sbatch_option(text: str, origin: Origin) -> tuple[str, str]:
    """``constraint=a100`` as ``("constraint", "a100")``: any sbatch option, for sbatch to check."""
    key, equals, value = text.partition("=")
    if not equals or not _SBATCH_KEY.fullmatch(key):
        raise OverrideError(
            f"expected --slurm KEY=VALUE with an sbatch option as KEY, got {text!r}",
            origin=origin,
            hint="for example --slurm constraint=a100 or --slurm qos=high",
        )
    return key, value


def _number(text: str, origin: Origin | None, *, whole: bool = False, least: float = 1.0) -> float:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = None
    if value is None or not value >= least:
        kind = "a whole number" if whole else "a number"
        raise OverrideError(f"expected {kind} >= {least:g}, got {text!r}", origin=origin)
    return value


# --- expansion ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Job:
    """One combination of a sweep.

    Attributes:
        index: the job number, from 0, in the order Hydra uses (first sweep slowest).
        tokens: the command line of this job: the sweep's tokens, each sweep replaced by one
            value at the same position.
        overrides: the tokens that were chosen for this job (``optim.lr=0.1``), in argv order.
        params: the swept keys and their value text (``{"optim.lr": "0.1"}``).
    """

    index: int
    tokens: tuple[str, ...]
    overrides: tuple[str, ...]
    params: dict[str, str]

    @property
    def label(self) -> str:
        """The chosen overrides as one line (``optim.lr=0.1 batch_size=32``)."""
        return " ".join(self.overrides) or "(no sweep)"


def expand(
    tokens: Sequence[str],
    options_of: Callable[[str], list[str]],
    shown: Callable[[str], str] | None = None,
    *,
    max_jobs: int = MAX_JOBS,
) -> list[Job]:
    """Every combination of the sweep overrides in ``tokens``, as :class:`Job` objects.

    Args:
        tokens: the command line, multirun flags already taken out.
        options_of: the option names of a config group (for ``glob(...)``).
        shown: a token as errors may show it (secret values masked); the token itself when
            ``None``.

    Raises:
        OverrideError: ``interval(...)`` (needs a sampler), a sweep with no values, a glob
            that matches no option, ``range()`` with step 0, more combinations than
            ``max_jobs`` (counted before any value is listed; each located at its argument).
    """
    choices: list[list[str]] = []
    total = 1
    places: list[int] = []
    keys: list[str] = []
    done = False
    for index, token in enumerate(tokens):
        done = done or token == "--"
        if not _maybe_sweep(token, after_dashes=done):
            continue
        origin = Origin.argv(index, shown(token) if shown is not None else token)
        found = _sweep_values(token, origin, options_of, total, max_jobs)
        if found is not None:
            key, prefix, values = found
            total *= len(values)
            if total > max_jobs:  # a glob's options, listed before they could be counted
                raise _too_many(total, max_jobs, origin)
            choices.append([f"{prefix}={v}" for v in values])
            places.append(index)
            keys.append(key)
    jobs: list[Job] = []
    for number, combo in enumerate(itertools.product(*choices)):
        job_tokens = list(tokens)
        for place, chosen in zip(places, combo, strict=True):
            job_tokens[place] = chosen
        params = {k: c.partition("=")[2] for k, c in zip(keys, combo, strict=True)}
        jobs.append(Job(number, tuple(job_tokens), tuple(combo), params))
    return jobs


def _maybe_sweep(token: str, *, after_dashes: bool) -> bool:
    """A cheap test, so that plain ``key=value`` tokens never reach hydra's parser."""
    if token.startswith("~") or token.lstrip().startswith("{") or "=" not in token:
        return False
    if token.startswith("--") and not after_dashes:
        return False  # --key=value is wandb's agent format; Hydra sweeps are key=a,b
    value = token.partition("=")[2]
    return "," in value or "(" in value


def _sweep_values(
    token: str,
    origin: Origin,
    options_of: Callable[[str], list[str]],
    total: int,
    max_jobs: int,
) -> tuple[str, str, list[str]] | None:
    """``(key, key element, value texts)`` for a sweep token, ``None`` for anything else."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob, IntervalSweep

    try:
        parsed = OverridesParser.create().parse_override(token)
    except Exception:  # hydra's parse errors: the job's own composition reports them, located
        return None
    if not parsed.is_sweep_override():
        return None
    key = str(parsed.key_or_group)
    element = str(parsed.get_key_element())
    value = parsed.value()
    if isinstance(value, IntervalSweep):
        raise OverrideError(
            f"interval() is a range to sample from, and a grid sweep cannot list its values: "
            f"sampling {key} needs a sampler (Optuna, a wandb sweep)",
            origin=origin,
            hint=f"sample it with --sweeper optuna --trials N, list the values "
            f"({key}=0.1,0.01) or step through them ({key}=range(1,10,2))",
        )
    if isinstance(value, Glob):
        group = key.replace(".", "/")
        available = options_of(group)
        values = [str(v) for v in value.filter(available)]
        if not values:
            shown = ", ".join(available) or "(none: not a config group)"
            raise OverrideError(
                f"glob matches no option of group {group!r} (options: {shown})", origin=origin
            )
        return key, element, values
    count = _count(value, origin)  # with the combinations of the sweeps before this one
    if total * count > max_jobs:
        raise _too_many(total * count, max_jobs, origin)
    values = [str(v) for v in parsed.sweep_string_iterator()]
    if not values:
        raise OverrideError(f"the sweep over {key} has no values", origin=origin)
    return key, element, values


def _too_many(count: int, max_jobs: int, origin: Origin) -> OverrideError:
    return OverrideError(
        f"the sweep has {count:,} combinations, more than --max-jobs ({max_jobs:,})",
        origin=origin,
        hint="sweep fewer values, or raise the cap with --max-jobs N",
    )


def _count(value: Any, origin: Origin) -> int:
    """How many values a sweep lists, without listing them (a range may hold trillions)."""
    from hydra.core.override_parser.types import ChoiceSweep, RangeSweep

    if isinstance(value, RangeSweep):
        start, stop, step = value.start or 0, value.stop or 0, value.step
        if not step:
            raise OverrideError("range() step must not be zero", origin=origin)
        if all(isinstance(v, int) for v in (start, stop, step)):
            return len(range(int(start), int(stop), int(step)))
        return max(0, math.ceil((stop - start) / step))
    if isinstance(value, ChoiceSweep):
        return len(value.list)
    items: list[Any] = value  # a typed name for the isinstance check
    return len(items) if isinstance(value, list) else 1


def group_options(
    schema: type[Any],
    group: str,
    *,
    config_dir: str | os.PathLike[str] | None,
    defaults: Any,
    config_store: object | None = None,
) -> list[str]:
    """The options of a config group: YAML files under ``config_dir``, entries of
    ``config_store``, or typed-group members.

    ``config_dir`` defaults to ``conf/`` beside the defaults file, as :func:`typedcfg.compose`
    finds it. A typed group (a discriminated union field) offers its discriminator values.
    """
    beside = os.path.join(os.path.dirname(find_defaults_file(defaults) or ""), "conf")
    root = os.fspath(config_dir) if config_dir is not None else None
    root = beside if root is None and os.path.isdir(beside) else root
    store = None if config_store is None else read_config_store(config_store)
    found = set(GroupRepo(root, store).options(group))
    node = schema_tree(schema)
    for part in group.split("/"):
        child = node.child(part)
        if child is None:
            break
        node = child
    else:
        if node.kind == UNION:
            found.update(str(tag) for tag in node.tagged)
    return sorted(found)


# --- pre-launch validation ------------------------------------------------------------------


class SweepError(TypedcfgError, ValueError):
    """Some combinations of a sweep are invalid, so no job ran.

    Attributes:
        failures: each bad job with the error its composition raised.
        total: how many jobs the sweep has.
    """

    def __init__(self, failures: Sequence[tuple[Job, TypedcfgError]], total: int) -> None:
        self.failures = tuple(failures)
        self.total = total
        first = self.failures[0][1] if self.failures else None
        super().__init__(
            first.message if first else "invalid sweep",
            origin=first.origin if first else Origin(SourceKind.ARGV),
            path=first.path if first else None,
        )

    def render(self) -> str:
        """Each bad job's located errors, then which job it is, then the count."""
        lines: list[str] = []
        for job, error in self.failures:
            lines.append(error.render())  # one line per problem, no summary of its own
            lines.append(f"  in job {job.index} of {self.total}: {job.label}")
        bad = len(self.failures)
        lines.append(f"{bad} of {self.total} sweep combinations are invalid; no job ran")
        return "\n".join(lines)
