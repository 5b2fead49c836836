"""Plain block YAML read line by line, and YAML 1.2 core scalars.

Most config files are block mappings of plain words and numbers, with a few one-line lists.
:func:`parse_block` reads a file written only in that subset straight into values and origins,
one regular expression per line. Building PyYAML nodes costs more than that, most of all for
small files, where setting up libyaml's parser is most of the work. Anything outside the
subset returns ``None``, and :mod:`~typedcfg.read.yaml_loader` reads the file with libyaml, which
words every error. Outside the subset are quotes with escapes, block lists, multi-line and
empty values, anchors, tags, flow mappings, tabs, non-ASCII text, duplicate keys and desc/value
entries. ``tests/test_yaml_block.py`` holds both readers to the same values and origins.
"""

from __future__ import annotations

import re
from typing import Any

from ..provenance import KeyPath, Origin, SourceKind
from ..typeinfo import ANY, DICT, TypeNode
from .scalars import NULLS, parse_scalar
from .untyped import parse_untyped

__all__ = ["parse_block"]


# The subset, one line at a time. A key is a plain word. A value is one of:
# - a plain scalar: printable ASCII words separated by spaces, not starting with an indicator,
#   with no ': ' (a mapping) or ' #' (a comment) inside;
# - a one-line flow list of plain words and quoted strings;
# - a quoted string without escapes (or a quote inside single quotes);
# - an empty flow mapping;
# - nothing: null, or a block mapping or list on the lines below.
# A list item is '- ' and a one-line value. A comment needs a space before it unless it fills
# the line. A '---' may open the file.
#
# The pattern finds the parts of a line: 1 indentation, 2 key, 3 the '-' of a list item, 5 the
# value text (up to a comment or trailing spaces); _Reader.value checks and reads the value. A
# short pattern, so that compiling it (once per process) costs little.
#
# Linear in the line's length whatever it holds: a run of spaces is never scanned twice by
# backtracking. The indentation and the spaces before a value are taken whole (``(?=( *))\1``
# is an atomic group, which Python 3.10 lacks as syntax); the value is non-spaces, and runs of
# spaces followed by a character that is neither a space nor '#', each run taken whole. (A
# lazy ``.*?`` before ``(?: +#.*)? *\Z`` tried both endings at every character: quadratic on
# a long run of spaces.)
_LINE_PATTERN = (
    r"(?=( *))\1(?:(?:([A-Za-z0-9_][A-Za-z0-9_./\-]*):|(-)(?= ))"
    r"(?:(?=( +))\4([^ #](?:[^ ]|(?=( +))\6(?=[^ #]))*))?(?: +#.*)?|#.*)?(?=( *))\7\Z"
)
# A plain scalar cannot start with these (a '-' or '?' can when a non-space follows); the quotes
# and brackets start the other forms of value.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# A plain word in a flow list: these characters, starting with one but '-' (or with '-' and a
# word character or '.').
_WORD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
_ITEM_CHARS = _WORD + "~./+-"
_ITEM_FIRST = frozenset(_WORD + "~./+")
_AFTER_DASH = frozenset(_WORD + ".")
_DEEPEST = 50  # levels of indentation the line reader follows (libyaml goes to MAX_DEPTH)
_LONGEST_KEY = 1024  # YAML's limit for an implicit key (the text before its ':')
_REJECT: Any = object()


class _Level:
    """One open mapping: its indentation, its values and what the schema says of its keys."""

    __slots__ = ("children", "hint", "indent", "item", "lines", "out", "path")
    # lines: the 'desc' and 'value' lines of a top-level mapping, as (text, offset, line)

    def __init__(self, indent: int, out: dict[str, Any], path: KeyPath, hint: TypeNode | None):
        self.indent = indent
        self.out = out
        self.path = path
        self.hint = hint
        self.children = hint.children if hint is not None else None
        self.item = hint.item if hint is not None else None
        self.lines: dict[str, tuple[str, int, int]] | None = None


