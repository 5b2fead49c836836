"""libyaml's and PyYAML's errors as located :class:`~typedcfg.errors.ConfigFileError`\\ s."""

from __future__ import annotations

import yaml
from yaml.reader import ReaderError

from ..errors import ConfigFileError
from ..provenance import Origin, SourceKind


def reader_error(
    exc: ReaderError, file: str, kind: SourceKind, text: str, in_bytes: bool
) -> ConfigFileError:
    """A character YAML refuses, located: PyYAML's ReaderError has only an offset."""
    if in_bytes:
        before = text.encode("utf-8")[: exc.position].decode("utf-8", "replace")
    else:
        before = text[: exc.position]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    character = exc.character
    code = ord(character) if isinstance(character, str) else int(character)
    what = "control character" if code < 0x20 or 0x7F <= code < 0xA0 else "character"
    return ConfigFileError(
        f"invalid YAML: {what} 0x{code:02x} is not allowed in a YAML file",
        origin=Origin.at(kind, file, line, column),
        hint=f'remove it, or write it as an escape in a double-quoted string ("\\x{code:02x}")',
    )


def syntax_error(
    exc: yaml.MarkedYAMLError, file: str, kind: SourceKind, text: str
) -> ConfigFileError:
    mark = exc.problem_mark or exc.context_mark
    origin = Origin.at(kind, file, mark.line + 1, mark.column + 1) if mark else Origin(kind, file)
    problem = exc.problem or "invalid YAML"
    message = f"invalid YAML: {problem}"
    if exc.context:
        where = ""
        context_mark = exc.context_mark
        if context_mark is not None and mark is not None and (
            (context_mark.line, context_mark.column) != (mark.line, mark.column)
        ):
            where = f" (line {context_mark.line + 1}, column {context_mark.column + 1})"
        message += f" ({exc.context}{where})"
    hint = None
    line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\t" in problem or "tab" in problem or "\t" in line[: (mark.column if mark else 0) + 1]:
        hint = "YAML indentation uses spaces, not tabs"
    return ConfigFileError(message, origin=origin, hint=hint)
