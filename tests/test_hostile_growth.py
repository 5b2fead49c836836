"""Hostile inputs (issue 18): the work on each growth case of ``benchmarks/hostile.py`` grows
no faster than linearly.

Each case runs at two sizes 100 times apart; the larger may take at most 10 times what linear
growth allows (1,000 times the smaller), plus half a second for a loaded machine. Quadratic
work takes 10,000 times as long and fails (the line reader took 27 s on 100,000 spaces);
linear work passes with a margin of ten. No absolute time is asserted.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _hostile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hostile", ROOT / "benchmarks" / "hostile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["hostile"] = module
    spec.loader.exec_module(module)
    return module


HOSTILE = _hostile()
SMALL, LARGE = 500, 50_000
# Cases whose input grows by lines of YAML: libyaml's node graph at 50,000 lines is slow for
# reasons of its own (linear, but seconds); they are refused by a budget long before that.
LINES = {"merge-chain": 5_000, "merge-fan-in": 5_000, "interpolation-fan-out": 5_000}


@pytest.mark.parametrize("case", HOSTILE.CASES, ids=lambda c: c.name)
def test_growth_is_at_most_linear(case) -> None:  # type: ignore[no-untyped-def]
    large = LINES.get(case.name, LARGE)
    small_time, small_outcome = HOSTILE.measure(case, SMALL)
    large_time, large_outcome = HOSTILE.measure(case, large)
    allowed = 10 * (large / SMALL) * small_time + 0.5
    assert large_time <= allowed, (
        f"{case.name}: {large_time:.3f}s at n={large} against {small_time:.4f}s at n={SMALL} "
        f"(allowed {allowed:.3f}s); outcomes {small_outcome!r}, {large_outcome!r}"
    )
    assert "Error at ?" not in large_outcome  # every refusal is located
