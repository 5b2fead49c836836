"""The commands an example lists under ``Usage:`` in its docstring (shared by the example tests).

Not a test module: the example tests import it (pytest puts this directory on ``sys.path``).
"""

from __future__ import annotations

import ast
import shlex
from pathlib import Path


def usage_commands(script: Path) -> list[list[str]]:
    """The commands listed under ``Usage:`` in the script's docstring, as argv lists (the first
    block of non-blank lines after the heading)."""
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    commands: list[list[str]] = []
    for line in doc.split("Usage:", 1)[1].splitlines()[1:]:
        if not line.strip():
            if commands:
                break
            continue
        commands.append(shlex.split(line))
    return commands
