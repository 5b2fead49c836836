"""The benchmark harness runs end to end in quick mode (values cross-checked, never timings)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"

IN_PROCESS_ROWS = [
    "floor: `yaml.load` (CSafeLoader) x2",
    "typedcfg `compose` (with provenance) + `flatten`",
    "typedcfg `load` + `flatten`",
    "Hydra `initialize_config_dir` + `compose` + `to_container`",
    "OmegaConf `load` x2 + `from_dotlist` + `merge` + `to_container`",
    "ratio typedcfg compose / floor",
    "ratio Hydra compose API / typedcfg compose",
]
TARGET_ROWS = [
    "compose <= 1 ms at N=10",
    "faster than Hydra's compose API, N=10",
    "faster than Hydra's compose API, N=100",
    "<= 1.05x yaml + pydantic by hand",
    "faster than `@hydra.main`",
    "`import typedcfg` adds <= 10 ms",
    "plain `key=value` overrides import neither hydra nor omegaconf",
    "peak memory <= 1.1x by hand",
]
SWEEP_ROWS = [
    "sampler overhead per trial <= 10 ms at 1,000 trials (RandomSampler)",
    "sampler overhead per trial <= 10 ms at 1,000 trials (TPESampler)",
    "pre-launch validation of a 1,000-job grid over a real tree <= 1 s",
]
PROCESS_ROWS = [
    "hello world, 20 keys, 1 override",
    "N=100 end to end, 2 files, 10 overrides",
    "| yaml + pydantic by hand |",
    "| Hydra compose API |",
    "`@hydra.main` (logging, output dir off)",
    "`import typedcfg` after yaml + pydantic",
]


def _row(text: str, label: str) -> str:
    for line in text.splitlines():
        if line.startswith("|") and label in line:
            return line
    raise AssertionError(f"no table row containing {label!r} in:\n{text}")


def test_quick_run_prints_every_row_after_a_passed_cross_check(tmp_path: Path) -> None:
    """`run.py --quick` exits 0, reports a passed cross-check, and prints every table row with
    a number (or met/missed) in each cell; `--output` writes the same report to a file."""
    output = tmp_path / "report.md"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "cross-check: passed" in text
    assert "CROSS-CHECK FAILED" not in proc.stderr
    assert "| path | N=10 | N=100 |" in text
    for label in IN_PROCESS_ROWS:
        cells = _row(text, label).strip("|").split("|")[1:]
        assert len(cells) == 2, label
        assert all(re.fullmatch(r"\s*[\d,.]+x?\s*", c) for c in cells), cells
    for label in TARGET_ROWS:
        assert re.search(r"\| (met|\*\*missed\*\*) \|$", _row(text, label)), label
    for label in PROCESS_ROWS:
        _row(text, label)
    for label in SWEEP_ROWS:
        assert re.search(r"\| [\d.]+ (ms per trial over|s for) \d+ (trials|jobs) \| "
                         r"(met|\*\*missed\*\*) \|$", _row(text, label)), label
    assert output.read_text(encoding="utf-8").strip() == text.strip()


def test_output_replaces_only_the_text_between_the_markers(tmp_path: Path) -> None:
    """`report.write` keeps a page's prose and swaps the text between the result markers."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import report
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    page = tmp_path / "page.md"
    page.write_text(f"intro\n{report.START}\nold table\n{report.END}\noutro\n", encoding="utf-8")
    report.write(str(page), "new table\n")
    assert page.read_text(encoding="utf-8") == (
        f"intro\n{report.START}\nnew table\n{report.END}\noutro\n"
    )


def test_store_benchmark_quick_run_checks_answers_and_prints_every_row() -> None:
    """benchmarks/store.py --quick: the answers are cross-checked, then every row is printed."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "store.py"), "--quick"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "CROSS-CHECK FAILED" not in done.stdout + done.stderr
    for row in ("| `runs ls` | 300 |", "| `runs group --by optim.lr --metric val_loss` | 300 |",
                "| `Api().runs(filters=...)` | 300 |", "| `runs report` | 200 |"):  # fmt: skip
        assert row in done.stdout
    assert re.search(r"Recording one run .*: [0-9.]+ ms; writing the same files alone", done.stdout)
