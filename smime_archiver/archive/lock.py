"""One export at a time in an output folder: a lock on ``.smime-archiver/lock``.

Two exports into one folder would remove each other's temporary files and mix their
journals and reports.  :class:`OutputLock` is taken before anything in the folder is
touched and held until the export ends; a second export stops at once and says which
process (process id and host name, written into the lock file) holds the folder.

The lock is the operating system's (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
Windows), so it ends with the process that holds it: after a ``kill -9`` or a crash the
folder is free at once, with no stale lock file to remove by hand (the file itself stays;
it holds only the last holder's id).  Worker processes forked by the export do not keep
the lock: their copy of the descriptor is closed when they start.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from pathlib import Path

from smime_archiver.archive.safefs import open_file
from smime_archiver.errors import OutputError
from smime_archiver.i18n import _

LOCK_NAME = "lock"
_WINDOWS_OFFSET = 1 << 30  # the byte locked on Windows: beyond the holder's id

_held: set[int] = set()  # descriptors of locks this process holds


def _close_in_child() -> None:
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)  # the parent's lock stays: it holds its own descriptor
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, _WINDOWS_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _holder(fd: int) -> dict:
    with contextlib.suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        found = json.loads(os.read(fd, 4096).decode("utf-8"))
        if isinstance(found, dict):
            return found
    return {}


class OutputLock:
    """The lock on one output folder's state folder (see the module docstring)."""

    def __init__(self, state_dir: Path, out_dir: Path):
        self.path = state_dir / LOCK_NAME
        try:
            fd = open_file(self.path, os.O_RDWR | os.O_CREAT)
        except OSError as e:
            raise OutputError(
                _("Could not write {file}: {reason}. Check free disk space and permissions.")
                .format(file=self.path, reason=e.strerror or e), source=str(self.path)) from e
        try:
            locked = _try_lock(fd)
            if not locked:
                holder = _holder(fd)
                raise OutputError(
                    _("Another export is writing into {folder} (process {pid} on {host}). "
                      "Wait until it has finished, or choose another output folder.").format(
                          folder=out_dir, pid=holder.get("pid", "?"),
                          host=holder.get("host", "?")), source=str(out_dir))
            me = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, json.dumps(me).encode("utf-8") + b"\n")
        except BaseException:
            os.close(fd)
            raise
        self._fd: int | None = fd
        _held.add(fd)

    def release(self) -> None:
        """Let other exports in (also called when the export failed)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        _held.discard(fd)
        with contextlib.suppress(OSError):
            _unlock(fd)
        with contextlib.suppress(OSError):
            os.close(fd)
