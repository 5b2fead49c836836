"""``hydra.sweeper`` settings read from a config tree, as hydra-optuna-sweeper reads them.

Two real parts: hydra-optuna-sweeper itself runs the same tree with Hydra, and the seeded
study must draw the same trials and find the same best; and the Lightning-Hydra template's
``hparams_search=mnist_optuna`` (tests/corpus/hydra-template/configs) runs as written.

hydra-optuna-sweeper 1.3.0 pins optuna<3; .ci/run installs it without its dependencies, next to
the Optuna this project uses (its deprecated distribution classes still work there).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "tests" / "corpus" / "hydra-template" / "configs"
TRIAL = re.compile(r"\[\d+/\d+\] trial (\d+) (\w+) in [\d.]+s \((.*)\)(?:: (.*))?$")

TREE = """
defaults:
  - override hydra/sweeper: optuna
x: 0.1
y: 1
name: a
hydra:
  sweeper:
    sampler:
      _target_: optuna.samplers.TPESampler
      seed: 7
      n_startup_trials: 3
    direction: minimize
    n_trials: 8
    n_jobs: 2
    params:
      x: interval(0.0, 1.0)
      y: int(interval(1, 9))
      name: choice(a, b, c)
"""

OBJECTIVE = "(cfg.x - 0.3) ** 2 + cfg.y / 10 + (0.5 if cfg.name == 'b' else 0)"

HYDRA_APP = f"""
import hydra

@hydra.main(version_base=None, config_path=".", config_name="config")
def main(cfg) -> float:
    return {OBJECTIVE}

if __name__ == "__main__":
    main()
"""

TYPEDCFG_APP = f"""
import os
from pydantic import BaseModel, Field
import typedcfg

class Config(BaseModel):
    x: float = Field(ge=0)
    y: int = Field(ge=1)
    name: str

@typedcfg.main(Config, config_dir=os.path.dirname(os.path.abspath(__file__)),
               config_name="config", defaults=None)
def main(cfg: Config) -> float:
    return {OBJECTIVE}

if __name__ == "__main__":
    main()
"""


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", HYDRA_FULL_ERROR="1")
    env.pop("TYPEDCFG_RUNS_DIR", None)
    return env


def _run(folder: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, script, "-m", *args], cwd=folder, env=_env(), capture_output=True,
        text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(TREE.lstrip(), encoding="utf-8")
    (tmp_path / "hydra_app.py").write_text(HYDRA_APP, encoding="utf-8")
    (tmp_path / "app.py").write_text(TYPEDCFG_APP, encoding="utf-8")
    return tmp_path


def _peer(folder: Path, *args: str) -> tuple[list[str], dict[str, object]]:
    """Run hydra-optuna-sweeper: each trial's overrides in order, and its results file."""
    out = folder / "hydra-out"
    done = _run(folder, "hydra_app.py", f"hydra.sweep.dir={out}", *args)
    assert done.returncode == 0, done.stderr
    launched = re.findall(r"#(\d+) : (.*)$", done.stdout + done.stderr, flags=re.M)
    results = yaml.safe_load((out / "optimization_results.yaml").read_text(encoding="utf-8"))
    return [line.strip() for _, line in sorted(launched, key=lambda m: int(m[0]))], results


def _ours(folder: Path, *args: str) -> tuple[list[str], str, subprocess.CompletedProcess[str]]:
    done = _run(folder, "app.py", *args)
    assert done.returncode == 0, done.stderr
    found = [TRIAL.match(line) for line in done.stderr.splitlines()]
    trials = sorted((int(m[1]), m[3]) for m in found if m)
    return [overrides for _, overrides in trials], done.stdout.splitlines()[-1], done


@pytest.mark.parametrize(
    "args",
    [(), ("hydra.sweeper.n_trials=4", "name=choice(b, c)", "hydra.sweeper.sampler.seed=11"),
     ("y=3",)],
    ids=["as-written", "command-line-overrides", "fixed-value"],
)  # fmt: skip
def test_same_trials_and_best_as_hydra_optuna_sweeper(tree: Path, args: tuple[str, ...]) -> None:
    """Same tree, same seed: the same overrides for every trial, in batches of n_jobs, and the
    same best parameters and value (TPE past its 3 startup trials)."""
    theirs, results = _peer(tree, *args)
    ours, best, done = _ours(tree, *args)
    # The plugin's lines also show the fixed values (y=3); a trial's label here, the sampled.
    assert ours == [" ".join(p for p in line.split() if p not in args) for line in theirs]
    assert len(ours) == (4 if args and args[0].endswith("=4") else 8)
    params = results["best_params"]
    assert isinstance(params, dict)
    shown = " ".join(
        f"{k}={v!r}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()
    )
    assert best == f"best trial {best.split()[2].rstrip(':')}: objective " \
        f"{float(results['best_value']):.6g} (minimize) with {shown}"  # type: ignore[arg-type]
    assert ", 2 at a time" in done.stderr.splitlines()[0]


