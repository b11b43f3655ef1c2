"""``report.json`` (and, beside it, ``report.csv``): the account of an export.

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
                   "duplicate_of", "note", "kind", "embedded_sha256"}]}

``sha256`` is of the message's bytes as found in the source; ``embedded_sha256`` of the
decrypted message the PDF carries as ``message.eml`` (what ``smime-archiver verify``
checks; an additive key of schema version 2: older reports lack it, readers ignore it).

``kind`` is ``"mail"``, or what an Outlook item that is not mail was (``"appointment"``,
``"meeting"``, ``"contact"``, ``"distribution_list"``, ``"task"``, ``"note"``,
``"journal"``); ``summary.kinds`` counts those.  Hidden Outlook system data (free/busy,
views, rules) has no record: ``hidden_items_skipped`` counts it.

Paths (``pdf``, ``eml``, ``attachments``) are relative to the output folder with ``/``
separators.  ``status`` values are machine-readable; ``detail`` is in the user's language.
Version 1 had no ``mailbox``, ``eml``, ``attachments``, ``sha256``, ``duplicate_of``,
``cancelled``, ``per_mailbox``, ``keys_used`` and ``duplicates``, and put every PDF at the
top of the output folder.

A message's object is :meth:`smime_archiver.outcome.MessageOutcome.to_json`, the summary
:meth:`smime_archiver.outcome.JobSummary.to_json`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from smime_archiver import __version__
from smime_archiver.archive.durable import atomic_file
from smime_archiver.archive.report_csv import CSV_NAME, CsvReport
from smime_archiver.outcome import JobSummary, MessageOutcome

REPORT_NAME = "report.json"
SCHEMA_VERSION = 2


def write_reports(out_dir: Path, outcomes: Iterable[MessageOutcome], summary: JobSummary, *,
                  key_files: list[dict], started: dt.datetime, finished: dt.datetime,
                  cancelled: bool = False) -> Path:
    """Stream ``report.json`` and ``report.csv`` atomically; returns ``report.json``'s path.

    ``outcomes`` is read once, in report order; memory stays flat however many there are.
    """
    head = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"smime-archiver {__version__}",
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "cancelled": cancelled,
        "summary": summary.to_json(),
        "key_files": key_files,
    }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    target = out_dir / REPORT_NAME
    with contextlib.ExitStack() as stack:
        fh = stack.enter_context(atomic_file(target, "w", encoding="utf-8"))
        csv_fh = stack.enter_context(atomic_file(out_dir / CSV_NAME, "w", encoding="utf-8-sig",
                                                 newline=""))
        csv_out = CsvReport(csv_fh)
        fh.write(text[:-2] + ',\n  "messages": [')
        first = True
        for outcome in outcomes:
            item = json.dumps(outcome.to_json(), ensure_ascii=False, indent=2)
            fh.write(("\n" if first else ",\n") + _indent(item, 4))
            first = False
            csv_out.add(outcome)
        fh.write("\n  ]\n}\n" if not first else "]\n}\n")
    return target


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.split("\n"))
