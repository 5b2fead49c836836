"""Example 08: a recorded 2x2 sweep, then runs ls / group / diff and an Api correction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from usage import usage_commands

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "08_runs"


def test_example_08_usage_commands(tmp_path: Path) -> None:
    """Each Usage command exits 0 and prints the sweep, the table, the groups and the diffs."""
    env = dict(os.environ, TYPEDCFG_RUNS_DIR=str(tmp_path / "runs"), PYTHONDONTWRITEBYTECODE="1")
    outputs = []
    for argv in usage_commands(EXAMPLE / "train.py"):
        assert argv[0] == "python", argv
        done = subprocess.run(
            [sys.executable, *argv[1:]],
            cwd=EXAMPLE,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert (done.returncode, done.stderr) == (0, ""), argv
        outputs.append(done.stdout.splitlines())
    sweep, ls, group, diff, fix, diff_after, report = outputs
    assert sweep == [
        "toy/lr0.01-bs16: val_loss=1.8455",
        "toy/lr0.01-bs64: val_loss=1.9214",
        "toy/lr0.1-bs16: val_loss=0.8782",
        "toy/lr0.1-bs64: val_loss=1.3294",
    ]
    assert ls == [
        "run          state     optim.lr  data.batch_size  val_loss",
        "lr0.01-bs16  finished  0.01      16               1.8455",
        "lr0.01-bs64  finished  0.01      64               1.9214",
        "lr0.1-bs16   finished  0.1       16               0.8782",
        "lr0.1-bs64   finished  0.1       64               1.3294",
    ]
    assert group == [
        "optim.lr  count  val_loss mean  std        min     max     n",
        "0.01      2      1.88345        0.0536694  1.8455  1.9214  2",
        "0.1       2      1.1038         0.319047   0.8782  1.3294  2",
    ]
    assert diff == [
        "key              toy/lr0.01-bs16  source                        toy/lr0.1-bs64  source",
        "optim.lr         0.01             argv[0] 'optim.lr=0.01'       0.1             "
        "argv[0] 'optim.lr=0.1'",
        "data.batch_size  16               argv[1] 'data.batch_size=16'  64              "
        "argv[1] 'data.batch_size=64'",
    ]
    run_dir = tmp_path / "runs" / "toy" / "lr0.1-bs64"
    assert fix == [
        "toy/lr0.1-bs64: data.path = data/toy-v2",
        f"refused: {run_dir} (run.update): optim.lr: Input should be greater than 0 (got -1.0)",
        "toy/lr0.1-bs64: optim.lr = 0.1",
    ]
    assert diff_after[2].split()[:4] == ["data.path", "data/toy", "config-defaults.yaml:8:11",
                                         "data/toy-v2"]  # fmt: skip
    assert diff_after[2].split()[4] == "run.update()"
    page = tmp_path / "runs" / "report.html"
    assert report == [f"wrote {page} (4 runs, 0 damaged)"]
    text = page.read_text(encoding="utf-8")
    block = text.split('<script type="application/json" id="data">')[1].split("</script>")[0]
    data = json.loads(block)
    assert sorted(data["runs"]["path"]) == [
        "toy/lr0.01-bs16", "toy/lr0.01-bs64", "toy/lr0.1-bs16", "toy/lr0.1-bs64"
    ] and "Plotly" in text  # fmt: skip
    assert "<script src=" not in text  # plotly inlined: nothing to fetch
    # The example directory stays clean: every run went to TYPEDCFG_RUNS_DIR.
    assert not (EXAMPLE / "runs").exists()
    again = subprocess.run(
        [sys.executable, "train.py"], cwd=EXAMPLE, env=env, capture_output=True, text=True
    )
    assert again.stdout.splitlines()[0] == "toy/lr0.01-bs16: already recorded"
