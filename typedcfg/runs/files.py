"""The run store's files: atomic writes, the run lock, the formats of each file, run facts.

Also here: the store root (``--root`` / ``TYPEDCFG_RUNS_DIR`` / ``runs``), name checks, the git
commit of the working tree, and copies of the config files a run read.


Durability: every file is replaced atomically (a temp file in the same directory, fsync,
``os.replace``, fsync of the directory), so a reader sees the old or the new version, never
part of one, even when the writer is killed. Every write holds an exclusive ``fcntl.flock`` on
``<run>/.lock`` (POSIX), so read-modify-write cycles from many processes lose nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import copy
import json
import os
import sys
import tempfile
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import yaml

from ..errors import ConfigFileError, TypedcfgError
from ..read.masking import mask_argv, mask_data, secret_names
from ..provenance import KeyPath, Origin, Provenance, SourceKind
from ..typeinfo import is_schema, schema_tree
from ..read.yaml_loader import parse_yaml

__all__ = [
    "CONFIG",
    "DELETED",
    "ENV_VAR",
    "FILES",
    "LOCK",
    "META",
    "PROVENANCE",
    "SUMMARY",
    "RunNotFoundError",
    "RunStoreError",
    "apply_changes",
    "atomic_write",
    "atomic_write_many",
    "below",
    "changes",
    "check_name",
    "copy_sources",
    "default_root",
    "dump_config",
    "dump_json",
    "git_info",
    "load_config",
    "located",
    "locked",
    "origin_entry",
    "origin_of",
    "provenance_entries",
    "read_bytes",
    "read_json",
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


def atomic_write_many(directory: Path, files: Mapping[str, bytes]) -> None:
    """Replace each file atomically (as :func:`atomic_write`), syncing the directory once.

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
    """``data`` as indented UTF-8 JSON text."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


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
    except ValueError as exc:
        line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
        origin = Origin(SourceKind.CONFIG_FILE, os.fspath(path), line, col)
        raise ConfigFileError(f"invalid JSON: {getattr(exc, 'msg', exc)}", origin=origin) from exc


class _Dumper(yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper):  # type: ignore[misc]
    """Safe YAML without anchors: a value used twice is written out twice, as wandb reads it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_config(data: Mapping[str, Any], descriptions: Mapping[str, str]) -> bytes:
    """wandb's saved-config format: ``wandb_version: 1``, then ``key: {desc, value}`` entries.

    ``desc`` is written only when there is one (wandb-core writes none at all); a ``desc: null``
    is what the legacy writer produced and means the same.
    """
    head = "wandb_version: 1\n"
    if not data:
        return head.encode("utf-8")
    entries = {
        key: {"desc": descriptions[key], "value": value} if descriptions.get(key) else
        {"value": value}
        for key, value in data.items()
    }
    body = _dump(entries)
    return (head + "\n" + body).encode("utf-8")


def _dump(entries: Mapping[str, Any]) -> str:
    """``yaml.dump`` with our dumper; reached through getattr since its stub is incomplete."""
    dump: Callable[..., str] = getattr(yaml, "dump")  # noqa: B009 - see the docstring
    return dump(
        entries, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def load_config(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a desc/value ``config.yaml``: ``(values, descriptions)``, as wandb unwraps it.

    Raises:
        RunNotFoundError: the file does not exist.
        ConfigFileError: invalid YAML, an unknown ``wandb_version``, or an entry without
            ``value`` (located at the line and column).
    """
    raw = read_bytes(path)
    if raw is None:
        raise RunNotFoundError("no such run (no config.yaml)", origin=located(path.parent))
    try:
        # Only the two safe loaders, written out so that a reader (and a test) sees it.
        top = yaml.load(raw, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        origin = Origin(SourceKind.CONFIG_FILE, os.fspath(path), line, col)
        raise ConfigFileError(f"invalid YAML: {exc.problem}", origin=origin) from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"invalid YAML: {exc}", origin=located(path)) from exc
    if top is None:
        return {}, {}
    if not isinstance(top, dict):
        raise ConfigFileError("the top level must be a mapping of desc/value entries",
                              origin=located(path))  # fmt: skip
    top = cast("dict[str, Any]", top)
    if top.pop("wandb_version", 1) not in (1, "1"):
        raise ConfigFileError("wandb_version: unknown version; only 1 exists", origin=located(path))
    top.pop("_wandb", None)  # wandb's own bookkeeping, as in wandb's run.rawconfig
    data: dict[str, Any] = {}
    descriptions: dict[str, str] = {}
    for key, entry in top.items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise ConfigFileError(f"{key}: a desc/value entry needs 'value'", origin=located(path))
        fields = cast("dict[str, Any]", entry)
        data[str(key)] = fields["value"]
        if fields.get("desc"):
            descriptions[str(key)] = str(fields["desc"])
    return data, descriptions


def provenance_entries(provenance: Provenance) -> list[dict[str, Any]]:
    """The JSON form of a provenance table: one entry per key path, with its origin's fields."""
    out: list[dict[str, Any]] = []
    for path, origin in provenance.paths():
        entry = origin_entry(origin)
        entry["path"] = list(path)
        overrode = provenance.overridden(path)
        if overrode:
            entry["overrode"] = [str(o) for o in overrode]
        out.append(entry)
    return out


def origin_entry(origin: Origin, at: str | None = None) -> dict[str, Any]:
    """The JSON form of one origin (``at``: when a value was set from code)."""
    entry: dict[str, Any] = {"where": str(origin), "kind": origin.kind.value}
    if at is not None:
        entry["at"] = at
    for name in ("file", "line", "column", "index", "text"):
        value = getattr(origin, name)
        if value is not None:
            entry[name] = value
    return entry


def origin_of(entry: Mapping[str, Any]) -> Origin:
    """The :class:`Origin` an entry of ``provenance.json`` describes."""
    fields = {n: entry.get(n) for n in ("file", "line", "column", "index", "text")}
    return Origin(SourceKind(entry.get("kind", "code")), **fields)


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


def check_name(name: str, what: str, root: str) -> str:
    """``name`` when it can be one directory name (a project or a run id), else an error."""
    if not name or name.startswith(".") or any(c in name for c in "/\\\0"):
        raise RunStoreError(
            f"{what} {name!r} cannot be a directory name (no '/', no leading '.', not empty)",
            origin=located(root),
        )
    return name


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
