"""Filters and orderings of :class:`typedcfg.Api` as SQL over the run index.

A filter (``{"config.optim.lr": {"$lt": 0.1}}``, see :mod:`typedcfg.runs.api`) becomes a
``WHERE`` clause over the index's columns with the same meaning the Python matcher gives it:
numbers compare with numbers, text with text (code point order, as SQLite's binary collation of
UTF-8 text), anything else only for equality, a missing key matches ``$ne``, ``$nin`` and
``$exists: false``. What SQL cannot say exactly (a key that is not a leaf, a list or mapping
operand, NaN, a key without a column) is left as a *residual* filter, which the caller checks
in Python on the rows SQL let through; the answer is the same either way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

from .index import Index
from .rows import encode

__all__ = ["Where", "order_sql", "translate"]

_TOP = {"id": "runs.id", "project": "runs.project", "state": "runs.state",
        "created_at": "runs.created_at"}  # fmt: skip
_NUMBER = "typeof({c}) IN ('integer', 'real')"
_TEXT = "typeof({c}) = 'text'"


class Where:
    """A SQL condition with its parameters, and the filters left for Python (``residual``)."""

    def __init__(self, sql: str, params: Sequence[Any], residual: Mapping[str, Any] | None):
        self.sql = sql
        self.params = list(params)
        self.residual = residual


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _column(index: Index, key: str) -> str | None:
    """The SQL expression of ``key``'s value; ``"NULL"`` when no run has it; ``None``: Python."""
    if key in _TOP:
        return _TOP[key]
    col = index.column(key)
    if index.has_below(key) or index.inexact(key) or (col is None and index.capped()):
        return None  # not a leaf everywhere, or maybe a key beyond the column cap
    return f"runs.{col}" if col is not None else "NULL"


def _eq(c: str, value: Any) -> tuple[str, list[Any]] | None:
    if _number(value):
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            return None
        return f"({_NUMBER.format(c=c)} AND {c} = ?)", [value]
    if isinstance(value, str):
        stored = encode(value)
        if isinstance(stored, bytes):
            return None
        return f"({_TEXT.format(c=c)} AND {c} = ?)", [value]
    if isinstance(value, bool) or value is None:
        return f"({c} IS NOT NULL AND {c} = ?)", [encode(value)]
    return None


def _ordered(c: str, op: str, value: Any) -> tuple[str, list[Any]] | None:
    if _number(value):
        if isinstance(value, float) and math.isnan(value):
            return "0", []
        if isinstance(value, int) and not -(2**63) <= value < 2**63:
            return None
        return f"({_NUMBER.format(c=c)} AND {c} {op} ?)", [value]
    if isinstance(value, str):
        if isinstance(encode(value), bytes):
            return None
        return f"({_TEXT.format(c=c)} AND {c} {op} ?)", [value]
    return "0", []


_COMPARE = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


def _condition(c: str, name: str, operand: Any) -> tuple[str, list[Any]] | None:
    if name == "$eq":
        return _eq(c, operand)
    if name == "$ne":
        found = _eq(c, operand)
        return None if found is None else (f"NOT {found[0]}", found[1])
    if name in _COMPARE:
        return _ordered(c, _COMPARE[name], operand)
    if name in ("$in", "$nin"):
        parts: list[str] = []
        params: list[Any] = []
        for item in cast("Sequence[Any]", operand):
            found = _eq(c, item)
            if found is None:
                return None
            parts.append(found[0])
            params += found[1]
        sql = "(" + (" OR ".join(parts) or "0") + ")"
        return (sql if name == "$in" else f"NOT {sql}"), params
    if name == "$exists":
        return (f"({c} IS NOT NULL)" if operand else f"({c} IS NULL)"), []
    return None


def translate(index: Index, filters: Mapping[str, Any]) -> Where:
    """``filters`` (already checked by ``check_filters``) as SQL plus a residual filter."""
    parts: list[str] = []
    params: list[Any] = []
    residual: list[dict[str, Any]] = []
    for key, condition in filters.items():
        if key == "$and":
            for part in cast("Sequence[Mapping[str, Any]]", condition):
                inner = translate(index, part)
                parts.append(inner.sql)
                params += inner.params
                if inner.residual:
                    residual.append(dict(inner.residual))
            continue
        if key == "$or":
            alternatives = [translate(index, p) for p in cast("Sequence[Any]", condition)]
            if any(a.residual for a in alternatives):
                residual.append({key: condition})
                continue
            parts.append("(" + (" OR ".join(a.sql for a in alternatives) or "0") + ")")
            for a in alternatives:
                params += a.params
            continue
        found = _one(index, key, condition)
        if found is None:
            residual.append({key: condition})
        else:
            parts.append(found[0])
            params += found[1]
    sql = " AND ".join(parts) or "1"
    left: dict[str, Any] | None = None
    if residual:
        left = residual[0] if len(residual) == 1 else {"$and": residual}
    return Where(sql, params, left)


def _one(index: Index, key: str, condition: Any) -> tuple[str, list[Any]] | None:
    c = _column(index, key)
    if c is None:
        return None
    operators = isinstance(condition, Mapping) and any(
        str(k).startswith("$") for k in cast("Mapping[str, Any]", condition)
    )
    if not operators:
        return _eq(c, condition)
    parts: list[str] = []
    params: list[Any] = []
    for name, operand in cast("Mapping[str, Any]", condition).items():
        found = _condition(c, name, operand)
        if found is None:
            return None
        parts.append(found[0])
        params += found[1]
    return "(" + (" AND ".join(parts) or "1") + ")", params


def order_sql(index: Index, order: str) -> str | None:
    """``ORDER BY`` text for ``order`` (``-key`` descending), or ``None`` to sort in Python.

    Numbers come first, then text; runs without the key (or NaN) last either way; ties keep the
    order of project and run id. Other values (booleans, lists) sort by their Python text, which
    SQL does not know, so a key holding any sends the sort to Python.
    """
    descending = order.startswith("-")
    key = order.lstrip("+-")
    if key in _TOP:  # always text: SQL's order is the Python order (the usual case is fast)
        way = "DESC" if descending else "ASC"
        return f"ORDER BY {_TOP[key]} {way}, runs.project, runs.id"
    c = _column(index, key)
    if c is None:
        return None
    if c.startswith("runs.k"):
        blob = index.select("1", f"typeof({c}) = 'blob' AND {c} != X'4e614e'", tail="LIMIT 1")
        if blob:
            return None
    way = "DESC" if descending else "ASC"
    missing = f"({c} IS NULL OR typeof({c}) = 'blob')"
    rank = f"(CASE WHEN {_NUMBER.format(c=c)} THEN 0 ELSE 1 END)"
    return f"ORDER BY {missing}, {rank} {way}, {c} {way}, runs.project, runs.id"
