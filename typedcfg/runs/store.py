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

import contextlib
import contextvars
import copy
import datetime
import os
import shutil
import string
import sys
import tempfile
import traceback
from collections.abc import Generator, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any, cast

from ..errors import TypedcfgError
from ..export.flattened import as_plain, to_wandb
from ..provenance import KeyPath, Origin, Provenance, SourceKind
from .files import _now, CONFIG, DELETED, ENV_VAR, META, PROVENANCE, SUMMARY, RunNotFoundError, RunStoreError, apply_changes, atomic_write, atomic_write_many, below, changes, check_name, default_root, dump_config, dump_json, load_config, located, locked, origin_entry, origin_of, provenance_entries, read_json
from .snapshot import copy_sources, git_info, masked_argv
from ..typeinfo import is_schema
from ..validate import validate
from ..export.wandb_values import json_safe

__all__ = [
    "ENV_VAR",
    "Run",
    "RunNotFoundError",
    "RunStoreError",
    "Summary",
    "default_root",
    "git_info",
]


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
    ) -> None:  # fmt: skip
        self.id = run_id
        self.project = project
        self.dir = Path(root) / project / run_id
        self.schema = schema
        self._live = live
        self.reload()

    def reload(self) -> None:
        """Read the run's files again (unsaved changes to ``config`` and ``summary`` are lost)."""
        data, self._descriptions = load_config(self.dir / CONFIG)
        self._meta: dict[str, Any] = read_json(self.dir / META, {})
        self._entries: list[dict[str, Any]] = read_json(self.dir / PROVENANCE, [])
        self._set(data, read_json(self.dir / SUMMARY, {}))

    def _set(self, config: dict[str, Any], summary: dict[str, Any]) -> None:
        # Refill the same objects: a caller may hold ``cfg = run.config`` across an update.
        self._base_config = config
        self._base_summary = summary
        if not hasattr(self, "config"):
            self.config: dict[str, Any] = {}
            self.summary = Summary(self, {}, self._live)
        self.config.clear()
        self.config.update(copy.deepcopy(config))
        self.summary.reset(summary)

    @property
    def path(self) -> str:
        """``project/run_id``, the form :meth:`typedcfg.Api.run` takes."""
        return f"{self.project}/{self.id}"

    @property
    def meta(self) -> dict[str, Any]:
        """argv, files read, start/end, status, error, python, host, git (a copy)."""
        return copy.deepcopy(self._meta)

    @property
    def state(self) -> str:
        """``running``, ``finished`` or ``failed`` (wandb's name for the run status)."""
        return str(self._meta.get("status", "unknown"))

    @property
    def created_at(self) -> str:
        """The start time, ISO 8601 in UTC."""
        return str(self._meta.get("start", ""))

    @property
    def provenance(self) -> Provenance:
        """Where each key's value came from, as recorded (and as changed by :meth:`update`)."""
        table = {tuple(e["path"]): origin_of(e) for e in self._entries}
        return Provenance(table)

    def source_of(self, path: KeyPath) -> str:
        """Where the value at ``path`` (or its nearest recorded ancestor) came from, as text."""
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
            config, self._descriptions = load_config(self.dir / CONFIG)
            summary = apply_changes(read_json(self.dir / SUMMARY, {}), summary_changes)
            files: dict[str, bytes] = {}
            entries = self._entries
            if config_changes:
                config = apply_changes(config, config_changes)
                if self.schema is not None:
                    config = self._validated(config, config_changes)
                entries = self._entries_after(config_changes)
                files[CONFIG] = dump_config(config, self._descriptions)
                files[PROVENANCE] = dump_json(entries)
            if summary_changes:
                files[SUMMARY] = dump_json(summary)
            atomic_write_many(self.dir, files)
            self._entries = entries
        self._set(config, summary)

    def _validated(self, config: dict[str, Any], changes: Sequence[Any]) -> dict[str, Any]:
        from ..read.yaml_loader import parse_yaml

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

    def _entries_after(self, changes: Sequence[Any]) -> list[dict[str, Any]]:
        entries = read_json(self.dir / PROVENANCE, [])
        at = _now()
        for path, value in changes:
            entries = [e for e in entries if not below(tuple(e["path"]), path)]
            if value is not DELETED:
                entry = origin_entry(Origin(SourceKind.CODE, text="run.update()"), at)
                entries.append({**entry, "path": list(path)})
        return list(entries)

    def __repr__(self) -> str:
        return f"<Run {self.path} ({self.state})>"


# --- recording ------------------------------------------------------------------------------


