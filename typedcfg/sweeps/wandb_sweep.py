"""``--sweep-config sweep.yaml``: a wandb sweep file run locally, as an Optuna study.

The keys are wandb's (its sweep config schema): ``method`` (``grid``, ``random``, ``bayes``),
``metric: {name, goal}``, ``run_cap``, and ``parameters``, each one of::

    lr: {values: [0.1, 0.01]}                       a categorical choice
    epochs: {value: 5}                              the same in every trial
    lr: {min: 0.0001, max: 0.1}                     uniform (int_uniform when both are whole)
    lr: {distribution: log_uniform_values, min: 1e-5, max: 0.1}
    bs: {distribution: q_uniform, min: 16, max: 256, q: 16}
    optimizer: {parameters: {lr: {...}}}            nested keys: optimizer.lr

``bayes`` is Optuna's TPE sampler, an approximation of wandb's Gaussian-process search, not the
same algorithm. Keys about where runs go (``program``, ``command``, ``project``, ``entity``,
``name``, ``description``) are accepted and not used. A key wandb does not know is an error
with a did-you-mean, at its file:line:col; so is one wandb knows and a local run cannot honour
(``early_terminate``, ``metrics``, a distribution without an Optuna counterpart).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, cast

from ..errors import ConfigFileError, OverrideError, suggest
from ..provenance import KeyPath, Origin, SourceKind
from ..read.files import read_text
from ..read.yaml_loader import parse_yaml
from .samplers import CATEGORICAL, FLOAT, INT, Param, check_bounds, on_grid, value_text
from .study import StudySettings

__all__ = ["WandbSweep", "read_sweep_config"]

_IGNORED = ("apiVersion", "kind", "controller", "description", "program", "job", "image_uri",
            "entity", "project", "command", "name")  # fmt: skip
_UNSUPPORTED = ("metrics", "scheduler", "early_terminate")
_TOP = ("method", "metric", "parameters", "run_cap", *_IGNORED, *_UNSUPPORTED)
_METHODS = {"grid": "grid", "random": "RandomSampler", "bayes": "TPESampler"}
_PARAM_KEYS = ("values", "value", "distribution", "min", "max", "q", "parameters",
               "probabilities", "mu", "sigma", "a", "b")  # fmt: skip
_DISTRIBUTIONS = ("categorical", "constant", "uniform", "int_uniform", "q_uniform",
                  "log_uniform", "log_uniform_values", "q_log_uniform",
                  "q_log_uniform_values")  # fmt: skip
_OTHER_DISTRIBUTIONS = ("categorical_w_probabilities", "normal", "q_normal", "log_normal",
                        "q_log_normal", "inv_log_uniform", "inv_log_uniform_values", "beta",
                        "q_beta")  # fmt: skip
_METRIC_KEYS = ("name", "goal", "target", "impute", "impute_while_running")


@dataclasses.dataclass(frozen=True)
class WandbSweep:
    """A wandb sweep file, read.

    Attributes:
        settings: the study settings it gives (``trials`` is ``run_cap``, or the size of a
            grid).
        params: the sampled parameters, each at its line.
        fixed: ``key=value`` tokens of its ``value:`` parameters, each at its line.
        capped: ``run_cap`` was given (random and bayes sweeps need it or ``--trials``).
    """

    settings: StudySettings
    params: tuple[Param, ...]
    fixed: tuple[tuple[str, Origin], ...]
    capped: bool


class _Reader:
    def __init__(self, file: str, origins: Mapping[KeyPath, Origin]) -> None:
        self.file = file
        self.origins = origins

    def at(self, path: KeyPath) -> Origin:
        while path and path not in self.origins:
            path = path[:-1]
        return self.origins.get(path) or Origin(SourceKind.CONFIG_FILE, self.file)

    def error(self, path: KeyPath, message: str, **extra: Any) -> ConfigFileError:
        shown = ".".join(map(str, path))
        return ConfigFileError(message, origin=self.at(path), path=shown, **extra)

    def mapping(self, value: Any, path: KeyPath) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"expected a mapping, got {value!r}")
        return cast("dict[str, Any]", value)


def read_sweep_config(path: str) -> WandbSweep:
    """Read a wandb sweep file.

    Raises:
        ConfigFileError: it cannot be read, or a key or value is not a sweep's (located at
            its file:line:col, with did-you-mean for a misspelt key).
    """
    kind = SourceKind.CONFIG_FILE
    doc = parse_yaml(read_text(path, kind), path, kind, None, desc_value=False)
    reader = _Reader(path, doc.origins)
    data = reader.mapping(doc.data, ())
    for key in data:
        if key not in _TOP:
            raise reader.error(
                (key,), "not a key of a wandb sweep config", suggestions=suggest(key, _TOP)
            )
        if key in _UNSUPPORTED:
            raise reader.error(
                (key,), f"{key} is a wandb server feature that a local sweep does not run",
                hint="remove it: every trial runs to its end",
            )
    method = data.get("method")
    if method not in _METHODS:
        raise reader.error(
            ("method",),
            f"method must be grid, random or bayes, not {method!r}",
            suggestions=suggest(str(method), _METHODS),
        )
    direction, objective = _metric(reader, data.get("metric"))
    params: list[Param] = []
    fixed: list[tuple[str, Origin]] = []
    if "parameters" not in data:
        raise reader.error((), "a sweep config needs parameters")
    _parameters(reader, data["parameters"], ("parameters",), "", params, fixed)
    cap = data.get("run_cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise reader.error(("run_cap",), f"run_cap must be a whole number >= 1, not {cap!r}")
    trials = cap or 0
    if method == "grid":
        params = [_grid_values(p) for p in params]
        for param in params:
            if param.kind != CATEGORICAL:
                raise reader.error(
                    ("parameters", *param.key.split(".")),
                    "a grid sweep lists values: give values (or int_uniform bounds), not a "
                    f"continuous {param.written}",
                )
        size = math.prod(len(p.choices) for p in params)
        trials = min(size, cap) if cap else size
    settings = StudySettings(
        sampler=_METHODS[method], trials=max(trials, 1), direction=direction,
        objective=objective, batch=1, origin=reader.at(("method",)),
    )  # fmt: skip
    return WandbSweep(settings, tuple(params), tuple(fixed), cap is not None or method == "grid")


def _metric(reader: _Reader, value: Any) -> tuple[str, str | None]:
    if value is None:
        return "minimize", None
    metric = reader.mapping(value, ("metric",))
    for key in metric:
        if key not in _METRIC_KEYS:
            raise reader.error(
                ("metric", key), "not a key of a sweep's metric",
                suggestions=suggest(key, _METRIC_KEYS),
            )  # fmt: skip
    goal = metric.get("goal", "minimize")
    if goal not in ("minimize", "maximize"):
        raise reader.error(("metric", "goal"), f"goal is minimize or maximize, not {goal!r}")
    name = metric.get("name")
    if not isinstance(name, str) or not name:
        raise reader.error(("metric",), "a metric needs a name")
    return str(goal), name


def _parameters(
    reader: _Reader,
    value: Any,
    path: KeyPath,
    prefix: str,
    params: list[Param],
    fixed: list[tuple[str, Origin]],
) -> None:
    # wandb orders the parameters by name at each level (its grid's order, first slowest).
    for name, spec in sorted(reader.mapping(value, path).items()):
        here = (*path, name)
        key = f"{prefix}{name}"
        entry = reader.mapping(spec, here)
        for part in entry:
            if part not in _PARAM_KEYS:
                raise reader.error(
                    (*here, part), "not a key of a sweep parameter",
                    suggestions=suggest(part, _PARAM_KEYS, limit=2),
                )  # fmt: skip
        if "parameters" in entry:
            _parameters(reader, entry["parameters"], (*here, "parameters"), f"{key}.", params,
                        fixed)  # fmt: skip
            continue
        if "value" in entry:
            fixed.append((f"{key}={value_text(entry['value'])}", reader.at((*here, "value"))))
            continue
        params.append(_param(reader, here, key, entry))


def _param(reader: _Reader, here: KeyPath, key: str, entry: dict[str, Any]) -> Param:
    origin = reader.at(here)
    low, high = entry.get("min"), entry.get("max")
    whole = isinstance(low, int) and isinstance(high, int)
    default = "categorical" if "values" in entry else "int_uniform" if whole else "uniform"
    dist = entry.get("distribution", default)
    if dist not in _DISTRIBUTIONS:
        known = dist in _OTHER_DISTRIBUTIONS
        raise reader.error(
            (*here, "distribution"),
            f"distribution {dist!r} has no Optuna counterpart in a local sweep" if known
            else f"unknown distribution {dist!r}",
            suggestions=() if known else suggest(str(dist), _DISTRIBUTIONS + _OTHER_DISTRIBUTIONS),
            hint="the distributions are " + ", ".join(_DISTRIBUTIONS),
        )  # fmt: skip
    if dist == "categorical":
        values: Any = entry.get("values")
        if not isinstance(values, list) or not values:
            raise reader.error((*here, "values"), "values must be a non-empty list")
        choices: tuple[Any, ...] = tuple(cast("list[object]", values))
        for choice in choices:
            if not (choice is None or isinstance(choice, (str, int, float, bool))):
                raise reader.error((*here, "values"), f"a value must be a scalar, not {choice!r}")
        return Param(key, key, CATEGORICAL, choices=choices, origin=origin,
                     written=f"values {list(choices)}")  # fmt: skip
    for bound, number in (("min", low), ("max", high)):
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise reader.error((*here, bound), f"{dist} needs a number {bound}, got {number!r}")
    assert isinstance(low, (int, float)) and isinstance(high, (int, float))
    if low >= high:
        raise reader.error(here, f"min {low} is not less than max {high}")
    q = entry.get("q", 1 if dist.startswith("q_") else None)
    if q is not None and (isinstance(q, bool) or not isinstance(q, (int, float)) or q <= 0):
        raise reader.error((*here, "q"), f"q must be a number above 0, not {q!r}")
    written = f"{dist}({low}, {high})"
    if dist == "int_uniform":
        if not whole:
            raise reader.error(here, "int_uniform needs whole numbers min and max")
        param = Param(key, key, INT, low, high, origin=origin, written=written)
    elif dist in ("log_uniform", "q_log_uniform", "log_uniform_values", "q_log_uniform_values"):
        # log_uniform's bounds are exponents (e**min .. e**max); the _values forms are values.
        exponents = not dist.endswith("_values")
        low, high = (math.exp(low), math.exp(high)) if exponents else (float(low), float(high))
        quantum = None if q is None else float(q)
        param = Param(key, key, FLOAT, low, high, log=True, quantum=quantum, origin=origin,
                      written=written)  # fmt: skip
    elif dist == "q_uniform":
        kind = INT if whole and float(q or 1).is_integer() else FLOAT
        param = Param(key, key, kind, low, high, step=q, origin=origin, written=written)
    else:
        param = Param(key, key, FLOAT, float(low), float(high), origin=origin, written=written)
    try:
        check_bounds(param)
    except OverrideError as exc:  # the same text, at the file's line
        raise ConfigFileError(exc.message, origin=origin, path=key) from exc
    return on_grid(param)


def _grid_values(param: Param) -> Param:
    """A grid lists an int_uniform's every whole number, a q_uniform's ``min + k*q`` below max
    (as wandb's grid does); other parameters are left for the grid check."""
    if param.kind == CATEGORICAL or (param.step is None and param.kind != INT):
        return param
    step = param.step or 1
    values: list[Any] = []
    if param.step is None:  # int_uniform: both bounds
        values = list(range(int(param.low), int(param.high) + 1))
    else:
        count = math.ceil((param.high - param.low) / step)
        values = [param.low + k * step for k in range(count)]
        if param.kind == INT:
            values = [int(v) for v in values]
    return dataclasses.replace(param, kind=CATEGORICAL, choices=tuple(values))
