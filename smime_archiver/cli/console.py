"""Terminal output of the command-line face, its exit codes, and what the commands share."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from smime_archiver.errors import UsageError
from smime_archiver.i18n import _

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_CANCELLED = 130


class Console:
    def __init__(self, quiet: bool, verbose: bool):
        self.quiet = quiet
        self.verbose = verbose

    def out(self, text: str = "") -> None:
        if not self.quiet:
            print(text)

    def detail(self, text: str) -> None:
        if self.verbose and not self.quiet:
            print(text)

    def err(self, text: str) -> None:
        print(text, file=sys.stderr)


def check_inputs(inputs: Sequence[str]) -> None:
    for path in inputs:
        if not Path(path).exists():
            raise UsageError(_("Input {path} does not exist.").format(path=path))


def interruptible(cancel: threading.Event):
    """Ctrl-C sets ``cancel`` (the job stops after the messages under way); twice stops."""

    def handler(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        return None
    return previous
