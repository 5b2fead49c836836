"""The run store's index: one SQLite file beside the runs, for queries over many runs.

The run files stay the source of truth; ``<root>/.index.sqlite`` holds a copy of what queries
need, one row per run: the run's id, project, status and start time, its config, summary, meta
and provenance as JSON text, and one column per flattened key (``config.optim.lr``,
``summary.val_loss``, ``meta.sweep.id``) holding the value itself, so that filters, ordering
and grouping run inside SQLite without reading any run's files.

How it stays true to the files (stdlib :mod:`sqlite3`, WAL mode, so readers never wait):

- Every write of a run's files holds the run's lock and marks the run's row *dirty* before it
  writes, then writes the row and clears the mark after. A writer killed in between leaves the
  mark; the next query re-reads that run (under its lock) and clears it.
- A run directory that appears or disappears (a new run, a run copied in or removed by hand) is
  found by listing the project directory whenever its mtime differs from the one the index saw
  (a listing done within a second of the directory's last change is not trusted, as git does).
- A missing, damaged or older-format index is rebuilt from the files, and so is one that a
  writer could not update (it leaves ``.index.stale`` behind). Each rebuild or catch-up is
  reported through the ``note`` callback (the CLI prints it on stderr).

A file edited by hand in place (not replaced) is seen after ``typedcfg runs reindex``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TypedcfgError
from .rows import dirs, dumps, encode, flat_leaves, huge, mtime, open_index, problem, transaction

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "INDEX",
    "MAX_COLUMNS",
    "STALE",
    "Docs",
    "Index",
]

INDEX = ".index.sqlite"
STALE = ".index.stale"
VERSION = 1
"""The index's format; an index of another version is rebuilt."""
MAX_COLUMNS = 1500
"""Keys beyond this many get no column; queries on them read the JSON text instead."""
_RACY_NS = 1_000_000_000
"""A directory changed less than this long before it was listed may change again unseen."""

_FIXED = ("project", "id", "state", "created_at", "damaged", "dirty")
_DOCS = ("config", "summary", "meta", "provenance")

Docs = tuple[Any, Any, Any, Any]
"""A run's parsed ``(config, summary, meta, provenance entries)``."""


