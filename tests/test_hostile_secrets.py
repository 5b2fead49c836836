"""Hostile inputs (issue 18): a secret never reaches an output, whichever way it is mistyped.

Each test gives a known secret through a path the issue found open (``--help`` of a file's
values, did-you-mean on a mistyped secret key, a container of secrets, a tag error, a copy of
the secret into a plain field) and searches every output for it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr

import typedcfg

SECRET = "SEKRET-4f9a"


class Db(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: SecretStr = SecretStr("x")


class Holder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr = SecretStr("t")


class Vault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr = SecretStr("dflt")
    keys: list[SecretStr] = []
    named: dict[str, SecretStr] = {}
    holders: list[Holder] = []
    db: Db = Db()
    note: str = ""
    epochs: int = 1


class Aliased(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False)

    api_key: SecretStr = Field(SecretStr("d"), alias="apiKey")


def _message(schema: type, argv: list[str], **options: object) -> str:
    with pytest.raises(typedcfg.TypedcfgError) as info:
        typedcfg.load(schema, argv, **options)  # type: ignore[call-overload]
    text = str(info.value)
    assert SECRET not in text, text
    assert SECRET not in repr(info.value)
    return text


PROGRAM = """
import sys
sys.path.insert(0, {tests!r})
import typedcfg
from test_hostile_secrets import Vault

@typedcfg.main(Vault)
def main(cfg):
    print("ran")

main()
"""


def _program(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (cwd / "prog.py").write_text(PROGRAM.format(tests=str(Path(__file__).parent)))
    return subprocess.run(
        [sys.executable, "prog.py", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


# --- 7. --help ---------------------------------------------------------------------------------


def test_help_masks_containers_of_secrets_from_the_file(cwd: Path) -> None:
    """keys, named and holders set in config-defaults.yaml: --help shows them masked."""
    (cwd / "config-defaults.yaml").write_text(
        f"keys: [{SECRET}]\nnamed: {{a: {SECRET}}}\nholders: [{{token: {SECRET}}}]\n"
    )
    result = _program(cwd, "--help")
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    lines = {
        line.split()[0].rstrip(":"): line for line in result.stdout.splitlines() if line.strip()
    }
    assert "= **********" in lines["keys"] and "= **********" in lines["named"]


# --- 8. did-you-mean on a secret key -----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        ([f"api_kye={SECRET}"], "argv[0] 'api_kye=**********': unknown key 'api_kye'"),
        (["--api_kye", SECRET], "argv[0] '--api_kye **********': unknown key 'api_kye'"),
        ([f"db.pasword={SECRET}"], "argv[0] 'db.pasword=**********': unknown key 'db.pasword'"),
    ],
)
def test_mistyped_secret_key_masks_the_value(argv: list[str], start: str) -> None:
    assert _message(Vault, argv, defaults=None).startswith(start)


def test_field_name_of_an_aliased_secret_masks_the_value() -> None:
    text = _message(Aliased, [f"api_key={SECRET}"], defaults=None)
    assert text.startswith("argv[0] 'api_key=**********': unknown key 'api_key'")


# --- 9. a plain word for a container of secrets ------------------------------------------------


@pytest.mark.parametrize("field", ["keys", "named"])
def test_plain_word_for_a_container_of_secrets(field: str, cwd: Path) -> None:
    text = _message(Vault, [f"{field}={SECRET}"], defaults=None)
    assert text.startswith(f"argv[0] '{field}=**********': {field}: Input should be a valid")
    (cwd / "c.yaml").write_text(f"{field}: {SECRET}\n")
    assert _message(Vault, [], configs=["c.yaml"], defaults=None).startswith("c.yaml:1:")
    environ = {"V_" + field.upper(): SECRET}
    text = _message(Vault, [], defaults=None, env_prefix="V_", environ=environ)
    assert text.startswith(f"env:V_{field.upper()}: ")


# --- 10. a tag error ---------------------------------------------------------------------------


@pytest.mark.parametrize("line", [f"api_key: !!int {SECRET}", f"keys: [!!float {SECRET}]"])
def test_tag_error_on_a_secret_does_not_quote_it(cwd: Path, line: str) -> None:
    (cwd / "c.yaml").write_text(line + "\n")
    text = _message(Vault, [], configs=["c.yaml"], defaults=None)
    assert text.startswith("c.yaml:1:") and "is not a valid !!" in text


def test_tag_error_on_a_plain_field_still_quotes_the_value(cwd: Path) -> None:
    (cwd / "c.yaml").write_text("note: !!int abc\n")
    with pytest.raises(typedcfg.ConfigFileError, match=r"'abc' is not a valid !!int"):
        typedcfg.load(Vault, [], configs=["c.yaml"], defaults=None)


# --- 11. a copy of a secret into a plain field -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        (f"api_key: {SECRET}\nnote: ${{api_key}}\n", []),
        (f"api_key: &k {SECRET}\nnote: *k\n", []),
        (f"api_key: {SECRET}\n", ["note=prefix-${api_key}"]),
    ],
    ids=["interpolation", "yaml-alias", "argv-interpolation"],
)
def test_copy_of_a_secret_into_a_plain_field_is_refused(
    cwd: Path, text: str, argv: list[str]
) -> None:
    (cwd / "c.yaml").write_text(text)
    message = _message(Vault, argv, configs=["c.yaml"], defaults=None)
    assert "note: holds a copy of the secret 'api_key'" in message


def test_copy_refused_in_a_program_before_any_output(cwd: Path) -> None:
    (cwd / "config-defaults.yaml").write_text(f"api_key: {SECRET}\nnote: ${{api_key}}\n")
    for flags in (["--cfg"], ["--explain"], []):
        result = _program(cwd, *flags)
        assert result.returncode == 2
        assert SECRET not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "holds a copy of the secret 'api_key'" in result.stderr
