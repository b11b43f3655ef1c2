"""Keep private keys and passwords out of core dumps, as gpg-agent and ssh-agent do.

:func:`protect_process` sets the core file size limit to zero (soft and hard: it cannot
be raised again) and, on Linux, makes the process non-dumpable (``PR_SET_DUMPABLE`` 0:
no core dump, and other processes of the same user cannot ``ptrace`` it or read its
memory through ``/proc``).  Call it before a password is asked for or a key is loaded:
the command line does for ``export``, ``inspect`` and ``keys``, the desktop app at start,
and each worker process at its start (a forked worker inherits both; a spawned one is a
new program, for which the kernel resets the dumpable flag).  Failing is logged, never
fatal: an archive is still made where the system refuses.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3

_done = False


def protect_process() -> None:
    """No core dumps (any OS with ``resource``) and non-dumpable (Linux); idempotent."""
    global _done
    if _done:
        return
    _done = True
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError) as e:  # Windows has no core dumps to stop
        log.debug("core dumps not limited: %s", e)
    if sys.platform.startswith("linux"):
        _set_non_dumpable()


def _set_non_dumpable() -> None:
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            log.warning("the process could not be made non-dumpable (errno %d)",
                        ctypes.get_errno())
    except (OSError, AttributeError) as e:
        log.warning("the process could not be made non-dumpable: %s", e)


def is_dumpable() -> bool | None:
    """Linux: whether the process is dumpable; ``None`` elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
