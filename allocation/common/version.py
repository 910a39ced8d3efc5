"""The version of the package (one place; the package face and every export quote it)."""

__version__ = "0.1.0"
