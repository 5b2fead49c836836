"""One job in its own process (typedcfg.sweeps.jobs) and the local launcher, without a sweep CLI."""

from __future__ import annotations

import os
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from typedcfg.errors import TypedcfgError
from typedcfg.sweeps.jobs import (
    JOB_FILE,
    JobResult,
    JobSpec,
    LauncherError,
    program_command,
    reported,
    run_job,
    summary_table,
    take_job,
    write_outcome,
)
from typedcfg.sweeps.launchers import run_local

PROGRAM = """
import sys
import time
from pathlib import Path

from pydantic import BaseModel

import typedcfg


class Config(BaseModel):
    mode: str = "ok"


@typedcfg.main(Config, defaults=None)
def train(cfg: Config) -> object:
    if cfg.mode == "crash":
        import os
        os._exit(3)  # dies without reporting: no outcome is written
    if cfg.mode == "hang":
        Path("hanging").touch()
        time.sleep(60)
    if cfg.mode == "object":
        return object()
    return {"mode": cfg.mode}


if __name__ == "__main__":
    print("before")
    train()
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """The program above, in an empty directory."""
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(PROGRAM))
    return path


def spec(script: Path, index: int, mode: str) -> JobSpec:
    """Job ``index`` of a sweep 'tst' that sets ``mode``."""
    return JobSpec(
        index, f"mode={mode}", (sys.executable, str(script)), (f"mode={mode}",),
        str(script.parent), {"id": "tst", "job": index, "jobs": 1, "params": {"mode": mode}},
    )  # fmt: skip


def test_job_reports_its_return_value_and_output(script: Path) -> None:
    """A job that returns: finished, its value as JSON data, its output kept, nothing recorded."""
    result = run_job(spec(script, 0, "ok"))
    assert (result.status, result.value, result.error, result.run) == (
        "finished", {"mode": "ok"}, None, None,
    )  # fmt: skip
    assert result.output == "before"


def test_value_that_is_not_data_is_its_repr(script: Path) -> None:
    """A return value JSON cannot hold is reported as its repr."""
    result = run_job(spec(script, 0, "object"))
    assert result.status == "finished"
    assert isinstance(result.value, str) and result.value.startswith("<object object at ")
    assert reported({"a": (1, 2)}) == {"a": [1, 2]}


def test_process_that_dies_without_an_outcome(script: Path) -> None:
    """A job whose process exits on its own is failed with its exit status and last line."""
    result = run_job(spec(script, 0, "crash"))
    assert (result.status, result.error) == ("failed", "exit status 3: before")


def test_cancel_event_interrupts_a_running_job(script: Path) -> None:
    """Setting the cancel event sends SIGINT; the job ends as interrupted with its error."""
    cancel = threading.Event()
    found: list[JobResult] = []
    worker = threading.Thread(
        target=lambda: found.append(run_job(spec(script, 0, "hang"), cancel.is_set))
    )
    worker.start()
    deadline = time.monotonic() + 60
    while not (script.parent / "hanging").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    cancel.set()
    worker.join(timeout=60)
    assert [(r.status, r.error) for r in found] == [("interrupted", "KeyboardInterrupt")]


def test_local_pool_reports_each_job_in_job_order(script: Path) -> None:
    """run_local runs every job, reports each as it ends, and returns them by job number."""
    seen: list[int] = []
    outcome = run_local(
        [spec(script, 0, "a"), spec(script, 1, "crash"), spec(script, 2, "b")],
        jobs=2,
        report=lambda r: seen.append(r.index),
    )
    assert sorted(seen) == [0, 1, 2]
    assert [(r.index, r.status) for r in outcome.results] == [
        (0, "finished"), (1, "failed"), (2, "finished"),
    ]  # fmt: skip
    assert (outcome.failed, outcome.interrupted) == (True, False)


def test_summary_table_shortens_long_errors() -> None:
    """One row per job; long errors are cut; cancelled jobs have no duration."""
    table = summary_table(
        [
            JobResult(0, "a=1", "finished", {"x": 1}, None, 1.25),
            JobResult(1, "a=2", "failed", None, "ValueError: " + "x" * 80, 0.5),
            JobResult(2, "a=3", "cancelled"),
        ]
    )
    assert table.splitlines() == [
        "job  overrides  status     result                                            duration",
        '0    a=1        finished   {"x": 1}                                          1.2s',
        "1    a=2        failed     ValueError: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...  0.5s",
        "2    a=3        cancelled                                                    -",
    ]


def test_job_file_must_be_a_launchers(tmp_path: Path) -> None:
    """A job's identity is read from a job file in a launcher's scratch folder, claimed once;
    a file anywhere else, or one that does not hold a job, is refused."""
    import json
    import tempfile

    scratch = tempfile.mkdtemp(prefix="typedcfg-job-", dir=tmp_path)
    job = os.path.join(scratch, JOB_FILE)
    with open(job, "w") as file:
        json.dump({"id": "s", "job": 3}, file)
    assert take_job(job) == {"id": "s", "job": 3, "result": os.path.join(scratch, "result.json")}
    assert take_job(job) is None  # claimed: a child process of the job runs as a plain program
    elsewhere = tmp_path / JOB_FILE
    elsewhere.write_text('{"id": "s", "job": 0}')
    with pytest.raises(LauncherError) as info:
        take_job(str(elsewhere))
    assert str(info.value) == "env:TYPEDCFG_SWEEP_JOB: not a job file of a typedcfg launcher"
    assert isinstance(info.value, TypedcfgError)
    broken = tempfile.mkdtemp(prefix="typedcfg-job-", dir=tmp_path)
    with open(os.path.join(broken, JOB_FILE), "w") as file:
        file.write("[1]")
    with pytest.raises(LauncherError, match="does not hold a sweep id and job number"):
        take_job(os.path.join(broken, JOB_FILE))


def test_outcome_is_never_written_over_a_file(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    target.write_text("keep")
    with pytest.raises(FileExistsError):
        write_outcome(str(target), {"status": "finished"})
    assert target.read_text() == "keep" and not (tmp_path / "result.json.partial").exists()


def test_program_command_for_module_functions() -> None:
    """A function of an importable module is started again by importing it."""
    command = program_command(summary_table)
    assert command[:2] == (sys.executable, "-c")
    assert "importlib.import_module('typedcfg.sweeps.jobs')" in command[2]
    assert "'summary_table'.split('.')" in command[2]
