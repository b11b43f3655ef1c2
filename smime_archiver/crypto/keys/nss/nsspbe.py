"""NSS's password-based encryption of key-database items (``lib/softoken/lowpbe.c``).

Both database generations first turn the primary password into a 20-byte
"password key": ``SHA-1(global salt || password)`` (UTF-8 octets, no
terminator).  That key, not the password, is the secret of every PBE below:

* ``1.2.840.113549.1.12.5.1.x``, the PKCS#12 *v1* PBE identifiers (3DES-CBC,
  RC2-CBC, RC4) as NSS implements them: PBKDF1 with SHA-1, stretched when more
  bytes are needed by NSS's HMAC-SHA-1 extension (``nsspkcs5_PFXPBE``); the
  key is the first bytes, the IV the *last* bytes.  ``key3.db`` and older
  ``key4.db`` files use pbeWithSha1AndTripleDES-CBC (``.3``).
* ``1.2.840.113549.1.12.1.x``, the PKCS#12 v2 identifiers (RFC 7292's KDF, fed
  the password key as is, not as a BMPString).
* PBES2 (PBKDF2, usually HMAC-SHA-256, AES-256-CBC), what NSS 3.47+ writes.
  NSS stores the AES IV's DER encoding minus its header: a 14-byte OCTET
  STRING whose 16-byte IV is ``04 0e`` followed by those bytes.
* RC4 (``1.2.840.113549.3.4``) keyed by ``MD5(entry salt || password key)``,
  in version-2 ``key3.db`` files of the 1990s.

An item is DER ``SEQUENCE { AlgorithmIdentifier, OCTET STRING }``; the
password check and the password-check entry of ``key3.db`` carry the
algorithm outside the DER (see :mod:`.legacydb`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from dataclasses import dataclass

from asn1crypto import algos, keys

from smime_archiver.crypto.keys import pbe
from smime_archiver.i18n import _

PBES2 = algos.EncryptionAlgorithmId.unmap("pbes2")
RC4 = algos.EncryptionAlgorithmId.unmap("rc4")
# PKCS#12 v1 PBE ids (asn1crypto does not know them): oid -> (cipher, key length, IV length)
_V1 = {
    "1.2.840.113549.1.12.5.1.1": ("rc4", 16, 0),
    "1.2.840.113549.1.12.5.1.2": ("rc4", 5, 0),
    "1.2.840.113549.1.12.5.1.3": ("3des", 24, 8),
    "1.2.840.113549.1.12.5.1.4": ("rc2", 16, 8),
    "1.2.840.113549.1.12.5.1.5": ("rc2", 5, 8),
}
TRIPLE_DES_V1 = "1.2.840.113549.1.12.5.1.3"  # the one key3.db's password check uses
_SHA1 = 20


class ItemError(ValueError):
    """The item is not an NSS encrypted item we understand (damaged, or unknown algorithm)."""


class UnknownAlgorithm(ItemError):
    def __init__(self, oid: str, name: str | None = None):
        super().__init__(f"unsupported algorithm {name or oid}")
        self.oid = oid
        self.name = name or oid


class WrongKey(ValueError):
    """The padding is wrong: the password key does not fit."""


def password_key(global_salt: bytes, password: bytes) -> bytes:
    """NSS's ``sftkdb_passwordToKey`` / ``nsslowkey_HashPassword``."""
    return hashlib.sha1(global_salt + password).digest()


@dataclass(frozen=True)
class Item:
    """One encrypted item: its algorithm and its ciphertext."""

    algorithm: algos.EncryptionAlgorithm | None  # None for the bare-OID forms of key3.db
    oid: str
    ciphertext: bytes
    salt: bytes = b""  # for key3.db's bare-OID form: the entry's salt, iteration count 1


def parse_item(der_bytes: bytes) -> Item:
    """``SEQUENCE { AlgorithmIdentifier, OCTET STRING }``; :class:`ItemError` if it is not."""
    try:
        seq = keys.EncryptedPrivateKeyInfo.load(der_bytes)
        algorithm = seq["encryption_algorithm"]
        oid = algorithm["algorithm"].dotted
        ciphertext = seq["encrypted_data"].native
    except (ValueError, TypeError, KeyError) as e:
        raise ItemError(_("the encrypted item does not parse")) from e
    if not isinstance(ciphertext, bytes):
        raise ItemError(_("the encrypted item has no ciphertext"))
    return Item(algorithm, oid, ciphertext)