def test_flags_override_the_tree(tree: Path) -> None:
    _, best, done = _ours(tree, "--trials", "2", "--direction", "maximize", "--jobs", "1")
    first = done.stderr.splitlines()[0]
    assert first.endswith("(TPESampler, maximize) in memory, 2 trials, 1 at a time")
    assert "(maximize)" in best


def test_a_tree_setting_hydra_optuna_sweeper_does_not_know(tree: Path) -> None:
    text = TREE.replace("    n_trials: 8", "    n_trails: 8")
    (tree / "config.yaml").write_text(text.lstrip(), encoding="utf-8")
    done = _run(tree, "app.py")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "config.yaml:13:15: hydra.sweeper.n_trails: hydra-optuna-sweeper has no "
        "such setting; did you mean 'n_trials'?"
    ]


def test_a_tree_distribution_outside_the_schema_is_located_in_the_tree(tree: Path) -> None:
    text = TREE.replace("y: int(interval(1, 9))", "y: int(interval(0, 9))")
    (tree / "config.yaml").write_text(text.lstrip(), encoding="utf-8")
    done = _run(tree, "app.py")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "config.yaml:17:10: y: Input should be greater than or equal to 1 (got 0): "
        "the lower bound of int(interval(0, 9))",
        "1 problem in the search space; no trial ran",
    ]


TEMPLATE_APP = f"""
from typing import Any
from pydantic import BaseModel, ConfigDict, Field
import typedcfg


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Optimizer(Open):
    lr: float = Field(gt=0)


class Net(Open):
    lin1_size: int = Field(gt=0)
    lin2_size: int = Field(gt=0)
    lin3_size: int = Field(gt=0)


class Model(Open):
    optimizer: Optimizer
    net: Net


class Data(Open):
    batch_size: int = Field(gt=0, le=128)


class Train(Open):
    model: Model
    data: Data
    optimized_metric: str | None = None


@typedcfg.main(Train, config_dir={str(TEMPLATE)!r}, config_name="train", defaults=None)
def train(cfg: Train) -> float:
    net = cfg.model.net
    return round(1 - abs(cfg.model.optimizer.lr - 0.01) - net.lin1_size / 10000, 6)


if __name__ == "__main__":
    train()
"""


@pytest.fixture
def template(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(TEMPLATE_APP, encoding="utf-8")
    return tmp_path


PATHS = ("paths.root_dir=.", "paths.output_dir=out", "paths.log_dir=logs")


def test_template_hparams_search_runs_as_written(template: Path) -> None:
    """``-m hparams_search=mnist_optuna``: its five params, maximize, seed 1234; the choice of
    batch size 256 breaks this schema's le=128, located at the template's own line."""
    done = _run(template, "train.py", "hparams_search=mnist_optuna", *PATHS)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{TEMPLATE / 'hparams_search' / 'mnist_optuna.yaml'}:49:24: data.batch_size: Input "
        "should be less than or equal to 128 (got 256): 256, a choice of choice(32, 64, 128, 256)",
        "1 problem in the search space; no trial ran",
    ]
    # The command line overrides the tree: its own choice of batch sizes, fewer trials.
    done = _run(template, "train.py", "hparams_search=mnist_optuna", *PATHS,
                "data.batch_size=choice(32, 64)", "hydra.sweeper.n_trials=3")  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].endswith("(TPESampler, maximize) in memory, 3 trials, 1 at a time")
    found = [TRIAL.match(line) for line in lines]
    trials = [m for m in found if m]
    assert len(trials) == 3
    for trial in trials:
        keys = [item.partition("=")[0] for item in trial[3].split()]
        assert keys == ["model.optimizer.lr", "data.batch_size", "model.net.lin1_size",
                        "model.net.lin2_size", "model.net.lin3_size"]  # fmt: skip
    objectives = [float(m[4].removeprefix("objective ")) for m in trials]
    best = done.stdout.splitlines()[-1]
    assert best.startswith(f"best trial {objectives.index(max(objectives))}: objective ")
    assert f" {max(objectives):.6g} (maximize) with model.optimizer.lr=" in best
