"""The one pipeline driver: mailboxes -> unwrap -> MIME model -> PDF -> archive + report.

Both faces call :func:`run_job`; the GUI's preview calls :func:`open_message`.

``run_job(spec, keystore, observer=None, cancel=None, *, key_reload=None) -> JobResult``
reads the inputs as a stream, has each message opened and rendered (in ``spec.jobs``
worker processes, see :mod:`smime_archiver.parallel`), and commits the outcomes in input
order through :class:`smime_archiver.archive.writer.ArchiveWriter`: final names, a
journal line, then (per batch, after one fsync) the renames.  A failure in one message
becomes that message's outcome and the run goes on; only an output that cannot be
written stops a job (:class:`OutputError`; the journal keeps what was done, so
``resume`` continues).

:class:`JobSpec` fields (all but the first two have defaults, so older callers keep working):

- ``inputs``, ``out_dir``; ``key_files``: key descriptions for the report;
- ``jobs``: worker processes (1: everything in the calling process, the default);
- ``resume``: reuse what the journal in ``out_dir`` says is archived (files present),
  do the rest; without it a new journal is started (existing files are never overwritten);
- ``write_eml`` / ``write_attachments``: also the decrypted ``.eml`` / the attachments;
- ``dedupe``: a message whose Message-ID and bytes equal an earlier one's is not archived
  again; its report line points at the first one's files (``duplicate_of``);
- ``start_method``: ``"fork"``, ``"spawn"`` or ``"forkserver"`` (default: fork on Linux,
  spawn elsewhere).  Under spawn/forkserver the workers reopen the keys: a
  :class:`~smime_archiver.crypto.keys.keyring.KeyRing` (what the CLI and the GUI load)
  carries how; a bare key store without ``key_reload`` runs the job in the calling process;
- ``keep_records``: keep every :class:`~smime_archiver.outcome.MessageOutcome` in
  :attr:`JobResult.records` (the default); batch runs turn it off to keep memory flat and
  use :attr:`JobResult.summary` (a :class:`~smime_archiver.outcome.JobSummary`).

:class:`JobObserver` callbacks, all no-ops by default, called on the job's thread:
``job_started(spec)``, ``message_done(record, done)`` (also for messages taken over from
the journal), ``job_progress(progress: JobProgress)`` after each message, and
``job_finished(result)``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from smime_archiver.archive.journal import STATE_DIR, Key, content_hash, make_key
from smime_archiver.archive.layout import OutputLayout, stem_of
from smime_archiver.archive.own import OwnOutputs
from smime_archiver.archive.summary import SummaryBuilder
from smime_archiver.archive.writer import ArchiveWriter
from smime_archiver.crypto.keys.certbook import annotate_missing_keys, book_of
from smime_archiver.crypto.keys.keyring import KeyReload
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import ArchiverError, OutputError
from smime_archiver.i18n import _
from smime_archiver.interrupts import deferred
from smime_archiver.mailbox import iter_messages
from smime_archiver.model import RawMail, SkippedItem, SourceProblem, Status
from smime_archiver.outcome import JobSummary, MessageOutcome, MessageRef, problem_outcome
from smime_archiver.parallel import Engine
from smime_archiver.work import OpenedMessage, Outcome, WorkOptions, open_message

log = logging.getLogger(__name__)

BATCH = 64  # messages committed with one journal fsync, at most
# Seconds to wait for the next message's outcome before the batch is committed anyway
# (most messages take a few milliseconds: a batch is then not synced for each of them).
HEAD_WAIT = 0.05

__all__ = ["JobObserver", "JobProgress", "JobResult", "JobSpec", "OpenedMessage",
           "open_message", "run_job"]


@dataclass(frozen=True)
class JobSpec:
    inputs: tuple[str, ...]
    out_dir: Path
    key_files: tuple[dict, ...] = ()  # descriptions for the report (never key material)
    jobs: int = 1
    resume: bool = False
    write_eml: bool = False
    write_attachments: bool = False
    dedupe: bool = False
    start_method: str | None = None
    keep_records: bool = True


@dataclass(frozen=True)
class JobProgress:
    """Where a job is: messages done and bytes of input read (total once measured)."""

    done: int
    archived: int
    problems: int  # messages not archived
    resumed: int  # taken over from the journal
    bytes_done: int
    bytes_total: int | None  # None while the inputs are still being measured
    elapsed: float  # seconds


class JobObserver:
    """Callbacks from the engine; faces override what they need. Called on the job's thread."""

    def job_started(self, spec: JobSpec) -> None:
        pass

    def message_done(self, record: MessageOutcome, done: int) -> None:
        pass

    def job_progress(self, progress: JobProgress) -> None:
        pass

    def job_finished(self, result: JobResult) -> None:
        pass


