"""``hydra.sweeper`` settings of a config tree, read as hydra-optuna-sweeper reads them.

A Hydra tree that selects ``override /hydra/sweeper: optuna`` (the Lightning-Hydra template's
``hparams_search/mnist_optuna.yaml``) sets, under ``hydra.sweeper``: ``params`` (key ->
distribution text), ``n_trials``, ``n_jobs``, ``direction``, ``storage``, ``study_name`` and
``sampler`` (``_target_`` an Optuna sampler class, with its arguments such as ``seed``). The
program's own composition leaves ``hydra`` out; here the tree is composed once more, keeping it,
so a ``-m`` run finds the settings where the tree wrote them, each with its file:line:col. The
command line overrides them (``hydra.sweeper.n_trials=5``, ``--trials 5``, a ``key=...`` token).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any, cast

from pydantic import BaseModel, ConfigDict

from ..composition.merge import Composed
from ..errors import OverrideError, TypedcfgError, suggest
from ..pipeline import CWD_DEFAULTS, compose_data
from ..provenance import KeyPath, Origin, SourceKind
from ..typeinfo import schema_tree
from .study import StudySettings

__all__ = ["TreeSweeper", "tree_sweeper"]

_KEYS = (
    "_target_", "defaults", "sampler", "direction", "storage", "study_name", "n_trials",
    "n_jobs", "max_failure_rate", "params", "search_space", "custom_search_space",
)  # fmt: skip
_SAMPLER_PREFIX = "optuna.samplers."
# The plugin's sampler configs give some arguments a default of their own, which it passes to
# the sampler: where they differ from Optuna's (TPE's ``multivariate`` is on by default since
# Optuna 5), the tree's study must get them too to draw the plugin's trials.
_PLUGIN_DEFAULTS: dict[str, dict[str, Any]] = {
    "TPESampler": {"n_startup_trials": 10, "n_ei_candidates": 24, "multivariate": False},
}


class _WithHydra(BaseModel):
    """Composition that keeps the ``hydra`` key (the program's own schema leaves it out)."""

    model_config = ConfigDict(extra="allow")
    hydra: dict[str, Any] = {}


@dataclasses.dataclass(frozen=True)
class TreeSweeper:
    """What a tree's ``hydra.sweeper`` asks for.

    Attributes:
        settings: the study settings it gives (the command line may still override them).
        params: ``key=distribution`` texts, each with the origin of its line.
    """

    settings: StudySettings
    params: tuple[tuple[str, Origin], ...]


def tree_sweeper(
    tokens: Sequence[str],
    *,
    defaults: str | os.PathLike[str] | None = CWD_DEFAULTS,
    configs: Sequence[str | os.PathLike[str]] = (),
    env_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    config_name: str | None = None,
    config_store: object | None = None,
) -> TreeSweeper | None:
    """The Optuna sweeper the composed tree configures, ``None`` when it configures none.

    Args:
        tokens: the command line without its sweep tokens (group choices such as
            ``hparams_search=mnist_optuna`` and ``hydra.sweeper.*`` overrides count).
        defaults, configs, env_prefix, environ, config_dir, config_name, config_store: as for
            :func:`typedcfg.compose`.

    Raises:
        OverrideError: a ``hydra.sweeper`` key hydra-optuna-sweeper does not know (did you
            mean), a setting of the wrong type, an unsupported one (located in the tree).
    """
    try:
        composed, _ = compose_data(
            schema_tree(_WithHydra), tokens, defaults=defaults, configs=configs,
            env_prefix=env_prefix, environ=environ, config_dir=config_dir,
            config_name=config_name, config_store=config_store,
        )  # fmt: skip
    except TypedcfgError:
        return None  # the program's own composition reports it, located
    hydra: Any = composed.data.get("hydra")
    sweeper: Any = cast("dict[str, Any]", hydra).get("sweeper") if isinstance(hydra, dict) else None
    if not isinstance(sweeper, dict):
        return None
    node = cast("dict[str, Any]", sweeper)
    target = node.get("_target_")
    if target is not None and "optuna" not in str(target).lower():
        return None  # Hydra's basic sweeper: the grid of --multirun
    return _read(node, composed, ("hydra", "sweeper"))


def _read(node: dict[str, Any], composed: Composed, at: KeyPath) -> TreeSweeper:
    def where(*path: str) -> Origin | None:
        return composed.origins.get((*at, *path))

    for key in node:
        if key not in _KEYS:
            raise OverrideError(
                f"hydra.sweeper.{key}: hydra-optuna-sweeper has no such setting",
                origin=where(key), suggestions=suggest(key, _KEYS),
            )  # fmt: skip
    for key in ("custom_search_space", "search_space"):
        if node.get(key) is not None:
            raise OverrideError(
                f"hydra.sweeper.{key} is not supported: give the search space in "
                "hydra.sweeper.params",
                origin=where(key),
            )
    if isinstance(node.get("direction"), list):
        raise OverrideError(
            "multi-objective studies (a list of directions) are not supported",
            origin=where("direction"),
        )
    sampler, args, sampler_at = _sampler(node.get("sampler"), where)
    direction = str(node.get("direction") or "minimize")
    if direction not in ("minimize", "maximize"):
        raise OverrideError(
            f"hydra.sweeper.direction must be minimize or maximize, not {direction!r}",
            origin=where("direction"),
        )
    settings = StudySettings(
        sampler=sampler,
        sampler_args=args,
        trials=_whole(node.get("n_trials", 20), "n_trials", where),
        direction=direction,
        study=None if node.get("study_name") is None else str(node["study_name"]),
        storage=None if node.get("storage") is None else str(node["storage"]),
        batch=_whole(node.get("n_jobs", 2), "n_jobs", where),
        origin=sampler_at,
    )
    params: list[tuple[str, Origin]] = []
    raw: Any = node.get("params") or {}
    if not isinstance(raw, dict):
        raise OverrideError("hydra.sweeper.params must be a mapping", origin=where("params"))
    for key, value in cast("dict[str, Any]", raw).items():
        origin = where("params", key) or Origin(SourceKind.CONFIG_FILE, text="hydra.sweeper")
        text = str(value).lower() if isinstance(value, bool) else str(value)
        text = "null" if value is None else text
        params.append((f"{key}={text}", origin))
    return TreeSweeper(settings, tuple(params))


def _sampler(value: Any, where: Any) -> tuple[str, dict[str, Any], Origin | None]:
    if value is None:
        return "TPESampler", dict(_PLUGIN_DEFAULTS["TPESampler"]), where("sampler")
    if not isinstance(value, dict):
        raise OverrideError(
            "hydra.sweeper.sampler must be a mapping with _target_", origin=where("sampler")
        )
    node = cast("dict[str, Any]", value)
    target = str(node.get("_target_", _SAMPLER_PREFIX + "TPESampler"))
    if not target.startswith(_SAMPLER_PREFIX):
        raise OverrideError(
            f"hydra.sweeper.sampler._target_ {target!r} is not an Optuna sampler "
            "(optuna.samplers.TPESampler, optuna.samplers.RandomSampler)",
            origin=where("sampler", "_target_"),
        )
    name = target.removeprefix(_SAMPLER_PREFIX)
    args = {**_PLUGIN_DEFAULTS.get(name, {})}
    args.update((k, v) for k, v in node.items() if not k.startswith("_") and v is not None)
    return name, args, where("sampler", "_target_")


def _whole(value: Any, key: str, where: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OverrideError(
            f"hydra.sweeper.{key} must be a whole number >= 1, not {value!r}", origin=where(key)
        )
    return value
