"""The ``typedcfg`` command: ``check``, ``schema``, ``defaults``, ``infer``, ``explain``.

With :mod:`typedcfg.app.main`, the only library module that reads ``sys.argv``, prints and exits.

A schema is named ``package.module:Model`` (imported with the working directory on the path)
or ``path/to/file.py:Model``. ``check`` and ``infer`` also take a config tree
(``--config-dir DIR --config-name NAME``): ``check --all-options`` validates every composition
of it, ``infer`` prints models that fit them all (:mod:`typedcfg.tools.hydra_tree`). Exit status: 0
success, 1 a checked file or composition is invalid or a schema file is stale, 2 a usage error
(bad arguments, a schema that cannot be loaded, a bad input to ``explain``). User errors print
their message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import keyword
import os
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .._version import __version__
from ..errors import ConfigFileError, SchemaError, TypedcfgError
from ..pipeline import CWD_DEFAULTS, compose
from ..provenance import Origin, SourceKind
from ..runs.cli import add_runs_parser
from ..tools.check import Problem, check_file, error_problems, escape_data
from ..tools.hydra_tree import check_tree, infer_tree, primary_file
from ..tools.json_schema import defaults_yaml, infer_source, json_schema
from ..tools.schema_ref import load_schema

# check_file and Problem moved to typedcfg.tools.check; kept importable from here.
__all__ = ["Problem", "check_file", "load_schema", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit status (``argv`` defaults to ``sys.argv[1:]``)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    args = parser.parse_args(args_list)
    try:
        status: int = args.run(args, args_list)
        sys.stdout.flush()
    except TypedcfgError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`typedcfg schema REF | head`): no traceback, and no second
        # error when Python flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="typedcfg",
        description="Check config files, write JSON Schemas and config-defaults.yaml, infer "
        "schemas, and explain where each value comes from.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"typedcfg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ref_help = "the schema: package.module:Model or path/to/file.py:Model"

    check = sub.add_parser(
        "check", help="validate YAML config files, or a config tree's compositions"
    )
    check.add_argument("--schema", required=True, metavar="REF", help=ref_help)
    check.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="YAML files (plain or desc/value); with --config-name, overrides for the "
        "composition instead (key=value, group=option, +key=value, ~key)",
    )
    check.add_argument(
        "--partial",
        action="store_true",
        help="allow missing required fields (for --configs fragments and group files)",
    )
    check.add_argument(
        "--config-dir",
        metavar="DIR",
        help="root of config groups: defaults lists resolve here, and a file in a group "
        "directory is checked at its group's place",
    )
    check.add_argument(
        "--config-name",
        metavar="NAME",
        help="check the composition of primary config NAME in --config-dir, as a program "
        "composes it, instead of files",
    )
    check.add_argument(
        "--all-options",
        action="store_true",
        help="with --config-name: also compose and check every option of every group "
        "(each experiment too), one at a time",
    )
    check.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="with --config-name: list each composition checked, and its result, on stderr",
    )
    check.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="'github' prints GitHub Actions annotations",
    )
    check.set_defaults(run=_run_check, usage=check.error)

    schema = sub.add_parser("schema", help="write the JSON Schema of config files")
    schema.add_argument("ref", metavar="REF", help=ref_help)
    schema.add_argument(
        "--style",
        choices=("plain", "wandb"),
        default="plain",
        help="plain YAML, or the desc/value form of config-defaults.yaml",
    )
    schema.add_argument(
        "--partial",
        action="store_true",
        help="nothing required: the schema of fragments (--configs files, group options), "
        "as check --partial checks them",
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default stdout)")
    schema.add_argument(
        "--check", action="store_true", help="exit 1 when FILE differs from the schema"
    )
    schema.set_defaults(run=_run_schema)

    defaults = sub.add_parser("defaults", help="print a config-defaults.yaml from a schema")
    defaults.add_argument("ref", metavar="REF", help=ref_help)
    defaults.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    defaults.set_defaults(run=_run_defaults)

    infer = sub.add_parser(
        "infer", help="print pydantic models that fit a YAML file or a config tree"
    )
    infer.add_argument(
        "args",
        nargs="*",
        metavar="FILE",
        help="a config-defaults.yaml or plain YAML file; with --config-name, overrides "
        "applied to every composition instead",
    )
    infer.add_argument("--config-dir", metavar="DIR", help="root of config groups")
    infer.add_argument(
        "--config-name",
        metavar="NAME",
        help="infer from primary config NAME in --config-dir, composed once per option of "
        "every group",
    )
    infer.add_argument("--name", default="Config", help="the top-level class name")
    infer.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    infer.set_defaults(run=_run_infer, usage=infer.error)

    explain = sub.add_parser("explain", help="print each key, its value and the source that set it")
    explain.add_argument(
        "--defaults", metavar="FILE", help="the defaults file (default ./config-defaults.yaml)"
    )
    explain.add_argument("--no-defaults", action="store_true", help="read no defaults file")
    explain.add_argument("--config-dir", metavar="DIR", help="root of config groups")
    explain.add_argument("--config-name", metavar="NAME", help="primary config in --config-dir")
    explain.add_argument("--env-prefix", metavar="PREFIX", help="read PREFIX_* variables")
    explain.add_argument("ref", metavar="REF", help=ref_help)
    explain.add_argument(
        "overrides",
        nargs=argparse.REMAINDER,
        metavar="...",
        help="--configs FILE... and key=value overrides, as a typedcfg program takes them",
    )
    explain.set_defaults(run=_run_explain)
    add_runs_parser(sub)
    return parser


def _ref_origin(args_list: Sequence[str], ref: str) -> Origin:
    for i, token in enumerate(args_list):
        if token == ref or token.endswith("=" + ref):
            return Origin.argv(i, token)
    return Origin(SourceKind.ARGV, text=ref)


# --------------------------------------------------------------------------------------------
# check


def _run_check(args: argparse.Namespace, args_list: Sequence[str]) -> int:
    schema = load_schema(args.schema, _ref_origin(args_list, args.schema))
    if args.config_dir is not None and not os.path.isdir(args.config_dir):
        raise ConfigFileError(
            "--config-dir is not a directory",
            origin=Origin(SourceKind.CONFIG_FILE, args.config_dir),
        )
    if args.config_name is not None:
        if args.partial:
            _usage(args, "--partial checks files; a composition is checked whole")
        return _check_tree(schema, args)
    for flag, given in (("--all-options", args.all_options), ("--verbose", args.verbose)):
        if given:
            _usage(args, f"{flag} needs --config-name (and --config-dir)")
    if not args.files:
        _usage(args, "the following arguments are required: FILE (or --config-name NAME)")
    failed = 0
    count = 0
    for path in args.files:
        problems = check_file(schema, path, partial=args.partial, config_dir=args.config_dir)
        errors = [p for p in problems if p.level == "error"]
        count += len(errors)
        failed += bool(errors)
        for problem in problems:
            if args.format == "github":
                print(problem.github())
            elif problem.level == "warning":
                print(f"{problem.origin}: warning: {problem.message}", file=sys.stderr)
            else:
                print(problem.text())
    total = len(args.files)
    if failed:
        noun = "problem" if count == 1 else "problems"
        print(f"typedcfg check: {count} {noun} in {failed} of {total} files", file=sys.stderr)
        return 1
    print(f"typedcfg check: {total} {'file' if total == 1 else 'files'} OK", file=sys.stderr)
    return 0


def _usage(args: argparse.Namespace, message: str) -> NoReturn:
    """Exit with the subcommand's usage and ``message`` (status 2), as argparse does."""
    error: Callable[[str], NoReturn] = args.usage
    error(message)


