"""typedcfg.Api: read runs, change their config and summary with update(), filter and order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field

import typedcfg
from typedcfg import Api, ConfigFileError, ConfigValidationError, RunNotFoundError, RunStoreError
from typedcfg.runs.api import MISSING, lookup


class Optim(BaseModel):
    name: str = "adam"
    lr: float = Field(0.001, gt=0)


class Train(BaseModel):
    optim: Optim = Optim()
    epochs: int = 10


def _record(argv: list[str], project: str = "p", run_id: str | None = None, **summary: Any) -> str:
    loaded = typedcfg.compose(Train, argv, defaults=None)
    with typedcfg.record_run(loaded, runs_dir="runs", project=project, run_id=run_id) as run:
        run.summary.update(summary)
    return run.path


def _files(run_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(run_dir.iterdir()) if p.is_file()}


def test_run_has_plain_config_summary_and_meta(cwd: Path) -> None:
    """api.run('project/id'): .config is a plain nested dict, .summary and .meta dicts."""
    path = _record(["optim.lr=0.01"], val_loss=0.3)
    run = Api("runs").run(path)
    assert type(run.config) is dict
    assert run.config == {"optim": {"name": "adam", "lr": 0.01}, "epochs": 10}
    assert dict(run.summary) == {"val_loss": 0.3}
    assert run.meta["argv"] == ["optim.lr=0.01"]
    assert run.state == "finished"
    assert run.path == path and run.project == "p" and run.id == path.split("/")[1]
    assert repr(run) == f"<Run {path} (finished)>"


def test_a_bare_run_id_is_found_in_its_project(cwd: Path) -> None:
    """api.run('abc') looks the id up in every project."""
    _record([], project="a", run_id="only1")
    _record([], project="b", run_id="other")
    assert Api("runs").run("only1").path == "a/only1"


def test_update_writes_the_config_back(cwd: Path) -> None:
    """run.config['foo'] = 32; run.update(): a fresh read sees it, provenance says update()."""
    path = _record([])
    run = Api("runs").run(path)
    run.config["foo"] = 32
    run.config["optim"]["lr"] = 0.5
    run.update()
    again = Api("runs").run(path)
    assert again.config == {"optim": {"name": "adam", "lr": 0.5}, "epochs": 10, "foo": 32}
    assert again.source_of(("foo",)).startswith("run.update() 20")
    assert again.source_of(("optim", "lr")).startswith("run.update() 20")
    assert again.source_of(("optim", "name")) == "schema default"
    assert "foo:\n  value: 32\n" in (again.dir / "config.yaml").read_text()


def test_update_removes_deleted_keys_and_writes_the_summary(cwd: Path) -> None:
    """del run.config[k] and summary changes are written by update(), as in wandb."""
    path = _record([], val_loss=0.9)
    run = Api("runs").run(path)
    del run.config["epochs"]
    run.summary["val_loss"] = 0.25
    run.summary["note"] = "re-evaluated"
    run.update()
    again = Api("runs").run(path)
    assert again.config == {"optim": {"name": "adam", "lr": 0.001}}
    assert dict(again.summary) == {"val_loss": 0.25, "note": "re-evaluated"}
    assert "epochs" not in again.provenance


def test_update_with_nothing_changed_writes_nothing(cwd: Path) -> None:
    """An update() without changes leaves every file byte for byte (and its mtime) alone."""
    path = _record([])
    run = Api("runs").run(path)
    before = {p.name: p.stat().st_mtime_ns for p in run.dir.iterdir()}
    run.update()
    assert {p.name: p.stat().st_mtime_ns for p in run.dir.iterdir()} == before


def test_two_readers_updating_different_keys_both_survive(cwd: Path) -> None:
    """update() merges what this Run changed into the file as it is now (no lost update)."""
    path = _record([])
    first, second = Api("runs").run(path), Api("runs").run(path)
    first.config["a"] = 1
    second.config["b"] = 2
    first.update()
    second.update()
    assert Api("runs").run(path).config == {
        "optim": {"name": "adam", "lr": 0.001},
        "epochs": 10,
        "a": 1,
        "b": 2,
    }
    assert second.config["a"] == 1  # the Run now holds the merged config


def test_schema_bound_update_validates_and_writes_nothing_when_invalid(cwd: Path) -> None:
    """With schema=, an invalid value raises ConfigValidationError located at the update."""
    path = _record([])
    run = Api("runs").run(path, schema=Train)
    before = _files(run.dir)
    run.config["optim"]["lr"] = -1
    with pytest.raises(ConfigValidationError) as info:
        run.update()
    assert str(info.value) == (
        f"runs/{path} (run.update): optim.lr: Input should be greater than 0 (got -1)"
    )
    assert _files(run.dir) == before
    assert run.config["optim"]["lr"] == -1  # kept, so it can be corrected and retried


def test_schema_bound_update_reports_unknown_keys_with_did_you_mean(cwd: Path) -> None:
    """A misspelt key is refused with the schema's did-you-mean."""
    run = Api("runs").run(_record([]), schema=Train)
    run.config["epoch"] = 3
    with pytest.raises(ConfigValidationError) as info:
        run.update()
    assert str(info.value) == (
        f"runs/{run.path} (run.update): unknown key 'epoch'; did you mean 'epochs'?"
    )


