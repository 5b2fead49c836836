"""The walk that takes the node tree apart as it goes (files without anchors) builds exactly
what the walk over an intact tree builds, and reports exactly the same errors."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pytest

from typedcfg.errors import ConfigFileError, KeyWarning
from typedcfg.provenance import SourceKind
from typedcfg.read.yaml_loader import Document, _parse, parse_yaml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"


def _consumable(path: Path) -> bool:
    """UTF-8 (others are refused before any walk) and without anchors (the consuming walk's
    condition: parse_yaml walks a file with '&' on its intact tree only)."""
    try:
        return "&" not in path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False


FILES = sorted(
    (
        p
        for p in [*CORPUS.rglob("*.yaml"), *(REPO / "examples").rglob("*.yaml"),
                  *(REPO / "tests" / "data").rglob("*.yaml")]
        if _consumable(p)
    ),
    key=str,
)


def snapshot(doc: Document) -> tuple[Any, ...]:
    origins = {path: str(origin) for path, origin in doc.origins.items()}
    return (_nan_safe(doc.data), origins, doc.descriptions, doc.interpolated, doc.desc_value)


def _nan_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return {k: _nan_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_safe(v) for v in value]
    return value


def outcome(text: str, consume: bool) -> Any:
    try:
        return snapshot(_parse(text, "f.yaml", SourceKind.CONFIG_FILE, None, True, consume))
    except ConfigFileError as exc:
        return ("error", str(exc))


def test_the_corpus_is_there() -> None:
    """The comparison below runs over real files (the corpus and this repository's)."""
    assert len(FILES) > 60


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_both_walks_agree_on_every_file(path: Path) -> None:
    """Same values, origins, descriptions and flags, or the same error, from both walks."""
    warnings.simplefilter("ignore", KeyWarning)  # misspelt entry keys of real files
    text = path.read_text(encoding="utf-8")
    assert outcome(text, consume=True) == outcome(text, consume=False)


def test_errors_found_while_consuming_are_reported_from_an_intact_tree() -> None:
    """A duplicate key found while taking the tree apart still names the first key's line."""
    text = "a:\n  x: 1\n  y: 2\nb: 3\na:\n  x: 4\n"
    with pytest.raises(ConfigFileError) as info:
        parse_yaml(text, "f.yaml", SourceKind.CONFIG_FILE)
    assert str(info.value) == (
        "f.yaml:5:1: duplicate key 'a' (first defined at line 1)\n"
        "  hint: YAML keeps only one of them; remove or rename the other"
    )


def test_files_with_anchors_keep_their_tree() -> None:
    """An anchor shares nodes, so the intact walk builds the aliased values."""
    doc = parse_yaml("base: &b {lr: 0.1}\nother: *b\n", "f.yaml", SourceKind.CONFIG_FILE)
    assert doc.data == {"base": {"lr": 0.1}, "other": {"lr": 0.1}}
