"""The package version, in one place (the package metadata and every document losscli writes)."""

__version__ = "0.1.0"
