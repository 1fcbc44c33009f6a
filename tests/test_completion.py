"""Shell completion: click's scripts for bash, zsh and fish, loaded into the real shells, complete losses.

The README's activation lines are run as written; bash's COMPREPLY and fish's ``complete -C`` give the
shell's own answer. zsh's completion widgets only run inside the line editor, so the test calls the
script's function with ``words``/``CURRENT`` set and ``_describe``/``compadd`` replaced by printers of the
candidates they are handed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from losscli.cli import cli
from losscli.completion import complete_loss

BIN = str(Path(sys.executable).parent)
ENV = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}


def shell(name: str, script: str) -> list[str]:
    exe = shutil.which(name)
    if exe is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    args = {"bash": [exe, "--norc", "--noprofile", "-c"], "zsh": [exe, "-f", "-c"], "fish": [exe, "-c"]}[name]
    proc = subprocess.run([*args, script], capture_output=True, text=True, env=ENV, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_loss_names_aliases_and_lists():
    ctx = click.Context(cli)
    names = [c.value for c in complete_loss(ctx, None, "hu")]
    assert names == ["huber", "huber_loss"]
    assert [c.value for c in complete_loss(ctx, None, "bce,smooth")] == ["bce,smooth_l1", "bce,smooth_l1_loss"]
    assert {c.value for c in complete_loss(ctx, None, "")} >= {"bce", "categorical_crossentropy", "mse"}


def test_bash():
    out = shell("bash", 'eval "$(_LOSSCLI_COMPLETE=bash_source losscli)"; '
                        "COMP_WORDS=(losscli eval foc); COMP_CWORD=2; COMPREPLY=(); _losscli_completion losscli; "
                        'printf "%s\\n" "${COMPREPLY[@]}"; '
                        "COMP_WORDS=(losscli ex); COMP_CWORD=1; COMPREPLY=(); _losscli_completion losscli; "
                        'printf "%s\\n" "${COMPREPLY[@]}"; '
                        "COMP_WORDS=(losscli eval mse --conv); COMP_CWORD=3; COMPREPLY=(); _losscli_completion losscli; "
                        'printf "%s\\n" "${COMPREPLY[@]}"')
    assert out == ["focal", "focal_loss", "explain", "--convention"]


def test_zsh():
    out = shell("zsh", 'autoload -Uz compinit && compinit -u -D; eval "$(_LOSSCLI_COMPLETE=zsh_source losscli)"; '
                       '_describe() { print -rl -- "${(@P)3}" }; compadd() { print -rl -- "${(@P)${@[-1]}}" }; '
                       "words=(losscli eval foc); CURRENT=3; _losscli_completion; "
                       "words=(losscli eval mse --convention ''); CURRENT=5; _losscli_completion")
    assert out[:2] == ["focal:= binary_focal_crossentropy", "focal_loss:= binary_focal_crossentropy"]
    assert out[2:] == ["losscli", "torch", "keras", "sklearn"]


def test_fish():
    out = shell("fish", "_LOSSCLI_COMPLETE=fish_source losscli | source; complete -C 'losscli eval foc'; "
                        "complete -C 'losscli com'")
    assert out[:2] == ["focal\t= binary_focal_crossentropy", "focal_loss\t= binary_focal_crossentropy"]
    assert [line.split("\t")[0] for line in out[2:]] == ["compare"]