@dataclass
class JobResult:
    records: list[MessageOutcome] = field(default_factory=list)  # with spec.keep_records
    report_path: Path | None = None
    cancelled: bool = False
    summary: JobSummary = field(default_factory=JobSummary)
    resumed: int = 0
    stopped: bool = False  # stopped at once, without finishing the messages under way

    @property
    def total(self) -> int:
        return self.summary.total

    @property
    def archived(self) -> int:
        return self.summary.archived

    @property
    def complete(self) -> bool:
        """Every message archived (decrypted, plain or signed, with its PDF)."""
        return not self.cancelled and self.archived == self.total

    def count(self, status: Status) -> int:
        return self.summary.count(status)


@dataclass
class _Item:
    """One thing the reader found, on its way through the job."""

    found: RawMail | SourceProblem
    key: Key
    sha256: str = ""
    folder: str = ""
    mailbox: str = ""
    reused: MessageOutcome | None = None
    duplicate_of: Key | None = None
    prefer: str | None = None  # the stem an earlier run gave it


def run_job(
    spec: JobSpec,
    keystore: KeyStore,
    observer: JobObserver | None = None,
    cancel: threading.Event | None = None,
    *,
    key_reload: KeyReload | None = None,
) -> JobResult:
    """Export every message of ``spec.inputs`` into ``spec.out_dir``; returns the account.

    Raises :class:`OutputError` when the output cannot be written (fatal);
    everything else is recorded per message.
    """
    return _Job(spec, keystore, observer or JobObserver(), cancel, key_reload).run()


