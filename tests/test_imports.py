"""`import typedcfg` stays cheap, and the public surface is exactly what the docs promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import typedcfg

REPO = Path(__file__).resolve().parent.parent
HEAVY = ["hydra", "omegaconf", "wandb", "absl", "jsonschema", "numpy", "antlr4", "submitit",
         "plotly", "playwright", "sqlite3"]  # fmt: skip


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


def test_rarely_used_layers_are_imported_on_first_use() -> None:
    """`import typedcfg` leaves the run store, RunConfig and the schema generator unloaded;
    naming one of their public names loads it, and every public name resolves."""
    code = (
        "import sys, typedcfg\n"
        "lazy = ['typedcfg.runs.api', 'typedcfg.runs.store', 'typedcfg.export.runconfig',"
        " 'typedcfg.tools.json_schema']\n"
        "print(sorted(m for m in lazy if m in sys.modules))\n"
        "print(typedcfg.RunConfig.__module__, 'typedcfg.export.runconfig' in sys.modules)\n"
        "print(all(getattr(typedcfg, n) is not None for n in typedcfg.__all__))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "typedcfg.export.runconfig True", "True"]


def test_functions_named_like_submodules_stay_functions() -> None:
    """`typedcfg.main` and `typedcfg.compose` are the functions even after the submodules of
    the same names were imported (a lazy name would lose to the submodule binding)."""
    code = (
        "import typedcfg.app.cli, typedcfg.composition.merge, typedcfg.app.main, typedcfg\n"
        "print(callable(typedcfg.main), typedcfg.compose.__module__, typedcfg.main.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "typedcfg.pipeline", "typedcfg.app.main"]


def test_unknown_attribute_is_an_attribute_error() -> None:
    """A misspelt public name raises AttributeError naming it (so hasattr() works)."""
    with pytest.raises(AttributeError, match="has no attribute 'RunConfg'"):
        typedcfg.RunConfg  # type: ignore[attr-defined]  # noqa: B018


def test_a_plain_run_loads_no_sweep_store_or_display_module(tmp_path: Path) -> None:
    """A decorated program run with plain overrides imports none of the modules it does not
    use: sweeps, the run store, the --cfg/--explain printers."""
    script = tmp_path / "train.py"
    script.write_text(
        "import sys, typedcfg\n"
        "from pydantic import BaseModel\n"
        "class C(BaseModel):\n    lr: float = 0.1\n"
        "@typedcfg.main(C)\n"
        "def run(cfg: C) -> None:\n"
        "    unused = ['sweep', 'sweep_jobs', 'launchers', 'display', 'store', 'help']\n"
        "    print(cfg.lr, [m for m in unused if f'typedcfg.{m}' in sys.modules])\n"
        "run()\n"
    )
    out = subprocess.run(
        [sys.executable, str(script), "lr=0.5"], capture_output=True, text=True, check=True,
        cwd=tmp_path,
    )
    assert out.stdout == "0.5 []\n"


def test_the_entry_points_sweep_markers_match_the_sweep_modules() -> None:
    """app/flags.py recognises a sweep without importing it; its markers are the sweep modules'."""
    from typedcfg.app import flags
    from typedcfg.sweeps.grammar import MULTIRUN_FLAGS
    from typedcfg.sweeps.jobs import NESTED_ENV

    assert set(MULTIRUN_FLAGS) == flags.MULTIRUN_MARKERS
    assert NESTED_ENV == flags.JOB_ENV


def test_the_runs_command_imports_no_pydantic_yaml_or_pipeline(tmp_path: Path) -> None:
    """`typedcfg runs ls` and `runs group` answer from the index without pydantic, PyYAML or
    the loading pipeline (they would be most of the command's start-up)."""
    record = (
        "import sys, typedcfg\n"
        "with typedcfg.record_run({'a': 1}, runs_dir=sys.argv[1], project='p', cwd=sys.argv[1])"
        " as run:\n"
        "    run.summary['m'] = 0.5\n"
    )
    subprocess.run([sys.executable, "-c", record, str(tmp_path)], check=True)
    code = (
        "import sys\n"
        "from typedcfg.app.cli import main\n"
        "root = sys.argv[1]\n"
        "main(['runs', 'ls', 'p', '--root', root])\n"
        "main(['runs', 'group', 'p', '--by', 'a', '--metric', 'm', '--root', root])\n"
        "heavy = ['pydantic', 'yaml', 'typedcfg.pipeline', 'typedcfg.validate']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.splitlines()[-1] == "[]"
    assert "0.5" in out.stdout
