"""The ``typedcfg`` command, run as a subprocess (``python -m typedcfg``) on good and bad files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from typedcfg.tools.json_schema import json_schema

REPO = Path(__file__).resolve().parent.parent
REF = "examples/07_ci_check/config_schema.py:TrainConfig"
EXAMPLE = "examples/07_ci_check"


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run ``python -m typedcfg ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "typedcfg", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def no_traceback(result: subprocess.CompletedProcess[str]) -> bool:
    return "Traceback" not in result.stderr and "Traceback" not in result.stdout


# ---------------------------------------------------------------------------------------------
# check

BROKEN_LINES = [
    f"{EXAMPLE}/broken.yaml:7:10: epochs: Input should be greater than or equal to 1 (got 0)",
    f"{EXAMPLE}/broken.yaml:9:10: batch_size: Input should be a valid integer, unable to parse "
    "string as an integer (got 'sixty-four')",
    f"{EXAMPLE}/broken.yaml:10:1: unknown key 'warmup_step'; did you mean 'warmup_steps'?",
    f"{EXAMPLE}/broken.yaml:13:10: precision: Input should be 'fp32', 'bf16' or 'fp16' (got 'fp8')",
    f"{EXAMPLE}/broken.yaml:19:5: unknown key 'optim.momentum'",
]


def test_check_passes_a_valid_file() -> None:
    """A valid desc/value file: exit 0, nothing on stdout, a one-line summary on stderr."""
    result = run("check", "--schema", REF, f"{EXAMPLE}/fixed.yaml")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == "typedcfg check: 1 file OK\n"


def test_check_reports_every_problem_located() -> None:
    """A broken file: exit 1, every problem as file:line:col: key.path: message."""
    result = run("check", "--schema", REF, f"{EXAMPLE}/broken.yaml")
    assert result.returncode == 1
    assert result.stdout.splitlines() == BROKEN_LINES
    assert result.stderr == "typedcfg check: 5 problems in 1 of 1 files\n"


def test_check_several_files_fails_when_any_fails() -> None:
    """Good and bad files together: the bad one's problems, exit 1, counts in the summary."""
    result = run("check", "--schema", REF, f"{EXAMPLE}/fixed.yaml", f"{EXAMPLE}/broken.yaml")
    assert result.returncode == 1
    assert result.stdout.splitlines() == BROKEN_LINES
    assert result.stderr == "typedcfg check: 5 problems in 1 of 2 files\n"


def test_check_github_format_prints_annotations() -> None:
    """--format github: one ::error workflow command per problem, location as properties."""
    result = run("check", "--format", "github", "--schema", REF, f"{EXAMPLE}/broken.yaml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"::error file={EXAMPLE}/broken.yaml,line=7,col=10,title=typedcfg check::"
        "epochs: Input should be greater than or equal to 1 (got 0)"
    )
    assert lines[2] == (
        f"::error file={EXAMPLE}/broken.yaml,line=10,col=1,title=typedcfg check::"
        "unknown key 'warmup_step'; did you mean 'warmup_steps'?"
    )
    assert len(lines) == 5


def test_check_github_format_escapes_newlines() -> None:
    """A hint's line break becomes %0A, so the annotation stays one line."""
    result = run("check", "--format", "github", "--schema", REF, f"{EXAMPLE}/long_run.yaml")
    assert result.returncode == 1
    assert result.stdout == (
        f"::error file={EXAMPLE}/long_run.yaml,title=typedcfg check::run_name: required, and no "
        "source sets it%0A  hint: set it in config-defaults.yaml, a --configs file or on the "
        "command line (run_name=...)\n"
    )


def test_check_partial_allows_missing_required_fields() -> None:
    """A --configs fragment fails as a full config and passes with --partial."""
    full = run("check", "--schema", REF, f"{EXAMPLE}/long_run.yaml")
    assert full.returncode == 1
    assert full.stdout.startswith(
        f"{EXAMPLE}/long_run.yaml: run_name: required, and no source sets it\n"
    )
    partial = run("check", "--partial", "--schema", REF, f"{EXAMPLE}/long_run.yaml")
    assert partial.returncode == 0
    assert partial.stdout == ""


