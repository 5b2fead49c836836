"""The module layers of ARCHITECTURE.md: a module imports only from lower layers."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "typedcfg"

# Layer of every module; a new module must be added here (the test below insists).
LAYERS = {
    "provenance": 0,
    "_typing": 0,
    "_record": 0,
    "errors": 1,
    "typeinfo": 1,
    "yaml_block": 2,
    "yaml_loader": 2,
    "sources": 2,
    "overrides": 2,
    "defaults_entries": 2,
    "masking": 2,
    "groups": 3,
    "compose": 3,
    "resolvers": 3,
    "validate": 4,
    "export": 4,
    "wandb_values": 4,
    "schema": 4,
    "infer": 4,
    "infer_tree": 5,
    "pipeline": 5,
    "runconfig": 5,
    "sweep_jobs": 5,
    "sweep": 6,
    "launchers": 6,
    "display": 6,
    "help": 6,
    "hydra_tree": 6,
    "checking": 6,
    "schema_ref": 6,
    "store": 6,
    "store_files": 6,
    "api": 6,
    "runs_cli": 7,
    "main": 7,
    "cli": 7,
    "__main__": 8,
    "__init__": 9,
}


def imported_modules(path: Path) -> set[str]:
    """typedcfg modules imported by ``path`` (module-level and inside functions)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("typedcfg."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("typedcfg."):
                    found.add(alias.name.split(".")[1])
    return found


def test_every_module_has_a_layer() -> None:
    """No module is left out of the layer table."""
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert sorted(modules - set(LAYERS)) == []


def test_modules_import_only_lower_layers() -> None:
    """Each import goes strictly down (or, within layer 2, between source modules)."""
    violations = []
    for path in sorted(PACKAGE.glob("*.py")):
        layer = LAYERS[path.stem]
        for target in imported_modules(path):
            if target not in LAYERS:
                continue
            if LAYERS[target] >= layer and (path.stem, target) not in SAME_LAYER_OK:
                violations.append(f"{path.stem} (layer {layer}) imports {target}")
    assert violations == []


# Imports between modules of one layer that are part of the design.
SAME_LAYER_OK = {
    ("errors", "typeinfo"),
    ("typeinfo", "errors"),
    ("sources", "yaml_loader"),
    ("yaml_loader", "yaml_block"),
    ("defaults_entries", "yaml_loader"),
    ("defaults_entries", "overrides"),
    ("store", "store_files"),
    ("api", "store_files"),
    ("api", "store"),
    ("cli", "runs_cli"),
    ("runconfig", "pipeline"),
    ("overrides", "yaml_loader"),
    ("overrides", "masking"),
    ("groups", "compose"),
    ("compose", "resolvers"),
    ("export", "wandb_values"),
    ("schema", "validate"),
    ("infer", "schema"),
    ("schema", "infer"),
    ("infer", "validate"),
}


def test_no_eval_or_exec_in_the_package() -> None:
    """The package never calls eval/exec (config input must never run code)."""
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec"}, f"{path.name}:{node.lineno}"
