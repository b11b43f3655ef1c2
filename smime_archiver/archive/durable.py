"""Making the files of a batch durable before the journal says they are done.

On Linux one ``syncfs`` on the output's file system writes back every file of a batch
at once, so workers write without waiting for the disk (where the file system refuses
``syncfs``, the job syncs the batch's files one by one).  Elsewhere (and where ``syncfs``
cannot be called) each file is flushed with ``fsync`` as it is written.  Either way the
journal is synced after the files and before they are renamed, so a power cut never
leaves a journal entry for a file that is not whole on the disk.

:func:`atomic_file` is how a single file (the reports) is written: under a temporary
name in the same folder, synced, then renamed.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import functools
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from smime_archiver.errors import OutputError
from smime_archiver.i18n import _

# What syncfs answers on a file system that cannot be synced as a whole (some network and
# FUSE file systems): the files are then synced one by one.
UNSUPPORTED = frozenset({errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP})


@functools.cache
def _syncfs():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        function = libc.syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def batch_sync_available() -> bool:
    """Whether :func:`sync_filesystem` can make a batch durable at once."""
    return _syncfs() is not None


def sync_filesystem(path: str) -> None:
    """Write back everything written on the file system that holds ``path``.

    Raises ``OSError`` (for example ``EIO``) when the data cannot be written.
    """
    function = _syncfs()
    if function is None:
        raise OSError("syncfs is not available here")
    fd = os.open(path, os.O_RDONLY)
    try:
        if function(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno), path)
    finally:
        os.close(fd)


def sync_files(paths: Iterable[str]) -> None:
    """``fsync`` each file; raises ``OSError`` when one cannot be written."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_file(target: Path, mode: str = "wb", **kw: Any) -> Iterator[IO[Any]]:
    """A file written under a temporary name in the same folder and renamed when complete."""
    try:
        target.parent.mkdir(0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-", suffix=".tmp")
    except OSError as e:
        raise _output_error(target, e) from e
    try:
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _output_error(target, e) from e
        raise


def _output_error(target: Path, e: OSError) -> OutputError:
    return OutputError(
        _("Could not write {file}: {reason}. Check free disk space and permissions.")
        .format(file=target, reason=e.strerror or e),
        source=str(target),
    )
