"""Runs grouped inside SQLite (``typedcfg.runs.aggregate``) give the groups and statistics the
Python grouping gives from the run files, over values of every JSON type."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

import pytest

import typedcfg
from typedcfg import Api
from typedcfg.runs.filters import MISSING, lookup
from typedcfg.runs.grouping import _grouped
from typedcfg.runs.store import Run

VALUES: list[Any] = [0, 1, 1, 1.0, 0.5, -3, float("nan"), "a", "a", "B", "é", "", True, False,
                     None, [1, 2], [1, 2], {}, float("inf"), 7]  # fmt: skip
INF = float("inf")
METRICS: list[Any] = [0.25, 1, 2.5, True, "x", INF, float("nan"), 3, -INF, 0.5, [1], 4.0, 1e3, 2,
                      2, 2, 0.125, -7, 5, 6]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs in two projects whose names sort differently as text and as (project, id)."""
    root = tmp_path_factory.mktemp("aggregate") / "runs"
    for number, value in enumerate(VALUES):
        config: dict[str, Any] = {"v": value, "k": number % 3, "flag": number % 2 == 0}
        if number % 5 == 0:
            config.pop("v")
        project = "a" if number % 2 else "a-b"
        with typedcfg.record_run(config, runs_dir=root, project=project, run_id=f"r{number:02d}",
                                 cwd=root) as run:  # fmt: skip
            if number % 7 != 3:
                run.summary["m"] = METRICS[number]
    return root


def _typed(value: Any) -> str:
    """A value with its type, so that 1, 1.0 and true compare as different."""
    return json.dumps([type(value).__name__, value], default=repr, sort_keys=True)


def _from_files(root: Path, project: str | None, by: list[str], metric: str) -> list[Any]:
    projects = [project] if project else ["a", "a-b"]
    runs = [Run(root, p, d.name) for p in projects for d in sorted((root / p).iterdir())
            if d.name[0] != "."]  # fmt: skip
    table = [(r.path, [lookup(r, k) for k in [*by, metric]]) for r in runs]
    return _grouped(table, len(by), metric)


def _comparable(groups: list[Any]) -> dict[str, Any]:
    out = {}
    for values, count, paths, stats in groups:
        out[" ".join(_typed(v) for v in values)] = (count, paths, stats)
    return out


@pytest.mark.parametrize("by", [["config.v"], ["config.k"], ["config.flag", "config.k"],
                                ["config.v", "config.k"], ["config.nothere"]])  # fmt: skip
@pytest.mark.parametrize("project", ["a", None])
def test_sql_groups_are_the_python_groups(store: Path, by: list[str], project: str | None) -> None:
    """The same groups (types kept apart, missing as its own group, lists by their JSON), the
    same runs in (project, id) order, and the same count, n, mean, std, min and max."""
    sql = Api(store).groups(project, None, by, "summary.m")
    assert sql is not None
    python = _comparable(_from_files(store, project, by, "summary.m"))
    got = _comparable(sql)
    assert sorted(got) == sorted(python)
    for key, (count, paths, stats) in got.items():
        want_count, want_paths, want = python[key]
        assert (count, paths) == (want_count, want_paths), key
        assert stats is not None and want is not None
        assert stats["n"] == want["n"]
        for name in ("mean", "std", "min", "max"):
            a, b = stats[name], want[name]
            if a is None or b is None or math.isnan(a) or math.isnan(b):
                assert repr(a) == repr(b), (key, name)
            else:
                assert a == pytest.approx(b, rel=1e-12), (key, name)


def test_runs_are_listed_by_project_then_id(store: Path) -> None:
    """'a' comes before 'a-b' (as project names), though 'a-b/...' sorts first as text."""
    (group,) = Api(store).groups(None, None, ["config.nothere"], None) or []
    values, count, paths, stats = group
    assert values == [MISSING] and stats is None and count == len(VALUES)
    assert paths[0].startswith("a/") and paths[-1].startswith("a-b/")


def test_nan_values_make_one_group(store: Path) -> None:
    """Runs whose key holds NaN are one group, in SQL and in Python alike."""
    table = [("p/x", [float("nan"), 1.0]), ("p/y", [float("nan"), 2.0])]
    ((values, count, paths, stats),) = _grouped(table, 1, "summary.m")
    assert count == 2 and paths == ["p/x", "p/y"] and math.isnan(values[0])
    assert stats is not None and stats["mean"] == 1.5


def test_statistics_stay_exact_far_from_zero(tmp_path: Path) -> None:
    """Values of 1e9 plus small noise: the sample std is the one statistics.stdev gives (a sum of
    squares taken naively loses every digit of it)."""
    root = tmp_path / "runs"
    losses = [1e9 + (i % 7) * 1e-3 for i in range(40)]
    for number, loss in enumerate(losses):
        with typedcfg.record_run({"g": 1}, runs_dir=root, project="p", run_id=f"r{number:02d}",
                                 cwd=tmp_path) as run:  # fmt: skip
            run.summary["loss"] = loss
    ((_, count, _, stats),) = Api(root).groups("p", None, ["config.g"], "summary.loss") or []
    assert count == 40 and stats is not None
    assert stats["mean"] == pytest.approx(statistics.fmean(losses), rel=1e-15)
    assert stats["std"] == pytest.approx(statistics.stdev(losses), rel=1e-6)


def test_keys_sql_cannot_group_exactly_go_to_python(tmp_path: Path) -> None:
    """An integer too large for SQLite, or a key that is not a leaf, is grouped in Python."""
    root = tmp_path / "runs"
    for number, value in enumerate([2**70, 2**70, 1]):
        with typedcfg.record_run({"big": value, "tree": {"a": number % 2}}, runs_dir=root,
                                 project="p", run_id=f"r{number}", cwd=tmp_path):  # fmt: skip
            pass
    api = Api(root)
    assert api.groups("p", None, ["config.big"], None) is None
    assert api.groups("p", None, ["config.tree"], None) is None
    assert api.groups("p", None, ["config.tree.a"], None) is not None


def test_both_infinities_give_a_nan_mean_not_an_error() -> None:
    """A metric holding inf and -inf has mean NaN (math.fsum raised ValueError on them)."""
    from typedcfg.runs.grouping import _stats

    stats = _stats([float("inf"), float("-inf"), 1.0])
    assert math.isnan(stats["mean"]) and math.isnan(stats["std"])
    assert (stats["n"], stats["min"], stats["max"]) == (3, float("-inf"), float("inf"))
    assert _stats([float("inf"), 2.0])["mean"] == float("inf")
