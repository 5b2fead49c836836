"""``python -m typedcfg``: the ``typedcfg`` command."""

from .cli import main

raise SystemExit(main())
