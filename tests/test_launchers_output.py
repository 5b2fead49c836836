"""Live job output from real processes: the local pool, and a program's ``--multirun``.

The jobs are real processes started again from a user's script. Liveness is tested without
timing: a job prints a line and then waits for a file that the console creates when that line
reaches it, so a launcher that held the output back until the job ended would fail the job.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from typedcfg.sweeps.jobs import JobSpec
from typedcfg.sweeps.launchers import run_local
from typedcfg.sweeps.output import SweepOutput

PROGRAM = """
import sys
import time
from pathlib import Path

from pydantic import BaseModel

import typedcfg


class Config(BaseModel):
    mode: str = "talk"
    lr: float = 0.1


@typedcfg.main(Config, defaults=None)
def train(cfg: Config) -> float:
    if cfg.mode == "wait":
        print("ready")  # no flush: jobs run unbuffered
        deadline = time.monotonic() + 60
        while not Path("go").exists():
            if time.monotonic() > deadline:
                raise SystemExit("the console never saw 'ready'")
            time.sleep(0.02)
        print("went")
    elif cfg.mode == "flood":
        for k in range(10000):  # 1 MB on stdout, 0.25 MB on stderr (a pipe holds 64 kB)
            print(f"line {k:06d} " + "x" * 90)
            if k % 4 == 0:
                print(f"err {k:06d} " + "y" * 90, file=sys.stderr)
    elif cfg.mode == "binary":
        sys.stdout.buffer.write(b"\\xff\\xfebinary\\n")
        sys.stdout.write("no newline at the end")
    else:
        for epoch in range(3):
            print(f"epoch {epoch} loss {cfg.lr / (epoch + 1):.3f}")
            print(f"warn {epoch}", file=sys.stderr)
        if cfg.mode == "fail":
            raise ValueError("diverged")
    return cfg.lr


if __name__ == "__main__":
    train()
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """The program above, in an empty directory."""
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(PROGRAM))
    return path


def spec(script: Path, index: int, *tokens: str) -> JobSpec:
    """Job ``index`` of sweep 'out' with the given overrides."""
    return JobSpec(
        index, " ".join(tokens), (sys.executable, str(script)), tokens, str(script.parent),
        {"id": "out", "job": index, "jobs": 1, "params": {}},
    )  # fmt: skip


class Console:
    """Keeps every line written; creates ``go`` when a job says it is ready."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lines: list[str] = []

    def __call__(self, text: str) -> None:
        assert text.endswith("\n") and text.count("\n") == 1, text
        self.lines.append(text[:-1])
        if text.endswith("] ready\n"):
            (self.folder / "go").touch()

    def of(self, index: int) -> list[str]:
        """The lines of job ``index``, prefix removed."""
        prefix = f"[{index}] "
        return [line.removeprefix(prefix) for line in self.lines if line.startswith(prefix)]


def test_output_reaches_the_console_while_the_job_runs(script: Path) -> None:
    """The job's line is shown before the job ends (the job waits for it to be seen)."""
    console = Console(script.parent)
    outcome = run_local(
        [spec(script, 0, "mode=wait")], jobs=1, report=lambda r: None,
        output=SweepOutput(console),
    )  # fmt: skip
    assert [(r.status, r.error) for r in outcome.results] == [("finished", None)]
    assert console.of(0) == ["ready", "went"]


def test_prefixed_lines_in_order_logs_and_the_failed_tail(script: Path, tmp_path: Path) -> None:
    """Two jobs at once: each one's stdout and stderr lines, prefixed, in the order written;
    each log holds exactly its job's output; a failed job's result keeps its last lines."""
    console = Console(tmp_path)
    logs = tmp_path / "logs"
    outcome = run_local(
        [spec(script, 0, "mode=talk", "lr=0.3"), spec(script, 1, "mode=fail", "lr=0.6"),
         spec(script, 2, "mode=binary")],
        jobs=2, report=lambda r: None, output=SweepOutput(console, sweep_id="s", logs=str(logs)),
    )  # fmt: skip
    talk = ["epoch 0 loss 0.300", "warn 0", "epoch 1 loss 0.150", "warn 1",
            "epoch 2 loss 0.100", "warn 2"]  # fmt: skip
    assert console.of(0) == talk
    failed = console.of(1)
    assert failed[:6] == [line.replace("0.300", "0.600").replace("0.150", "0.300")
                          .replace("0.100", "0.200") for line in talk]  # fmt: skip
    assert failed[6] == "Traceback (most recent call last):"
    assert failed[-1] == "ValueError: diverged"
    assert console.of(2) == ["\ufffd\ufffdbinary", "no newline at the end"]
    assert len(console.lines) == len(console.of(0)) + len(failed) + 2
    assert (logs / "s-0.log").read_text() == "".join(line + "\n" for line in talk)
    assert (logs / "s-1.log").read_text().endswith("ValueError: diverged\n")
    assert (logs / "s-2.log").read_bytes() == b"\xff\xfebinary\nno newline at the end"
    results = outcome.results
    assert [(r.status, r.log) for r in results] == [
        ("finished", str(logs / "s-0.log")), ("failed", str(logs / "s-1.log")),
        ("finished", str(logs / "s-2.log")),
    ]  # fmt: skip
    assert results[1].output.splitlines()[-1] == "ValueError: diverged"
    assert results[1].output.splitlines() == failed[-len(results[1].output.splitlines()) :]


