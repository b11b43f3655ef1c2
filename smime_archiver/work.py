"""One message's work, wherever it runs (the job's process or a worker process).

:func:`process_message` takes every S/MIME layer off a message, renders its PDF and
writes the files it produces (PDF, and with the options the decrypted ``.eml`` and the
attachments) under temporary names in the job's temporary folder.  It never chooses a
final name: the job does that in report order, so names are the same whatever the number
of workers, and renames the files only after the resume journal holds the message.
Never raises: every failure is the message's outcome, except a full or unwritable disk,
which comes back as :attr:`Outcome.fatal` and stops the job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field

from smime_archiver.archive.names import attachment_names, pdf_basename
from smime_archiver.crypto.cms.layers import unwrap_message, with_problems
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import ArchiverError
from smime_archiver.i18n import _
from smime_archiver.mime.message import parse_message
from smime_archiver.model import (
    ARCHIVED_STATUSES,
    MessageView,
    RawMail,
    Status,
    UnwrapResult,
)
from smime_archiver.outcome import MessageOutcome
from smime_archiver.render.pdf import render_pdf

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkOptions:
    """What to produce for each message; the same for every message of a job."""

    tmp_dir: str | None  # where files are written before the job renames them; None: none
    eml: bool = False
    attachments: bool = False
    sync_each: bool = True  # fsync every file; False: the job syncs the file system per batch


@dataclass
class Outcome:
    """What became of one message (``record``), and its files under temporary names."""

    record: MessageOutcome
    base: str | None = None  # the name's stem before collisions are resolved
    pdf_tmp: str | None = None
    eml_tmp: str | None = None
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (file name, temp)
    fatal: str | None = None  # a translated text: the output cannot be written

    def temporaries(self) -> list[str]:
        return [p for p in (self.pdf_tmp, self.eml_tmp, *(t for _n, t in self.attachments)) if p]

    def discard(self) -> None:
        for path in self.temporaries():
            with contextlib.suppress(OSError):
                os.unlink(path)


@dataclass(frozen=True)
class OpenedMessage:
    raw: RawMail
    result: UnwrapResult
    view: MessageView | None  # None when not even the headers could be read


def open_message(raw: RawMail, keystore: KeyStore) -> OpenedMessage:
    """Take every S/MIME layer off one message and build its view; never raises."""
    result = unwrap_message(raw.data, keystore)
    try:
        view = parse_message(result.message, encrypted_parts=encrypted_parts(result))
        result = with_problems(result, view.problems)  # limits the MIME model hit
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


def encrypted_parts(result: UnwrapResult) -> list[str]:
    """MIME paths of the parts that were encrypted on their own (not the whole message)."""
    return [layer.part for layer in result.layers if layer.part and layer.encryption]


def outcome_of(opened: OpenedMessage) -> MessageOutcome:
    """The message's outcome as far as opening it tells (the one place it is built)."""
    raw, result, view = opened.raw, opened.result, opened.view
    return MessageOutcome(
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
        signatures=result.signatures,
        encryption=result.encryption,
        recipients=tuple(result.recipients),
        oid=result.oid,
        note=raw.note,
        kind=raw.kind or "mail",
    )


def error_record(raw: RawMail, detail: str) -> MessageOutcome:
    """The outcome of a message whose work failed (``error``)."""
    return MessageOutcome(raw.source, raw.index, raw.locator, Status.ERROR, detail,
                          offset=raw.offset, note=raw.note, kind=raw.kind or "mail")


def process_message(raw: RawMail, keystore: KeyStore, options: WorkOptions) -> Outcome:
    """Open, render and write one message (see the module docstring); never raises."""
    try:
        return _process(raw, keystore, options)
    except ArchiverError as e:
        return Outcome(error_record(raw, e.message))
    except Exception as e:
        log.debug("unexpected error for %s %s", raw.source, raw.locator, exc_info=True)
        return Outcome(error_record(raw, _(
            "Unexpected error while processing this message ({error}). Please report it; "
            "the other messages were archived.").format(error=type(e).__name__)))


def _process(raw: RawMail, keystore: KeyStore, options: WorkOptions) -> Outcome:
    opened = open_message(raw, keystore)
    record = outcome_of(opened)
    result, view = opened.result, opened.view
    renderable = view is not None and (result.status in ARCHIVED_STATUSES or result.problems)
    if options.tmp_dir is None or view is None or not renderable:
        return Outcome(record)
    limits: list[str] = []
    try:
        pdf = render_pdf(view, result, raw, limits=limits)
    except Exception as e:
        log.debug("rendering failed for %s %s", raw.source, raw.locator, exc_info=True)
        return Outcome(dataclasses.replace(record, status=Status.ERROR, detail=_(
            "The message was opened but the PDF could not be made ({error}: {reason}).")
            .format(error=type(e).__name__, reason=e)))
    # what ``verify`` checks the PDF's embedded message.eml against, years later
    record = dataclasses.replace(record, embedded_sha256=hashlib.sha256(result.message)
                                 .hexdigest())
    if limits:  # pictures or tables a display limit kept off the pages: said in the report
        record = dataclasses.replace(record, detail=" ".join([record.detail, *limits]))
    outcome = Outcome(record, base=pdf_basename(view.date, view.sender, view.subject))
    try:
        outcome.pdf_tmp = write_temp(options.tmp_dir, pdf, sync=options.sync_each)
        del pdf
        if options.eml and result.status in ARCHIVED_STATUSES:
            outcome.eml_tmp = write_temp(options.tmp_dir, result.message,
                                         sync=options.sync_each)
        if options.attachments:
            for name, part in zip(attachment_names(view.attachments), view.attachments,
                                  strict=True):
                outcome.attachments.append((name, write_temp(options.tmp_dir, part.data,
                                                                   sync=options.sync_each)))
    except OSError as e:
        outcome.discard()
        return Outcome(record, fatal=cannot_write_text(e))
    return outcome


def cannot_write_text(error: OSError) -> str:
    """What the user reads when the output folder cannot take more files."""
    return _("Could not write into the output folder: {reason}. Check free disk space and "
             "permissions, then run the export again with --resume to continue where it "
             "stopped.").format(reason=error.strerror or error)


def write_temp(tmp_dir: str, data: bytes, *, sync: bool = True) -> str:
    """``data`` in a new file of ``tmp_dir`` (flushed to disk with ``sync``); its path."""
    fd, path = tempfile.mkstemp(dir=tmp_dir, prefix="w-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return path
