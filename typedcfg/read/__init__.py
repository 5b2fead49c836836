"""Reading: files, the environment and the command line become layers (values and origins).

Room 1, above the ground floor. The libyaml path (``yaml_loader``), the line reader for plain
block YAML (``line_reader``), the defaults and ``--configs`` files (``sources``), the override
grammar (``argv``) and the masking of secret values in echoed input (``masking``).
"""
