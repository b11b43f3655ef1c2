"""Runs the core's job on a worker thread; the core's observer callbacks become signals."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal, Slot

from smime_archiver.archive import MessageRecord
from smime_archiver.crypto.keystore import KeyStore
from smime_archiver.errors import ArchiverError
from smime_archiver.job import JobObserver, JobResult, JobSpec, run_job


class _Observer(JobObserver):
    def __init__(self, worker: ExportWorker):
        self.worker = worker

    def message_done(self, record: MessageRecord, done: int) -> None:
        self.worker.progress.emit(done, record)


class ExportWorker(QObject):
    """Moved to a QThread; ``run`` executes the export there. Never prompts."""

    progress = Signal(int, object)  # messages done, MessageRecord
    finished = Signal(object)  # JobResult
    failed = Signal(str)  # translated error text

    def __init__(self, spec: JobSpec, keystore: KeyStore):
        super().__init__()
        self.spec = spec
        self.keystore = keystore
        self.cancel_event = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            result: JobResult = run_job(self.spec, self.keystore, _Observer(self),
                                        self.cancel_event)
        except ArchiverError as e:
            self.failed.emit(e.message)
            return
        except Exception as e:
            self.failed.emit(f"{type(e).__name__}: {e}")
            return
        self.finished.emit(result)

    def cancel(self) -> None:
        self.cancel_event.set()
