"""What users copy type-checks: schema code in README and docs/, and every example, passes
pyright (strict) and mypy (--strict).

VS Code users see pyright first: ``Field(1e-3, gt=0)`` (the default passed by position) made
``Optimizer()`` an error there (``Argument missing for parameter "lr"``), in the README's
headline example. Each Python block of a page that defines a schema is written to a file of
its own, after the imports of the page's earlier blocks (the blocks of a page run as one
program, see ``test_docs.py``); each example directory is checked as it is, with its siblings.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
# A block defines a schema when it declares a pydantic model or a dataclass.
SCHEMA = re.compile(
    r"^\s*(class \w+\((?:\w+\.)?(?:BaseModel|RootModel)\b|@(?:\w+\.)*dataclass)", re.M
)
IMPORT = re.compile(r"^(?:from \S+ import [^\n(]+|from \S+ import \([^)]*\)|import [^\n]+)$", re.M)
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if p.is_dir())


def _names_used(block: str) -> set[str]:
    """The names a block reads (strings and comments do not count)."""
    return {n.id for n in ast.walk(ast.parse(block)) if isinstance(n, ast.Name)}


def _imports_needed(line: str, block: str) -> str | None:
    """The import ``line`` cut down to the names ``block`` reads and does not import itself."""
    statement = ast.parse(line).body[0]
    assert isinstance(statement, (ast.Import, ast.ImportFrom))
    own = {
        (a.asname or a.name).split(".")[0]
        for node in ast.walk(ast.parse(block))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for a in node.names
    }
    used = _names_used(block) - own
    kept = [a for a in statement.names if (a.asname or a.name).split(".")[0] in used]
    if not kept:
        return None
    statement.names = kept
    return ast.unparse(statement)


def schema_blocks() -> dict[str, str]:
    """``file name -> code`` for every schema-defining block, prefixed by the earlier imports
    it uses."""
    found: dict[str, str] = {}
    for page in PAGES:
        seen_imports: list[str] = []
        for index, block in enumerate(BLOCK.findall(page.read_text(encoding="utf-8"))):
            if SCHEMA.search(block):
                needed = (_imports_needed(line, block) for line in seen_imports)
                earlier = [line for line in needed if line is not None]
                future = "from __future__ import annotations\n"
                body = block.replace(future, "")
                head = future if future in block else ""
                stem = re.sub(r"\W", "_", str(page.relative_to(REPO)).removesuffix(".md"))
                found[f"{stem}_{index}.py"] = head + "".join(f"{x}\n" for x in earlier) + body
            for line in IMPORT.findall(block):
                if line not in seen_imports and "__future__" not in line:
                    seen_imports.append(line)
    return found


@pytest.fixture(scope="module")
def blocks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("doc_blocks")
    for name, code in schema_blocks().items():
        (folder / name).write_text(code, encoding="utf-8")
    return folder


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, env=env, timeout=900, check=False
    )


def test_the_schema_blocks_are_found() -> None:
    """The README's headline block and the docs' schema blocks are all collected."""
    names = schema_blocks()
    assert any(name.startswith("README_") for name in names)
    assert len(names) >= 15
    assert all("BaseModel" in code or "dataclass" in code for code in names.values())


@pytest.mark.slow
def test_pyright_strict_accepts_the_docs_and_the_examples(blocks_dir: Path, tmp_path: Path) -> None:
    """One pyright run (strict) over the blocks and every example file."""
    config = tmp_path / "pyrightconfig.json"
    files = [*sorted(blocks_dir.glob("*.py")), *sorted(REPO.glob("examples/*/*.py"))]
    settings = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.10",
        "reportMissingTypeStubs": False,
        # Each example directory is its own root: its files import their siblings.
        "executionEnvironments": [{"root": str(p)} for p in EXAMPLES],
    }
    config.write_text(json.dumps(settings), encoding="utf-8")
    result = _run(str(BIN / "pyright"), "-p", str(config), "--pythonpath", sys.executable,
                  *(str(f) for f in files), cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


@pytest.mark.slow
def test_mypy_strict_accepts_the_docs_and_the_examples(blocks_dir: Path, tmp_path: Path) -> None:
    """mypy --strict over the blocks, then each example directory (its files import siblings)."""
    cache = str(tmp_path / "mypy-cache")
    failures: list[str] = []
    for target in [blocks_dir, *EXAMPLES]:
        files = sorted(str(p) for p in target.glob("*.py"))
        result = _run(sys.executable, "-m", "mypy", "--strict", "--cache-dir", cache, *files,
                      cwd=target)  # fmt: skip
        if result.returncode != 0:
            failures.append(result.stdout + result.stderr)
    assert failures == []
