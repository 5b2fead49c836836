"""Runs grouped by config values inside SQLite: one query gives every group's count, runs and
the statistics of a metric, so that ``runs group`` over 100,000 runs makes no ``Run`` and no
row per run in Python (only the aggregate's step below runs once per run).

The groups are those the Python grouping of :mod:`.grouping` makes: values of different types
stay apart (``1``, ``1.0`` and ``true`` are three groups, as SQLite's ``typeof`` tells them
apart), a run without a key is in the group of the missing value, and lists and mappings
compare by their JSON text (which is how the index stores them). The statistics count only the
numbers among the metric's values (booleans and NaN are stored as JSON bytes, never as numbers).

The metric's statistics are taken in the same single pass, stably: count, min and max by
SQLite, the mean and the sample standard deviation by a small aggregate (:class:`_Moments`)
that sums each value's distance from the first value of its group and the squares of those
distances (the shifted-data method). A plain sum of squares loses every digit of the spread of
values far from zero (``1e9 + 0.001 * k``); distances from a value of the group do not.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

from .filters import MISSING
from .index import Index
from .rows import decode

__all__ = ["Group", "group_rows", "infinite_stats"]

Group = tuple[list[Any], int, list[str], dict[str, Any] | None]
"""One group: the values of the keys (:data:`MISSING` where runs lack a key), the number of
runs, their ``project/run_id`` paths in run-id order, and the metric's statistics (``n``,
``mean``, ``std``, ``min``, ``max``) or ``None`` when no metric was asked for."""


def group_rows(
    index: Index, where: str, params: Sequence[Any], columns: Sequence[str], metric: str | None
) -> list[Group]:
    """The groups of the runs ``where`` selects, by the SQL ``columns`` (in no set order).

    ``metric`` is the SQL expression of the metric's column, or ``None``.
    """
    names = [f"g{i}" for i in range(len(columns))]
    keys = ", ".join(f"typeof({n}), {n}" for n in names)
    inner = ", ".join(f"{c} AS {n}" for c, n in zip(columns, names, strict=True))
    number = f"CASE WHEN typeof({metric}) IN ('integer', 'real') THEN {metric} END" if metric else (
        "NULL")  # fmt: skip
    # Run paths are joined with '/', which no directory name holds; project and id are joined
    # with NUL, which no name holds either and which sorts before every other character, so that
    # sorting the joined texts sorts by (project, id), as every other listing is sorted.
    sql = f"""
        SELECT {keys}, count(*), count(x), min(x), max(x), typedcfg_moments(x),
            group_concat(path, '/')
        FROM (
            SELECT {inner}, {number} AS x, runs.project || char(0) || runs.id AS path
            FROM runs WHERE {where}
        )
        GROUP BY {keys}
    """
    conn = index.connect()
    # typeshed types an aggregate's finalize as returning int; SQLite takes any SQL value.
    conn.create_aggregate("typedcfg_moments", 1, cast("Any", _Moments))
    out: list[Group] = []
    width = 2 * len(columns)
    for row in conn.execute(sql, list(params)):
        values = [MISSING if v is None else decode(v) for v in row[1:width:2]]
        count, n, low, high, moments, joined = row[width:]
        paths = sorted(str(joined).split("/"))
        runs = [p.replace("\0", "/") for p in paths]
        stats = _stats(n, low, high, str(moments)) if metric else None
        out.append((values, int(count), runs, stats))
    return out


class _Moments:
    """The count of numbers, the first of them, and the sums of their distances from it and of
    the squares of those distances; returned as text (an aggregate returns one value)."""

    __slots__ = ("n", "shift", "squares", "total")

    def __init__(self) -> None:
        self.n = 0
        self.shift: float = 0.0
        self.total: float = 0.0
        self.squares: float = 0.0

    def step(self, value: float | None) -> None:
        if value is None:
            return
        if not self.n:
            self.shift = value
        distance = value - self.shift
        self.n += 1
        self.total += distance
        self.squares += distance * distance

    def finalize(self) -> str:
        return f"{self.shift!r} {self.total!r} {self.squares!r}"


def _stats(n: int, low: Any, high: Any, moments: str) -> dict[str, Any]:
    if not n:
        return {"n": 0, "mean": None, "std": None, "min": None, "max": None}
    low, high = float(low), float(high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return infinite_stats(n, low, high)
    shift, total, squares = (float(part) for part in moments.split())
    std: float | None = None
    if n > 1:
        # Runs that all reported the same value have no spread, whatever the rounding says.
        spread = (squares - total * (total / n)) / (n - 1)
        std = 0.0 if low == high else math.sqrt(max(spread, 0.0))
    return {"n": int(n), "mean": shift + total / n, "std": std, "min": low, "max": high}


def infinite_stats(n: int, low: float, high: float) -> dict[str, Any]:
    """The statistics of ``n`` numbers (no NaN) from ``low`` to ``high`` when one is infinite:
    the mean is that infinity (NaN when both infinities are there), the spread NaN unless all
    the numbers are the same infinity."""
    if math.isinf(low) and math.isinf(high) and low != high:
        mean = math.nan
    else:
        mean = high if math.isinf(high) else low
    std = None if n == 1 else 0.0 if low == high else math.nan
    return {"n": n, "mean": mean, "std": std, "min": low, "max": high}
