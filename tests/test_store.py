"""Recording runs: record_run() writes config.yaml (wandb desc/value), provenance, meta, summary."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

import typedcfg
from typedcfg import RunStoreError, current_run, record_run
from typedcfg.provenance import SourceKind
from typedcfg.read.yaml_loader import parse_yaml
from typedcfg.runs.files import atomic_write
from typedcfg.runs.formats import dump_config, load_config
from typedcfg.runs.store import default_root, git_info


class Optim(BaseModel):
    name: str = "adam"
    lr: float = Field(0.001, gt=0)


class Train(BaseModel):
    optim: Optim = Optim()
    epochs: int = Field(10, description="passes over the data")
    tags: list[str] = []


def train(cfg: Train) -> float:
    """A plain function: the kind of program a run records."""
    loss = cfg.optim.lr * 100 / cfg.epochs
    run = current_run()
    if run is not None:
        run.summary["val_loss"] = loss
    return loss


def _record(cwd: Path, argv: list[str], **options: Any) -> typedcfg.Run:
    loaded = typedcfg.compose(Train, argv, defaults=None)
    with record_run(loaded, runs_dir=cwd / "runs", project="demo", **options) as run:
        train(loaded.config)
    return run


def test_record_run_around_a_function_writes_every_file(cwd: Path) -> None:
    """A recorded run has config.yaml, provenance.json, meta.json and summary.json."""
    run = _record(cwd, ["optim.lr=0.01", "epochs=5"], program="train.py")
    assert run.dir == cwd / "runs" / "demo" / run.id
    assert len(run.id) == 8 and run.id.isalnum()
    names = sorted(p.name for p in run.dir.iterdir())
    assert names == [".lock", "config.yaml", "meta.json", "provenance.json", "summary.json"]
    assert json.loads((run.dir / "summary.json").read_text()) == {"val_loss": 0.2}
    meta = json.loads((run.dir / "meta.json").read_text())
    assert meta["status"] == "finished" and meta["error"] is None
    assert run.state == "finished" and run.meta == meta
    assert meta["argv"] == ["optim.lr=0.01", "epochs=5"]
    assert meta["program"] == "train.py"
    assert meta["project"] == "demo" and meta["id"] == run.id
    assert meta["schema"] == f"{Train.__module__}:Train"
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["start"] <= meta["end"]
    assert meta["cwd"] == str(cwd)


def test_config_yaml_is_wandbs_desc_value_format(cwd: Path) -> None:
    """wandb_version: 1, a blank line, then key: {desc?, value} entries in field order."""
    run = _record(cwd, ["optim.lr=0.01"])
    assert (run.dir / "config.yaml").read_text() == (
        "wandb_version: 1\n"
        "\n"
        "optim:\n"
        "  value:\n"
        "    name: adam\n"
        "    lr: 0.01\n"
        "epochs:\n"
        "  desc: passes over the data\n"
        "  value: 10\n"
        "tags:\n"
        "  value: []\n"
    )


# wandb's dict_from_config_file opens the file without closing it (config_util.py line 77).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_config_yaml_reads_back_with_typedcfg_and_wandb(cwd: Path) -> None:
    """typedcfg.load(defaults=config.yaml), typedcfg's reader and wandb's reader agree."""
    from wandb.sdk.lib.config_util import dict_from_config_file

    run = _record(cwd, ["optim.lr=0.01", "tags=[a,b]"])
    path = run.dir / "config.yaml"
    expected = Train(optim=Optim(lr=0.01), tags=["a", "b"])
    assert typedcfg.load(Train, [], defaults=path) == expected
    doc = parse_yaml(path.read_text(), str(path), SourceKind.DEFAULTS_FILE)
    assert doc.data == expected.model_dump()
    assert doc.descriptions == {("epochs",): "passes over the data"}
    assert dict_from_config_file(str(path)) == expected.model_dump()


def test_provenance_records_where_each_value_came_from(cwd: Path) -> None:
    """provenance.json names argv tokens, file positions and schema defaults per key."""
    (cwd / "base.yaml").write_text("epochs: 3\n")
    run = _record(cwd, ["--configs", "base.yaml", "optim.lr=0.01"])
    entries = {tuple(e["path"]): e for e in json.loads((run.dir / "provenance.json").read_text())}
    assert entries[("optim", "lr")]["where"] == "argv[2] 'optim.lr=0.01'"
    assert entries[("optim", "lr")]["index"] == 2
    assert entries[("epochs",)]["where"] == "base.yaml:1:9"
    assert entries[("epochs",)]["line"] == 1
    assert entries[("optim", "name")]["where"] == "schema default"
    assert str(run.provenance["epochs"]) == "base.yaml:1:9"
    assert run.source_of(("optim", "lr")) == "argv[2] 'optim.lr=0.01'"


def test_config_files_read_are_copied_with_their_hash(cwd: Path) -> None:
    """Each file the run read is copied into files/ and listed in meta with its sha256."""
    import hashlib

    (cwd / "base.yaml").write_text("epochs: 3\n")
    run = _record(cwd, ["--configs", "base.yaml"], configs=["extra.yaml"])
    meta = run.meta
    assert meta["configs"] == ["extra.yaml"]
    assert meta["sources"] == [
        {
            "path": "base.yaml",
            "copy": "files/0-base.yaml",
            "sha256": hashlib.sha256(b"epochs: 3\n").hexdigest(),
        }
    ]
    assert (run.dir / "files" / "0-base.yaml").read_text() == "epochs: 3\n"


def test_current_run_is_the_run_inside_the_block_and_none_outside(cwd: Path) -> None:
    """current_run() returns the recording run only inside record_run, and None after."""
    assert current_run() is None
    loaded = typedcfg.compose(Train, [], defaults=None)
    with record_run(loaded, runs_dir="runs") as run:
        assert current_run() is run
        with record_run(loaded, runs_dir="runs") as inner:
            assert current_run() is inner
        assert current_run() is run
    assert current_run() is None
    assert run.project == "uncategorized"


def test_current_run_does_not_leak_into_other_threads_or_tasks(cwd: Path) -> None:
    """A thread started inside the block, and a separate asyncio task, see their own run."""
    seen: list[Any] = []
    loaded = typedcfg.compose(Train, [], defaults=None)

    async def task(name: str) -> str:
        with record_run(loaded, runs_dir="runs", project=name) as run:
            await asyncio.sleep(0)
            current = current_run()
            assert current is run
            return current.project

    async def both() -> list[str]:
        return list(await asyncio.gather(task("a"), task("b")))

    with record_run(loaded, runs_dir="runs"):
        thread = threading.Thread(target=lambda: seen.append(current_run()))
        thread.start()
        thread.join()
    assert seen == [None]
    assert asyncio.run(both()) == ["a", "b"]


def test_summary_writes_reach_the_file_at_once(cwd: Path) -> None:
    """Inside the block each summary assignment is already on disk, readable by Api."""
    loaded = typedcfg.compose(Train, [], defaults=None)
    with record_run(loaded, runs_dir="runs", project="p") as run:
        run.summary["val_loss"] = 0.5
        run.summary.update({"acc": 0.9, "epoch": 3})
        seen = typedcfg.Api("runs").run(run.path)
        assert dict(seen.summary) == {"val_loss": 0.5, "acc": 0.9, "epoch": 3}
        assert seen.state == "running"
        assert seen.meta["end"] is None


def test_a_failing_function_marks_the_run_failed_with_the_error(cwd: Path) -> None:
    """The exception propagates; meta says failed, with the error text and the traceback."""
    loaded = typedcfg.compose(Train, [], defaults=None)
    with (
        pytest.raises(ValueError, match="diverged"),
        record_run(loaded, runs_dir="runs", project="p") as run,
    ):
        raise ValueError("loss diverged at step 7")
    meta = json.loads((run.dir / "meta.json").read_text())
    assert meta["status"] == "failed"
    assert meta["error"] == "ValueError: loss diverged at step 7"
    assert 'raise ValueError("loss diverged at step 7")' in meta["traceback"]
    assert meta["end"] is not None


@pytest.mark.parametrize(("code", "status"), [(0, "finished"), (None, "finished"), (3, "failed")])
def test_system_exit_zero_is_finished_and_nonzero_failed(
    cwd: Path, code: int | None, status: str
) -> None:
    """sys.exit(0) ends a run normally; sys.exit(3) is a failure named 'SystemExit: 3'."""
    loaded = typedcfg.compose(Train, [], defaults=None)
    with pytest.raises(SystemExit), record_run(loaded, runs_dir="runs", project="p") as run:
        raise SystemExit(code)
    meta = json.loads((run.dir / "meta.json").read_text())
    assert meta["status"] == status
    assert meta["error"] == (None if status == "finished" else "SystemExit: 3")


def test_a_plain_mapping_can_be_recorded(cwd: Path) -> None:
    """Without a Loaded, the values are recorded with 'record_run' as their origin."""
    with record_run({"lr": 0.1, "model": {"depth": 2}}, runs_dir="runs", run_id="fixed1") as run:
        pass
    assert run.id == "fixed1"
    assert run.config == {"lr": 0.1, "model": {"depth": 2}}
    assert run.source_of(("model", "depth")) == "record_run"
    assert run.meta["schema"] is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"project": "a/b"}, "runs: project 'a/b' cannot be a directory name"),
        ({"project": ".."}, "runs: project '..' cannot be a directory name"),
        ({"run_id": ""}, "runs: run id '' cannot be a directory name"),
        ({"run_id": ".x"}, "runs: run id '.x' cannot be a directory name"),
    ],
    ids=["slash", "dotdot", "empty-id", "hidden-id"],
)
def test_bad_names_are_refused(cwd: Path, options: dict[str, str], message: str) -> None:
    """Project names and run ids must be one plain directory name; nothing is written."""
    with pytest.raises(RunStoreError) as info, record_run({"a": 1}, runs_dir="runs", **options):
        pass
    assert str(info.value).startswith(message)
    assert not (cwd / "runs").exists()


def test_a_run_id_that_exists_is_refused(cwd: Path) -> None:
    """Recording twice with the same run_id fails and leaves the first run untouched."""
    with record_run({"a": 1}, runs_dir="runs", project="p", run_id="same") as first:
        first.summary["x"] = 1
    with (
        pytest.raises(RunStoreError) as info,
        record_run({"a": 2}, runs_dir="runs", project="p", run_id="same"),
    ):
        pass
    assert str(info.value) == "runs/p/same: a run with this id exists already"
    assert typedcfg.Api("runs").run("p/same").config == {"a": 1}
    assert [p.name for p in (cwd / "runs" / "p").iterdir()] == ["same"]


def test_git_commit_and_dirty_flag_are_recorded_in_a_repository(cwd: Path) -> None:
    """Inside a git work tree meta.git has the HEAD commit, and dirty once a file changes."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    (cwd / "train.py").write_text("print(1)\n")
    git("add", "train.py")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "first")
    head = git("rev-parse", "HEAD")
    assert git_info(cwd) == {"commit": head, "dirty": False}
    (cwd / "train.py").write_text("print(2)\n")
    run = _record(cwd, [])
    assert run.meta["git"] == {"commit": head, "dirty": True}


