"""The run store's files: atomic writes, the run lock, JSON, and the errors of the store.

Also here: the store root (``--root`` / ``TYPEDCFG_RUNS_DIR`` / ``runs``), name checks, and
what a Run changed since it was read. The formats of the files are in :mod:`.formats`.


Durability: every file is replaced atomically (a temp file in the same directory, fsync,
``os.replace``, fsync of the directory), so a reader sees the old or the new version, never
part of one, even when the writer is killed. Every write holds an exclusive ``fcntl.flock`` on
``<run>/.lock`` (POSIX), so read-modify-write cycles from many processes lose nothing.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import os
import sys
import tempfile
from collections.abc import Generator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from ..errors import ConfigFileError, TypedcfgError
from ..provenance import KeyPath, Origin, SourceKind

__all__ = [
    "CONFIG",
    "DELETED",
    "ENV_VAR",
    "FILES",
    "LOCK",
    "META",
    "PROVENANCE",
    "SUMMARY",
    "RunFileError",
    "RunNotFoundError",
    "RunStoreError",
    "apply_changes",
    "atomic_write",
    "atomic_write_many",
    "below",
    "changes",
    "check_name",
    "default_root",
    "dump_json",
    "located",
    "locked",
    "read_bytes",
    "read_json",
    "valid_text",
]

ENV_VAR = "TYPEDCFG_RUNS_DIR"
"""The environment variable naming the store root (read by ``main.py`` and the CLI only)."""

CONFIG, PROVENANCE, META, SUMMARY, FILES, LOCK = (
    "config.yaml", "provenance.json", "meta.json", "summary.json", "files", ".lock"
)  # fmt: skip


class RunStoreError(TypedcfgError, ValueError):
    """The run store cannot be read or written (bad name, unreadable file, disk full, ...)."""


class RunNotFoundError(RunStoreError, LookupError):
    """A run or project that does not exist in the store."""


class RunFileError(RunStoreError, ConfigFileError):
    """A file of a run is damaged: not valid YAML or JSON, or not the shape the store writes."""


def located(path: Path | str) -> Origin:
    """A location in the store (a run directory or one of its files)."""
    return Origin(SourceKind.CONFIG_FILE, os.fspath(path))


# --- files ------------------------------------------------------------------------------------


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never part.

    Raises:
        RunStoreError: the file cannot be written (permissions, disk full, ...).
    """
    atomic_write_many(path.parent, {path.name: data})


def atomic_write_many(
    directory: Path, files: Mapping[str, bytes], *, sync_directory: bool = True
) -> None:
    """Replace each file atomically (as :func:`atomic_write`), syncing the directory once.

    ``sync_directory=False`` leaves the directory to the caller's next call (which syncs the
    renames of both): the files are durable once the directory is synced.

    Raises:
        RunStoreError: a file cannot be written (permissions, disk full, ...).
    """
    for name, data in files.items():
        path = directory / name
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
            try:
                with os.fdopen(fd, "wb") as fh:
                    os.fchmod(fh.fileno(), 0o644)  # mkstemp makes 0600; runs are for sharing
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())  # the data is on disk before the name points at it
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            message = f"cannot write: {exc.strerror or exc}"
            raise RunStoreError(message, origin=located(path)) from exc
    if not sync_directory:
        return
    # The renames live in the directory entry: sync it too, or a crash may forget them.
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        message = f"cannot sync the directory: {exc.strerror or exc}"
        raise RunStoreError(message, origin=located(directory)) from exc


@contextlib.contextmanager
def locked(directory: Path) -> Generator[None, None, None]:
    """Hold the run's exclusive lock; remove temp files that killed writers left behind."""
    try:
        fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError as exc:
        raise RunNotFoundError("no such run", origin=located(directory)) from exc
    except OSError as exc:  # a directory in its place, a read-only file system, no permission
        message = f"cannot open the run's lock: {exc.strerror or exc}"
        raise RunStoreError(message, origin=located(directory / LOCK)) from exc
    try:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        # Every writer holds this lock, so a temp file seen now belongs to a dead process.
        for leftover in directory.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def dump_json(data: Any) -> bytes:
    """``data`` as indented UTF-8 JSON text (lone surrogates replaced: :func:`valid_text`)."""
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(valid_text(data), indent=2, ensure_ascii=False) + "\n").encode()


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RunStoreError(f"cannot read: {exc.strerror or exc}", origin=located(path)) from exc


