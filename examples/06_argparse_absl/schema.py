"""The schema both example programs bind their RunConfig to."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TrainConfig(BaseModel):
    """Training settings, whichever flag library parsed them."""

    lr: float = Field(default=1e-3, gt=0, description="Learning rate.")
    batch_size: int = Field(default=32, ge=1, description="Examples per optimisation step.")
    use_amp: bool = Field(default=False, description="Mixed precision.")
    layers: list[int] = Field(default_factory=lambda: [64, 32], description="Hidden widths.")
