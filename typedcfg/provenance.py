"""Where every value came from: key paths, origins and the provenance table.

A key path is a tuple of parts (``("optim", "lr")``, ``("layers", 2)``); its text form is
``optim.lr`` / ``layers[2]``. An :class:`Origin` names one place a value was written: a file
position, a command-line argument, an environment variable, a schema default or code.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import os
from collections.abc import Generator, Iterator, Mapping
from typing import Any, cast

DEFAULTS_FILE = "config-defaults.yaml"
"""wandb's defaults file, read from the working directory unless another is named (here, at
the bottom layer, so that the pipeline names it without loading the sources module)."""

PathPart = str | int
KeyPath = tuple[PathPart, ...]

__all__ = [
    "DEFAULTS_FILE",
    "KeyPath",
    "Layer",
    "Origin",
    "PathPart",
    "Provenance",
    "SourceKind",
    "format_path",
    "parse_path",
    "record_origins",
    "running",
    "running_provenance",
]


class SourceKind(str, enum.Enum):
    """The kind of input a value came from, lowest precedence first."""

    DEFAULT = "default"
    """A default declared on the schema."""
    DEFAULTS_FILE = "defaults-file"
    """``config-defaults.yaml`` (or the file given as ``defaults=``)."""
    CONFIG_FILE = "config-file"
    """A ``--configs`` / ``configs=`` file, or a file it pulled in through its defaults list."""
    ENV = "env"
    """An environment variable under the opt-in prefix."""
    ARGV = "argv"
    """A command-line override."""
    CODE = "code"
    """A value set from code (``RunConfig.update`` and friends)."""
    MISSING = "missing"
    """No source set the value (used for 'Field required' problems)."""


class Origin:
    """One place a value was written.

    Attributes:
        kind: what sort of source it was.
        file: the file path as given by the user (file sources only).
        line: 1-based line (file sources only).
        column: 1-based column (file sources only).
        index: the position in argv (``ARGV``) or ``None``.
        text: the raw text: the argv token, or the environment variable's name (``ENV``).
    """

    __slots__ = ("column", "file", "index", "kind", "line", "text")

    def __init__(
        self,
        kind: SourceKind,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        index: int | None = None,
        text: str | None = None,
    ) -> None:
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.index = index
        self.text = text

    @classmethod
    def at(cls, kind: SourceKind, file: str, line: int, column: int) -> Origin:
        """An origin inside a file (line and column are 1-based)."""
        return cls(kind, file, line, column)

    @classmethod
    def argv(cls, index: int, token: str) -> Origin:
        """The command-line token ``argv[index]``."""
        return cls(SourceKind.ARGV, index=index, text=token)

    @classmethod
    def env(cls, name: str) -> Origin:
        """The environment variable ``name``."""
        return cls(SourceKind.ENV, text=name)

    @property
    def location(self) -> str:
        """The location alone, compiler style (``configs/a.yaml:12:7``, ``argv[2]``)."""
        kind = self.kind
        if self.file is not None:
            shown = display_path(self.file)
            if not shown.isprintable():  # a control character could rewrite the terminal
                shown = repr(shown)
            if self.line is None:
                return shown
            if self.column is None:
                return f"{shown}:{self.line}"
            return f"{shown}:{self.line}:{self.column}"
        if kind is SourceKind.ARGV:
            return f"argv[{self.index}]" if self.index is not None else "argv"
        if kind is SourceKind.ENV:
            return f"env:{self.text}"
        if kind is SourceKind.DEFAULT:
            return "schema default"
        if kind is SourceKind.CODE:
            return self.text or "code"
        return self.text or "(not set)"

    def __str__(self) -> str:
        if self.kind is SourceKind.ARGV and self.text is not None:
            return f"{self.location} {clip(self.text)!r}"
        return self.location

    def __repr__(self) -> str:
        return f"Origin({self.kind.value}, {str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Origin):
            return NotImplemented
        return (
            self.kind is other.kind
            and self.file == other.file
            and self.line == other.line
            and self.column == other.column
            and self.index == other.index
            and self.text == other.text
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.file, self.line, self.column, self.index, self.text))


ECHO_LIMIT = 1_000
"""The most characters of an input (a token, a key) a message repeats."""


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text``, or its start and a marker saying how long it was, when over ``limit``."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def display_path(path: str) -> str:
    """Show ``path`` relative to the working directory when it lies below it."""
    if not os.path.isabs(path):
        return path
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def format_path(path: KeyPath) -> str:
    """``("optim", "lr")`` -> ``optim.lr``; ``("layers", 2)`` -> ``layers[2]``."""
    if not path:
        return "<root>"
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif out:
            out.append("." + part)
        else:
            out.append(part)
    return "".join(out)


def parse_path(text: str) -> KeyPath:
    """Inverse of :func:`format_path` for keys without dots (``a.b[2]`` -> ``("a","b",2)``)."""
    parts: list[PathPart] = []
    for piece in text.split("."):
        while piece.endswith("]") and "[" in piece:
            head, _, idx = piece.partition("[")
            if head:
                parts.append(head)
            for index in idx[:-1].split("]["):
                parts.append(int(index))
            piece = ""
        if piece:
            parts.append(piece)
    return tuple(parts)


class Provenance(Mapping[str, Origin]):
    """Which origin set each key of a composed config.

    Keys are dotted key paths (``"optim.lr"``); indexing also accepts tuples. Every leaf of the
    validated config has an entry: leaves no source set map to a ``DEFAULT`` origin. Mappings and
    lists set as a whole by one source have an entry for themselves as well.
    """

    __slots__ = ("_overridden", "_table")

    def __init__(
        self,
        table: Mapping[KeyPath, Origin],
        overridden: Mapping[KeyPath, tuple[Origin, ...]] | None = None,
    ) -> None:
        self._table = dict(table)
        self._overridden = dict(overridden or {})

    def _key(self, key: str | KeyPath) -> KeyPath:
        return parse_path(key) if isinstance(key, str) else tuple(key)

    def __getitem__(self, key: str | KeyPath) -> Origin:
        return self._table[self._key(key)]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, (str, tuple)):
            return False
        return self._key(cast("str | KeyPath", key)) in self._table

    def __iter__(self) -> Iterator[str]:
        return (format_path(k) for k in self._table)

    def __len__(self) -> int:
        return len(self._table)

    def get_path(self, path: KeyPath) -> Origin | None:
        """The origin recorded for ``path``, or for its nearest ancestor that has one."""
        table = self._table
        while True:
            found = table.get(path)
            if found is not None or not path:
                return found
            path = path[:-1]

    def overridden(self, key: str | KeyPath) -> tuple[Origin, ...]:
        """The origins of lower-precedence values that ``key``'s value replaced, oldest first."""
        return self._overridden.get(self._key(key), ())

    def paths(self) -> Iterator[tuple[KeyPath, Origin]]:
        """``(path tuple, origin)`` pairs in table order."""
        return iter(self._table.items())

    def __repr__(self) -> str:
        return f"Provenance({len(self._table)} keys)"


