"""Scanning mailboxes off the UI thread: every message is opened with the loaded keys.

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
from smime_archiver.job import open_message
from smime_archiver.mailbox import iter_messages, read_one
from smime_archiver.model import RawMail
from smime_archiver.ui.rows import RAW_BUDGET, MessageRow, row_from_opened, row_from_problem

log = logging.getLogger(__name__)

BATCH_ROWS = 500
BATCH_SECONDS = 0.1


class ScanThread(QThread):
    """Reads ``inputs`` and opens each message with ``keystore``; emits rows in batches."""

    rows_ready = Signal(int, object)  # generation, list[MessageRow]
    scan_done = Signal(int, bool)  # generation, cancelled
    scan_failed = Signal(int, str)  # generation, text

    def __init__(self, generation: int, inputs: Sequence[str], keystore: KeyStore,
                 parent=None, raw_budget: int = RAW_BUDGET):
        super().__init__(parent)
        self.generation = generation
        self.inputs = list(inputs)
        self.keystore = keystore
        self.cancel_event = threading.Event()
        self.raw_budget = raw_budget

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        try:
            self._scan()
        except Exception as e:  # reported to the window; the thread must not die silently
            log.exception("scan failed")
            self.scan_failed.emit(self.generation, f"{type(e).__name__}: {e}")
            return
        self.scan_done.emit(self.generation, self.cancel_event.is_set())

    def _scan(self) -> None:
        batch: list[MessageRow] = []
        kept = 0
        last = time.monotonic()
        number = 0
        for item in iter_messages(self.inputs, cancel=self.cancel_event):
            if self.cancel_event.is_set():
                break
            if isinstance(item, RawMail):
                keep = kept + len(item.data) <= self.raw_budget
                kept += len(item.data) if keep else 0
                row = row_from_opened(number, open_message(item, self.keystore), keep)
            else:
                row = row_from_problem(number, item)
            number += 1
            batch.append(row)
            now = time.monotonic()
            if len(batch) >= BATCH_ROWS or now - last >= BATCH_SECONDS:
                self.rows_ready.emit(self.generation, batch)
                batch = []
                last = now
        if batch and not self.cancel_event.is_set():
            self.rows_ready.emit(self.generation, batch)


def read_back(row: MessageRow, cancel: threading.Event | None = None) -> RawMail | None:
    """The raw message of ``row``: kept bytes, or read again from its source."""
    if row.raw is not None:
        return row.raw
    return read_one(row.source, row.locator, index=row.index, cancel=cancel)