def read_json(path: Path, default: Any) -> Any:
    """The JSON value in ``path``, ``default`` when the file does not exist.

    Raises:
        ConfigFileError: the file is not valid JSON (located at the line and column).
    """
    raw = read_bytes(path)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise RunFileError("invalid JSON: nested too deeply", origin=located(path)) from exc
    except ValueError as exc:
        line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        origin = Origin(SourceKind.CONFIG_FILE, os.fspath(path), line, col)
        raise RunFileError(f"invalid JSON: {getattr(exc, 'msg', exc)}", origin=origin) from exc


def valid_text(data: Any) -> Any:
    """``data`` with every lone surrogate in its text replaced by U+FFFD (the same when none).

    A lone surrogate (a command-line byte that is not UTF-8, or a ``\\ud800`` JSON escape) is
    not text any file format can hold: libyaml neither writes nor reads it, wandb neither. The
    store keeps the readable rest and marks the spot, as a UTF-8 decoder does.
    """
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            return data.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return data
    if isinstance(data, dict):
        items = cast("dict[object, object]", data)
        return {valid_text(k): valid_text(v) for k, v in items.items()}
    if isinstance(data, (list, tuple)):
        return [valid_text(v) for v in cast("list[Any]", data)]
    return data


# --- changes: what a Run changed since it was read ---------------------------------------------

DELETED: Any = object()


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def changes(old: Mapping[str, Any], new: Mapping[str, Any], path: KeyPath) -> list[Any]:
    """``(path, value or DELETED)`` for every leaf set, changed or removed from old to new."""
    out: list[Any] = [((*path, k), DELETED) for k in old if k not in new]
    for key, value in new.items():
        here = (*path, key)
        if key not in old:
            out.append((here, copy.deepcopy(value)))
        elif isinstance(value, Mapping) and isinstance(old[key], Mapping):
            new_child = cast("Mapping[str, Any]", value)
            out.extend(changes(old[key], new_child, here))
        elif not _same(value, old[key]):
            out.append((here, copy.deepcopy(value)))  # pyright: ignore[reportUnknownArgumentType]  # an isinstance-narrowed Any
    return out


def apply_changes(data: dict[str, Any], edits: Sequence[Any]) -> dict[str, Any]:
    """A copy of ``data`` with ``changes`` applied (missing parents are created)."""
    out = copy.deepcopy(data)
    for path, value in edits:
        node = out
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        if value is DELETED:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return out


def below(path: KeyPath, prefix: KeyPath) -> bool:
    return path[: len(prefix)] == prefix


# --- facts about a run ---------------------------------------------------------------------


def default_root(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> str:
    """The store root: ``explicit`` if given, else ``$TYPEDCFG_RUNS_DIR``, else ``runs``."""
    if explicit is not None:
        return os.fspath(explicit)
    return environ.get(ENV_VAR) or "runs"


_NAME_BYTES = 255
"""The longest file name Linux, macOS and Windows file systems take, in bytes."""


def check_name(name: str, what: str, root: str) -> str:
    """``name`` when it can be one directory name (a project or a run id), else an error.

    The same check guards creation and every lookup, so no name reaches outside the store root
    (``..``, ``/``), and none is hidden (a leading ``.``), unprintable or too long.
    """
    problem = None
    if not name or name.startswith(".") or any(c in name for c in "/\\\0"):
        problem = "no '/', no leading '.', not empty"
    else:
        try:
            size = len(name.encode("utf-8"))
        except UnicodeEncodeError:
            problem = "it is not valid Unicode: a lone surrogate"
        else:
            if not name.isprintable():
                problem = "it holds a control character"
            elif size > _NAME_BYTES:
                problem = f"it is {size} bytes long; at most {_NAME_BYTES}"
    if problem is not None:
        shown = name[:60] + "..." if len(name) > 60 else name
        text = ascii(shown) if not shown.isprintable() else repr(shown)
        raise RunStoreError(
            f"{what} {text} cannot be a directory name ({problem})", origin=located(root)
        )
    return name


def now() -> str:
    """The time now, ISO 8601 in UTC, to the millisecond."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
