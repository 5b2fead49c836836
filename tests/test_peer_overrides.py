"""Overrides do what Hydra does with them, on Hydra's own parser test cases.

The tokens come from Hydra's ``tests/test_overrides_parser.py`` (kept as data in
``tests/data/peers/hydra_overrides_parser.json``, with its commit). Each token is applied to a
primary config holding ``key`` as nothing, a scalar, a mapping, a list and null; Hydra (its
parser and its config loader, run here) and typedcfg must give the same tree, or both refuse.
The differences kept on purpose are listed in docs/from-hydra.md ("Deliberate differences");
each has a named rule below, and a test pins it.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from peers import hydra_apply, hydra_compose, hydra_parser_tokens, same, typedcfg_compose

BASES = {
    "empty": "{}\n",
    "scalar": "key: 0\n",
    "mapping": "key:\n  a: 10\n",
    "list": "key: [0]\n",
    "null": "key: null\n",
}
TOKENS = hydra_parser_tokens()


def _key_of(token: str) -> str:
    return re.split(r"[=@]", token.lstrip("+~"), maxsplit=1)[0]


def _cases() -> list[tuple[str, str]]:
    """Every token on every base when its key is ``key``; other keys on the empty base."""
    return [(base, token) for token in TOKENS for base in BASES
            if base == "empty" or _key_of(token) == "key"]


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bases")
    for name, text in BASES.items():
        (root / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def _shuffled(a: Any, b: Any) -> bool:
    """Both trees hold one list under the same key, in any order (``shuffle(...)``)."""
    if not (isinstance(a, dict) and isinstance(b, dict) and list(a) == list(b)):  # type: ignore[arg-type]
        return False
    pairs = [(a[k], b[k]) for k in a]  # type: ignore[index]
    return all(isinstance(x, list) and isinstance(y, list) and sorted(x) == sorted(y)
               for x, y in pairs)


def deliberate(base: str, token: str, hydra: tuple[str, Any], ours: tuple[str, Any]) -> str | None:
    """The documented reason why typedcfg differs from Hydra here, or None."""
    body = token.lstrip("+~")
    if hydra[0] == "error" and ours[0] == "ok":
        loose = hydra_apply(BASES[base], token, struct=False)
        if loose[0] == "ok" and (same(loose[1], ours[1]) or (
            "shuffle(" in token and _shuffled(loose[1], ours[1])
        )):
            # Hydra's struct mode refuses new keys; typedcfg lets the schema decide. (shuffle()
            # gives a random order: the same items in any order agree.)
            return "new keys: the schema decides, not struct mode"
        if "OverrideParseException" in hydra[1] and "=" in body:
            raw = body.partition("=")[2]
            try:
                literal = ast.literal_eval(raw.strip())
            except (ValueError, SyntaxError):
                literal = None
            value = ours[1].get(_key_of(token))
            if isinstance(literal, dict) and isinstance(value, dict) and all(
                k in value and same(value[k], v)
                for k, v in literal.items()  # type: ignore[union-attr]
            ):
                return "a Python literal, as wandb sweep agents print values"
    empty = re.fullmatch(r"[^=]*=\s*", body) is not None
    if hydra[0] == "ok" and ours[0] == "error" and empty and "missing value" in ours[1]:
        return "an empty value is refused (write key='' for an empty string)"
    return None


def compare(bases: Path) -> tuple[int, Counter[str], list[tuple[str, str, Any, Any]]]:
    """(agreements, deliberate differences by reason, other differences)."""
    agree = 0
    reasons: Counter[str] = Counter()
    differ: list[tuple[str, str, Any, Any]] = []
    for base, token in _cases():
        hydra = hydra_apply(BASES[base], token)
        ours = typedcfg_compose(bases, base, [token])
        if hydra[0] == ours[0] == "error" or (
            hydra[0] == ours[0] == "ok" and same(hydra[1], ours[1])
        ):
            agree += 1
            continue
        reason = deliberate(base, token, hydra, ours)
        if reason is None:
            differ.append((base, token, hydra, ours))
        else:
            reasons[reason] += 1
    return agree, reasons, differ


def test_hydra_parser_cases_apply_as_hydra_applies_them(bases: Path) -> None:
    """Every token of Hydra's parser suite, on five bases: the same tree or both refuse."""
    agree, reasons, differ = compare(bases)
    total = len(_cases())
    assert len(TOKENS) > 390 and total > 1200
    assert differ == [], f"{len(differ)} of {total} differ ({agree} agree, {dict(reasons)})"
    # Each deliberate difference is there (the rules above are not dead code) and is rare.
    assert set(reasons) == {
        "new keys: the schema decides, not struct mode",
        "a Python literal, as wandb sweep agents print values",
        "an empty value is refused (write key='' for an empty string)",
    }


# A sample that covers each kind of outcome: values, containers, merges, packages, deletions.
COMPOSE_SAMPLE = [
    ("scalar", "key=1"), ("mapping", "key={b:20}"), ("mapping", "+key={b:20}"),
    ("list", "key={a:1}"), ("mapping", "key=[1,2]"), ("empty", "key@pkg1=value"),
    ("scalar", "~key"), ("scalar", "~key=1"), ("scalar", "~key=2"), ("null", "+key=1"),
    ("empty", "+abc/cde=1"), ("empty", "++a.b=1"), ("empty", "key=1,2"),
    ("scalar", "key={null: 1}"), ("scalar", "+key=1"), ("empty", "key=1"),
]


@pytest.mark.parametrize(("base", "token"), COMPOSE_SAMPLE)
def test_hydra_apply_is_hydra_compose(bases: Path, base: str, token: str) -> None:
    """The quick oracle (Hydra's parser and loader step) gives what ``hydra.compose`` gives."""
    quick = hydra_apply(BASES[base], token)
    full = hydra_compose(bases, base, [token])
    assert quick[0] == full[0], (quick, full)
    if quick[0] == "ok":
        assert same(quick[1], full[1])
