"""The README's console examples, run as written at a terminal: every `$ losscli …` line whose files are in the
repository prints what the README shows (a line `...` stands for any number of lines).

The commands of one block run in order in a workspace of their own (the repository's files linked into a
temporary folder), so that what one writes (a folder, shard states) the next reads, and nothing is written
into the repository."""

from __future__ import annotations

import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "LOSSCLI_DEBUG": ""}


def _examples() -> list[tuple[str, str, list[str]]]:
    """(block id, command, expected lines) of every command line of a console block."""
    out = []
    for b, block in enumerate(re.findall(r"```console\n(.*?)```", README, re.S)):
        current: tuple[str, list[str]] | None = None
        for line in block.splitlines():
            if line.startswith("$ "):
                if current:
                    out.append((f"block {b}", *current))
                current = (line[2:], [])
            elif current is not None:
                current[1].append(line)
        if current:
            out.append((f"block {b}", *current))
    for _, _, lines in out:  # the blank line before the next command is not output
        while lines and not lines[-1].strip():
            lines.pop()
    return out


def _at_a_terminal(cmd: str, env: dict[str, str], cwd: Path) -> tuple[str, str]:
    """What ``bash -c cmd`` writes to stdout and to stderr, each a terminal of its own, styles removed."""
    import select

    masters, slaves = zip(*(pty.openpty() for _ in range(2)), strict=True)
    proc = subprocess.Popen(["bash", "-c", cmd], cwd=cwd, stdin=subprocess.DEVNULL, stdout=slaves[0],
                            stderr=slaves[1], env=env)
    for fd in slaves:
        os.close(fd)
    got: dict[int, list[bytes]] = {fd: [] for fd in masters}
    open_fds = list(masters)
    while open_fds:
        ready, _, _ = select.select(open_fds, [], [], 120)
        if not ready:
            break
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: every writer has closed this terminal
                data = b""
            if data:
                got[fd].append(data)
            else:
                open_fds.remove(fd)
                os.close(fd)
    for fd in open_fds:
        os.close(fd)
    proc.wait(timeout=120)

    def text(fd: int) -> str:
        raw = b"".join(got[fd]).decode("utf-8", "replace").replace("\r\n", "\n")
        return re.sub(r"\x1b\[[0-9;]*m", "", raw)

    return text(masters[0]), text(masters[1])


def _runnable(cmd: str, where: Path = ROOT) -> str | None:
    """Why a command cannot run in ``where`` (None when it can): it names files that are not there, or a
    program that is missing."""
    words = [w.rstrip(";") for w in shlex.split(cmd.replace("|", " | ")) if "$" not in w]
    if "jq" in words and shutil.which("jq") is None:
        return "jq is not installed"
    if "echo" in words:
        return "an exit status, checked with the command before it"
    for w in words:
        if "://" in w:
            return f"{w} is remote"
        looks_like_file = "/" in w or re.search(r"\.(csv|npy|parquet|json|toml|jsonl)$", w)
        if looks_like_file and not w.startswith("-") and not (where / w).exists() and not list(where.glob(w)):
            return f"{w} is not in the repository"
    return None


def _matches(expected: list[str], got: list[str]) -> bool:
    """Line by line, `...` matching any number of lines (trailing spaces ignored)."""
    exp = [e.rstrip() for e in expected]
    got = [g.rstrip() for g in got]
    while got and not got[-1]:  # a report's closing blank line
        got.pop()

    def at(i: int, j: int) -> bool:
        if i == len(exp):
            return j == len(got)
        if exp[i] == "...":
            return any(at(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and exp[i] == got[j] and at(i + 1, j + 1)

    return at(0, 0)


EXAMPLES = _examples()


def test_the_readme_has_console_examples_that_run_here():
    runnable = [c for _, c, _ in EXAMPLES if _runnable(c) is None]
    assert len(runnable) >= 15, runnable


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory):
    """One workspace per block: a folder holding links to the repository's files."""
    made: dict[str, Path] = {}

    def workspace(block: str) -> Path:
        if block not in made:
            made[block] = tmp_path_factory.mktemp("readme")
            for entry in ROOT.iterdir():
                if entry.name != ".git":
                    (made[block] / entry.name).symlink_to(entry)
        return made[block]

    return workspace


@pytest.mark.parametrize("block,cmd,expected", EXAMPLES, ids=[f"{b}: {c[:60]}" for b, c, _ in EXAMPLES])
def test_a_readme_example_prints_what_the_readme_shows(block, cmd, expected, tmp_path, workspaces):
    where = workspaces(block)
    why = _runnable(cmd, where)
    if why:
        pytest.skip(why)
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "losscli").write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m losscli \"$@\"\n")
    (shim / "losscli").chmod(0o755)
    env = {**ENV, "PATH": f"{shim}{os.pathsep}{ENV.get('PATH', '')}"}
    out, err = _at_a_terminal(cmd, env, where)
    # the README shows what a terminal shows: its lines that stderr wrote (notes, warnings, failed checks) are
    # looked for there, in any order; the others are stdout, line for line
    said = set(err.splitlines())
    assert _matches([e for e in expected if e not in said], out.splitlines()), (
        f"$ {cmd}\n--- README ---\n" + "\n".join(expected) + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err
    )
