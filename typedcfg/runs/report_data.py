"""The data of the HTML report: the runs as columns, one array per key, made from the index.

A report of 10,000 runs reads one row per run from the index's columns (its flattened config
and summary), and the provenance of the keys that vary through SQLite's ``json_each``; no
:class:`~typedcfg.runs.store.Run` is made and no run's documents are parsed in Python (only
the few distinct key paths of the provenance entries). The page's script (``report.js``)
turns the columns back into rows. The same columns are made from rows (:func:`columns_of_rows`),
for a selection SQL cannot make exactly (a filter left for Python, keys past the index's column
cap) and for callers that have rows.

The columns (``runs`` in the page's JSON)::

    {"path": [...], "state": [...], "created": [...], "sweep": [sweep id or null, ...],
     "config": {key: {"values": [...], "missing": [run numbers without the key]}},
     "summary": {key: {"values": [...], "missing": [...]}},
     "source": {key: [number of its text in "sources", or -1, ...]}}

``config`` and ``source`` hold the config keys that vary between the runs (``keys``);
``summary`` holds every summary key, and ``metrics`` those that hold a number somewhere.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from .filters import MISSING
from .index import Index
from .rows import decode

__all__ = ["Columns", "columns_from_index", "columns_of_rows", "json_value"]

Columns = dict[str, Any]
"""``{"keys", "metrics", "runs", "sources", "sweeps"}``, as the module docstring shows."""


def json_value(value: Any) -> Any:
    """JSON the browser reads: NaN and infinities (not JSON) become ``null``."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        items = cast("Mapping[str, Any]", value)
        return {str(k): json_value(v) for k, v in items.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in cast("Sequence[Any]", value)]
    return value


def _column(values: Sequence[Any]) -> dict[str, Any]:
    """A key's column: its values (``null`` where missing) and the runs that lack it."""
    return {
        "values": [None if v is MISSING else json_value(v) for v in values],
        "missing": [i for i, v in enumerate(values) if v is MISSING],
    }


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def _assemble(
    base: Mapping[str, Sequence[Any]],
    config: Mapping[str, Sequence[Any]],
    summary: Mapping[str, Sequence[Any]],
    sources: Mapping[str, Sequence[str | None]],
    sweeps: Mapping[str, list[str]],
) -> Columns:
    """The columns from the values of each key (config ones: the varying keys only)."""
    texts: dict[str, int] = {}
    source = {
        key: [-1 if t is None else texts.setdefault(t, len(texts)) for t in column]
        for key, column in sources.items()
    }
    runs = {
        **{name: list(column) for name, column in base.items()},
        "config": {key: _column(column) for key, column in config.items()},
        "summary": {key: _column(column) for key, column in summary.items()},
        "source": source,
    }
    metrics = [key for key, column in summary.items() if any(_number(v) for v in column)]
    return {
        "keys": list(config), "metrics": metrics, "runs": runs, "sources": list(texts),
        "sweeps": {name: {"params": params} for name, params in sweeps.items()},
    }  # fmt: skip


# --- from rows ----------------------------------------------------------------------------------


def columns_of_rows(rows: Sequence[Mapping[str, Any]]) -> Columns:
    """The columns of runs given as rows: ``path, state, created_at, sweep, config, summary,
    source`` (``config`` and ``summary`` flat, ``source`` each config key's provenance text)."""
    keys: dict[str, None] = {}
    names: dict[str, None] = {}
    sweeps: dict[str, list[str]] = {}
    for r in rows:
        keys.update(dict.fromkeys(r["config"]))
        names.update(dict.fromkeys(r["summary"]))
        found: object = r.get("sweep")
        sweep = cast("Mapping[str, Any]", found) if isinstance(found, Mapping) else None
        if sweep is not None and sweep.get("id") is not None:
            params = sweeps.setdefault(str(sweep["id"]), [])
            for k in cast("Mapping[str, object]", sweep.get("params") or {}):
                if str(k) not in params:
                    params.append(str(k))
    config = {k: [r["config"].get(k, MISSING) for r in rows] for k in keys}
    varying = {k: column for k, column in config.items() if _varies(column, _text)}
    sources = {k: [r["source"].get(k) if k in r["config"] else None for r in rows] for k in varying}
    base = {
        "path": [r["path"] for r in rows],
        "state": [r["state"] for r in rows],
        "created": [r.get("created_at", "") for r in rows],
        "sweep": [_sweep_id(r.get("sweep")) for r in rows],
    }
    summary = {k: [r["summary"].get(k, MISSING) for r in rows] for k in names}
    return _assemble(base, varying, summary, sources, sweeps)


def _sweep_id(found: object) -> Any:
    return cast("Mapping[str, Any]", found).get("id") if isinstance(found, Mapping) else None


def _varies(column: Sequence[Any], text: Any) -> bool:
    """True when some run lacks the key or two runs hold different values (by their text)."""
    return any(v is MISSING for v in column) or len({text(v) for v in column}) > 1


# --- from the index -----------------------------------------------------------------------------


def _stored_text(value: Any) -> Any:
    """What tells two stored values apart as their JSON texts would: the type with the value
    (``1`` and ``1.0`` differ), and a float's repr (``-0.0`` and ``0.0`` differ too)."""
    return (type(value), repr(value) if type(value) is float else value)


