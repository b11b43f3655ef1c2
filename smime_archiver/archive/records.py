"""The output folder: safe file names, atomic writes, and the report (JSON and CSV).

``report.json`` (``schema_version`` 2)::

    {"schema_version": 2, "generator": "smime-archiver X", "started": ISO, "finished": ISO,
     "cancelled": false,
     "summary": {"total", "archived", <one count per status>, "per_source": {source: {status:
                 n}}, "per_mailbox": {mailbox: {status: n}}, "keys_used": [{"key_file",
                 "key_subject", "messages"}], "missing_keys": [{"recipient", "messages"}],
                 "duplicates": n, "kinds": {kind: n},
                 "hidden_items_skipped": {"total": n, "per_source": {source: n},
                                          "classes": {Outlook message class: n}}},
     "key_files": [key descriptions],
     "messages": [{"source", "index", "locator", "offset", "mailbox", "message_id", "subject",
                   "date", "from", "status", "pdf", "eml", "attachments", "detail",
                   "signatures", "encryption", "recipients", "oid", "sha256",
                   "duplicate_of", "note", "kind"}]}

``kind`` is ``"mail"``, or what an Outlook item that is not mail was (``"appointment"``,
``"meeting"``, ``"contact"``, ``"distribution_list"``, ``"task"``, ``"note"``,
``"journal"``); ``summary.kinds`` counts those.  Hidden Outlook system data (free/busy,
views, rules) has no record: ``hidden_items_skipped`` counts it.

Paths (``pdf``, ``eml``, ``attachments``) are relative to the output folder with ``/``
separators.  ``status`` values are machine-readable; ``detail`` is in the user's language.
Version 1 had no ``mailbox``, ``eml``, ``attachments``, ``sha256``, ``duplicate_of``,
``cancelled``, ``per_mailbox``, ``keys_used`` and ``duplicates``, and put every PDF at the
top of the output folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from smime_archiver import __version__
from smime_archiver.errors import OutputError
from smime_archiver.i18n import _
from smime_archiver.model import ARCHIVED_STATUSES, RecipientRef, Status

REPORT_NAME = "report.json"
CSV_NAME = "report.csv"
SCHEMA_VERSION = 2

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT")
                                                   for i in range(1, 10)}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_MAX_NAME_BYTES = 150  # leaves room for folders on Windows' 260-character paths


@dataclass
class MessageRecord:
    """One line of the report: where a message came from and what became of it."""

    source: str
    index: int | None
    locator: str
    status: Status
    detail: str
    offset: int | None = None
    message_id: str = ""
    subject: str = ""
    date: str = ""
    sender: str = ""
    pdf: str | None = None
    signatures: list[dict[str, Any]] = field(default_factory=list)
    encryption: dict[str, Any] | None = None
    recipients: list[RecipientRef] = field(default_factory=list)
    oid: str | None = None
    mailbox: str = ""  # the mailbox (container) the message belongs to, for the summary
    eml: str | None = None  # the decrypted message as .eml (with --eml)
    attachments: list[str] = field(default_factory=list)  # extracted files (--attachments)
    sha256: str = ""  # of the message's bytes as found in the source
    duplicate_of: dict[str, Any] | None = None  # {"source", "locator"} (with --dedupe)
    note: str = ""  # the mailbox reader's remark, e.g. "the mailbox ends inside this message"
    # "mail", or what an Outlook item that is not mail was: "appointment", "meeting",
    # "contact", "distribution_list", "task", "note", "journal"
    kind: str = "mail"

    @property
    def archived(self) -> bool:
        return self.status in ARCHIVED_STATUSES and self.pdf is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "index": self.index,
            "locator": self.locator,
            "offset": self.offset,
            "message_id": self.message_id,
            "subject": self.subject,
            "date": self.date,
            "from": self.sender,
            "status": self.status.value,
            "pdf": self.pdf,
            "detail": self.detail,
            "signatures": self.signatures,
            "encryption": self.encryption,
            "recipients": [r.to_json() for r in self.recipients],
            "oid": self.oid,
            "mailbox": self.mailbox,
            "eml": self.eml,
            "attachments": list(self.attachments),
            "sha256": self.sha256,
            "duplicate_of": self.duplicate_of,
            "note": self.note,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageRecord:
        """The record :meth:`to_json` wrote (for the resume journal)."""
        return cls(
            source=data["source"],
            index=data.get("index"),
            locator=data.get("locator") or "",
            status=Status(data["status"]),
            detail=data.get("detail") or "",
            offset=data.get("offset"),
            message_id=data.get("message_id") or "",
            subject=data.get("subject") or "",
            date=data.get("date") or "",
            sender=data.get("from") or "",
            pdf=data.get("pdf"),
            signatures=list(data.get("signatures") or []),
            encryption=data.get("encryption"),
            recipients=[recipient_from_json(r) for r in data.get("recipients") or []],
            oid=data.get("oid"),
            mailbox=data.get("mailbox") or "",
            eml=data.get("eml"),
            attachments=list(data.get("attachments") or []),
            sha256=data.get("sha256") or "",
            duplicate_of=data.get("duplicate_of"),
            note=data.get("note") or "",
            kind=data.get("kind") or "mail",
        )

    def outputs(self) -> list[str]:
        """Every file this record names, relative to the output folder."""
        return [p for p in (self.pdf, self.eml, *self.attachments) if p]


def recipient_from_json(data: dict[str, Any]) -> RecipientRef:
    serial = data.get("serial")
    return RecipientRef(kind=data.get("kind") or "other", issuer=data.get("issuer"),
                        serial=int(serial) if serial is not None else None,
                        ski=data.get("subject_key_identifier"),
                        key_algorithm=data.get("key_algorithm"))


def safe_component(text: str, *, max_bytes: int = _MAX_NAME_BYTES, fallback: str = "_") -> str:
    """A file-name component safe on Windows, macOS and Linux; æøå and other letters kept."""
    text = unicodedata.normalize("NFC", text)
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\.{2,}", "_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    text = re.sub(r"_{2,}", "_", text)
    while text and len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    text = text.rstrip(" .")
    if not text or text in (".", ".."):
        text = fallback
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


def pdf_basename(date: dt.datetime | None, sender: str, subject: str) -> str:
    """``YYYY-MM-DD_HHMM_<sender>_<subject>`` without extension."""
    stamp = date.strftime("%Y-%m-%d_%H%M") if date else "undated"
    who = sender.split("<")[0].strip().strip('"') or sender.strip("<>")
    return safe_component(f"{stamp}_{who[:40]}_{subject[:80]}").rstrip("_ .")


class ArchiveWriter:
    """Writes into one output folder; every file under a temporary name, then renamed."""

    def __init__(self, out_dir: str | os.PathLike):
        self.out_dir = Path(out_dir)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.out_dir, prefix=".probe-", delete=True)
            probe.close()
        except OSError as e:
            raise OutputError(
                _("The output folder {folder} cannot be written: {reason}. Choose another "
                  "folder or check its permissions.").format(folder=self.out_dir,
                                                            reason=e.strerror or e),
                source=str(self.out_dir),
            ) from e
        self._taken: set[str] = set()

    def reserve_pdf_name(self, base: str) -> str:
        """A unique relative PDF path for ``base``; collisions get ``_2``, ``_3`` ..."""
        candidate = f"{base}.pdf"
        n = 2
        while candidate.casefold() in self._taken or (self.out_dir / candidate).exists():
            candidate = f"{base}_{n}.pdf"
            n += 1
        self._taken.add(candidate.casefold())
        return candidate

    def write_atomic(self, relative: str, data: bytes) -> Path:
        target = self.out_dir / relative
        with atomic_file(target) as fh:
            fh.write(data)
        return target

    def write_report(self, records: Iterable[MessageRecord], *, key_files: list[dict],
                     started: dt.datetime, finished: dt.datetime,
                     cancelled: bool = False) -> Path:
        """Write ``report.json`` and ``report.csv`` for ``records`` (consumed once, streamed)."""
        from smime_archiver.archive.report_csv import CsvReport

        builder = SummaryBuilder(key_files)
        records = list(records)
        for record in records:
            builder.add(record)
        return write_reports(self.out_dir, records, builder.summary(), key_files=key_files,
                             started=started, finished=finished, cancelled=cancelled,
                             csv_writer=CsvReport)


@contextlib.contextmanager
def atomic_file(target: Path, mode: str = "wb", **kw: Any) -> Iterator[IO[Any]]:
    """A file written under a temporary name in the same folder and renamed when complete."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-", suffix=".tmp")
    except OSError as e:
        raise _output_error(target, e) from e
    try:
        with os.fdopen(fd, mode, **kw) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise _output_error(target, e) from e
        raise


