"""The schema of the toy training program (shared by train.py and fix_run.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Optim(BaseModel):
    name: Literal["adam", "sgd"] = "adam"
    lr: float = Field(default=0.001, gt=0, description="Learning rate.")


class Data(BaseModel):
    path: str = "data/toy"
    batch_size: int = Field(default=32, gt=0, description="Examples per step.")


class Config(BaseModel):
    optim: Optim = Optim()
    data: Data = Data()
    epochs: int = Field(default=5, ge=1, description="Passes over the data.")
