"""A known secret fed through every path never shows up in any output typedcfg produces.

The secret (a ``SecretStr`` field's value) is given in turn through the defaults file, a
``--configs`` file, the environment and the command line; each output (error messages about
other fields and about the secret field itself, ``explain()``, ``repr`` of ``Loaded``,
``str(config)``, ``flatten``, ``to_wandb``, a program's ``--cfg`` and ``--explain``, files a run
record writes) is searched for the secret's text. Origins show file paths relative to the
working directory when the file is below it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

import typedcfg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from invalid_schemas import Secret

SECRET = "S3CR3T-abc123"
VIA = ["defaults-file", "configs-file", "env", "argv"]


def _inputs(via: str, cwd: Path) -> tuple[list[str], dict[str, Any]]:
    """argv and load options that set ``api_key`` to the secret through ``via``."""
    if via == "defaults-file":
        (cwd / "config-defaults.yaml").write_text(f"api_key: {SECRET}\nepochs: 2\n")
        return [], {}
    if via == "configs-file":
        (cwd / "secret.yaml").write_text(f"api_key: {SECRET}\n")
        return ["--configs", "secret.yaml"], {}
    if via == "env":
        return [], {"env_prefix": "APP_", "environ": {"APP_API_KEY": SECRET}}
    return [f"api_key={SECRET}"], {}


def _no_secret(text: str) -> None:
    assert text, "the output searched is empty"
    assert SECRET not in text


@pytest.mark.parametrize("via", VIA)
def test_loaded_outputs_hide_the_secret(via: str, cwd: Path) -> None:
    """str(config), repr(config), repr(Loaded), explain(), flatten and provenance hide it."""
    argv, options = _inputs(via, cwd)
    loaded = typedcfg.compose(Secret, [*argv, "name=visible"], **options)
    assert loaded.config.api_key.get_secret_value() == SECRET  # the secret did arrive
    _no_secret(str(loaded.config))
    _no_secret(repr(loaded.config))
    _no_secret(repr(loaded))
    _no_secret(repr(typedcfg.flatten(loaded.config)))
    _no_secret(str({k: str(v) for k, v in typedcfg.flatten(loaded).items()}))


@pytest.mark.parametrize("via", ["defaults-file", "configs-file", "env"])
def test_explain_hides_the_secret(via: str, cwd: Path) -> None:
    """explain() masks the secret's value (the source column names the file or variable)."""
    argv, options = _inputs(via, cwd)
    loaded = typedcfg.compose(Secret, argv, **options)
    text = loaded.explain()
    assert "api_key" in text and "**********" in text
    _no_secret(text)
    _no_secret(repr(dict(loaded.provenance.items())))


def test_explain_hides_a_secret_given_on_the_command_line(cwd: Path) -> None:
    """explain() masks the secret even when the command line set it."""
    loaded = typedcfg.compose(Secret, [f"api_key={SECRET}"])
    assert "api_key" in loaded.explain()
    _no_secret(loaded.explain() + repr(dict(loaded.provenance.items())))


def test_to_wandb_hides_the_secret(cwd: Path) -> None:
    """to_wandb() sends a masked value for a secret, in both plain and desc/value styles."""
    loaded = typedcfg.compose(Secret, [], env_prefix="APP_", environ={"APP_API_KEY": SECRET})
    plain = typedcfg.to_wandb(loaded)
    assert "api_key" in plain
    _no_secret(repr(plain))
    _no_secret(repr(typedcfg.to_wandb(loaded, desc=True)))


@pytest.mark.parametrize("via", VIA)
def test_error_about_another_field_hides_the_secret(via: str, cwd: Path) -> None:
    """A validation error elsewhere (all issues listed) never shows the secret."""
    argv, options = _inputs(via, cwd)
    with pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.load(Secret, [*argv, "epochs=many", "optim.lr=-1", "nope=1"], **options)
    assert len(info.value.issues) == 3
    _no_secret(str(info.value))
    _no_secret(repr([(i.value, i.message) for i in info.value.issues]))


