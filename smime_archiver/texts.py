"""Every word a user reads about a message: statuses, protection lines, locators, advice.

One source for all faces: the PDF's status panel (:mod:`smime_archiver.render`), the
report's ``detail``, the CLI and the GUI (whose own texts come from ``tr()``; what it
shows about a message comes from here, in the language :mod:`smime_archiver.i18n` is set
to).  Qt-free; nothing here opens or reads a message.

- statuses: :func:`status_label`;
- protection: :func:`protection_lines` (the PDF panel, one line per layer and signature),
  :func:`describe_layers` and :func:`problems_text` (the report's one-sentence detail);
- where a message is: :func:`describe_locator`;
- what to do: :func:`explain` and :func:`explain_no_key` (the certificate a missing key
  belongs to, from a :class:`~smime_archiver.crypto.keys.certbook.CertificateBook`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from smime_archiver.crypto.cms.algorithms import cipher_label
from smime_archiver.crypto.names import short_name
from smime_archiver.i18n import _, ngettext
from smime_archiver.model import (
    EncryptionInfo,
    Layer,
    PartProblem,
    RecipientRef,
    SignatureInfo,
    Status,
    UnwrapResult,
)

if TYPE_CHECKING:
    from smime_archiver.crypto.keys.certbook import CertificateBook, KnownCertificate

# --- statuses -------------------------------------------------------------------------------


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

# --- the report's detail: one sentence for all layers ---------------------------------------


def describe_layers(layers: Sequence[Layer]) -> str:
    """One sentence for the report's ``detail``: every layer taken off, in order."""
    phrases: list[str] = []
    for layer in layers:
        if layer.encryption is not None:
            phrases.append(_encryption_phrase(layer.encryption, layer.part))
        elif layer.kind == "signed":
            if not layer.signatures:
                phrases.append(_("signed, but the signature part holds no signature"))
            phrases.extend(_signature_phrase(s, layer.part) for s in layer.signatures)
        elif layer.kind == "compressed":
            phrases.append(_("decompressed"))
    if not phrases:
        return _("The message is neither encrypted nor signed.")
    text = "; ".join(phrases)
    return text[:1].upper() + text[1:] + "."


def _encryption_phrase(info: EncryptionInfo, part: str | None) -> str:
    key_file = re.split(r"[\\/]", info.key_source)[-1] if info.key_source else "?"
    if part:
        return _("part {part} decrypted ({cipher}) with the key from {file}").format(
            part=part, cipher=cipher_label(info.content_algorithm), file=key_file
        )
    return _("decrypted ({cipher}) with the key from {file}").format(
        cipher=cipher_label(info.content_algorithm), file=key_file
    )


def _signature_phrase(sig: SignatureInfo, part: str | None) -> str:
    signer = _signer_label(sig)
    verdict = (
        _("signature valid")
        if sig.valid
        else _("signature not valid ({reason})").format(reason=sig.detail)
    )
    if part:
        text = _("part {part} signed by {signer}, {verdict}").format(
            part=part, signer=signer, verdict=verdict
        )
    else:
        text = _("signed by {signer}, {verdict}").format(signer=signer, verdict=verdict)
    now = dt.datetime.now(dt.timezone.utc)
    if sig.cert_valid_at_signing is False:
        text += ", " + _("certificate not valid when the message was signed")
    elif sig.cert_not_after is not None and sig.cert_not_after < now:
        text += ", " + _("certificate expired {date}").format(
            date=sig.cert_not_after.date().isoformat()
        )
    return text


def _signer_label(sig: SignatureInfo) -> str:
    """The signer's common name (the whole subject when it has none)."""
    if not sig.signer:
        return _("an unknown signer")
    return short_name(sig.signer)


def problems_text(problems: Sequence[PartProblem]) -> str:
    """The report's sentence about parts that could not be opened (the first one's detail)."""
    first = problems[0]
    where = _("part {part}").format(part=first.part) if first.part else _("the message")
    return ngettext(
        "{count} part could not be opened or read completely ({where}).",
        "{count} parts could not be opened or read completely; the first is {where}.",
        len(problems),
    ).format(count=len(problems), where=where) + " " + first.detail


