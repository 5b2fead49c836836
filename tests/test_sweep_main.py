"""``python train.py --multirun ...``: validation before launch, the local launcher, Ctrl-C.

Each test writes a real program into a temporary directory and runs it as a user would, in a
subprocess, so the jobs are real processes started again from the user's script.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PROGRAM = """
import os
import time
from pathlib import Path

from pydantic import BaseModel

import typedcfg


class Optim(BaseModel):
    lr: float = 0.1


class Config(BaseModel):
    optim: Optim = Optim()
    batch_size: int = 32
    sleep: float = 0.0


@typedcfg.main(Config, runs_dir="runs")
def train(cfg: Config) -> float:
    Path("started").mkdir(exist_ok=True)
    Path("started", f"{cfg.optim.lr}-{cfg.batch_size}-{cfg.sleep}").touch()
    time.sleep(cfg.sleep)
    if cfg.optim.lr == 0.01 and cfg.batch_size == 64:
        raise ValueError("diverged")
    loss = round(cfg.optim.lr * cfg.batch_size, 4)
    run = typedcfg.current_run()
    if run is not None:
        run.summary["loss"] = loss
    print("loss", loss)
    return loss


if __name__ == "__main__":
    train()
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    """The program above, in an empty directory of its own."""
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent(PROGRAM))
    return path


