"""Write docs/reference/errors.md from tests/snapshots/errors.json and the exception classes.

Usage:
    python tools/gen_errors_doc.py          # rewrite the page
    python tools/gen_errors_doc.py --check  # exit 1 when the page is out of date

Every public ``TypedcfgError`` subclass gets a section: its builtin bases, its docstring, and
example messages copied from the reviewed snapshots (a class without a snapshot gets one live
example, produced here, and says so).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = REPO / "tests" / "snapshots" / "errors.json"
PAGE = REPO / "docs" / "reference" / "errors.md"
EXAMPLES_PER_CLASS = 4

INTRO = """# Error reference

Every error typedcfg raises for bad input is a `typedcfg.TypedcfgError`. Its message starts
with the location, compiler style: `file:line:col` for a file, `argv[i] 'token'` for a
command-line token, `env:VAR` for an environment variable, `(not set)` for a required field no
source set. A decorated program prints the message on stderr and exits with status 2.

Each class also subclasses the builtin a caller would catch (`ValueError`, `KeyError`,
`TypeError`). The examples below are copied from `tests/snapshots/errors.json`, the reviewed
snapshots of every kind of message (regenerate this page with `python tools/gen_errors_doc.py`).
"""


def _classes() -> list[type[Any]]:
    import typedcfg

    found = []
    for name in sorted(typedcfg.__all__):
        obj = getattr(typedcfg, name)
        if isinstance(obj, type) and issubclass(obj, typedcfg.TypedcfgError):
            found.append(obj)
    return found


def _live_example(cls: type[Any]) -> str | None:
    """One message of ``cls`` produced now, for classes the snapshots do not cover."""
    import typedcfg

    attempts: dict[str, Any] = {
        "SchemaError": lambda: typedcfg.load(int, []),
        "ConfigMutationError": _mutation,
        "RunNotFoundError": _missing_run,
        "RunStoreError": _bad_project,
    }
    attempt = attempts.get(cls.__name__)
    if attempt is None:
        return None
    try:
        attempt()
    except typedcfg.TypedcfgError as exc:
        return str(exc) if type(exc) is cls else None
    return None


def _mutation() -> None:
    import typedcfg

    config = typedcfg.RunConfig({"lr": 0.1})
    config.update({"lr": 0.2})


def _missing_run() -> None:
    import typedcfg

    with tempfile.TemporaryDirectory() as root, contextlib.chdir(root):
        typedcfg.Run("runs", "proj", "nope")


def _bad_project() -> None:
    import typedcfg

    with tempfile.TemporaryDirectory() as root, contextlib.chdir(root), typedcfg.record_run(
        {"a": 1}, runs_dir="runs", project="../up"
    ):
        pass


def render() -> str:
    """The page's text."""
    snapshots: dict[str, dict[str, str]] = json.loads(SNAPSHOTS.read_text())
    lines = [INTRO]
    for cls in _classes():
        bases = [b.__name__ for b in cls.__mro__[1:] if b.__module__ == "builtins"
                 and b not in (Exception, BaseException, object)]
        lines.append(f"## `{cls.__name__}`\n")
        parent = cls.__mro__[1].__name__
        builtin = f"; also a `{'`, `'.join(bases)}`" if bases else ""
        lines.append(f"Subclass of `{parent}`{builtin}.\n")
        doc = inspect.getdoc(cls) or ""
        lines.append(doc.split("\n\n")[0] + "\n")
        examples = [(name, s["message"]) for name, s in sorted(snapshots.items())
                    if s["class"] == cls.__name__][:EXAMPLES_PER_CLASS]
        if examples:
            for name, message in examples:
                lines.append(f"Snapshot `{name}`:\n\n```text\n{message}\n```\n")
        else:
            live = _live_example(cls)
            if live is not None:
                lines.append("No snapshot yet; a message produced by this version:\n")
                lines.append(f"```text\n{live}\n```\n")
            elif cls.__name__ == "TypedcfgError":
                lines.append("The root: catch it to handle every typedcfg input error. Every "
                             "example on this page is one.\n")
            else:
                lines.append("No snapshot yet.\n")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    """Write the page, or with ``--check`` compare it."""
    text = render()
    if "--check" in argv:
        current = PAGE.read_text() if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is out of date: run python tools/gen_errors_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
