"""The one pipeline driver: mailboxes -> unwrap -> MIME model -> PDF -> archive + report.

Both faces call :func:`run_job`; the GUI's preview calls :func:`open_message`.

``run_job(spec, keystore, observer=None, cancel=None, *, key_reload=None) -> JobResult``
reads the inputs as a stream, has each message opened and rendered (in ``spec.jobs``
worker processes, see :mod:`smime_archiver.parallel`), and commits the outcomes in input
order: final names (:mod:`smime_archiver.archive.layout`), a journal line
(:mod:`smime_archiver.archive.journal`), then the renames.  A failure in one message becomes that
message's outcome and the run goes on; only an output that cannot be written stops a job
(:class:`OutputError`; the journal keeps what was done, so ``resume`` continues).

:class:`JobSpec` fields (all but the first two have defaults, so older callers keep working):

- ``inputs``, ``out_dir``; ``key_files``: key descriptions for the report;
- ``jobs``: worker processes (1: everything in the calling process, the default);
- ``resume``: reuse what the journal in ``out_dir`` says is archived (files present),
  do the rest; without it a new journal is started (existing files are never overwritten);
- ``write_eml`` / ``write_attachments``: also the decrypted ``.eml`` / the attachments;
- ``dedupe``: a message whose Message-ID and bytes equal an earlier one's is not archived
  again; its report line points at the first one's files (``duplicate_of``);
- ``start_method``: ``"fork"``, ``"spawn"`` or ``"forkserver"`` (default: fork on Linux,
  spawn elsewhere).  Under spawn/forkserver the workers reload the key files: pass
  ``key_reload`` (:class:`smime_archiver.parallel.KeyReload`, made with
  :class:`~smime_archiver.parallel.RecordingPasswords` while loading the keys), else the
  job runs in the calling process;
- ``keep_records``: keep every :class:`MessageRecord` in :attr:`JobResult.records` (the
  default); batch runs turn it off to keep memory flat and use :attr:`JobResult.summary`.

:class:`JobObserver` callbacks, all no-ops by default, called on the job's thread:
``job_started(spec)``, ``message_done(record, done)`` (also for messages taken over from
the journal), ``job_progress(progress: JobProgress)`` after each message, and
``job_finished(result)``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smime_archiver.archive.durable import (
    UNSUPPORTED,
    batch_sync_available,
    sync_files,
    sync_filesystem,
)
from smime_archiver.archive.journal import (
    Journal,
    Key,
    content_hash,
    made_flags,
    make_key,
    new_tmp_dir,
)
from smime_archiver.archive.layout import ATTACHMENTS_SUFFIX, NameReserver, OutputLayout, stem_of
from smime_archiver.archive.records import (
    ArchiveWriter,
    MessageRecord,
    SummaryBuilder,
    write_reports,
)
from smime_archiver.archive.report_csv import CsvReport
from smime_archiver.crypto.keys.certbook import annotate_missing_keys, book_of
from smime_archiver.crypto.keys.keyring import KeyReload
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import ArchiverError, OutputError
from smime_archiver.i18n import _
from smime_archiver.mailbox import container_of, iter_messages
from smime_archiver.model import RawMail, SkippedItem, SourceProblem, Status
from smime_archiver.parallel import Engine
from smime_archiver.work import (
    OpenedMessage,
    Outcome,
    WorkOptions,
    cannot_write_text,
    open_message,
)

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

    def message_done(self, record: MessageRecord, done: int) -> None:
        pass

    def job_progress(self, progress: JobProgress) -> None:
        pass

    def job_finished(self, result: JobResult) -> None:
        pass


@dataclass
class JobResult:
    records: list[MessageRecord] = field(default_factory=list)  # with spec.keep_records
    report_path: Path | None = None
    cancelled: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    resumed: int = 0

    @property
    def total(self) -> int:
        return int(self.summary.get("total", len(self.records)))

    @property
    def archived(self) -> int:
        if "archived" in self.summary:
            return int(self.summary["archived"])
        return sum(1 for r in self.records if r.archived)

    @property
    def complete(self) -> bool:
        """Every message archived (decrypted, plain or signed, with its PDF)."""
        return not self.cancelled and self.archived == self.total

    def count(self, status: Status) -> int:
        if status.value in self.summary:
            return int(self.summary[status.value])
        return sum(1 for r in self.records if r.status is status)


@dataclass
class _Item:
    """One thing the reader found, on its way through the job."""

    found: RawMail | SourceProblem
    key: Key
    sha256: str = ""
    folder: str = ""
    mailbox: str = ""
    reused: MessageRecord | None = None
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
        self.order: list[Key] = []
        self.made = made_flags(spec.write_eml, spec.write_attachments)
        self.layout = OutputLayout(spec.inputs)
        self.first_seen: dict[tuple[str, str], Key] = {}
        self.bytes = _BytesRead()
        self.started = time.monotonic()
        self._batch: list[tuple[_Item, MessageRecord, list[tuple[str, str]]]] = []
        self._flushed = self.started

    def run(self) -> JobResult:
        started = dt.datetime.now(dt.timezone.utc)
        ArchiveWriter(self.out)  # creates the folder and checks that it can be written
        self.journal = Journal(self.out, resume=self.spec.resume)
        self.names = NameReserver(self.out, owned=set(self.journal.owned))
        tmp = new_tmp_dir(self.journal.state_dir)
        options = WorkOptions(tmp_dir=str(tmp), eml=self.spec.write_eml,
                              attachments=self.spec.write_attachments,
                              sync_each=not batch_sync_available())
        self._options = options
        self._whole_fs_sync = True  # until the file system refuses syncfs
        measure = _measure_inputs(self.spec.inputs, self.cancel)
        self.observer.job_started(self.spec)
        try:
            with Engine(jobs=self.spec.jobs, keystore=self.keystore, options=options,
                        start_method=self.spec.start_method, key_reload=self.key_reload
                        ) as engine:
                for item, outcome in engine.ordered(self._items(), self._work_of):
                    try:
                        self._commit(item, outcome)
                    except OutputError:
                        self._flush(measure.total)  # what was done before stays done
                        raise
                    # the journal is synced (and files renamed) per batch, or before
                    # waiting for a slow message, or twice a second
                    if (len(self._batch) >= BATCH or not engine.head_ready(wait=HEAD_WAIT)
                            or time.monotonic() - self._flushed > 0.5):
                        self._flush(measure.total)
                self._flush(measure.total)
        finally:
            measure.stop()
            shutil.rmtree(tmp, ignore_errors=True)
        self.result.cancelled = self.cancel is not None and self.cancel.is_set()
        self.result.summary = self.summary.summary()
        annotate_missing_keys(self.result.summary["missing_keys"], self.book)
        self.result.report_path = write_reports(
            self.out, self._report_records(), self.result.summary,
            key_files=list(self.spec.key_files), started=started,
            finished=dt.datetime.now(dt.timezone.utc), cancelled=self.result.cancelled,
            csv_writer=CsvReport)
        self.journal.close()
        self.observer.job_finished(self.result)
        return self.result

    # --- reading, in input order ----------------------------------------------------------

    def _items(self) -> Iterator[_Item]:
        own = os.path.realpath(self.out) + os.sep  # an output folder inside an input folder
        source, inside = None, False  # a mailbox file's messages come one after another
        for found in iter_messages(list(self.spec.inputs), cancel=self.cancel, skipped=True):
            if self.cancel is not None and self.cancel.is_set():
                return
            if isinstance(found, SkippedItem):  # hidden Outlook data: counted, not archived
                self.summary.skip(found.source, found.what)
                continue
            if found.source != source:
                source = found.source
                inside = os.path.realpath(source).startswith(own)
            if inside:
                log.info("not reading our own output %s", found.source)
                continue
            self.bytes.saw(found)
            yield self._prepare(found)
            if self.cancel is not None and self.cancel.is_set():
                return

    def _prepare(self, found: RawMail | SourceProblem) -> _Item:
        digest = content_hash(found.data) if isinstance(found, RawMail) else ""
        item = _Item(found, make_key(found.source, found.locator, digest), digest)
        item.mailbox = container_of(found)
        item.folder = self.layout.folder_for(found)
        if not isinstance(found, RawMail):
            return item
        if self.spec.resume:
            item.reused = self.journal.reusable(item.key, eml=self.spec.write_eml,
                                                attachments=self.spec.write_attachments)
            if item.reused is None:
                earlier = self.journal.get(item.key)
                if earlier is not None and earlier.pdf:
                    item.prefer = stem_of(earlier.pdf)[1]
        if self.spec.dedupe and item.reused is None:
            message_id = _message_id(found.data)
            if message_id:
                first = self.first_seen.setdefault((message_id, digest), item.key)
                if first != item.key:
                    item.duplicate_of = first
        elif self.spec.dedupe and item.reused is not None:
            message_id = _message_id(found.data)
            if message_id:
                self.first_seen.setdefault((message_id, digest), item.key)
        return item

    @staticmethod
    def _work_of(item: _Item) -> RawMail | None:
        if item.reused is not None or item.duplicate_of is not None:
            return None
        return item.found if isinstance(item.found, RawMail) else None

    # --- committing, in input order -------------------------------------------------------

    def _commit(self, item: _Item, outcome: Outcome | None) -> None:
        """Name the message's files and journal it; the renames wait for :meth:`_flush`."""
        if item.reused is not None:
            record = item.reused
            if record.pdf and not record.duplicate_of:
                self.names.claim(*stem_of(record.pdf))
            self.result.resumed += 1
            self._batch.append((item, record, []))
            return
        if outcome is not None and outcome.fatal:
            outcome.discard()
            raise OutputError(outcome.fatal, source=str(self.out))
        if isinstance(item.found, SourceProblem):
            record = _problem_record(item.found)
        elif item.duplicate_of is not None:
            record = self._duplicate_record(item)
        else:
            assert outcome is not None
            record = outcome.record
        record.mailbox = item.mailbox
        record.sha256 = item.sha256
        renames: list[tuple[str, str]] = []
        if outcome is not None and outcome.base is not None:
            stem = self.names.reserve(item.folder, outcome.base, prefer=item.prefer)
            prefix = f"{item.folder}/{stem}" if item.folder else stem
            if outcome.pdf_tmp:
                record.pdf = prefix + ".pdf"
                renames.append((outcome.pdf_tmp, record.pdf))
            if outcome.eml_tmp:
                record.eml = prefix + ".eml"
                renames.append((outcome.eml_tmp, record.eml))
            for name, tmp in outcome.attachments:
                rel = f"{prefix}{ATTACHMENTS_SUFFIX}/{name}"
                record.attachments.append(rel)
                renames.append((tmp, rel))
        self.journal.append(record, made=self.made, key=item.key)
        self._batch.append((item, record, renames))

    def _flush(self, total: int | None) -> None:
        """Journal to disk (one fsync), then the batch's renames, then tell the observer."""
        self._flushed = time.monotonic()
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        self._sync_files_of(batch)
        self.journal.sync()
        for item, record, renames in batch:
            for tmp, rel in renames:
                target = self.out / rel
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(tmp, target)
                except OSError as e:
                    raise OutputError(
                        _("Could not write {file}: {reason}. Check free disk space and "
                          "permissions, then run the export again with --resume.").format(
                              file=target, reason=e.strerror or e), source=str(target)) from e
            self._account(item, record)
            self._progress(total)

    def _sync_files_of(self, batch: list) -> None:
        """The batch's files on the disk before the journal says they are done (when the
        workers did not sync each one): one syncfs, or each file where that is refused."""
        tmp_dir = self._options.tmp_dir
        files = [tmp for _item, _record, renames in batch for tmp, _rel in renames]
        if self._options.sync_each or not tmp_dir or not files:
            return
        try:
            if self._whole_fs_sync:
                try:
                    sync_filesystem(tmp_dir)
                    return
                except OSError as e:
                    if e.errno not in UNSUPPORTED:
                        raise
                    log.info("the output file system refuses syncfs (%s): syncing each file",
                             e.strerror)
                    self._whole_fs_sync = False
            sync_files(files)
        except OSError as e:
            for tmp in files:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise OutputError(cannot_write_text(e), source=str(self.out)) from e

    def _account(self, item: _Item, record: MessageRecord) -> None:
        self.order.append(item.key)
        self.summary.add(record)
        self.book.add_signature_json(record.signatures)
        if self.spec.keep_records:
            self.result.records.append(record)
        log.info("%s %s: %s %s", record.source, record.locator, record.status.value,
                 record.pdf or "")
        self.observer.message_done(record, self.summary.total)

    def _duplicate_record(self, item: _Item) -> MessageRecord:
        assert isinstance(item.found, RawMail) and item.duplicate_of is not None
        first = self.journal.get(item.duplicate_of)
        if first is None:  # pragma: no cover - the first occurrence is always committed first
            raise ArchiverError(_("Internal error: the first copy of a duplicate message is "
                                  "missing from the journal."))
        raw = item.found
        record = MessageRecord.from_json(first.to_json())
        record.source, record.index, record.locator, record.offset = (
            raw.source, raw.index, raw.locator, raw.offset)
        record.duplicate_of = {"source": first.source, "locator": first.locator}
        where = " ".join(x for x in (first.source, first.locator) if x)
        record.detail = _("The same message (same Message-ID and content) as {first}; it was "
                          "archived once, there.").format(first=where)
        return record

    def _progress(self, total: int | None) -> None:
        s = self.summary
        self.observer.job_progress(JobProgress(
            done=s.total, archived=s.archived, problems=s.total - s.archived,
            resumed=self.result.resumed, bytes_done=self.bytes.done(),
            bytes_total=total, elapsed=time.monotonic() - self.started))

    def _report_records(self) -> Iterator[MessageRecord]:
        for key in self.order:
            record = self.journal.get(key)
            if record is not None:
                yield record


def _problem_record(problem: SourceProblem) -> MessageRecord:
    status = Status.CORRUPT if os.path.exists(problem.source) else Status.ERROR
    return MessageRecord(
        source=problem.source,
        index=problem.index,
        locator=problem.locator,
        status=status,
        detail=problem.detail,
    )


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
