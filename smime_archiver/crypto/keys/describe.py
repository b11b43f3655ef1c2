"""Human-facing description of one private key and the certificate paired with it."""

from __future__ import annotations

import warnings

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dh, dsa, ec, ed448, ed25519, rsa, x448, x25519

from smime_archiver.crypto.certs import certificate_facts
from smime_archiver.crypto.keys.keystore import sha1_key_identifier
from smime_archiver.model import KeyDescription, PrivateKeyEntry


def key_type_and_size(key: object) -> tuple[str, int]:
    """("RSA", 2048), ("EC secp256r1", 256), ("DSA", 2048), ... for a private or public key."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return "RSA", key.key_size
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return f"EC {key.curve.name}", key.curve.key_size
    if isinstance(key, (dsa.DSAPrivateKey, dsa.DSAPublicKey)):
        return "DSA", key.key_size
    if _is_dh(key):
        return "DH", key.key_size  # type: ignore[attr-defined]
    for cls, name, size in (
        ((ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey), "Ed25519", 256),
        ((ed448.Ed448PrivateKey, ed448.Ed448PublicKey), "Ed448", 456),
        ((x25519.X25519PrivateKey, x25519.X25519PublicKey), "X25519", 256),
        ((x448.X448PrivateKey, x448.X448PublicKey), "X448", 448),
    ):
        if isinstance(key, cls):
            return name, size
    return type(key).__name__, 0


def _is_dh(key: object) -> bool:
    # Touching cryptography's FFDH classes emits a deprecation warning; we only classify.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return isinstance(key, (dh.DHPrivateKey, dh.DHPublicKey))


def _own_ski(key: object) -> str | None:
    try:
        # RFC 5280 method 1 is what a sender computes when the certificate has no extension.
        return sha1_key_identifier(key.public_key()).hex()  # type: ignore[attr-defined]
    except (AttributeError, ValueError, TypeError):
        return None


def describe_key(
    private_key: object,
    certificate: x509.Certificate | None,
    source: str,
    friendly_name: str | None = None,
    origin: str = "key_file",
) -> KeyDescription:
    """What a user reads about a key; the certificate's side is read by asn1crypto.

    ``certificate`` must have passed :func:`certificate_facts` (key files leave
    out certificates whose names or dates are damaged).
    """
    key_type, key_size = key_type_and_size(private_key)
    if certificate is None:
        return KeyDescription(
            source=source,
            key_type=key_type,
            key_size=key_size,
            ski=_own_ski(private_key),
            friendly_name=friendly_name,
            origin=origin,
        )
    facts = certificate_facts(certificate)
    return KeyDescription(
        source=source,
        key_type=key_type,
        key_size=key_size,
        subject=facts.subject,
        issuer=facts.issuer,
        serial=facts.serial,
        not_before=facts.not_before,
        not_after=facts.not_after,
        ski=facts.ski.hex() if facts.ski else _own_ski(private_key),
        email=facts.email,
        friendly_name=friendly_name,
        origin=origin,
    )


def make_entry(
    private_key: object,
    certificate: x509.Certificate | None,
    source: str,
    chain: tuple = (),
    friendly_name: str | None = None,
    origin: str = "key_file",
) -> PrivateKeyEntry:
    return PrivateKeyEntry(
        private_key=private_key,
        certificate=certificate,
        description=describe_key(private_key, certificate, source, friendly_name, origin),
        chain=tuple(chain),
    )
