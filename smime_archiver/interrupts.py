"""Steps an interrupt must not split: Ctrl-C and SIGTERM wait until they are done.

A second Ctrl-C stops an export at once (:class:`smime_archiver.cli.console.StopSignals`
raises in the main thread wherever it is).  Committing a batch (journal synced, then the
renames) and staging a message (its journal line, then its place in the batch) are each
held together by :func:`deferred`: a signal that arrives meanwhile is handled right after,
so the report never names a file that was not renamed into place.  Off the main thread
(the GUI's worker) signals never reach Python code there, and :func:`deferred` does
nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None))
                 if s is not None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the ``with`` block; handle them after it."""
    if threading.current_thread() is not threading.main_thread() or any(
            signal.getsignal(s) is None for s in _SIGNALS):  # None: set outside Python
        yield
        return
    held: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: held.append(signum))
                for s in _SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in held:
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                if signum == signal.SIGINT:
                    raise KeyboardInterrupt
                os.kill(os.getpid(), signum)
