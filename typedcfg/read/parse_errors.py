"""What hydra-core's override parser found wrong, in words with a position.

ANTLR's text (``no viable alternative at input '{alpha:1'``) never reaches the user: an
unclosed quote or bracket is found here first, and the parser's offending token is named with
its character position in the argument.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["parser_words", "unbalanced"]

_CLOSING = {"(": ")", "[": "]", "{": "}"}


def unbalanced(token: str, start: int, shift: int = 0) -> str | None:
    """An unclosed quote or bracket in ``token[start:]``, or a closing one without its opener,
    in words with its position (1-based characters of the token); ``None`` when all match."""
    stack: list[tuple[str, int]] = []
    i = start
    while i < len(token):
        char = token[i]
        if char == "\\":  # an escaped character is never a quote or a bracket
            i += 2
            continue
        if char in "'\"":
            end = i + 1
            while end < len(token) and token[end] != char:
                end += 2 if token[end] == "\\" else 1
            if end >= len(token):
                return f"the quote {char} at character {i + 1 + shift} is never closed"
            i = end + 1
            continue
        if char in _CLOSING:
            stack.append((char, i))
        elif char in ")]}":
            if not stack:
                return f"unexpected {char!r} at character {i + 1 + shift}"
            opener, at = stack.pop()
            if _CLOSING[opener] != char:
                return (
                    f"{char!r} at character {i + 1 + shift} does not close {opener!r} "
                    f"at character {at + 1 + shift}"
                )
        i += 1
    if stack:
        opener, at = stack[-1]
        return f"{opener!r} at character {at + 1 + shift} is never closed"
    return None


def parser_words(token: str, exc: Exception, shift: int = 0) -> str:
    """What hydra-core's ANTLR parser found wrong, as ``unexpected 'x' at character N``."""
    cause: Any = exc.__cause__
    offending: Any = getattr(cause, "offendingToken", None)
    if offending is not None and isinstance(getattr(offending, "start", None), int):
        if offending.text == "<EOF>":
            return "the value ends too early"
        return f"unexpected {offending.text!r} at character {offending.start + 1 + shift}"
    start = getattr(cause, "startIndex", None)
    if isinstance(start, int) and 0 <= start < len(token):
        return f"unexpected {token[start]!r} at character {start + 1 + shift}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    extraneous = re.match(r"extraneous input '(.*)' expecting", text)
    if extraneous:  # reported without a position: the stray text after a whole value
        at = token.rfind(extraneous.group(1))
        return f"unexpected {extraneous.group(1)!r} at character {at + 1 + shift}"
    # ANTLR lists every token it expected; the culprit says enough.
    return re.sub(r" expecting (\{[^}]*\}|\S+)", "", text)
