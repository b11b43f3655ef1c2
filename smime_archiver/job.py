"""The one pipeline driver: mailboxes -> unwrap -> MIME model -> PDF -> archive + report.

Both faces call :func:`run_job`; the GUI's preview calls :func:`open_message`.
One message at a time; a failure in one message becomes that message's outcome
and the run goes on.  Only an unwritable output folder stops a job.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from smime_archiver.archive import ArchiveWriter, MessageRecord, pdf_basename
from smime_archiver.crypto.keystore import KeyStore
from smime_archiver.crypto.layers import unwrap_message
from smime_archiver.errors import ArchiverError, OutputError
from smime_archiver.i18n import _
from smime_archiver.mailbox import iter_messages
from smime_archiver.mime import parse_message
from smime_archiver.model import (
    ARCHIVED_STATUSES,
    MessageView,
    RawMail,
    SourceProblem,
    Status,
    UnwrapResult,
)
from smime_archiver.render.pdf import render_pdf

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    inputs: tuple[str, ...]
    out_dir: Path
    key_files: tuple[dict, ...] = ()  # descriptions for the report (never key material)


class JobObserver:
    """Callbacks from the engine; faces override what they need. Called on the job's thread."""

    def job_started(self, spec: JobSpec) -> None:
        pass

    def message_done(self, record: MessageRecord, done: int) -> None:
        pass

    def job_finished(self, result: JobResult) -> None:
        pass


@dataclass
class JobResult:
    records: list[MessageRecord] = field(default_factory=list)
    report_path: Path | None = None
    cancelled: bool = False

    @property
    def complete(self) -> bool:
        """Every message archived (decrypted, plain or signed, with its PDF)."""
        return not self.cancelled and all(r.archived for r in self.records)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.records if r.status is status)


@dataclass(frozen=True)
class OpenedMessage:
    raw: RawMail
    result: UnwrapResult
    view: MessageView | None  # None when not even the headers could be read


def open_message(raw: RawMail, keystore: KeyStore) -> OpenedMessage:
    """Take every S/MIME layer off one message and build its view; never raises."""
    result = unwrap_message(raw.data, keystore)
    try:
        view = parse_message(result.message)
    except Exception as e:
        log.debug("could not parse message %s %s", raw.source, raw.locator, exc_info=True)
        view = None
        if result.status in ARCHIVED_STATUSES:
            result = UnwrapResult(
                message=result.message,
                status=Status.ERROR,
                detail=_("The message could not be read after opening it ({error}).").format(
                    error=type(e).__name__
                ),
                layers=result.layers,
            )
    return OpenedMessage(raw, result, view)


def _record(opened: OpenedMessage) -> MessageRecord:
    raw, result, view = opened.raw, opened.result, opened.view
    encryption = result.encryption
    return MessageRecord(
        source=raw.source,
        index=raw.index,
        locator=raw.locator,
        offset=raw.offset,
        status=result.status,
        detail=result.detail,
        message_id=view.message_id if view else "",
        subject=view.subject if view else "",
        date=(view.date.isoformat() if view and view.date else (view.date_text if view else "")),
        sender=view.sender if view else "",
        signatures=[s.to_json() for s in result.signatures],
        encryption=_encryption_json(encryption),
        recipients=list(result.recipients),
        oid=result.oid,
    )


def _encryption_json(layers) -> dict | None:
    if not layers:
        return None
    first = layers[0]
    return {
        "content_algorithm": first.content_algorithm,
        "key_algorithm": first.key_algorithm,
        "key_file": first.key_source,
        "key_subject": first.key_subject,
        "recipient": first.recipient.to_json(),
        "layers": [info.to_json() for info in layers],
    }


def archive_message(opened: OpenedMessage, writer: ArchiveWriter) -> MessageRecord:
    """Render and store one opened message; rendering failures become its outcome."""
    record = _record(opened)
    result, view = opened.result, opened.view
    renderable = view is not None and (result.status in ARCHIVED_STATUSES or result.problems)
    if not renderable:
        return record
    assert view is not None
    try:
        pdf = render_pdf(view, result, opened.raw)
    except Exception as e:
        log.debug("rendering failed for %s %s", opened.raw.source, opened.raw.locator,
                  exc_info=True)
        record.status = Status.ERROR
        record.detail = _("The message was opened but the PDF could not be made ({error}: "
                          "{reason}).").format(error=type(e).__name__, reason=e)
        return record
    name = writer.reserve_pdf_name(pdf_basename(view.date, view.sender, view.subject))
    writer.write_atomic(name, pdf)
    record.pdf = name
    return record


def _problem_record(problem: SourceProblem) -> MessageRecord:
    return MessageRecord(
        source=problem.source,
        index=problem.index,
        locator=problem.locator,
        status=Status.CORRUPT,
        detail=problem.detail,
    )


def run_job(
    spec: JobSpec,
    keystore: KeyStore,
    observer: JobObserver | None = None,
    cancel: threading.Event | None = None,
) -> JobResult:
    """Export every message of ``spec.inputs`` into ``spec.out_dir``; returns the account.

    Raises :class:`OutputError` when the output cannot be written (fatal);
    everything else is recorded per message.
    """
    observer = observer or JobObserver()
    started = dt.datetime.now(dt.timezone.utc)
    writer = ArchiveWriter(spec.out_dir)
    result = JobResult()
    observer.job_started(spec)
    for item in iter_messages(list(spec.inputs), cancel=cancel):
        if cancel is not None and cancel.is_set():
            result.cancelled = True
            break
        if isinstance(item, SourceProblem):
            record = _problem_record(item)
        else:
            record = _process(item, keystore, writer)
        result.records.append(record)
        observer.message_done(record, len(result.records))
    if cancel is not None and cancel.is_set():
        result.cancelled = True
    result.report_path = writer.write_report(
        result.records,
        key_files=list(spec.key_files),
        started=started,
        finished=dt.datetime.now(dt.timezone.utc),
    )
    observer.job_finished(result)
    return result


def _process(raw: RawMail, keystore: KeyStore, writer: ArchiveWriter) -> MessageRecord:
    try:
        return archive_message(open_message(raw, keystore), writer)
    except OutputError:
        raise
    except ArchiverError as e:
        return MessageRecord(raw.source, raw.index, raw.locator, Status.ERROR, e.message,
                             offset=raw.offset)
    except Exception as e:
        log.debug("unexpected error for %s %s", raw.source, raw.locator, exc_info=True)
        return MessageRecord(
            raw.source, raw.index, raw.locator, Status.ERROR,
            _("Unexpected error while processing this message ({error}). Please report it; "
              "the other messages were archived.").format(error=type(e).__name__),
            offset=raw.offset,
        )


def default_inputs(paths: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(p) for p in paths)
