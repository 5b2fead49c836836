"""The rooms of docs/architecture.md: each room imports only the rooms below it (and itself).

The order of :data:`ROOMS` is the order of the data through the pipeline; it is written here
once, and docs/architecture.md must list the same rooms in the same order.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "typedcfg"
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"

# Bottom first. A top-level module is a room of its own name unless GROUND names it; a folder
# under typedcfg/ is one room. The package's own __init__ and __main__ sit above every room.
ROOMS = [
    "ground",
    "read",
    "composition",
    "validate",
    "pipeline",
    "export",
    "tools",
    "runs",
    "sweeps",
    "app",
    "package",
]
GROUND = {
    "provenance",
    "_record",
    "_typing",
    "_plain",
    "_version",
    "_typenode",
    "_typebuild",
    "errors",
    "typeinfo",
}


def room_of(module: str) -> str:
    """The room of a dotted module name inside typedcfg (``read.argv`` -> ``read``)."""
    head = module.split(".")[0]
    if head in GROUND:
        return "ground"
    if head in {"__init__", "__main__", ""}:
        return "package"
    return head


def module_name(path: Path) -> str:
    """``typedcfg/read/argv.py`` -> ``read.argv``; a room's ``__init__.py`` -> ``read``."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """typedcfg modules imported by ``path`` (module level and inside functions), dotted."""
    package = list(path.relative_to(PACKAGE).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                if node.module:
                    found.add(".".join([*base, node.module]))
                else:
                    found.update(".".join([*base, alias.name]) for alias in node.names)
            elif node.module and node.module.startswith("typedcfg."):
                found.add(node.module.removeprefix("typedcfg."))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("typedcfg."):
                    found.add(alias.name.removeprefix("typedcfg."))
    return {name for name in found if name}


def test_every_module_is_in_a_known_room() -> None:
    """A new folder or top-level module must be placed in ROOMS (or GROUND) first."""
    rooms = {room_of(module_name(path)) for path in PACKAGE.rglob("*.py")}
    assert sorted(rooms - set(ROOMS)) == []


def test_rooms_import_only_rooms_below_them() -> None:
    """Every import inside the package goes to the importing module's own room or one below."""
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = room_of(module_name(path))
        for target in sorted(imported_modules(path)):
            there = room_of(target)
            if ROOMS.index(there) > ROOMS.index(here):
                violations.append(f"{module_name(path)} ({here}) imports {target} ({there})")
    assert violations == []


def test_the_check_sees_imports_going_up() -> None:
    """The import walk resolves relative imports, so the rule above cannot pass vacuously."""
    main = imported_modules(PACKAGE / "app" / "main.py")
    assert "pipeline" in main and room_of("sweeps.grammar") == "sweeps"
    assert "read.yaml_loader" in imported_modules(PACKAGE / "read" / "sources.py")


def test_architecture_lists_the_rooms_in_this_order() -> None:
    """docs/architecture.md's room table and ROOMS agree, so the picture cannot drift."""
    rows = re.findall(r"^\| (\d+) \| `([a-z_]+)/?` \|", ARCHITECTURE.read_text(), re.MULTILINE)
    assert [name for _, name in rows] == ROOMS[:-1]
    assert [int(number) for number, _ in rows] == list(range(len(ROOMS) - 1))


def test_no_module_is_much_over_400_lines() -> None:
    """Modules are split along their seams before they grow past ~400 lines."""
    long = {
        module_name(path): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 420
    }
    assert long == {}


def test_no_eval_or_exec_in_the_package() -> None:
    """The package never calls eval/exec (config input must never run code)."""
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec"}, f"{path.name}:{node.lineno}"
