"""The repository is self-contained: a fresh clone has everything its tests and examples read.

Nothing in the tree may point outside the checkout at the reference folder that sits beside it
on the development machine (a user's clone has no such folder); the real-world files the tests
and examples need are kept in ``tests/corpus/``, and ``tests/corpus/SOURCES.md`` names where
each came from.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"

# Spelled in pieces so that this file does not match its own patterns.
_PARENT = r"\.\." + "/"
OUTSIDE = re.compile(
    "|".join(
        [
            _PARENT + "shared" + r"\b",  # the folder, relative to the checkout
            "shared" + "/corpus",  # its corpus, whatever comes before it
            r"/\s*['\"]" + "shared" + r"['\"]",  # the folder joined as a pathlib part
        ]
    )
)
# Directories a checkout may hold that are not part of it: caches at any depth, and at the top
# virtual environments, build output and the run stores of examples run there (a top-level
# ``runs/`` is a run store; ``typedcfg/runs/`` is the package's room and is part of the tree).
CACHES = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
NOT_TRACKED_TOP = {".git", ".venv", "venv", "build", "dist", "site", "runs", "wandb"}


def tracked_files() -> list[Path]:
    """The files of the checkout: git's list in a work tree, else every file of the copy."""
    if (REPO / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
        ).stdout.decode()
        return [REPO / name for name in listed.split("\0") if name and (REPO / name).is_file()]
    files = []
    for p in REPO.rglob("*"):
        folders = p.relative_to(REPO).parts[:-1]
        if not p.is_file() or CACHES.intersection(folders) or ".egg-info" in str(p):
            continue
        if folders and folders[0] in NOT_TRACKED_TOP:
            continue
        files.append(p)
    return files


def outside_references(files: list[Path]) -> list[str]:
    """``path:line: text`` for every line that points at the folder beside the checkout."""
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                name = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_nothing_points_outside_the_checkout() -> None:
    """No tracked file (test, example, tool, doc, CI script) reads the folder beside the clone."""
    files = tracked_files()
    assert len(files) > 300
    assert outside_references(files) == []


def test_the_check_finds_such_a_reference(tmp_path: Path) -> None:
    """The pattern catches the spellings the old tests used (so the check above can fail)."""
    sample = tmp_path / "sample.py"
    tree = ".." + "/shared" + "/corpus/hydra-template/configs"
    joined = 'REPO.parent / "' + "shared" + '" / "corpus"'
    sample.write_text(
        f'TREE = "{tree}"\nCORPUS = {joined}\nok = "a shared file"\n', encoding="utf-8"
    )
    assert outside_references([sample]) == [
        f'sample.py:1: TREE = "{tree}"',
        f"sample.py:2: CORPUS = {joined}",
    ]


def test_the_corpus_is_in_the_repository() -> None:
    """The three real-world trees are vendored, and SOURCES.md names each tree and file."""
    wandb_files = sorted(p.name for p in (CORPUS / "wandb-defaults").glob("*.yaml"))
    assert len(wandb_files) == 40
    assert (CORPUS / "hydra-template" / "configs" / "train.yaml").is_file()
    assert (CORPUS / "hydra-more" / "facebookresearch__hydra__examples" / "SOURCE.txt").is_file()
    assert (CORPUS / "hydra-more" / "real-stanford__diffusion_policy" / "SOURCE.txt").is_file()
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for repo in ["ashleve/lightning-hydra-template", "facebookresearch/hydra",
                 "real-stanford/diffusion_policy"]:
        assert f"github.com/{repo}" in sources
    for name in wandb_files:
        owner, _, rest = name.removesuffix(".yaml").partition("__")
        assert f"| `{name}` | {owner}/{rest} |" in sources, name


def _imported_modules(path: Path) -> set[Path]:
    """The package modules that ``path`` imports relatively (``from ..runs.store import x``)."""
    found: set[Path] = set()
    package = path.parent
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package
            for _ in range(node.level - 1):
                base = base.parent
            parts = node.module.split(".") if node.module else []
            target = base.joinpath(*parts)
            found.update([target] if parts else [target / a.name for a in node.names])
    return found


def test_every_module_of_the_package_is_tracked() -> None:
    """A module left out of git (``runs/`` in .gitignore once hid ``typedcfg/runs/``) works in
    the checkout that has it and breaks every fresh clone: every module the package imports
    is a tracked file, and (in a git work tree) every file of the package is tracked."""
    tracked = set(tracked_files())
    root = REPO / "typedcfg"
    package = sorted(p for p in tracked if p.is_relative_to(root) and p.suffix == ".py")
    missing = {
        str(module.relative_to(REPO))
        for path in package
        for module in _imported_modules(path)
        if module.with_suffix(".py") not in tracked
        and module / "__init__.py" not in tracked
        and module.parent / "__init__.py" not in tracked  # a name from a package's __init__
    }
    assert sorted(missing) == []
    if (REPO / ".git").exists():
        on_disk = {p for p in (REPO / "typedcfg").rglob("*.py") if "__pycache__" not in p.parts}
        assert sorted(str(p.relative_to(REPO)) for p in on_disk - tracked) == []
