"""RFC 3217 Triple-DES key wrap (ours, both directions) and the AES key wrap adapter.

Interoperability with OpenSSL's id-alg-CMS3DESwrap is shown in
test_key_agreement.py (OpenSSL unwraps ours, we unwrap OpenSSL's).
"""

from __future__ import annotations

import hashlib
import os

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import keywrap as aes_keywrap
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from smime_archiver.crypto.cms.keywrap import UnwrapError, unwrap_3des, unwrap_aes, wrap_3des


def test_3des_round_trip_for_des3_and_aes_keys():
    kek = os.urandom(24)
    for cek in (os.urandom(24), os.urandom(16), os.urandom(32)):
        wrapped = wrap_3des(kek, cek)
        assert len(wrapped) == len(cek) + 16
        assert unwrap_3des(kek, wrapped) == cek
        assert wrap_3des(kek, cek) != wrapped  # a fresh random IV each time


def test_3des_wrap_follows_rfc3217_steps():
    """Recompute section 3.1 step by step with plain 3DES-CBC."""
    kek, cek, iv = os.urandom(24), os.urandom(24), os.urandom(8)

    def cbc(key, iv_, data):
        e = Cipher(TripleDES(key), modes.CBC(iv_)).encryptor()
        return e.update(data) + e.finalize()

    icv = hashlib.sha1(cek).digest()[:8]
    temp1 = cbc(kek, iv, cek + icv)
    temp3 = (iv + temp1)[::-1]
    expected = cbc(kek, bytes.fromhex("4adda22c79e82105"), temp3)
    assert wrap_3des(kek, cek, iv) == expected


def test_3des_unwrap_rejects_wrong_kek_and_damage():
    kek, cek = os.urandom(24), os.urandom(24)
    wrapped = wrap_3des(kek, cek)
    with pytest.raises(UnwrapError):
        unwrap_3des(os.urandom(24), wrapped)
    for i in range(len(wrapped)):
        damaged = bytearray(wrapped)
        damaged[i] ^= 0x10
        with pytest.raises(UnwrapError):
            unwrap_3des(kek, bytes(damaged))
    for bad in (wrapped[:-8], wrapped[:20], b"", wrapped + b"\x00"):
        with pytest.raises(UnwrapError):
            unwrap_3des(kek, bad)
    with pytest.raises(UnwrapError):
        unwrap_3des(kek[:16], wrapped)


def test_3des_wrap_refuses_bad_input():
    with pytest.raises(ValueError):
        wrap_3des(os.urandom(24), os.urandom(5))
    with pytest.raises(ValueError):
        wrap_3des(os.urandom(16), os.urandom(24))


def test_aes_unwrap_rfc3394_vector_and_failure():
    # RFC 3394 section 4.1: 128-bit key data with a 128-bit KEK
    kek = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
    wrapped = bytes.fromhex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5")
    assert unwrap_aes(kek, wrapped) == bytes.fromhex("00112233445566778899AABBCCDDEEFF")
    with pytest.raises(UnwrapError):
        unwrap_aes(kek, wrapped[:-1] + b"\x00")
    with pytest.raises(UnwrapError):
        unwrap_aes(kek, wrapped[:12])


def test_aes_unwrap_with_padding():
    kek, cek = os.urandom(32), os.urandom(20)
    wrapped = aes_keywrap.aes_key_wrap_with_padding(kek, cek)
    assert unwrap_aes(kek, wrapped, padded=True) == cek
    with pytest.raises(UnwrapError):
        unwrap_aes(os.urandom(32), wrapped, padded=True)
