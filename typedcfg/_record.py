"""A small base for value classes that are defined whenever typedcfg is imported.

``@dataclass`` and ``NamedTuple`` generate their methods with ``exec`` when the class is
defined: 0.3 to 1 ms a class, which made up a third of ``import typedcfg``. A subclass of
:class:`Record` lists its fields in ``__slots__`` and writes its ``__init__``; equality,
hashing and ``repr`` come from here, for the price of an ordinary class statement.
"""

from __future__ import annotations

from typing import Any, cast

__all__ = ["Record"]


class Record:
    """Equality, hash and repr over the fields named in each subclass's ``__slots__``."""

    __slots__ = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields())

    def _fields(self) -> tuple[str, ...]:
        return cast("tuple[str, ...]", self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields())
        return f"{type(self).__name__}({fields})"
