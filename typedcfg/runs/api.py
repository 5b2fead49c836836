"""``typedcfg.Api``: find recorded runs, filter and order them, as wandb's public API does.

::

    api = typedcfg.Api(root="runs")
    run = api.run("mnist/k3x9a2bq")
    run.config["optim"]["lr"] = 0.01
    run.update()
    best = api.runs("mnist", filters={"summary.val_loss": {"$lt": 0.5}}, order="summary.val_loss")

Filter keys name where a value lives: ``config.optim.lr``, ``summary.val_loss``,
``meta.status``, or ``id``, ``project``, ``state``, ``created_at``. A value is compared for
equality; a mapping of operators (``$eq $ne $gt $gte $lt $lte $in $nin $exists``) compares as
MongoDB does, and ``$and``/``$or`` take lists of filters. ``order`` is one such key, ``-`` in
front for descending; runs without the key come last either way.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from ..errors import suggest
from .aggregate import Group, group_rows
from .files import CONFIG, RunNotFoundError, RunStoreError, check_name, located, locked
from .filters import MISSING, check_filters, check_key, lookup, matches, sort_key, sort_runs
from .formats import read_run as _read_run
from .index import Index
from .query import order_sql, translate
from .report_data import Columns, columns_from_index
from .rows import decode, problem_text
from .store import Loaded5, Run

__all__ = [
    "MISSING",
    "Api",
    "check_filters",
    "check_key",
    "lookup",
    "matches",
    "sort_key",
    "sort_runs",
]


class Api:
    """The runs under one store root, wandb-shaped.

    Queries (:meth:`runs`, :meth:`damaged`, :meth:`table`) read the store's SQLite index,
    which is brought up to date with the files first (see :mod:`typedcfg.runs.index`).

    Args:
        root: the store directory (``runs`` by default; relative to the working directory).
        note: called with a line of text when the index is rebuilt or catches up with the
            files (default: the line is written to stderr).
    """

    def __init__(
        self, root: str | os.PathLike[str] = "runs", *, note: Callable[[str], None] | None = None
    ) -> None:
        self.root = os.fspath(root)
        self._index = Index(self.root, note if note is not None else _stderr)

    def _synced(self) -> Index:
        self.projects()  # the root must exist
        self._index.sync(_read_run, locked)
        return self._index

    def reindex(self) -> int:
        """Rebuild the index from every run's files; returns the number of runs indexed."""
        self.projects()
        return self._index.rebuild(_read_run)

    def projects(self) -> list[str]:
        """The project names, sorted.

        Raises:
            RunNotFoundError: the root directory does not exist.
        """
        root = Path(self.root)
        if not root.is_dir():
            raise RunNotFoundError(
                "no run store here (the directory does not exist)",
                origin=located(self.root),
                hint="record runs with @typedcfg.main(..., runs_dir=...), or name the store "
                "with --root or TYPEDCFG_RUNS_DIR",
            )
        return sorted(p.name for p in root.iterdir() if _visible_dir(p))

    def _ids(self, project: str) -> list[str]:
        check_name(project, "project", self.root)
        directory = Path(self.root) / project
        if not directory.is_dir():
            raise RunNotFoundError(
                "no such project",
                origin=located(directory),
                suggestions=suggest(project, self.projects()),
            )
        return sorted(p.name for p in directory.iterdir() if _visible_dir(p))

    def run(self, path: str, *, schema: type[Any] | None = None) -> Run:
        """The run at ``project/run_id`` (a bare run id is looked up in every project).

        Args:
            path: ``project/run_id``, or a run id found in exactly one project.
            schema: validate the config against this schema in ``run.update()``.

        Raises:
            RunNotFoundError: no such project or run (with did-you-mean).
            RunStoreError: a bare id found in several projects, or a malformed path.
        """
        parts = path.strip("/").split("/")
        if len(parts) == 1:
            parts = [self._project_of(parts[0]), parts[0]]
        if len(parts) != 2 or not all(parts):
            raise RunStoreError(
                f"expected 'project/run_id', got {path!r}", origin=located(self.root)
            )
        project, run_id = parts
        check_name(project, "project", self.root)
        check_name(run_id, "run id", self.root)
        if not (Path(self.root) / project / run_id / CONFIG).is_file():
            ids = self._ids(project)
            raise RunNotFoundError(
                "no such run",
                origin=located(Path(self.root) / project / run_id),
                suggestions=suggest(run_id, ids),
            )
        return Run(self.root, project, run_id, schema=schema)

    def _project_of(self, run_id: str) -> str:
        check_name(run_id, "run id", self.root)
        found = [p for p in self.projects() if (Path(self.root) / p / run_id).is_dir()]
        if len(found) == 1:
            return found[0]
        if not found:
            raise RunNotFoundError(f"no run {run_id!r} in any project", origin=located(self.root))
        raise RunStoreError(
            f"run id {run_id!r} is in several projects ({', '.join(found)})",
            origin=located(self.root),
            hint=f"name it as project/run_id, e.g. {found[0]}/{run_id}",
        )

    def runs(
        self,
        project: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str | None = "-created_at",
        *,
        schema: type[Any] | None = None,
        limit: int | None = None,
    ) -> list[Run]:
        """The runs of ``project`` (of every project when ``None``) that match ``filters``.

        Args:
            project: a project name, or ``None`` for all.
            filters: ``{"config.optim.lr": 0.01, "summary.val_loss": {"$lt": 0.5}}``.
            order: a key to sort by, ``-`` in front for descending (default: newest first);
                ``None`` keeps the order of the run ids.
            schema: bound to every run returned (see :meth:`run`).
            limit: at most this many runs (the first in the order).

        Runs whose files are damaged are left out; :meth:`damaged` lists them.

        Raises:
            RunNotFoundError: the root or the project does not exist.
            RunStoreError: a malformed filter (unknown key prefix or operator).
        """
        found, _ = self.count_runs(project, filters, order, schema=schema, limit=limit)
        return found

    def count_runs(
        self,
        project: str | None = None,
        filters: Mapping[str, Any] | None = None,
        order: str | None = "-created_at",
        *,
        schema: type[Any] | None = None,
        limit: int | None = None,
    ) -> tuple[list[Run], int]:
        """As :meth:`runs`, with the number of matching runs before ``limit`` cut the list."""
        index, where, params, residual = self._where(project, filters)
        if order:
            check_key(order.lstrip("+-"), "order")
        ordered = order_sql(index, order) if order else None
        sql_sorted = not order or ordered is not None
        tail = ordered or "ORDER BY runs.project, runs.id"
        total = None
        if residual is None and sql_sorted and limit is not None:
            total = index.select("count(*)", where, params)[0][0]
            tail += f" LIMIT {int(limit)}"
        # Which runs, in which order, from the narrow table alone; then their documents.
        chosen = index.select("runs.rowid, runs.project, runs.id", where, params, tail)
        docs = index.documents([rowid for rowid, _, _ in chosen])
        rows = [(p, i, *docs[rowid]) for rowid, p, i in chosen]
        root = self.root
        found = [Run(root, p, i, schema=schema, docs=_loader(c, s, m, v))
                 for p, i, c, s, m, v in rows]  # fmt: skip
        if residual is not None:
            found = [run for run in found if matches(run, residual)]
        if order and not sql_sorted:
            found = sort_runs(found, order)
        count = len(found) if total is None else int(total)
        return (found if limit is None else found[: max(limit, 0)]), count

    def _where(
        self, project: str | None, filters: Mapping[str, Any] | None
    ) -> tuple[Index, str, list[Any], Mapping[str, Any] | None]:
        if project is not None:
            self._ids_exist(project)
        if filters:
            check_filters(filters)
        index = self._synced()
        where = translate(index, filters or {})
        # A row with a start time has its documents (a damaged run, or a mark alone, has none); the
        # test needs no join with the documents, which only the runs returned are read from.
        sql = f"runs.created_at IS NOT NULL AND ({where.sql})"
        params = list(where.params)
        if project is not None:
            sql = f"runs.project = ? AND {sql}"
            params.insert(0, project)
        return index, sql, params, where.residual

    def _ids_exist(self, project: str) -> None:
        check_name(project, "project", self.root)
        if not (Path(self.root) / project).is_dir():
            self._ids(project)  # raises, with did-you-mean

    def damaged(self, project: str | None = None) -> list[tuple[str, str]]:
        """``(project/run_id, what is wrong)`` for each run whose files cannot be read."""
        if project is not None:
            self._ids_exist(project)
        index = self._synced()
        where, params = ("runs.damaged IS NOT NULL", [])
        if project is not None:
            where, params = "runs.project = ? AND runs.damaged IS NOT NULL", [project]
        rows = index.select("runs.project, runs.id, runs.damaged", where, params,
                            "ORDER BY runs.project, runs.id")  # fmt: skip
        root = Path(self.root)
        return [(f"{p}/{i}", problem_text(why, root / p / i)) for p, i, why in rows]

    def table(
        self, project: str | None, filters: Mapping[str, Any] | None, keys: Sequence[str]
    ) -> list[tuple[str, list[Any]]]:
        """``(project/run_id, [value of each key])`` for every matching run, in run-id order.

        Keys are those of :func:`lookup`; a run without a key has :data:`MISSING`. Read from the
        index's columns when every key has one (no run's JSON is parsed), else from the runs.
        """
        for key in keys:
            check_key(key, "keys")
        index, where, params, residual = self._where(project, filters)
        columns = [_plain_column(index, k) for k in keys]
        if residual is None and all(c is not None for c in columns):
            what = ", ".join(["runs.project", "runs.id", *(cast("list[str]", columns))])
            rows = index.select(what, where, params, "ORDER BY runs.project, runs.id")
            return [(f"{r[0]}/{r[1]}", [_decoded(v) for v in r[2:]]) for r in rows]
        found = self.runs(project, filters, order=None)
        return [(run.path, [lookup(run, k) for k in keys]) for run in found]

    def groups(
        self,
        project: str | None,
        filters: Mapping[str, Any] | None,
        by: Sequence[str],
        metric: str | None,
    ) -> list[Group] | None:
        """The matching runs grouped by the values of ``by``, with ``metric``'s statistics.

        Computed inside SQLite (see :mod:`typedcfg.runs.aggregate`); ``None`` when a key has
        no plain column or a filter is left for Python, and the caller groups :meth:`table`.
        """
        for key in [*by, *([metric] if metric else [])]:
            check_key(key, "keys")
        index, where, params, residual = self._where(project, filters)
        columns = [_plain_column(index, k) for k in by]
        measure = _plain_column(index, metric) if metric else None
        if residual is not None or None in columns or (metric is not None and measure is None):
            return None
        return group_rows(index, where, params, cast("list[str]", columns), measure)

    def report_columns(
        self, project: str | None, filters: Mapping[str, Any] | None
    ) -> Columns | None:
        """The report's data for the matching runs, oldest first, from the index's columns (see
        :mod:`typedcfg.runs.report_data`); ``None`` when only the runs' rows can say it."""
        index, where, params, residual = self._where(project, filters)
        if residual is not None:
            return None
        return columns_from_index(index, where, params, order_sql(index, "created_at") or "")


def _visible_dir(path: Path) -> bool:
    return not path.name.startswith(".") and path.is_dir()


def _stderr(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)


def _loader(config: str, summary: str, meta: str, entries: str) -> Callable[[], Loaded5]:
    """Parse a run's JSON from the index when the run is first looked at."""

    def load() -> Loaded5:
        loads = json.loads
        return loads(config), loads(summary), loads(meta), loads(entries), loads(config)

    return load


_TOP_COLUMNS = {"id": "runs.id", "project": "runs.project", "state": "runs.state",
                "created_at": "runs.created_at"}  # fmt: skip


def _plain_column(index: Index, key: str) -> str | None:
    """The column of a leaf key, ``NULL`` for a key no run has, ``None`` when not a leaf."""
    if key in _TOP_COLUMNS:
        return _TOP_COLUMNS[key]
    if index.has_below(key) or index.inexact(key) or (index.column(key) is None and index.capped()):
        return None
    column = index.column(key)
    return f"runs.{column}" if column is not None else "NULL"


def _decoded(stored: Any) -> Any:
    return MISSING if stored is None else decode(stored)
