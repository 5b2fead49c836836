"""The report's columns read from the index (``typedcfg.runs.report_data``) are the columns
made from the runs themselves: the same varying keys, values, missing keys, metrics, sources
and sweeps, over runs whose values mix every JSON type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import typedcfg
from typedcfg import Api
from typedcfg.runs.report import report_runs
from typedcfg.runs.report_data import columns_of_rows

VALUES: list[Any] = [1, 1.0, True, None, "a", [1, 2], {}, float("nan"), float("inf"), -0.0, 0.0,
                     2, "é", {"deep": 1}]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report") / "runs"
    for number, value in enumerate(VALUES):
        config: dict[str, Any] = {"v": value, "same": 3, "optim": {"lr": 0.1 * (number % 3)},
                                  "only_some": number} if number % 4 else {"v": value, "same": 3}
        sweep = None
        if number % 3 == 0:
            params = {"optim.lr": "x", "v": "y"} if number % 2 else {"v": "y", "seed": "z"}
            sweep = {"id": f"s{number % 2}", "job": number, "jobs": 9, "params": params}
        with typedcfg.record_run(config, runs_dir=root, project="p", run_id=f"r{number:02d}",
                                 cwd=root, sweep=sweep) as run:  # fmt: skip
            run.summary.update({"loss": value, "n": number} if number % 5 else {"n": "text"})
        if number == 5:
            run = Api(root).run("p/r05")
            run.config["same"] = 4  # a source with a time stamp
            run.update()
    with typedcfg.record_run({"v": 9}, runs_dir=root, project="q", run_id="other", cwd=root):
        pass
    return root


@pytest.mark.parametrize(
    ("project", "filters"),
    [("p", None), (None, None), ("p", {"config.only_some": {"$gt": 4}}),
     ("p", {"summary.n": "text"}), ("p", {"config.nothere": 1})],
)  # fmt: skip
def test_columns_from_the_index_are_the_columns_of_the_runs(
    store: Path, project: str | None, filters: dict[str, Any] | None
) -> None:
    api = Api(store)
    from_index = api.report_columns(project, filters)
    from_runs = columns_of_rows(report_runs(api.runs(project, filters, order="created_at")))
    assert from_index == from_runs
    assert from_index is not None and len(from_index["runs"]["path"]) == len(
        api.runs(project, filters)
    )


def test_the_columns_hold_what_the_page_shows(store: Path) -> None:
    """Varying keys only, missing keys listed, NaN and infinity as null, sources by number."""
    columns = Api(store).report_columns("p", None)
    assert columns is not None
    assert "same" in columns["keys"] and "v" in columns["keys"]
    v = columns["runs"]["config"]["v"]
    assert v["values"][:4] == [1, 1.0, True, None]
    assert v["missing"] == [13] and columns["runs"]["config"]["v.deep"]["values"][13] == 1
    assert v["values"][7:9] == [None, None]  # NaN, inf
    some = columns["runs"]["config"]["only_some"]
    assert some["missing"] == [0, 4, 8, 12]
    same = columns["runs"]["source"]["same"]
    assert columns["sources"][same[5]].startswith("run.update() 20")
    sweeps = {"s0": {"params": ["v", "seed"]}, "s1": {"params": ["optim.lr", "v"]}}
    assert columns["sweeps"] == sweeps
    assert columns["metrics"] == ["n", "loss", "loss.deep"]  # first seen: r00 has only n


def test_a_filter_sql_cannot_say_goes_to_the_runs(store: Path) -> None:
    """A filter left for Python (a list operand) gives no columns: the command uses the runs."""
    assert Api(store).report_columns("p", {"config.v": [1, 2]}) is None
