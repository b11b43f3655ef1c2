"""Terminal output of the command-line face, its exit codes, and what the commands share.

Every text goes out through :func:`smime_archiver.termsafe.shown`: a file name or a
subject cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from smime_archiver.errors import UsageError
from smime_archiver.i18n import _
from smime_archiver.termsafe import shown

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_VERIFY_FAILED = 4
EXIT_CANCELLED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Console:
    def __init__(self, quiet: bool, verbose: bool):
        self.quiet = quiet
        self.verbose = verbose

    def out(self, text: str = "") -> None:
        if not self.quiet:
            print(shown(text))

    def detail(self, text: str) -> None:
        if self.verbose and not self.quiet:
            print(shown(text))

    def err(self, text: str) -> None:
        print(shown(text), file=sys.stderr)


def check_inputs(inputs: Sequence[str]) -> None:
    for path in inputs:
        if not Path(path).exists():
            raise UsageError(_("Input {path} does not exist.").format(path=path))


class Stopped(KeyboardInterrupt):
    """Raised by a second Ctrl-C or SIGTERM (or a SIGTERM before the job): stop at once."""

    def __init__(self, exit_code: int = EXIT_CANCELLED):
        super().__init__()
        self.exit_code = exit_code


class StopSignals:
    """Ctrl-C (SIGINT) and SIGTERM: the first sets ``cancel`` (the job finishes the messages
    under way, writes the report and ends); the second ends the worker processes and raises
    :class:`Stopped` (the job reports what is done).  :attr:`exit_code` is 128 + the first
    signal's number.  Use as a context manager on the main thread."""

    SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None))
                    if s is not None)

    def __init__(self, cancel: threading.Event):
        self.cancel = cancel
        self.signum: int | None = None
        self._pid = os.getpid()
        self._previous: dict[int, object] = {}

    @property
    def exit_code(self) -> int:
        return EXIT_TERMINATED if self.signum == getattr(signal, "SIGTERM", -1) else \
            EXIT_CANCELLED

    def _handler(self, signum, frame) -> None:
        if os.getpid() != self._pid:  # a forked worker: the parent decides
            return
        if not self.cancel.is_set():
            self.signum = signum
            self.cancel.set()
            return
        for child in multiprocessing.active_children():  # the messages under way: dropped
            child.kill()
        raise Stopped(self.exit_code)

    def __enter__(self) -> StopSignals:
        try:
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handler)
        except ValueError:  # not the main thread
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]


def terminate_as_interrupt() -> None:
    """Before a job runs, SIGTERM ends the program like Ctrl-C (exit 143, not -15)."""

    def handler(signum, frame):
        raise Stopped(EXIT_TERMINATED)

    try:
        if hasattr(signal, "SIGTERM"):
            signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        pass


def safe_tracebacks() -> None:
    """A traceback that reaches the terminal (a bug) is escaped like every other text."""
    import traceback

    def hook(kind, value, tb) -> None:
        sys.stderr.write(shown("".join(traceback.format_exception(kind, value, tb))))

    sys.excepthook = hook
    threading.excepthook = lambda a: hook(a.exc_type, a.exc_value, a.exc_traceback)
