"""Schemas used by the invalid-input corpus (tests/data/invalid/) and the hardening tests.

A case's ``case.json`` names one of the classes in :data:`SCHEMAS`. The module is imported both
in-process (tests, ``tools/check_corpus.py``) and by the decorated program that each case is
also run through in a subprocess, so it holds only plain schema declarations.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Mode(enum.Enum):
    """An Enum field's values."""

    FAST = "fast"
    SLOW = "slow"


class Optim(BaseModel):
    """A nested model with a constrained field."""

    model_config = ConfigDict(extra="forbid")

    name: str = "adam"
    lr: float = Field(0.001, gt=0)
    betas: list[float] = [0.9, 0.999]


class Basic(BaseModel):
    """One field of every kind the corpus feeds wrong types to."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = 1
    lr: float = 0.1
    flag: bool = False
    name: str = "run"
    tags: list[str] = []
    sizes: list[int] = []
    extra: dict[str, int] = {}
    mode: Mode = Mode.FAST
    kind: Literal["a", "b"] = "a"
    ratio: float | None = None
    either: int | list[int] = 0
    optim: Optim = Optim()
    token: SecretStr = SecretStr("default-token")


class Layer(BaseModel):
    """The innermost level of :class:`Deep`."""

    model_config = ConfigDict(extra="forbid")

    size: int = 8


class Encoder(BaseModel):
    """The middle level of :class:`Deep`."""

    model_config = ConfigDict(extra="forbid")

    depth: int = 2
    layer: Layer = Layer()


class Model(BaseModel):
    """The second level of :class:`Deep`."""

    model_config = ConfigDict(extra="forbid")

    name: str = "net"
    encoder: Encoder = Encoder()


class Deep(BaseModel):
    """Four levels of nesting, for unknown keys at every depth."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    model: Model = Model()


class Required(BaseModel):
    """Fields without defaults."""

    model_config = ConfigDict(extra="forbid")

    epochs: int
    optim: Optim
    run_name: str


class RequiredNested(BaseModel):
    """A required field inside a nested model."""

    model_config = ConfigDict(extra="forbid")

    class Data(BaseModel):
        path: str
        workers: int = 2

    data: Data


class Free(BaseModel):
    """Accepts anything: the corpus uses it where only the reading of inputs is under test."""

    model_config = ConfigDict(extra="allow")

    data: Any = None


class Secret(BaseModel):
    """A secret beside ordinary fields (tests/test_secrets.py)."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr = SecretStr("placeholder")
    epochs: int = 1
    name: str = "run"
    optim: Optim = Optim()


class GroupOptim(BaseModel):
    """The ``optim`` node that config-group options fill in."""

    model_config = ConfigDict(extra="forbid")

    name: str = "sgd"
    lr: float = 0.1


class Grouped(BaseModel):
    """A schema for the config-group cases (``conf/optim/*.yaml``)."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = 1
    optim: GroupOptim = GroupOptim()


SCHEMAS: dict[str, type[BaseModel]] = {
    "Basic": Basic,
    "Deep": Deep,
    "Free": Free,
    "Grouped": Grouped,
    "Required": Required,
    "RequiredNested": RequiredNested,
    "Secret": Secret,
}
