"""Runs grouped by config keys, with count, mean, std, min and max of a metric (``runs group``)."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from typing import Any, TextIO, cast

from ..provenance import Origin, SourceKind
from .aggregate import Group, infinite_stats
from .api import MISSING, Api, check_key, lookup, sort_key
from .files import RunStoreError
from .store import Run
from .tables import cell_text, filters_of, json_value, print_table, qualified


def group_command(api: Api, args: argparse.Namespace, out: TextIO) -> int:
    if args.project is None and args.sweep is None:
        raise RunStoreError(
            "name a project (runs group PROJECT --by KEY) or a sweep (runs group --sweep ID)",
            origin=Origin(SourceKind.ARGV, text="runs group"),
        )
    filters = filters_of(args.where, args.sweep)
    metric = qualified(args.metric, "summary") if args.metric else None
    given = [qualified(k, "config") for k in args.by or ()]
    for key in [*given, *([metric] if metric else [])]:
        check_key(key, "--by" if key in given else "--metric")
    found: list[Run] = []
    by = given
    # The usual case is answered by SQLite alone (no Python object per run); a key or filter
    # SQL cannot say exactly, or the keys of a sweep, takes the Python path below.
    grouped = api.groups(args.project, filters, given, metric) if given else None
    if grouped is None:
        if not given:
            found = api.runs(args.project, filters, order="created_at")
        keys = [*given, *([metric] if metric else [])]
        table = api.table(args.project, filters, keys) if given else [
            (r.path, [lookup(r, k) for k in keys]) for r in found
        ]  # fmt: skip
        if args.sweep is not None and not table and not found:
            raise _no_sweep(args)
        by = given or [qualified(k, "config") for k in _swept_keys(found)]
        if not by:
            raise RunStoreError(
                "--by KEY is required: these runs come from no --multirun sweep, so there are "
                "no swept keys to group them by",
                origin=Origin(SourceKind.ARGV, text="runs group"),
            )
        if not given:
            table = [(r.path, [lookup(r, k) for k in [*by, *([metric] if metric else [])]])
                     for r in found]  # fmt: skip
        grouped = _grouped(table, len(by), metric)
    elif args.sweep is not None and not grouped:
        raise _no_sweep(args)
    results: list[dict[str, Any]] = []
    for values, count, paths, stats in sorted(grouped, key=lambda g: [sort_key(v) for v in g[0]]):
        row: dict[str, Any] = {
            "group": {k.partition(".")[2]: json_value(v) for k, v in zip(by, values, strict=True)},
            "count": count,
            "runs": paths,
        }
        if stats is not None:
            row.update(stats)
        results.append(row)
    if args.json:
        print(json.dumps({"by": by, "metric": metric, "groups": results}, indent=2), file=out)
        return 0
    if not results:
        print(f"no runs in {api.root}/{args.project or ''}", file=out)
        return 0
    headers = [k.partition(".")[2] for k in by] + ["count"]
    if metric:
        name = metric.partition(".")[2]
        headers += [f"{name} mean", "std", "min", "max", "n"]
    rows: list[list[str]] = []
    for row in results:
        group: dict[str, Any] = row["group"]
        cells = [cell_text(v) for v in group.values()] + [str(row["count"])]
        if metric:
            cells += [cell_text(MISSING if row[k] is None else row[k]) for k in _STATS]
            cells.append(str(row["n"]))
        rows.append(cells)
    print_table(headers, rows, out)
    return 0


def _nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _no_sweep(args: argparse.Namespace) -> RunStoreError:
    return RunStoreError(
        f"no runs of sweep {args.sweep!r}"
        + (f" in project {args.project!r}" if args.project else ""),
        origin=Origin(SourceKind.ARGV, text=f"--sweep {args.sweep}"),
        hint="the sweep id is printed when the sweep starts; see it with: typedcfg runs ls",
    )


def _grouped(
    table: Sequence[tuple[str, Sequence[Any]]], width: int, metric: str | None
) -> list[Group]:
    """The groups of ``(path, [value of each --by key, metric value])`` rows, in Python."""
    groups: dict[Any, tuple[list[Any], list[tuple[str, Any]]]] = {}
    for path, values in table:
        ident = _ident(values[:width])
        measured = values[width] if metric else MISSING
        groups.setdefault(ident, (list(values[:width]), []))[1].append((path, measured))
    return [
        (values, len(members), [path for path, _ in members],
         _stats([value for _, value in members]) if metric else None)
        for values, members in groups.values()
    ]  # fmt: skip


def _ident(values: Sequence[Any]) -> Any:
    """A key telling groups apart: the values with their types (1 and 1.0 and True differ)."""
    # NaN is not equal to itself: without the stand-in, each NaN would make a group of its own.
    key = tuple((type(v).__name__, "NaN" if _nan(v) else v) for v in values)
    try:
        hash(key)
    except TypeError:  # a list or mapping value
        return json.dumps([json_value(v) for v in values], sort_keys=True, default=repr)
    return key


_STATS = ("mean", "std", "min", "max")


def _swept_keys(found: Sequence[Run]) -> list[str]:
    """The keys a sweep varied (``meta.sweep.params``), in the order of the command line."""
    keys: dict[str, None] = {}
    for r in found:
        sweep: Any = r.meta.get("sweep")
        params: Any = (
            cast("dict[str, Any]", sweep).get("params") if isinstance(sweep, dict) else None
        )
        if isinstance(params, dict):
            keys.update(dict.fromkeys(str(k) for k in cast("dict[str, Any]", params)))
    return list(keys)


def _stats(values: Sequence[Any]) -> dict[str, Any]:
    """Mean, sample standard deviation, min and max of the numbers among ``values``."""
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and type(v) is not bool]
    numbers = [v for v in numbers if v == v]  # NaN says nothing about a group
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 0.0)
    if not (math.isfinite(low) and math.isfinite(high)):
        return infinite_stats(len(numbers), low, high)  # math.fsum refuses inf + -inf
    mean = math.fsum(numbers) / len(numbers) if numbers else None
    return {
        "n": len(numbers),
        "mean": mean,
        "std": _std(numbers, mean) if len(numbers) > 1 and mean is not None else None,
        "min": min(numbers) if numbers else None,
        "max": max(numbers) if numbers else None,
    }


def _std(numbers: Sequence[float], mean: float) -> float:
    """The sample standard deviation, in two passes (statistics.stdev is exact but slow)."""
    if min(numbers) == max(numbers):
        # fsum(x) / n need not give back x itself, and the tiny residuals would print as a
        # spread of 1e-17 for runs that all reported the same value.
        return 0.0
    return math.sqrt(math.fsum((x - mean) * (x - mean) for x in numbers) / (len(numbers) - 1))
