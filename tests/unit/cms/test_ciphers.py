"""Content ciphers: RC2 against OpenSSL, parameter forms, strict padding, AEAD variants."""

from __future__ import annotations

import os

import pytest
from asn1crypto import core

from smime_archiver.crypto.cms import ciphers
from smime_archiver.crypto.cms.ciphers import DecryptError, parse_content_cipher, strip_padding
from smime_archiver.crypto.cms.envelope import decrypt_enveloped, load_content_info
from smime_archiver.crypto.cms.plausible import plausible_plaintext
from smime_archiver.errors import MalformedMessageError, UnsupportedAlgorithmError
from tests.support import cms as enc
from tests.support.keys import keystore_for
from tests.support.tools import LEGACY, openssl

from .conftest import MIME

RC2 = "1.2.840.113549.3.2"


def _rc2_params(version: int | None, iv: bytes) -> bytes:
    if version is None:
        return enc.tlv(0x04, iv)
    return enc.tlv(0x30, core.Integer(version).dump() + enc.tlv(0x04, iv))


@pytest.mark.parametrize(
    "openssl_cipher, key_len, version, bits",
    [("rc2-40-cbc", 5, 160, 40), ("rc2-64-cbc", 8, 120, 64), ("rc2-cbc", 16, 58, 128)],
)
def test_rc2_against_openssl(tmp_path, openssl_cipher, key_len, version, bits):
    """OpenSSL encrypts, we decrypt; we encrypt (via rc2.py), OpenSSL decrypts."""
    key, iv = os.urandom(key_len), os.urandom(8)
    plain = tmp_path / "plain"
    plain.write_bytes(MIME * 3)
    ct = openssl(
        "enc",
        "-e",
        f"-{openssl_cipher}",
        *LEGACY,
        "-K",
        key.hex(),
        "-iv",
        iv.hex(),
        "-in",
        str(plain),
    )
    cipher = parse_content_cipher(RC2, _rc2_params(version, iv))
    assert cipher.effective_bits == bits
    assert cipher.name == f"rc2_cbc/{bits}"
    assert cipher.decrypt(key, ct) == MIME * 3

    from smime_archiver.crypto.cms import rc2

    ours = rc2.rc2_cbc_encrypt(key, iv, ciphers.pad(MIME, 8), bits)
    src = tmp_path / "ours"
    src.write_bytes(ours)
    back = openssl(
        "enc",
        "-d",
        f"-{openssl_cipher}",
        *LEGACY,
        "-K",
        key.hex(),
        "-iv",
        iv.hex(),
        "-in",
        str(src),
    )
    assert back == MIME


def test_rc2_128_cryptography_and_pure_python_agree():
    key, iv = os.urandom(16), os.urandom(8)
    from smime_archiver.crypto.cms import rc2

    ct = rc2.rc2_cbc_encrypt(key, iv, ciphers.pad(MIME, 8), 128)
    cipher = parse_content_cipher(RC2, _rc2_params(58, iv))
    assert cipher.decrypt(key, ct) == MIME  # cryptography's RC2 (16-byte key, 128 bits)
    assert strip_padding(rc2.rc2_cbc_decrypt(key, iv, ct, 128), 8) == MIME


@pytest.mark.parametrize(
    "version, key_len, bits", [(None, 16, 32), (160, 16, 40), (120, 16, 64), (58, 5, 128)]
)
def test_rc2_parameter_forms_in_a_message(alice, version, key_len, bits):
    """The bare-IV form (32 bits) and key lengths that differ from the effective bits."""
    cek = os.urandom(key_len)
    data = enc.enveloped(
        MIME, [enc.ktri(alice, cek)], cipher="rc2_cbc", cek=cek, rc2_version=version
    )
    plaintext, info = decrypt_enveloped(load_content_info(data), keystore_for(alice))
    assert plaintext == MIME
    assert info.content_algorithm == f"rc2_cbc/{bits}"


def test_rc2_unknown_version():
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        parse_content_cipher(RC2, _rc2_params(7, os.urandom(8)))
    assert raised.value.oid == RC2


def test_two_key_triple_des_and_cast5_sequence_parameters(alice):
    for cipher, cek, opts in (
        ("des_ede3_cbc", os.urandom(16), {}),
        ("cast5_cbc", os.urandom(10), {"cast5_sequence": True}),
    ):
        data = enc.enveloped(MIME, [enc.ktri(alice, cek)], cipher=cipher, cek=cek, **opts)
        plaintext, info = decrypt_enveloped(load_content_info(data), keystore_for(alice))
        assert plaintext == MIME
        assert info.content_algorithm == cipher


