"""Record a small sweep of a toy training function as runs, then compare the runs by config.

`train.py` trains a toy model for every combination of two learning rates and two batch
sizes and records each run in the run store (`runs/toy/<run id>/`, or under
$TYPEDCFG_RUNS_DIR): its config.yaml in wandb's format, where every value came from
(config-defaults.yaml or the command line), argv, status, and the final val_loss in its
summary. `typedcfg runs` then lists the runs with the keys that differ, groups them by learning
rate, and diffs two of them. `fix_run.py` corrects a run's config through the Api (validated
against the schema), and the last diff shows the corrected key and where it now comes from.
`typedcfg runs report` writes all of it as one HTML page to open in a browser, offline
(`runs/report.html`): the runs table, groups, a comparison of ticked runs, and plots.

Usage:
    python train.py
    python -m typedcfg runs ls toy
    python -m typedcfg runs group toy --by optim.lr --metric val_loss
    python -m typedcfg runs diff toy/lr0.01-bs16 toy/lr0.1-bs64
    python fix_run.py toy/lr0.1-bs64
    python -m typedcfg runs diff toy/lr0.01-bs16 toy/lr0.1-bs64
    python -m typedcfg runs report toy

Running train.py again skips the runs that are already recorded.
"""

from __future__ import annotations

import os
from pathlib import Path

from config_schema import Config

import typedcfg
from typedcfg.runs.store import default_root


def train(cfg: Config) -> float:
    """A stand-in for training: larger steps learn faster but settle at a higher loss."""
    step = min(cfg.optim.lr * (64 / cfg.data.batch_size) ** 0.5, 0.9)
    loss = 2.0
    for _ in range(cfg.epochs):
        loss = loss * (1 - step) + 0.5 * step * step
    run = typedcfg.current_run()
    if run is not None:  # None when the function is called without recording
        run.summary["val_loss"] = round(loss, 4)
    return loss


def sweep(root: str) -> None:
    """Train and record one run per combination of optim.lr and data.batch_size."""
    for lr in (0.01, 0.1):
        for batch_size in (16, 64):
            argv = [f"optim.lr={lr}", f"data.batch_size={batch_size}"]
            run_id = f"lr{lr}-bs{batch_size}"
            if (Path(root) / "toy" / run_id).exists():
                print(f"toy/{run_id}: already recorded")
                continue
            loaded = typedcfg.compose(Config, argv)
            with typedcfg.record_run(
                loaded, runs_dir=root, project="toy", run_id=run_id, program="train.py"
            ) as run:
                loss = train(loaded.config)
            print(f"{run.path}: val_loss={loss:.4f}")


if __name__ == "__main__":
    sweep(default_root(None, os.environ))
