"""The padding checks behind raw-RSA decryption on a token, against ``cryptography``."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from smime_archiver.crypto.keys.pkcs11.rawrsa import oaep_decode, pkcs1v15_decode


@pytest.fixture(scope="module")
def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _raw(key, ciphertext: bytes) -> bytes:
    """What CKM_RSA_X_509 gives: c^d mod n, leading zeros dropped as some tokens do."""
    n = key.private_numbers().public_numbers.n
    m = pow(int.from_bytes(ciphertext, "big"), key.private_numbers().d, n)
    return m.to_bytes((m.bit_length() + 7) // 8, "big")


@pytest.mark.parametrize("digest,mgf,label", [
    (hashes.SHA1(), hashes.SHA1(), None),
    (hashes.SHA256(), hashes.SHA256(), None),
    (hashes.SHA384(), hashes.SHA1(), b"etiket"),
    (hashes.SHA512(), hashes.SHA256(), b"\x00\x01"),
])
def test_oaep(key, digest, mgf, label):
    secret = os.urandom(32)
    pad = padding.OAEP(padding.MGF1(mgf), digest, label)
    em = _raw(key, key.public_key().encrypt(secret, pad))
    assert oaep_decode(em, 256, digest, mgf, label or b"") == secret
    with pytest.raises(ValueError):
        oaep_decode(em, 256, digest, mgf, b"wrong")
    with pytest.raises(ValueError):
        oaep_decode(em, 256, hashes.SHA224(), mgf, label or b"")


def test_pkcs1v15(key):
    secret = os.urandom(24)
    em = _raw(key, key.public_key().encrypt(secret, padding.PKCS1v15()))
    assert pkcs1v15_decode(em, 256) == secret
    oaep = _raw(key, key.public_key().encrypt(secret, padding.OAEP(
        padding.MGF1(hashes.SHA1()), hashes.SHA1(), None)))
    with pytest.raises(ValueError):
        pkcs1v15_decode(oaep, 256)
    with pytest.raises(ValueError):
        # seven bytes of padding: one short of the eight RFC 8017 asks for
        pkcs1v15_decode(b"\x00\x02" + b"\x01" * 7 + b"\x00" + b"\x05" * 246, 256)
    assert len(pkcs1v15_decode(b"\x00\x02" + b"\x01" * 8 + b"\x00" + b"\x05" * 245, 256)) == 245
    with pytest.raises(ValueError):
        pkcs1v15_decode(b"\x01" * 257, 256)
