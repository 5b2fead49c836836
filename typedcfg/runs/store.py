"""The embedded run store: record runs, and the :class:`Run` object that reads and updates one.

The query side (:class:`typedcfg.Api`, filters, ordering) is in :mod:`typedcfg.runs.api`;
recording (:func:`typedcfg.record_run`) is in :mod:`typedcfg.runs.record`.

A recorded run lives in ``<root>/<project>/<run_id>/``:

- ``config.yaml``: the config in wandb's desc/value format (``wandb_version: 1``), readable by
  wandb's ``config_util`` and by :func:`typedcfg.load` (``defaults=`` that file);
- ``provenance.json``: for every key, where its value came from (file:line:col, argv[i], ...);
- ``meta.json``: argv, the files read, start and end time, status, error, Python, host, git;
- ``summary.json``: the values the program reports (``run.summary["val_loss"] = 0.31``);
- ``files/``: copies of the config files the run read.
"""

from __future__ import annotations

import copy
import os
import traceback
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import TypedcfgError
from ..provenance import KeyPath, Origin, Provenance, SourceKind
from .files import (
    CONFIG,
    DELETED,
    ENV_VAR,
    META,
    PROVENANCE,
    SUMMARY,
    RunNotFoundError,
    RunStoreError,
    apply_changes,
    atomic_write_many,
    below,
    changes,
    default_root,
    dump_json,
    locked,
    now,
)
from .formats import (
    dump_config,
    load_config,
    origin_entry,
    origin_of,
    read_object,
    read_rest,
    read_run,
)
from .index import Index
from .snapshot import git_info

__all__ = [
    "ENV_VAR",
    "Run",
    "RunNotFoundError",
    "RunStoreError",
    "Summary",
    "default_root",
    "git_info",
    "write_run",
]


Docs4 = tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[Any]]
"""A run's parsed files: ``(config, summary, meta, provenance entries)``."""
Loaded5 = tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[Any], dict[str, Any]]
""":data:`Docs4` and a second, separate copy of the config (what ``Run(docs=...)`` returns)."""


# --- Run ----------------------------------------------------------------------------------------


class Summary(MutableMapping[str, Any]):
    """A run's summary: a dict of results; values are stored as JSON-safe data.

    In a run being recorded, each assignment is written to ``summary.json`` at once (under the
    run's lock, atomically). In a run read through :class:`typedcfg.Api`, changes are written
    by ``run.update()``, as in wandb's public API.
    """

    def __init__(self, run: Run, data: Mapping[str, Any], live: bool) -> None:
        self._run = run
        self._data = dict(data)
        self._live = live

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        if self._live:
            self._run.update()

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def as_dict(self) -> dict[str, Any]:
        """A plain copy of the summary."""
        return dict(self._data)

    def reset(self, data: Mapping[str, Any]) -> None:
        """Replace the contents without writing anything (after the run's files were read)."""
        self._data = dict(data)

    def __len__(self) -> int:
        return len(self._data)

    def update(self, *args: Any, **kwargs: Any) -> None:  # one write for many keys
        """Set several keys at once (one write in a recorded run)."""
        from ..export.wandb_values import json_safe  # pydantic: only when a value is set

        for key, value in dict(*args, **kwargs).items():
            self._data[str(key)] = json_safe(value)
        if self._live:
            self._run.update()

    def __repr__(self) -> str:
        return f"Summary({self._data!r})"