class _Job:
    def __init__(self, spec: JobSpec, keystore: KeyStore, observer: JobObserver,
                 cancel: threading.Event | None, key_reload: KeyReload | None):
        self.spec = spec
        self.keystore = keystore
        self.observer = observer
        self.cancel = cancel
        self.key_reload = key_reload
        self.out = Path(spec.out_dir)
        self.result = JobResult()
        self.summary = SummaryBuilder(spec.key_files)
        self.book = book_of(keystore.descriptions())  # names the certificates of missing keys
        self.layout = OutputLayout(spec.inputs)
        self.first_seen: dict[tuple[str, str], Key] = {}
        self.bytes = _BytesRead()
        self.started = time.monotonic()
        self._flushed = self.started

    def run(self) -> JobResult:
        started = dt.datetime.now(dt.timezone.utc)
        self.writer: ArchiveWriter[_Item] = ArchiveWriter(
            self.out, resume=self.spec.resume, eml=self.spec.write_eml,
            attachments=self.spec.write_attachments)
        try:
            options = WorkOptions(tmp_dir=str(self.writer.tmp_dir), eml=self.spec.write_eml,
                                  attachments=self.spec.write_attachments,
                                  sync_each=self.writer.sync_each)
            try:
                self._run_engine(options)
            except KeyboardInterrupt:  # stopped at once (a second Ctrl-C): report what is done
                self._flush()
                self.result.cancelled = True
                self.result.stopped = True
            else:
                self.result.cancelled = self.cancel is not None and self.cancel.is_set()
            self.result.summary = annotate_missing_keys(self.summary.summary(), self.book)
            self.result.report_path = self.writer.finish(
                self.result.summary, key_files=list(self.spec.key_files), started=started,
                cancelled=self.result.cancelled)
        finally:
            self.writer.close()
        self.observer.job_finished(self.result)
        return self.result

    def _run_engine(self, options: WorkOptions) -> None:
        self._measure = measure = _measure_inputs(self.spec.inputs, self.cancel)
        self.observer.job_started(self.spec)
        try:
            with Engine(jobs=self.spec.jobs, keystore=self.keystore, options=options,
                        start_method=self.spec.start_method, key_reload=self.key_reload
                        ) as engine:
                for item, outcome in engine.ordered(self._items(), self._work_of):
                    try:
                        with deferred():  # a journal line and its staged files together
                            self._commit(item, outcome)
                    except OutputError:
                        self._flush()  # what was done before stays done
                        raise
                    # the journal is synced (and files renamed) per batch, or before
                    # waiting for a slow message, or twice a second
                    if (self.writer.pending() >= BATCH
                            or not engine.head_ready(wait=HEAD_WAIT)
                            or time.monotonic() - self._flushed > 0.5):
                        self._flush()
                self._flush()
        finally:
            measure.stop()

    # --- reading, in input order ----------------------------------------------------------

    def _items(self) -> Iterator[_Item]:
        own = OwnOutputs(self.spec.inputs, self.out)  # output folders are never input
        said: set[str] = set()
        source, inside = None, None  # a mailbox file's messages come one after another
        for found in iter_messages(list(self.spec.inputs), cancel=self.cancel, skipped=True):
            if self.cancel is not None and self.cancel.is_set():
                return
            if isinstance(found, SkippedItem):  # hidden Outlook data: counted, not archived
                self.summary.skip(found.source, found.what)
                continue
            if found.source != source:
                source = found.source
                inside = own.output_of(source)
                if inside is not None and inside not in said:
                    said.add(inside)
                    log.warning("skipped %s: it is an output folder of smime-archiver "
                                "(it holds %s), never read as input", inside, STATE_DIR)
            if inside is not None:
                continue
            self.bytes.saw(found)
            yield self._prepare(found)
            if self.cancel is not None and self.cancel.is_set():
                return

    def _prepare(self, found: RawMail | SourceProblem) -> _Item:
        digest = content_hash(found.data) if isinstance(found, RawMail) else ""
        item = _Item(found, make_key(found.source, found.locator, digest), digest)
        item.mailbox = found.container
        item.folder = self.layout.folder_for(found)
        if not isinstance(found, RawMail):
            return item
        if self.spec.resume:
            item.reused = self.writer.reusable(item.key)
            if item.reused is None:
                earlier = self.writer.earlier(item.key)
                if earlier is not None and earlier.pdf:
                    item.prefer = stem_of(earlier.pdf)[1]
        if self.spec.dedupe:
            message_id = _message_id(found.data)
            if message_id:
                first = self.first_seen.setdefault((message_id, digest), item.key)
                if first != item.key and item.reused is None:
                    item.duplicate_of = first
        return item

    @staticmethod
    def _work_of(item: _Item) -> RawMail | None:
        if item.reused is not None or item.duplicate_of is not None:
            return None
        return item.found if isinstance(item.found, RawMail) else None

    # --- committing, in input order -------------------------------------------------------

    def _commit(self, item: _Item, work: Outcome | None) -> None:
        """The message's outcome to the writer (names, journal); renames wait for a flush."""
        if item.reused is not None:
            self.result.resumed += 1
            self.writer.take_over(item, item.reused, item.key)
            return
        if work is not None and work.fatal:
            work.discard()
            raise OutputError(work.fatal, source=str(self.out))
        if isinstance(item.found, SourceProblem):
            outcome = problem_outcome(item.found)
        elif item.duplicate_of is not None:
            outcome = self._duplicate_outcome(item)
        else:
            assert work is not None
            outcome = work.record
        outcome = dataclasses.replace(outcome, mailbox=item.mailbox, sha256=item.sha256)
        self.writer.stage(item, outcome, item.key, files=work, folder=item.folder,
                          prefer=item.prefer)

    def _flush(self) -> None:
        """Commit the staged batch (see :meth:`ArchiveWriter.flush`), then tell the observer."""
        self._flushed = time.monotonic()
        with deferred():  # a second Ctrl-C waits for the renames of the synced batch
            self.writer.flush(self._account)

    def _account(self, item: _Item, outcome: MessageOutcome) -> None:
        self.summary.add(outcome)
        self.book.add_signatures(outcome.signatures)
        if self.spec.keep_records:
            self.result.records.append(outcome)
        log.info("%s %s: %s %s", outcome.source, outcome.locator, outcome.status.value,
                 outcome.pdf or "")
        self.observer.message_done(outcome, self.summary.total)
        self._progress()

    def _duplicate_outcome(self, item: _Item) -> MessageOutcome:
        assert isinstance(item.found, RawMail) and item.duplicate_of is not None
        first = self.writer.earlier(item.duplicate_of)
        if first is None:  # pragma: no cover - the first occurrence is always committed first
            raise ArchiverError(_("Internal error: the first copy of a duplicate message is "
                                  "missing from the journal."))
        raw = item.found
        ref = MessageRef(first.source, first.locator)
        return dataclasses.replace(
            first, source=raw.source, index=raw.index, locator=raw.locator, offset=raw.offset,
            duplicate_of=ref,
            detail=_("The same message (same Message-ID and content) as {first}; it was "
                     "archived once, there.").format(first=ref.describe()))

    def _progress(self) -> None:
        s = self.summary
        self.observer.job_progress(JobProgress(
            done=s.total, archived=s.archived, problems=s.total - s.archived,
            resumed=self.result.resumed, bytes_done=self.bytes.done(),
            bytes_total=self._measure.total, elapsed=time.monotonic() - self.started))


