"""``python -m typedcfg``: the ``typedcfg`` command."""

from .app.cli import main

raise SystemExit(main())
