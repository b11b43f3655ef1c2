"""The set of private keys a job may use, and which of them could open a recipient.

Loading key files lives in :mod:`smime_archiver.crypto.keys.keyfiles`; this module
only holds the result and answers "which keys could this recipient be?".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from smime_archiver.crypto.names import same_name
from smime_archiver.model import KeyDescription, PrivateKeyEntry


@dataclass(frozen=True)
class _Index:
    entry: PrivateKeyEntry
    issuer: ax509.Name | None
    serial: int | None
    skis: frozenset[bytes]
    kind: str  # "rsa" | "ec" | "other"


def key_kind(private_key: object) -> str:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "rsa"
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return "ec"
    return "other"


def _subject_public_key_bits(public_key: object) -> bytes:
    spki_der = public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return ax509.PublicKeyInfo.load(spki_der)["public_key"].contents[1:]  # drop unused-bits octet


def sha1_key_identifier(public_key: object) -> bytes:
    """RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING."""
    return hashlib.sha1(_subject_public_key_bits(public_key)).digest()


def public_key_identifiers(public_key: object) -> set[bytes]:
    """Key identifiers a sender may have computed for ``public_key``.

    RFC 5280 method 1 and RFC 7093 method 1 (leftmost 160 bits of SHA-256),
    which some newer tools use.
    """
    bits = _subject_public_key_bits(public_key)
    return {hashlib.sha1(bits).digest(), hashlib.sha256(bits).digest()[:20]}


def _index(entry: PrivateKeyEntry) -> _Index:
    skis = set(public_key_identifiers(entry.private_key.public_key()))
    issuer = serial = None
    cert = entry.certificate
    if cert is not None:
        acert = ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        issuer = acert.issuer
        serial = acert.serial_number
        if acert.key_identifier:
            skis.add(acert.key_identifier)
    return _Index(entry, issuer, serial, frozenset(skis), key_kind(entry.private_key))


class KeyStore:
    """Private keys (with their certificates) and extra certificates, in load order."""

    def __init__(self, entries: Iterable[PrivateKeyEntry] = (), certificates: Iterable = ()):
        self._index: list[_Index] = []
        self.certificates: list = list(certificates)
        for entry in entries:
            self.add(entry)

    def add(self, entry: PrivateKeyEntry) -> None:
        self._index.append(_index(entry))

    def extend(self, other: KeyStore) -> None:
        """Take over ``other``'s keys (already indexed) and certificates, in their order."""
        self._index.extend(other._index)
        self.certificates.extend(other.certificates)

    def __len__(self) -> int:
        return len(self._index)

    def __iter__(self) -> Iterator[PrivateKeyEntry]:
        return (i.entry for i in self._index)

    @property
    def entries(self) -> tuple[PrivateKeyEntry, ...]:
        return tuple(self)

    def descriptions(self) -> list[KeyDescription]:
        return [i.entry.description for i in self._index]

    def candidates(
        self,
        *,
        issuer: ax509.Name | None = None,
        serial: int | None = None,
        ski: bytes | None = None,
        kind: str | None = None,
    ) -> list[tuple[PrivateKeyEntry, bool]]:
        """Keys that could open a recipient, best first, as ``(entry, exact)``.

        Exact matches (issuer and serial, or subject key identifier) come first.
        Then every other key of the right kind (``"rsa"`` or ``"ec"``): a key
        without a certificate, or one whose certificate was renewed around the
        same key pair, may still be the right one.  Callers must therefore
        check every result for plausibility before trusting it.
        """
        exact: list[tuple[PrivateKeyEntry, bool]] = []
        others: list[tuple[PrivateKeyEntry, bool]] = []
        for item in self._index:
            if kind is not None and item.kind != kind:
                continue
            is_exact = False
            if ski is not None and ski in item.skis:
                is_exact = True
            elif (
                issuer is not None
                and serial is not None
                and item.serial == serial
                and item.issuer is not None
                and same_name(item.issuer, issuer)
            ):
                is_exact = True
            (exact if is_exact else others).append((item.entry, is_exact))
        return exact + others

