"""The built-in flags of a ``@typedcfg.main`` program, taken out of the command line first.

``--help``/``-h``, ``--cfg`` and ``--explain`` (up to ``--``), ``--multirun``/``-m`` and the
sweep flags; everything else goes on to :func:`typedcfg.compose`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TypeVar

from .._record import Record
from ..errors import ConfigValidationError, TypedcfgError
from ..pipeline import CWD_DEFAULTS, Loaded, compose

__all__ = ["Flags", "LoadOptions", "split_flags"]

T = TypeVar("T")

USAGE_EXIT = 2
"""Exit status for bad input (as argparse and click use)."""

RUNS_DIR_ENV = "TYPEDCFG_RUNS_DIR"
"""Records runs under this directory when ``runs_dir=`` is not given (read here only)."""


HELP_FLAGS = ("--help", "-h")


CFG_FLAG = "--cfg"


EXPLAIN_FLAG = "--explain"


_BUILTIN = (*HELP_FLAGS, CFG_FLAG, EXPLAIN_FLAG)


# What announces a sweep on a command line; tests check these against typedcfg.sweeps.grammar and
# typedcfg.sweeps.jobs, which own them (imported only when one is there).
MULTIRUN_MARKERS = frozenset({"--multirun", "-m"})


JOB_ENV = "TYPEDCFG_SWEEP_JOB"  # typedcfg.sweeps.jobs.NESTED_ENV: set for a sweep's job


class Flags(Record):
    """The built-in flags found on a command line, and the tokens left for ``compose``.

    Attributes:
        help: ``--help`` or ``-h`` was given.
        cfg: ``--cfg`` was given.
        explain: ``--explain`` was given.
        tokens: every other token, in order (``--`` and what follows it untouched).
        positions: for each kept token, its index in the original command line.
    """

    __slots__ = ("cfg", "explain", "help", "positions", "tokens")

    def __init__(
        self,
        help: bool,
        cfg: bool,
        explain: bool,
        tokens: tuple[str, ...],
        positions: tuple[int, ...],
    ) -> None:
        self.help = help
        self.cfg = cfg
        self.explain = explain
        self.tokens = tokens
        self.positions = positions


def split_flags(argv: Sequence[str]) -> Flags:
    """Take the built-in flags out of ``argv``; ``--`` ends flag parsing.

    ``-h`` right after a bare ``--key`` is that key's value (wandb's ``${args_no_equals}``
    writes ``--name -h`` for the value ``-h``), as :func:`typedcfg.read.argv.split_argv` reads it.
    """
    found: set[str] = set()
    tokens: list[str] = []
    positions: list[int] = []
    done = False
    previous: str | None = None
    for index, token in enumerate(argv):
        if not done and token == "--":
            done = True
        elif not done and token in _BUILTIN and not (token == "-h" and _takes_value(previous)):
            found.add(token)
            previous = None
            continue
        tokens.append(token)
        positions.append(index)
        previous = None if done else token
    return Flags(
        help=bool(found.intersection(HELP_FLAGS)),
        cfg=CFG_FLAG in found,
        explain=EXPLAIN_FLAG in found,
        tokens=tuple(tokens),
        positions=tuple(positions),
    )


def _takes_value(previous: str | None) -> bool:
    return (
        isinstance(previous, str)
        and previous.startswith("--")
        and len(previous) > 2
        and "=" not in previous
        and previous != "--configs"
    )


class LoadOptions(Record):
    """The keyword options of :func:`typedcfg.compose` that a ``@main`` program was given."""

    __slots__ = (
        "config_dir",
        "config_name",
        "config_store",
        "configs",
        "defaults",
        "env_prefix",
        "environ",
        "project",
        "runs_dir",
    )  # fmt: skip

    def __init__(
        self,
        defaults: str | os.PathLike[str] | None = CWD_DEFAULTS,
        configs: tuple[str | os.PathLike[str], ...] = (),
        env_prefix: str | None = None,
        environ: Mapping[str, str] | None = None,
        config_dir: str | os.PathLike[str] | None = None,
        config_name: str | None = None,
        runs_dir: str | os.PathLike[str] | None = None,
        project: str | None = None,
        config_store: object | None = None,
    ) -> None:
        self.defaults = defaults
        self.configs = configs
        self.env_prefix = env_prefix
        self.environ = environ
        self.config_dir = config_dir
        self.config_name = config_name
        self.runs_dir = runs_dir
        self.project = project
        self.config_store = config_store

    def runs_root(self) -> str | None:
        """Where to record runs: ``runs_dir=``, else ``$TYPEDCFG_RUNS_DIR``, else nowhere."""
        if self.runs_dir is not None:
            return os.fspath(self.runs_dir)
        environ = os.environ if self.environ is None else self.environ
        return environ.get(RUNS_DIR_ENV) or None

    def compose(self, schema: type[T], tokens: Sequence[str]) -> Loaded[T]:
        """Run :func:`typedcfg.compose` with these options."""
        return compose(
            schema,
            tokens,
            defaults=self.defaults,
            configs=self.configs,
            env_prefix=self.env_prefix,
            environ=self.environ,
            config_dir=self.config_dir,
            config_name=self.config_name,
            config_store=self.config_store,
        )


def relocated(exc: TypedcfgError, positions: Sequence[int]) -> TypedcfgError:
    """A copy of ``exc`` whose argv locations count the built-in flags that were taken out."""
    from .display import origin_at

    # Exceptions do not copy cleanly (copy.copy re-runs __init__ with the rendered text), so
    # make an empty instance and give it the same facts.
    moved = type(exc).__new__(type(exc))
    moved.__dict__.update(exc.__dict__)
    moved.origin = origin_at(exc.origin, positions)
    if isinstance(exc, ConfigValidationError) and isinstance(moved, ConfigValidationError):
        moved.issues = tuple(
            issue.replace(origin=origin_at(issue.origin, positions))
            for issue in exc.issues
        )
    return moved
