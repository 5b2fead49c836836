"""Hostile input to the run store (issue 18, items 13, 14, 15 and 17).

Damaged files are a ``RunStoreError`` naming the file and what is wrong, and listings show the
run as damaged and go on; impossible names are refused on creation and on every lookup; text
that is not valid Unicode is recorded without a crash. Nothing here may end in a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import typedcfg
from typedcfg import Api, RunStoreError

REPO = Path(__file__).resolve().parent.parent


def _record(root: Path, run_id: str, lr: float = 0.1) -> Path:
    with typedcfg.record_run(
        {"optim": {"lr": lr}}, runs_dir=root, project="p", run_id=run_id
    ) as run:
        run.summary["val_loss"] = lr * 2
    return run.dir


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "typedcfg.runs.cli", *args], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


DEEP = "[" * 100_000 + "]" * 100_000
DAMAGE: list[tuple[str, str, str]] = [
    ("summary.json", "[1, 2]", "summary.json: expected a JSON object, got list"),
    ("summary.json", DEEP, "summary.json: invalid JSON: nested too deeply"),
    ("meta.json", '"x"', "meta.json: expected a JSON object, got str"),
    ("provenance.json", "{}", "provenance.json: expected a JSON list, got dict"),
    ("provenance.json", '[{"where": "argv[0]"}]',
     'provenance.json: entry 0: expected {"path": [key, ...], "where": text}'),
    ("summary.json", "{", "summary.json:1:2: invalid JSON: Expecting property name"),
    ("config.yaml", "wandb_version: 1\nx: [", "config.yaml:3:1: invalid YAML"),
    ("config.yaml", "wandb_version: 1\nx: 3\n", "config.yaml: x: a desc/value entry needs 'value'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "message"), DAMAGE, ids=[d[2][:40] for d in DAMAGE])
def test_a_damaged_file_is_a_located_error_and_the_listing_goes_on(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    """Api.run raises RunStoreError naming the file; Api.runs leaves the run out; the CLI
    lists it as damaged, with the same message, and still lists the good runs (exit 0)."""
    root = tmp_path / "runs"
    _record(root, "good")
    bad = _record(root, "bad", lr=0.5)
    (bad / name).write_text(text)
    api = Api(root)
    api.reindex()  # the file was edited in place, which only a reindex sees
    with pytest.raises(RunStoreError) as caught:
        api.run("p/bad")
    assert str(caught.value).startswith(f"{bad}/{message}")
    assert [r.id for r in api.runs("p")] == ["good"]
    ((path, problem),) = api.damaged("p")
    assert path == "p/bad" and problem.startswith(f"{bad}/{message}")
    listed = _cli("ls", "p", "--root", str(root), cwd=tmp_path)
    assert listed.returncode == 0 and "Traceback" not in listed.stderr
    assert "good" in listed.stdout
    assert f"damaged  p/bad  runs/p/bad/{message}" in listed.stdout
    grouped = _cli("group", "p", "--by", "optim.lr", "--root", str(root), cwd=tmp_path)
    assert grouped.returncode == 0 and "Traceback" not in grouped.stderr
    diffed = _cli("diff", "p/good", "p/bad", "--root", str(root), cwd=tmp_path)
    assert diffed.returncode == 2 and "Traceback" not in diffed.stderr
    assert diffed.stderr.startswith(f"runs/p/bad/{message}")  # shown relative to the cwd


def test_update_of_a_run_with_damaged_provenance_is_located(tmp_path: Path) -> None:
    run_dir = _record(tmp_path / "runs", "r")
    run = Api(tmp_path / "runs").run("p/r")
    (run_dir / "provenance.json").write_text("{}")
    run.config["optim"]["lr"] = 0.2
    with pytest.raises(RunStoreError, match=r"provenance\.json: expected a JSON list, got dict"):
        run.update()


def test_a_lock_that_is_a_directory_is_located(tmp_path: Path) -> None:
    run_dir = _record(tmp_path / "runs", "r")
    (run_dir / ".lock").unlink()
    (run_dir / ".lock").mkdir()
    run = Api(tmp_path / "runs").run("p/r")
    run.summary["x"] = 1
    with pytest.raises(RunStoreError) as caught:
        run.update()
    assert str(caught.value) == f"{run_dir}/.lock: cannot open the run's lock: Is a directory"


NAMES: list[tuple[str, str]] = [
    ("x" * 256, "it is 256 bytes long; at most 255"),
    ("é" * 128, "it is 256 bytes long; at most 255"),
    ("a\ud800", "it is not valid Unicode: a lone surrogate"),
    ("a\nb", "it holds a control character"),
    ("..", "no '/', no leading '.', not empty"),
]


@pytest.mark.parametrize(("name", "problem"), NAMES, ids=["long", "long-utf8", "surrogate",
                                                          "newline", "dotdot"])  # fmt: skip
def test_impossible_run_ids_and_projects_are_refused(
    tmp_path: Path, name: str, problem: str
) -> None:
    root = tmp_path / "runs"
    for what, kwargs in (("run id", {"run_id": name}), ("project", {"project": name})):
        with pytest.raises(RunStoreError) as caught, typedcfg.record_run(
            {"a": 1}, runs_dir=root, **kwargs
        ):
            pass
        assert str(caught.value).startswith(f"{root}: {what} ")
        assert str(caught.value).endswith(f"cannot be a directory name ({problem})")
    _record(root, "ok")
    api = Api(root)
    for call in (lambda: api.run(f"p/{name}"), lambda: api.runs(name), lambda: api.run(name)):
        with pytest.raises(RunStoreError, match=r"cannot be a directory name"):
            call()


def test_project_names_cannot_reach_outside_the_store(tmp_path: Path) -> None:
    """``../other/secretproj`` names no project of this store: refused, nothing read or written."""
    other = tmp_path / "other"
    with typedcfg.record_run({"secret": 1}, runs_dir=other, project="secretproj", run_id="s"):
        pass
    _record(tmp_path / "runs", "r")
    api = Api(tmp_path / "runs")
    for call in (
        lambda: api.runs("../other/secretproj"),
        lambda: api.run("../other/secretproj/s"),
        lambda: api.runs("..", {"config.secret": 1}),
    ):
        with pytest.raises(RunStoreError):
            call()
    done = _cli("ls", "../other/secretproj", "--root", "runs", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("runs: project '../other/secretproj' cannot be a directory name")
    assert "secret" not in done.stdout


class Data(BaseModel):
    dataset: str = "x"
    note: str = "n"


def test_text_that_is_not_unicode_is_recorded_readably(tmp_path: Path) -> None:
    """A lone surrogate (JSON escape, environment byte) becomes U+FFFD in the stored files."""
    root = tmp_path / "runs"

    @typedcfg.main(Data, runs_dir=root, project="s", defaults=None, env_prefix="T_")
    def train(cfg: Data) -> str:
        return cfg.dataset

    os.environ["T_NOTE"] = "b\udcffc"
    try:
        assert train(argv=['{"dataset": "a\\ud800"}']) == "a\ud800"
    finally:
        del os.environ["T_NOTE"]
    (run,) = Api(root).runs("s")
    assert run.config == {"dataset": "a\ufffd", "note": "b\ufffdc"}
    assert run.state == "finished"
    fresh = Api(root).run(run.path)
    assert fresh.config == run.config
    text = (fresh.dir / "config.yaml").read_text(encoding="utf-8")
    assert "a\ufffd" in text
    meta: dict[str, Any] = json.loads((fresh.dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["argv"] == ['{"dataset": "a\\ud800"}']
