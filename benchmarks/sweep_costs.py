"""Sweep overheads (issue 19): what a sampled sweep adds per trial, and a grid's pre-launch check.

Both over the real Lightning-Hydra template tree (tests/corpus/hydra-template/configs) with the
schema ``typedcfg infer`` wrote for it (examples/10_from_hydra/train_schema.py):

- sampler overhead per trial: Optuna's ask (every distribution of the template's
  ``hparams_search=mnist_optuna``), the trial's command line, its composition and validation,
  and tell, in memory, for 1,000 trials (no process is started: that is the job's own cost);
- pre-launch validation of a 1,000-job grid: expanding 10 x 10 x 10 sweep values and composing
  and validating every job, as ``--multirun`` does before the first job starts.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREE = os.path.join(ROOT, "tests", "corpus", "hydra-template", "configs")
PATHS = ["paths.root_dir=.", "paths.output_dir=out", "paths.log_dir=logs"]
TRIALS_TARGET_MS = 10.0
GRID_TARGET_S = 1.0


def _schema() -> type[Any]:
    sys.path.insert(0, os.path.join(ROOT, "examples", "10_from_hydra"))
    try:
        from train_schema import TrainConfig  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    schema: type[Any] = TrainConfig
    return schema


def sampler_overhead(sampler: str, trials: int) -> float:
    """Mean milliseconds per trial: ask, compose and validate, tell."""
    import optuna

    import typedcfg
    from typedcfg.composition.reuse import composed_once
    from typedcfg.sweeps.hydra_sweeper import tree_sweeper
    from typedcfg.sweeps.samplers import read_space

    schema = _schema()
    tokens = ["hparams_search=mnist_optuna", *PATHS]
    found = tree_sweeper(tokens, defaults=None, config_dir=TREE, config_name="train")
    assert found is not None
    space = read_space(tokens, extra=found.params)
    distributions = {p.key: p.distribution() for p in space.params}
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # a script of its own: its logging
    study = optuna.create_study(sampler=getattr(optuna.samplers, sampler)(seed=0))
    start = time.perf_counter()
    with composed_once():  # as the study composes its trials
        for _ in range(trials):
            trial = study.ask(distributions)
            loaded = typedcfg.compose(
                schema, list(space.trial_tokens(trial.params)), defaults=None, config_dir=TREE,
                config_name="train",
            )  # fmt: skip
            study.tell(trial, float(loaded.config.model.optimizer.lr))
    return (time.perf_counter() - start) / trials * 1000


def grid_validation(per_key: int) -> tuple[int, float]:
    """Jobs in a ``per_key``**3 grid, and seconds to expand and validate every one."""
    import typedcfg
    from typedcfg.composition.reuse import composed_once
    from typedcfg.sweeps.grammar import expand

    schema = _schema()
    lrs = ",".join(str(0.001 * (i + 1)) for i in range(per_key))
    sizes = ",".join(str(16 * (i + 1)) for i in range(per_key))
    decay = ",".join(str(0.0001 * i) for i in range(per_key))
    tokens = [*PATHS, f"model.optimizer.lr={lrs}", f"data.batch_size={sizes}",
              f"model.optimizer.weight_decay={decay}"]  # fmt: skip
    start = time.perf_counter()
    jobs = expand(tokens, lambda group: [])
    with composed_once():  # as --multirun checks its jobs before launch
        for job in jobs:
            typedcfg.compose(schema, list(job.tokens), defaults=None, config_dir=TREE,
                             config_name="train")  # fmt: skip
    return len(jobs), time.perf_counter() - start


def measure(quick: bool) -> list[tuple[str, str, bool]]:
    """``(target, measured, met)`` rows; quick mode measures fewer trials and jobs."""
    trials, per_key = (50, 4) if quick else (1000, 10)
    rows: list[tuple[str, str, bool]] = []
    for sampler in ("RandomSampler", "TPESampler"):
        ms = sampler_overhead(sampler, trials)
        rows.append((
            f"sampler overhead per trial <= {TRIALS_TARGET_MS:g} ms at 1,000 trials ({sampler})",
            f"{ms:.1f} ms per trial over {trials} trials", ms <= TRIALS_TARGET_MS,
        ))  # fmt: skip
    jobs, seconds = grid_validation(per_key)
    rows.append((
        f"pre-launch validation of a 1,000-job grid over a real tree <= {GRID_TARGET_S:g} s",
        f"{seconds:.2f} s for {jobs} jobs", seconds * 1000 / jobs <= GRID_TARGET_S,
    ))  # fmt: skip
    return rows


def render(rows: list[tuple[str, str, bool]]) -> str:
    """The rows as a Markdown table."""
    lines = ["### Sweeps (issue 19)", "", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {'met' if ok else '**missed**'} |" for t, m, ok in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(measure(quick="--quick" in sys.argv)))