def test_schema_bound_update_stores_validated_values(cwd: Path) -> None:
    """The schema's coercion is what is stored ('0.5' for a float becomes 0.5)."""
    run = Api("runs").run(_record([]), schema=Train)
    run.config["optim"]["lr"] = "0.5"
    run.update()
    assert Api("runs").run(run.path).config["optim"]["lr"] == 0.5


def test_schema_bound_update_locates_old_bad_values_in_config_yaml(cwd: Path) -> None:
    """A stored value the schema now rejects is reported at its line and column."""
    path = _record([])
    run = Api("runs").run(path)
    run.config["epochs"] = "many"
    run.update()  # no schema bound: stored as given
    bound = Api("runs").run(path, schema=Train)
    bound.config["optim"]["lr"] = 0.1
    with pytest.raises(ConfigValidationError) as info:
        bound.update()
    assert str(info.value) == (
        f"runs/{path}/config.yaml:8:10: epochs: Input should be a valid integer, unable to "
        "parse string as an integer (got 'many')"
    )


def test_live_run_binds_the_schema_of_the_loaded_config(cwd: Path) -> None:
    """Inside record_run, run.config changes are validated against the program's schema."""
    loaded = typedcfg.compose(Train, [], defaults=None)
    with typedcfg.record_run(loaded, runs_dir="runs", project="p") as run:
        assert run.schema is Train
        run.config["epochs"] = 0.5
        with pytest.raises(ConfigValidationError, match="epochs: Input should be a valid int"):
            run.update()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"config.optim.lr": 0.01}, ["r2"]),
        ({"config.optim.lr": {"$gt": 0.001}}, ["r2", "r3"]),
        ({"config.optim.lr": {"$gte": 0.01, "$lt": 0.1}}, ["r2"]),
        ({"config.optim.lr": {"$lte": 0.01}}, ["r1", "r2"]),
        ({"config.optim.lr": {"$in": [0.001, 0.1]}}, ["r1", "r3"]),
        ({"config.optim.lr": {"$nin": [0.001, 0.1]}}, ["r2"]),
        ({"config.optim.lr": {"$ne": 0.01}}, ["r1", "r3"]),
        ({"summary.val_loss": {"$lt": 0.5}}, ["r1", "r2"]),
        ({"summary.val_loss": {"$exists": False}}, ["r3"]),
        ({"summary.val_loss": {"$ne": 0.2}}, ["r1", "r3"]),
        ({"config.epochs": 10, "summary.val_loss": {"$gt": 0.3}}, ["r1"]),
        ({"$or": [{"config.optim.lr": 0.1}, {"summary.val_loss": 0.4}]}, ["r1", "r3"]),
        ({"id": "r2"}, ["r2"]),
        ({"state": "finished"}, ["r1", "r2", "r3"]),
        ({"config.optim.name": {"$gt": "a"}}, ["r1", "r2", "r3"]),
        ({"config.optim.lr": {"$gt": "a"}}, []),
        ({"config.epochs": True}, []),
    ],
)
def test_runs_filters(cwd: Path, filters: dict[str, Any], expected: list[str]) -> None:
    """api.runs(project, filters=...) with equality, $gt/$gte/$lt/$lte/$in/$nin/$ne/$exists/$or."""
    _record(["optim.lr=0.001"], run_id="r1", val_loss=0.4)
    _record(["optim.lr=0.01"], run_id="r2", val_loss=0.2)
    _record(["optim.lr=0.1"], run_id="r3")
    found = Api("runs").runs("p", filters=filters, order="id")
    assert [r.id for r in found] == expected


def test_runs_order_by_summary_with_missing_values_last(cwd: Path) -> None:
    """order='-summary.val_loss' sorts descending; runs without the key come last both ways."""
    _record([], run_id="r1", val_loss=0.4)
    _record([], run_id="r2", val_loss=0.2)
    _record([], run_id="r3")
    _record([], run_id="r4", val_loss=0.9)
    api = Api("runs")
    assert [r.id for r in api.runs("p", order="-summary.val_loss")] == ["r4", "r1", "r2", "r3"]
    assert [r.id for r in api.runs("p", order="summary.val_loss")] == ["r2", "r1", "r4", "r3"]
    assert [r.id for r in api.runs("p", order="created_at")] == ["r1", "r2", "r3", "r4"]
    assert [r.id for r in api.runs("p")] == ["r4", "r3", "r2", "r1"]  # newest first