class Run:
    """A recorded run, shaped like wandb's public ``Run``.

    Attributes:
        id: the run id (the directory name).
        project: the project (the parent directory name).
        dir: the run's directory.
        config: the config as a plain nested dict; change it, then call :meth:`update`.
        summary: the results (:class:`Summary`).
        schema: the schema :meth:`update` validates against, or ``None``.
    """

    def __init__(
        self, root: str | os.PathLike[str], project: str, run_id: str, *,
        schema: type[Any] | None = None, live: bool = False,
        docs: Callable[[], Loaded5] | None = None, index: Index | None = None,
    ) -> None:  # fmt: skip
        self.id = run_id
        self.project = project
        self._root = root
        self._dir: Path | None = None  # made when first asked for: a query returns thousands
        self.schema = schema
        self._live = live
        self._config: dict[str, Any] = {}
        self._summary = Summary(self, {}, live)
        # From the index, a run's files are parsed when first needed: two parses of the same
        # text (one to change, one to compare with), which is cheaper than a deep copy.
        self._pending = docs
        # A run being recorded keeps the index open for its writes (closed by record_run).
        self._writer: Index | None = index if index is not None else Index(root) if live else None
        if docs is None:
            self.reload()

    def reload(self) -> None:
        """Read the run's files again (unsaved changes to ``config`` and ``summary`` are lost).

        Raises:
            RunStoreError: a file is missing, unreadable or damaged (named in the message).
        """
        self._pending = None
        config, summary, self._meta, self._entries = read_run(self.dir)
        self._set(config, summary, copy.deepcopy(config))

    def _ready(self) -> None:
        if self._pending is not None:
            loader, self._pending = self._pending, None
            base, summary, self._meta, self._entries, config = loader()
            self._set(base, summary, config)

    def _set(self, base: dict[str, Any], summary: dict[str, Any], config: dict[str, Any]) -> None:
        # Refill the same objects: a caller may hold ``cfg = run.config`` across an update.
        self._base_config = base
        self._base_summary = summary
        self._config.clear()
        self._config.update(config)
        self._summary.reset(summary)

    @property
    def config(self) -> dict[str, Any]:
        """The config as a plain nested dict; change it, then call :meth:`update`."""
        self._ready()
        return self._config

    @config.setter
    def config(self, value: Mapping[str, Any]) -> None:
        self._ready()
        self._config = dict(value)

    @property
    def summary(self) -> Summary:
        """The results (:class:`Summary`); change them, then call :meth:`update`."""
        self._ready()
        return self._summary

    @property
    def dir(self) -> Path:
        """The run's directory."""
        if self._dir is None:
            self._dir = Path(self._root, self.project, self.id)
        return self._dir

    @property
    def path(self) -> str:
        """``project/run_id``, the form :meth:`typedcfg.Api.run` takes."""
        return f"{self.project}/{self.id}"

    @property
    def meta(self) -> dict[str, Any]:
        """argv, files read, start/end, status, error, python, host, git (a copy)."""
        self._ready()
        return copy.deepcopy(self._meta)

    @property
    def state(self) -> str:
        """``running``, ``finished`` or ``failed`` (wandb's name for the run status)."""
        self._ready()
        return str(self._meta.get("status", "unknown"))

    @property
    def created_at(self) -> str:
        """The start time, ISO 8601 in UTC."""
        self._ready()
        return str(self._meta.get("start", ""))

    @property
    def provenance(self) -> Provenance:
        """Where each key's value came from, as recorded (and as changed by :meth:`update`)."""
        self._ready()
        table = {tuple(e["path"]): origin_of(e) for e in self._entries}
        return Provenance(table)

    def provenance_entries(self) -> list[dict[str, Any]]:
        """The entries of ``provenance.json``: ``{path, where, kind, ...}`` per key (copies)."""
        self._ready()
        return [dict(entry) for entry in self._entries]

    def source_of(self, path: KeyPath) -> str:
        """Where the value at ``path`` (or its nearest recorded ancestor) came from, as text."""
        self._ready()
        best: dict[str, Any] | None = None
        for entry in self._entries:
            entry_path = tuple(entry["path"])
            if below(path, entry_path) and (best is None or len(entry_path) > len(best["path"])):
                best = entry
        if best is None:
            return "(unknown)"
        when = best.get("at")
        return str(best["where"]) + (f" {when}" if when else "")

    def update(self) -> None:
        """Write the changes made to ``config`` and ``summary`` since the run was read.

        Only what changed is written, merged into the files as they are now under the run's
        lock, so concurrent updates of different keys from many processes all survive (for
        the same key the last writer wins). With a schema bound, the merged config is
        validated first; an invalid config raises and nothing is written.

        Raises:
            ConfigValidationError: the schema rejects the new config (located at
                ``<run dir> (run.update)`` for changed keys, ``config.yaml:line:col`` for others).
            RunStoreError: the files cannot be read or written.
        """
        config_changes = changes(self._base_config, self.config, ())
        summary_changes = changes(self._base_summary, self.summary.as_dict(), ())
        if not config_changes and not summary_changes:
            return
        with locked(self.dir):
            if not config_changes:  # summary only: the other files need no reading
                summary = apply_changes(read_object(self.dir / SUMMARY), summary_changes)
                write_run(self.dir, {SUMMARY: dump_json(summary)}, part=("summary", summary),
                          index=self._writer)  # fmt: skip
                self._base_summary = summary
                self._summary.reset(summary)
                return
            config, descriptions = load_config(self.dir / CONFIG)
            summary, meta, entries = read_rest(self.dir)
            summary = apply_changes(summary, summary_changes)
            config = apply_changes(config, config_changes)
            if self.schema is not None:
                config = self._validated(config, config_changes)
            entries = _entries_after(entries, config_changes, now())
            files = {CONFIG: dump_config(config, descriptions), PROVENANCE: dump_json(entries)}
            if summary_changes:
                files[SUMMARY] = dump_json(summary)
            write_run(self.dir, files, (config, summary, meta, entries), index=self._writer)
            self._meta, self._entries = meta, entries
        self._set(config, summary, copy.deepcopy(config))

    def _validated(self, config: dict[str, Any], changes: Sequence[Any]) -> dict[str, Any]:
        from ..export.flattened import as_plain
        from ..export.wandb_values import json_safe
        from ..read.yaml_loader import parse_yaml
        from ..validate import validate

        text = (self.dir / CONFIG).read_text(encoding="utf-8")
        file = os.fspath(self.dir / CONFIG)
        origins = dict(parse_yaml(text, file, SourceKind.CONFIG_FILE).origins)
        here = Origin(SourceKind.CODE, text=f"{self.dir} (run.update)")
        for path, _ in changes:
            origins = {p: o for p, o in origins.items() if not below(p, path)}
            origins[path] = here
        assert self.schema is not None
        data: dict[str, Any] = json_safe(as_plain(validate(self.schema, config, origins)))
        return data

    def finish(self, exc: BaseException | None = None) -> None:
        """Write the end time and the final status: ``finished``, or ``failed`` with the error
        text and traceback when ``exc`` is given (what ``record_run`` does when its block ends;
        wandb's ``run.finish()``). A recorded run's index connection is closed after.

        Raises:
            RunStoreError: the run's files cannot be read or written.
        """
        try:
            self._finish(exc)
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None  # later writes open their own

    def _finish(self, exc: BaseException | None) -> None:
        directory = self.dir
        with locked(directory):
            meta = read_object(directory / META)
            meta["end"] = now()
            meta["status"] = "failed" if exc is not None else "finished"
            if exc is not None:
                text = str(exc)
                meta["error"] = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
                meta["traceback"] = "".join(traceback.format_exception(exc))
            write_run(directory, {META: dump_json(meta)}, part=("meta", meta), index=self._writer)
        self._ready()  # parse what the run started from first, then take the final meta
        self._meta = meta

    def __repr__(self) -> str:
        return f"<Run {self.path} ({self.state})>"


