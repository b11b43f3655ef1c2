"""The scan: every message of the inputs opened with the keys, described, nothing written.

:func:`scan_inputs` is what ``inspect`` (CLI) and the GUI's message list both run; it
reads the inputs as a stream, opens each message exactly as an export would (so "opens"
means the key really decrypted it) and hands each :class:`Scanned` to the observer, in
input order.  With ``jobs`` > 1 the messages are opened in worker processes
(:mod:`smime_archiver.parallel`; the :class:`~smime_archiver.crypto.keys.keyring.KeyRing`
tells spawned workers how to open the keys); with ``jobs`` == 1 they are opened in the
calling process and :attr:`Scanned.opened` also holds the opened message and its view
(the GUI shows them).  Cancel takes effect before the next message.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.mailbox import iter_messages, read_one
from smime_archiver.model import RawMail, SourceProblem
from smime_archiver.outcome import MessageOutcome, problem_outcome
from smime_archiver.parallel import Engine
from smime_archiver.work import OpenedMessage, WorkOptions, open_message, outcome_of


@dataclass(frozen=True)
class Scanned:
    """One message (or one source that could not be read) as the scan found it."""

    number: int  # position in the scan, from 0
    found: RawMail | SourceProblem
    record: MessageOutcome  # what an export's report would say about it (no files)
    opened: OpenedMessage | None = None  # opened in this process (jobs == 1)


@dataclass(frozen=True)
class ScanResult:
    count: int  # messages (and unreadable sources) scanned
    cancelled: bool


class ScanObserver:
    """Callbacks from the scan, on the scan's thread; faces override what they need."""

    def message_scanned(self, scanned: Scanned) -> None:
        pass


def scan_inputs(
    inputs: Sequence[str],
    keys: KeyStore,
    observer: ScanObserver | None = None,
    cancel: threading.Event | None = None,
    *,
    jobs: int = 1,
    start_method: str | None = None,
) -> ScanResult:
    """Scan ``inputs``, telling ``observer`` of each message in input order."""
    observer = observer or ScanObserver()
    count = 0
    for scanned in scan_messages(inputs, keys, cancel, jobs=jobs, start_method=start_method):
        observer.message_scanned(scanned)
        count += 1
    return ScanResult(count, cancel is not None and cancel.is_set())


def scan_messages(
    inputs: Sequence[str],
    keys: KeyStore,
    cancel: threading.Event | None = None,
    *,
    jobs: int = 1,
    start_method: str | None = None,
) -> Iterator[Scanned]:
    """The scan as a stream: one :class:`Scanned` per message, in input order."""
    found_items = _until_cancelled(iter_messages(list(inputs), cancel=cancel), cancel)
    if jobs <= 1:
        for number, found in enumerate(found_items):
            if isinstance(found, RawMail):
                opened = open_message(found, keys)
                yield Scanned(number, found, _placed(outcome_of(opened), found), opened)
            else:
                yield Scanned(number, found, _placed(problem_outcome(found), found))
        return
    with Engine(jobs=jobs, keystore=keys, options=WorkOptions(tmp_dir=None),
                start_method=start_method) as engine:
        pairs = engine.ordered(found_items, _work_of)
        for number, (found, outcome) in enumerate(pairs):
            if outcome is not None:
                record = outcome.record
            else:
                assert isinstance(found, SourceProblem)
                record = problem_outcome(found)
            yield Scanned(number, found, _placed(record, found))


def read_message(source: str, locator: str, index: int | None,
                 cancel: threading.Event | None = None) -> RawMail | None:
    """The raw message at ``locator`` in ``source`` read again (None if it is gone)."""
    return read_one(source, locator, index=index, cancel=cancel)


def _work_of(found: RawMail | SourceProblem) -> RawMail | None:
    return found if isinstance(found, RawMail) else None


def _placed(record: MessageOutcome, found: RawMail | SourceProblem) -> MessageOutcome:
    return dataclasses.replace(record, mailbox=found.container)


def _until_cancelled(items: Iterator[RawMail | SourceProblem],
                     cancel: threading.Event | None) -> Iterator[RawMail | SourceProblem]:
    for item in items:
        if cancel is not None and cancel.is_set():
            return
        yield item
