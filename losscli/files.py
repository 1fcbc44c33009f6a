"""Output files as one transaction: every file a run writes is staged beside its target and renamed into
place only when the whole run has succeeded; on an error, Ctrl-C or SIGTERM the staged files are removed.

>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> with OutputTransaction() as tx:
...     write_atomic(os.path.join(d, "a.json"), "{}")
...     os.path.exists(os.path.join(d, "a.json"))      # staged, not yet in place
False
>>> os.path.exists(os.path.join(d, "a.json"))
True
"""

from __future__ import annotations

import contextlib
import os
import stat
from typing import TYPE_CHECKING, Any

from losscli.errors import OutputError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

_active: list[OutputTransaction] = []


def final_path(target: str | os.PathLike[str]) -> Path:
    """The file an output replaces: a symbolic link's target (the link stays a link), else the path."""
    from pathlib import Path  # imported where a file is written: a run that writes none does without it

    return Path(os.path.realpath(target)) if os.path.islink(target) else Path(target)


def is_special(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` (through any symbolic link) is an existing file that is neither a regular file nor a
    folder: a device (``/dev/null``), a FIFO, a socket, ``/dev/stdout`` on a pipe. Such an output is written
    into, never replaced: a rename would put a regular file where the device or pipe was."""
    try:
        mode = os.stat(target).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def staging_path(target: str | os.PathLike[str]) -> Path:
    """The temporary file beside ``target`` (same folder, so the final rename is atomic); for a device or a
    pipe (:func:`is_special`), in the folder of temporary files (``/dev`` is no place for one)."""
    if is_special(target):  # created here, private to its owner, under a name no one can guess
        import tempfile
        from pathlib import Path

        fd, tmp = tempfile.mkstemp(prefix=".losscli-", suffix=f"-{Path(target).name}.tmp")
        os.close(fd)
        return Path(tmp)
    t = final_path(target)
    return t.with_name(f".{t.name}.tmp-{os.getpid()}")


def create_staged(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Create the staging file ``tmp`` (empty) with the permissions of the file it is to replace, writable
    by its owner while it is written (a read-only report is replaced, as before), so that a report kept
    private is never readable by others; a new file gets the umask's. Raises OSError."""
    if is_special(target):  # a device or a pipe has no permissions to keep: the owner's alone
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
        return
    try:
        mode = stat.S_IMODE(os.stat(final_path(target)).st_mode) | stat.S_IWUSR
    except OSError:
        return
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode & 0o700)  # the owner's alone until fchmod
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def put_in_place(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename ``tmp`` onto ``target`` (through a symbolic link: the file it names), with the permissions of
    the file it replaces exactly (read-only stays read-only); a device or a pipe (:func:`is_special`) has the
    content written into it. Raises OSError."""
    if is_special(target):
        import shutil

        with open(tmp, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.unlink(tmp)
        return
    real = final_path(target)
    with contextlib.suppress(OSError):
        os.chmod(tmp, stat.S_IMODE(os.stat(real).st_mode))
    os.replace(tmp, real)


def _folder_is_a_file(path: str) -> OutputError | None:
    """The error of a path below a file (``d.csv/x.xml``): the folder it names is a file."""
    parent = os.path.dirname(path)
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        return OutputError(f"cannot write {path}: {parent} is a file, not a folder", hint="give a path in a folder")
    return None


def _check_folder(path: str) -> None:
    parent = os.path.dirname(path)
    if (below := _folder_is_a_file(path)) is not None:
        raise below
    if parent and not os.path.exists(parent):
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    if os.path.isdir(path):
        raise OutputError(f"cannot write {path}: it is a directory", hint="give a file name")


class OutputTransaction:
    """Staged files of one run; :meth:`commit` renames them all into place, :meth:`abort` removes them.

    Used as a context manager: a clean exit commits, any exception (including ``KeyboardInterrupt`` and
    the ``SystemExit`` that SIGTERM raises in the command line) aborts and re-raises.
    """

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []
        self.temporaries: list[Path] = []
        #: run once every staged file is in place (what reports that a file was written)
        self.committed: list[Callable[[], None]] = []

    def track(self, tmp: str | os.PathLike[str]) -> None:
        """Remove ``tmp`` on abort (a file being written that is not staged yet)."""
        from pathlib import Path

        self.temporaries.append(Path(tmp))

    def stage(self, tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        """Rename ``tmp`` to ``target`` at commit."""
        from pathlib import Path

        self.staged.append((Path(tmp), Path(target)))

    def commit(self) -> None:
        from losscli.interrupts import raise_if_received

        try:
            raise_if_received()  # Ctrl-C or SIGTERM whose exception was swallowed: nothing is put in place
        except KeyboardInterrupt:
            self.abort()
            raise
        for tmp, target in self.staged:
            try:
                put_in_place(tmp, target)
            except OSError as exc:
                self.abort()
                raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
        self.staged = []
        self.temporaries = []
        done, self.committed = self.committed, []
        for action in done:
            action()

    def abort(self) -> None:
        for tmp in [t for t, _ in self.staged] + self.temporaries:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self.staged = []
        self.temporaries = []
        self.committed = []

    def __enter__(self) -> OutputTransaction:
        _active.append(self)
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        _active.remove(self)
        if kind is None:
            self.commit()
        else:
            self.abort()


def current() -> OutputTransaction | None:
    """The innermost open transaction, if any."""
    return _active[-1] if _active else None


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` once the open transaction's files are in place (never if it aborts); now without one."""
    tx = current()
    if tx is None:
        action()
    else:
        tx.committed.append(action)


def finish_file(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """A finished temporary file: staged in the open transaction, else renamed into place now. A device or a
    pipe (:func:`is_special`) is written into now, before the report goes to standard output, so that a write
    that fails (``/dev/full``, a reader gone) or waits (a FIFO no one reads yet: Ctrl-C) fails the run with
    nothing on standard output and no other file put in place."""
    tx = current()
    if tx is not None and not is_special(target):
        tx.stage(tmp, target)
        return
    try:
        put_in_place(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)  # (put in place: gone already)


def write_atomic(path: str, text: str, *, make_folder: bool = False) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it (staged in the open transaction).

    ``make_folder`` creates a missing parent folder (report files for CI); otherwise it is an error."""
    if make_folder:
        if (below := _folder_is_a_file(path)) is not None:
            raise below
        try:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    _check_folder(path)
    tmp = staging_path(path)
    tx = current()
    if tx is not None:
        tx.track(tmp)
    try:
        create_staged(tmp, path)
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finish_file(tmp, path)


def same_file(a: str, b: str) -> bool:
    """Whether two paths name the same existing file (or the same path, resolved)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
