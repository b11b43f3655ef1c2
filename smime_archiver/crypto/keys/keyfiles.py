"""Loading key files: the entry points the CLI and the GUI call.

The file type is found from the content, never the extension:

* PKCS#12 (DER or BER): ``cryptography``'s ``load_pkcs12`` first, our reader
  (:mod:`.pkcs12`) always as well, because ``cryptography`` returns one key
  only and refuses some old files.  Our reader also finds the password, so a
  damaged file never triggers a prompt.
* DER private keys (PKCS#1, SEC1, PKCS#8, encrypted PKCS#8), certificates and
  certs-only PKCS#7 bundles.
* Text: PEM blocks of all those, and base64 key files inside text or HTML.

Keys and certificates are paired by public key.  Keys that cannot decrypt mail
(DSA, Ed25519, ...) become warnings; a file with nothing else is an
:class:`UnusableKeyError`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from smime_archiver.crypto import der
from smime_archiver.crypto.certs import (
    SERIAL_WARNING,
    certificate_facts,
    certificate_spki,
    load_der_certificate,
    public_key_spki,
)
from smime_archiver.crypto.keys import keyerrors, keytext, privkeys
from smime_archiver.crypto.keys.describe import key_type_and_size, make_entry
from smime_archiver.crypto.keys.keystore import KeyStore, key_kind
from smime_archiver.crypto.keys.passwords import PasswordFeed, PasswordSource
from smime_archiver.crypto.keys.pkcs12 import Pkcs12Contents, Pkcs12File, Unlock, looks_like_pfx
from smime_archiver.errors import DamagedKeyFileError, KeyFileError, WrongPasswordError
from smime_archiver.i18n import _
from smime_archiver.model import PrivateKeyEntry

log = logging.getLogger(__name__)

MAX_FILE_SIZE = 64 * 1024 * 1024  # key files are kilobytes; saved web pages a few megabytes

__all__ = ["KeyFileResult", "PasswordSource", "load_key_file", "load_key_files"]


@dataclass
class KeyFileResult:
    source: str  # the path as given
    entries: list[PrivateKeyEntry]  # usable keys (RSA, EC)
    certificates: list[x509.Certificate]  # every certificate found (incl. chain)
    warnings: list[str]  # translated texts


@dataclass
class _Material:
    """What one file held, before pairing."""

    keys: list[tuple[object, str | None]] = field(default_factory=list)  # (key, friendly name)
    certificates: list[x509.Certificate] = field(default_factory=list)
    cert_names: dict[bytes, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # key types we could not load
    warnings: list[str] = field(default_factory=list)
    source: str = ""  # the key file, for the warnings

    def add_key(self, key: object, name: str | None = None) -> None:
        spki = public_key_spki(key.public_key())  # type: ignore[attr-defined]
        if spki is None or all(public_key_spki(k.public_key()) != spki for k, _n in self.keys):  # type: ignore[attr-defined]
            self.keys.append((key, name))

    def add_cert(self, cert: x509.Certificate, name: str | bytes | None = None) -> None:
        try:  # names and dates as asn1crypto reads them (cryptography refuses Latin-1 T61)
            certificate_facts(cert)
        except (ValueError, TypeError):
            log.info("damaged certificate left out of %s", self.source)
            self.warnings.append(_(
                "A certificate in {file} is damaged (its names or dates cannot be read); it "
                "was left out. The keys in the file are still used.").format(file=self.source))
            return
        raw = cert.public_bytes(serialization.Encoding.DER)
        if all(c.public_bytes(serialization.Encoding.DER) != raw for c in self.certificates):
            self.certificates.append(cert)
        if isinstance(name, bytes):
            name = name.decode("utf-8", errors="replace")
        if name and raw not in self.cert_names:
            self.cert_names[raw] = name

    @property
    def empty(self) -> bool:
        return not (self.keys or self.certificates or self.skipped)


# --- public entry points ---------------------------------------------------------------------


def load_key_file(
    path: str | os.PathLike, passwords: PasswordSource | Iterable[str] = ()
) -> KeyFileResult:
    """Load one key file.

    Raises WrongPasswordError, DamagedKeyFileError, UnusableKeyError or
    KeyFileError (unreadable, unsupported algorithm), each naming the file.
    A file with certificates but no key is not an error: its result has no
    entries.
    """
    source = os.fsdecode(path)
    return _load(path, source, PasswordFeed(passwords, source))


def load_key_files(
    paths: Iterable[str | os.PathLike],
    passwords: PasswordSource | Iterable[str] = (),
    *,
    on_warning: Callable[[str], None] | None = None,
) -> tuple[KeyStore, list[KeyFileError]]:
    """Load every file; never raises for one bad file (its error is returned instead).

    Keys without a certificate are paired by public key with certificates from
    any of the files; entries keep the load order; the same key with the same
    certificate loaded twice is kept once.  A password that opened one file is
    tried on the next ones before the source is asked again.
    """
    shared = passwords if callable(passwords) else _Replayable(passwords)
    remembered: list[str] = []
    results: list[KeyFileResult] = []
    errors: list[KeyFileError] = []
    for path in paths:
        source = os.fsdecode(path)
        feed = PasswordFeed(shared, source, remembered)
        try:
            result = _load(path, source, feed)
        except KeyFileError as e:
            log.info("key file %s not loaded: %s", source, type(e).__name__)
            errors.append(e)
            continue
        if feed.opened_with and feed.opened_with not in remembered:
            remembered.append(feed.opened_with)
        results.append(result)

    store, warnings_out = _pair_across(results)
    for text in warnings_out:
        if on_warning is not None:
            on_warning(text)
        else:
            log.warning("%s", text)
    return store, errors


class _Replayable:
    """An iterable of passwords that can be iterated again without consuming it twice."""

    def __init__(self, iterable: Iterable[str]):
        self._iterator = iter(iterable)
        self._seen: list[str] = []

    def __iter__(self) -> Iterator[str]:
        index = 0
        while True:
            if index < len(self._seen):
                yield self._seen[index]
                index += 1
                continue
            try:
                self._seen.append(next(self._iterator))
            except StopIteration:
                return


def _pair_across(results: list[KeyFileResult]) -> tuple[KeyStore, list[str]]:
    certs: list[tuple[x509.Certificate, str, bytes]] = []  # (cert, source, DER)
    for result in results:
        for cert in result.certificates:
            raw = cert.public_bytes(serialization.Encoding.DER)
            if all(raw != known for _c, _s, known in certs):
                certs.append((cert, result.source, raw))
    entries: list[PrivateKeyEntry] = []
    seen: set[tuple[bytes | None, bytes | None]] = set()
    paired: set[bytes] = set()
    notes: list[str] = []
    for result in results:
        notes += result.warnings
        for entry in result.entries:
            for candidate in _with_certificates(entry, certs):
                own = candidate.certificate
                own_der = own.public_bytes(serialization.Encoding.DER) if own else None
                identity = (public_key_spki(candidate.private_key.public_key()), own_der)
                if identity in seen:
                    log.info("duplicate key from %s dropped", result.source)
                    continue
                seen.add(identity)
                if own_der is not None:
                    paired.add(own_der)
                entries.append(candidate)
    for result in results:
        if result.certificates and not result.entries:
            if not any(c.public_bytes(serialization.Encoding.DER) in paired
                       for c in result.certificates):
                notes.append(_(
                    "{file} holds certificates but no private key, and none of the keys loaded "
                    "from the other files belongs to them. Add the key file that goes with "
                    "these certificates."
                ).format(file=result.source))
    return KeyStore(entries, certificates=[c for c, _s, _r in certs]), notes


def _with_certificates(
    entry: PrivateKeyEntry, certs: list[tuple[x509.Certificate, str, bytes]]
) -> list[PrivateKeyEntry]:
    """``entry`` itself, or (for a key without certificate) one entry per matching cert."""
    if entry.certificate is not None:
        return [entry]
    spki = public_key_spki(entry.private_key.public_key())
    out = []
    for cert, source, raw in certs:
        if spki is not None and certificate_spki(cert) == spki:
            chain = tuple(c for c, s, r in certs if s == source and r != raw)
            out.append(make_entry(entry.private_key, cert, entry.description.source, chain,
                                  friendly_name=entry.description.friendly_name,
                                  origin=entry.description.origin))
    return out or [entry]


# --- one file ------------------------------------------------------------------------------


def _load(path: str | os.PathLike, source: str, feed: PasswordFeed) -> KeyFileResult:
    data = _read_bytes(path, source)
    material = _read_material(data, source, feed)
    return _result(source, material)


def _read_bytes(path: str | os.PathLike, source: str) -> bytes:
    try:
        file = Path(os.fsdecode(path))
        if file.stat().st_size > MAX_FILE_SIZE:
            raise keyerrors.not_a_key_file(source)
        return file.read_bytes()
    except OSError as e:
        raise keyerrors.unreadable(source, e.strerror or type(e).__name__) from e


def _result(source: str, material: _Material) -> KeyFileResult:
    notes = list(material.warnings)
    unusable: list[str] = list(material.skipped)
    usable: list[tuple[object, str | None]] = []
    for key, name in material.keys:
        if key_kind(key) in ("rsa", "ec"):
            usable.append((key, name))
        else:
            unusable.append(key_type_and_size(key)[0])
    for key_type in unusable:
        notes.append(keyerrors.unusable_warning(source, key_type))
    if not usable and unusable:
        raise keyerrors.unusable(source, unusable)
    certs = material.certificates
    entries: list[PrivateKeyEntry] = []
    for key, name in usable:
        spki = public_key_spki(key.public_key())  # type: ignore[attr-defined]
        options: list[x509.Certificate | None] = [
            c for c in certs if spki is not None and certificate_spki(c) == spki
        ]
        for cert in options or [None]:
            cert_name = None
            if cert is not None:
                cert_name = material.cert_names.get(cert.public_bytes(serialization.Encoding.DER))
            chain = tuple(c for c in certs if c is not cert)
            entries.append(make_entry(key, cert, source, chain, friendly_name=name or cert_name))
    return KeyFileResult(source, entries, list(certs), notes)


def _read_material(data: bytes, source: str, feed: PasswordFeed) -> _Material:
    material = _Material(source=source)
    if looks_like_pfx(data):
        _read_pfx(data, source, feed, material)
    elif data[:1] == b"\x30" and privkeys.der_kind(data) is not None:
        _read_der(data, source, feed, material)
    else:  # text (which may well start with the digit 0, byte 0x30)
        text = keytext.decode_text(data)
        if text is None:
            raise keyerrors.not_a_key_file(source)
        _read_text(text, source, feed, material)
    return material


def _read_der(data: bytes, source: str, feed: PasswordFeed, material: _Material) -> None:
    try:
        data = data[: der.element_end(data)]
    except (der.DerError, IndexError) as e:
        raise keyerrors.not_a_key_file(source) from e
    kind = privkeys.der_kind(data)
    try:
        if kind == "private_key":
            material.add_key(privkeys.load_plain_key(data, source))
        elif kind == "encrypted_pkcs8":
            material.add_key(privkeys.load_encrypted_pkcs8(data, source, feed))
        elif kind == "certificate":
            material.add_cert(_load_cert(data, source))
        elif kind == "pkcs7":
            for cert in _load_pkcs7(data, source):
                material.add_cert(cert)
        else:
            raise keyerrors.not_a_key_file(source)
    except privkeys.SkippedKey as e:
        material.skipped.append(e.key_type)


def _load_cert(data: bytes, source: str) -> x509.Certificate:
    try:
        return load_der_certificate(data[: der.element_end(data)])
    except ValueError as e:  # der.DerError is one
        raise keyerrors.damaged(source, _("a certificate does not parse")) from e


def _load_pkcs7(data: bytes, source: str) -> list[x509.Certificate]:
    try:
        with _ber_tolerated(source):
            return list(pkcs7.load_der_pkcs7_certificates(data))
    except (ValueError, UnsupportedAlgorithm) as e:
        raise keyerrors.damaged(source, _("the PKCS#7 certificate bundle does not parse")) from e


def _read_text(text: str, source: str, feed: PasswordFeed, material: _Material) -> None:
    failures: list[KeyFileError] = []
    blocks, rest = keytext.find_pem_blocks(text)
    for block in blocks:
        try:
            _read_pem_block(block, source, feed, material)
        except privkeys.SkippedKey as e:
            material.skipped.append(e.key_type)
        except KeyFileError as e:
            failures.append(e)
    for blob in keytext.find_der_blobs(rest):
        if looks_like_pfx(blob):
            try:
                _read_pfx(blob, source, feed, material)
            except KeyFileError as e:
                failures.append(e)
        elif privkeys.der_kind(blob) is not None:
            try:
                _read_der(blob, source, feed, material)
            except KeyFileError as e:  # base64 found in prose may be anything
                log.debug("%s: base64 element not used: %s", source, type(e).__name__)
    if material.empty:
        if failures:
            raise _most_telling(failures)
        raise keyerrors.not_a_key_file(source)
    material.warnings += [str(e) for e in failures]


def _most_telling(failures: list[KeyFileError]) -> KeyFileError:
    for kind in (WrongPasswordError, KeyFileError):
        for e in failures:
            if isinstance(e, kind) and not isinstance(e, DamagedKeyFileError):
                return e
    return failures[0]


def _read_pem_block(block: keytext.PemBlock, source: str, feed: PasswordFeed,
                    material: _Material) -> None:
    label = block.label
    if label.endswith("PRIVATE KEY"):
        if label == "ENCRYPTED PRIVATE KEY":
            key = privkeys.load_encrypted_pkcs8(block.der, source, feed)
        elif "ENCRYPTED" in block.headers.get("Proc-Type", "") or "DEK-Info" in block.headers:
            key = privkeys.load_legacy_pem(block.pem, block.der, block.headers.get("DEK-Info", ""),
                                           source, feed)
        else:
            key = privkeys.load_plain_key(block.der, source)
        material.add_key(key)
    elif label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
        material.add_cert(_load_cert(block.der, source))
    elif label in ("PKCS7", "CERTIFICATE CHAIN"):
        for cert in _load_pkcs7(block.der, source):
            material.add_cert(cert)
    elif label in ("PKCS12", "PFX"):
        _read_pfx(block.der, source, feed, material)
    else:
        log.debug("%s: PEM block %s ignored", source, label)


# --- PKCS#12 ---------------------------------------------------------------------------------


def _read_pfx(data: bytes, source: str, feed: PasswordFeed, material: _Material) -> None:
    p12 = Pkcs12File(data, source)  # DamagedKeyFileError before any password is asked for
    unlock = p12.unlock(feed)  # WrongPasswordError when no candidate fits
    feed.opened_with = unlock.text
    ours: Pkcs12Contents | None = None
    failure: KeyFileError | None = None
    try:
        ours = p12.read(feed, unlock)
    except KeyFileError as e:
        log.info("%s: our reader failed; asking cryptography's", source, exc_info=True)
        failure = e
    # cryptography's reader as a second opinion where ours found no key or skipped one
    # (it reads the key once more, with its consistency checks: a third of the start-up
    # time, so only when needed)
    via_cryptography = None
    if ours is None or not ours.keys or ours.skipped_keys:
        via_cryptography = _cryptography_pkcs12(data, unlock, source)
        if failure is not None and via_cryptography is None:
            raise failure
    if ours is not None:
        material.warnings += ours.warnings
        material.skipped += ours.skipped_keys
        for key in ours.keys:
            material.add_key(key.private_key, key.friendly_name)
        for cert in ours.certificates:
            material.add_cert(cert.certificate, cert.friendly_name)
    if via_cryptography is not None:
        if via_cryptography.key is not None:
            material.add_key(via_cryptography.key)
        for item in ([via_cryptography.cert] if via_cryptography.cert else []) + list(
            via_cryptography.additional_certs
        ):
            material.add_cert(item.certificate, item.friendly_name)


def _cryptography_pkcs12(
    data: bytes, unlock: Unlock, source: str
) -> crypto_pkcs12.PKCS12KeyAndCertificates | None:
    """``cryptography``'s reading with the password our MAC check found, or None if it refuses."""
    password = unlock.secret.for_openssl if unlock.secret is not None else None
    with _ber_tolerated(source):
        try:
            return crypto_pkcs12.load_pkcs12(data, password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as e:
            log.debug("%s: cryptography's load_pkcs12 refused (%s); using our reader",
                      source, type(e).__name__)
            return None


@contextlib.contextmanager
def _ber_tolerated(source: str) -> Iterator[None]:
    """Swallow ``cryptography``'s "could not be parsed as DER, falling back to BER" warning.

    BER key files (NSS, old Windows, OpenSSL's unsorted SETs) are normal input
    here, not something the user can act on; it is logged at debug level, as is
    the warning about a certificate with serial number 0.  Other warnings are
    passed on unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        if "could not be parsed as DER" in str(warning.message):
            log.debug("%s: BER encoding accepted", source)
        elif SERIAL_WARNING in str(warning.message):
            log.debug("%s: a certificate with serial number 0 (or negative)", source)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
