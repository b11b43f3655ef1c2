"""Single private keys in PEM and DER: PKCS#1, SEC1, PKCS#8, encrypted PKCS#8, old encrypted PEM.

``cryptography`` is tried first for every password candidate; when it refuses
(e.g. pbeWithSHAAnd2-KeyTripleDES-CBC, PBES2 with single DES, a ``DEK-Info:
DES-CBC`` PEM header) our own :mod:`.pbe` code decrypts.  Our code also
decides "wrong password" exactly (padding and a well-formed result), so a
damaged key is not mistaken for a wrong password and vice versa.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from asn1crypto import keys
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto import der
from smime_archiver.crypto.keys import keyerrors, pbe
from smime_archiver.crypto.keys.passwords import (
    PasswordFeed,
    Secret,
    Text,
    bmp_secrets,
    octet_secrets,
)
from smime_archiver.crypto.keys.pkcs12 import load_private_key_info
from smime_archiver.errors import KeyFileError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

# OpenSSL's traditional PEM encryption (EVP_BytesToKey with MD5): DEK-Info name ->
# (cipher, key length, effective RC2 bits)
_PEM_CIPHERS = {
    "DES-CBC": ("des", 8, 0),
    "DES-EDE-CBC": ("3des", 16, 0),
    "DES-EDE3-CBC": ("3des", 24, 0),
    "AES-128-CBC": ("aes", 16, 0),
    "AES-192-CBC": ("aes", 24, 0),
    "AES-256-CBC": ("aes", 32, 0),
    "RC2-CBC": ("rc2", 16, 128),
    "RC2-64-CBC": ("rc2", 8, 64),
    "RC2-40-CBC": ("rc2", 5, 40),
}


class SkippedKey(Exception):
    """A well-formed key of a type ``cryptography`` cannot load (reported, not fatal)."""

    def __init__(self, key_type: str):
        super().__init__(key_type)
        self.key_type = key_type


def der_kind(data: bytes) -> str | None:
    """``"encrypted_pkcs8"``, ``"private_key"``, ``"certificate"``, ``"pkcs7"`` or None."""
    try:
        kids = der.children(data, limit=3)
        if not kids:
            return None
        first, pos = kids[0]
        if first.tag == 0x06:
            oid = der.primitive_value(data, pos)
            return "pkcs7" if oid == bytes.fromhex("2a864886f70d010702") else None
    except (der.DerError, IndexError):
        return None
    tags = [head.tag for head, _pos in kids]
    if tags[0] == 0x02 and len(tags) >= 2:
        return "private_key"
    if tags == [0x30, 0x04]:
        return "encrypted_pkcs8"
    if tags == [0x30, 0x30, 0x03]:
        return "certificate"
    return None


def load_plain_key(der_bytes: bytes, source: str) -> object:
    """An unencrypted PKCS#1/SEC1/PKCS#8/DSA key; raises :class:`SkippedKey` or KeyFileError."""
    try:
        return serialization.load_der_private_key(der_bytes, None)
    except UnsupportedAlgorithm as e:
        raise SkippedKey(_key_type_name(der_bytes)) from e
    except (ValueError, TypeError) as first:
        try:
            return load_private_key_info(der_bytes)
        except UnsupportedAlgorithm as e:
            raise SkippedKey(_key_type_name(der_bytes)) from e
        except (ValueError, TypeError):
            raise keyerrors.damaged(source, _("the private key does not parse")) from first


def _key_type_name(der_bytes: bytes) -> str:
    try:
        algorithm = keys.PrivateKeyInfo.load(der_bytes)["private_key_algorithm"]["algorithm"]
        return algorithm.dotted
    except (ValueError, TypeError, KeyError):
        return _("unknown")


def _search(
    feed: PasswordFeed,
    source: str,
    by_cryptography: Callable[[bytes], object],
    ours: Callable[[Secret], bytes | None] | None,
    spellings: Callable[[Text], list[Secret]],
) -> tuple[object, Text]:
    """For each candidate: ``cryptography`` with its UTF-8 spellings, then our decryption.

    ``ours`` returns plaintext PKCS#8/PKCS#1 DER or None (wrong password); None
    as a whole means our code does not know the algorithm.
    """
    tried_crypto: set[bytes] = set()
    tried_ours: set[bytes] = set()
    crypto_said_password = False
    for text in feed:
        for secret in octet_secrets(text):
            if secret.for_openssl is None:  # spellings only our own code can try
                continue
            password = secret.for_openssl
            if password in tried_crypto:
                continue
            tried_crypto.add(password)
            try:
                return by_cryptography(password), text
            except UnsupportedAlgorithm as e:
                raise SkippedKey(_("unknown")) from e
            except (ValueError, TypeError) as e:
                crypto_said_password |= "incorrect password" in str(e).lower()
                log.debug("%s: cryptography refused (%s)", source, type(e).__name__)
        if ours is None:
            continue
        for secret in spellings(text):
            if secret.data in tried_ours:
                continue
            tried_ours.add(secret.data)
            plain = ours(secret)
            if plain is not None:
                log.debug("%s: decrypted by our code (spelling %s)", source, secret.label)
                return load_plain_key(plain, source), text
    if ours is None and not crypto_said_password:
        raise _Unsupported
    raise keyerrors.wrong_password(source, feed.typed_count)


