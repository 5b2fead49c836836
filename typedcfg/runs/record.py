"""Recording a run: ``record_run`` creates its directory, writes its files, and marks how it ended.

The run being recorded is :func:`current_run` inside the block (a ContextVar, so threads and
asyncio tasks each see their own).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import os
import shutil
import string
import sys
import tempfile
from collections.abc import Generator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from ..errors import TypedcfgError
from ..export.flattened import to_wandb
from ..export.wandb_values import json_safe
from ..provenance import Origin, Provenance, SourceKind
from ..typeinfo import is_schema
from .files import (
    CONFIG,
    META,
    PROVENANCE,
    SUMMARY,
    RunStoreError,
    atomic_write_many,
    check_name,
    dump_json,
    located,
    now,
    valid_text,
)
from .formats import dump_config, provenance_entries
from .index import Index
from .snapshot import GitState, copy_sources, masked_argv
from .store import Run

__all__ = ["current_run", "record_run"]


# The run being recorded. A ContextVar rather than a module global: each thread and asyncio
# task sees the run its own ``record_run`` block set, and the token reset on exit restores the
# outer value, so nested or concurrent recordings never see each other and nothing outlives
# the block (no test fixture has to clean it up). It is the store's only ambient state.
_CURRENT: contextvars.ContextVar[Run | None] = contextvars.ContextVar(
    "typedcfg_current_run", default=None
)


def current_run() -> Run | None:
    """The run being recorded by the enclosing :func:`record_run` block, or ``None``.

    Like ``wandb.run``, it is ``None`` when nothing is recorded, so a program reports results
    the same way whether or not it was started with ``runs_dir``::

        if (run := typedcfg.current_run()) is not None:
            run.summary["val_loss"] = 0.31
    """
    return _CURRENT.get()


def _create(
    parent: Path, run_id: str | None, files: dict[str, Any], sources: Sequence[str], config: object,
    docs: tuple[dict[str, Any], list[dict[str, Any]]], index: Index, git: GitState,
) -> tuple[str, dict[str, Any]]:  # fmt: skip
    """Write the run under a temporary name, then rename the directory into place.

    Readers never see a run without its config: the directory appears complete, in one
    ``rename``, and a rename onto an existing run (never empty) fails, so ids never collide.
    """
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".new-", dir=parent))
    except OSError as exc:
        message = f"cannot create: {exc.strerror or exc}"
        raise RunStoreError(message, origin=located(parent)) from exc
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes 0700; runs are for sharing
        meta = files.pop(META)
        meta["sources"] = copy_sources(sources, staging, config)
        # The other files first, while git works out the commit (started by record_run); the
        # directory is synced once, with meta.json.
        atomic_write_many(staging, files, sync_directory=False)
        meta["git"] = git.result()
        import secrets  # only when recording: keeps ``import typedcfg`` light

        chosen = run_id or ""
        for _ in range(1 if run_id else 20):
            chosen = run_id or "".join(
                secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8)
            )
            final = {**meta, "id": chosen}
            atomic_write_many(staging, {META: dump_json(final)})
            try:
                os.rename(staging, parent / chosen)
            except OSError as exc:
                if (parent / chosen).exists():
                    continue  # taken: draw another id (or give up on a fixed one)
                message = f"cannot create: {exc.strerror or exc}"
                raise RunStoreError(message, origin=located(parent / chosen)) from exc
            atomic_write_many(parent, {})  # sync the parent: the new name must survive a crash
            # A writer killed before this line leaves the run unindexed; the next query finds
            # it, since the project directory changed (see typedcfg.runs.index).
            index.attempt(index.put, parent.name, chosen, (docs[0], {}, final, docs[1]))
            return chosen, final
        raise RunStoreError("a run with this id exists already", origin=located(parent / chosen))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prepare(
    loaded: Any, project: str, run_id: str | None, argv: Sequence[str] | None,
    configs: Sequence[str | os.PathLike[str]], program: str | None, where: str,
    sweep: Mapping[str, Any] | None,
) -> tuple[object, dict[str, Any], list[dict[str, Any]], dict[str, Any], list[str]]:  # fmt: skip
    """What a new run's files hold: ``(config object, config data, provenance entries, files,
    sources read)``; ``files`` holds ``meta.json`` as a dict, finished by :func:`_create`."""
    import platform
    import socket

    unwrap = getattr(loaded, "__typedcfg_config__", None)
    config: Any = unwrap() if callable(unwrap) else loaded
    wrapped = to_wandb(loaded, desc=True)
    # Text that is not valid Unicode cannot be stored: replaced first, so files, index and the
    # Run object all hold the same values.
    wrapped = valid_text(wrapped)
    data = {key: entry["value"] for key, entry in wrapped.items()}
    descriptions = {key: entry["desc"] for key, entry in wrapped.items() if entry["desc"]}
    provenance = getattr(loaded, "provenance", None)
    if not isinstance(provenance, Provenance):
        made = Origin(SourceKind.CODE, text="record_run")
        provenance = Provenance({(key,): made for key in data})
    read: Sequence[str] = getattr(loaded, "sources", ())
    sources = [os.fspath(s) for s in read]
    started = now()
    meta: dict[str, Any] = {
        "id": run_id, "project": project, "status": "running", "error": None,
        "start": started, "end": None, "program": program,
        "argv": masked_argv(argv if argv is not None else getattr(loaded, "argv", ()), config),
        "configs": [os.fspath(c) for c in configs], "sources": sources,
        "schema": None if isinstance(config, Mapping) else
        f"{type(config).__module__}:{type(config).__qualname__}",
        "python": platform.python_version(), "executable": sys.executable,
        "host": socket.gethostname(), "pid": os.getpid(), "cwd": where, "git": None,
    }  # fmt: skip
    if sweep is not None:
        meta["sweep"] = json_safe(dict(sweep))
    meta = valid_text(meta)
    entries = provenance_entries(provenance)
    files = {
        CONFIG: dump_config(data, descriptions),
        PROVENANCE: dump_json(entries),
        SUMMARY: dump_json({}),
        META: meta,
    }
    plain: dict[str, Any] = json_safe(data)
    return cast("object", config), plain, entries, files, sources


@contextlib.contextmanager
def record_run(
    loaded: Any,
    *,
    runs_dir: str | os.PathLike[str],
    project: str | None = None,
    run_id: str | None = None,
    argv: Sequence[str] | None = None,
    configs: Sequence[str | os.PathLike[str]] = (),
    program: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
    sweep: Mapping[str, Any] | None = None,
) -> Generator[Run, None, None]:
    """Record one run of a program in ``<runs_dir>/<project>/<run_id>/``.

    On entry the run is written with status ``running``; inside the block :func:`current_run`
    returns it; on exit the status becomes ``finished``, or ``failed`` with the error text and
    traceback when the block raised (the exception propagates). ``SystemExit(0)`` is finished.

    Args:
        loaded: a :class:`typedcfg.Loaded` (its provenance and files read are recorded), or a
            config object or mapping (every key's origin is then "record_run").
        runs_dir: the store root (``"runs"``).
        project: the project directory (default ``"uncategorized"``, as wandb's).
        run_id: the run's id (default: eight random lowercase letters and digits).
        argv: the command-line tokens (default: ``loaded.argv`` when it has one).
        configs: the ``configs=`` files given in code (``--configs`` files are in argv).
        program: the program's name or path (``sys.argv[0]``, which only main.py reads).
        cwd: where to ask git for the commit (default: the working directory).
        sweep: for a job of a ``--multirun`` sweep, ``{"id": ..., "job": n, "jobs": total,
            "params": {key: value text}}``; kept as ``meta["sweep"]`` (``runs group --sweep``).

    Raises:
        RunStoreError: a bad project name or run id, a run id that exists, an unwritable store.
    """
    root = os.fspath(runs_dir)
    project = check_name(project or "uncategorized", "project", root)
    if run_id is not None:
        check_name(run_id, "run id", root)
    where = os.fspath(cwd) if cwd is not None else os.getcwd()
    # Started first: git works out the commit while the run is prepared and its other files are
    # written, which take about as long (meta.json, written last, holds the answer).
    git = GitState(where)
    try:
        config, made, entries, files, sources = _prepare(
            loaded, project, run_id, argv, configs, program, where, sweep
        )
        index = Index(root)
        try:
            chosen, written = _create(
                Path(root) / project, run_id, files, sources, config, (made, entries), index,
                git,
            )  # fmt: skip
        except BaseException:
            index.close()
            raise
    finally:
        git.close()
    kind: type[Any] = type(config)
    schema = kind if is_schema(kind) else None
    # The Run starts from what was just written, without reading the files back.
    again = copy.deepcopy(made)
    run = Run(root, project, chosen, schema=schema, live=True,
              docs=lambda: (made, {}, written, entries, again), index=index)  # fmt: skip
    token = _CURRENT.set(run)
    try:
        yield run
    except BaseException as exc:
        ok = isinstance(exc, SystemExit) and exc.code in (None, 0)
        # The program's own exception matters more than a failure to record its end.
        with contextlib.suppress(TypedcfgError):
            run.finish(None if ok else exc)
        raise
    else:
        run.finish()
    finally:
        _CURRENT.reset(token)