@pytest.mark.parametrize(
    "oid, sizes",
    [
        ("1.3.14.3.2.7", {8}),
        ("1.2.840.113549.3.7", {16, 24}),
        ("2.16.840.1.101.3.4.1.2", {16}),
        ("2.16.840.1.101.3.4.1.42", {32}),
        (RC2, set(range(1, 129))),
    ],
)
def test_key_lengths(oid, sizes):
    params = (
        _rc2_params(58, bytes(8))
        if oid == RC2
        else enc.tlv(0x04, bytes(16 if oid.startswith("2.16") else 8))
    )
    cipher = parse_content_cipher(oid, params)
    assert {n for n in range(0, 200) if cipher.key_fits(bytes(n))} == sizes


@pytest.mark.parametrize(
    "padded",
    [
        b"ABCDEFG\x01",
        b"ABCDEF\x02\x02",
        b"\x08" * 8,
        b"ABCDEFGH" + b"\x08" * 8,
    ],
)
def test_good_padding(padded):
    n = padded[-1]
    assert strip_padding(padded, 8) == padded[:-n]


@pytest.mark.parametrize(
    "padded",
    [
        b"ABCDEFG\x00",  # zero is no pad length
        b"ABCDEF\x01\x02",  # pad bytes differ
        b"ABCDEFG\x09",  # longer than a block
        b"ABCD\x03\x04\x04\x04",  # one wrong byte inside the pad
        b"",
        b"\x09" * 8,
    ],
)
def test_bad_padding(padded):
    with pytest.raises(DecryptError):
        strip_padding(padded, 8)


def test_wrong_keys_that_pass_the_padding_check_are_not_plausible():
    """About one random key in 256 leaves valid padding; plausibility must stop all of them."""
    key, iv = os.urandom(24), os.urandom(8)
    cipher = parse_content_cipher("1.2.840.113549.3.7", enc.tlv(0x04, iv))
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    encryptor = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
    ct = encryptor.update(ciphers.pad(MIME, 8)) + encryptor.finalize()
    assert cipher.decrypt(key, ct) == MIME
    padded_ok = 0
    while padded_ok < 25:
        try:
            plaintext = cipher.decrypt(os.urandom(24), ct)
        except DecryptError:
            continue
        padded_ok += 1
        assert not plausible_plaintext(plaintext)


def test_unparseable_iv_parameters():
    for params in (None, b"\x04\x03abc", b"\x05\x00", b"\x30\x00"):
        with pytest.raises(MalformedMessageError, match="parameters"):
            parse_content_cipher("2.16.840.1.101.3.4.1.2", params)


# --- AuthEnvelopedData by hand: attributes, CCM, short tags ---------------------------------


def _attrs():
    return [{"type": "content_type", "values": ["data"]}]


@pytest.mark.parametrize(
    "cipher, cek_len, icv, nonce",
    [
        ("aes128_gcm", 16, 16, 12),
        ("aes256_gcm", 32, 12, 12),
        ("aes128_gcm", 16, 16, 16),
        ("aes128_ccm", 16, 16, 13),
        ("aes256_ccm", 32, 8, 7),
    ],
)
def test_auth_enveloped_with_authenticated_attributes(alice, cipher, cek_len, icv, nonce):
    cek = os.urandom(cek_len)
    data = enc.auth_enveloped(
        MIME,
        [enc.ktri(alice, cek)],
        cek=cek,
        cipher=cipher,
        icv_len=icv,
        nonce_len=nonce,
        auth_attrs=_attrs(),
    )
    plaintext, info = decrypt_enveloped(load_content_info(data), keystore_for(alice))
    assert plaintext == MIME
    assert info.content_algorithm == cipher
    assert info.layer == "auth_enveloped"


def test_changed_authenticated_attribute_fails_the_tag(alice):
    cek = os.urandom(16)
    data = enc.auth_enveloped(MIME, [enc.ktri(alice, cek)], cek=cek, auth_attrs=_attrs())
    data_oid = enc.oid_der("1.2.840.113549.1.7.1")
    # the content-type attribute's value is the last "data" OID in the message
    pos = data.rfind(data_oid)
    forged = data[:pos] + enc.oid_der("1.2.840.113549.1.7.2") + data[pos + len(data_oid) :]
    with pytest.raises(MalformedMessageError, match="the message is damaged"):
        decrypt_enveloped(load_content_info(forged), keystore_for(alice))


def test_gcm_parameters_out_of_range():
    for nonce_len, icv in ((12, 8), (4, 16), (12, 17)):
        params = enc.tlv(0x30, enc.tlv(0x04, bytes(nonce_len)) + core.Integer(icv).dump())
        with pytest.raises(MalformedMessageError):
            parse_content_cipher("2.16.840.1.101.3.4.1.6", params)
    default_icv = enc.tlv(0x30, enc.tlv(0x04, bytes(12)))
    assert parse_content_cipher("2.16.840.1.101.3.4.1.6", default_icv).tag_length == 12
