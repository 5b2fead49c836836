"""``--sweep-config``: wandb sweep files (wandb/sweeps' own examples) read and run locally.

The key names are checked against wandb's sweep config schema (the names kept in
tests/data/wandb_sweeps/schema_keys.json); the grid order is wandb's (parameters by name, the
first slowest).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from typedcfg.errors import ConfigFileError
from typedcfg.sweeps import wandb_sweep
from typedcfg.sweeps.samplers import CATEGORICAL, FLOAT, INT
from typedcfg.sweeps.wandb_sweep import read_sweep_config

DATA = Path(__file__).parent / "data" / "wandb_sweeps"
KEYS = json.loads((DATA / "schema_keys.json").read_text(encoding="utf-8"))
TRIAL = re.compile(r"\[\d+/\d+\] trial (\d+) (\w+) in [\d.]+s \((.*)\)(?:: (.*))?$")


def test_key_names_are_wandbs() -> None:
    """Every key wandb's schema knows is read (used, ignored or refused with a reason)."""
    assert sorted(wandb_sweep._TOP) == KEYS["top"]
    assert sorted(wandb_sweep._PARAM_KEYS) == KEYS["parameter"]
    known = (*wandb_sweep._DISTRIBUTIONS, *wandb_sweep._OTHER_DISTRIBUTIONS)
    assert sorted(known) == KEYS["distributions"]
    assert sorted(wandb_sweep._METRIC_KEYS) == KEYS["metric"]
    assert set(wandb_sweep._METHODS) == set(KEYS["methods"]) - {"custom"}


def test_wandbs_grid_example() -> None:
    sweep = read_sweep_config(str(DATA / "sweep-grid.yaml"))
    assert sweep.settings.sampler == "grid"
    assert sweep.settings.trials == 27
    assert (sweep.settings.direction, sweep.settings.objective) == ("minimize", "loss_metric")
    assert [(p.key, p.choices) for p in sweep.params] == [
        ("base", (10, 15, 20)), ("direction", (-1, 0.1, 1)), ("increment", (0.1, 0.2, 0.3)),
    ]  # fmt: skip
    assert [t for t, _ in sweep.fixed] == ["epochs=5", "sleep=0.5", "variance=5"]
    assert str(sweep.fixed[0][1]).endswith("sweep-grid.yaml:20:12")


def test_wandbs_bayes_and_nested_examples() -> None:
    bayes = read_sweep_config(str(DATA / "sweep-bayes.yaml"))
    assert (bayes.settings.sampler, bayes.capped) == ("TPESampler", False)
    nested = read_sweep_config(str(DATA / "sweep-nested-cli.yaml"))
    assert [p.key for p in nested.params] == [
        "batch_size", "optimizer.lr", "optimizer.nadam.beta",
    ]  # fmt: skip
    assert nested.settings.trials == 8


def _sweep(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sweep.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return str(path)


def test_distributions(tmp_path: Path) -> None:
    sweep = read_sweep_config(_sweep(tmp_path, """
        method: random
        run_cap: 5
        parameters:
          a: {min: 0.0, max: 1.0}
          b: {min: 1, max: 8}
          c: {distribution: log_uniform_values, min: 0.0001, max: 0.1}
          d: {distribution: q_uniform, min: 16, max: 250, q: 16}
          e: {distribution: q_log_uniform_values, min: 1, max: 1000, q: 10}
          f: {distribution: categorical, values: [x, y]}
          g: {distribution: log_uniform, min: 0, max: 2}
    """))  # fmt: skip
    got = {p.key: (p.kind, p.low, p.high, p.step, p.log, p.quantum) for p in sweep.params}
    assert got["a"] == (FLOAT, 0.0, 1.0, None, False, None)
    assert got["b"] == (INT, 1, 8, None, False, None)
    assert got["c"] == (FLOAT, 0.0001, 0.1, None, True, None)
    assert got["d"] == (INT, 16, 240, 16, False, None)  # the last multiple of q below max
    assert got["e"] == (FLOAT, 1.0, 1000.0, None, True, 10.0)
    assert got["f"][0] == CATEGORICAL
    assert got["g"][1:3] == pytest.approx((1.0, 7.389056), rel=1e-6)
    e = next(p for p in sweep.params if p.key == "e")
    assert e.value(123.4) == 120 and e.value(5.1) == 10
    assert sweep.settings.trials == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("method: random\nrun_cap: 2\nparamters: {a: {values: [1]}}\n",
         "sweep.yaml:3:12: paramters: not a key of a wandb sweep config; did you mean "
         "'parameters'?"),
        ("method: grid\nparameters:\n  a: {valuse: [1, 2]}\n",
         "sweep.yaml:3:15: parameters.a.valuse: not a key of a sweep parameter; did you mean "
         "'value' or 'values'?"),
        ("method: random\nparameters:\n  a: {distribution: unifrom, min: 0, max: 1}\n",
         "sweep.yaml:3:21: parameters.a.distribution: unknown distribution 'unifrom'; did you "
         "mean 'uniform'?\n  hint: the distributions are categorical, constant, uniform, "
         "int_uniform, q_uniform, log_uniform, log_uniform_values, q_log_uniform, "
         "q_log_uniform_values"),
        ("method: random\nparameters:\n  a: {distribution: normal, mu: 0, sigma: 1}\n",
         "sweep.yaml:3:21: parameters.a.distribution: distribution 'normal' has no Optuna "
         "counterpart in a local sweep\n  hint: the distributions are categorical, constant, "
         "uniform, int_uniform, q_uniform, log_uniform, log_uniform_values, q_log_uniform, "
         "q_log_uniform_values"),
        ("method: bayes\nparameters:\n  a: {min: 2, max: 1}\n",
         "sweep.yaml:3:6: parameters.a: min 2 is not less than max 1"),
        ("method: hyperband\nparameters:\n  a: {values: [1]}\n",
         "sweep.yaml:1:9: method: method must be grid, random or bayes, not 'hyperband'"),
        ("method: grid\nmetric: {name: loss, goal: lower}\nparameters:\n  a: {values: [1]}\n",
         "sweep.yaml:2:28: metric.goal: goal is minimize or maximize, not 'lower'"),
        ("method: grid\nparameters:\n  a: {min: 0.0, max: 1.0}\n",
         "sweep.yaml:3:6: parameters.a: a grid sweep lists values: give values (or "
         "int_uniform bounds), not a continuous uniform(0.0, 1.0)"),
        ("method: grid\nearly_terminate: {type: hyperband, min_iter: 3}\nparameters:\n"
         "  a: {values: [1]}\n",
         "sweep.yaml:2:18: early_terminate: early_terminate is a wandb server feature that a "
         "local sweep does not run\n  hint: remove it: every trial runs to its end"),
    ],
    ids=["top-key", "param-key", "distribution", "no-counterpart", "min-max", "method",
         "goal", "grid-continuous", "early-terminate"],
)  # fmt: skip
def test_bad_sweep_configs_are_located(
    tmp_path: Path, text: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sweep.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigFileError) as caught:
        read_sweep_config("sweep.yaml")
    assert caught.value.render() == message


