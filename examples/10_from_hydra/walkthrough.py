"""Coming from Hydra: compose the Lightning-Hydra template's own tree, typed, with provenance.

Nothing is copied: the commands and the script read the template's ``configs/`` directory
where it lies (``tests/corpus/hydra-template/configs`` from the repository root).

First, from the command line (run from the repository root), infer a schema for the whole tree
(``train.yaml`` composed once per option of every group; ``train_schema.py`` beside this file is
its output), see where every value of ``experiment=example`` comes from, then check every
experiment and every group option against the schema. The check exits 1: the comet and
neptune loggers read API tokens from the environment, and the check names the file, line and
variable; and ``callbacks=early_stopping`` on its own leaves ``monitor: ???`` (a value the
template expects ``callbacks=default`` to give), which Hydra would only report when
``instantiate`` reads it. With ``COMET_API_TOKEN`` and ``NEPTUNE_API_TOKEN`` set, the other 31
compositions pass.

Command line:
    python -m typedcfg infer --config-dir tests/corpus/hydra-template/configs \\
        --config-name train --name TrainConfig \\
        paths.root_dir=. paths.output_dir=outputs/walkthrough
    python -m typedcfg explain --no-defaults \\
        --config-dir tests/corpus/hydra-template/configs --config-name train \\
        examples/10_from_hydra/train_schema.py:TrainConfig \\
        experiment=example paths.root_dir=. paths.output_dir=outputs/walkthrough
    python -m typedcfg check --schema examples/10_from_hydra/train_schema.py:TrainConfig \\
        --config-dir tests/corpus/hydra-template/configs --config-name train --all-options \\
        paths.root_dir=. paths.output_dir=outputs/walkthrough

Then, from Python, with ``TrainConfig`` below (the inferred schema after review: constraints
added, ``_target_`` keys kept as open data), the script

1. composes ``train`` with ``experiment=example`` (plus any overrides you give), exactly as
   ``hydra.compose`` would, and validates it against the typed schema below;
2. prints where a few values came from (file:line:col, and what they overrode);
3. validates every experiment and every option of every group of the tree against the schema,
   one line each, with file:line:col for each problem (two logger options need an API token
   from the environment, and say so; ``callbacks=early_stopping`` leaves a ``???`` unset).

The template's ``paths`` use ``${oc.env:PROJECT_ROOT}`` and ``${hydra:runtime.output_dir}``;
the script sets both keys on the command line (``paths.root_dir=...``,
``paths.output_dir=...``) rather than touching the environment.

Usage:
    python examples/10_from_hydra/walkthrough.py
    python examples/10_from_hydra/walkthrough.py trainer=gpu model.optimizer.lr=0.01
    python examples/10_from_hydra/walkthrough.py data.batch_size=0
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

import typedcfg

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "tests" / "corpus" / "hydra-template" / "configs"


class _Open(BaseModel):
    """Hydra's ``_target_`` / ``_partial_`` keys are plain data here: allowed, not typed."""

    model_config = ConfigDict(extra="allow")


class Optimizer(_Open):
    lr: float = Field(gt=0, description="Learning rate.")
    weight_decay: float = Field(default=0.0, ge=0)


class Net(_Open):
    input_size: int
    lin1_size: int
    lin2_size: int
    lin3_size: int
    output_size: int


class Model(_Open):
    optimizer: Optimizer
    net: Net
    compile: bool


class Data(_Open):
    data_dir: str
    batch_size: int = Field(gt=0, description="Divisible by the number of devices.")
    train_val_test_split: list[int]
    num_workers: int = Field(ge=0)
    pin_memory: bool


class Trainer(_Open):
    min_epochs: int = Field(ge=0)
    max_epochs: int = Field(ge=1)
    accelerator: Literal["cpu", "gpu", "mps"]
    devices: int = Field(ge=1)


class Paths(BaseModel):
    root_dir: str
    data_dir: str
    log_dir: str
    output_dir: str
    work_dir: str


class Extras(BaseModel):
    ignore_warnings: bool
    enforce_tags: bool
    print_config: bool


class TrainConfig(BaseModel):
    """What ``configs/train.yaml`` composes to, typed."""

    task_name: str
    tags: list[str]
    train: bool
    test: bool
    ckpt_path: str | None
    seed: int | None
    data: Data
    model: Model
    callbacks: dict[str, dict[str, Any]] | None = None  # 'callbacks: null' leaves no key
    logger: dict[str, dict[str, Any]] | None = None  # train.yaml selects 'logger: null'
    trainer: Trainer
    paths: Paths
    extras: Extras
    optimized_metric: str | None = None  # set by hparams_search options


SHOWN = ["trainer.max_epochs", "model.optimizer.lr", "data.batch_size", "tags", "seed"]
# Hydra's own settings are not user config.
SKIPPED_GROUPS = {"hydra"}


def _run_settings() -> list[str]:
    """Values Hydra would take from the environment and its run directory."""
    return [f"paths.root_dir={REPO}", "paths.output_dir=outputs/walkthrough"]


def compose(argv: list[str]) -> typedcfg.Loaded[TrainConfig]:
    """Compose ``train`` from the template tree with ``argv`` and validate it.

    ``argv`` comes first so that messages number its tokens as the shell does.
    """
    return typedcfg.compose(
        TrainConfig,
        [*argv, *_run_settings()],
        defaults=None,
        # Relative to the working directory, so locations print as the user names the tree.
        config_dir=os.path.relpath(CONFIGS),
        config_name="train",
    )


def every_option() -> list[tuple[str, str]]:
    """``(group, option)`` for every option of every top-level group of the tree."""
    pairs: list[tuple[str, str]] = []
    for folder in sorted(p for p in CONFIGS.iterdir() if p.is_dir()):
        if folder.name in SKIPPED_GROUPS:
            continue
        for file in sorted(folder.glob("*.yaml")):
            pairs.append((folder.name, file.stem))
    return pairs


def main(argv: list[str]) -> int:
    chosen = (
        argv
        if any(a.startswith("experiment=") for a in argv)
        else [
            *argv,
            "experiment=example",
        ]
    )
    try:
        loaded = compose(chosen)
    except typedcfg.TypedcfgError as error:
        print(error, file=sys.stderr)
        return 2
    cfg = loaded.config
    print(f"composed train with {' '.join(chosen)}")
    print(
        f"  trainer: {cfg.trainer.accelerator} x{cfg.trainer.devices}, "
        f"{cfg.trainer.max_epochs} epochs; lr={cfg.model.optimizer.lr}; "
        f"batch_size={cfg.data.batch_size}"
    )
    print("\nwhere values came from:")
    for key, shown, origin, overridden in loaded.rows():
        if key in SHOWN or any(key.startswith(k + "[") for k in SHOWN):
            line = f"  {key} = {shown}  <- {origin}"
            if overridden:
                line += "  (overrode " + ", ".join(str(o) for o in overridden) + ")"
            print(line)
    print("\nevery option of the tree against TrainConfig:")
    failed = 0
    for group, option in every_option():
        try:
            compose([f"{group}={option}"])
        except typedcfg.TypedcfgError as error:
            failed += 1
            print(f"  {group}={option}: FAILED")
            for text in str(error).splitlines():
                print(f"      {text}")
        else:
            print(f"  {group}={option}: ok")
    total = len(every_option())
    print(f"\n{total - failed} of {total} options valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
