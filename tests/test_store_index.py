"""The run store's SQLite index: it answers as the files do, and heals itself.

Queries through the index are checked against the same queries answered from the files alone
(``Run`` objects read from disk, filtered by ``matches`` and ordered by ``sort_runs``, the
Python definitions of the filter language), over runs whose values mix every JSON type.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

import typedcfg
from typedcfg import Api
from typedcfg.runs.api import matches, sort_runs
from typedcfg.runs.store import Run

VALUES: list[Any] = [0, 1, 2, 1.0, 0.5, -3, float("nan"), "a", "b", "B", "é", "", True, False,
                     None, [1, 2], {"x": 1}, 2**70]  # fmt: skip


def _store(root: Path) -> list[str]:
    """Runs whose ``config.v`` / ``summary.m`` take each value above (and some lack them)."""
    paths = []
    for number, value in enumerate(VALUES):
        config: dict[str, Any] = {"v": value, "n": number, "grp": {"k": number % 3}}
        if number % 4 == 0:
            config.pop("v")
        with typedcfg.record_run(
            config, runs_dir=root, project="p", run_id=f"r{number:02d}"
        ) as run:
            run.summary.update({"m": VALUES[-1 - number], "n": number})
        paths.append(run.path)
    return paths


def _from_files(root: Path) -> list[Run]:
    directory = root / "p"
    return [Run(root, "p", name) for name in sorted(os.listdir(directory)) if name[0] != "."]


FILTERS: list[dict[str, Any]] = [
    {"config.v": 1}, {"config.v": 1.0}, {"config.v": True}, {"config.v": None}, {"config.v": "a"},
    {"config.v": [1, 2]}, {"config.v": {"x": 1}}, {"config.v": {"$ne": 1}},
    {"config.v": {"$gt": 0}}, {"config.v": {"$gte": 1}}, {"config.v": {"$lt": "b"}},
    {"config.v": {"$lte": "B"}}, {"config.v": {"$in": [0, "a", None, False]}},
    {"config.v": {"$nin": [0, "a"]}}, {"config.v": {"$exists": False}},
    {"config.v": {"$exists": True}}, {"config.v": {"$gt": float("nan")}},
    {"config.v": 2**70}, {"config.grp": {"k": 1}}, {"config.grp.k": 1},
    {"config.grp.k": {"$in": [0, 2]}, "summary.n": {"$lt": 10}},
    {"$or": [{"config.v": "a"}, {"summary.m": {"$gt": 1}}]},
    {"$and": [{"config.n": {"$gte": 3}}, {"$or": [{"config.v": [1, 2]}, {"config.v": 0.5}]}]},
    {"config.nothere": {"$exists": False}}, {"config.nothere": 1}, {"state": "finished"},
    {"id": {"$in": ["r01", "r05"]}}, {"meta.status": "finished"}, {"summary.m": {"$ne": None}},
]  # fmt: skip


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store for the read-only tests."""
    root = tmp_path_factory.mktemp("index") / "runs"
    _store(root)
    return root


@pytest.mark.parametrize("filters", FILTERS, ids=[json.dumps(f) for f in FILTERS])
def test_filters_through_the_index_select_what_the_files_select(
    shared: Path, filters: dict[str, Any]
) -> None:
    """Every operator, on every JSON type, with missing keys: the same runs, the same order."""
    root = shared
    expected = [r.path for r in _from_files(root) if matches(r, filters)]
    assert [r.path for r in Api(root).runs("p", filters, order=None)] == expected


ORDERS = ["config.v", "-config.v", "summary.m", "-summary.m", "config.grp.k", "-config.grp.k",
          "id", "-id", "created_at", "-created_at", "config.nothere", "config.grp"]  # fmt: skip


@pytest.mark.parametrize("order", ORDERS)
def test_ordering_through_the_index_is_the_python_ordering(shared: Path, order: str) -> None:
    """Numbers, then text, then other values by their text; missing and NaN last; ties stable."""
    root = shared
    expected = [r.path for r in sort_runs(_from_files(root), order)]
    assert [r.path for r in Api(root).runs("p", order=order)] == expected
    assert [r.path for r in Api(root).runs("p", order=order, limit=3)] == expected[:3]


def test_runs_from_the_index_update_like_runs_read_from_files(tmp_path: Path) -> None:
    """A run returned by a query is a full Run: update() writes files and index alike."""
    root = tmp_path / "runs"
    _store(root)
    api = Api(root)
    (run,) = api.runs("p", {"id": "r03"})
    run.config["grp"]["k"] = 99
    run.summary["extra"] = "x"
    run.update()
    assert Run(root, "p", "r03").config["grp"]["k"] == 99
    assert [r.id for r in api.runs("p", {"config.grp.k": 99})] == ["r03"]
    assert [r.id for r in api.runs("p", {"summary.extra": "x"})] == ["r03"]


