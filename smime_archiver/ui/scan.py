"""Scanning mailboxes off the UI thread, through the core's scan (:mod:`smime_archiver.scan`).

The thread sends rows in batches (at most every 0.1 s or 500 rows) so a mailbox of
50,000 messages streams into the table without flooding the event loop.  Cancel
takes effect before the next message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from PySide6.QtCore import QThread, Signal

from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.model import RawMail
from smime_archiver.scan import Scanned, ScanObserver, scan_inputs
from smime_archiver.ui.rows import RAW_BUDGET, MessageRow, row_from_opened, row_from_problem

log = logging.getLogger(__name__)

BATCH_ROWS = 500
BATCH_SECONDS = 0.1


class _Rows(ScanObserver):
    """Turns what the scan found into table rows and hands them on in batches."""

    def __init__(self, thread: ScanThread):
        self.thread = thread
        self.batch: list[MessageRow] = []
        self.kept = 0  # bytes of raw mail kept for previews
        self.last = time.monotonic()

    def message_scanned(self, scanned: Scanned) -> None:
        found, opened = scanned.found, scanned.opened
        if isinstance(found, RawMail) and opened is not None:
            keep = self.kept + len(found.data) <= self.thread.raw_budget
            self.kept += len(found.data) if keep else 0
            row = row_from_opened(scanned.number, opened, keep)
        else:
            assert not isinstance(found, RawMail)
            row = row_from_problem(scanned.number, found)
        self.batch.append(row)
        now = time.monotonic()
        if len(self.batch) >= BATCH_ROWS or now - self.last >= BATCH_SECONDS:
            self.flush()
            self.last = now

    def flush(self) -> None:
        if self.batch:
            self.thread.rows_ready.emit(self.thread.generation, self.batch)
            self.batch = []


class ScanThread(QThread):
    """Scans ``inputs``, opening each message with ``keys``; emits rows in batches."""

    rows_ready = Signal(int, object)  # generation, list[MessageRow]
    scan_done = Signal(int, bool)  # generation, cancelled
    scan_failed = Signal(int, str)  # generation, text

    def __init__(self, generation: int, inputs: Sequence[str], keys: KeyStore,
                 parent=None, raw_budget: int = RAW_BUDGET):
        super().__init__(parent)
        self.generation = generation
        self.inputs = list(inputs)
        self.keys = keys
        self.cancel_event = threading.Event()
        self.raw_budget = raw_budget

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        rows = _Rows(self)
        try:
            scan_inputs(self.inputs, self.keys, rows, self.cancel_event)
        except Exception as e:  # reported to the window; the thread must not die silently
            log.exception("scan failed")
            self.scan_failed.emit(self.generation, f"{type(e).__name__}: {e}")
            return
        if not self.cancel_event.is_set():
            rows.flush()
        self.scan_done.emit(self.generation, self.cancel_event.is_set())
