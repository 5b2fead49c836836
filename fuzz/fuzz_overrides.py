"""Fuzz target: command-line tokens through typedcfg.compose raise nothing but TypedcfgError.

Usage:
    /work/venv/bin/python fuzz/fuzz_overrides.py -max_total_time=180 \
        /tmp/fuzz-overrides fuzz/seeds/overrides
    /work/venv/bin/python fuzz/fuzz_overrides.py CRASH_FILE   # replay one input

Needs atheris (pip install atheris). The input is split on NUL bytes into argv tokens and
composed against the corpus schema ``Basic`` with no files (``defaults=None``), and split
against ``Secret`` (a schema with a ``SecretStr``), whose masking must never raise.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import typedcfg
    from typedcfg.read.argv import split_argv
    from typedcfg.read.masking import mask_argv
    from typedcfg.typeinfo import schema_tree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from invalid_schemas import Basic, Secret

SECRET_TREE = schema_tree(Secret)


def test_one_input(data: bytes) -> None:
    """Compose a config from the tokens in ``data``."""
    text = data.decode("utf-8", errors="replace")
    tokens = [t for t in text.split("\x00") if "--configs" not in t][:8]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(typedcfg.TypedcfgError):
            typedcfg.compose(Basic, tokens, defaults=None)
        mask_argv(tokens, SECRET_TREE)
        with contextlib.suppress(typedcfg.TypedcfgError):
            split_argv(tokens, SECRET_TREE)


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
