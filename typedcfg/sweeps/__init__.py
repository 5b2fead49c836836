"""Sweeps: the ``--multirun`` grammar, the jobs it expands to, and the launchers that run them.

Room 8, above ``runs`` (a job records its run).
"""
