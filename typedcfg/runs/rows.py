"""What a row of the run index holds: values as SQLite keeps them, flattened keys, the problem
of a damaged run, and the few file-system facts the index checks (directory listings, mtimes).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import TypedcfgError
from .files import RunStoreError, located

if TYPE_CHECKING:
    import sqlite3

__all__ = [
    "decode",
    "dirs",
    "dumps",
    "encode",
    "flat_leaves",
    "huge",
    "mtime",
    "open_index",
    "problem",
    "problem_text",
    "transaction",
    "wal_mode",
]


def encode(value: Any) -> Any:
    """A value as SQLite keeps it: numbers and text as themselves, anything else as JSON bytes.

    Bytes (a BLOB) stand for booleans, ``null``, NaN, lists, mappings and text that is not
    valid UTF-8, so that SQL comparisons of numbers and of text never meet them by accident.
    """
    if isinstance(value, bool) or value is None:
        return json.dumps(value).encode()
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else json.dumps(value).encode()
    if isinstance(value, float):
        return value if not math.isnan(value) else b"NaN"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(value).encode()
        return value
    return json.dumps(value, sort_keys=True, default=repr).encode()


def decode(stored: Any) -> Any:
    """The value :func:`encode` stored (SQL ``NULL``, a missing key, is the caller's to read)."""
    if isinstance(stored, bytes):
        return json.loads(stored)
    return stored


def flat_leaves(data: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` for every leaf; lists and empty mappings are leaves."""
    stack: list[tuple[str, Any]] = [(prefix, data)]
    while stack:
        name, node = stack.pop()
        if isinstance(node, Mapping) and node:
            items = cast("Mapping[str, Any]", node)
            stack.extend((f"{name}.{k}", v) for k, v in reversed(list(items.items())))
        else:
            yield name, node


def huge(value: Any) -> bool:
    return type(value) is int and not -(2**63) <= value < 2**63


def dumps(data: Any) -> str:
    # ASCII escapes keep lone surrogates (from argv bytes) storable; NaN stays as Python writes it.
    return json.dumps(data, ensure_ascii=True, default=repr)


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Generator[None, None, None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def problem(exc: TypedcfgError, directory: Path) -> str:
    """What is wrong with a run's files, as JSON, its file named relative to the run directory
    (so that it is shown relative to wherever the store is seen from)."""
    origin = exc.origin
    file = origin.file if origin is not None else None
    return json.dumps({
        "file": os.path.relpath(file, directory) if file else None,
        "line": origin.line if origin is not None else None,
        "column": origin.column if origin is not None else None,
        "message": exc.message,
    })  # fmt: skip


def problem_text(stored: str, directory: Path) -> str:
    """The located message of a problem :func:`problem` stored, for a run at ``directory``."""
    from ..provenance import Origin, SourceKind

    try:
        fields: dict[str, Any] = json.loads(stored)
    except ValueError:
        return stored
    file = fields.get("file")
    where = os.path.normpath(os.path.join(directory, file)) if file else os.fspath(directory)
    origin = Origin(SourceKind.CONFIG_FILE, where, fields.get("line"), fields.get("column"))
    return RunStoreError(str(fields.get("message")), origin=origin).render()


def dirs(directory: Path) -> list[str]:
    try:
        with os.scandir(directory) as entries:
            return sorted(
                e.name for e in entries if not e.name.startswith(".") and e.is_dir()
            )
    except FileNotFoundError:
        return []
    except OSError as exc:
        message = f"cannot list: {exc.strerror or exc}"
        raise RunStoreError(message, origin=located(directory)) from exc


def mtime(directory: Path) -> int | None:
    try:
        return directory.stat().st_mtime_ns
    except OSError:
        return None



def open_index(path: Path) -> sqlite3.Connection:
    """A connection to the index file ``path``: autocommit, WAL, not synced."""
    import sqlite3

    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        wal_mode(conn)
        # The files are the store; the index is a copy that heals itself. Not syncing it keeps
        # recording cheap; a process killed at any point loses nothing the next query cannot
        # recover, and a damaged index (as a power failure could leave) is rebuilt.
        conn.execute("PRAGMA synchronous=OFF")
    except BaseException:
        conn.close()
        raise
    return conn


def wal_mode(conn: sqlite3.Connection) -> None:
    """Put the index in WAL mode (a mode kept in the file: once set, it is only read).

    Two processes that open a new index at the same moment (the first two jobs of a sweep) both
    ask for WAL; SQLite refuses one of them at once, without waiting ('database is locked': each
    holds the lock the other needs). The refused one asks again until the mode is set, for as
    long as a connection waits for a lock (60 s).
    """
    import sqlite3

    deadline = time.monotonic() + 60
    delay = 0.001
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
