"""Sampled sweeps end to end: a real program, real Optuna studies in SQLite, real signals.

Each test writes a small ``@typedcfg.main`` program into an empty folder and runs it with
``--multirun --sweeper ...``; the studies are read back with Optuna itself.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import optuna
import pytest

PROGRAM = textwrap.dedent(
    '''
    import math
    import time

    from pydantic import BaseModel, Field, model_validator

    import typedcfg


    class Optim(BaseModel):
        lr: float = Field(0.01, gt=0)
        name: str = "adam"


    class Config(BaseModel):
        optim: Optim = Optim()
        warmup: int = 0
        epochs: int = 3
        fail_above: float = 10.0
        returns: str = "number"
        sleep: float = 0.0

        @model_validator(mode="after")
        def _warmup_shorter(self) -> "Config":
            if self.warmup >= self.epochs:
                raise ValueError("warmup must be shorter than epochs")
            return self


    @typedcfg.main(Config, runs_dir="runs", project="study")
    def train(cfg: Config) -> object:
        print(f"lr {cfg.optim.lr:.4g} starting", flush=True)
        time.sleep(cfg.sleep)
        if cfg.optim.lr > cfg.fail_above:
            raise RuntimeError("diverged")
        loss = round((math.log10(cfg.optim.lr) + 2) ** 2 + (cfg.optim.name == "sgd"), 6)
        if cfg.returns == "mapping":
            return {"loss": loss, "acc": round(1 / (1 + loss), 6)}
        if cfg.returns == "text":
            return "fine"
        return loss


    if __name__ == "__main__":
        train()
    '''
)
TRIAL = re.compile(r"\[(\d+)/(\d+)\] trial (\d+) (\w+) in [\d.]+s \((.*)\)(?:: (.*))?$")


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(PROGRAM, encoding="utf-8")
    return tmp_path


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("TYPEDCFG_RUNS_DIR", None)
    return env


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "train.py", "--multirun", *args], cwd=folder, env=_env(),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def trials(stderr: str) -> list[tuple[int, str, str, str]]:
    """``(trial, status, overrides, after)`` of each progress line."""
    found = [TRIAL.match(line) for line in stderr.splitlines()]
    return [(int(m[3]), m[4], m[5], m[6] or "") for m in found if m]


def test_optuna_study_prints_trials_and_ends_with_the_best(program: Path) -> None:
    """Every trial's line has its objective; the best line names the study's best trial."""
    done = run(program, "optim.lr=tag(log, interval(0.0001, 1))", "optim.name=adam,sgd",
               "--sweeper", "optuna", "--trials", "6", "--seed", "3", "--study", "s1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = trials(done.stderr)
    assert sorted(n for n, *_ in lines) == list(range(6))
    # Each trial's own output, live, prefixed with its number, before its progress line.
    err = done.stderr.splitlines()
    for number, _, overrides, _ in lines:
        lr = float(overrides.split()[0].partition("=")[2])
        own = err.index(f"[{number}] lr {lr:.4g} starting")
        assert own < next(i for i, line in enumerate(err) if f"trial {number} finished" in line)
    assert {status for _, status, *_ in lines} == {"finished"}
    objectives = {n: float(after.removeprefix("objective ")) for n, _, _, after in lines}
    study = optuna.load_study(study_name="s1", storage="sqlite:///" + str(program / "sweeps.db"))
    assert len(study.trials) == 6
    best = study.best_trial
    assert objectives[best.number] == pytest.approx(best.value, rel=1e-5)
    assert best.value == min(objectives.values()) or objectives[best.number] == min(
        objectives.values()
    )
    shown = f"optim.lr={best.params['optim.lr']!r} optim.name={best.params['optim.name']}"
    assert done.stdout.splitlines()[-1] == (
        f"best trial {best.number}: objective {best.value:.6g} (minimize) with {shown}"
    )
    assert done.stderr.splitlines()[0].endswith(
        "study s1 (TPESampler, minimize) in sqlite:///sweeps.db, 6 trials, 1 at a time"
    )
    # Recorded: `runs group --sweep ID` groups the trials by the keys they sampled.
    sweep_id = done.stderr.split()[1].rstrip(":")
    grouped = subprocess.run(
        [sys.executable, "-m", "typedcfg", "runs", "group", "--sweep", sweep_id],
        cwd=program, env=_env(), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert grouped.returncode == 0, grouped.stderr
    rows = grouped.stdout.splitlines()
    assert rows[0].split()[:3] == ["optim.lr", "optim.name", "count"]
    assert len(rows) == 7  # six trials, six distinct learning rates


def test_resumes_after_sigint_mid_study(program: Path) -> None:
    """Ctrl-C stops the study (exit 130); the same command resumes it: the interrupted trial
    runs again with its parameters, and the study ends with exactly the trials asked for."""
    args = ["optim.lr=tag(log, interval(0.0001, 1))", "sleep=0.6", "--sweeper", "random",
            "--trials", "5", "--seed", "1", "--study", "s2"]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "train.py", "--multirun", *args], cwd=program, env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    seen: list[str] = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("[2/5]"):
            break
    time.sleep(0.5)  # the third trial's process is starting (it runs for over a second)
    process.send_signal(signal.SIGINT)
    _, tail = process.communicate(timeout=120)
    seen.append(tail)
    assert process.returncode == 130, "".join(seen)
    assert "the same command resumes study s2 in sqlite:///sweeps.db" in tail
    storage = "sqlite:///" + str(program / "sweeps.db")
    study = optuna.load_study(study_name="s2", storage=storage)
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 2
    stopped = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert len(stopped) == 1  # the trial that was running
    again = run(program, *args)
    assert again.returncode == 0, again.stderr
    assert "resuming after 2 ended trials" in again.stderr.splitlines()[0]
    first = trials(again.stderr)[0]
    assert first[2] == f"optim.lr={stopped[0].params['optim.lr']!r}"
    study = optuna.load_study(study_name="s2", storage=storage)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 5
    lrs = [t.params["optim.lr"] for t in complete]
    assert len(set(lrs)) == 5  # the resumed sampler did not draw the first trials again


def test_resumes_after_a_crash(program: Path) -> None:
    """A sweep killed outright (SIGKILL) leaves a running trial; the next run asks it again."""
    args = ["optim.lr=interval(0.001, 1)", "sleep=30", "--sweeper", "random", "--trials", "1",
            "--study", "s3"]  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "train.py", "--multirun", *args], cwd=program, env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:
        if "trials run in local processes" in line:
            break
    storage = "sqlite:///" + str(program / "sweeps.db")
    running = optuna.trial.TrialState.RUNNING
    for _ in range(100):
        study = optuna.load_study(study_name="s3", storage=storage)
        if any(t.state == running for t in study.trials):
            break
        time.sleep(0.1)
    process.kill()
    process.communicate(timeout=60)
    lr = study.trials[0].params["optim.lr"]
    again = run(program, *args[:1], "sleep=0", *args[2:])
    assert again.returncode == 0, again.stderr
    assert trials(again.stderr)[0][1:3] == ("finished", f"optim.lr={lr!r}")


def test_a_failed_job_is_a_failed_trial(program: Path) -> None:
    """Trials above lr 0.1 raise; the study goes on, and the best is among the others."""
    done = run(program, "optim.lr=interval(0.01, 1)", "fail_above=0.1", "--sweeper", "random",
               "--trials", "6", "--seed", "2")  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = trials(done.stderr)
    failed = [line for line in lines if line[1] == "failed"]
    assert failed and len(failed) < 6
    assert all(after == "RuntimeError: diverged" for *_, after in failed)
    assert done.stdout.splitlines()[-1].startswith("best trial ")
    assert "--- trial" in done.stderr  # the failed trial's last lines of output


def test_objective_key_of_a_returned_mapping(program: Path) -> None:
    done = run(program, "optim.lr=tag(log, interval(0.0001, 1))", "returns=mapping",
               "--sweeper", "random", "--trials", "4", "--objective", "acc",
               "--direction", "maximize")  # fmt: skip
    assert done.returncode == 0, done.stderr
    values = [float(after.split()[1]) for *_, after in trials(done.stderr)]
    best = done.stdout.splitlines()[-1]
    assert best.split(": objective ")[1].startswith(f"{max(values):.6g} (maximize)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["returns=text"], "the objective must be a number, and the function returned 'fine'"),
        (["returns=mapping", "--objective", "los"],
         "the returned mapping has no objective 'los' (keys: loss, acc); did you mean 'loss'?"),
    ],
    ids=["text", "missing-key"],
)  # fmt: skip
def test_an_objective_that_is_not_a_number_fails_the_trial(
    program: Path, args: list[str], message: str
) -> None:
    done = run(program, "optim.lr=interval(0.01, 1)", "--sweeper", "random", "--trials", "2",
               *args)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert [(status, after) for _, status, _, after in trials(done.stderr)] == [
        ("failed", message), ("failed", message),
    ]  # fmt: skip
    assert done.stdout.splitlines()[-1].endswith(": no trial completed")


def test_a_cross_field_failure_is_a_failed_trial_that_never_starts(program: Path) -> None:
    done = run(program, "epochs=3", "warmup=choice(0, 5)", "optim.lr=interval(0.01, 1)",
               "--sweeper", "random", "--trials", "6", "--seed", "4")  # fmt: skip
    lines = trials(done.stderr)
    bad = [line for line in lines if "warmup=5" in line[2]]
    assert bad and all(line[1] == "failed" for line in bad)
    assert all("warmup must be shorter than epochs" in line[3] for line in bad)
    runs = list((program / "runs" / "study").iterdir())
    assert len(runs) == 6 - len(bad)  # the bad trials never started a process


def test_bounds_outside_the_schema_exit_2_and_nothing_runs(program: Path) -> None:
    done = run(program, "epochs=3", "optim.lr=interval(-1, 1)", "--sweeper", "optuna",
               "--trials", "4")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "argv[2] 'optim.lr=interval(-1, 1)': optim.lr: Input should be greater than 0 "
        "(got -1.0): the lower bound of interval(-1, 1)",
        "1 problem in the search space; no trial ran",
    ]
    assert done.stdout == ""
    assert not (program / "runs").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["optim.lr=interval(0.1, 1)", "--sweeper", "bayes", "--trials", "2"],
         "argv[2] '--sweeper bayes': unknown sweeper 'bayes'; the sweepers are random and "
         "optuna (TPE)"),
        (["optim.lr=interval(0.1, 1)", "--sweeper", "optuna", "--trials", "0"],
         "argv[4] '--trials 0': expected a whole number >= 1, got '0'"),
        (["optim.lr=interval(1, 0.1)", "--sweeper", "optuna", "--trials", "2"],
         "argv[1] 'optim.lr=interval(1, 0.1)': bounds reversed: interval(1, 0.1) has its "
         "lower bound 1 above its upper bound 0.1"),
        (["optim.lr=interval(0.1, 1)", "--sweeper", "optuna", "--direction", "down"],
         "argv[4] '--direction down': --direction is minimize or maximize, not 'down'"),
        (["optim.lr=intervall(0.1, 1)", "--trials", "2"],
         "argv[1] 'optim.lr=intervall(0.1, 1)': unknown distribution intervall(); the sampler "
         "reads interval(a, b), int(interval(a, b)), tag(log, interval(a, b)), choice(...) and "
         "range(a, b[, step]); did you mean 'interval'?"),
    ],
    ids=["sweeper", "trials", "reversed", "direction", "unknown-distribution"],
)  # fmt: skip
def test_bad_flags_and_distributions_are_located(
    program: Path, args: list[str], message: str
) -> None:
    done = run(program, *args)
    assert (done.returncode, done.stderr.splitlines()[:1]) == (2, [message])


def test_interval_without_a_sampler_says_how_to_get_one(program: Path) -> None:
    done = run(program, "optim.lr=interval(0.1, 1)")
    assert done.returncode == 2
    assert done.stderr.startswith(
        "argv[1] 'optim.lr=interval(0.1, 1)': interval() is a range to sample from"
    )
    assert "--sweeper optuna --trials N" in done.stderr


def test_a_stored_study_keeps_its_direction(program: Path) -> None:
    first = run(program, "optim.lr=interval(0.1, 1)", "--sweeper", "random", "--trials", "1",
                "--study", "s4")  # fmt: skip
    assert first.returncode == 0, first.stderr
    other = run(program, "optim.lr=interval(0.1, 1)", "--sweeper", "random", "--trials", "2",
                "--study", "s4", "--direction", "maximize")  # fmt: skip
    assert other.returncode == 2
    assert other.stderr.splitlines()[0] == (
        "argv '--direction maximize': study 's4' in sqlite:///sweeps.db was made to minimize "
        "its objective, and this sweep asks to maximize it"
    )


def test_cfg_with_a_sampled_sweep_is_a_dry_run(program: Path) -> None:
    done = run(program, "optim.lr=tag(log, interval(0.001, 1))", "optim.name=adam,sgd",
               "--sweeper", "optuna", "--trials", "3", "--cfg")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        "# 3 trials (TPESampler, minimize) over:",
        "#   optim.lr: tag(log, interval(0.001, 1))  (FloatDistribution(high=1.0, log=True, "
        "low=0.001, step=None))",
        "#   optim.name: adam,sgd  (CategoricalDistribution(choices=('adam', 'sgd')))",
    ]
    assert "  lr: 0.001" in lines
    assert not (program / "runs").exists()
