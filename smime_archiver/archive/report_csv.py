"""``report.csv``: one row per message, for spreadsheets.

UTF-8 with a byte order mark and ``;`` between fields, which is what Excel with Danish
(and most European) settings opens correctly with a double click; LibreOffice and Python's
``csv`` module read it too (``delimiter=";"``).  Column names are the machine-readable keys
of ``report.json``; ``status`` stays machine-readable, ``detail`` is in the user's language.
Texts taken from messages that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) get a leading apostrophe.
"""

from __future__ import annotations

import csv
from typing import IO, Any

from smime_archiver.outcome import MessageOutcome

COLUMNS = (
    "source", "mailbox", "index", "locator", "status", "date", "from", "subject", "message_id",
    "pdf", "eml", "attachments", "encryption", "key_file", "signed", "signature_valid",
    "missing_recipients", "detail", "note", "sha256", "duplicate_of", "kind",
)
CSV_NAME = "report.csv"
DELIMITER = ";"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value as a spreadsheet cell that is never run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def row(record: MessageOutcome) -> list[str]:
    sigs = record.signatures
    values: dict[str, Any] = {
        "source": record.source,
        "mailbox": record.mailbox,
        "index": record.index,
        "locator": record.locator,
        "status": record.status.value,
        "date": record.date,
        "from": record.sender,
        "subject": record.subject,
        "message_id": record.message_id,
        "pdf": record.pdf,
        "eml": record.eml,
        "attachments": len(record.attachments) or "",
        "encryption": record.content_algorithm,
        "key_file": record.opened_by,
        "signed": bool(sigs),
        "signature_valid": all(s.valid for s in sigs) if sigs else None,
        "missing_recipients": " | ".join(r.describe() for r in record.recipients),
        "detail": record.detail,
        "note": record.note,
        "sha256": record.sha256,
        "duplicate_of": record.duplicate_of.describe() if record.duplicate_of else "",
        "kind": record.kind,
    }
    return [cell(values[c]) for c in COLUMNS]


class CsvReport:
    """Writes the header at once, then one row per :meth:`add`."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh, delimiter=DELIMITER, lineterminator="\r\n")
        self._writer.writerow(COLUMNS)

    def add(self, record: MessageOutcome) -> None:
        self._writer.writerow(row(record))
