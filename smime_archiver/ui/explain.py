"""Plain-language explanations of a message's status, saying what to do next.

For a message that needs another key, the recipients it was encrypted to (issuer
and serial) are matched against every certificate the app has seen: those in the
loaded key files and those that signed mail in the scanned mailboxes (old sent mail
is usually signed with the user's own certificate of that time).  A match gives the
certificate's dates, so the text can say "your certificate from 2014".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication

from smime_archiver.model import KeyDescription, RecipientRef, SignatureInfo, Status

_CN = re.compile(r"(?:^|, )CN=(.*?)(?=, [A-Za-z][\w.]*=|$)")


translate = QCoreApplication.translate  # lupdate files these texts under "Explain"


@dataclass(frozen=True)
class KnownCertificate:
    issuer: str
    serial: int
    subject: str | None
    not_before: dt.datetime | None
    not_after: dt.datetime | None
    has_key: bool  # from a loaded key file with its private key


class CertificateBook:
    """Certificates by (issuer, serial), from key files and from signatures in the mail."""

    def __init__(self) -> None:
        self._certs: dict[tuple[str, int], KnownCertificate] = {}
        self.key_subjects: set[str] = set()  # common names of the loaded keys' certificates

    def add(self, cert: KnownCertificate) -> None:
        key = (cert.issuer, cert.serial)
        old = self._certs.get(key)
        if old is None or (cert.has_key and not old.has_key):
            self._certs[key] = cert

    def add_key(self, desc: KeyDescription) -> None:
        if desc.issuer and desc.serial is not None:
            self.add(KnownCertificate(desc.issuer, desc.serial, desc.subject, desc.not_before,
                                      desc.not_after, True))
        name = common_name_of(desc.subject)
        if name:
            self.key_subjects.add(name)

    def add_signatures(self, signatures: Iterable[SignatureInfo]) -> None:
        for sig in signatures:
            if sig.issuer and sig.serial is not None:
                self.add(KnownCertificate(sig.issuer, sig.serial, sig.signer,
                                          sig.cert_not_before, sig.cert_not_after, False))

    def find(self, ref: RecipientRef) -> KnownCertificate | None:
        if ref.issuer is None or ref.serial is None:
            return None
        return self._certs.get((ref.issuer, ref.serial))

    def issuers_with_keys(self) -> set[str]:
        return {c.issuer for c in self._certs.values() if c.has_key}

    def __len__(self) -> int:
        return len(self._certs)


def common_name_of(subject: str | None) -> str | None:
    """The CN of a name as :func:`smime_archiver.crypto.names.format_name` writes it."""
    if not subject:
        return None
    m = _CN.search(subject)
    return m.group(1).strip() if m else None


def _day(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "?"


def explain_no_key(recipients: Sequence[RecipientRef], date: dt.datetime | None,
                   book: CertificateBook, keys_loaded: bool) -> str:
    """What to do about a message none of the loaded keys opens."""
    if not keys_loaded:
        return translate(
            "Explain", "This mail is encrypted. Add your key file (the .p12 or .pfx file you "
            "saved from NemID) to open it.")
    refs = [r for r in recipients if r.kind in ("ktri", "kari")] or list(recipients)
    known = [(r, c) for r in refs if (c := book.find(r)) is not None]
    mine = [(r, c) for r, c in known
            if c.subject and common_name_of(c.subject) in book.key_subjects]
    if mine or known:
        ref, cert = (mine or known)[0]
        year = str(cert.not_before.year) if cert.not_before else "?"
        values = {"year": year, "serial": str(ref.serial), "start": _day(cert.not_before),
                  "end": _day(cert.not_after), "name": common_name_of(cert.subject) or "?"}
        if mine:
            text = translate(
                "Explain", "This mail was encrypted to your certificate from {year} (serial "
                "{serial}, valid {start} to {end}). Add the key file from that time.")
        else:
            text = translate(
                "Explain", "This mail was encrypted to the certificate of {name} from {year} "
                "(serial {serial}). If that was you, add the key file from that time.")
        return text.format(**values)
    when = date.strftime("%Y") if date else None
    with_serial = [r for r in refs if r.serial is not None]
    if with_serial:
        ref = with_serial[0]
        issuer = common_name_of(ref.issuer) or ref.issuer or "?"
        if ref.issuer in book.issuers_with_keys():
            text = translate(
                "Explain", "This mail was encrypted to another certificate from {issuer} "
                "(serial {serial}) than the ones in your key files.")
        else:
            text = translate(
                "Explain", "This mail was encrypted to a certificate from {issuer} (serial "
                "{serial}) that none of your key files holds.")
        text = text.format(issuer=issuer, serial=ref.serial)
    else:
        text = translate(
            "Explain", "This mail was encrypted to a key that none of your key files holds.")
    if when:
        return text + " " + translate(
            "Explain", "The mail is from {year}: add the key file you had then.").format(
                year=when)
    return text + " " + translate(
        "Explain", "Add your other key files, for example older or newer ones.")


def explain(status: Status, detail: str, recipients: Sequence[RecipientRef],
            date: dt.datetime | None, book: CertificateBook, keys_loaded: bool) -> str:
    """One plain-language paragraph for any status ("" when there is nothing to say)."""
    if status is Status.NO_KEY:
        return explain_no_key(recipients, date, book, keys_loaded)
    if status is Status.CORRUPT:
        return translate(
            "Explain", "This mail is damaged and cannot be read in full: {detail} If you "
            "have another copy of this mailbox, try that one.").format(detail=detail)
    if status is Status.UNSUPPORTED:
        return translate(
            "Explain", "This mail uses a kind of encryption the program cannot open yet: "
            "{detail}").format(detail=detail)
    if status is Status.ERROR:
        return translate("Explain", "Something went wrong with this mail: {detail}").format(
            detail=detail)
    return ""
