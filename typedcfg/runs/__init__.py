"""The run store: runs on disk (``store``, ``files``), ``typedcfg.Api`` and the ``runs`` command.

Room 7, above ``export`` and ``tools``.
"""
