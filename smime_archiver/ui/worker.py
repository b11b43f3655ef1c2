"""Runs the core's job on a worker thread; the core's observer callbacks become signals."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from smime_archiver.crypto.keys.keyring import KeyRing
from smime_archiver.errors import ArchiverError
from smime_archiver.job import JobObserver, JobProgress, JobResult, JobSpec, run_job
from smime_archiver.outcome import MessageOutcome
from smime_archiver.parallel import default_jobs

log = logging.getLogger(__name__)


def make_spec(inputs: list[str], out_dir: Path, keys: KeyRing,
              options: dict[str, bool]) -> JobSpec:
    """The job the CLI's ``export`` would run: every CPU, the same KeyRing.

    The one difference: workers are started with ``spawn`` on every platform (the default on
    Windows and macOS already).  This process runs Qt's threads and the preview; a ``fork``
    from it could copy a lock some other thread holds (inside OpenSSL, say) into a worker,
    which would then hang.  Spawned workers reopen the keys from the KeyRing's recipe.
    """
    return JobSpec(inputs=tuple(inputs), out_dir=out_dir,
                   key_files=tuple(d.to_json() for d in keys.descriptions()),
                   jobs=default_jobs(), start_method="spawn",
                   write_eml=options.get("eml", False),
                   write_attachments=options.get("attachments", False),
                   keep_records=True)  # the summary dialog lists what was not archived


class _Observer(JobObserver):
    def __init__(self, worker: ExportWorker):
        self.worker = worker

    def message_done(self, record: MessageOutcome, done: int) -> None:
        self.worker.progress.emit(done, record)

    def job_progress(self, progress: JobProgress) -> None:
        self.worker.job_progress.emit(progress)


class ExportWorker(QObject):
    """Moved to a QThread; ``run`` executes the export there. Never prompts."""

    progress = Signal(int, object)  # messages done, MessageOutcome
    job_progress = Signal(object)  # JobProgress (bytes read of the total, once measured)
    finished = Signal(object)  # JobResult
    failed = Signal(str)  # translated error text

    def __init__(self, spec: JobSpec, keys: KeyRing):
        super().__init__()
        self.spec = spec
        self.keys = keys
        self.cancel_event = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            result: JobResult = run_job(self.spec, self.keys, _Observer(self),
                                        self.cancel_event)
        except ArchiverError as e:
            self.failed.emit(e.message)
            return
        except Exception as e:  # shown to the user; the traceback goes to the log
            log.exception("export failed")
            self.failed.emit(f"{type(e).__name__}: {e}")
            return
        self.finished.emit(result)

    def cancel(self) -> None:
        self.cancel_event.set()
