"""The flags of a sampled sweep, and how they override a tree's or a sweep file's settings.

``--sweeper random|optuna --trials N [--direction minimize|maximize] [--seed S]
[--objective KEY] [--study NAME --storage URL] [--sweep-config FILE]``, read only with
``--multirun``, as ``--flag value`` or ``--flag=value`` (up to ``--``). Precedence, lowest
first: Optuna's defaults, a tree's ``hydra.sweeper`` or a ``--sweep-config`` file, these flags
(and ``--jobs N``, the size of each batch of trials).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from ..errors import OverrideError
from ..provenance import Origin
from .study import SAMPLERS, StudySettings

__all__ = ["SAMPLER_FLAGS", "SamplerFlags", "settings_from", "take_sampler_flags"]

SAMPLER_FLAGS = (
    "--sweeper", "--trials", "--direction", "--seed", "--objective", "--study", "--storage",
    "--sweep-config",
)  # fmt: skip
DEFAULT_STORAGE = "sqlite:///sweeps.db"
"""Where ``--study NAME`` keeps its study when no ``--storage`` is given."""


@dataclasses.dataclass(frozen=True)
class SamplerFlags:
    """The sampled-sweep flags of a command line, and the tokens left.

    Attributes:
        values: flag -> (its value, where it was written).
        tokens: every other token, in order.
        positions: for each kept token, its index in the tokens given.
    """

    values: dict[str, tuple[str, Origin]]
    tokens: tuple[str, ...]
    positions: tuple[int, ...]

    @property
    def sampled(self) -> bool:
        """A sampler was asked for (``--sweeper``, ``--sweep-config`` or another flag)."""
        return bool(self.values)


def take_sampler_flags(tokens: Sequence[str]) -> SamplerFlags:
    """Take the sampled-sweep flags out of ``tokens`` (up to ``--``).

    Raises:
        OverrideError: a flag without its value (located).
    """
    values: dict[str, tuple[str, Origin]] = {}
    kept: list[str] = []
    positions: list[int] = []
    i, done = 0, False
    while i < len(tokens):
        token = tokens[i]
        name = token.partition("=")[0]
        if done or name not in SAMPLER_FLAGS:
            done = done or token == "--"
            kept.append(token)
            positions.append(i)
        elif "=" in token:
            values[name] = (token.partition("=")[2], Origin.argv(i, token))
        elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
            values[name] = (tokens[i + 1], Origin.argv(i, f"{token} {tokens[i + 1]}"))
            i += 1
        else:
            raise OverrideError(f"{token} needs a value", origin=Origin.argv(i, token))
        i += 1
    return SamplerFlags(values, tuple(kept), tuple(positions))


def settings_from(
    flags: SamplerFlags, base: StudySettings | None, jobs: int | None
) -> StudySettings:
    """The study settings: ``base`` (a tree's or a sweep file's), then the flags.

    Raises:
        OverrideError: a bad flag value (located), or no ``--trials`` for a sampler that
            would otherwise never end.
    """
    settings = base or StudySettings(batch=1)
    values = flags.values
    if "--sweeper" in values:
        name, origin = values["--sweeper"]
        if name not in SAMPLERS:
            raise OverrideError(
                f"unknown sweeper {name!r}; the sweepers are random and optuna (TPE)",
                origin=origin,
            )
        args = {k: v for k, v in settings.sampler_args.items() if k == "seed"}
        settings = dataclasses.replace(
            settings, sampler=SAMPLERS[name], sampler_args=args, origin=origin
        )
    if "--seed" in values:
        seed = _whole(*values["--seed"], least=0)
        args = {**settings.sampler_args, "seed": seed}
        settings = dataclasses.replace(settings, sampler_args=args)
    if "--trials" in values:
        settings = dataclasses.replace(settings, trials=_whole(*values["--trials"], least=1))
    if "--direction" in values:
        direction, origin = values["--direction"]
        if direction not in ("minimize", "maximize"):
            raise OverrideError(
                f"--direction is minimize or maximize, not {direction!r}", origin=origin
            )
        settings = dataclasses.replace(settings, direction=direction)
    if "--objective" in values:
        settings = dataclasses.replace(settings, objective=values["--objective"][0])
    if "--study" in values:
        settings = dataclasses.replace(
            settings, study=values["--study"][0], storage=settings.storage or DEFAULT_STORAGE
        )
    if "--storage" in values:
        settings = dataclasses.replace(settings, storage=values["--storage"][0])
    if jobs is not None:
        settings = dataclasses.replace(settings, batch=jobs)
    return settings


def _whole(text: str, origin: Origin, *, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = least - 1
    if value < least:
        raise OverrideError(f"expected a whole number >= {least}, got {text!r}", origin=origin)
    return value