class Layer:
    """One input as plain nested data, with the origin of every node.

    Attributes:
        name: a short name for messages (``config-defaults.yaml``, ``env``, ``argv``).
        kind: the kind of source.
        data: the nested values (mappings, lists, scalars); never mutated once built.
        origins: key path -> origin, for every node (mappings and lists included).
        descriptions: key path -> ``desc`` text from a desc/value file.
        interpolated: some string value holds ``${``, so interpolation must run.
    """

    __slots__ = ("data", "descriptions", "interpolated", "kind", "name", "origins")

    def __init__(
        self,
        name: str,
        kind: SourceKind,
        data: dict[str, object],
        origins: dict[KeyPath, Origin],
        descriptions: dict[KeyPath, str] | None = None,
        interpolated: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.data = data
        self.origins = origins
        self.descriptions = descriptions if descriptions is not None else {}
        self.interpolated = interpolated

    def __repr__(self) -> str:
        return f"Layer({self.name!r}, {self.kind.value}, {len(self.origins)} nodes)"


def record_origins(
    value: Any, path: KeyPath, origin: Origin, origins: dict[KeyPath, Origin]
) -> None:
    """Give ``path`` and every node below it in ``value`` (dicts and lists) the one ``origin``:
    a value set whole by one source (an override, an environment variable)."""
    origins[path] = origin
    # ``value`` under the types the isinstance checks establish: typed names, no cast() calls.
    mapping: dict[Any, Any] = value
    items: list[Any] = value
    if isinstance(value, dict):
        for key, item in mapping.items():
            record_origins(item, (*path, key), origin, origins)
    elif isinstance(value, list):
        for index, item in enumerate(items):
            record_origins(item, (*path, index), origin, origins)


# The config ``@typedcfg.main`` is running and its provenance: inside the function the config
# is a plain model, and exports of it (``to_wandb(cfg)``) look its origins up here. A
# ContextVar, as for ``current_run()``: per thread and task, set and reset around one call.
_RUNNING: contextvars.ContextVar[tuple[object, Provenance] | None] = contextvars.ContextVar(
    "typedcfg_running_config", default=None
)


@contextlib.contextmanager
def running(config: object, provenance: Provenance) -> Generator[None, None, None]:
    """While the block runs, ``running_provenance(config)`` (that very object) is ``provenance``."""
    token = _RUNNING.set((config, provenance))
    try:
        yield
    finally:
        _RUNNING.reset(token)


def running_provenance(config: object) -> Provenance | None:
    """The provenance of ``config`` when it is the config being run, else ``None``."""
    found = _RUNNING.get()
    return found[1] if found is not None and found[0] is config else None