def _tree_dir(args: argparse.Namespace) -> str:
    """``--config-dir``, which ``--config-name`` needs, checked to exist."""
    if args.config_dir is None:
        _usage(args, "--config-name needs --config-dir (the root of the config tree)")
    config_dir = str(args.config_dir)
    primary_file(config_dir, args.config_name)
    return config_dir


def _check_tree(schema: type[Any], args: argparse.Namespace) -> int:
    """``check --config-name``: every composition, each problem once with where it occurs."""
    config_dir = _tree_dir(args)
    fallback = Origin(SourceKind.CONFIG_FILE, primary_file(config_dir, args.config_name))
    outcomes = check_tree(
        schema, config_dir, args.config_name, list(args.files), all_options=args.all_options
    )
    # The same problem (one bad value in a file every composition reads) is shown once.
    where: dict[str, tuple[Problem, list[str]]] = {}
    failed = 0
    for outcome in outcomes:
        problems = error_problems(outcome.error, outcome.warnings, fallback)
        errors = [p for p in problems if p.level == "error"]
        failed += bool(errors)
        if args.verbose:
            status = "FAILED" if errors else "ok"
            print(f"{status:<6}  {outcome.variant.label}", file=sys.stderr)
        for problem in problems:
            key = problem.level + problem.text()
            where.setdefault(key, (problem, []))[1].append(outcome.variant.label)
    count = sum(p.level == "error" for p, _ in where.values())
    for problem, labels in where.values():
        shown = ", ".join(labels[:3]) + (f" and {len(labels) - 3} more" if len(labels) > 3 else "")
        if args.format == "github":
            print(problem.github() + escape_data(f" (in: {shown})"))
        elif problem.level == "warning":
            print(f"{problem.origin}: warning: {problem.message}\n  in: {shown}", file=sys.stderr)
        else:
            print(f"{problem.text()}\n  in: {shown}")
    total = len(outcomes)
    noun = "composition" if total == 1 else "compositions"
    if failed:
        problems_noun = "problem" if count == 1 else "problems"
        print(
            f"typedcfg check: {count} {problems_noun} in {failed} of {total} {noun} "
            f"of {args.config_name}",
            file=sys.stderr,
        )
        return 1
    print(f"typedcfg check: {total} {noun} of {args.config_name} OK", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------------------------
# schema, defaults, infer, explain


def _write(path: str, text: str) -> None:
    try:
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        raise ConfigFileError(
            f"cannot write the file: {exc.strerror or exc}",
            origin=Origin(SourceKind.CONFIG_FILE, path),
        ) from exc
    print(f"wrote {path}", file=sys.stderr)


def _output(text: str, path: str | None) -> int:
    if path is None:
        sys.stdout.write(text)
    else:
        _write(path, text)
    return 0


def schema_text(schema: type[Any], style: str, partial: bool = False) -> str:
    """The JSON Schema as the files under ``schemas/`` hold it (2-space indent, final newline)."""
    return (
        json.dumps(
            json_schema(schema, "wandb" if style == "wandb" else "plain", partial=partial),
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def _run_schema(args: argparse.Namespace, args_list: Sequence[str]) -> int:
    schema = load_schema(args.ref, _ref_origin(args_list, args.ref))
    text = schema_text(schema, args.style, args.partial)
    if not args.check:
        return _output(text, args.output)
    if args.output is None:
        raise SchemaError(
            "--check needs -o FILE: the schema file to compare",
            origin=_ref_origin(args_list, "--check"),
        )
    try:
        with open(args.output, encoding="utf-8") as fh:
            current = json.load(fh)
    except (OSError, ValueError):
        current = None
    if current == json.loads(text):
        print(f"{args.output}: up to date", file=sys.stderr)
        return 0
    print(
        f"{args.output}: stale; regenerate it with: typedcfg schema {args.ref} "
        f"--style {args.style} -o {args.output}",
        file=sys.stderr,
    )
    return 1


def _run_defaults(args: argparse.Namespace, args_list: Sequence[str]) -> int:
    schema = load_schema(args.ref, _ref_origin(args_list, args.ref))
    return _output(defaults_yaml(schema), args.output)


def _run_infer(args: argparse.Namespace, args_list: Sequence[str]) -> int:
    if not args.name.isidentifier() or keyword.iskeyword(args.name):
        raise SchemaError(
            f"--name {args.name!r} is not a Python class name",
            origin=_ref_origin(args_list, args.name),
        )
    if args.config_name is not None:
        config_dir = _tree_dir(args)
        source, notes = infer_tree(config_dir, args.config_name, list(args.args), args.name)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        return _output(source, args.output)
    if args.config_dir is not None:
        _usage(args, "--config-dir needs --config-name (the primary config to compose)")
    if len(args.args) != 1:
        _usage(args, "give one FILE, or --config-dir DIR --config-name NAME [OVERRIDE ...]")
    return _output(infer_source(pathlib.Path(args.args[0]), args.name), args.output)


def _run_explain(args: argparse.Namespace, args_list: Sequence[str]) -> int:
    schema = load_schema(args.ref, _ref_origin(args_list, args.ref))
    defaults: Any = CWD_DEFAULTS
    if args.no_defaults:
        defaults = None
    elif args.defaults is not None:
        defaults = args.defaults
    loaded = compose(
        schema,
        list(args.overrides),
        defaults=defaults,
        env_prefix=args.env_prefix,
        config_dir=args.config_dir,
        config_name=args.config_name,
    )
    print(loaded.explain())
    return 0
