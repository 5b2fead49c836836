"""``typedcfg runs ...``: list, compare and group recorded runs; push them to wandb.

Part of the ``typedcfg`` command (``app/cli.py`` adds these subcommands with
:func:`add_runs_parser`); it prints, and reads the environment for ``TYPEDCFG_RUNS_DIR``.
Also runnable alone: ``python -m typedcfg.runs.cli ls``.

- ``runs ls [PROJECT] [--where KEY=VALUE] [--columns KEY...]``: one row per run, with the config
  keys whose values differ between the runs shown and their summary values.
- ``runs diff RUN_A RUN_B``: the config keys whose values differ, and where each value came from.
- ``runs group PROJECT --by KEY [--metric KEY]``: runs grouped by config values, with the count
  and the mean, standard deviation, min and max of the metric per group.
  ``runs group --sweep ID [--metric KEY]``: the jobs of a ``--multirun`` sweep, grouped by the
  keys it swept.
- ``runs push PROJECT --to-wandb``: replay the runs into wandb (config, summary, status).

The store root is ``--root``, else ``$TYPEDCFG_RUNS_DIR``, else ``./runs``. Output is a rich
table on a terminal when ``rich`` is installed, aligned text otherwise, JSON with ``--json``.
Errors print their located message on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO, cast

from ..errors import TypedcfgError, require_module
from ..provenance import KeyPath
from .api import MISSING, Api, check_key, lookup
from .files import RunStoreError
from .grouping import group_command
from .report import report_command
from .store import Run, default_root
from .tables import cell_text, filters_of, json_value, print_table

__all__ = ["add_runs_parser", "main", "run"]


def add_runs_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``runs`` command (with ``ls``, ``diff``, ``group``, ``push``) to ``subparsers``.

    The parser's default ``run`` is :func:`run`, called as ``args.run(args)`` (``cli.py`` also
    passes the raw argv, which is accepted and ignored).
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root", metavar="DIR", help="the run store (default: $TYPEDCFG_RUNS_DIR, else ./runs)"
    )
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--where",
        "--filter",
        dest="where",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keep runs where KEY=VALUE (also != < <= > >=); KEY is a config key, or "
        "summary.KEY / meta.KEY / state; repeat to combine",
    )
    where.add_argument(
        "--sweep", metavar="ID", help="keep the jobs of this --multirun sweep (meta.sweep.id)"
    )

    runs: argparse.ArgumentParser = subparsers.add_parser(
        "runs", help="list, compare and group recorded runs"
    )
    runs.set_defaults(run=run)
    sub = runs.add_subparsers(dest="runs_command", required=True, metavar="COMMAND")

    ls = sub.add_parser("ls", parents=[common, where], help="a table of runs")
    ls.add_argument("project", nargs="?", help="a project (default: every project)")
    ls.add_argument(
        "--columns",
        nargs="+",
        metavar="KEY",
        help="show these keys (config keys, summary.KEY, meta.KEY); default: the config keys "
        "that differ between the runs, and every summary key",
    )
    ls.add_argument(
        "--order", default="created_at", metavar="KEY", help="sort by KEY (-KEY: descending)"
    )
    ls.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="show the first N runs (default: 100 in the table, all with --json; 0: all)",
    )

    diff = sub.add_parser("diff", parents=[common], help="config keys that differ between two runs")
    diff.add_argument("run_a", metavar="RUN_A", help="project/run_id, a run id, or a run directory")
    diff.add_argument("run_b", metavar="RUN_B")

    group = sub.add_parser("group", parents=[common, where], help="runs grouped by config values")
    group.add_argument(
        "project", nargs="?", help="a project (may be left out with --sweep: every project)"
    )
    group.add_argument(
        "--by",
        action="append",
        metavar="KEY",
        help="a config key (repeat for several); with --sweep, default: the swept keys",
    )
    group.add_argument("--metric", metavar="KEY", help="a summary key to average per group")

    report = sub.add_parser(
        "report", parents=[common, where], help="write an HTML report of runs (one file, offline)"
    )
    report.add_argument("project", nargs="?", help="a project (default: every project)")
    report.add_argument(
        "-o", "--output", metavar="FILE", help="default: report.html in the store root"
    )
    report.add_argument("--title", help="the page title (default: the project or the store)")
    report.add_argument(
        "--open", action="store_true", help="open the report in the default web browser"
    )
    reindex = sub.add_parser(
        "reindex", parents=[common], help="rebuild the store's index from the run files"
    )
    reindex.set_defaults(project=None)

    push = sub.add_parser("push", parents=[common, where], help="replay runs into wandb")
    push.add_argument("project")
    push.add_argument("--to-wandb", action="store_true", required=True, help="push to wandb")
    push.add_argument(
        "--wandb-project", metavar="NAME", help="the wandb project (default: PROJECT)"
    )
    push.add_argument("--entity", help="the wandb entity (default: wandb's)")
    return runs


def run(
    args: argparse.Namespace, argv: Sequence[str] | None = None, out: TextIO | None = None
) -> int:
    """Run a parsed ``typedcfg runs ...`` command; return the exit status."""
    del argv  # cli.py passes the raw tokens to every command; these commands have no use for them
    stream = out if out is not None else sys.stdout
    api = Api(default_root(args.root, os.environ), note=_note)
    command = {
        "ls": _ls, "diff": _diff, "group": group_command, "push": _push, "report": report_command,
        "reindex": _reindex,
    }[args.runs_command]  # fmt: skip
    status: int = command(api, args, stream)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m typedcfg.runs.cli ...``: the ``runs`` subcommands on their own."""
    parser = argparse.ArgumentParser(prog="typedcfg", allow_abbrev=False)
    add_runs_parser(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    tokens = list(sys.argv[1:] if argv is None else argv)
    if tokens[:1] != ["runs"]:
        tokens.insert(0, "runs")
    args = parser.parse_args(tokens)
    try:
        return run(args)
    except TypedcfgError as exc:
        print(str(exc), file=sys.stderr)
        return 2


def _note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)