_MESSAGE_ID = re.compile(rb"(?im)^message-id:[ \t]*(<[^>\r\n]*>|[^\s]+)")


def _message_id(data: bytes) -> str:
    end = data.find(b"\n\n")
    if end < 0:
        end = data.find(b"\r\n\r\n")
    m = _MESSAGE_ID.search(data[: end if end >= 0 else 65536])
    return m.group(1).decode("ascii", "replace").strip() if m else ""


class _BytesRead:
    """Bytes of input behind the reader: whole files done plus the place in the current one."""

    def __init__(self) -> None:
        self._finished = 0
        self._source: str | None = None
        self._current = 0

    def saw(self, found: RawMail | SourceProblem) -> None:
        if found.source != self._source:
            self._finished += self._current
            self._source = found.source
            self._current = 0
        if isinstance(found, RawMail) and found.offset is not None:
            self._current = found.offset + len(found.data)
        else:
            try:
                self._current = os.path.getsize(found.source)
            except OSError:
                self._current = len(found.data) if isinstance(found, RawMail) else 0

    def done(self) -> int:
        return self._finished + self._current


class _Measure:
    def __init__(self) -> None:
        self.total: int | None = None
        self.stopped = threading.Event()

    def stop(self) -> None:
        self.stopped.set()


def _measure_inputs(inputs: Sequence[str], cancel: threading.Event | None) -> _Measure:
    """Add up the inputs' sizes on a thread (for the progress bar's ETA)."""
    measure = _Measure()

    def run() -> None:
        total = 0
        for path in inputs:
            if os.path.isfile(path):
                with contextlib.suppress(OSError):
                    total += os.path.getsize(path)
                continue
            for folder, _dirs, files in os.walk(path):
                if measure.stopped.is_set() or (cancel is not None and cancel.is_set()):
                    return
                for name in files:
                    if not name.endswith(".msf"):
                        with contextlib.suppress(OSError):
                            total += os.path.getsize(os.path.join(folder, name))
        measure.total = total

    threading.Thread(target=run, name="measure-inputs", daemon=True).start()
    return measure
