"""Fuzz target: typedcfg's YAML loader raises nothing but TypedcfgError, whatever the bytes.

Usage:
    /work/venv/bin/python fuzz/fuzz_yaml.py -max_total_time=180 \
        /tmp/fuzz-yaml fuzz/seeds/yaml
    /work/venv/bin/python fuzz/fuzz_yaml.py CRASH_FILE        # replay one input

Needs atheris (pip install atheris). Inputs are decoded as UTF-8 text (as read_text would) and
parsed schema-free and against the corpus schema ``Basic``; a crash prints the input's bytes.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import typedcfg
    from typedcfg.provenance import SourceKind
    from typedcfg.read.yaml_loader import parse_yaml
    from typedcfg.typeinfo import schema_tree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from invalid_schemas import Basic

TREE = schema_tree(Basic)


def test_one_input(data: bytes) -> None:
    """Parse ``data`` as a config file, schema-free and schema-guided."""
    text = data.decode("utf-8", errors="replace")
    for hint in (None, TREE):
        with contextlib.suppress(typedcfg.TypedcfgError):
            parse_yaml(text, "fuzz.yaml", SourceKind.CONFIG_FILE, hint)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