# --- arguments ------------------------------------------------------------------------------


def _find(api: Api, ref: str) -> Run:
    """A run from ``project/id``, a bare id, or the path of a run directory."""
    if os.path.isfile(os.path.join(ref, "config.yaml")):
        path = os.path.normpath(ref)
        project_dir, run_id = os.path.split(path)
        root, project = os.path.split(project_dir)
        return Run(root or ".", project, run_id)
    return api.run(ref)


# --- values as text ---------------------------------------------------------------------------


def _leaves(data: Any, path: KeyPath = ()) -> dict[str, tuple[KeyPath, Any]]:
    """Dotted name -> (key path, value) for every leaf; lists are leaves, as in wandb's view."""
    if not (isinstance(data, Mapping) and (data or not path)):
        return {".".join(str(p) for p in path): (path, data)}
    out: dict[str, tuple[KeyPath, Any]] = {}
    items = cast("Mapping[str, Any]", data)
    for key, value in items.items():
        out.update(_leaves(value, (*path, key)))
    return out


def _flat(data: Any) -> dict[str, Any]:
    return {name: value for name, (_, value) in _leaves(data).items()}


# --- commands ---------------------------------------------------------------------------------


def _ls(api: Api, args: argparse.Namespace, out: TextIO) -> int:
    limit = args.limit if args.limit is not None else (None if args.json else 100)
    limit = None if limit is not None and limit <= 0 else limit
    filters = filters_of(args.where, args.sweep)
    found, total = api.count_runs(args.project, filters, order=args.order, limit=limit)
    damaged = api.damaged(args.project)
    configs = [_flat(r.config) for r in found]
    if args.columns:
        columns = [_column(found, key) for key in args.columns]
    else:
        columns = [f"config.{k}" for k in _differing(configs)]
        columns += [f"summary.{k}" for k in _union(_flat(dict(r.summary)) for r in found)]
    for key in columns:
        check_key(key, "--columns")
    if args.json:
        rows = [
            {
                "path": r.path,
                "state": r.state,
                "created_at": r.created_at,
                "columns": {c: json_value(lookup(r, c)) for c in columns},
                "config": cfg,
                "summary": dict(r.summary),
            }
            for r, cfg in zip(found, configs, strict=True)
        ]
        broken = [{"path": p, "problem": why} for p, why in damaged]
        document = {"columns": columns, "runs": rows, "total": total, "damaged": broken}
        print(json.dumps(document, indent=2), file=out)
        return 0
    if not found:
        print(f"no runs in {api.root}" + (f"/{args.project}" if args.project else ""), file=out)
        _print_damaged(damaged, out)
        return 0
    headers = ["run", "state", *_labels(columns)]
    rows_text = [
        [r.path if args.project is None else r.id, r.state,
         *(cell_text(lookup(r, c)) for c in columns)]
        for r in found
    ]
    print_table(headers, rows_text, out)
    if total > len(found):
        print(f"({len(found)} of {total} runs shown; --limit 0 shows all)", file=out)
    _print_damaged(damaged, out)
    return 0


def _print_damaged(damaged: Sequence[tuple[str, str]], out: TextIO) -> None:
    """One line per damaged run: its path, then the located problem (file and what is wrong)."""
    for path, problem in damaged:
        print(f"damaged  {path}  {problem}", file=out)


