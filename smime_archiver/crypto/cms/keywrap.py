"""Key wrap for key agreement recipients: AES (RFC 3394/5649) and Triple-DES (RFC 3217).

AES key wrap comes from ``cryptography``; the CMS Triple-DES key wrap
(id-alg-CMS3DESwrap, 1.2.840.113549.1.9.16.3.6) is written out here, in both
directions (wrapping is used by the tests to build messages).
"""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import keywrap
from cryptography.hazmat.primitives.ciphers import Cipher, modes

# RFC 3217 section 3.1 step 8 / 3.2 step 2: the fixed IV of the second encryption pass.
_RFC3217_IV = bytes.fromhex("4adda22c79e82105")


class UnwrapError(ValueError):
    """The wrapped key failed its integrity check: wrong key-encryption key or damage."""


def unwrap_aes(kek: bytes, wrapped: bytes, *, padded: bool = False) -> bytes:
    """RFC 3394 (or RFC 5649 when ``padded``) AES key unwrap with its integrity check."""
    try:
        if padded:
            return keywrap.aes_key_unwrap_with_padding(kek, wrapped)
        return keywrap.aes_key_unwrap(kek, wrapped)
    except (keywrap.InvalidUnwrap, ValueError) as e:
        raise UnwrapError(f"AES key unwrap failed: {e}") from e


def _tdes_cbc(kek: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    cipher = Cipher(TripleDES(kek), modes.CBC(iv))
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    return ctx.update(data) + ctx.finalize()


def _icv(cek: bytes) -> bytes:
    return hashlib.sha1(cek).digest()[:8]


def wrap_3des(kek: bytes, cek: bytes, iv: bytes | None = None) -> bytes:
    """RFC 3217 section 3.1: wrap ``cek`` (a multiple of 8 bytes) under a 3DES ``kek``.

    The CEK is wrapped as given (parity bits untouched), as OpenSSL does, so
    that a wrapped AES key survives the round trip.
    """
    if len(kek) != 24:
        raise ValueError("the 3DES key-encryption key must be 24 bytes")
    if not cek or len(cek) % 8:
        raise ValueError("the key to wrap must be a non-empty multiple of 8 bytes")
    iv = os.urandom(8) if iv is None else iv
    temp1 = _tdes_cbc(kek, iv, cek + _icv(cek), encrypt=True)
    temp3 = (iv + temp1)[::-1]
    return _tdes_cbc(kek, _RFC3217_IV, temp3, encrypt=True)


def unwrap_3des(kek: bytes, wrapped: bytes) -> bytes:
    """RFC 3217 section 3.2: unwrap and check the SHA-1 integrity value."""
    if len(kek) != 24:
        raise UnwrapError("the 3DES key-encryption key must be 24 bytes")
    if len(wrapped) < 24 or len(wrapped) % 8:
        raise UnwrapError(f"a 3DES-wrapped key cannot be {len(wrapped)} bytes long")
    temp2 = _tdes_cbc(kek, _RFC3217_IV, wrapped, encrypt=False)[::-1]
    iv, temp1 = temp2[:8], temp2[8:]
    cek_icv = _tdes_cbc(kek, iv, temp1, encrypt=False)
    cek, icv = cek_icv[:-8], cek_icv[-8:]
    if _icv(cek) != icv:
        raise UnwrapError("3DES key unwrap failed: integrity check value mismatch")
    return cek