@pytest.mark.parametrize("via", ["defaults-file", "configs-file"])
def test_error_about_the_secret_field_hides_it(via: str, cwd: Path) -> None:
    """A wrong type for the secret field itself shows '**********', not the value.

    (An environment value cannot have the wrong type for a string field: it is kept as text.)
    """
    name = "config-defaults.yaml" if via == "defaults-file" else "secret.yaml"
    (cwd / name).write_text(f"api_key: {{nested: {SECRET}}}\n")
    argv = [] if via == "defaults-file" else ["--configs", name]
    with pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.load(Secret, argv)
    assert "api_key" in str(info.value)
    _no_secret(str(info.value))
    _no_secret(repr([i.value for i in info.value.issues]))


def test_error_about_the_secret_field_from_argv_hides_it(cwd: Path) -> None:
    """A wrong type for the secret given on the command line does not echo the token."""
    with pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.load(Secret, [f"api_key=[{SECRET}]"])
    _no_secret(str(info.value))


def _program(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "import typedcfg\nfrom invalid_schemas import Secret\n"
        "@typedcfg.main(Secret, env_prefix='APP_')\n"
        "def run(cfg):\n    print('ran', cfg)\n"
        "run()\n"
    )
    import os

    env = {**os.environ, "APP_API_KEY": SECRET}
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          check=False, cwd=cwd, env=env)


def test_program_cfg_explain_and_run_hide_the_secret(cwd: Path) -> None:
    """A decorated program's --cfg, --explain, error output and normal run hide the secret."""
    assert hasattr(typedcfg, "main")
    for flags, status in ([["--cfg"], 0], [["--explain"], 0], [[], 0], [["epochs=x"], 2]):
        proc = _program(cwd, *flags)
        assert proc.returncode == status, proc.stderr
        _no_secret(proc.stdout + proc.stderr)
        assert ("api_key" in proc.stdout) is (status == 0)


def test_run_record_files_hide_the_secret(cwd: Path) -> None:
    """Every file a run record writes (config, provenance, meta, summary) hides the secret."""
    _record_and_search([], {"env_prefix": "APP_", "environ": {"APP_API_KEY": SECRET}}, cwd)


def _record_and_search(argv: list[str], options: dict[str, Any], cwd: Path) -> None:
    loaded = typedcfg.compose(Secret, argv, **options)
    with typedcfg.record_run(loaded, runs_dir=cwd / "runs", run_id="r1"):
        pass
    written = [p for p in (cwd / "runs").rglob("*") if p.is_file()]
    assert len(written) >= 3
    for path in written:
        _no_secret(path.read_text(errors="replace") + f" ({path.name})")


def test_run_record_files_hide_a_secret_from_argv(cwd: Path) -> None:
    """A run record of a config whose secret came from the command line writes no secret."""
    argv, options = _inputs("argv", cwd)
    _record_and_search(argv, options, cwd)


def test_run_record_files_hide_a_secret_from_a_config_file(cwd: Path) -> None:
    """A run record of a config whose secret came from a --configs file writes no secret."""
    argv, options = _inputs("configs-file", cwd)
    _record_and_search(argv, options, cwd)


def test_origins_are_relative_below_the_working_directory(cwd: Path) -> None:
    """An absolute configs= path below the cwd shows relative; one outside stays absolute."""
    inner = cwd / "sub" / "run.yaml"
    inner.parent.mkdir()
    inner.write_text("epochs: 3\nname: [x]\n")
    with pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.load(Secret, [], configs=[str(inner)])
    assert str(info.value).startswith("sub/run.yaml:2:7: name: ")
    inner.write_text("epochs: 3\n")
    loaded = typedcfg.compose(Secret, [], configs=[str(inner)])
    assert "sub/run.yaml:1:9" in loaded.explain()
    assert str(cwd) not in loaded.explain()