def columns_from_index(
    index: Index, where: str, params: Sequence[Any], order: str
) -> Columns | None:
    """The columns of the runs ``where`` selects, in ``order``; ``None`` when some keys have
    no column (the index's cap), so that only rows can say them."""
    if index.capped():
        return None
    config = [(k, c) for k, c in index.columns() if k.startswith("config.")]
    summary = [(k, c) for k, c in index.columns() if k.startswith("summary.")]
    sweep = index.column("meta.sweep.id")
    fixed = ["runs.rowid", "runs.project || '/' || runs.id", "runs.state", "runs.created_at",
             f"runs.{sweep}" if sweep else "NULL"]  # fmt: skip
    what = ", ".join([*fixed, *(f"runs.{c}" for _, c in config + summary)])
    rows = index.select(what, where, params, order)
    width = len(fixed) + len(config) + len(summary)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    rowids, paths, states, created, sweep_ids = columns[: len(fixed)]
    stored = dict(zip([k for k, _ in config + summary], columns[len(fixed) :], strict=True))
    present = {k: v for k, v in stored.items() if any(x is not None for x in v)}
    # First-seen order, as rows give it: by the first run that has the key, then column order.
    order_of = {k: next(i for i, x in enumerate(v) if x is not None) for k, v in present.items()}
    ranked = sorted(present, key=order_of.__getitem__)
    varying = {
        k.partition(".")[2]: _decoded(present[k]) for k in ranked
        if k.startswith("config.") and _varies(_missing(present[k]), _stored_text)
    }  # fmt: skip
    base = {"path": paths, "state": states, "created": created,
            "sweep": [None if s is None else decode(s) for s in sweep_ids]}  # fmt: skip
    sources = _sources(index, where, params, list(rowids), varying)
    summaries = {k.partition(".")[2]: _decoded(present[k]) for k in ranked
                 if k.startswith("summary.")}  # fmt: skip
    sweeps: dict[str, list[str]] = {}
    for name in sweep_ids:
        if name is not None:
            sweeps.setdefault(str(decode(name)), [])
    if sweep:
        sweeps.update(_sweep_params(index, where, params, order, sweep))
    return _assemble(base, varying, summaries, sources, sweeps)


def _missing(column: Iterable[Any]) -> list[Any]:
    return [MISSING if v is None else v for v in column]


def _decoded(column: Iterable[Any]) -> list[Any]:
    return [MISSING if v is None else decode(v) for v in column]


def _sources(
    index: Index, where: str, params: Sequence[Any], rowids: list[int],
    varying: Mapping[str, Sequence[Any]],
) -> dict[str, list[str | None]]:  # fmt: skip
    """The provenance text of each varying key of each run (the nearest recorded ancestor's)."""
    wanted: set[str] = set()
    for key in varying:
        name = key
        while name:
            wanted.add(name)
            name = name.rpartition(".")[0]
    position = {rowid: i for i, rowid in enumerate(rowids)}
    found: list[dict[str, str]] = [{} for _ in rowids]
    dotted: dict[str, str] = {}  # a path's JSON text -> its dotted name (few distinct ones)
    sql = (
        "SELECT docs.run, json_extract(e.value, '$.path'), json_extract(e.value, '$.where'), "
        "json_extract(e.value, '$.at') FROM runs JOIN docs ON docs.run = runs.rowid, "
        f"json_each(docs.provenance) AS e WHERE json_valid(docs.provenance) AND {where}"
    )
    entries: Iterable[tuple[int, str | None, Any, Any]] = (
        index.connect().execute(sql, list(params)) if varying else []
    )
    for run, path, place, at in entries:
        if path is None:
            continue  # an entry without a path (the files' check lets none through)
        known = dotted.get(path)
        if known is None:
            parts: list[Any] = json.loads(path)
            known = dotted[path] = ".".join(str(p) for p in parts)
        if known in wanted:
            found[position[run]][known] = str(place) + (f" {at}" if at else "")
    out: dict[str, list[str | None]] = {}
    for key, column in varying.items():
        texts: list[str | None] = []
        for table, value in zip(found, column, strict=True):
            name = key if value is not MISSING else ""
            while name and name not in table:
                name = name.rpartition(".")[0]
            texts.append(table[name] if name else None)
        out[key] = texts
    return out


def _sweep_params(
    index: Index, where: str, params: Sequence[Any], order: str, sweep: str
) -> dict[str, list[str]]:
    """Each sweep's parameter names, in the order its runs list them (``meta.sweep.params``)."""
    sql = (
        f"SELECT runs.{sweep}, e.key FROM runs JOIN docs ON docs.run = runs.rowid, "
        "json_each(docs.meta, '$.sweep.params') AS e WHERE json_valid(docs.meta) "
        f"AND json_type(docs.meta, '$.sweep.params') = 'object' AND runs.{sweep} IS NOT NULL "
        f"AND {where} {order}, e.id"  # e.id: the order of the keys inside one run
    )
    out: dict[str, list[str]] = {}
    for name, key in index.connect().execute(sql, list(params)):
        names = out.setdefault(str(decode(name)), [])
        if str(key) not in names:
            names.append(str(key))
    return out