class _Reader:
    """The state of one file's reading: its origins and whether a string holds ``${``."""

    __slots__ = ("desc_values", "descriptions", "file", "interpolated", "kind", "origins")

    def __init__(self, file: str, kind: SourceKind) -> None:
        self.file = file
        self.kind = kind
        self.origins: dict[KeyPath, Origin] = {}
        self.descriptions: dict[KeyPath, str] = {}
        self.interpolated = False
        self.desc_values = 0

    def value(self, text: str, offset: int, line: int, path: KeyPath, hint: TypeNode | None) -> Any:
        """The one-line value ``text`` (at ``offset`` of its line), its origin (and its items')
        recorded; ``_REJECT`` for a value outside the subset."""
        first = text[0]
        origin = Origin(self.kind, self.file, line, offset + 1)
        if first == "[":
            if text[-1] != "]" or any(c in text[1:-1] for c in "[]{}#"):
                return _REJECT
            self.origins[path] = origin
            return self.flow(text, offset, line, path, hint.item if hint is not None else None)
        if first == "{":
            if text[-1] != "}" or text[1:-1].strip(" "):
                return _REJECT  # only the empty mapping
            self.origins[path] = origin
            return {}
        if first == "'" or first == '"':
            quoted = text[1:-1]
            if len(text) < 2 or text[-1] != first or first in quoted or (
                first == '"' and "\\" in quoted
            ):
                return _REJECT  # escapes, or a comment mark inside the quotes
            self.origins[path] = origin
            if "${" in quoted:
                self.interpolated = True
            return quoted
        if not _plain(text):
            return _REJECT
        self.origins[path] = origin
        return self.scalar(text, hint)

    def flow(
        self, flow: str, start: int, line: int, path: KeyPath, item: TypeNode | None
    ) -> Any:
        """The items of ``[a, 'b', 3]`` (``flow``, at offset ``start`` of its line), or
        ``_REJECT`` unless it is items separated by commas (spaces around them allowed)."""
        items: list[Any] = []
        end = len(flow) - 1  # the closing bracket
        pos = 1
        while flow[pos] == " ":
            pos += 1
        while pos < end:
            first = flow[pos]
            if first == "'" or first == '"':
                close = flow.find(first, pos + 1, end)
                if close < 0 or (first == '"' and "\\" in flow[pos:close]):
                    return _REJECT
                stop = close + 1
                value: Any = flow[pos + 1 : close]
            else:
                stop = end
                for mark in (" ", ","):
                    found = flow.find(mark, pos, stop)
                    if found >= 0:
                        stop = found
                word = flow[pos:stop]
                if word.strip(_ITEM_CHARS) or not (
                    first in _ITEM_FIRST
                    or (first == "-" and len(word) > 1 and word[1] in _AFTER_DASH)
                ):
                    return _REJECT
                value = self.scalar(word, item)
                if value is _REJECT:
                    return _REJECT
            item_path = (*path, len(items))
            self.origins[item_path] = Origin(self.kind, self.file, line, start + pos + 1)
            items.append(value)
            pos = stop
            while flow[pos] == " ":
                pos += 1
            if pos == end:
                break
            if flow[pos] != ",":
                return _REJECT
            pos += 1
            while flow[pos] == " ":
                pos += 1
            if pos == end:
                return _REJECT  # a trailing comma
        return items

    def scalar(self, text: str, hint: TypeNode | None) -> Any:
        if hint is None or hint.kind == ANY:
            try:
                value: Any = parse_untyped(text)  # as OmegaConf reads it (YAML 1.1)
            except ValueError:  # a digitless '0b_', or too many digits: libyaml's path says so
                return _REJECT
        elif hint.text and text not in NULLS:
            value = text
        else:
            try:
                value = parse_scalar(text)
            except ValueError:  # int() refuses more than 4300 digits: libyaml's reading says so
                return _REJECT
        if value.__class__ is str and "${" in value:
            self.interpolated = True
        return value

    def entry(self, level: _Level, top: dict[str, Any]) -> bool:
        """Settle a top-level mapping that holds ``desc`` or ``value`` keys, as
        :meth:`typedcfg.read.yaml_loader._Walker.desc_value_entry` does; ``False`` to give up."""
        lines = level.lines
        assert lines is not None
        out = level.out
        hint = level.hint
        if hint is not None and hint.children is not None and (
            "value" in hint.children or "desc" in hint.children
        ):
            return True  # the schema's own model has a 'value'/'desc' field: plain data
        if "value" in lines and hint is not None and hint.kind == DICT and (
            lines["value"][0][0] != "{"
        ):
            return True  # a dict field's own 'value' key
        if len(out) > len(lines):
            # Other keys beside them: plain data without a 'value'; with one, an entry whose
            # other keys libyaml's reading settles (help text, kept keys, warnings).
            return "value" not in lines
        if "value" not in lines:
            return False  # a desc without a value: libyaml's reading words the error
        self.desc_values += 1
        key = str(level.path[0])
        for name in lines:  # built as plain data above; the entry holds only the value
            built = out[name]
            del self.origins[(key, name)]
            for index in range(len(built) if built.__class__ is list else 0):
                del self.origins[(key, name, index)]
        if "desc" in lines:
            text = lines["desc"][0]
            if text[0] in "'\"":
                text = text[1:-1]  # a quoted description; a list or mapping has none
            if text and text[0] not in "[{":
                self.descriptions[level.path] = text
        text, offset, line = lines["value"]
        value = self.value(text, offset, line, level.path, hint)
        if value is _REJECT:
            return False
        top[key] = value
        return True


def _plain(text: str) -> bool:
    """``text`` (no ' #' inside, no spaces around: the line pattern saw to that) is a plain
    scalar of the subset."""
    first = text[0]
    if first in _INDICATORS and not (first in "-?" and len(text) > 1 and text[1] != " "):
        return False
    return ": " not in text and text[-1] != ":"


def _document_start(line: str) -> bool:
    """``---``, alone or with a comment (the start of the one document)."""
    rest = line[3:].strip(" ") if line.startswith("---") else None
    return rest is not None and (not rest or (rest[0] == "#" and line[3] == " "))


