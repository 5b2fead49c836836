"""The JSON Schemas committed under schemas/ are exactly what the code generates today."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from typedcfg.app.cli import load_schema, schema_text
from typedcfg.tools.json_schema import format_schema

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "schemas"
MANIFEST = SCHEMAS / "examples.txt"
FORMAT_FILE = SCHEMAS / "config-defaults.schema.json"


def manifest() -> list[tuple[str, str, str]]:
    """``(ref, style, output)`` for every line of schemas/examples.txt."""
    rows: list[tuple[str, str, str]] = []
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            ref, style, output = line.split()
            rows.append((ref, style, output))
    return rows


def test_manifest_lists_the_ci_example() -> None:
    """The manifest is not empty and covers example 07 in both styles."""
    rows = manifest()
    assert ("examples/07_ci_check/config_schema.py:TrainConfig", "plain",
            "schemas/examples/07_ci_check.schema.json") in rows
    assert ("examples/07_ci_check/config_schema.py:TrainConfig", "wandb",
            "schemas/examples/07_ci_check.wandb.schema.json") in rows


@pytest.mark.parametrize("row", manifest(), ids=lambda row: row[2])
def test_example_schema_is_fresh(
    row: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regenerating the example's schema gives the committed file, byte for byte."""
    ref, style, output = row
    monkeypatch.chdir(REPO)
    expected = schema_text(load_schema(ref), style)
    committed = (REPO / output).read_text(encoding="utf-8")
    fix = f"python -m typedcfg schema {ref} --style {style} -o {output}"
    assert committed == expected, f"stale; regenerate it with: {fix}"


def test_format_schema_is_fresh() -> None:
    """schemas/config-defaults.schema.json is the generic desc/value format schema."""
    expected = json.dumps(format_schema(), indent=2, ensure_ascii=False) + "\n"
    assert FORMAT_FILE.read_text(encoding="utf-8") == expected


def test_every_schema_file_is_generated_and_valid() -> None:
    """No orphan schema files, and each one is itself a valid draft 2020-12 JSON Schema."""
    listed = {REPO / output for _, _, output in manifest()} | {FORMAT_FILE}
    present = set(SCHEMAS.rglob("*.json"))
    assert sorted(str(p) for p in present - listed) == []
    for path in sorted(present):
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))