def decrypt(item: Item, key: bytes) -> bytes:
    """The plaintext of ``item`` under the password key ``key``.

    Raises :class:`WrongKey` (bad padding: most likely another password),
    :class:`UnknownAlgorithm` or :class:`ItemError` (damaged parameters).
    """
    if item.oid in _V1:
        salt, iterations = _v1_params(item)
        return _v1_decrypt(item.oid, salt, iterations, key, item.ciphertext)
    if item.oid == RC4:
        return _rc4(hashlib.md5(item.salt + key).digest(), item.ciphertext)
    if item.algorithm is None:
        raise UnknownAlgorithm(item.oid)
    if item.oid == PBES2:
        return _pbes2(item.algorithm, key, item.ciphertext)
    try:
        plan = pbe.plan(item.algorithm)  # the PKCS#12 v2 ids and PBES1
        return plan.decrypt(item.ciphertext, key)
    except pbe.DecryptionFailed as e:
        raise WrongKey() from e
    except pbe.UnsupportedPBEError as e:
        raise UnknownAlgorithm(e.oid, e.name) from e
    except pbe.PBEError as e:
        raise ItemError(str(e)) from e


def _v1_params(item: Item) -> tuple[bytes, int]:
    if item.algorithm is None:  # key3.db's password check: the entry salt, one iteration
        return item.salt, 1
    try:
        params = algos.Pbes1Params.load(item.algorithm["parameters"].dump())
        salt, iterations = params["salt"].native, params["iterations"].native
    except (ValueError, TypeError, KeyError) as e:
        raise ItemError(_("the PBE parameters are malformed")) from e
    if not isinstance(salt, bytes) or not 1 <= iterations <= pbe.MAX_ITERATIONS:
        raise ItemError(_("the PBE parameters are out of range"))
    return salt, iterations


def v1_key_and_iv(salt: bytes, iterations: int, secret: bytes, key_len: int,
                  iv_len: int) -> tuple[bytes, bytes]:
    """``nsspkcs5_PBKDF1Extended``: SHA-1 PBKDF1, stretched by ``nsspkcs5_PFXPBE``."""
    digest = secret + salt
    for _round in range(iterations):
        digest = hashlib.sha1(digest).digest()
    needed = key_len + iv_len
    if needed > _SHA1:
        out = bytearray()
        state = salt.ljust(_SHA1, b"\0")
        while len(out) < needed:
            out += hmac.new(digest, state + salt, "sha1").digest()
            state = hmac.new(digest, state, "sha1").digest()
        digest = bytes(out)
    return digest[:key_len], (digest[len(digest) - iv_len :] if iv_len else b"")


def _v1_decrypt(oid: str, salt: bytes, iterations: int, key: bytes, data: bytes) -> bytes:
    cipher, key_len, iv_len = _V1[oid]
    cipher_key, iv = v1_key_and_iv(salt, iterations, key, key_len, iv_len)
    try:
        return pbe.run_cipher(cipher, cipher_key, iv, data, key_len * 8, decrypt=True)
    except pbe.DecryptionFailed as e:
        raise WrongKey() from e
    except pbe.PBEError as e:
        raise ItemError(str(e)) from e


def v1_encrypt(oid: str, salt: bytes, iterations: int, key: bytes, data: bytes) -> bytes:
    """The inverse of the v1 decryption (for fixtures that no NSS tool writes any more)."""
    cipher, key_len, iv_len = _V1[oid]
    cipher_key, iv = v1_key_and_iv(salt, iterations, key, key_len, iv_len)
    return pbe.run_cipher(cipher, cipher_key, iv, data, key_len * 8, decrypt=False)


def _rc4(key: bytes, data: bytes) -> bytes:
    return pbe.run_cipher("rc4", key, b"", data, 0, decrypt=True)


def _pbes2(algorithm: algos.EncryptionAlgorithm, key: bytes, data: bytes) -> bytes:
    try:
        plan = pbe.plan(algorithm)
        if plan.cipher == "aes" and len(plan.iv) == 14:  # NSS's IV: see the module docstring
            plan = dataclasses.replace(plan, iv=b"\x04\x0e" + plan.iv)
        return plan.decrypt(data, key)
    except pbe.DecryptionFailed as e:
        raise WrongKey() from e
    except pbe.UnsupportedPBEError as e:
        raise UnknownAlgorithm(e.oid, e.name) from e
    except pbe.PBEError as e:
        raise ItemError(str(e)) from e
