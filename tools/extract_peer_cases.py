"""Extract the peers' published test cases as data into ``tests/data/peers/``.

Usage:
    python tools/extract_peer_cases.py HYDRA_GIT_DIR HYDRA_REF WANDB_GIT_DIR WANDB_REF

The git directories are bare mirrors (the ``fetch`` tool's ``/work/.mirror/<owner>+<name>/repo``).
Nothing of the peers' code is kept: only the inputs of their parametrized cases, the expected
values their tests state (as literals where they are literals, as source text otherwise), and
for Hydra's defaults-list cases the small YAML trees the cases read. The differential tests run
the live peer on the same inputs; the expected values are kept to show what the peer's own
authors pinned.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "peers"
# The test functions of Hydra's parser suite whose inputs are override tokens or parts of one,
# and the grammar rule each one parses (found in its body).
PARSER_FILE = "tests/test_overrides_parser.py"
DEFAULTS_FILES = ("tests/defaults_list/test_defaults_tree.py",
                  "tests/defaults_list/test_defaults_list.py")
DEFAULTS_DATA = "tests/defaults_list/data"


def git(git_dir: str, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True,
                          capture_output=True, text=True).stdout


def encode(node: ast.expr) -> dict[str, Any]:
    """A parameter as data: its literal value when it has one, its source text always."""
    out: dict[str, Any] = {"src": ast.unparse(node)}
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        pass
    else:
        if isinstance(value, (str, int, float, bool, type(None), list, dict)):
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                pass
            else:
                out["literal"] = value
    if isinstance(node, ast.Call) and ast.unparse(node.func) == "raises":
        out["raises"] = True
        for kw in node.keywords:
            if kw.arg == "match":
                inner = kw.value
                if isinstance(inner, ast.Call) and inner.args:  # re.escape("...")
                    inner = inner.args[0]
                try:
                    out["match"] = ast.literal_eval(inner)
                except (ValueError, SyntaxError, TypeError):
                    out["match_src"] = ast.unparse(kw.value)
    return out


def param_rows(call: ast.Call) -> tuple[list[str], list[dict[str, Any]]] | None:
    """The argument names and rows of one ``@mark.parametrize(names, [param(...), ...])``."""
    if not call.args or not isinstance(call.args[0], ast.Constant):
        return None
    names = [n.strip() for n in str(call.args[0].value).split(",")]
    table = call.args[1] if len(call.args) > 1 else None
    if not isinstance(table, (ast.List, ast.Tuple)):
        return None
    rows: list[dict[str, Any]] = []
    for item in table.elts:
        args: list[ast.expr]
        ident = None
        if isinstance(item, ast.Call) and ast.unparse(item.func) in ("param", "pytest.param"):
            args = list(item.args)
            for kw in item.keywords:
                if kw.arg == "id" and isinstance(kw.value, ast.Constant):
                    ident = kw.value.value
        elif isinstance(item, ast.Tuple):
            args = list(item.elts)
        elif len(names) == 1:
            args = [item]
        else:
            continue
        if len(args) != len(names):
            continue
        row = {name: encode(arg) for name, arg in zip(names, args, strict=True)}
        rows.append({"id": ident, **row})
    return names, rows


def rule_of(func: ast.FunctionDef) -> str | None:
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name.endswith("parse_rule") and len(node.args) >= 2:
                rule = node.args[1]
                if isinstance(rule, ast.Constant):
                    return str(rule.value)
                return ast.unparse(rule)  # the 'rule' parameter
            if name.endswith("parse_override"):
                return "override"
            if name.endswith("parse_overrides"):
                return "overrides"
    return None


def tables(source: str) -> list[dict[str, Any]]:
    """Every parametrized test function: its name, the rule it parses, its tables."""
    out: list[dict[str, Any]] = []
    for func in ast.parse(source).body:
        if not isinstance(func, ast.FunctionDef) or not func.name.startswith("test_"):
            continue
        found = []
        for deco in func.decorator_list:
            if isinstance(deco, ast.Call) and ast.unparse(deco.func).endswith("parametrize"):
                table = param_rows(deco)
                if table is not None:
                    found.append({"names": table[0], "rows": table[1]})
        if found:
            out.append({"test": func.name, "rule": rule_of(func), "tables": found})
    return out


def main(hydra: str, hydra_ref: str, wandb: str, wandb_ref: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    commit = git(hydra, "rev-parse", hydra_ref).strip()
    source = git(hydra, "show", f"{commit}:{PARSER_FILE}")
    doc = {"source": {"repository": "facebookresearch/hydra", "path": PARSER_FILE,
                      "commit": commit, "ref": hydra_ref},
           "tests": tables(source)}
    (OUT / "hydra_overrides_parser.json").write_text(json.dumps(doc, indent=1,
                                                                ensure_ascii=False) + "\n")
    cases: list[dict[str, Any]] = []
    for path in DEFAULTS_FILES:
        for test in tables(git(hydra, "show", f"{commit}:{path}")):
            cases.append({"file": path, **test})
    doc = {"source": {"repository": "facebookresearch/hydra", "paths": list(DEFAULTS_FILES),
                      "data": DEFAULTS_DATA, "commit": commit, "ref": hydra_ref},
           "tests": cases}
    (OUT / "hydra_defaults_list.json").write_text(json.dumps(doc, indent=1) + "\n")
    tree = OUT / "hydra_defaults_tree"
    names = git(hydra, "ls-tree", "-r", "--name-only", commit, DEFAULTS_DATA).split()
    for name in names:
        if not name.endswith(".yaml"):
            continue  # the tree's __init__.py files are code
        target = tree / name[len(DEFAULTS_DATA) + 1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(git(hydra, "show", f"{commit}:{name}"))
    (tree / "SOURCE.txt").write_text(
        f"facebookresearch/hydra {commit} ({hydra_ref}) {DEFAULTS_DATA}/ (YAML files only), "
        "MIT licence.\n")
    wcommit = git(wandb, "rev-parse", wandb_ref).strip()
    wpath = "tests/unit_tests/test_wandb_config.py"
    wsource = git(wandb, "show", f"{wcommit}:{wpath}")
    wtests = []
    for func in ast.parse(wsource).body:
        if isinstance(func, ast.FunctionDef) and func.name.startswith("test_"):
            # The operations and assertions as source lines: the differential test replays
            # the ones it can express on both objects.
            wtests.append({"test": func.name,
                           "body": [ast.unparse(stmt) for stmt in func.body]})
    doc = {"source": {"repository": "wandb/wandb", "path": wpath, "commit": wcommit,
                      "ref": wandb_ref}, "tests": wtests}
    (OUT / "wandb_config.json").write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:5])
