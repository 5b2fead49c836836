"""What a sampler samples: Hydra's sweep grammar read as distributions, checked before launch.

The grammar is read as hydra-optuna-sweeper reads it (hydra-core's own parser, imported only
for a sampled sweep)::

    optim.lr=interval(0.0001, 0.1)             a float in [a, b]
    layers=int(interval(1, 8))                 an integer in [a, b]
    optim.lr=tag(log, interval(1e-5, 1e-1))    log-uniform (also with int(...))
    optim.name=choice(adam, sgd)               a categorical choice; ``adam,sgd`` is the same
    batch_size=range(32, 257, 32)              an integer (a float when any bound is) on the
                                               grid start + k*step, both bounds included

Every other override is the same in each trial. A trial's command line is the sweep's, each
sampled token replaced in place by ``key=value``, so an error in a trial points at the argument
the user typed. :func:`check_space` composes the bounds and every choice of each distribution
before the first trial, so a bound the schema refuses is an error at its token and nothing runs.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import ConfigValidationError, OverrideError, TypedcfgError, suggest
from ..provenance import Origin

__all__ = [
    "Param", "Space", "SpaceError", "check_space", "looks_sampled", "parse_param", "read_space",
    "value_text",
]  # fmt: skip

FLOAT, INT, CATEGORICAL = "float", "int", "categorical"
_FUNCTIONS = ("interval", "int", "tag", "choice", "range", "shuffle", "sort")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*\Z")
_RESERVED = frozenset({"true", "false", "null", "nan", "inf"})


@dataclasses.dataclass(frozen=True)
class Param:
    """One sampled key and its distribution.

    Attributes:
        key: the dotted key (``optim.lr``).
        element: what a trial's token starts with (``optim.lr``, ``+optim.lr``).
        kind: ``float``, ``int`` or ``categorical``.
        low: the lower bound (numbers).
        high: the upper bound, included (numbers).
        step: the grid of a ``range`` or ``q_*`` distribution, ``None`` for none.
        log: sampled on a log scale.
        choices: the values of a categorical.
        origin: where the distribution was written (an argv token, a file's line).
        written: the distribution as written (``interval(-1, 1)``), for messages.
        quantum: round each sampled value to a multiple of this (wandb's ``q_log_*``).
    """

    key: str
    element: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()
    origin: Origin | None = None
    written: str = ""
    quantum: float | None = None

    def distribution(self) -> Any:
        """The Optuna distribution (Optuna is imported here)."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if self.kind == CATEGORICAL:
            return CategoricalDistribution(self.choices)
        if self.kind == INT:
            step = 1 if self.log or self.step is None else int(self.step)
            return IntDistribution(int(self.low), int(self.high), log=self.log, step=step)
        return FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def probes(self) -> list[tuple[str, Any]]:
        """The values checked before launch: both bounds, or every choice."""
        if self.kind == CATEGORICAL:
            return [("choice", c) for c in self.choices]
        low, high = (int(self.low), int(self.high)) if self.kind == INT else (self.low, self.high)
        return [("lower bound", low), ("upper bound", high)]

    def value(self, sampled: Any) -> Any:
        """The sampled value as the trial uses it (quantized for ``q_log_*``)."""
        if self.quantum is not None and isinstance(sampled, (int, float)):
            steps = round(float(sampled) / self.quantum)
            value = steps * self.quantum
            return int(value) if self.quantum.is_integer() else value
        return sampled

    def token(self, value: Any) -> str:
        """``element=value`` as a trial's command line holds it."""
        return f"{self.element}={value_text(value)}"


def value_text(value: Any) -> str:
    """A value as override text that reads back as the same value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclasses.dataclass(frozen=True)
class Space:
    """The distributions of a sweep and the command line each trial starts from.

    Attributes:
        params: the sampled keys, in the order they were written.
        tokens: the sweep's command line; a sampled token's slot is replaced per trial.
        places: for each param, the index of its token in ``tokens`` (``None``: the param
            was not on the command line, and its token goes at the end).
        fixed: ``key=value`` tokens from a sweep file, added at the end of every trial.
    """

    params: tuple[Param, ...]
    tokens: tuple[str, ...]
    places: tuple[int | None, ...]
    fixed: tuple[str, ...] = ()

    def trial_tokens(self, values: Mapping[str, Any]) -> tuple[str, ...]:
        """A trial's command line, with each param's value (``values[key]``) in its place."""
        out = list(self.tokens)
        extra: list[str] = []
        for param, place in zip(self.params, self.places, strict=True):
            token = param.token(values[param.key])
            if place is None:
                extra.append(token)
            else:
                out[place] = token
        return (*out, *self.fixed, *extra)


class SpaceError(TypedcfgError, ValueError):
    """Some distributions of a sampled sweep do not fit the schema, so no trial ran.

    Attributes:
        errors: each problem, located at the distribution that causes it.
    """

    def __init__(self, errors: Sequence[TypedcfgError]) -> None:
        self.errors = tuple(errors)
        first = self.errors[0] if self.errors else None
        super().__init__(
            first.message if first else "invalid search space",
            origin=first.origin if first else None,
            path=first.path if first else None,
        )

    def render(self) -> str:
        """Every problem, then the count."""
        lines = list(dict.fromkeys(e.render() for e in self.errors))
        noun = "problem" if len(lines) == 1 else "problems"
        return "\n".join([*lines, f"{len(lines)} {noun} in the search space; no trial ran"])


def looks_sampled(token: str, after_dashes: bool = False) -> bool:
    """A cheap test for a token that may be a sweep (``a,b``, ``f(...)``): no parser needed."""
    if token.startswith("~") or "=" not in token or token.lstrip().startswith("{"):
        return False
    if token.startswith("--") and not after_dashes:
        return False
    value = token.partition("=")[2]
    return "," in value or "(" in value


def parse_param(token: str, origin: Origin) -> Param | None:
    """The distribution a token describes, ``None`` for an override that is not a sweep.

    Raises:
        OverrideError: an unknown function, reversed bounds, a log scale that reaches 0 or
            below, ``glob()``, a choice of something that is not a scalar (located).
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep, Transformer

    try:
        parsed = OverridesParser.create().parse_override(token)
    except Exception as exc:  # hydra's parse errors: unknown functions are reported here
        found = re.search(r"Unknown function '(\w+)'", str(exc))
        if found is None:
            return None  # other syntax errors: the composition of the first trial says them
        name = found.group(1)
        raise OverrideError(
            f"unknown distribution {name}(); the sampler reads interval(a, b), "
            "int(interval(a, b)), tag(log, interval(a, b)), choice(...) and range(a, b[, step])",
            origin=origin,
            suggestions=suggest(name, _FUNCTIONS),
        ) from exc
    if not parsed.is_sweep_override():
        return None
    key = str(parsed.key_or_group)
    element = str(parsed.get_key_element())
    value = parsed.value()
    written = token.partition("=")[2]
    base = Param(key, element, CATEGORICAL, origin=origin, written=written)
    if isinstance(value, IntervalSweep):
        low, high = value.start, value.end
        whole = isinstance(low, int) and isinstance(high, int)
        param = dataclasses.replace(
            base, kind=INT if whole else FLOAT, low=_number(low), high=_number(high),
            log="log" in value.tags,
        )  # fmt: skip
    elif isinstance(value, RangeSweep) and not value.shuffle:
        start, stop, step = value.start, value.stop, value.step
        floaty = any(isinstance(x, float) for x in (start, stop, step))
        param = dataclasses.replace(
            base, kind=FLOAT if floaty else INT, low=_number(start), high=_number(stop),
            step=_number(step) if step else None,
        )  # fmt: skip
    elif isinstance(value, (ChoiceSweep, RangeSweep)):
        choices: tuple[Any, ...] = tuple(parsed.sweep_iterator(transformer=Transformer.encode))
        for choice in choices:
            if not isinstance(choice, (str, int, float, bool)):
                raise OverrideError(
                    f"a choice is a single value (a string, number or boolean), "
                    f"not {choice!r}",
                    origin=origin,
                )
        if not choices:
            raise OverrideError(f"the choice for {key} has no values", origin=origin)
        param = dataclasses.replace(base, choices=choices)
    else:
        raise OverrideError(
            f"{written} cannot be sampled: the sampler reads interval(), choice() and range()",
            origin=origin,
            hint=f"list the options: {key}=a,b,c",
        )
    check_bounds(param)
    return on_grid(param)


def _number(value: Any) -> float:
    """A bound as hydra's parser gives it (an int stays an int: it makes an int distribution)."""
    return value if isinstance(value, (int, float)) else float(value)


def on_grid(param: Param) -> Param:
    """A stepped distribution whose upper bound is on its grid (``low + k*step``), as Optuna
    would make it (with a warning), so that the bound checked is the one sampled."""
    if param.step is None or param.kind == CATEGORICAL:
        return param
    steps = math.floor((param.high - param.low) / param.step + 1e-9)
    high = param.low + steps * param.step
    if param.kind == INT:
        high = int(high)
    elif isinstance(param.step, float) or isinstance(param.low, float):
        high = float(f"{high:.12g}")
    return param if high == param.high else dataclasses.replace(param, high=high)


def check_bounds(param: Param) -> None:
    """Bounds in order, a log scale above 0, a positive step (each an error at the param).

    Raises:
        OverrideError: the bounds cannot describe a distribution.
    """
    if param.kind == CATEGORICAL:
        return
    where = param.origin
    if not (math.isfinite(param.low) and math.isfinite(param.high)):
        raise OverrideError(f"{param.written}: the bounds must be finite numbers", origin=where)
    if param.low > param.high:
        raise OverrideError(
            f"bounds reversed: {param.written} has its lower bound {param.low:g} above its "
            f"upper bound {param.high:g}",
            origin=where,
        )
    if param.log and param.low <= 0:
        raise OverrideError(
            f"a log scale needs bounds above 0, and {param.written} starts at {param.low:g}",
            origin=where,
        )
    if param.step is not None and not param.step > 0:
        raise OverrideError(f"{param.written}: the step must be above 0", origin=where)


def read_space(
    tokens: Sequence[str],
    shown: Callable[[str], str] | None = None,
    extra: Sequence[tuple[str, Origin]] = (),
    fixed: Sequence[tuple[str, Origin]] = (),
    params: Sequence[Param] = (),
) -> Space:
    """The search space of a command line, with lower-precedence distributions added.

    Args:
        tokens: the command line, sweep flags taken out.
        shown: a token as errors may show it (secrets masked).
        extra: ``key=distribution`` texts from a config tree (``hydra.sweeper.params``), each
            with where it was written; a key the command line also gives is the command
            line's.
        fixed: ``key=value`` texts from a sweep file, the same in every trial.
        params: distributions read elsewhere (a wandb sweep file), below the command line.

    Raises:
        OverrideError: a distribution that cannot be read (located); no distribution at all.
    """
    line: list[tuple[Param, int]] = []
    given: set[str] = set()
    done = False
    for index, token in enumerate(tokens):
        done = done or token == "--"
        if "=" in token and not token.startswith(("~", "--")):
            given.add(token.partition("=")[0].lstrip("+"))
        if not looks_sampled(token, done):
            continue
        param = parse_param(token, Origin.argv(index, shown(token) if shown else token))
        if param is not None:
            line.append((param, index))
    # hydra-optuna-sweeper's order: the tree's keys as the tree lists them (a key the command
    # line samples keeps the tree's place), then the command line's other keys. The order is
    # the order Optuna samples in, so a seeded study draws the same values as the plugin.
    on_line = {p.key: (p, i) for p, i in line}
    ordered: list[tuple[Param, int | None]] = []
    for text, origin in extra:
        key = text.partition("=")[0].lstrip("+")
        if key in on_line:
            ordered.append(on_line.pop(key))
            continue
        if key in given:
            continue  # a plain value on the command line: not sampled
        param = parse_param(text, origin)
        if param is None:  # a fixed value in the tree's params: the same in every trial
            fixed = (*fixed, (text, origin))
        else:
            ordered.append((param, None))
    ordered += [(p, i) for p, i in line if p.key in on_line]
    ordered += [(p, None) for p in params if p.key not in given]
    found = [p for p, _ in ordered]
    places = [i for _, i in ordered]
    kept = tuple(t for t, _ in fixed if t.partition("=")[0].lstrip("+") not in given)
    if not found:
        raise OverrideError(
            "a sampled sweep needs something to sample: give a distribution such as "
            "optim.lr=interval(0.0001, 0.1) or optim.name=adam,sgd",
        )
    return Space(tuple(found), tuple(tokens), tuple(places), kept)


def check_space(space: Space, compose: Callable[[Sequence[str]], object]) -> None:
    """Compose both bounds and every choice of each distribution; no trial runs on a problem.

    The other distributions take their first value meanwhile. A problem with a probed value is
    reported at its distribution (its token, or the line of the file that gave it). A model's
    own check across its fields (a pydantic model validator over a sampled key) depends on the
    values sampled together: it is left to each trial, which fails without starting.

    Raises:
        SpaceError: every problem found.
    """
    first = {p.key: p.probes()[0] for p in space.params}
    at: dict[int, Param] = {}
    end = len(space.tokens) + len(space.fixed)
    for param, place in zip(space.params, space.places, strict=True):
        if place is None:
            at[end] = param
            end += 1
        else:
            at[place] = param
    sampled = [tuple(p.key.split(".")) for p in space.params]
    errors: list[TypedcfgError] = []
    seen: set[str] = set()
    for param in space.params:
        for probe in param.probes():
            probes = {**first, param.key: probe}
            try:
                compose(space.trial_tokens({k: v for k, (_, v) in probes.items()}))
            except ConfigValidationError as exc:
                for issue in exc.issues:
                    index = issue.origin.index if issue.origin is not None else None
                    owner = at.get(index) if index is not None else None
                    if owner is None and any(
                        len(issue.path) < len(k) and k[: len(issue.path)] == issue.path
                        for k in sampled
                    ):
                        continue  # a model's cross-field check: each trial runs it (fails)
                    if owner is not None and owner.origin is not None:
                        label, value = probes[owner.key]
                        what = f"the {label} of {owner.written}"
                        if label == "choice":
                            what = f"{value_text(value)}, a choice of {owner.written}"
                        issue = issue.replace(
                            origin=owner.origin, message=f"{issue.message}: {what}"
                        )
                    if str(issue) not in seen:
                        seen.add(str(issue))
                        errors.append(ConfigValidationError([issue]))
            except TypedcfgError as exc:
                if exc.render() not in seen:
                    seen.add(exc.render())
                    errors.append(exc)
    if errors:
        raise SpaceError(errors)