class Index:
    """The index of the store at ``root``.

    Args:
        root: the store root.
        note: called with one line of text when the index is rebuilt or catches up.
    """

    def __init__(self, root: str | os.PathLike[str], note: Callable[[str], None] | None = None):
        self.root = Path(root)
        self.path = self.root / INDEX
        self._note = note
        self._conn: sqlite3.Connection | None = None
        self._columns: dict[str, str] = {}
        self._huge: set[str] = set()

    # --- connection ---------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        return open_index(self.path)

    def _create(self, conn: sqlite3.Connection) -> None:
        fixed = ", ".join(f"{c} {'INTEGER' if c == 'dirty' else 'TEXT'}" for c in _FIXED)
        docs = ", ".join(f"{c} TEXT" for c in _DOCS)
        conn.executescript(
            f"""
            BEGIN;
            CREATE TABLE IF NOT EXISTS info (name TEXT PRIMARY KEY, value);
            CREATE TABLE IF NOT EXISTS columns (key TEXT PRIMARY KEY, col TEXT UNIQUE,
                huge INTEGER DEFAULT 0);
            CREATE TABLE IF NOT EXISTS projects (name TEXT PRIMARY KEY, mtime INTEGER);
            CREATE TABLE IF NOT EXISTS runs (rowid INTEGER PRIMARY KEY, {fixed},
                UNIQUE (project, id));
            CREATE INDEX IF NOT EXISTS runs_created ON runs (project, created_at);
            CREATE INDEX IF NOT EXISTS runs_dirty ON runs (dirty) WHERE dirty = 1;
            CREATE INDEX IF NOT EXISTS runs_damaged ON runs (project) WHERE damaged IS NOT NULL;
            CREATE TABLE IF NOT EXISTS docs (run INTEGER PRIMARY KEY, {docs});
            INSERT OR IGNORE INTO info VALUES ('version', {VERSION});
            COMMIT;
            """
        )

    def connect(self) -> sqlite3.Connection:
        """The open connection (made, with the tables, on first use)."""
        if self._conn is None:
            conn = self._open()
            try:
                made = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'info'").fetchone()
                if made is None:
                    self._create(conn)
                self._conn = conn
                self._load_columns()
            except BaseException:
                conn.close()
                self._conn = None
                raise
        return self._conn

    def attempt(self, step: Callable[..., object], *args: Any) -> bool:
        """Run a write ``step``; when the index cannot take it, mark the index stale instead.

        Returns False when the step failed, or itself returned False.
        """
        import sqlite3

        try:
            done = step(*args)
        except (sqlite3.Error, OSError):
            self.close()
            with contextlib.suppress(OSError):
                (self.root / STALE).touch()
            return False
        return done is not False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _load_columns(self) -> None:
        assert self._conn is not None
        rows = self._conn.execute("SELECT key, col, huge FROM columns").fetchall()
        self._columns = {key: col for key, col, _ in rows}
        self._huge = {key for key, _, huge in rows if huge}

    def columns(self) -> list[tuple[str, str]]:
        """Every ``(key, column)`` pair, in the order the columns were made."""
        return sorted(self._columns.items(), key=lambda pair: int(pair[1][1:]))

    def column(self, key: str) -> str | None:
        """The SQL column holding ``key`` (``config.optim.lr``), ``None`` when there is none."""
        return self._columns.get(key)

    def inexact(self, key: str) -> bool:
        """True when some run holds an integer too large for SQLite at ``key`` (Python compares)."""
        return key in self._huge

    def has_below(self, key: str) -> bool:
        """True when some column holds a key inside ``key`` (``key`` is then not a leaf)."""
        head = key + "."
        return any(k.startswith(head) for k in self._columns)

    def capped(self) -> bool:
        """True when some keys got no column (queries then also look at the JSON text)."""
        return len(self._columns) >= MAX_COLUMNS

    # --- writing --------------------------------------------------------------------------------

    def _ensure_columns(self, conn: sqlite3.Connection, keys: Sequence[str]) -> None:
        new = [k for k in keys if k not in self._columns]
        if not new:
            return
        self._load_columns()  # another process may have added some
        for key in new:
            if key in self._columns or len(self._columns) >= MAX_COLUMNS:
                continue
            col = f"k{len(self._columns) + 1}"
            conn.execute(f"ALTER TABLE runs ADD COLUMN {col}")
            conn.execute("INSERT INTO columns (key, col) VALUES (?, ?)", (key, col))
            self._columns[key] = col

    def mark(self, project: str, run_id: str) -> None:
        """Mark a run dirty before its files change (cleared by :meth:`put`)."""
        conn = self.connect()
        conn.execute(
            "INSERT INTO runs (project, id, dirty) VALUES (?, ?, 1) "
            "ON CONFLICT (project, id) DO UPDATE SET dirty = 1",
            (project, run_id),
        )

    def put(
        self, project: str, run_id: str, docs: Docs | None, damaged: str | None = None
    ) -> None:
        """Write a run's row from its parsed files (``docs``), or as damaged (``damaged``)."""
        conn = self.connect()
        values: dict[str, Any] = {}
        state = created = None
        if docs is not None:
            config, summary, meta, _ = docs
            values.update(flat_leaves(config, "config") if config else ())
            values.update(flat_leaves(summary, "summary") if summary else ())
            values.update(flat_leaves(meta, "meta") if meta else ())
            state = str(meta.get("status", "unknown"))
            created = str(meta.get("start", ""))
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._ensure_columns(conn, list(values))
            cols = {self._columns[k]: encode(v) for k, v in values.items() if k in self._columns}
            self._flaghuge(conn, values)
            conn.execute("DELETE FROM docs WHERE run IN "
                         "(SELECT rowid FROM runs WHERE project = ? AND id = ?)",
                         (project, run_id))  # fmt: skip
            conn.execute("DELETE FROM runs WHERE project = ? AND id = ?", (project, run_id))
            names = ", ".join([*_FIXED, *cols])
            marks = ", ".join("?" * (len(_FIXED) + len(cols)))
            row = (project, run_id, state, created, damaged, 0, *cols.values())
            rowid = conn.execute(f"INSERT INTO runs ({names}) VALUES ({marks})", row).lastrowid
            if docs is not None:
                conn.execute(
                    "INSERT INTO docs VALUES (?, ?, ?, ?, ?)", (rowid, *(dumps(d) for d in docs))
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def put_part(self, project: str, run_id: str, part: str, data: Mapping[str, Any]) -> bool:
        """Replace one part (``summary`` or ``meta``) of an indexed run; False when not indexed.

        A write that changed only that file needs no reading of the others.
        """
        conn = self.connect()
        values = dict(flat_leaves(data, part)) if data else {}
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT runs.rowid FROM runs JOIN docs ON docs.run = runs.rowid "
                "WHERE project = ? AND id = ?", (project, run_id),
            ).fetchone()  # fmt: skip
            if row is None:
                conn.execute("ROLLBACK")
                return False
            self._ensure_columns(conn, list(values))
            sets: dict[str, Any] = {
                col: None for key, col in self._columns.items() if key.startswith(part + ".")
            }
            columns = self._columns
            sets.update({columns[k]: encode(v) for k, v in values.items() if k in columns})
            self._flaghuge(conn, values)
            if part == "meta":
                sets["state"] = str(data.get("status", "unknown"))
                sets["created_at"] = str(data.get("start", ""))
            sets["dirty"] = 0
            assignments = ", ".join(f"{col} = ?" for col in sets)
            conn.execute(f"UPDATE runs SET {assignments} WHERE rowid = ?", [*sets.values(), row[0]])
            conn.execute(f"UPDATE docs SET {part} = ? WHERE run = ?", (dumps(data), row[0]))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return True

    def _flaghuge(self, conn: sqlite3.Connection, values: Mapping[str, Any]) -> None:
        for key in [k for k, v in values.items() if huge(v) and k not in self._huge]:
            conn.execute("UPDATE columns SET huge = 1 WHERE key = ?", (key,))
            self._huge.add(key)

    def drop(self, project: str, run_ids: Sequence[str]) -> None:
        conn = self.connect()
        with transaction(conn):
            for run_id in run_ids:
                conn.execute("DELETE FROM docs WHERE run IN "
                             "(SELECT rowid FROM runs WHERE project = ? AND id = ?)",
                             (project, run_id))  # fmt: skip
                conn.execute("DELETE FROM runs WHERE project = ? AND id = ?", (project, run_id))

    # --- keeping up with the files ----------------------------------------------------------

    def sync(self, read: Callable[[Path], Docs], locked: Callable[[Path], Any]) -> None:
        """Bring the index up to date with the files before a query (see the module docstring).

        ``read`` parses a run directory's files (raising :class:`TypedcfgError` when they are
        damaged); ``locked`` is the run lock's context manager.
        """
        why = self._why_rebuild()
        if why is not None:
            self._rebuild(read, why)
            return
        conn = self.connect()
        self._load_columns()  # writers elsewhere may have added some
        found = 0
        known = dict(conn.execute("SELECT name, mtime FROM projects").fetchall())
        for name in dirs(self.root):
            changed = mtime(self.root / name)
            if changed is not None and known.get(name) == changed:
                continue
            found += self._list_project(name, read)
        gone = [p for p in known if not (self.root / p).is_dir()]
        for name in gone:
            ids = [r[0] for r in conn.execute("SELECT id FROM runs WHERE project = ?", (name,))]
            self.drop(name, ids)
            conn.execute("DELETE FROM projects WHERE name = ?", (name,))
        dirty = conn.execute("SELECT project, id FROM runs WHERE dirty = 1").fetchall()
        for project, run_id in dirty:
            directory = self.root / project / run_id
            if not directory.is_dir():
                self.drop(project, [run_id])  # a creation that never finished (or is under way)
                continue
            with locked(directory):
                self._index_run(project, run_id, read)
        if dirty:
            self._say(f"{len(dirty)} run(s) re-read: a write was interrupted")
        if found:
            self._say(f"{found} run(s) added from the files")

    def _why_rebuild(self) -> str | None:
        import sqlite3

        if (self.root / STALE).exists():
            return "a write could not update it"
        if not self.path.exists():
            if not self.root.is_dir():
                return None  # no store at all: the caller says so
            return "it was missing"
        try:
            conn = self.connect()
            row = conn.execute("SELECT value FROM info WHERE name = 'version'").fetchone()
            conn.execute("SELECT count(*) FROM runs").fetchone()
        except sqlite3.DatabaseError as exc:
            return f"it was damaged ({exc})"
        if row is None or row[0] != VERSION:
            return "it was written by another version of typedcfg"
        return None

    def _rebuild(self, read: Callable[[Path], Docs], why: str) -> None:
        count = self.rebuild(read)
        self._say(f"rebuilt from {count} run(s) ({why})")

    def rebuild(self, read: Callable[[Path], Docs]) -> int:
        """Make the index anew from every run's files; returns the number of runs."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.fspath(self.path) + suffix)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.root / STALE)
        self._columns = {}
        count = 0
        for name in dirs(self.root):
            count += self._list_project(name, read)
        return count

    def _list_project(self, project: str, read: Callable[[Path], Docs]) -> int:
        """Add the runs of ``project`` the index lacks, drop those gone; remember the mtime."""
        conn = self.connect()
        directory = self.root / project
        before = mtime(directory)
        on_disk = set(dirs(directory))
        known = {r[0] for r in conn.execute("SELECT id FROM runs WHERE project = ?", (project,))}
        self.drop(project, sorted(known - on_disk))
        new = sorted(on_disk - known)
        for run_id in new:
            self._index_run(project, run_id, read)
        trusted = before is not None and time.time_ns() - before > _RACY_NS
        conn.execute(
            "INSERT INTO projects VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET mtime = ?",
            (project, before if trusted else None, before if trusted else None),
        )
        return len(new)

    def _index_run(self, project: str, run_id: str, read: Callable[[Path], Docs]) -> None:
        try:
            docs = read(self.root / project / run_id)
        except TypedcfgError as exc:
            self.put(project, run_id, None, damaged=problem(exc, self.root / project / run_id))
        else:
            self.put(project, run_id, docs)

    def _say(self, text: str) -> None:
        if self._note is not None:
            self._note(f"{self.path}: {text}")

    # --- reading ----------------------------------------------------------------------------

    def select(
        self, what: str, where: str = "1", params: Sequence[Any] = (), tail: str = ""
    ) -> list[tuple[Any, ...]]:
        """``SELECT what FROM runs WHERE where tail`` (rows as tuples)."""
        conn = self.connect()
        sql = f"SELECT {what} FROM runs WHERE {where} {tail}"
        return conn.execute(sql, list(params)).fetchall()

    def documents(self, rowids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
        """The JSON text of ``config, summary, meta, provenance`` of each row asked for."""
        conn = self.connect()
        out: dict[int, tuple[str, str, str, str]] = {}
        for start in range(0, len(rowids), 500):
            part = list(rowids[start : start + 500])
            marks = ", ".join("?" * len(part))
            sql = f"SELECT run, config, summary, meta, provenance FROM docs WHERE run IN ({marks})"
            for run, *texts in conn.execute(sql, part):
                out[run] = (texts[0], texts[1], texts[2], texts[3])
        return out

