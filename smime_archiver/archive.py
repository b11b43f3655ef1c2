"""The output folder: safe file names, atomic writes, and the report (JSON and CSV).

``report.json`` (``schema_version`` 2)::

    {"schema_version": 2, "generator": "smime-archiver X", "started": ISO, "finished": ISO,
     "cancelled": false,
     "summary": {"total", "archived", <one count per status>, "per_source": {source: {status:
                 n}}, "per_mailbox": {mailbox: {status: n}}, "keys_used": [{"key_file",
                 "key_subject", "messages"}], "missing_keys": [{"recipient", "messages"}],
                 "duplicates": n},
     "key_files": [key descriptions],
     "messages": [{"source", "index", "locator", "offset", "mailbox", "message_id", "subject",
                   "date", "from", "status", "pdf", "eml", "attachments", "detail",
                   "signatures", "encryption", "recipients", "oid", "sha256",
                   "duplicate_of"}]}

Paths (``pdf``, ``eml``, ``attachments``) are relative to the output folder with ``/``
separators.  ``status`` values are machine-readable; ``detail`` is in the user's language.
Version 1 had no ``mailbox``, ``eml``, ``attachments``, ``sha256``, ``duplicate_of``,
``cancelled``, ``per_mailbox``, ``keys_used`` and ``duplicates``, and put every PDF at the
top of the output folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smime_archiver import __version__
from smime_archiver.errors import OutputError
from smime_archiver.i18n import _
from smime_archiver.model import ARCHIVED_STATUSES, RecipientRef, Status

REPORT_NAME = "report.json"
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
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".partial-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as e:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise OutputError(
                _("Could not write {file}: {reason}. Check free disk space and permissions.")
                .format(file=target, reason=e.strerror or e),
                source=str(target),
            ) from e
        return target

    def write_report(self, records: Iterable[MessageRecord], *, key_files: list[dict],
                     started: dt.datetime, finished: dt.datetime) -> Path:
        records = list(records)
        report = {
            "schema_version": SCHEMA_VERSION,
            "generator": f"smime-archiver {__version__}",
            "started": started.isoformat(),
            "finished": finished.isoformat(),
            "summary": summarize(records),
            "key_files": key_files,
            "messages": [r.to_json() for r in records],
        }
        data = json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")
        return self.write_atomic(REPORT_NAME, data)


def summarize(records: list[MessageRecord]) -> dict[str, Any]:
    by_status = Counter(r.status.value for r in records)
    per_source: dict[str, Counter] = {}
    for r in records:
        per_source.setdefault(r.source, Counter())[r.status.value] += 1
    missing: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.status is Status.NO_KEY:
            for ref in r.recipients:
                key = ref.describe()
                entry = missing.setdefault(key, {"recipient": ref.to_json(), "messages": 0})
                entry["messages"] += 1
    return {
        "total": len(records),
        "archived": sum(1 for r in records if r.archived),
        **{s.value: by_status.get(s.value, 0) for s in Status},
        "per_source": {src: dict(c) for src, c in per_source.items()},
        "missing_keys": list(missing.values()),
    }
