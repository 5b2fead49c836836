"""``typedcfg runs ls|diff|group|push``: tables, JSON, located errors with exit status 2."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import typedcfg
from typedcfg.runs import cli as runs_cli


class Optim(BaseModel):
    name: str = "adam"
    lr: float = 0.001


class Train(BaseModel):
    optim: Optim = Optim()
    batch: int = 32
    epochs: int = 10


# (run id, argv, val_loss): a 2x2 grid over optim.lr and batch.
GRID = [
    ("r1", ["optim.lr=0.01", "batch=16"], 0.3),
    ("r2", ["optim.lr=0.01", "batch=32"], 0.5),
    ("r3", ["optim.lr=0.1", "batch=16"], 0.9),
    ("r4", ["optim.lr=0.1", "batch=32"], 1.5),
]


@pytest.fixture
def grid(cwd: Path) -> Path:
    """Four finished runs in runs/toy, in the order of GRID."""
    for run_id, argv, loss in GRID:
        loaded = typedcfg.compose(Train, argv, defaults=None)
        with typedcfg.record_run(loaded, runs_dir="runs", project="toy", run_id=run_id) as run:
            run.summary["val_loss"] = loss
    return cwd


def cli(*argv: str) -> tuple[int, str]:
    """Run ``typedcfg runs ...`` in-process; return (status, stdout)."""
    out = io.StringIO()
    parser = runs_cli.argparse.ArgumentParser(prog="typedcfg")
    runs_cli.add_runs_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["runs", *argv])
    status = runs_cli.run(args, None, out)
    return status, out.getvalue()


def test_ls_shows_the_config_keys_that_differ_and_the_summary(grid: Path) -> None:
    """Keys that are equal in every run (optim.name, epochs) are left out."""
    assert cli("ls", "toy") == (
        0,
        "run  state     optim.lr  batch  val_loss\n"
        "r1   finished  0.01      16     0.3\n"
        "r2   finished  0.01      32     0.5\n"
        "r3   finished  0.1       16     0.9\n"
        "r4   finished  0.1       32     1.5\n",
    )


def test_ls_where_filters_and_columns_choose(grid: Path) -> None:
    """--where takes config keys bare and summary.KEY; --columns names what to show."""
    status, text = cli("ls", "toy", "--where", "optim.lr=0.1", "--where", "summary.val_loss<1")
    assert (status, text) == (0, "run  state     val_loss\nr3   finished  0.9\n")


def test_ls_order_and_columns(grid: Path) -> None:
    """--order -summary.val_loss sorts descending; bare --columns prefer summary keys."""
    status, text = cli("ls", "toy", "--columns", "val_loss", "epochs", "--order=-summary.val_loss")
    assert status == 0
    assert text.splitlines() == [
        "run  state     val_loss  epochs",
        "r4   finished  1.5       10",
        "r3   finished  0.9       10",
        "r2   finished  0.5       10",
        "r1   finished  0.3       10",
    ]


def test_ls_without_a_project_lists_every_project(grid: Path) -> None:
    """Runs of all projects are shown as project/run_id."""
    with typedcfg.record_run({"x": 1}, runs_dir="runs", project="other", run_id="o1"):
        pass
    status, text = cli("ls", "--columns", "state")
    assert status == 0
    assert [line.split()[0] for line in text.splitlines()] == [
        "run", "toy/r1", "toy/r2", "toy/r3", "toy/r4", "other/o1"
    ]  # fmt: skip


def test_ls_json_for_scripts(grid: Path) -> None:
    """--json gives every run's flattened config and summary, and the columns shown."""
    status, text = cli("ls", "toy", "--json", "--where", "batch=16")
    data = json.loads(text)
    assert status == 0
    assert data["columns"] == ["config.optim.lr", "summary.val_loss"]
    assert [r["path"] for r in data["runs"]] == ["toy/r1", "toy/r3"]
    assert data["runs"][0]["config"] == {
        "optim.name": "adam", "optim.lr": 0.01, "batch": 16, "epochs": 10
    }  # fmt: skip
    assert data["runs"][0]["summary"] == {"val_loss": 0.3}
    assert data["runs"][1]["columns"] == {"config.optim.lr": 0.1, "summary.val_loss": 0.9}


