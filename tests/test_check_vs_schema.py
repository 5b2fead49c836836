"""``typedcfg check`` and the JSON Schema of ``typedcfg schema`` agree on every generated file.

The editor validates a file with the schema ``typedcfg schema`` writes; CI runs ``typedcfg
check``. When they disagree, a file is red in the editor and passes CI, or the other way round
(``num_epochs: true`` passed ``check`` as 1 while the schema rejected it). Hypothesis writes
config files, plain and desc/value, whole and partial; each one goes through ``check_file`` and
through ``jsonschema`` with the schema of the same style, and both must give the same verdict.

The generated values stay inside what a schema can say. typedcfg deliberately reads some
spellings more kindly than JSON Schema can express, and the generator leaves those out:
numeric and boolean words as strings (``'3'`` for an int, ``'yes'`` for a bool: pydantic's lax
reading), unquoted numbers and bools in ``str`` fields (typedcfg keeps their text), ``0``/``1``
for bools, and keys named ``value``/``desc`` in nested mappings (a top-level mapping holding
``value`` is a desc/value entry by the format's own rule).
"""

from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal, Optional

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

import typedcfg
from typedcfg.tools.check import check_file


class Inner(BaseModel):
    rate: float = 0.1
    steps: int = Field(default=1, ge=0)
    on: bool = False


class Diff(BaseModel):
    count: int
    ratio: float = 0.5
    flag: bool = False
    maybe: Optional[int] = None
    name: str = "x"
    mode: Literal["a", "b"] = "a"
    sizes: list[int] = []
    weights: dict[str, float] = {}
    inner: Inner = Inner()


# Words pydantic's lax mode reads as bools or numbers, YAML 1.1/1.2 specials, and the keys the
# formats give a meaning to.
_SPECIAL = {
    "t", "f", "y", "n", "yes", "no", "on", "off", "true", "false", "null", "none", "nan", "inf",
    "defaults", "value", "desc", "wandb_version", "_wandb",
}
words = st.text(string.ascii_lowercase, min_size=1, max_size=6).filter(
    lambda w: w not in _SPECIAL
)
ints = st.integers(-(10**9), 10**9)
floats = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
bools = st.booleans()
scalars = st.one_of(ints, floats, bools, words, st.none())
anything = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=6,
)  # fmt: skip

FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "count": st.one_of(ints, floats, bools, words, st.none(), st.lists(ints, max_size=2)),
    "ratio": st.one_of(ints, floats, bools, words, st.none()),
    "flag": st.one_of(bools, st.integers(2, 9), floats.filter(lambda x: x not in (0, 1)), words),
    "maybe": st.one_of(ints, floats, bools, words, st.none()),
    "name": st.one_of(words, st.none(), st.lists(words, max_size=2)),
    "mode": st.one_of(st.sampled_from(["a", "b"]), words, ints, bools),
    "sizes": st.one_of(st.lists(st.one_of(ints, bools, floats, words), max_size=3), ints, words),
    "weights": st.one_of(
        st.dictionaries(words, st.one_of(floats, ints, bools, words), max_size=3), ints
    ),
    "inner": st.one_of(
        st.fixed_dictionaries(
            {},
            optional={
                "rate": st.one_of(floats, ints, bools, words),
                "steps": st.one_of(st.integers(-3, 9), floats, bools),
                "on": st.one_of(bools, st.integers(2, 9), words),
                "extra": anything,
            },
        ),
        ints,
        words,
    ),
}


@st.composite
def configs(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(FIELDS)), unique=True, max_size=5)):
        data[key] = draw(FIELDS[key])
    if draw(st.booleans()) and draw(st.booleans()):
        data[draw(words.filter(lambda w: w not in FIELDS))] = draw(anything)
    return data


VALIDATORS = {
    (style, partial): jsonschema.Draft202012Validator(
        typedcfg.json_schema(Diff, style=style, partial=partial)
    )
    for style in ("plain", "wandb")
    for partial in (False, True)
}


def _desc_value(data: dict[str, Any], with_desc: bool) -> dict[str, Any]:
    """The desc/value form. ``weights: {value: 0}`` is also a plain ``dict[str, float]`` (the
    format cannot tell), so a dict field's entry always has its ``desc``."""
    return {
        k: ({"desc": "d", "value": v} if with_desc or k == "weights" else {"value": v})
        for k, v in data.items()
    }


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=configs(), style=st.sampled_from(["plain", "wandb"]), partial=st.booleans(),
       with_desc=st.booleans())  # fmt: skip
def test_check_and_the_json_schema_agree(
    tmp_path: Path, data: dict[str, Any], style: str, partial: bool, with_desc: bool
) -> None:
    """Same verdict for the same file: accepted by both, or rejected by both."""
    written = data if style == "plain" or not data else _desc_value(data, with_desc)
    text = yaml.safe_dump(written, sort_keys=False)
    assert yaml.safe_load(text) == written  # the editor reads what was generated
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    problems = [p.text() for p in check_file(Diff, str(path), partial=partial)]
    errors = [e.message for e in VALIDATORS[style, partial].iter_errors(written)]
    assert (problems == [], errors == []) in [(True, True), (False, False)], (
        f"{text}\ncheck: {problems}\nschema: {errors}"
    )


def test_the_partial_schema_requires_nothing() -> None:
    """``typedcfg schema --partial``: a fragment with only ``inner.rate`` is valid; the whole
    schema wants ``count``; a desc/value entry still needs its ``value``."""
    fragment = {"inner": {"rate": 0.5}}
    assert VALIDATORS["plain", True].is_valid({})
    assert VALIDATORS["plain", True].is_valid(fragment)
    assert not VALIDATORS["plain", False].is_valid(fragment)
    assert VALIDATORS["wandb", True].is_valid({"ratio": {"value": 0.1}})
    assert not VALIDATORS["wandb", True].is_valid({"ratio": {"desc": "no value"}})
    whole = typedcfg.json_schema(Diff)
    assert whole["required"] == ["count"]
    assert "required" not in typedcfg.json_schema(Diff, partial=True)


def test_typedcfg_schema_partial_on_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "schema.py").write_text(
        "from pydantic import BaseModel\n\n"
        "class Inner(BaseModel):\n    rate: float\n\n"
        "class Config(BaseModel):\n    count: int\n    inner: Inner\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "typedcfg", "schema", "--partial", "schema.py:Config"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert "required" not in schema
    assert "required" not in schema["$defs"]["Inner"]
    assert schema["properties"]["count"] == {"title": "Count", "type": "integer"}
