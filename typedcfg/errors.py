"""The exception tree, the warnings, the one message renderer and did-you-mean.

Every exception carries facts (``path``, ``origin``, ``hint``, ``suggestions``); :func:`render`
turns them into the one text format users read, location first, compiler style::

    configs/train.yaml:12:7: optim.lr: Input should be a valid number (got 'fast')
    argv[2] 'optim.lrr=0.1': unknown key 'optim.lrr'; did you mean 'optim.lr'?
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ._record import Record
from .provenance import KeyPath, Origin, SourceKind, clip, format_path

__all__ = [
    "CompositionError",
    "ConfigFileError",
    "ConfigMutationError",
    "ConfigTypeError",
    "ConfigValidationError",
    "DottedKeyWarning",
    "EmptyConfigWarning",
    "HiddenKeyWarning",
    "Issue",
    "KeyWarning",
    "MissingKeyError",
    "OverrideError",
    "SchemaError",
    "StrippedKeyWarning",
    "TypedcfgError",
    "TypedcfgWarning",
    "UnsafeKeyWarning",
    "render",
    "suggest",
]

MASK = "**********"


def render(
    origin: Origin | None,
    path: KeyPath | str | None,
    message: str,
    hint: str | None = None,
    suggestions: Sequence[str] = (),
) -> str:
    """The one text format: ``location: key.path: message; did you mean 'x'?`` plus a hint line."""
    parts: list[str] = []
    if origin is not None:
        parts.append(str(origin))
    if path is not None and path != ():
        parts.append(clip(path if isinstance(path, str) else format_path(path)))
    parts.append(message)
    text = ": ".join(parts)
    if suggestions:
        quoted = " or ".join(repr(s) for s in suggestions)
        text += f"; did you mean {quoted}?"
    if hint:
        text += f"\n  hint: {hint}"
    return text


def suggest(word: str, candidates: Iterable[str], limit: int = 1) -> list[str]:
    """Close matches for ``word`` among ``candidates`` (did-you-mean), best first."""
    import difflib  # only when there is a mistake to suggest for: keeps import typedcfg cheap

    pool = [c for c in candidates if c != word]
    found = difflib.get_close_matches(word, pool, n=limit, cutoff=0.6)
    if not found:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            found = [lowered[word.lower()]]
    return found


class TypedcfgError(Exception):
    """The root of every error typedcfg raises for bad input.

    Attributes:
        message: what went wrong, without the location.
        origin: where the offending text was written, when known.
        path: the key path concerned, when there is one.
        hint: one line telling the user what to do.
        suggestions: did-you-mean candidates.
    """

    def __init__(
        self,
        message: str,
        *,
        origin: Origin | None = None,
        path: KeyPath | str | None = None,
        hint: str | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        self.message = message
        self.origin = origin
        self.path = path
        self.hint = hint
        self.suggestions = tuple(suggestions)
        super().__init__(self.render())

    def render(self) -> str:
        """The user-facing text, location first."""
        return render(self.origin, self.path, self.message, self.hint, self.suggestions)

    def __str__(self) -> str:
        return self.render()


class ConfigFileError(TypedcfgError, ValueError):
    """A configuration file cannot be read, is not valid YAML, or breaks a format rule."""


class OverrideError(TypedcfgError, ValueError):
    """A command-line override (or environment value) cannot be parsed or applied."""


class CompositionError(TypedcfgError, ValueError):
    """Sources cannot be combined: ``+key`` on an existing key, a bad interpolation, a cycle."""


class MissingKeyError(CompositionError, KeyError):
    """A key that must exist does not (``~key`` on a missing key, a reference to nothing)."""

    def __str__(self) -> str:  # KeyError would quote the text
        return self.render()


class SchemaError(TypedcfgError, TypeError):
    """The schema itself cannot be used (not a model or dataclass, no annotation, ...)."""


class ConfigMutationError(TypedcfgError, ValueError):
    """A value set from code changes an existing key without ``allow_val_change``."""


class ConfigTypeError(ConfigMutationError, TypeError):
    """``RunConfig.update`` was given something that is no config (``None``, a list, a number);
    a ``TypeError`` too, as wandb raises for the same call."""


class Issue(Record):
    """One validation problem, mapped back to where the value came from (immutable).

    A plain record rather than a frozen dataclass: it is defined whenever typedcfg is imported,
    and generating a dataclass's methods cost a tenth of that import.

    Attributes:
        path: the key path in the composed config.
        message: what is wrong, in pydantic's words or ours.
        origin: where the value (or its nearest ancestor) was written.
        value: the offending value, already masked when it is a secret; ``None`` when missing.
        kind: a short machine name (pydantic's error type, or ``unknown_key`` ...).
        suggestions: did-you-mean candidates (full key paths).
        hint: what to do, when there is something useful to say.
        show_path: the message starts with the key path (``False`` when it names it already).
    """

    # The order of __init__'s parameters, which equality, hashing and repr follow.
    __slots__ = (  # noqa: RUF023
        "path", "message", "origin", "value", "kind", "suggestions", "hint", "show_path",
    )  # fmt: skip

    path: KeyPath
    message: str
    origin: Origin | None
    value: Any
    kind: str
    suggestions: tuple[str, ...]
    hint: str | None
    show_path: bool

    def __init__(
        self,
        path: KeyPath,
        message: str,
        origin: Origin | None = None,
        value: Any = None,
        kind: str = "value_error",
        suggestions: tuple[str, ...] = (),
        hint: str | None = None,
        show_path: bool = True,
    ) -> None:
        fields = (path, message, origin, value, kind, suggestions, hint, show_path)
        for name, item in zip(self.__slots__, fields, strict=True):
            object.__setattr__(self, name, item)

    def replace(self, **changes: Any) -> Issue:
        """A copy with some attributes changed (``issue.replace(origin=...)``)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return Issue(**values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Issue is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Issue is immutable: cannot delete {name!r}")

    @property
    def key(self) -> str:
        """The dotted key path."""
        return format_path(self.path)

    def __str__(self) -> str:
        path = self.path if self.show_path else None
        return render(self.origin, path, self.message, self.hint, self.suggestions)


class ConfigValidationError(TypedcfgError, ValueError):
    """The composed config does not fit the schema. ``issues`` lists every problem at once."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        first = self.issues[0] if self.issues else None
        super().__init__(
            first.message if first else "invalid config",
            origin=first.origin if first else None,
            path=(first.path if first.show_path else None) if first else None,
        )

    def render(self) -> str:
        """One located line (and hint) per issue; no summary line, however many there are."""
        return "\n".join(str(issue) for issue in self.issues)


def require_module(
    name: str, error: type[TypedcfgError], message: str, where: Origin | str, hint: str
) -> Any:
    """The optional dependency ``name``, imported; ``error`` when it is not installed.

    The error is located ``where`` the dependency was asked for: an origin, or the text of the
    command-line flag (``--launcher ray``). Its hint is the command that installs it. The module
    is imported by name, so that type checkers need not have it either.
    """
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        origin = where if isinstance(where, Origin) else Origin(SourceKind.ARGV, text=where)
        raise error(message, origin=origin, hint=hint) from exc


def missing_origin() -> Origin:
    """The origin used for values that no source set."""
    return Origin(SourceKind.MISSING)


class TypedcfgWarning(UserWarning):
    """Base of typedcfg's warnings."""


class EmptyConfigWarning(TypedcfgWarning):
    """A config file holds no keys (empty, or only comments)."""


class KeyWarning(TypedcfgWarning):
    """A key that wandb would store, show or filter differently from how it was written.

    Attributes:
        path: the key path.
        origin: where the key was written, when known.
        safe: a spelling of the key that wandb keeps as it is.
    """

    path: KeyPath
    origin: Origin | None
    safe: str


class DottedKeyWarning(KeyWarning):
    """A key holds the flattening separator, so it collides with nesting in wandb's flat view."""


class StrippedKeyWarning(KeyWarning):
    """A top-level key starts or ends with ``-``, which wandb strips."""


class HiddenKeyWarning(KeyWarning):
    """A top-level key starts with ``_``, which wandb hides from ``keys()`` and ``as_dict()``."""


class UnsafeKeyWarning(KeyWarning):
    """A key that is empty or not a string."""
