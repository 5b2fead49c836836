"""The ``typedcfg`` command: ``check``, ``schema``, ``defaults``, ``infer``, ``explain``.

With :mod:`typedcfg.app.main` and the commands' bodies in :mod:`typedcfg.app.commands` (imported
when one of them runs), the only library code that reads ``sys.argv``, prints and exits.

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
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..errors import TypedcfgError
from ..runs.cli import add_runs_parser

if TYPE_CHECKING:
    from ..tools.check import Problem, check_file
    from ..tools.schema_ref import load_schema
    from .commands import schema_text

# check_file and Problem moved to typedcfg.tools.check, schema_text to commands.py; all are
# kept importable from here.
__all__ = ["Problem", "check_file", "load_schema", "main", "schema_text"]


def __getattr__(name: str) -> Any:
    """The names kept importable from here, imported on first use (see :func:`_command`)."""
    if name in ("Problem", "check_file", "load_schema", "schema_text"):
        from . import commands

        return getattr(commands, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    check.set_defaults(run=_command("run_check"), usage=check.error)

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
    schema.set_defaults(run=_command("run_schema"))

    defaults = sub.add_parser("defaults", help="print a config-defaults.yaml from a schema")
    defaults.add_argument("ref", metavar="REF", help=ref_help)
    defaults.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    defaults.set_defaults(run=_command("run_defaults"))

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
    infer.set_defaults(run=_command("run_infer"), usage=infer.error)

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
    explain.set_defaults(run=_command("run_explain"))
    add_runs_parser(sub)
    return parser


def _command(name: str) -> Callable[[argparse.Namespace, Sequence[str]], int]:
    """The command ``name`` of :mod:`.commands`, imported when the command runs: it brings the
    pipeline, pydantic and PyYAML, which ``typedcfg runs ...`` has no use for."""

    def run(args: argparse.Namespace, args_list: Sequence[str]) -> int:
        from . import commands

        command: Callable[[argparse.Namespace, Sequence[str]], int] = getattr(commands, name)
        return command(args, args_list)

    return run
