"""Padding checks for a raw RSA decryption (``CKM_RSA_X_509``) done on a token.

Many tokens offer RSA-OAEP only with SHA-1, or not at all, but every RSA token
offers the raw private-key operation.  The token then does the RSA part (the
key never leaves it) and these functions take the padding off, as RFC 8017
sections 7.1.2 (OAEP) and 7.2.2 (PKCS#1 v1.5) describe.  Both raise
``ValueError`` when the padding is wrong, like ``cryptography`` does.
"""

from __future__ import annotations

import hmac

from cryptography.hazmat.primitives import hashes


def _digest(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def mgf1(seed: bytes, length: int, algorithm: hashes.HashAlgorithm) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        out += _digest(algorithm, seed + counter.to_bytes(4, "big"))
        counter += 1
    return bytes(out[:length])


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _block(em: bytes, k: int) -> bytes:
    """The encoded message at the modulus length (some tokens drop leading zeros)."""
    if len(em) > k:
        raise ValueError("the raw RSA result is longer than the modulus")
    return em.rjust(k, b"\x00")


def oaep_decode(
    em: bytes,
    k: int,
    algorithm: hashes.HashAlgorithm,
    mgf_algorithm: hashes.HashAlgorithm,
    label: bytes = b"",
) -> bytes:
    """The message inside an OAEP block of ``k`` bytes (RFC 8017 7.1.2 step 3)."""
    h_len = algorithm.digest_size
    if k < 2 * h_len + 2:
        raise ValueError("the modulus is too short for OAEP with this hash")
    em = _block(em, k)
    masked_seed, masked_db = em[1 : 1 + h_len], em[1 + h_len :]
    seed = _xor(masked_seed, mgf1(masked_db, h_len, mgf_algorithm))
    db = _xor(masked_db, mgf1(seed, k - h_len - 1, mgf_algorithm))
    good = em[0] == 0 and hmac.compare_digest(db[:h_len], _digest(algorithm, label))
    rest = db[h_len:].lstrip(b"\x00")
    if not good or not rest or rest[0] != 1:
        raise ValueError("Decryption failed")
    return rest[1:]


def pkcs1v15_decode(em: bytes, k: int) -> bytes:
    """The message inside a PKCS#1 v1.5 encryption block of ``k`` bytes (RFC 8017 7.2.2)."""
    em = _block(em, k)
    separator = em.find(b"\x00", 2)
    if em[:2] != b"\x00\x02" or separator < 10:  # at least eight bytes of padding
        raise ValueError("Decryption failed")
    return em[separator + 1 :]
