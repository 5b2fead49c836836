"""Schema inferred by typedcfg.

From tests/corpus/hydra-template/configs/train.yaml, composed 32 times
(as written, then with each option of every group).
Review the types (Any marks values that were null or unresolved in every
composition), then add descriptions and constraints.
"""

from typing import Any

from pydantic import BaseModel, Field


class Data(BaseModel):
    target_: str = Field(alias="_target_")
    data_dir: str
    batch_size: int
    train_val_test_split: list[int]
    num_workers: int
    pin_memory: bool


class Optimizer(BaseModel):
    target_: str = Field(alias="_target_")
    partial_: bool = Field(alias="_partial_")
    lr: float
    weight_decay: float


class Scheduler(BaseModel):
    target_: str = Field(alias="_target_")
    partial_: bool = Field(alias="_partial_")
    mode: str
    factor: float
    patience: int


class Net(BaseModel):
    target_: str = Field(alias="_target_")
    input_size: int
    lin1_size: int
    lin2_size: int
    lin3_size: int
    output_size: int


class Model(BaseModel):
    target_: str = Field(alias="_target_")
    optimizer: Optimizer
    scheduler: Scheduler
    net: Net
    compile_: bool = Field(alias="compile")


class ModelCheckpoint(BaseModel):
    target_: str = Field(alias="_target_")
    dirpath: str | None
    filename: str | None
    monitor: str | None
    verbose: bool
    save_last: bool | None
    save_top_k: int
    mode: str
    auto_insert_metric_name: bool
    save_weights_only: bool
    every_n_train_steps: Any
    train_time_interval: Any
    every_n_epochs: Any
    save_on_train_epoch_end: Any


class EarlyStopping(BaseModel):
    target_: str = Field(alias="_target_")
    monitor: str
    min_delta: float
    patience: int
    verbose: bool
    mode: str
    strict: bool
    check_finite: bool
    stopping_threshold: Any
    divergence_threshold: Any
    check_on_train_epoch_end: Any


class ModelSummary(BaseModel):
    target_: str = Field(alias="_target_")
    max_depth: int


class RichProgressBar(BaseModel):
    target_: str = Field(alias="_target_")


class Callbacks(BaseModel):
    model_checkpoint: ModelCheckpoint | None = None
    early_stopping: EarlyStopping | None = None
    model_summary: ModelSummary | None = None
    rich_progress_bar: RichProgressBar | None = None


class Trainer(BaseModel):
    target_: str = Field(alias="_target_")
    default_root_dir: str
    min_epochs: int
    max_epochs: int
    accelerator: str
    devices: int
    check_val_every_n_epoch: int
    deterministic: bool
    detect_anomaly: bool | None = None
    fast_dev_run: bool | None = None
    limit_train_batches: float | None = None
    limit_val_batches: float | None = None
    limit_test_batches: float | None = None
    overfit_batches: int | None = None
    profiler: str | None = None
    gradient_clip_val: float | None = None
    strategy: str | None = None
    num_nodes: int | None = None
    sync_batchnorm: bool | None = None


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


class Wandb(BaseModel):
    tags: list[str]
    group: str
    target_: str | None = Field(None, alias="_target_")
    save_dir: str | None = None
    offline: bool | None = None
    id_: Any = Field(None, alias="id")
    anonymous: Any = None
    project: str | None = None
    log_model: bool | None = None
    prefix: str | None = None
    job_type: str | None = None


class Aim(BaseModel):
    experiment: str | None
    target_: str | None = Field(None, alias="_target_")
    repo: str | None = None
    train_metric_prefix: str | None = None
    val_metric_prefix: str | None = None
    test_metric_prefix: str | None = None
    system_tracking_interval: int | None = None
    log_system_params: bool | None = None
    capture_terminal_logs: bool | None = None


class Comet(BaseModel):
    target_: str = Field(alias="_target_")
    api_key: Any
    save_dir: str
    project_name: str
    rest_api_key: Any
    experiment_key: Any
    offline: bool
    prefix: str


class Csv(BaseModel):
    target_: str = Field(alias="_target_")
    save_dir: str
    name: str
    prefix: str


class Tensorboard(BaseModel):
    target_: str = Field(alias="_target_")
    save_dir: str
    name: Any
    log_graph: bool
    default_hp_metric: bool
    prefix: str


class Mlflow(BaseModel):
    target_: str = Field(alias="_target_")
    tracking_uri: str
    tags: Any
    prefix: str
    artifact_location: Any


class Neptune(BaseModel):
    target_: str = Field(alias="_target_")
    api_key: Any
    project: str
    log_model_checkpoints: bool
    prefix: str


class Logger(BaseModel):
    wandb: Wandb | None = None
    aim: Aim | None = None
    comet: Comet | None = None
    csv: Csv | None = None
    tensorboard: Tensorboard | None = None
    mlflow: Mlflow | None = None
    neptune: Neptune | None = None


class TrainConfig(BaseModel):
    task_name: str
    tags: list[str]
    train: bool
    test: bool
    ckpt_path: Any
    seed: int | None
    data: Data
    model: Model
    callbacks: Callbacks | None
    trainer: Trainer
    paths: Paths
    extras: Extras
    logger: Logger | None = None
    optimized_metric: str | None = None
