"""``typedcfg runs report`` and ``runs reindex`` as commands: the file, the selection, --open."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import typedcfg

REPO = Path(__file__).resolve().parent.parent


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(REPO), **env}
    full.pop("TYPEDCFG_RUNS_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "typedcfg", "runs", *args], cwd=cwd, env=full,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _payload(page: Path) -> dict[str, Any]:
    text = page.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S)
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    data["runs"] = _rows(data["runs"], data["sources"])
    return data


def _rows(columns: dict[str, Any], sources: list[str]) -> list[dict[str, Any]]:
    """The runs as the page's script makes them from the columns (report.js, rowsOf)."""
    rows: list[dict[str, Any]] = [
        {"path": p, "state": s, "created": c, "sweep": w, "config": {}, "summary": {}, "source": {}}
        for p, s, c, w in zip(columns["path"], columns["state"], columns["created"],
                              columns["sweep"], strict=True)
    ]  # fmt: skip
    for part in ("config", "summary"):
        for key, column in columns[part].items():
            for i, value in enumerate(column["values"]):
                if i not in column["missing"]:
                    rows[i][part][key] = value
    for key, numbers in columns["source"].items():
        for i, number in enumerate(numbers):
            if number >= 0:
                rows[i]["source"][key] = sources[number]
    return rows


def _store(root: Path) -> None:
    for number, lr in enumerate((0.1, 0.01, 0.001)):
        sweep = {"id": "sw", "job": number, "jobs": 3, "params": {"optim.lr": str(lr)}}
        with typedcfg.record_run({"optim": {"lr": lr}, "seed": 1}, runs_dir=root, project="p",
                                 run_id=f"sw-{number}", sweep=sweep) as run:  # fmt: skip
            run.summary["val_loss"] = lr * 10
    with typedcfg.record_run({"optim": {"lr": 0.5}, "seed": 2}, runs_dir=root, project="p",
                             run_id="lone") as run:  # fmt: skip
        run.summary["val_loss"] = 9.0


def test_report_selects_runs_and_lists_damaged_ones(tmp_path: Path) -> None:
    _store(tmp_path / "runs")
    (tmp_path / "runs" / "p" / "lone" / "meta.json").write_text('"x"')
    assert _cli("reindex", cwd=tmp_path).stdout == "indexed 4 run(s) in runs/.index.sqlite\n"
    done = _cli("report", "p", "--filter", "optim.lr<0.05", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "wrote runs/report.html (2 runs, 1 damaged)\n"
    data = _payload(tmp_path / "runs" / "report.html")
    assert sorted(r["path"] for r in data["runs"]) == ["p/sw-1", "p/sw-2"]
    assert data["keys"] == ["optim.lr"] and data["metrics"] == ["val_loss"]
    assert data["damaged"] == [
        {"path": "p/lone", "problem": "runs/p/lone/meta.json: expected a JSON object, got str"}
    ]
    assert data["runs"][0]["source"] == {"optim.lr": "record_run"}
    assert data["sweeps"] == {"sw": {"params": ["optim.lr"]}}
    done = _cli("report", "--sweep", "sw", "-o", "sweep.html", "--title", "lr sweep", cwd=tmp_path)
    assert done.stdout == "wrote sweep.html (3 runs, 1 damaged)\n"
    data = _payload(tmp_path / "sweep.html")
    assert data["title"] == "lr sweep" and len(data["runs"]) == 3


def test_open_hands_the_file_to_the_browser(tmp_path: Path) -> None:
    """--open starts the browser the user chose ($BROWSER, as Python's webbrowser reads it)."""
    _store(tmp_path / "runs")
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text(f"import sys\nopen({str(opened)!r}, 'w').write(sys.argv[1])\n")
    done = _cli("report", "p", "--open", cwd=tmp_path, BROWSER=f"{sys.executable} {script} %s")
    assert done.returncode == 0, done.stderr
    assert opened.read_text() == (tmp_path / "runs" / "report.html").as_uri()


def test_report_errors_are_located(tmp_path: Path) -> None:
    _store(tmp_path / "runs")
    done = _cli("report", "p", "-o", str(tmp_path / "no" / "such" / "dir.html"), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("no/such/dir.html: cannot write: No such file")  # from the cwd
    done = _cli("report", "nope", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith("runs/nope: no such project")