PROGRAM = textwrap.dedent(
    '''
    import math
    from pydantic import BaseModel, Field
    import typedcfg

    class Optim(BaseModel):
        lr: float = Field(0.01, gt=0)
        name: str = "adam"

    class Config(BaseModel):
        optim: Optim = Optim()
        epochs: int = Field(3, ge=1)

    @typedcfg.main(Config)
    def train(cfg: Config) -> dict[str, float]:
        loss = (math.log10(cfg.optim.lr) + 2) ** 2 + (cfg.optim.name == "sgd") + 1 / cfg.epochs
        return {"loss": round(loss, 6), "acc": round(1 / (1 + loss), 6)}

    if __name__ == "__main__":
        train()
    '''
)


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("TYPEDCFG_RUNS_DIR", None)
    return subprocess.run(
        [sys.executable, "train.py", "--multirun", *args], cwd=folder, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_a_grid_sweep_file_runs_in_wandbs_order(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(PROGRAM, encoding="utf-8")
    _sweep(tmp_path, """
        program: train.py
        method: grid
        metric: {name: acc, goal: maximize}
        parameters:
          optim:
            parameters:
              name: {values: [adam, sgd]}
              lr: {values: [0.1, 0.01]}
          epochs: {value: 2}
    """)  # fmt: skip
    done = _run(tmp_path, "--sweep-config", "sweep.yaml", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    lines = [m for m in map(TRIAL.match, done.stderr.splitlines()) if m]
    assert sorted((int(m[1]), m[3]) for m in lines) == [
        (0, "optim.lr=0.1 optim.name=adam"), (1, "optim.lr=0.1 optim.name=sgd"),
        (2, "optim.lr=0.01 optim.name=adam"), (3, "optim.lr=0.01 optim.name=sgd"),
    ]  # fmt: skip
    assert done.stderr.splitlines()[0].endswith("(grid, maximize) in memory, 4 trials, 2 at a time")
    assert done.stdout.splitlines()[-1] == (
        "best trial 2: objective 0.666667 (maximize) with optim.lr=0.01 optim.name=adam"
    )


def test_a_random_sweep_file_with_run_cap_and_command_line_overrides(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(PROGRAM, encoding="utf-8")
    _sweep(tmp_path, """
        method: bayes
        metric: {name: loss}
        run_cap: 3
        parameters:
          optim.lr: {distribution: log_uniform_values, min: 0.001, max: 1.0}
          epochs: {values: [1, 2, 3]}
    """)  # fmt: skip
    done = _run(tmp_path, "--sweep-config", "sweep.yaml", "epochs=4", "--seed", "5")
    assert done.returncode == 0, done.stderr
    lines = [m for m in map(TRIAL.match, done.stderr.splitlines()) if m]
    assert len(lines) == 3
    assert all(m[3].startswith("optim.lr=") and "epochs" not in m[3] for m in lines)
    assert "(TPESampler, minimize)" in done.stderr.splitlines()[0]
    # A bayes sweep without run_cap runs until wandb's server stops it: here, --trials.
    _sweep(tmp_path, "method: bayes\nparameters:\n  optim.lr: {min: 0.01, max: 0.1}\n")
    done = _run(tmp_path, "--sweep-config", "sweep.yaml")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "argv[1] '--sweep-config sweep.yaml': a random or bayes sweep runs until it is stopped "
        "on wandb's server; a local one needs run_cap in the sweep file or --trials N"
    ]


def test_a_sweep_file_value_outside_the_schema_is_located_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(PROGRAM, encoding="utf-8")
    _sweep(tmp_path, """
        method: random
        run_cap: 2
        parameters:
          epochs: {values: [0, 1]}
    """)  # fmt: skip
    done = _run(tmp_path, "--sweep-config", "sweep.yaml")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "sweep.yaml:4:11: epochs: Input should be greater than or equal to 1 (got 0): 0, a "
        "choice of values [0, 1]",
        "1 problem in the search space; no trial ran",
    ]