def test_runs_of_every_project(cwd: Path) -> None:
    """api.runs() without a project lists every project's runs; projects() names them."""
    _record([], project="b", run_id="x")
    _record([], project="a", run_id="y")
    api = Api("runs")
    assert api.projects() == ["a", "b"]
    assert sorted(r.path for r in api.runs()) == ["a/y", "b/x"]


def test_lookup_follows_nesting_and_keys_that_hold_dots(cwd: Path) -> None:
    """config.a.b finds {'a': {'b': ...}} and also a literal key 'a.b'."""
    data = {"a.b": 1, "c": {"d.e": 2}}
    with (
        pytest.warns(typedcfg.DottedKeyWarning),
        typedcfg.record_run(data, runs_dir="runs", project="p") as run,
    ):
        pass
    assert lookup(run, "config.a.b") == 1
    assert lookup(run, "config.c.d.e") == 2
    assert lookup(run, "config.c.x") is MISSING
    assert lookup(run, "meta.status") == "finished"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda api: api.run("p/nope1"), "runs/p/nope1: no such run; did you mean 'nope2'?"),
        (lambda api: api.run("pq/nope2"), "runs/pq: no such project; did you mean 'p'?"),
        (lambda api: api.run("zzz"), "runs: no run 'zzz' in any project"),
        (lambda api: api.run("a/b/c"), "runs: expected 'project/run_id', got 'a/b/c'"),
        (
            lambda api: api.runs("p", filters={"lr": 1}),
            "filters: unknown key 'lr': keys start with config., summary. or meta. (or are one "
            "of id, project, state, created_at); did you mean 'config.lr'?",
        ),
        (
            lambda api: api.runs("p", filters={"config.lr": {"$lte2": 1}}),
            "filters: config.lr: unknown operator '$lte2'; did you mean '$lte'?",
        ),
        (
            lambda api: api.runs("p", filters={"config.lr": {"$in": 1}}),
            "filters: $in takes a list, not 1",
        ),
        (
            lambda api: api.runs("p", order="val_loss"),
            "order: unknown key 'val_loss': keys start with config., summary. or meta. (or are "
            "one of id, project, state, created_at); did you mean 'config.val_loss'?",
        ),
    ],
    ids=["run", "project", "bare-id", "path", "filter-key", "operator", "in-list", "order"],
)
def test_errors_are_located(cwd: Path, call: Any, message: str) -> None:
    """Every user mistake is a RunStoreError whose message starts with where it is."""
    _record([], run_id="nope2")
    with pytest.raises(RunStoreError) as info:
        call(Api("runs"))
    assert str(info.value) == message


def test_missing_root_says_how_to_make_one(cwd: Path) -> None:
    """A store that does not exist is a RunNotFoundError with a hint."""
    with pytest.raises(RunNotFoundError) as info:
        Api("nowhere").runs()
    assert str(info.value) == (
        "nowhere: no run store here (the directory does not exist)\n"
        "  hint: record runs with @typedcfg.main(..., runs_dir=...), or name the store with "
        "--root or TYPEDCFG_RUNS_DIR"
    )
    assert isinstance(info.value, LookupError)


def test_bare_id_in_two_projects_is_ambiguous(cwd: Path) -> None:
    """A run id found in several projects must be written as project/run_id."""
    _record([], project="a", run_id="same")
    _record([], project="b", run_id="same")
    with pytest.raises(RunStoreError) as info:
        Api("runs").run("same")
    assert str(info.value) == (
        "runs: run id 'same' is in several projects (a, b)\n"
        "  hint: name it as project/run_id, e.g. a/same"
    )


def test_a_corrupt_config_file_is_located(cwd: Path) -> None:
    """A hand-edited config.yaml with broken YAML is reported at its line and column."""
    path = _record([])
    config = Path("runs") / path / "config.yaml"
    config.write_text("wandb_version: 1\n\noptim:\n  value: [1, 2\n")
    with pytest.raises(ConfigFileError) as info:
        Api("runs").run(path)
    assert str(info.value).startswith(f"runs/{path}/config.yaml:5:1: invalid YAML: ")


def test_a_corrupt_summary_file_is_located(cwd: Path) -> None:
    """Invalid JSON in summary.json names the file, line and column."""
    path = _record([])
    (Path("runs") / path / "summary.json").write_text('{"a": 1,\n}')
    with pytest.raises(ConfigFileError) as info:
        Api("runs").run(path)
    assert str(info.value) == (
        f"runs/{path}/summary.json:2:1: invalid JSON: Expecting property name enclosed in "
        "double quotes"
    )


def test_summary_values_are_stored_json_safe(cwd: Path) -> None:
    """Tuples, paths and NaN become JSON values (a list, a string, null), as wandb stores them."""
    path = _record([])
    run = Api("runs").run(path)
    run.summary["pair"] = (1, 2)
    run.summary["where"] = Path("/tmp/x")
    run.summary["nan"] = float("nan")
    run.update()
    stored = json.loads((run.dir / "summary.json").read_text())
    assert stored == {"pair": [1, 2], "where": "/tmp/x", "nan": None}
