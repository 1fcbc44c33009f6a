"""The built-in losses. Importing this package registers every kernel in the registry."""

from . import classification, margin, regression  # noqa: F401
