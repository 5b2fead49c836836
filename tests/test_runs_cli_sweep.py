"""Runs of a --multirun sweep in the store: ``meta.sweep``, ``runs ls/group --sweep ID``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pydantic import BaseModel

import typedcfg
from typedcfg.runs import cli as runs_cli


class Config(BaseModel):
    lr: float = 0.1
    layers: int = 2


def record(root: Path, project: str, sweep: str, job: int, lr: float, layers: int) -> None:
    """Record one job of ``sweep`` as the launcher's job process does."""
    params = {"lr": str(lr), "layers": str(layers)}
    loaded = typedcfg.compose(Config, [f"lr={lr}", f"layers={layers}"], defaults=None)
    with typedcfg.record_run(
        loaded, runs_dir=root, project=project, run_id=f"{sweep}-{job}",
        sweep={"id": sweep, "job": job, "jobs": 4, "params": params},
    ) as run:  # fmt: skip
        run.summary["loss"] = lr * layers


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Two sweeps in one project and a third one elsewhere."""
    root = tmp_path / "runs"
    for job, (lr, layers) in enumerate([(0.1, 2), (0.1, 4), (0.2, 2), (0.2, 4)]):
        record(root, "train", "aaaa", job, lr, layers)
    record(root, "train", "bbbb", 0, 0.3, 8)
    record(root, "other", "cccc", 0, 0.5, 1)
    with typedcfg.record_run(typedcfg.compose(Config, [], defaults=None), runs_dir=root,
                             project="plain", run_id="solo"):  # fmt: skip
        pass
    return root


def cli(root: Path, *argv: str) -> tuple[int, str]:
    """Run ``typedcfg runs ARGV --root ROOT``: (status, stdout)."""
    parser = runs_cli.argparse.ArgumentParser(prog="typedcfg")
    runs_cli.add_runs_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["runs", *argv, "--root", str(root)])
    out = io.StringIO()
    return runs_cli.run(args, out=out), out.getvalue()


def test_record_run_keeps_the_sweep_in_meta(store: Path) -> None:
    """record_run(sweep=...) writes it to meta.json as given."""
    meta = json.loads((store / "train" / "aaaa-1" / "meta.json").read_text())
    assert meta["sweep"] == {"id": "aaaa", "job": 1, "jobs": 4,
                             "params": {"lr": "0.1", "layers": "4"}}  # fmt: skip
    assert "sweep" not in json.loads((store / "plain" / "solo" / "meta.json").read_text())


def test_group_sweep_defaults_to_the_swept_keys(store: Path) -> None:
    """--sweep without --by groups by the keys the sweep varied, in command-line order."""
    status, out = cli(store, "group", "--sweep", "aaaa", "--metric", "loss", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["by"] == ["config.lr", "config.layers"]
    assert [(g["group"], g["runs"], g["mean"]) for g in data["groups"]] == [
        ({"lr": 0.1, "layers": 2}, ["train/aaaa-0"], 0.2),
        ({"lr": 0.1, "layers": 4}, ["train/aaaa-1"], 0.4),
        ({"lr": 0.2, "layers": 2}, ["train/aaaa-2"], 0.4),
        ({"lr": 0.2, "layers": 4}, ["train/aaaa-3"], 0.8),
    ]


def test_sweep_filter_spans_projects_and_combines_with_where(store: Path) -> None:
    """--sweep finds a sweep in any project; --where narrows it further; ls takes it too."""
    status, out = cli(store, "group", "--sweep", "cccc", "--by", "lr")
    assert (status, out.splitlines()) == (0, ["lr   count", "0.5  1"])
    status, out = cli(store, "ls", "--sweep", "aaaa", "--where", "layers=4", "--columns", "lr")
    assert (status, out.splitlines()) == (
        0,
        ["run           state     lr", "train/aaaa-1  finished  0.1",
         "train/aaaa-3  finished  0.2"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["group", "--sweep", "zzzz"],
            "argv '--sweep zzzz': no runs of sweep 'zzzz'\n"
            "  hint: the sweep id is printed when the sweep starts; see it with: typedcfg runs ls",
        ),
        (
            ["group", "other", "--sweep", "aaaa"],
            "argv '--sweep aaaa': no runs of sweep 'aaaa' in project 'other'\n"
            "  hint: the sweep id is printed when the sweep starts; see it with: typedcfg runs ls",
        ),
        (
            ["group"],
            "argv 'runs group': name a project (runs group PROJECT --by KEY) or a sweep "
            "(runs group --sweep ID)",
        ),
        (
            ["group", "plain"],
            "argv 'runs group': --by KEY is required: these runs come from no "
            "--multirun sweep, so there are no swept keys to group them by",
        ),
    ],
    ids=["unknown-sweep", "sweep-in-another-project", "nothing-named", "project-without-by"],
)
def test_group_errors_are_located(store: Path, argv: list[str], message: str) -> None:
    """Each misuse of runs group raises a RunStoreError with its message."""
    with pytest.raises(typedcfg.RunStoreError) as info:
        cli(store, *argv)
    assert str(info.value) == message