# --- where a message is ---------------------------------------------------------------------


class _Located(Protocol):
    @property
    def locator(self) -> str: ...


def describe_locator(item: _Located) -> str:
    """Short human text naming the message inside its source: "message 13 (byte 40960)".

    Empty for one-message files (the file name says it all).
    """
    locator = item.locator
    if not locator:
        return ""
    offset = getattr(item, "offset", None)
    if locator.startswith("#") and "@" in locator:
        number, _at, byte = locator[1:].partition("@")
        if number.isdigit() and byte.isdigit():
            return _("message {number} (byte {offset})").format(
                number=int(number) + 1, offset=int(byte) if offset is None else offset)
    folder, hash_, position = locator.rpartition("#")
    if hash_ and position.isdigit():
        return _("message {number} in folder {folder}").format(
            number=int(position) + 1, folder=folder or "/")
    return locator


# --- what to do about a message -------------------------------------------------------------


def common_name_of(subject: str | None) -> str | None:
    """The CN of a name as :func:`smime_archiver.crypto.names.format_name` writes it."""
    if not subject:
        return None
    name = short_name(subject)
    return name.strip() if name != subject else None


def _day(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "?"


def certificate_advice(ref: RecipientRef, cert: KnownCertificate, mine: bool) -> str:
    """Which certificate (and so which old key file) a message was encrypted to."""
    year = str(cert.not_before.year) if cert.not_before else "?"
    values = {"year": year, "serial": str(ref.serial), "start": _day(cert.not_before),
              "end": _day(cert.not_after), "name": common_name_of(cert.subject) or "?"}
    if mine:
        text = _(
            "This mail was encrypted to your certificate from {year} (serial "
            "{serial}, valid {start} to {end}). Add the key file from that time.")
    else:
        text = _(
            "This mail was encrypted to the certificate of {name} from {year} "
            "(serial {serial}). If that was you, add the key file from that time.")
    return text.format(**values)


def explain_no_key(recipients: Sequence[RecipientRef], date: dt.datetime | None,
                   book: CertificateBook, keys_loaded: bool) -> str:
    """What to do about a message none of the loaded keys opens."""
    if not keys_loaded:
        return _(
            "This mail is encrypted. Add your key file (the .p12 or .pfx file you "
            "saved from NemID) to open it.")
    match = book.match(recipients)
    if match is not None:
        return certificate_advice(*match)
    refs = [r for r in recipients if r.kind in ("ktri", "kari")] or list(recipients)
    when = date.strftime("%Y") if date else None
    with_serial = [r for r in refs if r.serial is not None]
    if with_serial:
        ref = with_serial[0]
        issuer = common_name_of(ref.issuer) or ref.issuer or "?"
        if ref.issuer in book.issuers_with_keys():
            text = _(
                "This mail was encrypted to another certificate from {issuer} "
                "(serial {serial}) than the ones in your key files.")
        else:
            text = _(
                "This mail was encrypted to a certificate from {issuer} (serial "
                "{serial}) that none of your key files holds.")
        text = text.format(issuer=issuer, serial=ref.serial)
    else:
        text = _(
            "This mail was encrypted to a key that none of your key files holds.")
    if when:
        return text + " " + _(
            "The mail is from {year}: add the key file you had then.").format(
                year=when)
    return text + " " + _(
        "Add your other key files, for example older or newer ones.")


def explain(status: Status, detail: str, recipients: Sequence[RecipientRef],
            date: dt.datetime | None, book: CertificateBook, keys_loaded: bool) -> str:
    """One plain-language paragraph for any status ("" when there is nothing to say)."""
    if status is Status.NO_KEY:
        return explain_no_key(recipients, date, book, keys_loaded)
    if status is Status.CORRUPT:
        return _(
            "This mail is damaged and cannot be read in full: {detail} If you "
            "have another copy of this mailbox, try that one.").format(detail=detail)
    if status is Status.UNSUPPORTED:
        return _(
            "This mail uses a kind of encryption the program cannot open yet: "
            "{detail}").format(detail=detail)
    if status is Status.ERROR:
        return _("Something went wrong with this mail: {detail}").format(
            detail=detail)
    return ""