def _output_error(target: Path, e: OSError) -> OutputError:
    return OutputError(
        _("Could not write {file}: {reason}. Check free disk space and permissions.")
        .format(file=target, reason=e.strerror or e),
        source=str(target),
    )


def write_reports(out_dir: Path, records: Iterable[MessageRecord], summary: dict[str, Any], *,
                  key_files: list[dict], started: dt.datetime, finished: dt.datetime,
                  cancelled: bool = False, csv_writer: Any = None) -> Path:
    """Stream ``report.json`` (and ``report.csv`` through ``csv_writer``) atomically.

    ``records`` is read once, in report order; memory stays flat however many there are.
    """
    head = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"smime-archiver {__version__}",
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "cancelled": cancelled,
        "summary": summary,
        "key_files": key_files,
    }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    target = out_dir / REPORT_NAME
    with contextlib.ExitStack() as stack:
        fh = stack.enter_context(atomic_file(target, "w", encoding="utf-8"))
        csv_out = None
        if csv_writer is not None:
            csv_fh = stack.enter_context(atomic_file(out_dir / CSV_NAME, "w", encoding="utf-8-sig",
                                                     newline=""))
            csv_out = csv_writer(csv_fh)
        fh.write(text[:-2] + ',\n  "messages": [')
        first = True
        for record in records:
            item = json.dumps(record.to_json(), ensure_ascii=False, indent=2)
            fh.write(("\n" if first else ",\n") + _indent(item, 4))
            first = False
            if csv_out is not None:
                csv_out.add(record)
        fh.write("\n  ]\n}\n" if not first else "]\n}\n")
    return target


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.split("\n"))


