"""Files composed once per sweep: the layers of one choice of config groups, kept for a block.

A sweep composes and validates every job before the first one starts, and the jobs of a grid
over values (``optim.lr=0.1,0.01``) read the same files with the same group choices: only the
overrides after the files differ. Inside :func:`composed_once`, :func:`reused` keeps the layers
that the files give for each choice of groups (the key names the files, the config directory,
the choices and the schema) and hands the next job the same layers. Layers are never changed
after they are made (each stage returns new data), so sharing them cannot leak one job's values
into another.

The store lives in a context variable that only :func:`composed_once` sets, for the length of its
block: outside one, or in another thread, every call reads its files again. The files are read
once per block, so a file changed during the block is seen by the next block, and warnings about
a file (an empty file, an unknown desc/value sub-key) are shown by the first job only.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Hashable, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar, cast

from ..provenance import Layer
from ..read.grammar import Override
from ..typeinfo import TypeNode

__all__ = ["composed_once", "kept", "layers_key", "reused"]

T = TypeVar("T")

_STORE: ContextVar[dict[Hashable, object] | None] = ContextVar(
    "typedcfg_composed_once", default=None
)


@contextmanager
def composed_once() -> Generator[None, None, None]:
    """Inside the block, the same files with the same group choices are composed once."""
    token = _STORE.set({})
    try:
        yield
    finally:
        _STORE.reset(token)


def reused(key: Hashable, make: Callable[[], list[Layer]]) -> list[Layer]:
    """The layers for ``key``: made by ``make`` the first time in a block, kept after that.

    Returns a new list each time (callers append the environment's layer to it). A ``make``
    that raises keeps nothing: a job whose files fail is composed again, for its own error.
    """
    return list(kept(("layers", key), lambda: tuple(make())))


def kept(key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, once per block for each ``key`` (every call outside a block). The value is
    shared by the calls that follow: only values that nobody changes may be kept."""
    store = _STORE.get()
    if store is None:
        return make()
    if key in store:
        return cast("T", store[key])
    found = store[key] = make()
    return found


def layers_key(
    files: Sequence[tuple[str, object]],
    root: Hashable,
    primary: str | None,
    tree: TypeNode | None,
    group_overrides: Sequence[Override],
) -> Hashable:
    """What the layers of a composition depend on, besides the files' texts: the files, the
    config directory (and store), the primary config, the schema and each group override (its
    position too, which the layers' errors name)."""
    choices = tuple(
        (o.op, o.key, o.package, repr(o.value), o.origin.index) for o in group_overrides
    )
    return (tuple(files), root, primary, tree, choices)