def test_check_partial_still_reports_wrong_values(tmp_path: Path) -> None:
    """--partial forgives only missing fields: a wrong value in a fragment is still an error."""
    (tmp_path / "frag.yaml").write_text("epochs: -1\n", encoding="utf-8")
    result = run("check", "--partial", "--schema", str(REPO / REF), "frag.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "frag.yaml:1:9: epochs: Input should be greater than or equal to 1 (got -1)\n"
    )


def test_check_group_file_is_checked_at_its_group(tmp_path: Path) -> None:
    """With --config-dir, conf/optim/sgd.yaml is checked as the value of 'optim'."""
    (tmp_path / "conf" / "optim").mkdir(parents=True)
    (tmp_path / "conf" / "optim" / "sgd.yaml").write_text(
        "name: sgd\nlr: 0.1\nmomentum: 1.5\n", encoding="utf-8"
    )
    result = run(
        "check",
        "--partial",
        "--config-dir",
        "conf",
        "--schema",
        str(REPO / REF),
        "conf/optim/sgd.yaml",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stdout == (
        "conf/optim/sgd.yaml:3:11: optim.momentum: Input should be less than or equal to 1 "
        "(got 1.5)\n"
    )


def test_check_reports_unreadable_files_and_continues(tmp_path: Path) -> None:
    """Invalid YAML and a missing file are problems of those files (exit 1), not crashes."""
    (tmp_path / "bad.yaml").write_text("a: [\n", encoding="utf-8")
    result = run("check", "--schema", str(REPO / REF), "bad.yaml", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "bad.yaml:2:1: invalid YAML: did not find expected node content (while parsing a flow node)"
    )
    assert lines[1] == "nope.yaml: file not found"
    assert result.stderr == "typedcfg check: 2 problems in 2 of 2 files\n"
    assert no_traceback(result)


def test_check_warns_about_an_empty_file_and_ignores_hydra_settings(tmp_path: Path) -> None:
    """An empty file is valid (a warning on stderr); a 'hydra:' section is not the schema's."""
    (tmp_path / "empty.yaml").write_text("# nothing yet\n", encoding="utf-8")
    (tmp_path / "hydra.yaml").write_text(
        "run_name: r\nhydra:\n  run:\n    dir: outputs\n", encoding="utf-8"
    )
    result = run(
        "check", "--partial", "--schema", str(REPO / REF), "empty.yaml", "hydra.yaml",
        cwd=tmp_path,
    )
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == (
        "empty.yaml: warning: the file is empty; proceeding without its values\n"
        "typedcfg check: 2 files OK\n"
    )


def test_check_with_a_module_reference(tmp_path: Path) -> None:
    """package.module:Model imports from the working directory."""
    (tmp_path / "myschema.py").write_text(
        "from pydantic import BaseModel\n\nclass Cfg(BaseModel):\n    lr: float = 0.1\n",
        encoding="utf-8",
    )
    (tmp_path / "good.yaml").write_text("lr: 0.5\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("lr: fast\n", encoding="utf-8")
    good = run("check", "--schema", "myschema:Cfg", "good.yaml", cwd=tmp_path)
    assert good.returncode == 0
    bad = run("check", "--schema", "myschema:Cfg", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 1
    assert bad.stdout == (
        "bad.yaml:1:5: lr: Input should be a valid number, unable to parse string as a number "
        "(got 'fast')\n"
    )


def test_check_interpolations_resolve_within_the_file(tmp_path: Path) -> None:
    """${...} references resolve before validation, so a good reference passes."""
    (tmp_path / "myschema.py").write_text(
        "from pydantic import BaseModel\n\n"
        "class Cfg(BaseModel):\n    lr: float = 0.1\n    peak: float = 1.0\n",
        encoding="utf-8",
    )
    (tmp_path / "c.yaml").write_text("lr: 0.5\npeak: ${lr}\n", encoding="utf-8")
    result = run("check", "--schema", "myschema:Cfg", "c.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


BAD_REFS = [
    (
        "nocolon",
        "argv[2] 'nocolon': expected a schema reference 'package.module:Model' or "
        "'path/to/file.py:Model'\n",
    ),
    (
        "no_such_module_xyz:Model",
        "argv[2] 'no_such_module_xyz:Model': cannot import module 'no_such_module_xyz': "
        "No module named 'no_such_module_xyz'\n",
    ),
    (
        f"{EXAMPLE}/config_schema.py:TrainConfg",
        f"argv[2] '{EXAMPLE}/config_schema.py:TrainConfg': {EXAMPLE}/config_schema.py has no "
        "attribute 'TrainConfg'; did you mean 'TrainConfig'?\n",
    ),
    (
        f"{EXAMPLE}/config_schema.py:Field",
        f"argv[2] '{EXAMPLE}/config_schema.py:Field': 'Field' is not a schema: expected a "
        "pydantic BaseModel subclass, a pydantic dataclass or a dataclass (got function)\n",
    ),
    (
        "missing/file.py:Model",
        "argv[2] 'missing/file.py:Model': schema file 'missing/file.py' not found\n",
    ),
]


def test_bad_schema_references_exit_2_with_a_located_message() -> None:
    """Each malformed or unloadable REF: exit 2, one located message, no traceback."""
    for ref, message in BAD_REFS:
        result = run("check", "--schema", ref, f"{EXAMPLE}/fixed.yaml")
        assert (result.returncode, result.stderr) == (2, message), ref
        assert result.stdout == ""


def test_schema_file_that_fails_to_import(tmp_path: Path) -> None:
    """A schema file with a syntax error or a failing import is reported at its location."""
    (tmp_path / "broken_syntax.py").write_text("class A(:\n", encoding="utf-8")
    (tmp_path / "raises.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    syntax = run("schema", "broken_syntax.py:A", cwd=tmp_path)
    assert syntax.returncode == 2
    assert syntax.stderr == "broken_syntax.py:1:9: invalid Python: invalid syntax\n"
    raises = run("schema", "raises.py:A", cwd=tmp_path)
    assert raises.returncode == 2
    assert raises.stderr == ("raises.py: importing the schema file failed: RuntimeError: boom\n")
    assert no_traceback(syntax) and no_traceback(raises)


def test_usage_errors_exit_2() -> None:
    """Missing arguments and unknown commands are argparse usage errors (exit 2)."""
    missing = run("check")
    assert missing.returncode == 2
    assert "the following arguments are required: --schema" in missing.stderr
    no_files = run("check", "--schema", "examples/07_ci_check/config_schema.py:TrainConfig")
    assert no_files.returncode == 2
    assert no_files.stderr.endswith(
        "typedcfg check: error: the following arguments are required: FILE "
        "(or --config-name NAME)\n"
    )
    unknown = run("frobnicate")
    assert unknown.returncode == 2
    assert "invalid choice: 'frobnicate'" in unknown.stderr


def test_version() -> None:
    """--version prints the package version."""
    result = run("--version")
    assert (result.returncode, result.stdout) == (0, "typedcfg 0.1.0\n")


# ---------------------------------------------------------------------------------------------
# schema


def test_schema_prints_the_json_schema() -> None:
    """schema REF prints json_schema(...) for both styles."""
    from typedcfg.app.cli import load_schema

    schema = load_schema(str(REPO / REF))
    for style in ("plain", "wandb"):
        result = run("schema", REF, "--style", style)
        assert result.returncode == 0
        assert json.loads(result.stdout) == json_schema(schema, style)  # type: ignore[arg-type]


def test_schema_check_detects_stale_files(tmp_path: Path) -> None:
    """-o writes the file; --check passes on it, fails (exit 1) once it differs or is missing."""
    out = tmp_path / "s.json"
    written = run("schema", REF, "-o", str(out))
    assert written.returncode == 0
    assert written.stderr == f"wrote {out}\n"
    fresh = run("schema", REF, "-o", str(out), "--check")
    assert (fresh.returncode, fresh.stderr) == (0, f"{out}: up to date\n")
    data = json.loads(out.read_text())
    data["properties"]["epochs"]["default"] = 99
    out.write_text(json.dumps(data))
    stale = run("schema", REF, "-o", str(out), "--check")
    assert stale.returncode == 1
    assert stale.stderr == (
        f"{out}: stale; regenerate it with: typedcfg schema {REF} --style plain -o {out}\n"
    )
    other_style = run("schema", REF, "--style", "wandb", "-o", str(out), "--check")
    assert other_style.returncode == 1
    missing = run("schema", REF, "-o", str(tmp_path / "none.json"), "--check")
    assert missing.returncode == 1


def test_schema_check_needs_an_output_file() -> None:
    """--check without -o is a usage error."""
    result = run("schema", REF, "--check")
    assert (result.returncode, result.stderr) == (
        2,
        "argv[2] '--check': --check needs -o FILE: the schema file to compare\n",
    )


# ---------------------------------------------------------------------------------------------
# defaults, infer, explain


def test_defaults_prints_a_desc_value_file() -> None:
    """defaults REF prints config-defaults.yaml in desc/value form with the descriptions."""
    result = run("defaults", REF)
    assert result.returncode == 0
    out = result.stdout
    assert "epochs:\n  desc: Number of passes over the training set.\n  value: 10\n" in out
    required = "run_name:\n  desc: Name shown in the experiment tracker.\n  value: null  # required"
    assert required in out
    entries = yaml.safe_load(result.stdout)
    assert entries["optim"]["value"] == {"name": "adam", "lr": 0.0003, "weight_decay": 0.01}


def test_infer_prints_models_that_validate_the_file(tmp_path: Path) -> None:
    """infer FILE prints a module whose Config validates FILE through `typedcfg check`."""
    result = run("infer", f"{EXAMPLE}/fixed.yaml")
    assert result.returncode == 0
    assert "class Optim(BaseModel):\n    name: str = \"sgd\"\n" in result.stdout
    assert 'epochs: int = Field(20, description="Number of passes over the training set.")' in (
        result.stdout
    )
    (tmp_path / "inferred.py").write_text(result.stdout, encoding="utf-8")
    check = run(
        "check", "--schema", str(tmp_path / "inferred.py") + ":Config", f"{EXAMPLE}/fixed.yaml"
    )
    assert check.returncode == 0, check.stdout


def test_infer_errors(tmp_path: Path) -> None:
    """A missing file or a bad class name: exit 2 with a located message."""
    missing = run("infer", "nope.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("nope.yaml: file not found\n")
    (tmp_path / "a.yaml").write_text("x: 1\n", encoding="utf-8")
    bad_name = run("infer", "a.yaml", "--name", "not a name", cwd=tmp_path)
    assert (bad_name.returncode, bad_name.stderr) == (
        2,
        "argv[3] 'not a name': --name 'not a name' is not a Python class name\n",
    )


def test_explain_prints_the_provenance_table() -> None:
    """explain REF [overrides]: each key, its value and the source that set it."""
    result = run("explain", "--defaults", f"{EXAMPLE}/fixed.yaml", REF, "optim.lr=0.001")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["key", "value", "source"]
    row = next(line for line in lines if line.startswith("optim.lr "))
    assert row.split()[1:3] == ["0.001", "argv[0]"]
    assert row.endswith(f"(overrode {EXAMPLE}/fixed.yaml:18:9)")
    epochs = next(line for line in lines if line.startswith("epochs "))
    assert epochs.split() == ["epochs", "20", f"{EXAMPLE}/fixed.yaml:7:10"]


def test_explain_reports_bad_input_without_running(tmp_path: Path) -> None:
    """A bad override or a missing required field: exit 2, located messages on stderr."""
    result = run("explain", "--no-defaults", str(REPO / REF), "epochs=zero", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "argv[0] 'epochs=zero': epochs: Input should be a valid integer, unable to parse string "
        "as an integer (got 'zero')"
    )
    assert no_traceback(result)


def test_docstring_usage_of_the_example_runs() -> None:
    """Every command in the example's Usage: section runs (from the example's directory) with
    the exit status the docstring states, and the broken file's problems are printed."""
    source = (REPO / EXAMPLE / "config_schema.py").read_text(encoding="utf-8")
    usage = source.split("Usage:\n", 1)[1].split("\n\n", 1)[0]
    commands = [textwrap.dedent(line).split() for line in usage.splitlines()]
    assert len(commands) == 6
    results = []
    for command in commands:
        assert command[:3] == ["python", "-m", "typedcfg"]
        results.append(run(*command[3:], cwd=REPO / EXAMPLE))
    assert [r.returncode for r in results] == [0, 1, 0, 1, 0, 0]
    assert [line.split(": ", 1)[1] for line in results[1].stdout.splitlines()] == [
        line.split(": ", 1)[1] for line in BROKEN_LINES
    ]
    assert results[1].stdout.startswith("broken.yaml:7:10: epochs: ")
    assert results[3].stdout.startswith("::error file=broken.yaml,line=7,col=10,")
    assert "run_name:\n  desc: Name shown in the experiment tracker.\n" in results[4].stdout
    assert "optim.lr        0.001       argv[0] 'optim.lr=0.001'" in results[5].stdout


def test_pre_commit_hooks_run_the_console_script() -> None:
    """The hooks in .pre-commit-hooks.yaml run as pre-commit runs them: entry + args + files."""
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert sorted(hooks) == ["typedcfg-check", "typedcfg-schema"]
    check = hooks["typedcfg-check"]
    assert (check["language"], check["types"]) == ("python", ["yaml"])
    script = Path(sys.executable).parent / "typedcfg"  # the console script pip installed

    def hook(hook_id: str, *args: str) -> subprocess.CompletedProcess[str]:
        entry = hooks[hook_id]["entry"].split()
        assert entry[0] == "typedcfg"
        return subprocess.run(
            [str(script), *entry[1:], *args], cwd=REPO, capture_output=True, text=True,
            timeout=120,
        )

    assert hook("typedcfg-check", "--schema", REF, f"{EXAMPLE}/fixed.yaml").returncode == 0
    broken = hook(
        "typedcfg-check", "--schema", REF, f"{EXAMPLE}/fixed.yaml", f"{EXAMPLE}/broken.yaml"
    )
    assert broken.returncode == 1
    assert broken.stdout.splitlines() == BROKEN_LINES
    assert hooks["typedcfg-schema"]["pass_filenames"] is False
    result = hook(
        "typedcfg-schema",
        REF, "--style", "wandb", "-o", "schemas/examples/07_ci_check.wandb.schema.json",
    )
    assert (result.returncode, result.stderr) == (
        0, "schemas/examples/07_ci_check.wandb.schema.json: up to date\n"
    )


def test_load_schema_in_process_leaves_the_import_path_alone(tmp_path: Path) -> None:
    """A schema file is imported once under its own name; sys.path is as it was afterwards."""
    from typedcfg.app.cli import load_schema

    (tmp_path / "helper_mod_for_test.py").write_text("LR = 0.5\n", encoding="utf-8")
    (tmp_path / "cfg_for_test.py").write_text(
        "from pydantic import BaseModel\nfrom helper_mod_for_test import LR\n\n"
        "class Cfg(BaseModel):\n    lr: float = LR\n",
        encoding="utf-8",
    )
    before = list(sys.path)
    first = load_schema(f"{tmp_path / 'cfg_for_test.py'}:Cfg")
    again = load_schema(f"{tmp_path / 'cfg_for_test.py'}:Cfg")
    assert first is again
    assert first.__module__ == "cfg_for_test"
    assert first().lr == 0.5  # the neighbour module was importable while the file ran
    assert sys.path == before
