"""Our own PKCS#12 reader (RFC 7292), for the files ``cryptography`` refuses.

It reads DER and BER (indefinite lengths, chunked OCTET STRINGs, as NSS and
old Windows versions wrote), every key bag (``cryptography`` returns only one
key), nested SafeContents, files without a MAC, and every PBE scheme of
:mod:`.pbe`.  Passwords come from a :class:`~.passwords.PasswordFeed`:

1. :class:`Pkcs12File` parses the structure without any password, so a damaged
   file is reported as damaged and never triggers a password prompt.
2. :meth:`Pkcs12File.unlock` finds the password: the MAC tells exactly which
   spelling fits; without a MAC the first encrypted part is decrypted on trial
   (valid padding *and* a well-formed DER result).
3. :meth:`Pkcs12File.read` decrypts every part, starting with that password.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import cast

from asn1crypto import cms as acms
from asn1crypto import keys
from asn1crypto import pkcs12 as ap
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto import der
from smime_archiver.crypto.certs import load_der_certificate
from smime_archiver.crypto.keys import keyerrors, pbe
from smime_archiver.crypto.keys.passwords import (
    PasswordFeed,
    PasswordSource,
    Secret,
    Text,
    bmp_secrets,
    first_match,
    octet_secrets,
)
from smime_archiver.errors import KeyFileError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

# dotted OIDs, by asn1crypto's names (cms.ContentType, pkcs12.BagId, pkcs12.CertId)
DATA = acms.ContentType.unmap("data")
SIGNED_DATA = acms.ContentType.unmap("signed_data")
ENVELOPED_DATA = acms.ContentType.unmap("enveloped_data")
ENCRYPTED_DATA = acms.ContentType.unmap("encrypted_data")
KEY_BAG = ap.BagId.unmap("key_bag")
SHROUDED_KEY_BAG = ap.BagId.unmap("pkcs8_shrouded_key_bag")
CERT_BAG = ap.BagId.unmap("cert_bag")
SAFE_CONTENTS_BAG = ap.BagId.unmap("safe_contents")
X509_CERT = ap.CertId.unmap("x509")
MAX_NESTING = 8

# Exceptions asn1crypto raises on malformed input (it parses lazily, so they surface late).
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


@dataclass
class P12Key:
    private_key: object
    friendly_name: str | None = None
    local_key_id: bytes | None = None


@dataclass
class P12Cert:
    certificate: x509.Certificate
    friendly_name: str | None = None
    local_key_id: bytes | None = None


@dataclass
class Pkcs12Contents:
    keys: list[P12Key] = field(default_factory=list)
    certificates: list[P12Cert] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)  # key types we could not load
    warnings: list[str] = field(default_factory=list)  # translated texts


@dataclass(frozen=True)
class Unlock:
    """The password that opened a file: ``text`` as typed, ``secret`` the spelling that fitted."""

    text: Text
    secret: Secret | None  # None when the file needed no password at all
    mac_verified: bool


@dataclass(frozen=True)
class _Mac:
    hash_name: str
    digest: bytes
    salt: bytes
    iterations: int


def looks_like_pfx(data: bytes) -> bool:
    """Cheap check of the first fields: SEQUENCE { INTEGER 3, SEQUENCE { OID data|signedData."""
    try:
        outer = der.read_header(data)
        pos = outer.header_length
        if data[0] != 0x30 or data[pos : pos + 3] != b"\x02\x01\x03":
            return False
        pos += 3
        info = der.read_header(data, pos)
        if data[pos] != 0x30:
            return False
        pos += info.header_length
        oid = der.primitive_value(data, pos)
    except (der.DerError, IndexError):
        return False
    return data[pos] == 0x06 and oid in (
        bytes.fromhex("2a864886f70d010701"),
        bytes.fromhex("2a864886f70d010702"),
    )


class Pkcs12File:
    """One parsed PFX.  Raises :class:`DamagedKeyFileError` when the structure does not parse."""

    def __init__(self, data: bytes, source: str):
        self.source = source
        try:
            end = der.element_end(data)
        except der.DerError as e:
            raise keyerrors.damaged(source, str(e)) from e
        if end != len(data):
            log.debug("%s: %d bytes after the PKCS#12 structure ignored", source, len(data) - end)
        try:
            self._parse(data[:end])
        except KeyFileError:
            raise
        except _PARSE_ERRORS as e:
            raise keyerrors.damaged(source, _("the PKCS#12 structure does not parse")) from e
        self.warnings: list[str] = []

    def _parse(self, data: bytes) -> None:
        pfx = ap.Pfx.load(data)
        if pfx["version"].native != "v3":
            raise keyerrors.damaged(self.source, _("unknown PKCS#12 version"))
        auth_safe = pfx["auth_safe"]
        content_type = auth_safe["content_type"].dotted
        if content_type == DATA:
            self._content = auth_safe["content"].native
        elif content_type == SIGNED_DATA:  # public-key integrity mode: signature not checked
            self._content = auth_safe["content"]["encap_content_info"]["content"].native
        else:
            raise keyerrors.unsupported(self.source, content_type)
        if not isinstance(self._content, bytes):
            raise keyerrors.damaged(self.source, _("the PKCS#12 content is missing"))
        self._safes = list(ap.AuthenticatedSafe.load(self._content))
        for info in self._safes:
            info["content_type"].dotted  # noqa: B018 - force parsing now
        self.mac: _Mac | None = None
        self.mac_oid: str | None = None
        mac_data = pfx["mac_data"]
        if isinstance(mac_data, ap.MacData):
            self.mac_oid = mac_data["mac"]["digest_algorithm"]["algorithm"].dotted
            try:
                hash_name = pbe.mac_hash_name(self.mac_oid)
            except pbe.UnsupportedPBEError:
                hash_name = ""
            if hash_name:
                self.mac = _Mac(hash_name, mac_data["mac"]["digest"].native,
                                mac_data["mac_salt"].native, mac_data["iterations"].native)

    @property
    def has_mac(self) -> bool:
        return self.mac is not None

    # --- finding the password -----------------------------------------------------------

    def unlock(self, feed: PasswordFeed) -> Unlock:
        """The candidate that opens the file; raises :class:`WrongPasswordError`."""
        if self.mac is None and self.mac_oid is not None:
            log.info("%s: MAC algorithm %s unknown; checking by decryption", self.source,
                     self.mac_oid)
            self.warnings.append(_(
                "The integrity check of {file} uses an algorithm this program does not know "
                "(OID {oid}); the keys were loaded without checking it."
            ).format(file=self.source, oid=self.mac_oid))
        if self.mac is not None:
            mac = self.mac
            try:
                found = first_match(
                    feed, bmp_secrets,
                    lambda s: True if pbe.verify_mac(mac.hash_name, s.data, mac.salt,
                                                     mac.iterations, self._content, mac.digest)
                    else None,
                )
            except pbe.PBEError as e:
                raise keyerrors.damaged(self.source, str(e)) from e
            if found is None:
                raise keyerrors.wrong_password(self.source, feed.typed_count)
            log.debug("%s: MAC verified with password spelling %s", self.source, found[2].label)
            return Unlock(found[1], found[2], True)
        trial = self._first_encrypted()
        if trial is None:
            return Unlock(None, None, False)
        algorithm, ciphertext = trial
        found_plain = self._search(algorithm, ciphertext, feed, None, _("content"))
        return Unlock(found_plain[1], found_plain[2], False)

    def _first_encrypted(self) -> tuple[object, bytes] | None:
        for info in self._safes:
            content_type = info["content_type"].dotted
            try:
                if content_type == ENCRYPTED_DATA:
                    eci = info["content"]["encrypted_content_info"]
                    return eci["content_encryption_algorithm"], eci["encrypted_content"].native
                if content_type == DATA:
                    for bag in ap.SafeContents.load(info["content"].native):
                        if bag["bag_id"].dotted == SHROUDED_KEY_BAG:
                            value = bag["bag_value"]
                            return value["encryption_algorithm"], value["encrypted_data"].native
            except _PARSE_ERRORS as e:
                raise keyerrors.damaged(self.source, _("a part does not parse")) from e
        return None

    def _search(
        self, algorithm, ciphertext: bytes, feed: PasswordFeed, unlock: Unlock | None, what: str
    ) -> tuple[bytes, Text, Secret]:
        """Decrypt with every candidate spelling until the result is well-formed DER."""
        try:
            plan = pbe.plan(algorithm)
        except pbe.UnsupportedPBEError as e:
            raise keyerrors.unsupported(self.source, e.oid, e.name) from e
        except pbe.PBEError as e:
            raise keyerrors.damaged(self.source, str(e)) from e
        if not isinstance(ciphertext, bytes):
            raise keyerrors.damaged(self.source, _("encrypted content is missing"))
        spellings: Callable[[Text], list[Secret]] = (
            bmp_secrets if plan.secret_kind == "bmp" else octet_secrets
        )

        def attempt(secret: Secret) -> bytes | None:
            try:
                plain = plan.decrypt(ciphertext, secret.data)
            except pbe.DecryptionFailed:
                return None
            except pbe.PBEError as e:
                raise keyerrors.damaged(self.source, str(e)) from e
            return plain if der.is_well_formed(plain) else None

        if unlock is not None and unlock.secret is not None:
            # the spelling that verified the MAC is the likeliest for a PKCS#12 scheme
            if plan.secret_kind == "bmp" and (plain := attempt(unlock.secret)) is not None:
                return plain, unlock.text, unlock.secret
        found = first_match(feed, spellings, attempt,
                            first=unlock.text if unlock else None, use_first=unlock is not None)
        if found is None:
            if unlock is not None and unlock.mac_verified:
                raise keyerrors.wrong_password(self.source, feed.typed_count, what=what)
            raise keyerrors.wrong_password(self.source, feed.typed_count)
        result, text, secret = found
        log.debug("%s: %s decrypted (%s, spelling %s)", self.source, what, plan.name,
                  secret.label)
        return cast(bytes, result), text, secret

    # --- reading the contents -----------------------------------------------------------

    def read(self, feed: PasswordFeed, unlock: Unlock) -> Pkcs12Contents:
        """Every key and certificate; raises KeyFileError subclasses."""
        out = Pkcs12Contents(warnings=list(self.warnings))
        for info in self._safes:
            content_type = info["content_type"].dotted
            try:
                if content_type == DATA:
                    self._read_bags(info["content"].native, feed, unlock, out, 0)
                elif content_type == ENCRYPTED_DATA:
                    eci = info["content"]["encrypted_content_info"]
                    plain = self._search(eci["content_encryption_algorithm"],
                                         eci["encrypted_content"].native, feed, unlock,
                                         _("certificate part"))[0]
                    self._read_bags(plain, feed, unlock, out, 0)
                else:
                    name = "envelopedData" if content_type == ENVELOPED_DATA else content_type
                    out.warnings.append(_(
                        "A part of {file} is protected in a way this program does not support "
                        "({name}, OID {oid}); it was skipped."
                    ).format(file=self.source, name=name, oid=content_type))
            except _PARSE_ERRORS as e:
                raise keyerrors.damaged(self.source, _("a part does not parse")) from e
        return out

    def _read_bags(self, safe_contents: bytes, feed: PasswordFeed, unlock: Unlock,
                   out: Pkcs12Contents, depth: int) -> None:
        if depth > MAX_NESTING:
            raise keyerrors.damaged(self.source, _("bags nested too deeply"))
        for bag in ap.SafeContents.load(safe_contents):
            bag_id = bag["bag_id"].dotted
            name, key_id = _attributes(bag)
            if bag_id == KEY_BAG:
                self._add_key(der.without_explicit_tags(bag["bag_value"]), name, key_id, out)
            elif bag_id == SHROUDED_KEY_BAG:
                value = bag["bag_value"]
                plain = self._search(value["encryption_algorithm"],
                                     value["encrypted_data"].native, feed, unlock,
                                     _("private key"))[0]
                self._add_key(plain, name, key_id, out)
            elif bag_id == CERT_BAG:
                self._add_cert(bag["bag_value"], name, key_id, out)
            elif bag_id == SAFE_CONTENTS_BAG:
                self._read_bags(der.without_explicit_tags(bag["bag_value"]), feed, unlock, out,
                                depth + 1)
            else:
                log.debug("%s: bag %s skipped", self.source, bag_id)

    def _add_key(self, pkcs8: bytes, name: str | None, key_id: bytes | None,
                 out: Pkcs12Contents) -> None:
        try:
            key = load_private_key_info(pkcs8)
        except UnsupportedAlgorithm as e:
            algorithm = _key_algorithm(pkcs8)
            log.info("%s: key of unsupported type %s skipped: %s", self.source, algorithm, e)
            out.skipped_keys.append(algorithm)
            return
        except ValueError as e:
            raise keyerrors.damaged(self.source, _("a private key does not parse")) from e
        out.keys.append(P12Key(key, name, key_id))

    def _add_cert(self, cert_bag, name: str | None, key_id: bytes | None,
                  out: Pkcs12Contents) -> None:
        if cert_bag["cert_id"].dotted != X509_CERT:
            log.debug("%s: certificate of type %s skipped", self.source,
                      cert_bag["cert_id"].dotted)
            return
        value = cert_bag["cert_value"]
        raw = bytes(value) if value.contents is not None else b""
        try:  # DER, or BER converted byte by byte (never re-encoded from what was parsed)
            cert = load_der_certificate(raw)
        except ValueError as e:
            log.info("%s: unreadable certificate skipped: %s", self.source, e)
            out.warnings.append(_(
                "A certificate in {file} cannot be read and was skipped."
            ).format(file=self.source))
            return
        out.certificates.append(P12Cert(cert, name, key_id))


def load_private_key_info(pkcs8: bytes) -> object:
    """A ``cryptography`` key from PrivateKeyInfo DER; BER is made DER first.

    BER is converted byte by byte (:func:`der.to_der`: lengths and string
    chunks); only if that does not do, asn1crypto re-encodes the parsed key
    (which also makes integers minimal, as some old writers did not).
    Raises ``UnsupportedAlgorithm`` for key types ``cryptography`` lacks and
    ``ValueError`` for malformed keys.
    """
    try:
        return serialization.load_der_private_key(pkcs8, None)
    except ValueError as first:
        tried = {pkcs8}
        for convert in (der.to_der, _reencoded_key):
            try:
                converted = convert(pkcs8)
            except _PARSE_ERRORS:
                continue
            if converted in tried:
                continue
            tried.add(converted)
            try:
                return serialization.load_der_private_key(converted, None)
            except ValueError:
                continue
        raise first


def _reencoded_key(pkcs8: bytes) -> bytes:
    return bytes(keys.PrivateKeyInfo.load(pkcs8).dump(force=True))


def _key_algorithm(pkcs8: bytes) -> str:
    try:
        algorithm = keys.PrivateKeyInfo.load(pkcs8)["private_key_algorithm"]["algorithm"]
        return str(algorithm.native) if algorithm.native != algorithm.dotted else algorithm.dotted
    except _PARSE_ERRORS:
        return "?"


def _attributes(bag) -> tuple[str | None, bytes | None]:
    name = key_id = None
    attributes = bag["bag_attributes"]
    if not isinstance(attributes, ap.Attributes):
        return None, None
    for attribute in attributes:
        try:
            kind = attribute["type"].native
            values = attribute["values"]
            if kind == "friendly_name" and len(values):
                name = values[0].native.rstrip("\x00") or None
            elif kind == "local_key_id" and len(values):
                key_id = values[0].native
        except _PARSE_ERRORS:
            continue
    return name, key_id


def read_pkcs12(
    data: bytes, source: str, passwords: PasswordSource | Iterable[str] | PasswordFeed = ()
) -> Pkcs12Contents:
    """Read a PKCS#12 file completely with our own code (no ``cryptography`` PKCS#12 parser)."""
    feed = passwords if isinstance(passwords, PasswordFeed) else PasswordFeed(passwords, source)
    p12 = Pkcs12File(data, source)
    unlock = p12.unlock(feed)
    contents = p12.read(feed, unlock)
    feed.opened_with = unlock.text
    return contents


__all__ = [
    "P12Cert",
    "P12Key",
    "Pkcs12Contents",
    "Pkcs12File",
    "Unlock",
    "looks_like_pfx",
    "read_pkcs12",
]
