"""A 2x2 sweep run locally, on Ray and on Slurm, every job validated first, results grouped.

`train.py` is an ordinary `@typedcfg.main` program. With `--multirun`, the comma lists become
a grid of 4 jobs (Hydra's sweep grammar); all 4 configs are composed and validated before any
job starts, then each job runs in its own process and is recorded in `runs/toy/` with the
sweep's id. The first sweep runs in local processes, the second as Ray tasks on a local Ray
cluster (1 CPU each), the third as one Slurm job array. `typedcfg runs group` then puts the
three runs of each configuration side by side: same config, same loss, whichever launcher ran
it.

Each job prints its loss after every epoch: the local sweep shows those lines as they come,
after the job's number (`[2] epoch 1 loss 1.9612`), and also keeps each job's lines in
`logs/<sweep>-<job>.log`; the Ray sweep shows only its progress lines (`--quiet-jobs`). Either
way every job's output is in `output.log` in its run directory.

Usage:
    python train.py --multirun optim.lr=0.1,0.01 data.batch_size=16,64 --jobs 2 --logs logs
    python train.py -m optim.lr=0.1,0.01 data.batch_size=16,64 --launcher ray --quiet-jobs
    python train.py --multirun optim.lr=0.1,0.01 data.batch_size=16,64 --launcher slurm
    python -m typedcfg runs group toy --by optim.lr --by data.batch_size --metric val_loss
    python train.py --multirun optim.lr=0.1,-1 data.batch_size=16,64

Run them from this directory (Ray: `pip install 'typedcfg[ray]'`; Slurm: `pip install
'typedcfg[slurm]'` on a machine where `sbatch` works). The last one exits with status 2 and
runs nothing: two of its four combinations have a negative learning rate.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

import typedcfg


class Optim(BaseModel):
    name: Literal["adam", "sgd"] = "adam"
    lr: float = Field(default=0.001, gt=0, description="Learning rate.")


class Data(BaseModel):
    batch_size: int = Field(default=32, gt=0, description="Examples per step.")


class Config(BaseModel):
    optim: Optim = Optim()
    data: Data = Data()
    epochs: int = Field(default=4, ge=1, description="Passes over the data.")


@typedcfg.main(Config, runs_dir="runs", project="toy")
def train(cfg: Config) -> float:
    """A stand-in for training: larger steps learn faster but settle at a higher loss."""
    step = min(cfg.optim.lr * (64 / cfg.data.batch_size) ** 0.5, 0.9)
    loss = 2.0
    for epoch in range(cfg.epochs):
        loss = loss * (1 - step) + 0.5 * step * step
        print(f"epoch {epoch} loss {loss:.4f}")
    run = typedcfg.current_run()
    if run is not None:
        run.summary["val_loss"] = round(loss, 4)
    return round(loss, 4)


if __name__ == "__main__":
    train()
