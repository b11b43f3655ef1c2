"""Certificates from key files: carried by ``cryptography``, read by asn1crypto.

``cryptography`` refuses to decode some names that old CAs really wrote (a
T61String holding Latin-1 bytes, ``L=Düsseldorf``) and warns that it will one
day refuse serial number 0, which many old root and test CAs carry.  So a
``cryptography`` certificate is used here only for what it does well (holding
the DER, giving the public key), and everything a user reads about a
certificate (names, serial number, dates, key identifier, e-mail address) is
read from its bytes as they are with asn1crypto, which decodes such names.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from dataclasses import dataclass

from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

from smime_archiver.crypto import der
from smime_archiver.crypto.names import format_name

log = logging.getLogger(__name__)

# cryptography's warning about serial number 0 (or a negative one): what the certificate
# says, shown as it is, and nothing a user can act on.
SERIAL_WARNING = "Parsed a serial number which wasn't positive"
_PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


@dataclass(frozen=True)
class CertificateFacts:
    subject: str
    issuer: str
    serial: int
    not_before: dt.datetime
    not_after: dt.datetime
    ski: bytes | None
    email: str | None


def load_der_certificate(data: bytes) -> x509.Certificate:
    """A ``cryptography`` certificate from DER, or from BER made DER.

    BER is turned into DER byte by byte first (:func:`der.to_der`, which never
    decodes a string); only if that does not do, asn1crypto re-encodes it
    (which also makes integers minimal, but cannot write every string).
    Raises ``ValueError`` when the bytes are no certificate.  Its names are not
    decoded here (see :func:`certificate_facts`).
    """
    try:
        return _load(data)
    except (ValueError, x509.InvalidVersion) as first:  # InvalidVersion is no ValueError
        tried = {data}
        for convert in (der.to_der, _reencoded):
            try:
                converted = convert(data)
            except _PARSE_ERRORS:  # DerError, or a string asn1crypto cannot write back
                continue
            if converted in tried:
                continue
            tried.add(converted)
            try:
                return _load(converted)
            except (ValueError, x509.InvalidVersion):
                continue
        raise ValueError(str(first)) from first


def _reencoded(data: bytes) -> bytes:
    return bytes(ax509.Certificate.load(data).dump(force=True))


def _load(data: bytes) -> x509.Certificate:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=SERIAL_WARNING,
                                category=CryptographyDeprecationWarning)
        return x509.load_der_x509_certificate(data)


def asn1_certificate(cert: x509.Certificate) -> ax509.Certificate:
    return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def certificate_facts(cert: x509.Certificate | ax509.Certificate) -> CertificateFacts:
    """What a certificate says about itself; ``ValueError`` when its names or dates are damaged."""
    acert = cert if isinstance(cert, ax509.Certificate) else asn1_certificate(cert)
    try:
        tbs = acert["tbs_certificate"]
        subject, issuer = tbs["subject"], tbs["issuer"]
        list(subject.chosen), list(issuer.chosen)  # the shape of both names
        validity = tbs["validity"]
        not_before = validity["not_before"].native
        not_after = validity["not_after"].native
        serial = tbs["serial_number"].native
        ski = _key_identifier(acert)
    except (KeyError, TypeError) as e:
        raise ValueError(f"damaged certificate: {e}") from e
    if not isinstance(not_before, dt.datetime) or not isinstance(not_after, dt.datetime):
        raise ValueError("certificate dates cannot be read")
    if serial <= 0:
        log.debug("certificate with serial number %d", serial)
    return CertificateFacts(
        subject=format_name(subject),
        issuer=format_name(issuer),
        serial=serial,
        not_before=_utc(not_before),
        not_after=_utc(not_after),
        ski=ski,
        email=_email(acert),
    )


def _key_identifier(acert: ax509.Certificate) -> bytes | None:
    try:
        return acert.key_identifier
    except ValueError:  # a damaged extension: the key's own identifier is used instead
        return None


def _email(acert: ax509.Certificate) -> str | None:
    try:
        for general_name in acert.subject_alt_name_value or []:
            if general_name.name == "rfc822_name":
                return str(general_name.native)
    except ValueError:
        pass
    try:
        native = acert.subject.native
    except ValueError:
        return None
    email = native.get("email_address") if isinstance(native, dict) else None
    if isinstance(email, list):
        email = email[0]
    return str(email) if email else None


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def public_key_spki(public_key: object) -> bytes | None:
    """The DER SubjectPublicKeyInfo of a public key; ``None`` for one that cannot say."""
    try:
        return public_key.public_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    except (ValueError, TypeError, AttributeError, UnsupportedAlgorithm):
        return None


def certificate_spki(cert: x509.Certificate) -> bytes | None:
    """:func:`public_key_spki` of a certificate's key (``None`` for an unknown key type)."""
    try:
        return public_key_spki(cert.public_key())
    except (ValueError, UnsupportedAlgorithm):
        return None