def test_git_is_found_from_a_subdirectory_and_needs_a_commit(tmp_path: Path) -> None:
    """A folder inside a work tree records the work tree's commit; a repository without
    commits records null, as one outside any repository does."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout.strip()

    git("init", "-q")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    assert git_info(tmp_path / "deep" / "er") is None
    (tmp_path / "a.txt").write_text("a\n")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "first")
    head = git("rev-parse", "HEAD")
    assert git_info(tmp_path / "deep" / "er") == {"commit": head, "dirty": False}


def test_a_failed_record_inside_a_repository_leaves_no_git_process(tmp_path: Path) -> None:
    """git runs while the run's files are written; a record that fails before it reads git's
    answer (the store cannot be made) still waits for git, and a good record has the commit."""
    import gc

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=tmp_path, capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout.strip()

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "--allow-empty", "-m", "x")
    with record_run({"a": 1}, runs_dir=tmp_path / "runs", project="p", run_id="same",
                    cwd=tmp_path) as run:  # fmt: skip
        pass
    assert run.meta["git"] == {"commit": git("rev-parse", "HEAD"), "dirty": False}
    (tmp_path / "file").write_text("not a directory\n")
    with (
        pytest.raises(RunStoreError, match="cannot create"),
        record_run({"a": 2}, runs_dir=tmp_path / "file" / "runs", project="p", cwd=tmp_path),
    ):
        pass
    gc.collect()  # a Popen dropped without waiting would warn (an error in this test suite)
    # No git child is left, not even a finished one that nobody waited for. Other children of
    # the test process (the Slurm daemons a session fixture starts, say) are not counted.
    assert _children_named("git") == []


def _children_named(name: str) -> list[int]:
    """The pids of this process's children whose command is ``name`` (zombies included), as
    Linux's /proc lists them."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue  # it ended while the folder was read
        command = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == os.getpid() and command == name:
            found.append(int(entry))
    return found


