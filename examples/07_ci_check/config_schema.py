"""Check config files in CI and in the editor, from the schema you already have.

The schema below is the single source of truth: `typedcfg check` validates YAML files against
it (every problem, each with file:line:col), `typedcfg schema` writes the JSON Schema that
YAML editors use for completion and inline errors, and `typedcfg defaults` writes a complete
config-defaults.yaml. `broken.yaml` holds five mistakes; `fixed.yaml` is the corrected file;
`long_run.yaml` is a fragment meant for `--configs`, so it is checked with `--partial`.

Usage:
    python -m typedcfg check --schema config_schema.py:TrainConfig fixed.yaml
    python -m typedcfg check --schema config_schema.py:TrainConfig broken.yaml
    python -m typedcfg check --partial --schema config_schema.py:TrainConfig long_run.yaml
    python -m typedcfg check --format github --schema config_schema.py:TrainConfig broken.yaml
    python -m typedcfg defaults config_schema.py:TrainConfig
    python -m typedcfg explain --defaults fixed.yaml config_schema.py:TrainConfig optim.lr=0.001

Run them from this directory. The second and fourth commands exit with status 1 (the file is
invalid); the others exit 0. `typedcfg` (the console script) is the same as `python -m typedcfg`.
The editor schemas that the YAML files name in their first line are written with
`python -m typedcfg schema config_schema.py:TrainConfig --style wandb -o FILE` (see
schemas/examples.txt at the repository root).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field


class Adam(BaseModel):
    """Adam with decoupled weight decay."""

    name: Literal["adam"] = "adam"
    lr: float = Field(default=3e-4, gt=0, description="Learning rate.")
    weight_decay: float = Field(default=0.01, ge=0, description="Decoupled weight decay.")


class SGD(BaseModel):
    """Stochastic gradient descent with momentum."""

    name: Literal["sgd"] = "sgd"
    lr: float = Field(default=0.1, gt=0, description="Learning rate.")
    momentum: float = Field(default=0.9, ge=0, le=1, description="Momentum factor.")


Optimizer = Annotated[Adam | SGD, Field(discriminator="name")]


class TrainConfig(BaseModel):
    """Training settings for the example run."""

    epochs: int = Field(default=10, ge=1, description="Number of passes over the training set.")
    batch_size: int = Field(default=32, ge=1, description="Examples per optimizer step.")
    warmup_steps: int = Field(default=0, ge=0, description="Linear learning-rate warmup steps.")
    precision: Literal["fp32", "bf16", "fp16"] = Field(default=
        "fp32", description="Numeric precision of the forward and backward passes."
    )
    optim: Optimizer = Field(default_factory=Adam, description="Optimizer settings.")
    run_name: str = Field(description="Name shown in the experiment tracker.")


if __name__ == "__main__":
    import typedcfg

    print(typedcfg.compose(TrainConfig).explain())