def test_origins_outside_the_working_directory_stay_absolute(
    cwd: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A file outside the working directory keeps its absolute path in messages."""
    outside = tmp_path_factory.mktemp("elsewhere") / "run.yaml"
    outside.write_text("epochs: [3]\n")
    with pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.load(Secret, [], configs=[str(outside)])
    assert str(info.value).startswith(f"{outside}:1:9: epochs: ")


# --- the pieces that mask: split_argv's origins, Loaded.argv, run-record copies ------------------


class Db(BaseModel):
    """A nested model holding a secret."""

    user: str = "me"
    password: SecretStr = SecretStr("placeholder")


class Vault(BaseModel):
    """Secrets at several depths: a field, a nested field, a dict of secrets."""

    api_key: SecretStr = SecretStr("placeholder")
    db: Db = Db()
    tokens: dict[str, SecretStr] = {}
    name: str = "run"


SECRET_TOKENS = [
    [f"api_key={SECRET}"],
    [f"++api_key={SECRET}"],
    [f"--api_key={SECRET}"],
    ["--api_key", SECRET],
    [f"db.password={SECRET}"],
    [f"db={{user: me, password: {SECRET}}}"],
    [f"tokens.hub={SECRET}"],
    [f'{{"api_key": "{SECRET}", "name": "x"}}'],
]


@pytest.mark.parametrize("argv", SECRET_TOKENS, ids=lambda a: a[0].split("=")[0][:12])
def test_split_argv_masks_the_origin_of_a_secret_token(argv: list[str]) -> None:
    """With the schema tree, a token setting a secret gets an origin with its value masked."""
    from typedcfg.read.argv import split_argv
    from typedcfg.read.masking import mask_argv
    from typedcfg.typeinfo import schema_tree

    tree = schema_tree(Vault)
    parts = split_argv([*argv, "name=visible"], tree)
    shown = [str(o.origin) for o in parts.overrides]
    assert any("**********" in text for text in shown), shown
    assert any("name=visible" in text for text in shown), shown  # other tokens stay as given
    _no_secret(" ".join(shown))
    assert any(SECRET in repr(o.value) for o in parts.overrides)  # the value itself arrives
    masked = mask_argv([*argv, "name=visible"], tree)
    _no_secret(" ".join(masked))
    assert masked[-1] == "name=visible"


def test_split_argv_without_a_tree_keeps_tokens_as_given() -> None:
    """Without a schema tree nothing is known to be secret: origins show the token."""
    from typedcfg.read.argv import split_argv

    (override,) = split_argv([f"api_key={SECRET}"]).overrides
    assert str(override.origin) == f"argv[0] 'api_key={SECRET}'"


def test_unparsable_secret_token_does_not_echo_the_value() -> None:
    """A secret value the override grammar rejects gets an error that does not quote it."""
    from typedcfg.read.argv import split_argv
    from typedcfg.typeinfo import schema_tree

    with pytest.raises(typedcfg.OverrideError) as info:
        split_argv([f"api_key=[{SECRET}"], schema_tree(Vault))
    assert str(info.value).startswith(
        "argv[0] 'api_key=**********': cannot parse the value of a secret field"
    )
    _no_secret(str(info.value))
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_masked_argv_for_a_run_record() -> None:
    """store_files.masked_argv masks by the config's schema; a plain mapping masks nothing."""
    from typedcfg.runs.snapshot import masked_argv

    config = Vault(api_key=SecretStr(SECRET))
    assert masked_argv(["--api_key", SECRET, "name=x"], config) == [
        "--api_key", "**********", "name=x"
    ]
    assert masked_argv([f"api_key={SECRET}"], {"api_key": SECRET}) == [f"api_key={SECRET}"]


def test_copy_sources_masks_files_that_hold_a_secret(tmp_path: Path) -> None:
    """A file with a secret key, or a secret value anywhere (comments too), is copied masked."""
    from typedcfg.runs.snapshot import copy_sources

    by_key = tmp_path / "by_key.yaml"
    by_key.write_text(f"db:\n  password: other-{SECRET}\nname: kept  # a comment\n")
    by_value = tmp_path / "by_value.yaml"
    by_value.write_text(f"name: x\n# old api_key: {SECRET}\n")
    in_dict = tmp_path / "in_dict.yaml"
    in_dict.write_text("tokens:\n  hub: abc\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text("name: plain  # stays as written\n")
    out_dir = tmp_path / "run"
    out_dir.mkdir()
    config = Vault(api_key=SecretStr(SECRET))
    entries = copy_sources([str(p) for p in (by_key, by_value, in_dict, plain)], out_dir, config)
    copies = [(out_dir / e["copy"]).read_text() for e in entries]
    assert [e.get("masked", False) for e in entries] == [True, True, True, False]
    assert ["sha256" in e for e in entries] == [False, False, False, True]
    for text in copies:
        _no_secret(text)
    assert "password: '**********'" in copies[0] and "name: kept" in copies[0]
    assert "name: x" in copies[1]
    assert "tokens: '**********'" in copies[2] and "abc" not in copies[2]
    assert copies[3] == "name: plain  # stays as written\n"


def test_copy_sources_without_a_schema_copies_verbatim(tmp_path: Path) -> None:
    """Without a schema config (a mapping) nothing is known to be secret: files are copied."""
    from typedcfg.runs.snapshot import copy_sources

    source = tmp_path / "a.yaml"
    source.write_text("api_key: visible\n")
    (tmp_path / "run").mkdir()
    (entry,) = copy_sources([str(source)], tmp_path / "run", {"api_key": "visible"})
    assert (tmp_path / "run" / entry["copy"]).read_text() == "api_key: visible\n"
    assert "sha256" in entry


@pytest.mark.parametrize(
    "argv", [["db=mysql"], ["--db", "mysql"], ["db.user=me"], ["+db=postgres"]], ids=str
)
def test_tokens_that_cannot_hold_a_secret_stay_visible(argv: list[str]) -> None:
    """A plain word for a model holding a secret (a group option) and other keys stay as given."""
    from typedcfg.read.argv import split_argv
    from typedcfg.read.masking import mask_argv
    from typedcfg.typeinfo import schema_tree

    tree = schema_tree(Vault)
    assert mask_argv(argv, tree) == argv
    (override,) = split_argv(argv, tree).overrides
    assert "**********" not in str(override.origin)


def test_secret_flag_takes_a_value_with_an_equals_sign() -> None:
    """``--api_key abc==`` (base64 ends so) sets the secret; it is not a flag plus an override."""
    from typedcfg.read.argv import split_argv
    from typedcfg.typeinfo import schema_tree

    (override,) = split_argv(["--api_key", "'abc=='"], schema_tree(Vault)).overrides
    assert override.value == "abc=="
    assert str(override.origin) == "argv[0] '--api_key **********'"
    # Another flag does not take a following 'x=1': a bare --name (a str field) needs a value.
    needs = r"^argv\[0\] '--name': name needs a value \(str\)"
    with pytest.raises(typedcfg.OverrideError, match=needs):
        split_argv(["--name", "x=1"], schema_tree(Vault))


class Branch(BaseModel):
    """A recursive schema: the secret check must not walk it forever."""

    name: str = "root"
    token: SecretStr | None = None
    kids: list[Branch] = []


def test_masking_terminates_on_a_recursive_schema() -> None:
    """A recursive schema with a secret: values that may reach it are masked, names are not."""
    from typedcfg.read.masking import mask_argv, secret_names
    from typedcfg.typeinfo import schema_tree

    tree = schema_tree(Branch)
    assert secret_names(tree) == {"token"}
    argv = ["name=x", f"kids=[{{token: {SECRET}}}]", f"kids.0.token={SECRET}"]
    assert mask_argv(argv, tree) == ["name=x", "kids=**********", "kids.0.token=**********"]
