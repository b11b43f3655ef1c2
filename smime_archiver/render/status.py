"""Plain-language lines describing how a message was protected: encryption and signatures.

Shared by the PDF status panel and the user interfaces, so all faces say the same thing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from smime_archiver.crypto.cms.algorithms import cipher_label
from smime_archiver.crypto.names import short_name
from smime_archiver.i18n import _
from smime_archiver.model import EncryptionInfo, SignatureInfo, Status, UnwrapResult


def format_time(value: dt.datetime | None) -> str:
    if value is None:
        return _("unknown")
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.strftime("%Y-%m-%d %H:%M")


def status_label(status: Status) -> str:
    return {
        Status.DECRYPTED: _("Decrypted"),
        Status.PLAIN: _("Not encrypted"),
        Status.SIGNED: _("Signed, not encrypted"),
        Status.NO_KEY: _("Needs another key"),
        Status.CORRUPT: _("Damaged"),
        Status.UNSUPPORTED: _("Unsupported algorithm"),
        Status.ERROR: _("Error"),
    }[status]


def encryption_line(info: EncryptionInfo, part: str | None = None) -> str:
    who = short_name(info.key_subject) if info.key_subject else info.recipient.describe()
    text = _("Encrypted with {cipher} to {who}; opened with the key from {file}.").format(
        cipher=cipher_label(info.content_algorithm), who=who, file=Path(info.key_source).name
    )
    if part:
        text = _("Part {part}: {text}").format(part=part, text=text)
    return text


def signature_line(sig: SignatureInfo, part: str | None = None) -> str:
    signer = short_name(sig.signer) if sig.signer else _(
        "an unknown signer (certificate not included)")
    verdict = _("signature valid") if sig.valid else _("signature NOT valid: {why}").format(
        why=sig.detail
    )
    if sig.cert_valid_at_signing is True:
        cert = _("certificate valid at signing time")
    elif sig.cert_valid_at_signing is False:
        cert = _("certificate not valid at signing time (valid {start} to {end})").format(
            start=format_time(sig.cert_not_before), end=format_time(sig.cert_not_after)
        )
    else:
        cert = _("certificate validity unknown")
    if sig.signing_time is None:
        text = _("Signed by {signer} (no signing time); {verdict}; {cert}.").format(
            signer=signer, verdict=verdict, cert=cert
        )
    else:
        text = _("Signed by {signer} at {time}; {verdict}; {cert}.").format(
            signer=signer, time=format_time(sig.signing_time), verdict=verdict, cert=cert
        )
    if part:
        text = _("Part {part}: {text}").format(part=part, text=text)
    return text


def protection_lines(result: UnwrapResult) -> list[str]:
    """One line per opened layer and per signature, then one per part that stayed closed,
    then the notes (e.g. a missing closing boundary, which is no damage)."""
    lines: list[str] = []
    for layer in result.layers:
        if layer.encryption is not None:
            lines.append(encryption_line(layer.encryption, layer.part))
        for sig in layer.signatures:
            lines.append(signature_line(sig, layer.part))
        if layer.kind == "compressed":
            lines.append(_("Compressed (zlib); decompressed."))
    for problem in result.problems:
        if not problem.part:  # the message as a whole (a limit such as a huge header)
            lines.append(problem.detail)
            continue
        lines.append(
            _("Part {part} could not be opened: {detail}").format(
                part=problem.part, detail=problem.detail
            )
        )
    if not lines:
        lines.append(_("This message was neither encrypted nor signed."))
    lines.extend(result.notes)
    return lines
