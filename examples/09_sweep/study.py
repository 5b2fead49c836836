"""An Optuna study over the same train.py: sampled, stopped, resumed, read back with Optuna.

`train.py` needs no change for a search. With `--sweeper optuna`, `--multirun` samples the
learning rate on a log scale, trial by trial, with Optuna's TPE sampler; both bounds are
validated against the schema before the first trial. The objective is what `train()` returns
(the loss), so the study minimizes it, and the sweep ends with the best trial. The study lives
in `sweeps.db` (`--study lr`): the second command asks for 8 trials of the same study, so it
resumes it and runs the 2 missing ones (a sweep stopped by Ctrl-C resumes the same way). This
script then reads the study with Optuna itself. The last command exits with status 2 and runs
nothing: a learning rate of -1 is not greater than 0.

Usage:
    python train.py -m optim.lr=tag(log,interval(0.001,0.9)) --sweeper optuna --trials 6 --study lr
    python train.py -m optim.lr=tag(log,interval(0.001,0.9)) --sweeper optuna --trials 8 --study lr
    python study.py lr
    python train.py --multirun optim.lr=interval(-1,1) --sweeper optuna --trials 4

Run them from this directory (Optuna: `pip install 'typedcfg[optuna]'`).
"""

from __future__ import annotations

import sys

import optuna


def main(name: str) -> None:
    """Print each trial of the study ``name`` in sweeps.db, then the best one."""
    study = optuna.load_study(study_name=name, storage="sqlite:///sweeps.db")
    for trial in study.trials:
        params = " ".join(f"{key}={value}" for key, value in trial.params.items())
        print(f"{trial.number}  {trial.state.name:8}  {trial.value}  {params}")
    best = study.best_trial
    print(f"best: trial {best.number}, loss {best.value}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "lr")