def test_outside_a_repository_git_is_none(tmp_path: Path) -> None:
    """No repository (or no git at all) records git as null instead of failing."""
    assert git_info(tmp_path / "missing-dir") is None
    (tmp_path / "plain").mkdir()
    assert git_info(tmp_path / "plain") is None


def test_default_root_prefers_the_argument_then_the_environment() -> None:
    """--root wins over TYPEDCFG_RUNS_DIR, which wins over ./runs."""
    env = {"TYPEDCFG_RUNS_DIR": "/data/runs"}
    assert default_root("here", env) == "here"
    assert default_root(None, env) == "/data/runs"
    assert default_root(None, {}) == "runs"


def test_dump_config_round_trips_values_yaml_would_mistake(tmp_path: Path) -> None:
    """Strings that look like other types, None, nested lists and shared objects survive."""
    shared = [1, 2]
    data: dict[str, Any] = {
        "yes": "yes",
        "off": "off",
        "date": "2024-01-01",
        "none": None,
        "num": "1e-3",
        "lists": [[1, 2], {"a": None}],
        "one": shared,
        "two": shared,
        "unicode": "héllo ✓",
        "big": 1e300,
    }
    path = tmp_path / "config.yaml"
    path.write_bytes(dump_config(data, {"yes": "a description"}))
    assert "&id" not in path.read_text()  # no YAML anchors: wandb's reader sees plain values
    assert load_config(path) == (data, {"yes": "a description"})
    assert yaml.safe_load(path.read_text())["yes"] == {"desc": "a description", "value": "yes"}


