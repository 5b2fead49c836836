"""The package version, on the ground floor: the programs print it without the package root."""

__version__ = "0.1.0"