def test_table_reads_values_from_columns(tmp_path: Path) -> None:
    """Api.table gives each run's value of each key; MISSING where a run lacks one."""
    root = tmp_path / "runs"
    _store(root)
    rows = Api(root).table("p", {"config.n": {"$lt": 2}}, ["config.v", "summary.m", "state"])
    assert rows[0][0] == "p/r00" and rows[0][1][0] is typedcfg.runs.api.MISSING
    assert rows[1] == ("p/r01", [1, {"x": 1}, "finished"])  # not a leaf: read from the run


def _notes(root: Path) -> tuple[Api, list[str]]:
    notes: list[str] = []
    return Api(root, note=notes.append), notes


def test_a_missing_index_is_rebuilt_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    paths = _store(root)
    (root / ".index.sqlite").unlink()
    api, notes = _notes(root)
    assert [r.path for r in api.runs("p", order="id")] == paths
    assert notes == [f"{root}/.index.sqlite: rebuilt from {len(paths)} run(s) (it was missing)"]


def test_a_damaged_index_is_rebuilt_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    paths = _store(root)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{root}/.index.sqlite{suffix}")
    (root / ".index.sqlite").write_bytes(b"this is not a database" * 100)
    api, notes = _notes(root)
    assert [r.path for r in api.runs("p", order="id")] == paths
    assert len(notes) == 1 and "(it was damaged (file is not a database))" in notes[0]


def test_a_stale_marker_or_another_version_rebuilds(tmp_path: Path) -> None:
    root = tmp_path / "runs"
    _store(root)
    (root / ".index.stale").touch()
    api, notes = _notes(root)
    api.runs("p")
    assert notes[-1].endswith("(a write could not update it)")
    assert not (root / ".index.stale").exists()
    with contextlib.closing(sqlite3.connect(root / ".index.sqlite")) as db:
        db.execute("UPDATE info SET value = 0 WHERE name = 'version'")
        db.commit()
    api, notes = _notes(root)
    api.runs("p")
    assert notes[-1].endswith("(it was written by another version of typedcfg)")


def test_runs_copied_in_or_removed_by_hand_are_seen(tmp_path: Path) -> None:
    """A directory that appears or disappears changes the project's mtime: the index follows."""
    root = tmp_path / "runs"
    _store(root)
    api, notes = _notes(root)
    time.sleep(1.1)  # older than the racy window, so the listing is trusted and remembered
    assert len(api.runs("p")) == len(VALUES)
    shutil.copytree(root / "p" / "r01", root / "p" / "copied")
    shutil.rmtree(root / "p" / "r02")
    ids = {r.id for r in api.runs("p")}
    assert "copied" in ids and "r02" not in ids and len(ids) == len(VALUES)
    assert notes == [f"{root}/.index.sqlite: 1 run(s) added from the files"]


def test_a_dirty_mark_left_by_a_dead_writer_is_followed(tmp_path: Path) -> None:
    """A writer killed between its mark and its row: the next query re-reads the run."""
    from typedcfg.runs.index import Index

    root = tmp_path / "runs"
    _store(root)
    Index(root).mark("p", "r05")
    meta = json.loads((root / "p" / "r05" / "summary.json").read_text())
    (root / "p" / "r05" / "summary.json").write_text(json.dumps({**meta, "late": 1}))
    api, notes = _notes(root)
    assert [r.id for r in api.runs("p", {"summary.late": 1})] == ["r05"]
    assert notes == [f"{root}/.index.sqlite: 1 run(s) re-read: a write was interrupted"]


def test_reindex_sees_files_edited_in_place(tmp_path: Path) -> None:
    """An edit that replaces no file is invisible to the checks; runs reindex picks it up."""
    root = tmp_path / "runs"
    _store(root)
    api = Api(root)
    path = root / "p" / "r07" / "summary.json"
    path.write_text(json.dumps({"m": "edited"}))
    assert api.runs("p", {"summary.m": "edited"}) == []
    assert api.reindex() == len(VALUES)
    assert [r.id for r in api.runs("p", {"summary.m": "edited"})] == ["r07"]


def test_two_writers_opening_a_new_index_at_once_both_use_it(tmp_path: Path) -> None:
    """The first two jobs of a sweep open a new index at the same moment. Both ask SQLite for
    WAL mode, and SQLite refuses one of them at once ('database is locked'); that writer used to
    leave the index stale, and the next query rebuilt it with a note. Now it asks again: over
    300 such pairs (threads, each with its own connection, released by a barrier), every
    connection opens and no index is left stale."""
    import threading

    from typedcfg.runs.index import STALE, Index

    stale: list[int] = []
    for round_ in range(300):
        root = tmp_path / f"store{round_}"
        root.mkdir()
        barrier = threading.Barrier(2)

        def open_it(index: Index, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                index.attempt(index.connect)
            finally:
                index.close()

        indexes = [Index(root), Index(root)]
        threads = [threading.Thread(target=open_it, args=(i,)) for i in indexes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if (root / STALE).exists():
            stale.append(round_)
    assert stale == []
