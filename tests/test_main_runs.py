"""@typedcfg.main(..., runs_dir=...) records each call; TYPEDCFG_RUNS_DIR does too; else nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

import typedcfg


class Config(BaseModel):
    lr: float = 0.1


def test_runs_dir_records_the_call_with_summary_and_status(cwd: Path) -> None:
    """Each call is a run under runs/<project>/<id>/, finished, with the summary written."""

    @typedcfg.main(Config, runs_dir="runs", project="demo", defaults=None)
    def train(cfg: Config) -> float:
        run = typedcfg.current_run()
        assert run is not None
        run.summary["loss"] = cfg.lr * 2
        return cfg.lr

    assert train(argv=["lr=0.5"]) == 0.5
    [run] = typedcfg.Api("runs").runs("demo")
    assert run.config == {"lr": 0.5}
    assert dict(run.summary) == {"loss": 1.0}
    assert run.meta["argv"] == ["lr=0.5"]
    assert run.state == "finished"
    assert run.source_of(("lr",)) == "argv[0] 'lr=0.5'"


def test_project_defaults_to_the_function_name(cwd: Path) -> None:
    """Without project=, runs go under the decorated function's name."""

    @typedcfg.main(Config, runs_dir="runs", defaults=None)
    def fit(cfg: Config) -> None:
        pass

    fit(argv=[])
    assert typedcfg.Api("runs").projects() == ["fit"]


def test_environment_variable_turns_recording_on(cwd: Path) -> None:
    """TYPEDCFG_RUNS_DIR (read from environ=, default os.environ) records without runs_dir."""

    @typedcfg.main(Config, defaults=None, environ={"TYPEDCFG_RUNS_DIR": "from-env"})
    def train(cfg: Config) -> None:
        assert typedcfg.current_run() is not None

    train(argv=[])
    assert len(typedcfg.Api("from-env").runs("train")) == 1


def test_without_runs_dir_nothing_is_written(cwd: Path) -> None:
    """No runs_dir and no TYPEDCFG_RUNS_DIR: current_run() is None and no file appears."""

    @typedcfg.main(Config, defaults=None, environ={})
    def train(cfg: Config) -> None:
        assert typedcfg.current_run() is None

    train(argv=[])
    assert list(cwd.iterdir()) == []


def test_a_failing_function_is_recorded_as_failed(cwd: Path) -> None:
    """The function's exception propagates untouched; the run says failed with the error."""

    @typedcfg.main(Config, runs_dir="runs", project="p", defaults=None)
    def train(cfg: Config) -> None:
        raise RuntimeError("out of memory")

    with pytest.raises(RuntimeError, match="out of memory"):
        train(argv=[])
    [run] = typedcfg.Api("runs").runs("p")
    assert (run.state, run.meta["error"]) == ("failed", "RuntimeError: out of memory")


def test_a_bad_project_name_exits_2(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A project that cannot be a directory name is a usage error: exit 2, located message."""

    @typedcfg.main(Config, runs_dir="runs", project="a/b", defaults=None)
    def train(cfg: Config) -> None:
        raise AssertionError("not called")

    with pytest.raises(SystemExit) as info:
        train(argv=[])
    assert info.value.code == 2
    assert capsys.readouterr().err.startswith("runs: project 'a/b' cannot be a directory name")
    assert json.dumps(list(cwd.iterdir()), default=str) == "[]"
