"""Shell completion of loss names (click's completion machinery does the rest).

Enable it once per shell (see the README): ``eval "$(_LOSSCLI_COMPLETE=bash_source losscli)"`` for
bash, ``zsh_source`` for zsh, ``_LOSSCLI_COMPLETE=fish_source losscli | source`` for fish. The LOSS
argument completes canonical names and aliases; after a comma (``bce,fo``) it completes the next loss
of the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


def complete_loss(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Loss names and aliases starting with the last comma-separated part of ``incomplete``."""
    from click.shell_completion import CompletionItem

    from losscli.registry import list_losses

    head, _, last = incomplete.rpartition(",")
    prefix = f"{head}," if head else ""
    out: list[CompletionItem] = []
    for spec in list_losses():
        help_text = spec.description.strip().split(". ")[0].rstrip(".")
        for name in (spec.name, *spec.aliases):
            if name.startswith(last):
                out.append(CompletionItem(prefix + name, help=help_text if name == spec.name else f"= {spec.name}"))
    return out