class _Unsupported(Exception):
    """Our code lacks the algorithm and ``cryptography`` never said "wrong password"."""


def load_encrypted_pkcs8(der_bytes: bytes, source: str, feed: PasswordFeed) -> object:
    """An EncryptedPrivateKeyInfo (DER), trying every password candidate."""
    try:
        info = keys.EncryptedPrivateKeyInfo.load(der_bytes)
        algorithm = info["encryption_algorithm"]
        ciphertext = info["encrypted_data"].native
        oid = algorithm["algorithm"].dotted
    except (ValueError, TypeError, KeyError) as e:
        raise keyerrors.damaged(source, _("the encrypted private key does not parse")) from e
    plan: pbe.Plan | None = None
    problem: pbe.PBEError | None = None
    try:
        plan = pbe.plan(algorithm)
    except pbe.PBEError as e:
        problem = e

    ours = None
    if plan is not None:
        active = plan

        def ours(secret: Secret) -> bytes | None:
            try:
                plain = active.decrypt(ciphertext, secret.data)
            except pbe.DecryptionFailed:
                return None
            except pbe.PBEError as e:
                raise keyerrors.damaged(source, str(e)) from e
            return plain if der.is_well_formed(plain) else None

    spellings = bmp_secrets if plan is not None and plan.secret_kind == "bmp" else octet_secrets
    try:
        key, text = _search(
            feed, source,
            lambda password: serialization.load_der_private_key(der_bytes, password),
            ours, spellings,
        )
    except _Unsupported:
        if isinstance(problem, pbe.UnsupportedPBEError):
            raise keyerrors.unsupported(source, problem.oid, problem.name) from problem
        raise keyerrors.damaged(source, str(problem or oid)) from problem
    feed.opened_with = text
    return key


def evp_bytes_to_key(secret: bytes, salt: bytes, length: int) -> bytes:
    """OpenSSL's EVP_BytesToKey with MD5 and one iteration (traditional PEM encryption)."""
    out = b""
    block = b""
    while len(out) < length:
        block = hashlib.md5(block + secret + salt).digest()
        out += block
    return out[:length]


def load_legacy_pem(pem_text: bytes, der_body: bytes, dek_info: str, source: str,
                    feed: PasswordFeed) -> object:
    """A ``Proc-Type: 4,ENCRYPTED`` PEM key (PKCS#1/SEC1/DSA encrypted by OpenSSL's PEM layer)."""
    name, _sep, iv_hex = dek_info.partition(",")
    name = name.strip().upper()
    try:
        iv = bytes.fromhex(iv_hex.strip())
    except ValueError as e:
        raise keyerrors.damaged(source, _("the DEK-Info header is malformed")) from e
    spec = _PEM_CIPHERS.get(name)
    ours = None
    if spec is not None:
        cipher, key_length, rc2_bits = spec

        def ours(secret: Secret) -> bytes | None:
            key = evp_bytes_to_key(secret.data, iv[:8], key_length)
            try:
                plain = pbe.run_cipher(cipher, key, iv, der_body, rc2_bits, decrypt=True)
            except pbe.DecryptionFailed:
                return None
            except pbe.PBEError as e:
                raise keyerrors.damaged(source, str(e)) from e
            return plain if der.is_well_formed(plain) else None

    try:
        key, text = _search(
            feed, source,
            lambda password: serialization.load_pem_private_key(pem_text, password),
            ours, octet_secrets,
        )
    except _Unsupported:
        raise KeyFileError(
            _(
                "{file} is encrypted with {cipher}, which this program does not support. "
                "Export the key again with another program (for example as PKCS#12 with "
                "AES-256) and try again."
            ).format(file=source, cipher=name),
            source=source,
        ) from None
    feed.opened_with = text
    return key
