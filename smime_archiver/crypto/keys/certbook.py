"""Certificates the program has seen, to say which old key a message needs.

For a message that needs another key, the recipients it was encrypted to (issuer and
serial) are matched against every certificate known: those in the loaded key files and
those that signed mail in the scanned mailboxes (old sent mail is usually signed with the
user's own certificate of that time).  A match gives the certificate's dates, so the
words (:func:`smime_archiver.texts.explain_no_key`) can say "your certificate from 2014".
Used by the GUI, the CLI's summary and the report's ``missing_keys``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smime_archiver.model import KeyDescription, RecipientRef, SignatureInfo
from smime_archiver.texts import certificate_advice, common_name_of

if TYPE_CHECKING:
    from smime_archiver.outcome import JobSummary


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

    def match(self, recipients: Iterable[RecipientRef]
              ) -> tuple[RecipientRef, KnownCertificate, bool] | None:
        """The first recipient whose certificate is known, the certificate, and whether it
        is the user's own (its common name is that of a loaded key's certificate)."""
        recipients = list(recipients)
        refs = [r for r in recipients if r.kind in ("ktri", "kari")] or recipients
        known = [(r, c) for r in refs if (c := self.find(r)) is not None]
        mine = [(r, c) for r, c in known
                if c.subject and common_name_of(c.subject) in self.key_subjects]
        if mine:
            return (*mine[0], True)
        if known:
            return (*known[0], False)
        return None

    def issuers_with_keys(self) -> set[str]:
        return {c.issuer for c in self._certs.values() if c.has_key}

    def __len__(self) -> int:
        return len(self._certs)

    def add_signature_json(self, signatures: Iterable[dict[str, Any]]) -> None:
        """Signatures as a report holds them (``SignatureInfo.to_json``)."""
        for sig in signatures:
            serial = sig.get("serial")
            if sig.get("issuer") and serial is not None and str(serial).isdigit():
                self.add(KnownCertificate(sig["issuer"], int(serial), sig.get("signer"),
                                          _when(sig.get("certificate_not_before")),
                                          _when(sig.get("certificate_not_after")), False))


def _when(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def book_of(descriptions: Iterable[KeyDescription]) -> CertificateBook:
    """A book holding the certificates of the loaded keys."""
    book = CertificateBook()
    for desc in descriptions:
        book.add_key(desc)
    return book


def certificate_json(cert: KnownCertificate) -> dict[str, Any]:
    """What the report says about the certificate a missing key belongs to."""
    return {
        "subject": cert.subject,
        "issuer": cert.issuer,
        "serial": cert.serial,
        "not_before": cert.not_before.isoformat() if cert.not_before else None,
        "not_after": cert.not_after.isoformat() if cert.not_after else None,
        "from_key_file": cert.has_key,
    }


def missing_key_note(ref: RecipientRef, book: CertificateBook) -> dict[str, Any]:
    """What the report adds about one missing key: the certificate it belongs to
    (``certificate``) and what to do (``explanation``); empty when nobody knows it."""
    match = book.match([ref])
    if match is None:
        return {}
    known, cert, mine = match
    return {"certificate": certificate_json(cert),
            "explanation": certificate_advice(known, cert, mine)}


def annotate_missing_keys(summary: JobSummary, book: CertificateBook) -> JobSummary:
    """The summary with :func:`missing_key_note` added to each missing key it lists."""
    missing = tuple(dataclasses.replace(entry, **missing_key_note(entry.recipient, book))
                    for entry in summary.missing_keys)
    return dataclasses.replace(summary, missing_keys=missing)