def run(program: Path, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python train.py ARGV...`` in the program's directory."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("TYPEDCFG_RUNS_DIR", None)
    return subprocess.run(
        [sys.executable, program.name, *argv], cwd=program.parent, env=env,
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def metas(program: Path) -> dict[str, dict[str, object]]:
    """meta.json of every recorded run, by run id."""
    root = program.parent / "runs" / "train"
    return {p.name: json.loads((p / "meta.json").read_text()) for p in sorted(root.iterdir())}


def test_bad_combinations_are_all_listed_and_nothing_runs(program: Path) -> None:
    """Every combination is validated first; each bad one is listed, located; no job starts."""
    done = run(program, "--multirun", "optim.lr=0.1,fast", "batch_size=32,big,64")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    number = "Input should be a valid number, unable to parse string as a number"
    integer = "Input should be a valid integer, unable to parse string as an integer"
    assert lines == [
        f"argv[2] 'batch_size=big': batch_size: {integer} (got 'big')",
        "  in job 1 of 6: optim.lr=0.1 batch_size=big",
        f"argv[1] 'optim.lr=fast': optim.lr: {number} (got 'fast')",
        "  in job 3 of 6: optim.lr=fast batch_size=32",
        f"argv[1] 'optim.lr=fast': optim.lr: {number} (got 'fast')",
        f"argv[2] 'batch_size=big': batch_size: {integer} (got 'big')",
        "  in job 4 of 6: optim.lr=fast batch_size=big",
        f"argv[1] 'optim.lr=fast': optim.lr: {number} (got 'fast')",
        "  in job 5 of 6: optim.lr=fast batch_size=64",
        "4 of 6 sweep combinations are invalid; no job ran",
    ]
    assert not (program.parent / "started").exists()
    assert not (program.parent / "runs").exists()


def test_unknown_key_in_a_sweep_is_located_after_the_flags(program: Path) -> None:
    """Locations count the flags the user typed before the bad token (argv as typed)."""
    done = run(program, "-m", "--jobs", "2", "optim.lrr=0.1,0.2")
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == (
        "argv[3] 'optim.lrr=0.1': unknown key 'optim.lrr'; did you mean 'optim.lr'?"
    )
    assert done.stderr.splitlines()[-1] == "2 of 2 sweep combinations are invalid; no job ran"


def test_interval_fails_before_anything_runs(program: Path) -> None:
    """interval() exits 2 with its located message."""
    done = run(program, "-m", "optim.lr=interval(0,1)")
    assert done.returncode == 2
    assert done.stderr.startswith("argv[1] 'optim.lr=interval(0,1)': interval() is a range")


def test_local_sweep_with_a_failing_job(program: Path) -> None:
    """A 2x2 sweep: three jobs finish, one raises; table, exit 1, runs recorded with a sweep."""
    done = run(program, "--multirun", "optim.lr=0.1,0.01", "batch_size=32,64", "--jobs", "2")
    assert done.returncode == 1, done.stderr
    table = [line.split() for line in done.stdout.splitlines()]
    assert [row[:4] for row in table] == [
        ["job", "overrides", "status", "result"],
        ["0", "optim.lr=0.1", "batch_size=32", "finished"],
        ["1", "optim.lr=0.1", "batch_size=64", "finished"],
        ["2", "optim.lr=0.01", "batch_size=32", "finished"],
        ["3", "optim.lr=0.01", "batch_size=64", "failed"],
    ]
    assert [row[4] for row in table[1:4]] == ["3.2", "6.4", "0.32"]
    assert table[4][4:6] == ["ValueError:", "diverged"]
    assert all(row[-1].endswith("s") for row in table[1:])
    stderr = done.stderr.splitlines()
    sweep_id = stderr[0].split()[1].rstrip(":")
    assert stderr[0] == f"sweep {sweep_id}: 4 jobs in local processes, 2 at a time"
    # Jobs end in any order: the counter counts up, each job is reported once; each job's
    # own lines come before its progress line.
    progress = [line for line in stderr if line.startswith("[") and "/4] job " in line]
    assert [line.split()[0] for line in progress] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    for n, loss in enumerate(["3.2", "6.4", "0.32"]):
        assert stderr.index(f"[{n}] loss {loss}") < stderr.index(
            next(line for line in progress if line.split()[1:3] == ["job", str(n)])
        )
    assert sorted(" ".join(line.split()[1:4]) for line in progress) == [
        "job 0 finished", "job 1 finished", "job 2 finished", "job 3 failed",
    ]  # fmt: skip
    assert next(line for line in stderr if "job 3 failed" in line).endswith(
        "s (optim.lr=0.01 batch_size=64): ValueError: diverged"
    )
    assert "ValueError: diverged" in done.stderr  # the failed job's output is shown
    recorded = metas(program)
    assert sorted(recorded) == [f"{sweep_id}-{n}" for n in range(4)]
    assert [recorded[f"{sweep_id}-{n}"]["status"] for n in range(4)] == [
        "finished", "finished", "finished", "failed",
    ]  # fmt: skip
    assert recorded[f"{sweep_id}-1"]["sweep"] == {
        "id": sweep_id, "job": 1, "jobs": 4, "params": {"optim.lr": "0.1", "batch_size": "64"},
    }  # fmt: skip
    assert recorded[f"{sweep_id}-1"]["argv"] == ["optim.lr=0.1", "batch_size=64"]
    log = program.parent / "runs" / "train" / f"{sweep_id}-2" / "output.log"
    assert log.read_text() == "loss 0.32\n"


def test_recorded_config_reproduces_each_job(program: Path) -> None:
    """python train.py --configs runs/.../config.yaml composes exactly the job's config."""
    done = run(program, "-m", "optim.lr=0.1,0.5", "batch_size=range(16,33,16)", "sleep=0")
    assert done.returncode == 0, done.stderr
    recorded = metas(program)
    assert len(recorded) == 4
    for run_id, meta in recorded.items():
        argv = [str(token) for token in meta["argv"]]  # type: ignore[attr-defined]
        job = run(program, *argv, "--cfg")
        again = run(program, "--configs", f"runs/train/{run_id}/config.yaml", "--cfg")
        assert (job.returncode, again.returncode) == (0, 0), again.stderr
        assert again.stdout == job.stdout
        assert f"batch_size: {meta['sweep']['params']['batch_size']}\n" in job.stdout  # type: ignore[index]


def test_runs_group_by_sweep(program: Path) -> None:
    """typedcfg runs group --sweep ID groups the jobs by the keys the sweep varied."""
    done = run(program, "-m", "optim.lr=0.1,0.5", "batch_size=32,16", "--jobs=2")
    assert done.returncode == 0, done.stderr
    sweep_id = done.stderr.split()[1].rstrip(":")
    grouped = subprocess.run(
        [sys.executable, "-m", "typedcfg.runs.cli", "group", "--sweep", sweep_id,
         "--metric", "loss"],
        cwd=program.parent, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (grouped.returncode, grouped.stderr) == (0, "")
    assert grouped.stdout.splitlines() == [
        "optim.lr  batch_size  count  loss mean  std  min  max  n",
        "0.1       16          1      1.6        -    1.6  1.6  1",
        "0.1       32          1      3.2        -    3.2  3.2  1",
        "0.5       16          1      8          -    8    8    1",
        "0.5       32          1      16         -    16   16   1",
    ]
    by_lr = subprocess.run(
        [sys.executable, "-m", "typedcfg.runs.cli", "group", "train", "--sweep", sweep_id,
         "--by", "optim.lr", "--json"],
        cwd=program.parent, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    groups = json.loads(by_lr.stdout)["groups"]
    assert [(g["group"], g["count"]) for g in groups] == [
        ({"optim.lr": 0.1}, 2), ({"optim.lr": 0.5}, 2),
    ]  # fmt: skip


def test_cfg_with_multirun_prints_every_job_and_runs_nothing(program: Path) -> None:
    """--cfg with --multirun is a dry run: each job's composed config, nothing started."""
    done = run(program, "-m", "batch_size=1,2", "--cfg")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        "# job 0: batch_size=1\noptim:\n  lr: 0.1\nbatch_size: 1\nsleep: 0.0\n"
        "# job 1: batch_size=2\noptim:\n  lr: 0.1\nbatch_size: 2\nsleep: 0.0\n"
    )
    assert not (program.parent / "started").exists()


def default_sigint() -> None:
    """In the child: Ctrl-C raises KeyboardInterrupt even when this test runs with SIGINT
    ignored or blocked (as a shell's background job or some CI runners start it); both are
    inherited, and the program under test must see the SIGINT the test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_cancels_pending_jobs_and_keeps_finished_ones(
    program: Path, stop: signal.Signals
) -> None:
    """SIGINT (or SIGTERM): the running job is interrupted and recorded failed, pending jobs
    never start, the finished one stays."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    process = subprocess.Popen(
        [sys.executable, program.name, "-m", "sleep=0,60,0", "--jobs", "1"],
        cwd=program.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=default_sigint,
    )  # fmt: skip
    marker = program.parent / "started" / "0.1-32-60.0"
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert marker.exists()
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    table = [line.split()[:3] for line in out.splitlines()]
    assert table == [
        ["job", "overrides", "status"],
        ["0", "sleep=0", "finished"],
        ["1", "sleep=60", "interrupted"],
        ["2", "sleep=0", "cancelled"],
    ]
    assert err.splitlines()[-1].endswith(" interrupted")
    recorded = metas(program)
    assert sorted((m["sweep"]["job"], m["status"]) for m in recorded.values()) == [  # type: ignore[index]
        (0, "finished"), (1, "failed"),
    ]  # fmt: skip
    failed = next(m for m in recorded.values() if m["status"] == "failed")
    assert failed["error"] == "KeyboardInterrupt"
    assert sorted(p.name for p in (program.parent / "started").iterdir()) == [
        "0.1-32-0.0", "0.1-32-60.0",
    ]  # fmt: skip


def test_a_job_cannot_start_a_sweep(program: Path) -> None:
    """A program whose job would start --multirun again is refused (no endless sweeps)."""
    env = dict(os.environ, TYPEDCFG_SWEEP_JOB="1")
    done = subprocess.run(
        [sys.executable, program.name, "-m", "batch_size=1,2"],
        cwd=program.parent, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (
        2, "--multirun: a job of a sweep cannot start another sweep\n",
    )  # fmt: skip


@pytest.mark.parametrize(
    "command",
    [["run.py"], ["-m", "pkg.train"]],
    ids=["function-in-a-module", "python-dash-m"],
)
def test_jobs_start_the_program_the_way_it_was_started(tmp_path: Path, command: list[str]) -> None:
    """A function imported from a package, or a module run with -m, is found again by jobs."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "train.py").write_text(textwrap.dedent(PROGRAM))
    (tmp_path / "run.py").write_text("from pkg.train import train\n\ntrain()\n")
    done = subprocess.run(
        [sys.executable, *command, "-m", "batch_size=10,20"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [line.split()[2:4] for line in done.stdout.splitlines()[1:]] == [
        ["finished", "1.0"], ["finished", "2.0"],
    ]  # fmt: skip


SECRET_PROGRAM = """
import hashlib
from pathlib import Path

from pydantic import BaseModel, SecretStr

import typedcfg


class Config(BaseModel):
    api_key: SecretStr = SecretStr("default-key")
    lr: float = 0.1


@typedcfg.main(Config, runs_dir="runs")
def train(cfg: Config) -> str:
    # The job gets the real value: it leaves a digest of it, never the value itself.
    digest = hashlib.sha256(cfg.api_key.get_secret_value().encode()).hexdigest()[:12]
    Path(f"got-{digest}-{cfg.lr}").touch()
    return "done"


if __name__ == "__main__":
    train()
"""


def test_swept_secrets_reach_the_jobs_and_are_shown_masked(tmp_path: Path) -> None:
    """A secret field swept on the command line: each job runs with its real value, while the
    progress lines, the summary table and the run records show it masked."""
    import hashlib

    program = tmp_path / "train.py"
    program.write_text(textwrap.dedent(SECRET_PROGRAM))
    secrets = ["S3CR3T-alpha", "S3CR3T-beta"]
    done = run(program, "--multirun", f"api_key={','.join(secrets)}", "lr=1,2", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    digests = {hashlib.sha256(s.encode()).hexdigest()[:12] for s in secrets}
    made = {p.name for p in tmp_path.glob("got-*")}
    assert made == {f"got-{d}-{lr}" for d in digests for lr in (1.0, 2.0)}
    assert "api_key=**********" in done.stdout + done.stderr
    written = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    for secret in secrets:
        assert secret not in done.stdout + done.stderr
        assert secret not in written
    assert all(m["sweep"]["params"]["api_key"] == "**********" for m in metas(program).values())


def test_a_secret_in_a_bad_sweep_or_bad_json_is_not_shown(tmp_path: Path) -> None:
    """A sweep token that fails to expand, or a JSON argument that fails to parse, is reported
    at its argument without the secret value in it."""
    program = tmp_path / "train.py"
    program.write_text(textwrap.dedent(SECRET_PROGRAM))
    done = run(program, "--multirun", "api_key=glob(S3CR3T*)", "lr=1,2")
    assert done.returncode == 2
    assert done.stderr.startswith("argv[1] 'api_key=**********': glob matches no option of group")
    done = run(program, '{"api_key": "S3CR3T-x", "lr": 2,}')
    assert done.returncode == 2
    assert done.stderr.startswith(
        "argv[0] '{**********}': not an override: looks like JSON but is not valid JSON"
    )
    assert "S3CR3T" not in done.stdout + done.stderr
    done = run(program, '{"api_key": "S3CR3T-x", "lr": 2')  # no closing brace
    assert done.stderr.startswith("argv[0] '{**********}': not an override: expected key=value")
    assert "S3CR3T" not in done.stdout + done.stderr
