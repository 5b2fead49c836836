"""The invalid-input corpus (tests/data/invalid/): every case through ``load`` and a program.

Each case runs twice: in this process through ``typedcfg.load`` (class, location and text are
checked against its ``case.json``), and as a decorated program in a child process (exit status
2, stderr starting with the location, no traceback). Cases marked ``known_bug`` in their
``case.json`` are known core bugs: they are strict xfails, so a fix makes them fail loudly until
the mark is removed. ``tools/check_corpus.py`` is the single command that runs the corpus; one
test runs it as users do.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import typedcfg
from typedcfg import errors

REPO = Path(__file__).resolve().parent.parent
TOOL = REPO / "tools" / "check_corpus.py"
ERRORS_PAGE = REPO / "docs" / "reference" / "errors.md"


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location("check_corpus", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_corpus"] = module
    spec.loader.exec_module(module)
    return module


cc = _tool()
CASES = cc.load_cases()
# Cases run in a child process for their memory bound (50 MB files) are checked through the
# load path only: forking a program per such case would double the slowest part of the suite.
PROGRAM_CASES = [c for c in CASES if not c.spec.get("subprocess")]


def _param(case: Any) -> Any:
    bug = case.spec.get("known_bug")
    marks = [pytest.mark.xfail(strict=True, reason=f"bug: {bug}")] if bug else []
    return pytest.param(case, id=case.name, marks=marks)


def test_corpus_size_and_shape() -> None:
    """The corpus has at least 80 cases and every case.json is complete and consistent."""
    assert len(CASES) >= 80
    names = set(cc.schemas())
    for case in CASES:
        spec = case.spec
        assert spec.get("schema", "Basic") in names, case.name
        assert spec.get("expect", "error") in ("error", "ok", "warning", "either"), case.name
        assert spec.get("description"), case.name
        if case.expect in ("error", "either"):
            assert spec.get("location"), case.name
        if case.expect == "error":
            assert spec.get("error") in errors.__all__, case.name
            assert spec.get("location"), case.name
        if case.expect == "warning":
            assert spec.get("warning") in errors.__all__, case.name


def test_corpus_covers_the_issue_list() -> None:
    """Each kind of bad input the hardening issue lists has at least one case."""
    names = [c.name for c in CASES]
    required = [
        "yaml-scanner", "yaml-parser", "yaml-tab", "yaml-unclosed", "yaml-undefined-alias",
        "encoding-latin1", "encoding-utf8-bom", "encoding-crlf", "empty-file", "comments-only",
        "top-level-list", "top-level-scalar", "duplicate-", "tag-unsafe-python-object-apply",
        "tag-unknown", "billion-laughs", "deep-block-sequence-10000", "deep-flow-sequence-10000",
        "big-50mb", "type-int-", "type-float-", "type-bool-", "type-str-", "type-list-",
        "type-dict-", "type-enum-", "type-literal-", "type-optional-", "type-union-",
        "unknown-key-depth-3", "required-", "desc-value-without-value", "desc-value-extra-key",
        "desc-value-wandb-version-2", "override-no-key", "override-no-value",
        "override-double-equals", "override-plus-alone", "override-tilde-alone",
        "override-unbalanced-bracket", "override-unbalanced-single-quote",
        "override-unknown-function", "add-existing-key", "delete-missing-key",
        "group-unknown-option", "configs-missing", "configs-directory",
        "configs-unreadable-through-file", "interpolation-cycle", "interpolation-missing-key",
        "defaults-list-cycle", "type-env-",
    ]
    missing = [r for r in required if not any(n.startswith(r) for n in names)]
    assert missing == []


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case_through_load(case: Any, tmp_path: Path) -> None:
    """typedcfg.load raises the expected TypedcfgError class, located and worded as recorded
    (or loads, for the valid-but-tricky cases); nothing else escapes."""
    outcome = cc.run(case, tmp_path.resolve())
    assert cc.problems(case, outcome) == []


@pytest.fixture(scope="module")
def program_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every case run as a decorated program, each in its own forked child process."""
    root = tmp_path_factory.mktemp("programs")
    jobs = []
    for case in PROGRAM_CASES:
        workdir = root / case.name / "cwd"
        workdir.mkdir(parents=True)
        argv = cc.prepare(case, workdir)
        jobs.append({"name": case.name, "case": str(case.path), "workdir": str(workdir),
                     "argv": argv})
    jobs_file = root / "jobs.json"
    jobs_file.write_text(json.dumps(jobs))
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--programs", str(jobs_file)],
        capture_output=True, text=True, check=False, cwd=root,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {r["name"]: r for r in json.loads(proc.stdout.strip().splitlines()[-1])}


@pytest.mark.parametrize("case", [_param(c) for c in PROGRAM_CASES])
def test_case_through_program(case: Any, program_results: dict[str, dict[str, Any]]) -> None:
    """A decorated program given the case exits 2 with the located message on stderr and no
    traceback (or runs its body, for the cases that load)."""
    result = program_results[case.name]
    found = cc.program_problems(case, result["status"], result["stdout"], result["stderr"])
    assert found == []


@pytest.mark.parametrize(
    "name", ["override-no-value", "duplicate-nested", "type-env-int", "group-unknown-option"]
)
def test_case_as_a_fresh_program(name: str, tmp_path: Path) -> None:
    """A few cases also run as a freshly started program (not forked): same status and text."""
    case = next(c for c in CASES if c.name == name)
    argv = cc.prepare(case, tmp_path)
    env = {**dict(__import__("os").environ), **case.spec.get("env", {})}
    proc = subprocess.run(
        [sys.executable, str(TOOL), "--program", name, *argv],
        capture_output=True, text=True, check=False, cwd=tmp_path, env=env,
    )
    assert cc.program_problems(case, proc.returncode, proc.stdout, proc.stderr) == []
    assert proc.returncode == 2


def test_single_command_reports_no_crashes() -> None:
    """``python tools/check_corpus.py`` tries every case and its summary line says 0 crashes."""
    proc = subprocess.run(
        [sys.executable, str(TOOL)], capture_output=True, text=True, check=False, cwd=REPO
    )
    last = proc.stdout.strip().splitlines()[-1]
    match = re.fullmatch(
        r"corpus: (\d+) cases tried, (\d+) typed errors, (\d+) loaded, (\d+) crashes", last
    )
    assert match, proc.stdout[-2000:]
    tried, typed, loaded, crashes = map(int, match.groups())
    known = sum(1 for c in CASES if c.spec.get("known_bug"))
    assert (tried, crashes) == (len(CASES), 0)
    assert typed + loaded + known == tried
    assert proc.returncode == 0


def test_errors_page_lists_every_error_class() -> None:
    """docs/reference/errors.md has a section for every exception class typedcfg exports."""
    page = ERRORS_PAGE.read_text()
    classes = [
        name for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), typedcfg.TypedcfgError)
    ]
    assert len(classes) >= 7
    missing = [name for name in classes if f"## `{name}`" not in page]
    assert missing == []


def test_errors_page_is_generated_from_the_snapshots() -> None:
    """docs/reference/errors.md is what tools/gen_errors_doc.py writes from the snapshots now."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "gen_errors_doc.py"), "--check"],
        capture_output=True, text=True, check=False, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