def test_diff_names_the_keys_that_differ_and_their_sources(grid: Path) -> None:
    """Only differing keys are shown, each with where each run's value came from."""
    assert cli("diff", "toy/r1", "toy/r4") == (
        0,
        "key       toy/r1  source                   toy/r4  source\n"
        "optim.lr  0.01    argv[0] 'optim.lr=0.01'  0.1     argv[0] 'optim.lr=0.1'\n"
        "batch     16      argv[1] 'batch=16'       32      argv[1] 'batch=32'\n",
    )


def test_diff_shows_api_updates_and_missing_keys(grid: Path) -> None:
    """A key set by run.update() names it; a key one run lacks shows '-'."""
    run = typedcfg.Api("runs").run("toy/r2")
    run.config["warmup"] = 5
    run.update()
    status, text = cli("diff", "r1", "runs/toy/r2", "--json")
    data = json.loads(text)
    assert status == 0
    assert [k["key"] for k in data["keys"]] == ["batch", "warmup"]
    warmup = data["keys"][1]
    assert warmup["a"] == {"present": False, "value": None, "source": None}
    assert warmup["b"]["value"] == 5
    assert warmup["b"]["source"].startswith("run.update() 20")
    status, text = cli("diff", "r1", "r2")
    assert text.splitlines()[2].split()[:3] == ["warmup", "-", "5"]


def test_diff_of_identical_configs(grid: Path) -> None:
    """Two runs with the same config say so."""
    assert cli("diff", "r1", "r1") == (0, "toy/r1 and toy/r1 have the same config\n")


def test_group_by_a_key_with_metric_statistics(grid: Path) -> None:
    """count, mean, sample std, min, max and n of the metric per group, groups sorted."""
    assert cli("group", "toy", "--by", "optim.lr", "--metric", "val_loss") == (
        0,
        "optim.lr  count  val_loss mean  std       min  max  n\n"
        "0.01      2      0.4            0.141421  0.3  0.5  2\n"
        "0.1       2      1.2            0.424264  0.9  1.5  2\n",
    )


def test_group_by_two_keys_json(grid: Path) -> None:
    """Several --by keys make one group per combination; --json has the numbers."""
    status, text = cli("group", "toy", "--by", "batch", "--metric", "val_loss", "--json")
    data = json.loads(text)
    assert status == 0 and data["by"] == ["config.batch"]
    assert [(g["group"], g["count"], g["runs"]) for g in data["groups"]] == [
        ({"batch": 16}, 2, ["toy/r1", "toy/r3"]),
        ({"batch": 32}, 2, ["toy/r2", "toy/r4"]),
    ]
    assert data["groups"][0]["mean"] == pytest.approx(0.6)
    status, text = cli("group", "toy", "--by", "batch", "--by", "optim.lr")
    assert text.splitlines() == [
        "batch  optim.lr  count",
        "16     0.01      1",
        "16     0.1       1",
        "32     0.01      1",
        "32     0.1       1",
    ]


def test_group_std_is_blank_for_single_runs(grid: Path) -> None:
    """One run in a group has no spread: std shows '-'."""
    status, text = cli("group", "toy", "--by", "optim.lr", "--by", "batch", "--metric", "val_loss")
    assert status == 0
    assert text.splitlines()[1].split() == ["0.01", "16", "1", "0.3", "-", "0.3", "0.3", "1"]


