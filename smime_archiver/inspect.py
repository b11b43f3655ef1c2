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

from smime_archiver.archive.records import MessageRecord, recipient_from_json
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.i18n import _
from smime_archiver.model import ARCHIVED_STATUSES, Status
from smime_archiver.scan import scan_messages
from smime_archiver.texts import describe_locator, status_label


def inspect_inputs(
    inputs: Sequence[str],
    keys: KeyStore,
    *,
    jobs: int = 1,
    start_method: str | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[MessageRecord]:
    """One record per message (or unreadable source), in input order; nothing is written.

    ``keys``: a :class:`~smime_archiver.crypto.keys.keyring.KeyRing` lets spawned worker
    processes open the same keys (a bare key store works in this process only).
    """
    for scanned in scan_messages(inputs, keys, cancel, jobs=jobs, start_method=start_method):
        yield scanned.record


def _recipients(record: MessageRecord) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    layers = (record.encryption or {}).get("layers") or []
    for layer in layers:
        for r in layer.get("recipients") or [layer.get("recipient")]:
            if r and r not in seen:
                seen.append(r)
    for ref in record.recipients:
        r = ref.to_json()
        if r not in seen:
            seen.append(r)
    return seen


def describe(record: MessageRecord) -> dict[str, Any]:
    """The JSON object ``inspect --json`` prints for one message."""
    enc = record.encryption or {}
    recipients = _recipients(record)
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
        "signed": bool(record.signatures),
        "signatures": record.signatures,
        "encrypted": bool(enc) or bool(recipients),
        "content_algorithm": enc.get("content_algorithm"),
        "recipients": recipients,
        "opened_by": enc.get("key_file"),
        "detail": record.detail,
    }


def format_text(record: MessageRecord) -> list[str]:
    """Lines for one message, in the user's language."""
    where = record.source
    locator = describe_locator(record)
    if locator:
        where += f", {locator}"
    lines = [f"{where}: {status_label(record.status)}"]
    if record.subject or record.sender or record.date:
        lines.append(_("  {date}  {sender}  \u201c{subject}\u201d").format(
            date=record.date or "-", sender=record.sender or "-", subject=record.subject))
    enc = record.encryption or {}
    recipients = _recipients(record)
    if recipients:
        lines.append(_("  Encrypted ({algorithm}) to:").format(
            algorithm=enc.get("content_algorithm") or _("algorithm not known")))
        for r in recipients:
            lines.append(f"    {recipient_from_json(r).describe()}")
        if enc.get("key_file"):
            lines.append(_("  Opened with the key file {file}").format(file=enc["key_file"]))
        else:
            lines.append(_("  None of the given key files opens it."))
    for sig in record.signatures:
        verdict = _("valid") if sig.get("valid") else _("NOT valid")
        lines.append(_("  Signed by {signer}: {verdict}").format(
            signer=sig.get("signer") or _("an unknown signer"), verdict=verdict))
    if record.status not in ARCHIVED_STATUSES and record.status is not Status.NO_KEY:
        lines.append(f"  {record.detail}")
    return lines