def _reindex(api: Api, args: argparse.Namespace, out: TextIO) -> int:
    count = api.reindex()
    if args.json:
        print(json.dumps({"indexed": count, "index": _index_path(api)}), file=out)
    else:
        print(f"indexed {count} run(s) in {_index_path(api)}", file=out)
    return 0


def _index_path(api: Api) -> str:
    from .index import INDEX

    return os.path.join(api.root, INDEX)


def _column(found: Sequence[Run], key: str) -> str:
    """A bare column name is a summary key when some run reports it, else a config key."""
    if key.startswith(("config.", "summary.", "meta.")) or key in ("id", "state", "created_at"):
        return key
    in_summary = any(lookup(r, f"summary.{key}") is not MISSING for r in found)
    return f"summary.{key}" if in_summary else f"config.{key}"


def _labels(columns: Sequence[str]) -> list[str]:
    """Column headers: config keys bare, summary keys bare unless a config key has the name."""
    bare = [c.partition(".")[2] if c.startswith(("config.", "summary.")) else c for c in columns]
    return [c if bare.count(b) > 1 else b for b, c in zip(bare, columns, strict=True)]


def _union(dicts: Any) -> list[str]:
    keys: dict[str, None] = {}
    for d in dicts:
        keys.update(dict.fromkeys(d))
    return list(keys)


def _differing(configs: Sequence[dict[str, Any]]) -> list[str]:
    """Keys whose value is not the same in every config (missing counts as a value)."""
    out: list[str] = []
    for key in _union(configs):
        values = [json.dumps(c.get(key, MISSING), default=repr, sort_keys=True) for c in configs]
        if len(set(values)) > 1:
            out.append(key)
    return out


def _diff(api: Api, args: argparse.Namespace, out: TextIO) -> int:
    a, b = _find(api, args.run_a), _find(api, args.run_b)
    la, lb = _leaves(a.config), _leaves(b.config)
    rows: list[dict[str, Any]] = []
    for key in _union([la, lb]):
        if key in la and key in lb and _same(la[key][1], lb[key][1]):
            continue
        rows.append({"key": key, "a": _side(a, la.get(key)), "b": _side(b, lb.get(key))})
    if args.json:
        print(json.dumps({"a": a.path, "b": b.path, "keys": rows}, indent=2), file=out)
        return 0
    if not rows:
        print(f"{a.path} and {b.path} have the same config", file=out)
        return 0
    headers = ["key", a.path, "source", b.path, "source"]
    text_rows: list[list[str]] = []
    for row in rows:
        cells: list[str] = [str(row["key"])]
        for side in (_side_of(row, "a"), _side_of(row, "b")):
            present = side["present"]
            cells += [cell_text(side["value"] if present else MISSING), side["source"] or ""]
        text_rows.append(cells)
    print_table(headers, text_rows, out)
    return 0


def _side_of(row: Mapping[str, Any], name: str) -> dict[str, Any]:
    side: dict[str, Any] = row[name]
    return side


def _side(run: Run, leaf: tuple[KeyPath, Any] | None) -> dict[str, Any]:
    if leaf is None:
        return {"present": False, "value": None, "source": None}
    return {"present": True, "value": leaf[1], "source": run.source_of(leaf[0])}


def _same(a: Any, b: Any) -> bool:
    def text(value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=repr)

    return text(a) == text(b)


def _push(api: Api, args: argparse.Namespace, out: TextIO) -> int:
    wandb: Any = require_module(
        "wandb", RunStoreError, "wandb is not installed", "--to-wandb",
        "pip install 'typedcfg[wandb]'",
    )  # fmt: skip
    target = args.wandb_project or args.project
    pushed: list[dict[str, str]] = []
    for r in api.runs(args.project, filters_of(args.where, args.sweep), order="created_at"):
        meta = r.meta
        command = " ".join([meta.get("program") or "", *meta.get("argv", [])]).strip()
        git: dict[str, Any] = meta.get("git") or {}
        notes = f"recorded by typedcfg at {r.created_at}: {command}".strip()
        if git:
            notes += f" (git {git.get('commit', '')[:12]}{' dirty' if git.get('dirty') else ''})"
        remote = wandb.init(
            project=target,
            entity=args.entity,
            id=r.id,
            config=r.config,
            notes=notes,
            tags=[r.state],
            resume="allow",
            reinit="create_new",
        )
        remote.summary.update(dict(r.summary))
        remote.finish(exit_code=0 if r.state == "finished" else 1)
        pushed.append({"path": r.path, "wandb_project": target, "wandb_id": r.id})
    if args.json:
        print(json.dumps({"pushed": pushed}, indent=2), file=out)
    else:
        for row in pushed:
            print(f"{row['path']} -> wandb {row['wandb_project']}/{row['wandb_id']}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
