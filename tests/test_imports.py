"""`import typedcfg` stays cheap, and the public surface is exactly what the docs promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typedcfg

REPO = Path(__file__).resolve().parent.parent
HEAVY = ["hydra", "omegaconf", "wandb", "absl", "jsonschema", "numpy", "antlr4"]


def test_import_loads_no_heavy_or_optional_dependency() -> None:
    """A fresh interpreter importing typedcfg has none of the heavy modules loaded."""
    code = (
        "import sys, typedcfg\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_plain_overrides_and_yaml_load_import_no_hydra_or_omegaconf(tmp_path: Path) -> None:
    """A full load with a YAML file and plain key=value overrides imports neither."""
    (tmp_path / "config-defaults.yaml").write_text("a: 1\nb: {c: x}\n")
    code = (
        "import sys, typedcfg\n"
        "from pydantic import BaseModel\n"
        "class B(BaseModel):\n    c: str\n"
        "class C(BaseModel):\n    a: int\n    b: B\n"
        "cfg = typedcfg.load(C, ['a=2', 'b.c=y', '--lr=0.1'][:2])\n"
        "assert cfg.a == 2 and cfg.b.c == 'y'\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'hydra', 'omegaconf'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == "[]"


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted, and every name in it exists."""
    names = [n for n in typedcfg.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in typedcfg.__all__:
        assert hasattr(typedcfg, name), name


def test_every_public_name_is_documented() -> None:
    """Each public name appears in docs/ (as `name`), so the docs promise what we export."""
    text = "\n".join(p.read_text() for p in (REPO / "docs").rglob("*.md"))
    missing = [
        name
        for name in typedcfg.__all__
        if name != "__version__" and not re.search(rf"`(typedcfg\.)?{name}[`(\[.]", text)
    ]
    assert missing == []
