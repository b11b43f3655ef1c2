"""The signer's certificate of a SignerInfo: finding it, its key, and what it says.

Candidates come from the SignedData itself and from the caller (the key store's
certificates); nothing here checks a chain or asks the network.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

from asn1crypto import cms as acms
from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto.der import as_parsed, to_der
from smime_archiver.crypto.names import format_name, same_name

_DSA_KEY = akeys.PublicKeyAlgorithmId.unmap("dsa")
_RSASSA_PSS_KEY = akeys.PublicKeyAlgorithmId.unmap("rsassa_pss")


def to_asn1_certificate(cert: object) -> ax509.Certificate | None:
    """An asn1crypto certificate from one, a ``cryptography`` one or DER bytes (else None)."""
    try:
        if isinstance(cert, ax509.Certificate):
            return cert
        if isinstance(cert, (bytes, bytearray)):
            return ax509.Certificate.load(bytes(cert))
        if isinstance(cert, x509.Certificate):
            return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    except ValueError:
        return None
    return None


def signer_candidates(sd: acms.SignedData, extra: Iterable) -> list[ax509.Certificate]:
    """The certificates a signer may have used: those in ``sd``, then ``extra``."""
    found: list[ax509.Certificate] = []
    for choice in sd["certificates"] or []:
        if choice.name == "certificate":
            found.append(choice.chosen)
    for cert in extra:
        asn1 = to_asn1_certificate(cert)
        if asn1 is not None:
            found.append(asn1)
    return found


def find_signer_certificate(sid: acms.SignerIdentifier, certs: Sequence[ax509.Certificate]):
    """The certificate ``sid`` names (issuer and serial, or subject key identifier)."""
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"]
        serial = sid.chosen["serial_number"].native
        for cert in certs:
            try:
                if cert.serial_number == serial and same_name(cert.issuer, issuer):
                    return cert
            except ValueError:
                continue
        return None
    ski = sid.chosen.native
    for cert in certs:
        try:
            ids = {cert.key_identifier} if cert.key_identifier else set()
            bits = cert.public_key["public_key"].contents[1:]
            ids.add(hashlib.sha1(bits).digest())
            ids.add(hashlib.sha256(bits).digest()[:20])
        except ValueError:
            continue
        if ski in ids:
            return cert
    return None


def signer_public_key(cert: ax509.Certificate, certs: Sequence[ax509.Certificate] = ()):
    """The certificate's public key as ``cryptography`` loads it (DSA parameters inherited)."""
    spki = cert.public_key
    algorithm = spki["algorithm"]["algorithm"].dotted
    if algorithm == _DSA_KEY and spki["algorithm"]["parameters"].native is None:
        spki = _inherit_dsa_parameters(cert, certs)
    try:  # the key as read (a BER certificate's made DER byte by byte), not re-encoded
        return serialization.load_der_public_key(to_der(as_parsed(spki)))
    except (ValueError, UnsupportedAlgorithm):
        if algorithm != _RSASSA_PSS_KEY:
            raise
    # An RSASSA-PSS key (id-RSASSA-PSS in the certificate): the key itself is plain RSA.
    plain = ax509.PublicKeyInfo(
        {"algorithm": {"algorithm": "rsa"}, "public_key": spki["public_key"].parsed}
    )
    return serialization.load_der_public_key(plain.dump())


def _inherit_dsa_parameters(cert: ax509.Certificate, certs: Sequence[ax509.Certificate]):
    """RFC 3279 §2.3.2: a DSA key without parameters takes its issuer's."""
    seen = 0
    current = cert
    while seen < 8:
        seen += 1
        issuer = next(
            (c for c in certs if c is not current and same_name(c.subject, current.issuer)),
            None,
        )
        if issuer is None:
            break
        params = issuer.public_key["algorithm"]["parameters"]
        if issuer.public_key["algorithm"]["algorithm"].dotted == _DSA_KEY and (
            params.native is not None
        ):
            return ax509.PublicKeyInfo({
                "algorithm": {"algorithm": "dsa", "parameters": params},
                "public_key": cert.public_key["public_key"],
            })
        current = issuer
    raise ValueError("DSA key without parameters and no issuer to inherit them from")


def certificate_email(cert: ax509.Certificate) -> str | None:
    """The e-mail address the certificate is for (subjectAltName, else the subject)."""
    try:
        for general_name in cert.subject_alt_name_value or []:
            if general_name.name == "rfc822_name":
                return general_name.native
        native = cert.subject.native
    except ValueError:
        return None
    email = native.get("email_address") if isinstance(native, dict) else None
    if isinstance(email, list):
        email = email[0]
    return email or None


def validity_period(cert: ax509.Certificate) -> tuple[dt.datetime | None, dt.datetime | None]:
    """notBefore and notAfter (each ``None`` when unreadable)."""
    validity = cert["tbs_certificate"]["validity"]
    out = []
    for key in ("not_before", "not_after"):
        try:
            out.append(validity[key].native)
        except ValueError:
            out.append(None)
    return out[0], out[1]


def safe_name(name: ax509.Name) -> str | None:
    """The name as text, ``None`` when it cannot be read."""
    try:
        return format_name(name)
    except (ValueError, TypeError):
        return None
