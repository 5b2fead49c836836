"""Tools over schemas and config trees: JSON Schema, schema references, infer, check.

Room 6, above the pipeline: ``check`` and the Hydra-tree tools compose.
"""
