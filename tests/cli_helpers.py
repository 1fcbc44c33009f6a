"""Helpers shared by the command-line tests: run `losscli.cli.main` with its real exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest

from losscli.cli import main


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def _entry(args: tuple[str, ...]) -> None:
    main(list(args))


def invoke(runner, args, input=None):
    """Run ``losscli ARGS`` through a CliRunner (stdout and stderr apart, exit codes as documented)."""
    return runner.invoke(_entry, [str(a) for a in args], input=input, catch_exceptions=False)


def run_cli(args, capsys):
    """Run ``losscli ARGS`` in-process; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def run_process(folder, *args, timeout=300):
    """Run ``python -m losscli ARGS`` as a process of its own in ``folder`` (colour off); return (exit code,
    stdout, stderr)."""
    r = subprocess.run([sys.executable, "-m", "losscli", *map(str, args)], capture_output=True, text=True,
                       cwd=folder, env={**os.environ, "NO_COLOR": "1"}, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def log_loss(y, p) -> float:
    """scikit-learn's ``log_loss`` for probabilities inside (0, 1) (its clip leaves them as they are), without
    scikit-learn (not a test dependency): binary labels 0/1 beside P(1), or class indices beside rows of
    class probabilities."""
    import numpy as np

    y, p = np.asarray(y), np.asarray(p, dtype=np.float64)
    if p.ndim == 1:
        y = y.astype(np.float64)
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log1p(-p)))
    return float(-np.mean(np.log(p[np.arange(len(y)), y.astype(np.int64)])))