def test_a_job_that_prints_a_lot_does_not_block(script: Path, tmp_path: Path) -> None:
    """1.3 MB on two streams through one pipe: nothing blocks, every line arrives whole."""
    console = Console(tmp_path)
    outcome = run_local(
        [spec(script, 0, "mode=flood")], jobs=1, report=lambda r: None,
        output=SweepOutput(console, logs=str(tmp_path / "logs")),
    )  # fmt: skip
    assert outcome.results[0].status == "finished"
    lines = console.of(0)
    assert [line for line in lines if line.startswith("line ")] == [
        f"line {k:06d} " + "x" * 90 for k in range(10000)
    ]
    assert [line for line in lines if line.startswith("err ")] == [
        f"err {k:06d} " + "y" * 90 for k in range(0, 10000, 4)
    ]
    assert len(lines) == 12500
    assert (tmp_path / "logs" / "sweep-0.log").stat().st_size == 10000 * 103 + 2500 * 102


# --- the program's side: python prog.py --multirun ... ------------------------------------------


def sweep(script: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``python prog.py --multirun ARGV...`` in the program's directory."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("TYPEDCFG_RUNS_DIR", None)
    return subprocess.run(
        [sys.executable, script.name, "--multirun", *argv], cwd=script.parent, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_multirun_shows_each_jobs_lines_and_ends_with_the_failed_tail(script: Path) -> None:
    """stderr: the announcement, each job's prefixed lines in order, a progress line per job;
    stdout: the table; after it, the failed job's last lines and where its log is."""
    done = sweep(script, "mode=talk,fail", "lr=0.5", "--jobs", "2", "--logs", "logs")
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    sweep_id = lines[0].split()[1].rstrip(":")
    assert lines[0] == f"sweep {sweep_id}: 2 jobs in local processes, 2 at a time"
    for n in (0, 1):
        assert [line for line in lines if line.startswith(f"[{n}] ")][:6] == [
            f"[{n}] epoch 0 loss 0.500", f"[{n}] warn 0", f"[{n}] epoch 1 loss 0.250",
            f"[{n}] warn 1", f"[{n}] epoch 2 loss 0.167", f"[{n}] warn 2",
        ]  # fmt: skip
    progress = [line for line in lines if re.match(r"\[\d/2\] job", line)]
    assert sorted(line.split()[2:4] for line in progress) == [["0", "finished"], ["1", "failed"]]
    tail_at = lines.index(f"--- job 1 output (last lines; all of it in logs/{sweep_id}-1.log) ---")
    assert tail_at > max(lines.index(line) for line in progress)
    assert lines[-1] == "ValueError: diverged"
    assert lines[tail_at + 1 :] == (script.parent / "logs" / f"{sweep_id}-1.log").read_text(
    ).splitlines()[-20:]
    assert [row.split()[:4] for row in done.stdout.splitlines()] == [
        ["job", "overrides", "status", "result"],
        ["0", "mode=talk", "finished", "0.5"],
        ["1", "mode=fail", "failed", "ValueError:"],
    ]
    assert sorted(p.name for p in (script.parent / "logs").iterdir()) == [
        f"{sweep_id}-0.log", f"{sweep_id}-1.log",
    ]  # fmt: skip


def test_quiet_jobs_keeps_progress_summary_and_failed_tail(script: Path) -> None:
    """--quiet-jobs: no job line while the sweep runs; progress, table and the failed tail stay;
    without --logs or a run store no file is written."""
    done = sweep(script, "mode=talk,fail", "--quiet-jobs", "--jobs=1")
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert not any(re.match(r"\[\d+\] ", line) for line in lines)
    assert [line.split()[:4] for line in lines[1:3]] == [
        ["[1/2]", "job", "0", "finished"], ["[2/2]", "job", "1", "failed"],
    ]  # fmt: skip
    assert lines[3] == "--- job 1 output (last lines) ---"
    assert lines[-1] == "ValueError: diverged"
    assert "warn 2" in lines[4:]
    assert len(done.stdout.splitlines()) == 3
    assert sorted(p.name for p in script.parent.iterdir()) == ["prog.py"]
