"""``inspect``: what each message is, without writing anything.

Every message is opened exactly as ``export`` would (so "opens" means the key really
decrypted it, not only that a serial number matched), in worker processes, and described:
plain, signed (by whom, valid or not), encrypted (with what, to which certificates), and
which key file opened it.  Without key files every encrypted message is listed with the
certificates it was encrypted to.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.i18n import _
from smime_archiver.model import ARCHIVED_STATUSES, Status
from smime_archiver.outcome import MessageOutcome
from smime_archiver.scan import scan_messages
from smime_archiver.texts import describe_locator, status_label


def inspect_inputs(
    inputs: Sequence[str],
    keys: KeyStore,
    *,
    jobs: int = 1,
    start_method: str | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[MessageOutcome]:
    """One outcome per message (or unreadable source), in input order; nothing is written.

    ``keys``: a :class:`~smime_archiver.crypto.keys.keyring.KeyRing` lets spawned worker
    processes open the same keys (a bare key store works in this process only).
    """
    for scanned in scan_messages(inputs, keys, cancel, jobs=jobs, start_method=start_method):
        yield scanned.record


def describe(record: MessageOutcome) -> dict[str, Any]:
    """The JSON object ``inspect --json`` prints for one message."""
    recipients = [r.to_json() for r in record.every_recipient()]
    return {
        "source": record.source,
        "mailbox": record.mailbox,
        "index": record.index,
        "locator": record.locator,
        "message_id": record.message_id,
        "subject": record.subject,
        "date": record.date,
        "from": record.sender,
        "status": record.status.value,
        "signed": record.signed,
        "signatures": [s.to_json() for s in record.signatures],
        "encrypted": bool(record.encryption) or bool(recipients),
        "content_algorithm": record.content_algorithm,
        "recipients": recipients,
        "opened_by": record.opened_by,
        "detail": record.detail,
    }


def format_text(record: MessageOutcome) -> list[str]:
    """Lines for one message, in the user's language."""
    where = record.source
    locator = describe_locator(record)
    if locator:
        where += f", {locator}"
    lines = [f"{where}: {status_label(record.status)}"]
    if record.subject or record.sender or record.date:
        lines.append(_("  {date}  {sender}  \u201c{subject}\u201d").format(
            date=record.date or "-", sender=record.sender or "-", subject=record.subject))
    recipients = record.every_recipient()
    if recipients:
        lines.append(_("  Encrypted ({algorithm}) to:").format(
            algorithm=record.content_algorithm or _("algorithm not known")))
        for ref in recipients:
            lines.append(f"    {ref.describe()}")
        if record.opened_by:
            lines.append(_("  Opened with the key file {file}").format(file=record.opened_by))
        else:
            lines.append(_("  None of the given key files opens it."))
    for sig in record.signatures:
        verdict = _("valid") if sig.valid else _("NOT valid")
        lines.append(_("  Signed by {signer}: {verdict}").format(
            signer=sig.signer or _("an unknown signer"), verdict=verdict))
    if record.status not in ARCHIVED_STATUSES and record.status is not Status.NO_KEY:
        lines.append(f"  {record.detail}")
    return lines