def parse_block(
    text: str, file: str, kind: SourceKind, hint: TypeNode | None, desc_value: bool
) -> tuple[dict[str, Any], dict[KeyPath, Origin], dict[KeyPath, str], bool, int] | None:
    """``(data, origins, descriptions, interpolated, desc/value entries)`` for a file in the
    subset, or ``None``.

    Everything returned is what :func:`~typedcfg.read.yaml_loader.parse_yaml` gives for the text,
    origins in the same order.
    """
    # Printable ASCII and line feeds only: control characters (tab and CR among them) make
    # libyaml refuse or fold the text in ways the line reader does not follow.
    if not text.isascii() or not text.replace("\n", "").isprintable():
        return None
    line_match = re.compile(_LINE_PATTERN).match  # re caches the compiled pattern
    reader = _Reader(file, kind)
    origins = reader.origins
    top = _Level(0, {}, (), None)
    top.children = hint.children if hint is not None else None
    stack = [top]
    level = top
    # A 'key:' with nothing after it: (key, line, column, hint) until the next line says whether
    # it holds a mapping, a list or null.
    pending: tuple[str, int, int, TypeNode | None] | None = None
    items: list[Any] | None = None  # the block list being read, its indentation and hint
    items_indent = 0
    items_hint: TypeNode | None = None
    items_path: KeyPath = ()
    opened = False  # a '---' was read
    line_no = 0
    for line in text.split("\n"):
        line_no += 1
        match = line_match(line)
        if match is None:
            if not opened and not top.out and pending is None and _document_start(line):
                opened = True
                continue
            return None
        indent_text, key, dash, found = match.group(1, 2, 3, 5)
        if dash is not None:  # a list item
            if found is None:
                return None  # a null item, or a nested block: beyond the subset
            indent = len(indent_text)
            if pending is not None:
                key, key_line, key_column, child = pending
                pending = None
                if indent < level.indent:
                    return None
                items_path = (*level.path, key)
                origins[items_path] = Origin(kind, file, key_line, key_column)
                items = level.out[key] = []
                items_indent = indent
                items_hint = child.item if child is not None else None
            elif items is None or indent != items_indent:
                return None
            value = reader.value(
                found, match.start(5), line_no, (*items_path, len(items)), items_hint
            )
            if value is _REJECT:
                return None
            items.append(value)
            continue
        if key is None:
            continue  # blank or comment
        if len(key) > _LONGEST_KEY:
            return None  # no implicit key in YAML: libyaml's reading says where
        indent = len(indent_text)
        items = None
        if pending is not None:
            parent_key, key_line, key_column, child = pending
            pending = None
            if indent <= level.indent:
                # 'key:' and nothing: null, located just after the colon.
                path = (*level.path, parent_key)
                origins[path] = Origin(kind, file, key_line, key_column + len(parent_key) + 1)
            else:
                if len(stack) > _DEEPEST or (child is not None and child.discriminator):
                    return None  # a union member is chosen by a key that may come later
                path = (*level.path, parent_key)
                origins[path] = Origin(kind, file, key_line, key_column)
                out: dict[str, Any] = {}
                level.out[parent_key] = out
                level = _Level(indent, out, path, child)
                stack.append(level)
        if indent != level.indent:
            if indent > level.indent:
                return None  # more indented after a value: libyaml refuses it
            while indent < level.indent:
                stack.pop()
                if level.lines is not None and not reader.entry(level, top.out):
                    return None
                level = stack[-1]
            if indent != level.indent:
                return None
        if key in level.out:
            return None  # duplicate key: libyaml's reading words the error
        if level is top:
            if key in ("wandb_version", "_wandb"):
                return None
            child = level.children.get(key) if level.children is not None else None
        else:
            child = level.item
            if level.children is not None:
                child = level.children.get(key, child)
        path = (*level.path, key)
        if found is not None and found[0] not in _INDICATORS:
            # The usual line, a plain word or number: what _Reader.value does for it, inline.
            if ": " in found or found[-1] == ":":
                return None
            origins[path] = Origin(kind, file, line_no, match.start(5) + 1)
            value = reader.scalar(found, child)
        elif found is None:
            if desc_value and len(stack) == 2 and key in ("desc", "value"):
                return None  # a desc/value entry whose value is not on its line
            pending = (key, line_no, indent + 1, child)
            level.out[key] = None  # keeps the key's place (and finds a repeat of it)
            continue
        else:
            value = reader.value(found, match.start(5), line_no, path, child)
        if value is _REJECT:
            return None
        level.out[key] = value
        if desc_value and len(stack) == 2 and key in ("desc", "value") and found is not None:
            if key == "desc" and "${" in found:
                return None
            if level.lines is None:
                level.lines = {}
            level.lines[key] = (found, match.start(5), line_no)
    if pending is not None:
        key, key_line, key_column, _ = pending
        path = (*level.path, key)
        origins[path] = Origin(kind, file, key_line, key_column + len(key) + 1)
    while len(stack) > 1:
        level = stack.pop()
        if level.lines is not None and not reader.entry(level, top.out):
            return None
    if not top.out:
        return None
    return top.out, origins, reader.descriptions, reader.interpolated, reader.desc_values
