"""Making the files of a batch durable before the journal says they are done.

On Linux one ``syncfs`` on the output's file system writes back every file of a batch
at once, so workers write without waiting for the disk (where the file system refuses
``syncfs``, the job syncs the batch's files one by one).  Elsewhere (and where ``syncfs``
cannot be called) each file is flushed with ``fsync`` as it is written.  Either way the
journal is synced after the files and before they are renamed, so a power cut never
leaves a journal entry for a file that is not whole on the disk.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
import sys
from collections.abc import Iterable

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
