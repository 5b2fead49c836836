"""Names in defaults lists and group options: they stay inside the config directory."""

from __future__ import annotations

import os

from ..errors import CompositionError
from ..provenance import Origin

__all__ = ["check_inside"]


def check_inside(name: str, origin: Origin | None) -> None:
    """Refuse a defaults-list entry or option that leaves the config directory.

    Hydra finds configs in its search path only; a ``..`` part, or an empty part that turns
    the rest into an absolute path (``//etc/passwd``), would read any file on the machine.

    Raises:
        CompositionError: the name leaves the config directory (located at ``origin``).
    """
    parts = (name[1:] if name.startswith("/") else name).replace("\\", "/").split("/")
    if any(part in ("..", "") for part in parts) or os.path.isabs(name.lstrip("/")):
        raise CompositionError(
            f"defaults: {name!r} leaves the config directory; entries name configs inside it",
            origin=origin,
            hint="use a path below the config directory, or give the file with --configs",
        )
