"""Durability of the run store: concurrent update() calls lose nothing; SIGKILL loses no version.

Both hold for the files and for the store's SQLite index (``.index.sqlite``): after the writers,
the index holds what the files hold, with no run left marked dirty; after a kill, the next
query brings the index back to the files.

Both tests use real processes: ``multiprocessing`` with the spawn start method for the
concurrent writers, and a ``python`` child killed with SIGKILL for the crash test.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import typedcfg
from typedcfg import Api

WRITERS = 8
UPDATES = 100


def _writer(root: str, path: str, worker: int, updates: int) -> None:
    """One process: read the run afresh and update one new key, ``updates`` times."""
    api = Api(root)
    for step in range(updates):
        run = api.run(path)
        run.config[f"w{worker}_{step}"] = step
        run.summary[f"s{worker}"] = step
        run.update()


@pytest.mark.slow
def test_concurrent_updates_from_many_processes_lose_nothing(tmp_path: Path) -> None:
    """8 processes x 100 updates of different keys: all 800 keys are present afterwards."""
    root = str(tmp_path / "runs")
    with typedcfg.record_run({"base": 1}, runs_dir=root, project="p", run_id="shared") as run:
        pass
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_writer, args=(root, run.path, w, UPDATES)) for w in range(WRITERS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0] * WRITERS
    final = Api(root).run(run.path)
    expected = {f"w{w}_{s}": s for w in range(WRITERS) for s in range(UPDATES)}
    assert final.config == {"base": 1, **expected}
    assert dict(final.summary) == {f"s{w}": UPDATES - 1 for w in range(WRITERS)}
    provenance = final.provenance
    assert all(key in provenance for key in expected)
    assert list(final.dir.glob(".*.tmp")) == []
    # Every writer cleared its dirty mark, and the index row holds the final files.
    assert _dirty(root) == 0
    (indexed,) = Api(root).runs("p")
    assert indexed.config == final.config and dict(indexed.summary) == dict(final.summary)
    assert indexed.provenance_entries() == final.provenance_entries()


def _dirty(root: str) -> int:
    """How many runs the index has marked dirty, read straight from the SQLite file."""
    with contextlib.closing(sqlite3.connect(os.path.join(root, ".index.sqlite"))) as db:
        count: int = db.execute("SELECT count(*) FROM runs WHERE dirty = 1").fetchone()[0]
    return count


CHILD = textwrap.dedent(
    """
    import sys
    import typedcfg

    api = typedcfg.Api(sys.argv[1])
    run = api.run(sys.argv[2])
    version = run.config["version"]
    while True:
        version += 1
        run.config["version"] = version
        run.config["blob"] = [version] * 20000
        run.summary["version"] = version
        run.update()
        print(version, flush=True)
    """
)


@pytest.mark.slow
def test_a_writer_killed_mid_write_leaves_the_previous_version_readable(tmp_path: Path) -> None:
    """SIGKILL at random moments: each time the run reads back whole, at the last version.

    The child prints each version after update() returns, so the stored version is the last
    one printed, or the next one when the kill landed between the rename and the print.
    """
    root = str(tmp_path / "runs")
    data = {"version": 0, "blob": [0] * 20000}
    with typedcfg.record_run(data, runs_dir=root, project="p", run_id="crash") as run:
        pass
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    chooser = random.Random(8)
    notes: list[str] = []
    for _ in range(4):
        child = subprocess.Popen(
            [sys.executable, str(script), root, run.path],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        printed = [int(child.stdout.readline())]  # it has written at least once
        for _ in range(chooser.randrange(1, 6)):
            printed.append(int(child.stdout.readline()))
        os.kill(child.pid, signal.SIGKILL)
        rest = child.stdout.read().split()
        child.wait()
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        last = int(rest[-1]) if rest else printed[-1]
        stored = Api(root).run(run.path)
        version = stored.config["version"]
        assert version in (last, last + 1)
        assert stored.config["blob"] == [version] * 20000
        assert stored.summary["version"] in (version - 1, version)
        # The index catches up on the next query: the same version as the files, no mark left.
        (indexed,) = Api(root, note=notes.append).runs("p")
        assert indexed.config["version"] == version
        assert dict(indexed.summary) == dict(stored.summary)
        assert _dirty(root) == 0
    # A later writer takes the lock and clears the temp files killed writers left behind.
    after = Api(root).run(run.path)
    after.config["done"] = True
    after.update()
    assert list(after.dir.glob(".*.tmp")) == []
