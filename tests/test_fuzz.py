"""Property tests: whatever the input, typedcfg raises nothing but ``TypedcfgError``.

Random YAML-ish text through the YAML loader and through ``load``; random override tokens;
random nested configs with random overrides. The budgets are small for CI; the long-running
fuzzers are ``fuzz/fuzz_yaml.py`` and ``fuzz/fuzz_overrides.py`` (see docs/hardening.md).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import typedcfg
from typedcfg.provenance import SourceKind
from typedcfg.read.yaml_loader import parse_yaml
from typedcfg.typeinfo import schema_tree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from invalid_schemas import Basic, Free

FAST = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Pieces that YAML and the override grammar give meaning to, so random text hits the parsers'
# interesting branches rather than only plain words.
YAML_PIECES = [
    "a", "epochs", "optim", "lr", "tags", "name", ":", ": ", "\n", "  ", "\t", "- ", "-", "[",
    "]", "{", "}", ",", "'", '"', "#", "&x", "*x", "!", "!!", "!!python/name:os.system",
    "!!int", "!!str", "<<", "? ", "|", ">", "---", "...", "%YAML 1.2", "%TAG", "${a}", "${",
    "1", "0x1f", "1e3", ".inf", "null", "~", "true", "\\", "\r\n", "\ufeff", "\x00", "\x07",
    "wandb_version", "value", "desc", "defaults", "9" * 5,
]
OVERRIDE_PIECES = [
    "epochs", "optim", ".", "lr", "tags", "name", "mode", "kind", "=", "==", "+", "++", "~",
    "[", "]", "{", "}", "(", ")", ",", "'", '"', "\\", " ", ":", "${", "}", "$", "@", "/",
    "1", "-1", "0.5", "1e3", "true", "null", "None", "abc", "choice", "range", "glob",
    "int", "str", "sort", "shuffle", "tag", "interval", "oc.env", "--", "--configs",
    "-h", "{\"a\": 1}",
]

yamlish = st.lists(st.sampled_from(YAML_PIECES) | st.text(max_size=4), max_size=40).map("".join)
token = st.lists(st.sampled_from(OVERRIDE_PIECES) | st.text(max_size=3), max_size=10).map(
    "".join
)
# Drop --configs so a random token never names a real file on this machine.
tokens = st.lists(token.filter(lambda t: "--configs" not in t), max_size=6)


def _quiet_load(schema: type[Any], argv: list[str], **options: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty-file and key warnings are fine here
        try:
            typedcfg.load(schema, argv, defaults=options.pop("defaults", None), **options)
        except typedcfg.TypedcfgError as exc:
            assert str(exc), "a TypedcfgError always has a message"


@FAST
@given(text=yamlish)
def test_yaml_loader_raises_only_typed_errors(text: str) -> None:
    """parse_yaml on random YAML-ish text returns a document or raises ConfigFileError."""
    for hint in (None, schema_tree(Basic)):
        try:
            parse_yaml(text, "fuzz.yaml", SourceKind.CONFIG_FILE, hint)
        except typedcfg.ConfigFileError as exc:
            assert str(exc).startswith("fuzz.yaml")


@FAST
@given(text=yamlish)
def test_load_of_random_file_raises_only_typed_errors(text: str, tmp_path: Path) -> None:
    """load() with a random defaults file raises nothing but TypedcfgError."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _quiet_load(Basic, [], defaults=str(path))
    _quiet_load(Free, [], defaults=str(path))


@FAST
@given(argv=tokens)
def test_random_override_tokens_raise_only_typed_errors(argv: list[str]) -> None:
    """load() with random command-line tokens raises nothing but TypedcfgError."""
    _quiet_load(Basic, argv)


@FAST
@given(argv=tokens, env=st.dictionaries(st.sampled_from(["APP_EPOCHS", "APP_OPTIM__LR",
                                                            "APP_TAGS", "APP__X", "APP_NAME"]),
                                           token, max_size=3))
def test_random_environment_raises_only_typed_errors(argv: list[str], env: dict[str, str]) -> None:
    """Random environment values under the prefix raise nothing but TypedcfgError."""
    _quiet_load(Basic, argv, env_prefix="APP_", environ=env)


keys = st.sampled_from(["epochs", "lr", "flag", "name", "tags", "extra", "mode", "kind",
                        "ratio", "either", "optim", "token", "x", "a.b", "_h", "-d"])
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(
    max_size=8
)
nested = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(keys | st.sampled_from(["name", "lr", "betas"]), children, max_size=3),
    max_leaves=12,
)
configs = st.dictionaries(keys, nested, max_size=6)


@FAST
@given(config=configs, argv=tokens)
def test_random_configs_with_random_overrides_raise_only_typed_errors(
    config: dict[str, Any], argv: list[str], tmp_path: Path
) -> None:
    """A random nested config file plus random overrides: a config or a TypedcfgError."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8",
                    errors="surrogatepass")
    _quiet_load(Basic, argv, defaults=str(path))
    _quiet_load(Free, argv, defaults=str(path))


@pytest.mark.parametrize("seed_dir", ["yaml", "overrides"])
def test_fuzz_seeds_exist(seed_dir: str) -> None:
    """The fuzzers start from the corpus: fuzz/seeds/ holds inputs for both targets."""
    seeds = Path(__file__).resolve().parent.parent / "fuzz" / "seeds" / seed_dir
    assert len(os.listdir(seeds)) >= 20


# A secret value as a user might paste it: letters, digits and the punctuation of tokens.
secret_values = st.text(
    alphabet=st.sampled_from("abcXYZ0189-_.:/+=@%,[]{}'\"$ "), min_size=8, max_size=24
).map(lambda s: "Zq" + s)  # a prefix no key, flag or message of these tests contains
SECRET_FORMS = [
    "api_key={}", "++api_key={}", "--api_key={}", "--api_key\x00{}", "~api_key={}",
    'api_key="{}"', "api_key='{}'", "api_key=[{}]",
]


@FAST
@given(value=secret_values, form=st.sampled_from(SECRET_FORMS), others=tokens)
def test_secret_tokens_never_show_their_value(value: str, form: str, others: list[str]) -> None:
    """However a secret is written on the command line, no origin, error or kept argv shows it."""
    from invalid_schemas import Secret

    from typedcfg.read.argv import split_argv
    from typedcfg.read.masking import mask_argv

    assume("--" not in others)  # after '--' a flag is no flag: '--api_key VALUE' is two errors
    tree = schema_tree(Secret)
    argv = [*others, *form.format(value).split("\x00")]
    assert value not in " ".join(mask_argv(argv, tree))
    try:
        parts = split_argv(argv, tree)
    except typedcfg.TypedcfgError as exc:
        assert value not in str(exc)
        return
    for override in parts.overrides:
        assert value not in str(override.origin)
