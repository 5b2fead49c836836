"""``typedcfg runs report`` in a real browser: Debian's Chromium, headless, through Playwright.

A real sweep is recorded first (``--multirun`` over a 3x2 grid, each job its own process), the
report is written by the command a user types, and the page is loaded from disk with no
network. The tests check the rows against the store, change the group-by and compare the
aggregate table with the means computed here, tick runs to compare them, and read the data
points back out of the plotly figures. Screenshots go to the test's directory, or to
``$TYPEDCFG_SCREENSHOTS`` (``docs/images`` when making the picture docs/runs.md shows).
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import typedcfg
from tests.browser import chromium_page
from typedcfg.runs.report import page as report_page

REPO = Path(__file__).resolve().parent.parent
PATHS = "rows => rows.map(r => r.dataset.path)"

PROGRAM = textwrap.dedent(
    """
    from pydantic import BaseModel, Field

    import typedcfg


    class Optim(BaseModel):
        name: str = "adam"
        lr: float = Field(0.001, gt=0, description="Learning rate.")


    class Data(BaseModel):
        batch_size: int = 32


    class Config(BaseModel):
        optim: Optim = Optim()
        data: Data = Data()
        epochs: int = 5


    @typedcfg.main(Config, runs_dir="runs", project="toy")
    def train(cfg: Config) -> float:
        loss = round(abs(math.log10(cfg.optim.lr) + 2.2) + cfg.data.batch_size / 200, 4)
        run = typedcfg.current_run()
        if run is not None:
            run.summary["val_loss"] = loss
            run.summary["acc"] = round(1 - loss / 3, 4)
        return loss


    import math

    if __name__ == "__main__":
        train()
    """
)


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("TYPEDCFG_RUNS_DIR", None)
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A recorded 3x2 sweep, and its report written by ``typedcfg runs report``."""
    work = tmp_path_factory.mktemp("sweep")
    (work / "train.py").write_text(PROGRAM)
    _run([sys.executable, "train.py", "--multirun", "optim.lr=0.1,0.01,0.001",
          "data.batch_size=16,64", "--jobs", "2"], work)  # fmt: skip
    runs = typedcfg.Api(work / "runs").runs("toy", order="id")
    assert len(runs) == 6 and {r.state for r in runs} == {"finished"}
    sweep_id = runs[0].meta["sweep"]["id"]
    report = work / "report.html"
    done = _run([sys.executable, "-m", "typedcfg.runs.cli", "report", "toy", "-o", str(report)],
                work)  # fmt: skip
    assert done.stdout == f"wrote {report} (6 runs, 0 damaged)\n"
    shots = Path(os.environ.get("TYPEDCFG_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    return {"work": work, "runs": runs, "report": report, "sweep": sweep_id, "shots": shots}


def _open(page: Any, report: Path, ready: str = "ready") -> None:
    """Load the page; wait until it is drawn (``ready``) or its tables are (``table``)."""
    page.goto(report.as_uri(), wait_until="commit", timeout=300_000)
    page.wait_for_selector(f'body[data-{ready}="1"]', timeout=300_000)


def _settled(page: Any) -> None:
    """Wait until the plots drawn after a change (they wait for typing to pause) are done."""
    page.wait_for_timeout(400)


def _cells(page: Any, selector: str) -> list[list[str]]:
    rows: list[list[str]] = page.eval_on_selector_all(
        f"{selector} tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    return rows


def _mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values)


def test_the_report_shows_every_run_offline_and_groups_as_the_store_does(
    sweep: dict[str, Any],
) -> None:
    """Rows as recorded; group-by changed in the page; aggregates equal the store's numbers."""
    runs: list[typedcfg.Run] = sweep["runs"]
    with chromium_page() as (page, seen):
        _open(page, sweep["report"])
        assert all(url.startswith("file://") for url in seen), seen  # nothing from a network
        rows = _cells(page, "#runs-body")
        assert sorted(r[1] for r in rows) == sorted(r.path for r in runs)
        headers = page.eval_on_selector_all("#runs-head th", "ths => ths.map(t => t.textContent)")
        assert headers == ["", "run", "state", "optim.lr", "data.batch_size", "val_loss", "acc"]
        for row in rows:
            run = next(r for r in runs if r.path == row[1])
            assert row[2] == "finished"
            assert float(row[3]) == run.config["optim"]["lr"]
            assert int(row[4]) == run.config["data"]["batch_size"]
            assert float(row[5]) == run.summary["val_loss"]
        page.screenshot(path=str(sweep["shots"] / "runs-report.png"), full_page=True)

        # Grouped by optim.lr (the first varying key) when the page opens.
        by_lr = _cells(page, "#groups-body")
        assert [r[0] for r in by_lr] == ["0.001", "0.01", "0.1"]
        for cells in by_lr:
            losses = [r.summary["val_loss"] for r in runs
                      if r.config["optim"]["lr"] == float(cells[0])]  # fmt: skip
            mean, std = _mean_std(losses)
            assert cells[1] == "2" and math.isclose(float(cells[2]), mean, rel_tol=1e-5)
            assert math.isclose(float(cells[3]), std, rel_tol=1e-5)
            assert float(cells[4]) == min(losses) and float(cells[5]) == max(losses)

        page.select_option("#group-by", ["data.batch_size"])
        by_batch = _cells(page, "#groups-body")
        assert [r[0] for r in by_batch] == ["16", "64"]
        for cells in by_batch:
            losses = [r.summary["val_loss"] for r in runs
                      if r.config["data"]["batch_size"] == int(cells[0])]  # fmt: skip
            assert cells[1] == "3"
            assert math.isclose(float(cells[2]), statistics.fmean(losses), rel_tol=1e-5)

        page.select_option("#metric", "acc")
        page.select_option("#group-by", ["optim.lr", "data.batch_size"])
        both = _cells(page, "#groups-body")
        assert len(both) == 6 and all(r[2] == "1" for r in both)
        head = _cells(page, "#groups-head")[0]
        assert head[:4] == ["optim.lr", "data.batch_size", "count", "acc mean"]
        page.screenshot(path=str(sweep["shots"] / "runs-report-groups.png"), full_page=True)
        assert not [s for s in seen if s.startswith("pageerror")]


def test_sorting_filtering_and_comparing_in_the_page(sweep: dict[str, Any]) -> None:
    runs: list[typedcfg.Run] = sweep["runs"]
    losses = sorted(r.summary["val_loss"] for r in runs)
    with chromium_page() as (page, seen):
        _open(page, sweep["report"])
        page.click("#runs-head th:text-is('val_loss')")
        assert [float(r[5]) for r in _cells(page, "#runs-body")] == losses
        page.click("#runs-head th:text-is('val_loss')")
        assert [float(r[5]) for r in _cells(page, "#runs-body")] == losses[::-1]
        page.fill("#runs-filters input[data-col='1']", "64")
        assert {r[4] for r in _cells(page, "#runs-body")} == {"64"}
        page.fill("#runs-filters input[data-col='1']", "")
        page.fill("#runs-filters input[data-col='2']", f"<{losses[2]}")
        assert len(_cells(page, "#runs-body")) == 2
        assert "1-2 of 2 runs" in page.text_content("#runs-count")
        page.fill("#runs-filters input[data-col='2']", "")

        first, second = runs[0], runs[-1]
        page.check(f"input[data-path='{first.path}']")
        page.check(f"input[data-path='{second.path}']")
        rows = _cells(page, "#compare-table tbody")
        differing = [r[0] for r in rows]
        a, b = typedcfg.flatten(first.config), typedcfg.flatten(second.config)
        expected = [k for k in ("optim.lr", "data.batch_size") if a[k] != b[k]]
        assert differing == expected
        for row in rows:
            key = tuple(row[0].split("."))
            assert row[2] == first.source_of(key) and row[4] == second.source_of(key)
            assert row[2].startswith("argv[")
        assert not [s for s in seen if s.startswith("pageerror")]


def test_the_plots_hold_every_data_point_and_the_sweep_marks_the_best(
    sweep: dict[str, Any],
) -> None:
    runs: list[typedcfg.Run] = sweep["runs"]
    with chromium_page() as (page, seen):
        _open(page, sweep["report"])
        dims: list[dict[str, Any]] = page.evaluate(
            "document.getElementById('parcoords').data[0].dimensions"
        )
        assert [d["label"] for d in dims] == ["optim.lr", "data.batch_size", "val_loss"]
        shown = list(zip(*(d["values"] for d in dims), strict=True))
        recorded = [(r.config["optim"]["lr"], r.config["data"]["batch_size"],
                     r.summary["val_loss"]) for r in runs]  # fmt: skip
        assert sorted(shown) == sorted(recorded)
        assert page.locator("#parcoords .parcoords").count() == 1  # drawn, not only data
        traces: list[dict[str, Any]] = page.evaluate("document.getElementById('scatter').data")
        points = sorted((x, y) for t in traces for x, y in zip(t["x"], t["y"], strict=True))
        assert points == sorted((a, c) for a, _, c in recorded)
        assert [t["name"] for t in traces] == ["data.batch_size=16", "data.batch_size=64"]
        assert page.locator("#scatter .point").count() == 6

        assert page.input_value("#sweep") == sweep["sweep"]
        best = min(runs, key=lambda r: r.summary["val_loss"])
        marked = page.eval_on_selector_all("#sweep-body tr.best", PATHS)
        assert marked == [best.path]
        assert page.text_content("#sweep-best") == (
            f"best of 6 trials: {best.path} (val_loss = {best.summary['val_loss']:g})"
        )
        page.check("#higher")
        worst = max(runs, key=lambda r: r.summary["val_loss"])
        marked = page.eval_on_selector_all("#sweep-body tr.best", PATHS)
        assert marked == [worst.path]
        page.locator("#plots-view").screenshot(path=str(sweep["shots"] / "runs-report-plots.png"))
        assert not [s for s in seen if s.startswith("pageerror")]


def test_ten_thousand_runs_page_and_sort(tmp_path: Path) -> None:
    """A report of 10,000 runs opens, shows 50 rows a page, and sorts the whole set."""
    rows = [
        {"path": f"big/r{i:05d}", "state": "finished" if i % 7 else "failed",
         "created_at": "", "sweep": None,
         "config": {"optim.lr": [0.1, 0.01, 0.001][i % 3], "seed": i},
         "summary": {"val_loss": (i * 7919) % 10_000 / 10_000}, "source": {}}
        for i in range(10_000)
    ]  # fmt: skip
    report = tmp_path / "big.html"
    report.write_text(report_page(rows, "big"), encoding="utf-8")
    with chromium_page() as (page, seen):
        _open(page, report, "table")  # the table is what 10,000 runs must not slow down
        assert len(_cells(page, "#runs-body")) == 50
        assert page.text_content("#runs-count") == "1-50 of 10000 runs (page 1 of 200)"
        page.click("#runs-head th:text-is('val_loss')")
        assert _cells(page, "#runs-body")[0][1] == "big/r00000"
        page.click("#next")
        assert page.text_content("#runs-count").startswith("51-100 of 10000")
        page.select_option("#state", "failed")
        assert page.text_content("#runs-count") == "1-50 of 1429 runs (page 1 of 29)"
        counts = [r[1] for r in _cells(page, "#groups-body")]
        assert counts == ["476", "476", "477"]  # lr 0.001, 0.01, 0.1
        assert not [s for s in seen if s.startswith("pageerror")]