# --- writing ------------------------------------------------------------------------------


def _entries_after(
    entries: list[dict[str, Any]], changes: Sequence[Any], at: str
) -> list[dict[str, Any]]:
    for path, value in changes:
        entries = [e for e in entries if not below(tuple(e["path"]), path)]
        if value is not DELETED:
            entry = origin_entry(Origin(SourceKind.CODE, text="run.update()"), at)
            entries.append({**entry, "path": list(path)})
    return list(entries)


def write_run(
    directory: Path, files: Mapping[str, bytes], docs: Docs4 | None = None, *,
    part: tuple[str, dict[str, Any]] | None = None, index: Index | None = None,
) -> None:  # fmt: skip
    """Write a run's files and its index row as one step (the caller holds the run's lock).

    The row is marked dirty first and written after the files, so a writer killed in between
    leaves a mark the next query follows (see :mod:`typedcfg.runs.index`). An index that
    cannot be written is left marked stale, to be rebuilt: the files are what counts.

    Args:
        directory: the run directory.
        files: file name -> new content.
        docs: the run's files as they now are, parsed (for the whole row), or
        part: ``("summary" | "meta", data)`` when only that file changed.
        index: an open index to use (default: one opened and closed here).
    """
    own = index is None
    index = index if index is not None else Index(directory.parent.parent)
    project, run_id = directory.parent.name, directory.name
    try:
        marked = index.attempt(index.mark, project, run_id)
        atomic_write_many(directory, files)
        if not marked:
            return
        if part is not None and index.attempt(index.put_part, project, run_id, *part):
            return
        if docs is None:
            try:
                docs = read_run(directory)
            except TypedcfgError:
                return  # the mark stays: the next query lists the run as damaged
        index.attempt(index.put, project, run_id, docs)
    finally:
        if own:
            index.close()
