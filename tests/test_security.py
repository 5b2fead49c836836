"""Nothing in a config runs: safe YAML against every PyYAML unsafe tag, no ``_target_``
instantiation, and no eval/exec/pickle/unsafe YAML loading anywhere in the package."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict

import typedcfg
from typedcfg.provenance import SourceKind
from typedcfg.read.yaml_loader import parse_yaml

PACKAGE = Path(typedcfg.__file__).resolve().parent


class Anything(BaseModel):
    """Accepts any keys, so only the YAML reading is under test."""

    model_config = ConfigDict(extra="allow")


def _payloads(marker: Path) -> dict[str, str]:
    """One document per PyYAML python/* tag; each would touch ``marker`` if constructed."""
    touch = f"[{str(marker)!r}, 'w']"
    return {
        "python/object/apply": f"x: !!python/object/apply:builtins.open {touch}\n",
        "python/object/new": f"x: !!python/object/new:builtins.open {touch}\n",
        "python/object": "x: !!python/object:pathlib.PosixPath {}\n",
        "python/name": "x: !!python/name:os.system ''\n",
        "python/module": "x: !!python/module:os ''\n",
        "python/tuple": "x: !!python/tuple [1, 2]\n",
        "python/list": "x: !!python/list [1, 2]\n",
        "python/dict": "x: !!python/dict {a: 1}\n",
        "python/str": "x: !!python/str abc\n",
        "python/unicode": "x: !!python/unicode abc\n",
        "python/bytes": "x: !!python/bytes aGVsbG8=\n",
        "python/int": "x: !!python/int 1\n",
        "python/long": "x: !!python/long 1\n",
        "python/float": "x: !!python/float 1.5\n",
        "python/complex": "x: !!python/complex 1+2j\n",
        "python/bool": "x: !!python/bool true\n",
        "python/none": "x: !!python/none ''\n",
        "python/name-as-key": "!!python/name:os.system x: 1\n",
        "python/apply-in-list": f"x: [1, !!python/object/apply:builtins.open {touch}]\n",
        "python/apply-under-alias": f"a: &p !!python/object/apply:builtins.open {touch}\nb: *p\n",
    }


def test_payloads_are_live(tmp_path: Path) -> None:
    """The payloads really are dangerous: PyYAML's unsafe loader creates the marker file."""
    marker = tmp_path / "made-by-unsafe-load"
    made = yaml.unsafe_load(_payloads(marker)["python/object/apply"])
    made["x"].close()
    assert marker.exists()


@pytest.mark.parametrize("tag", sorted(_payloads(Path("m"))))
def test_unsafe_tag_is_refused_and_nothing_runs(tag: str, tmp_path: Path) -> None:
    """Each python/* tag is refused with a located ConfigFileError and nothing is constructed."""
    marker = tmp_path / "pwned"
    text = _payloads(marker)[tag]
    with pytest.raises(typedcfg.ConfigFileError) as info:
        parse_yaml(text, "evil.yaml", SourceKind.CONFIG_FILE)
    assert str(info.value).startswith("evil.yaml:")
    assert "unsafe tag !!python/" in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize("tag", ["python/object/apply", "python/name", "python/module"])
def test_unsafe_tag_through_load_from_every_file_kind(tag: str, cwd: Path) -> None:
    """The defaults file and --configs files are read with the same safe loader."""
    marker = cwd / "pwned"
    text = _payloads(marker)[tag]
    (cwd / "config-defaults.yaml").write_text(text)
    with pytest.raises(typedcfg.ConfigFileError, match=r"^config-defaults\.yaml:1:4: unsafe"):
        typedcfg.load(Anything, [])
    (cwd / "config-defaults.yaml").unlink()
    (cwd / "extra.yaml").write_text(text)
    with pytest.raises(typedcfg.ConfigFileError, match=r"^extra\.yaml:1:4: unsafe"):
        typedcfg.load(Anything, ["--configs", "extra.yaml"])
    assert not marker.exists()


def test_target_is_plain_data(cwd: Path) -> None:
    """A Hydra-style ``_target_`` stays a string: no import, no call, no object."""
    marker = cwd / "pwned"
    (cwd / "config-defaults.yaml").write_text(
        "job:\n  _target_: builtins.open\n  _args_: ['" + str(marker) + "', 'w']\n"
        "  file: " + str(marker) + "\n  mode: w\n"
    )

    class Schema(BaseModel):
        model_config = ConfigDict(extra="forbid")
        job: dict[str, Any]

    config = typedcfg.load(Schema, ["++job._recursive_=true", "++job._partial_=true"])
    assert config.job["_target_"] == "builtins.open"
    assert config.job["_args_"] == [str(marker), "w"]
    assert not marker.exists()


def test_target_os_system_from_argv_stays_text(cwd: Path) -> None:
    """``_target_: os.system`` with args from the command line is data, never called."""
    marker = cwd / "pwned"

    class Schema(BaseModel):
        model_config = ConfigDict(extra="allow")

    loaded = typedcfg.compose(
        Schema, ["+cmd._target_=os.system", f"+cmd._args_=['touch {marker}']"]
    )
    assert loaded.data["cmd"] == {"_target_": "os.system", "_args_": [f"touch {marker}"]}
    assert not marker.exists()


def test_interpolation_cannot_call_python(cwd: Path) -> None:
    """``${...}`` offers OmegaConf's resolvers only; an eval-like resolver is a located error."""
    with pytest.raises(typedcfg.CompositionError, match=r"^argv\[0\] .*Unsupported interpolation"):
        typedcfg.load(Anything, ["+x=${eval:'__import__(\"os\").system(\"true\")'}"])


FORBIDDEN_CALLS = {
    "eval", "exec", "compile", "__import__",
    "pickle.load", "pickle.loads", "marshal.loads", "shelve.open",
    "yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all",
}
# yaml.load / yaml.load_all are allowed only with a Loader that is visibly safe in the source.
LOADING_CALLS = {"yaml.load", "yaml.load_all"}
SAFE_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}
FORBIDDEN_IMPORTS = {"pickle", "marshal", "shelve", "dill", "cloudpickle"}
FORBIDDEN_NAMES = {"UnsafeLoader", "FullLoader", "Loader", "UnsafeConstructor", "FullConstructor"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _visibly_safe(loader: ast.expr | None) -> bool:
    if isinstance(loader, ast.IfExp):
        return _visibly_safe(loader.body) and _visibly_safe(loader.orelse)
    return loader is not None and _dotted(loader).rsplit(".", 1)[-1] in SAFE_LOADERS


def _violations(source: str, name: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Call) and _dotted(node.func) in FORBIDDEN_CALLS:
            found.append(f"{name}:{node.lineno}: call to {_dotted(node.func)}")
        elif isinstance(node, ast.Call) and _dotted(node.func) in LOADING_CALLS:
            loader = next((k.value for k in node.keywords if k.arg == "Loader"), None)
            if loader is None and len(node.args) > 1:
                loader = node.args[1]
            if not _visibly_safe(loader):
                found.append(f"{name}:{node.lineno}: call to {_dotted(node.func)} "
                             "without a visibly safe Loader")
        elif isinstance(node, ast.Import):
            found += [f"{name}:{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_IMPORTS]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_IMPORTS:
                found.append(f"{name}:{node.lineno}: from {node.module} import")
            found += [f"{name}:{node.lineno}: imports {a.name}" for a in node.names
                      if a.name in FORBIDDEN_NAMES]
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            found.append(f"{name}:{node.lineno}: uses {_dotted(node)}")
    return found


def test_scanner_finds_what_it_looks_for() -> None:
    """The AST scan flags each forbidden form (so an empty result below means something)."""
    sample = (
        "import pickle\nimport yaml\nfrom yaml import FullLoader\n"
        "eval('1')\nexec('x=1')\nyaml.load(s, Loader=yaml.UnsafeLoader)\nyaml.full_load(s)\n"
        "yaml.load(s, Loader=loader)\n"
        "yaml.load(s, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)\n"
    )
    kinds = " ".join(_violations(sample, "sample.py"))
    for word in ["import pickle", "FullLoader", "call to eval", "call to exec", "call to yaml.load",
                 "yaml.UnsafeLoader", "call to yaml.full_load", "sample.py:8: call to yaml.load"]:
        assert word in kinds
    assert "sample.py:9" not in kinds


def _scan_package() -> list[tuple[str, str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    found = [v for f in files for v in _violations(f.read_text(), f.name)]
    return [(v.split(":", 1)[0], v.split(": ", 1)[1]) for v in found]


def test_package_has_no_eval_exec_pickle_or_unsafe_yaml() -> None:
    """No module of typedcfg calls eval/exec/compile/pickle or an unsafe PyYAML loader."""
    assert _scan_package() == []
