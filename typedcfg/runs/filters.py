"""The filter language of :class:`typedcfg.Api`: keys, values, conditions and orderings, in Python.

This is the definition; :mod:`.query` says the same in SQL over the index, and the tests check
that both agree on every operator and every JSON type. Filter keys name where a value lives:
``config.optim.lr``, ``summary.val_loss``, ``meta.status``, or ``id``, ``project``, ``state``,
``created_at``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from ..errors import suggest
from ..provenance import Origin, SourceKind
from .files import RunStoreError

if TYPE_CHECKING:
    from .store import Run

__all__ = ["MISSING", "check_filters", "check_key", "lookup", "matches", "sort_key", "sort_runs"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""What :func:`lookup` returns for a key a run does not have."""

_TOP_KEYS = ("id", "project", "state", "created_at")
_PREFIXES = ("config.", "summary.", "meta.")


# --- keys and values -----------------------------------------------------------------------


def lookup(run: Run, key: str) -> Any:
    """The value at ``key`` (``config.optim.lr``, ``summary.val_loss``, ``meta.host``, ``id``).

    Dotted names follow nesting; a key that itself holds a dot is found too. Returns
    :data:`MISSING` when the run has no such key.
    """
    if key in _TOP_KEYS:
        return getattr(run, key)
    head, _, rest = key.partition(".")
    if head not in ("config", "summary", "meta") or not rest:
        return MISSING
    source: Any = run.config if head == "config" else run.summary if head == "summary" else (
        run.meta)  # fmt: skip
    return _walk(source, rest.split("."))


def _walk(node: Any, parts: Sequence[str]) -> Any:
    """Follow ``parts``, joining parts again where a key holds a dot (longest match first)."""
    if not parts:
        return node
    if not isinstance(node, Mapping):
        return MISSING
    for size in range(len(parts), 0, -1):
        name = ".".join(parts[:size])
        if name in node:
            found = _walk(node[name], parts[size:])
            if found is not MISSING:
                return found
    return MISSING


def check_key(key: str, where: str) -> None:
    """Raise for a key that names no place a value can live, with did-you-mean."""
    if key in _TOP_KEYS or (key.startswith(_PREFIXES) and key.partition(".")[2]):
        return
    raise RunStoreError(
        f"unknown key {key!r}: keys start with config., summary. or meta. "
        f"(or are one of {', '.join(_TOP_KEYS)})",
        origin=Origin(SourceKind.CODE, text=where),
        suggestions=() if key.startswith(_PREFIXES) else [f"config.{key}"],
    )


# --- filters ----------------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    """A comparison that is false (not an error) between a number and a string, or MISSING."""

    def compare(value: Any, operand: Any) -> bool:
        if _number(value) and _number(operand):
            return not (math.isnan(value) or math.isnan(operand)) and op(value, operand)
        if isinstance(value, str) and isinstance(operand, str):
            return op(value, operand)
        return False

    return compare


def _in(value: Any, operand: Any) -> bool:
    return any(_equal(value, item) for item in _as_list(operand, "$in"))


def _as_list(operand: Any, name: str) -> list[Any]:
    if not isinstance(operand, (list, tuple, set, frozenset)):
        raise RunStoreError(
            f"{name} takes a list, not {operand!r}", origin=Origin(SourceKind.CODE, text="filters")
        )
    items: list[Any] = list(cast("list[Any]", operand))
    return items


_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda v, o: v is not MISSING and _equal(v, o),
    "$ne": lambda v, o: v is MISSING or not _equal(v, o),
    "$gt": _ordered(lambda v, o: v > o),
    "$gte": _ordered(lambda v, o: v >= o),
    "$lt": _ordered(lambda v, o: v < o),
    "$lte": _ordered(lambda v, o: v <= o),
    "$in": lambda v, o: v is not MISSING and _in(v, o),
    "$nin": lambda v, o: v is MISSING or not _in(v, o),
    "$exists": lambda v, o: (v is not MISSING) == bool(o),
}


def _is_operators(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    keys: list[Any] = list(cast("Iterable[Any]", condition))
    return any(str(k).startswith("$") for k in keys)


def check_filters(filters: Mapping[str, Any]) -> None:
    """Raise :class:`RunStoreError` for an unknown key prefix or operator (before reading runs)."""
    for key, condition in filters.items():
        if key in ("$and", "$or"):
            for part in _as_list(condition, key):
                check_filters(part)
            continue
        check_key(key, "filters")
        if _is_operators(condition):
            for name, operand in condition.items():
                if name not in _OPERATORS:
                    raise RunStoreError(
                        f"unknown operator {name!r}",
                        origin=Origin(SourceKind.CODE, text="filters"),
                        path=key,
                        suggestions=suggest(name, _OPERATORS),
                    )
                if name in ("$in", "$nin"):
                    _as_list(operand, name)


def matches(run: Run, filters: Mapping[str, Any]) -> bool:
    """True when ``run`` satisfies every condition in ``filters``."""
    for key, condition in filters.items():
        if key == "$and":
            ok = all(matches(run, part) for part in condition)
        elif key == "$or":
            ok = any(matches(run, part) for part in condition)
        else:
            value = lookup(run, key)
            if _is_operators(condition):
                ok = all(_OPERATORS[name](value, o) for name, o in condition.items())
            else:
                ok = _OPERATORS["$eq"](value, condition)
        if not ok:
            return False
    return True


# --- ordering ---------------------------------------------------------------------------------


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def sort_key(value: Any) -> tuple[int, Any]:
    """A key that orders numbers, then strings, then anything else (by its text)."""
    if _number(value):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, repr(value))


def sort_runs(runs: Sequence[Run], order: str) -> list[Run]:
    """``runs`` ordered by a key (``-key`` for descending); runs without the key come last."""
    descending = order.startswith("-")
    key = order.lstrip("+-")
    check_key(key, "order")
    valued = [(lookup(run, key), run) for run in runs]
    valued = [(MISSING if _nan(v) else v, r) for v, r in valued]
    present = [(v, r) for v, r in valued if v is not MISSING]
    present.sort(key=lambda pair: sort_key(pair[0]), reverse=descending)
    return [r for _, r in present] + [r for v, r in valued if v is MISSING]
