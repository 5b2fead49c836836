"""What the ``typedcfg`` commands ``check``, ``schema``, ``defaults``, ``infer`` and ``explain``
do; ``cli.py`` parses the command line and imports this module only when one of them runs.

Exit status: 0 success, 1 a checked file or composition is invalid or a schema file is stale,
2 a usage error. User errors are raised as :class:`typedcfg.TypedcfgError`; ``cli.main``
prints them.
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

from ..errors import ConfigFileError, SchemaError
from ..pipeline import CWD_DEFAULTS, compose
from ..provenance import Origin, SourceKind
from ..tools.check import Problem, check_file, error_problems, escape_data
from ..tools.hydra_tree import check_tree, infer_tree, primary_file
from ..tools.json_schema import defaults_yaml, infer_source, json_schema
from ..tools.schema_ref import load_schema

__all__ = [
    "Problem",
    "check_file",
    "load_schema",
    "run_check",
    "run_defaults",
    "run_explain",
    "run_infer",
    "run_schema",
    "schema_text",
]


def _ref_origin(args_list: Sequence[str], ref: str) -> Origin:
    for i, token in enumerate(args_list):
        if token == ref or token.endswith("=" + ref):
            return Origin.argv(i, token)
    return Origin(SourceKind.ARGV, text=ref)


# --------------------------------------------------------------------------------------------
# check


def run_check(args: argparse.Namespace, args_list: Sequence[str]) -> int:
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


def run_schema(args: argparse.Namespace, args_list: Sequence[str]) -> int:
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


def run_defaults(args: argparse.Namespace, args_list: Sequence[str]) -> int:
    schema = load_schema(args.ref, _ref_origin(args_list, args.ref))
    return _output(defaults_yaml(schema), args.output)


def run_infer(args: argparse.Namespace, args_list: Sequence[str]) -> int:
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


def run_explain(args: argparse.Namespace, args_list: Sequence[str]) -> int:
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
