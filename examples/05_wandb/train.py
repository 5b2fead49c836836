"""Train a toy model and log its typed config to Weights & Biases (offline unless told otherwise).

The config is composed from ``config-defaults.yaml`` (wandb's desc/value format) and
``key=value`` overrides, validated against ``TrainConfig``, and handed to wandb with
``typedcfg.to_wandb(cfg)``: a nested, JSON-safe dict, so ``run.config`` keeps the structure
(``optim`` stays a dict instead of ``str(model)``), tuples become lists, the ``Path`` becomes
text and the ``SecretStr`` is masked. wandb's UI shows the names ``flatten`` prints.

Usage:
    python train.py
    python train.py optim.lr=0.01 epochs=2
    python train.py optim.lr=fast

The run is offline unless WANDB_MODE says otherwise (``WANDB_MODE=online python train.py``
syncs it); wandb writes under ``./wandb`` or ``$WANDB_DIR``. The third command exits with
status 2 and a located error: ``argv[0] 'optim.lr=fast': optim.lr: ...``.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

import typedcfg


class Optim(BaseModel):
    """Optimizer settings."""

    name: str = Field(default="adam", description="Optimizer name.")
    lr: float = Field(default=1e-3, gt=0, description="Learning rate.")
    betas: tuple[float, float] = Field(
        default=(0.9, 0.999), description="Adam's beta coefficients."
    )


class TrainConfig(BaseModel):
    """Everything one training run needs."""

    epochs: int = Field(default=10, ge=1, description="Number of passes over the training data.")
    batch_size: int = Field(default=64, ge=1, description="Examples per optimisation step.")
    optim: Optim = Optim()
    data_dir: Path = Field(default=Path("data"), description="Where the dataset lives.")
    hub_token: SecretStr = Field(default=SecretStr("not-a-real-token"), description="Never logged.")


MODES: dict[str, Literal["online", "offline", "disabled"]] = {
    "online": "online",
    "offline": "offline",
    "disabled": "disabled",
}


@typedcfg.main(TrainConfig)
def train(cfg: TrainConfig) -> float:
    """Log the config to wandb, 'train' for cfg.epochs epochs, and return the final loss."""
    import wandb  # imported here: only the training run needs it

    # wandb.init takes one of three words; anything else (or nothing) runs offline.
    mode = MODES.get(os.environ.get("WANDB_MODE", ""), "offline")
    run = wandb.init(project="typedcfg-example", mode=mode, config=typedcfg.to_wandb(cfg))
    try:
        # What wandb stored, under the names its UI shows. Sorted: wandb-core hands nested
        # dicts back in no fixed order.
        logged = typedcfg.flatten(dict(run.config))
        for name in sorted(logged):
            print(f"config {name} = {logged[name]!r}")
        loss = 1.0
        for epoch in range(cfg.epochs):
            loss *= math.exp(-cfg.optim.lr * 100)
            run.log({"epoch": epoch, "loss": loss})
        print(f"final loss {loss:.4f} after {cfg.epochs} epochs")
    finally:
        run.finish()
    return loss


if __name__ == "__main__":
    train()
