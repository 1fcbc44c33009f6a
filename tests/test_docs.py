"""Docs come from the registry and stay current; every command has help."""

from __future__ import annotations

from pathlib import Path

from losscli.cli import cli
from losscli.docs import losses_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_losses_doc_is_current():
    assert (ROOT / "docs" / "losses.md").read_text() == losses_markdown(), (
        "regenerate with: python -m losscli.docs > docs/losses.md"
    )


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name, command in cli.commands.items():
        assert command.help, name
        assert f"losscli {name}" in readme, name
