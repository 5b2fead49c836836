"""The programs: ``@typedcfg.main``, the ``typedcfg`` command, ``--help``, ``--cfg``/``--explain``.

Room 9, the top: the only modules that read ``sys.argv``, print or exit.
"""
