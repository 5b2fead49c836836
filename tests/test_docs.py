"""Every ```python block in docs/ runs as written, each page in a fresh working directory."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from peers import config_store_restored

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_python_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's Python blocks run in order, sharing one namespace and one empty cwd."""
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    text = page.read_text()
    # A page that stores configs in Hydra's ConfigStore (a singleton) leaves none for the tests
    # that compose with Hydra after it.
    with config_store_restored() if "ConfigStore" in text else contextlib.nullcontext():
        for index, block in enumerate(BLOCK.findall(text)):
            code = compile(block, f"{page.name}[block {index}]", "exec", dont_inherit=True)
            exec(code, namespace)


def test_mkdocs_nav_lists_every_page() -> None:
    """mkdocs.yml names every page under docs/, and only existing pages."""
    config = (DOCS.parent / "mkdocs.yml").read_text()
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", config, re.M))
    present = {str(p.relative_to(DOCS)) for p in pages()}
    assert sorted(present - listed) == []
    assert sorted(listed - present) == []