def test_empty_config_is_just_the_version_line(tmp_path: Path) -> None:
    """As wandb writes it: an empty config is the single line 'wandb_version: 1'."""
    assert dump_config({}, {}) == b"wandb_version: 1\n"
    (tmp_path / "c.yaml").write_bytes(dump_config({}, {}))
    assert load_config(tmp_path / "c.yaml") == ({}, {})


_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


# wandb_version and _wandb are the format's own keys (wandb drops them from run.config too).
_top_keys = st.text(min_size=1, max_size=8).filter(lambda k: k not in ("wandb_version", "_wandb"))


@settings(max_examples=150, deadline=None)
@given(data=st.dictionaries(_top_keys, _json_values, max_size=5))
def test_config_yaml_round_trips_any_json_data(data: dict[str, Any]) -> None:
    """dump_config then load_config gives back the same values, whatever they look like."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_bytes(dump_config(data, {}))
        assert load_config(path) == (data, {})


def test_write_errors_are_located(tmp_path: Path) -> None:
    """An OS error while writing is a RunStoreError naming the file."""
    (tmp_path / "not-a-dir").write_text("")
    with pytest.raises(RunStoreError) as info:
        atomic_write(tmp_path / "not-a-dir" / "config.yaml", b"x")
    assert str(info.value) == f"{tmp_path}/not-a-dir/config.yaml: cannot write: Not a directory"
    assert isinstance(info.value.__cause__, NotADirectoryError)