def test_root_comes_from_the_flag_then_the_environment(
    grid: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--root beats TYPEDCFG_RUNS_DIR, which beats ./runs."""
    (grid / "runs").rename(grid / "elsewhere")
    monkeypatch.setenv("TYPEDCFG_RUNS_DIR", "elsewhere")
    assert cli("ls", "toy", "--columns", "state")[1].splitlines()[1].split()[0] == "r1"
    with pytest.raises(typedcfg.RunNotFoundError, match=r"^nowhere: no run store here"):
        cli("ls", "--root", "nowhere")


def test_rich_table_on_a_terminal(grid: Path) -> None:
    """When stdout is a terminal and rich is installed, ls draws a rich table."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    parser = runs_cli.argparse.ArgumentParser(prog="typedcfg")
    runs_cli.add_runs_parser(parser.add_subparsers(dest="command"))
    out = Terminal()
    runs_cli.run(parser.parse_args(["runs", "ls", "toy"]), None, out)
    text = out.getvalue()
    assert text.startswith("┏━━━━━┳")
    assert "│ r1  │ finished │ 0.01     │ 16    │ 0.3      │" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ls", "toys"], "runs/toys: no such project; did you mean 'toy'?"),
        (["diff", "toy/r11", "r1"], "runs/toy/r11: no such run; did you mean 'r1'?"),
        (["ls", "--where", "lr"], "argv '--where lr': expected KEY=VALUE (or != < <= > >=)"),
        (["ls", "toy", "--columns", "meta."], "--columns: unknown key 'meta.': keys start"),
    ],
    ids=["project", "run", "where", "column"],
)
def test_errors_exit_2_with_the_located_message(
    grid: Path, argv: list[str], message: str
) -> None:
    """A bad argument prints one located line on stderr, no traceback, and exits 2."""
    done = subprocess.run(
        [sys.executable, "-m", "typedcfg.runs.cli", *argv], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(message)
    assert "Traceback" not in done.stderr


# --- push: real wandb, offline -------------------------------------------------------------


def _records(log: Path) -> Iterator[Any]:
    """The protobuf records of a wandb transaction log (a LevelDB-style log with a W&B header).

    wandb 0.31 has no public reader for these files; the format is 7 header bytes, then
    32 KiB blocks of chunks, each chunk ``crc32c(4) length(2) type(1)`` then data; type 1 is a
    whole record, 2/3/4 are the first/middle/last parts of one.
    """
    from wandb.proto import wandb_internal_pb2

    raw = log.read_bytes()
    assert raw[:4] == b":W&B"
    pos, block, pending = 7, 32768, b""
    while pos + 7 <= len(raw):
        if block - pos % block < 7:  # too little room left in the block for a chunk header
            pos += block - pos % block
            continue
        _, length, kind = struct.unpack("<IHB", raw[pos : pos + 7])
        data, pos = raw[pos + 7 : pos + 7 + length], pos + 7 + length
        if kind == 0 and length == 0:
            break
        pending = data if kind in (1, 2) else pending + data
        if kind in (1, 4):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            yield record


@pytest.fixture
def offline(grid: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """wandb offline, silent, every directory it writes under the test's directory."""
    import wandb

    wandb.teardown()
    for name in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR"):
        (grid / name.lower()).mkdir()
        monkeypatch.setenv(name, str(grid / name.lower()))
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    yield grid / "wandb_dir" / "wandb"
    wandb.teardown()


def test_push_replays_each_run_into_wandb(offline: Path) -> None:
    """Each run becomes a wandb run with the same id, its config and its summary."""
    status, text = cli("push", "toy", "--to-wandb", "--where", "batch=16")
    assert (status, text) == (0, "toy/r1 -> wandb toy/r1\ntoy/r3 -> wandb toy/r3\n")
    logs = sorted(offline.glob("offline-run-*/run-*.wandb"))
    assert [p.name for p in logs] == ["run-r1.wandb", "run-r3.wandb"]
    config: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    project = notes = None
    for record in _records(logs[0]):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            project, notes = record.run.project, record.run.notes
            items = list(record.run.config.update)
        elif kind == "config":
            items = list(record.config.update)
        elif kind == "summary":
            summary.update({i.key: json.loads(i.value_json) for i in record.summary.update})
            continue
        else:
            continue
        config.update({i.key: json.loads(i.value_json) for i in items})
    assert project == "toy"
    assert notes is not None and "optim.lr=0.01 batch=16" in notes
    config.pop("_wandb", None)
    assert config == {"optim": {"name": "adam", "lr": 0.01}, "batch": 16, "epochs": 10}
    assert summary["val_loss"] == 0.3


def test_identical_metrics_have_no_spread() -> None:
    """Three runs with the same val_loss have std 0, not the 1e-17 that fsum(x) / n leaves."""
    from typedcfg.runs.grouping import _stats

    assert _stats([0.1, 0.1, 0.1])["std"] == 0.0  # fsum([0.1] * 3) / 3 is 0.10000000000000002
    assert _stats([0.1, 0.2, 0.3])["std"] > 0