class SummaryBuilder:
    """The report's summary, built one record at a time (flat memory for large runs)."""

    def __init__(self, key_files: Iterable[dict] = ()) -> None:
        self.total = 0
        self.archived = 0
        self.duplicates = 0
        self.by_status: Counter[str] = Counter()
        self.per_source: dict[str, Counter[str]] = {}
        self.per_mailbox: dict[str, Counter[str]] = {}
        self.keys_used: dict[str, dict[str, Any]] = {}
        for desc in key_files:
            source = desc.get("source")
            if source and source not in self.keys_used:
                self.keys_used[source] = {"key_file": source, "key_subject": desc.get("subject"),
                                          "messages": 0}
        self.missing: dict[str, dict[str, Any]] = {}  # by recipient identity
        self.kinds: Counter[str] = Counter()  # items that are not mail, by kind
        self.skipped = 0  # hidden Outlook system items (free/busy, views, rules)
        self.skipped_per_source: Counter[str] = Counter()
        self.skipped_classes: Counter[str] = Counter()

    def skip(self, source: str, what: str) -> None:
        """Count a hidden item that is no message (it has no record)."""
        self.skipped += 1
        self.skipped_per_source[source] += 1
        self.skipped_classes[what or "?"] += 1

    def add(self, r: MessageRecord) -> None:
        self.total += 1
        self.archived += r.archived
        self.by_status[r.status.value] += 1
        self.per_source.setdefault(r.source, Counter())[r.status.value] += 1
        self.per_mailbox.setdefault(r.mailbox or r.source, Counter())[r.status.value] += 1
        if r.kind and r.kind != "mail":
            self.kinds[r.kind] += 1
        if r.duplicate_of:
            self.duplicates += 1
        elif r.encryption and r.status is Status.DECRYPTED:
            key_file = r.encryption.get("key_file") or ""
            entry = self.keys_used.setdefault(key_file, {
                "key_file": key_file, "key_subject": r.encryption.get("key_subject"),
                "messages": 0})
            entry["messages"] += 1
        if r.status is Status.NO_KEY and not r.duplicate_of:
            for ref in r.recipients:
                key = f"{ref.kind}|{ref.issuer}|{ref.serial}|{ref.ski}"  # not translated
                missing = self.missing.setdefault(key, {"recipient": ref.to_json(),
                                                        "messages": 0})
                missing["messages"] += 1

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "archived": self.archived,
            **{s.value: self.by_status.get(s.value, 0) for s in Status},
            "per_source": {src: dict(c) for src, c in self.per_source.items()},
            "per_mailbox": {box: dict(c) for box, c in self.per_mailbox.items()},
            "keys_used": list(self.keys_used.values()),
            "missing_keys": list(self.missing.values()),
            "duplicates": self.duplicates,
            "kinds": dict(self.kinds),
            "hidden_items_skipped": {"total": self.skipped,
                                     "per_source": dict(self.skipped_per_source),
                                     "classes": dict(self.skipped_classes)},
        }


def summarize(records: list[MessageRecord]) -> dict[str, Any]:
    builder = SummaryBuilder()
    for r in records:
        builder.add(r)
    return builder.summary()
