"""What a token holds: its private keys, each paired with its certificate(s).

A key and its certificate are paired by public key: the certificate's key must
be the private key's (RSA modulus and exponent; for EC the point of the public
key object or certificate that shares its ``CKA_ID``).  So a certificate
stored under another ``CKA_ID`` than its key still pairs, and an ID that two
objects share by mistake pairs nothing wrong.  Certificates that pair with no
key (the CA chain) travel with every entry of the token.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass, PKCS11Error

from smime_archiver.crypto.keys.describe import make_entry
from smime_archiver.crypto.keys.pkcs11 import texts
from smime_archiver.crypto.keys.pkcs11.keys import (
    TokenECPrivateKey,
    TokenKeyRef,
    TokenRSAPrivateKey,
)
from smime_archiver.crypto.keys.pkcs11.module import TokenRef, open_module
from smime_archiver.crypto.keys.pkcs11.session import PinSource, TokenSession, login, reopen
from smime_archiver.errors import TokenError
from smime_archiver.model import PrivateKeyEntry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _KeyObject:
    key_id: bytes
    label: str
    kind: str  # "rsa" | "ec" | another CKK name
    public: object | None  # a cryptography public key, when the token shows it
    curve_oid: str | None
    always_authenticate: bool


@dataclass(frozen=True)
class _PublicObject:
    key_id: bytes
    public: object


def _get(obj, attribute, default=None):
    try:
        return obj[attribute]
    except PKCS11Error:
        return default
    except (KeyError, ValueError, TypeError):  # python-pkcs11 cannot decode the value
        return default


def _spki(public: object) -> bytes:
    return public.public_bytes(serialization.Encoding.DER,  # type: ignore[attr-defined]
                               serialization.PublicFormat.SubjectPublicKeyInfo)


def _curve(oid: str | None) -> ec.EllipticCurve | None:
    if oid is None:
        return None
    try:
        return ec.get_curve_for_oid(x509.ObjectIdentifier(oid))()
    except (LookupError, ValueError):
        return None


def _ec_public(params: bytes | None, point: bytes | None) -> ec.EllipticCurvePublicKey | None:
    curve = _curve(_curve_oid(params))
    if curve is None or not point:
        return None
    size = (curve.key_size + 7) // 8
    if not (point[0] == 4 and len(point) == 2 * size + 1):
        try:  # the standard form is a DER OCTET STRING around the point
            point = core.OctetString.load(point).native
        except ValueError:
            return None
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError:
        return None


def _curve_oid(params: bytes | None) -> str | None:
    if not params:
        return None
    try:
        return core.ObjectIdentifier.load(params).dotted
    except ValueError:
        return None  # explicit curve parameters: not supported


def _read_key(obj) -> _KeyObject:
    key_type = _get(obj, Attribute.KEY_TYPE)
    key_id = bytes(_get(obj, Attribute.ID, b"") or b"")
    label = _get(obj, Attribute.LABEL, "") or ""
    always = bool(_get(obj, Attribute.ALWAYS_AUTHENTICATE, False))
    if key_type == KeyType.RSA:
        n, e = _get(obj, Attribute.MODULUS), _get(obj, Attribute.PUBLIC_EXPONENT)
        public = None
        if n and e:
            public = rsa.RSAPublicNumbers(int.from_bytes(e, "big"),
                                          int.from_bytes(n, "big")).public_key()
        return _KeyObject(key_id, label, "rsa", public, None, always)
    if key_type == KeyType.EC:
        # an EC private key does not show its point: the public key comes from the
        # public key object or certificate with its CKA_ID
        oid = _curve_oid(_get(obj, Attribute.EC_PARAMS))
        return _KeyObject(key_id, label, "ec", None, oid, always)
    kind = getattr(key_type, "name", str(key_type))
    return _KeyObject(key_id, label, kind, None, None, always)


def _read_public(obj) -> _PublicObject | None:
    key_type = _get(obj, Attribute.KEY_TYPE)
    key_id = bytes(_get(obj, Attribute.ID, b"") or b"")
    if key_type == KeyType.EC:
        public = _ec_public(_get(obj, Attribute.EC_PARAMS), _get(obj, Attribute.EC_POINT))
        return _PublicObject(key_id, public) if public is not None else None
    return None  # an RSA key shows its public half itself


def _read_certificate(obj) -> tuple[bytes, x509.Certificate] | None:
    value = _get(obj, Attribute.VALUE)
    if not value:
        return None
    try:
        return bytes(_get(obj, Attribute.ID, b"") or b""), x509.load_der_x509_certificate(
            bytes(value))
    except ValueError as e:
        log.info("a certificate on the token cannot be read: %s", e)
        return None


def _inventory(session):
    keys = [_read_key(o) for o in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY})]
    publics = [p for p in (_read_public(o) for o in
                           session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY}))
               if p is not None]
    certs = [c for c in (_read_certificate(o) for o in session.get_objects(
        {Attribute.CLASS: ObjectClass.CERTIFICATE,
         Attribute.CERTIFICATE_TYPE: CertificateType.X_509})) if c is not None]
    return keys, publics, certs


def _ec_public_for(key: _KeyObject, publics: list[_PublicObject],
                   certs: list[tuple[bytes, x509.Certificate]]) -> object | None:
    """The public key of an EC private key (which does not show its point itself)."""
    if key.public is not None:
        return key.public
    for obj in publics:
        if obj.key_id == key.key_id:
            return obj.public
    for cert_id, cert in certs:
        public = cert.public_key()
        if cert_id == key.key_id and isinstance(public, ec.EllipticCurvePublicKey) and (
            key.curve_oid is None or public.curve.name == getattr(_curve(key.curve_oid),
                                                                   "name", None)):
            return public
    return None


def token_entries(session: TokenSession,
                  on_warning: Callable[[str], None] | None = None) -> list[PrivateKeyEntry]:
    """Every usable private key on the token, one entry per certificate it pairs with."""
    session.ensure_present()
    keys, publics, certs = session.run(_inventory)
    warn = on_warning or (lambda text: log.warning("%s", text))
    token = session.describe()
    paired: set[int] = set()
    found: list[tuple[_KeyObject, object, list[x509.Certificate]]] = []
    for key in keys:
        name = key.label or key.key_id.hex() or "?"
        if key.kind not in ("rsa", "ec"):
            warn(texts.key_unusable(name, token, key.kind))
            continue
        public = key.public if key.kind == "rsa" else _ec_public_for(key, publics, certs)
        if public is None:
            warn(texts.key_without_public(name, token))
            continue
        spki = _spki(public)
        indexes = [i for i, (_id, cert) in enumerate(certs) if _spki(cert.public_key()) == spki]
        paired.update(indexes)
        indexes.sort(key=lambda i: certs[i][1].not_valid_before_utc)
        found.append((key, public, [certs[i][1] for i in indexes]))
    chain = tuple(cert.public_bytes(serialization.Encoding.DER)
                  for i, (_id, cert) in enumerate(certs) if i not in paired)
    entries = []
    for key, public, paired_certs in found:
        choices: list[x509.Certificate | None] = list(paired_certs) or [None]
        for cert in choices:
            ref = TokenKeyRef(session.ref, key.key_id, key.label, key.kind, _spki(public),
                              cert.public_bytes(serialization.Encoding.DER) if cert else None,
                              chain, key.always_authenticate)
            entries.append(_entry(session, ref, public, cert))
    log.info("token %s: %d key entries", session.ref.serial, len(entries))
    return entries


def _entry(session: TokenSession, ref: TokenKeyRef, public: object,
           cert: x509.Certificate | None) -> PrivateKeyEntry:
    key: TokenRSAPrivateKey | TokenECPrivateKey
    if isinstance(public, rsa.RSAPublicKey):
        key = TokenRSAPrivateKey(session, ref, public)
    elif isinstance(public, ec.EllipticCurvePublicKey):
        key = TokenECPrivateKey(session, ref, public)
    else:  # pragma: no cover - _read_key only makes RSA and EC keys
        raise TypeError(type(public).__name__)
    chain = tuple(x509.load_der_x509_certificate(der) for der in ref.chain_der)
    return make_entry(key, cert, ref.uri, chain, ref.label or None)


def entry_for(session: TokenSession, ref: TokenKeyRef) -> PrivateKeyEntry:
    """The entry ``ref`` describes, on ``session`` (checked to be on the token now)."""
    public = serialization.load_der_public_key(ref.public_key_der)
    cert = x509.load_der_x509_certificate(ref.certificate_der) if ref.certificate_der else None
    entry = _entry(session, ref, public, cert)
    entry.private_key.check()
    return entry


def open_token_keys(
    module: str | os.PathLike,
    pins: PinSource,
    *,
    on_warning: Callable[[str], None] | None = None,
) -> tuple[list[PrivateKeyEntry], list[TokenError]]:
    """Every key of every token of ``module``; never raises for one token.

    Like :func:`~smime_archiver.crypto.keys.keyfiles.load_key_files`: what could not
    be used comes back as errors (module missing, no token, wrong PIN...), each
    naming the module or token, and the other tokens still load.
    """
    entries: list[PrivateKeyEntry] = []
    errors: list[TokenError] = []
    try:
        tokens = open_module(module).tokens()
    except TokenError as e:
        return entries, [e]
    for info in tokens:
        try:
            session = login(info, pins)
            entries.extend(token_entries(session, on_warning))
        except TokenError as e:
            log.info("token %s not used: %s", info.serial, type(e).__name__)
            errors.append(e)
    return entries, errors


def reopen_entries(refs: Sequence[TokenKeyRef],
                   pins: Mapping[TokenRef, str | None]) -> list[PrivateKeyEntry]:
    """The token keys ``refs`` in this process (a worker), in the same order.

    Each token is logged in to once, with its PIN from ``pins`` (one try: the
    PIN worked in the parent).  Raises :class:`TokenError` when a token or a key
    is not there any more, or the PIN no longer fits.
    """
    return [entry_for(reopen(ref.token, pins.get(ref.token)), ref) for ref in refs]
