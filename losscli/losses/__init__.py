"""The built-in losses. Importing this package registers every kernel in the registry."""

from losscli.losses import classification, margin, regression  # noqa: F401
