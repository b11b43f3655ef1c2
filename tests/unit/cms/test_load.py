"""load_content_info / looks_like_cms on real encodings: DER, BER, PEM, base64, and damage."""

from __future__ import annotations

import base64
import email
import logging
import os
import random

import pytest

from smime_archiver.crypto.cms.envelope import (
    decrypt_enveloped,
    load_content_info,
    recipients_of,
)
from smime_archiver.crypto.cms.sniff import looks_like_cms
from smime_archiver.errors import MalformedMessageError, MessageError
from tests.support.tools import NSSDB, cms_encrypt, openssl, smime_encrypt

from .conftest import MIME


@pytest.fixture(scope="session")
def der(alice):
    return cms_encrypt(MIME, [alice], "aes256")


@pytest.fixture(scope="session")
def nss_ber(alice, tmp_path_factory):
    db = NSSDB(tmp_path_factory.mktemp("nss-load"))
    return db.encrypt(MIME, [alice])


def _decrypts(data: bytes, store) -> bytes:
    plaintext, _info = decrypt_enveloped(load_content_info(data), store)
    return plaintext


def test_der(der, alice_store):
    ci = load_content_info(der)
    assert ci["content_type"].native == "enveloped_data"
    assert _decrypts(der, alice_store) == MIME


def test_openssl_stream_ber_indefinite_lengths(alice, alice_store):
    ber = cms_encrypt(MIME * 200, [alice], "des3", extra_args=["-stream"])
    assert ber[:2] == b"\x30\x80"  # indefinite length, chunked content
    assert _decrypts(ber, alice_store) == MIME * 200


def test_nss_ber_and_its_der_reencoding(nss_ber, alice_store, tmp_path):
    assert nss_ber[:2] == b"\x30\x80"
    assert _decrypts(nss_ber, alice_store) == MIME
    # openssl re-encodes NSS's BER as DER: same message, other bytes
    src = tmp_path / "nss.ber"
    src.write_bytes(nss_ber)
    der = openssl("cms", "-cmsout", "-inform", "DER", "-outform", "DER", "-in", str(src))
    assert der != nss_ber and der[:2] != b"\x30\x80"
    assert _decrypts(der, alice_store) == MIME


@pytest.mark.parametrize("label", ["CMS", "PKCS7", "PKCS #7 SIGNED DATA"])
def test_pem_labels(der, alice_store, tmp_path, label):
    src = tmp_path / "m.der"
    src.write_bytes(der)
    pem = openssl("cms", "-cmsout", "-inform", "DER", "-outform", "PEM", "-in", str(src))
    assert pem.startswith(b"-----BEGIN CMS-----")
    pem = pem.replace(b"CMS-----", label.encode() + b"-----")
    assert looks_like_cms(pem)
    assert _decrypts(b"\r\n" + pem.replace(b"\n", b"\r\n"), alice_store) == MIME


def test_base64_text_with_line_breaks(der, alice_store, tmp_path):
    src = tmp_path / "m.der"
    src.write_bytes(der)
    text = openssl("base64", "-in", str(src))
    assert text.count(b"\n") > 3
    assert looks_like_cms(text)
    assert _decrypts(text, alice_store) == MIME
    assert _decrypts(base64.encodebytes(der).replace(b"\n", b"\r\n"), alice_store) == MIME


def test_base64_body_of_openssl_smime_message(alice, alice_store):
    """The body of an ``openssl smime -encrypt`` message, as the MIME layer hands it over."""
    message = smime_encrypt(MIME, [alice], "des3")
    body = message.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
    assert _decrypts(body, alice_store) == MIME


def test_trailing_padding_and_garbage_after_a_complete_structure(der, alice_store, caplog):
    assert _decrypts(der + b"\x00\x00\r\n", alice_store) == MIME
    with caplog.at_level(logging.WARNING, logger="smime_archiver.crypto.cms.envelope"):
        assert _decrypts(der + b"trailing junk", alice_store) == MIME
    assert "ignoring 13 bytes" in caplog.text


@pytest.mark.parametrize("fixture", ["der", "nss_ber"])
def test_every_truncation_is_malformed(request, fixture):
    data = request.getfixturevalue(fixture)
    for cut in list(range(1, 64)) + list(range(64, len(data), 37)) + [len(data) - 1]:
        with pytest.raises(MalformedMessageError, match=r"truncated|garbled|not a CMS"):
            load_content_info(data[:cut])


def test_truncated_pem_is_malformed(der, tmp_path):
    src = tmp_path / "m.der"
    src.write_bytes(der)
    pem = openssl("cms", "-cmsout", "-inform", "DER", "-outform", "PEM", "-in", str(src))
    with pytest.raises(MalformedMessageError, match="truncated"):
        load_content_info(pem[: len(pem) // 2])


@pytest.mark.parametrize(
    "data, match",
    [
        (b"", "empty"),
        (b"Hello, this is just text.\r\n", "neither DER"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "neither DER"),
        (b"-----BEGIN CMS-----\n!!!notbase64!!!\n-----END CMS-----\n", "base64"),
        (bytes.fromhex("3003020101"), "garbled"),
        (bytes.fromhex("300f06092a864886f70d010703a0023000"), "garbled"),  # empty envelope
        (bytes.fromhex("3006060455040301"), "not a CMS"),  # SEQUENCE { OID 2.5.4.3 }
    ],
)
def test_not_cms(data, match):
    with pytest.raises(MalformedMessageError, match=match):
        load_content_info(data)


def test_garbled_bytes_never_crash(der, nss_ber, alice_store):
    """Overwrite single bytes: every outcome is a result or one of our errors."""
    rng = random.Random(1234)
    for data in (der, nss_ber):
        eci = load_content_info(data)["content"]["encrypted_content_info"]
        iv = eci["content_encryption_algorithm"]["parameters"].native
        iv_start = data.find(iv)
        assert iv_start > 300
        for _ in range(400):
            pos = rng.randrange(0, len(data))
            garbled = data[:pos] + bytes([rng.randrange(256)]) + data[pos + 1 :]
            try:
                plaintext = _decrypts(garbled, alice_store)
            except MessageError:
                continue
            if pos < iv_start:
                # a byte that does not matter (e.g. a recipient's issuer name, read
                # only for display) leaves the message readable, and never wrong
                assert plaintext == MIME
            else:
                # CBC has no integrity check: a changed IV or ciphertext byte garbles at
                # most two blocks of text (and may leave other valid-looking padding)
                assert abs(len(plaintext) - len(MIME)) < 16
                assert sum(a != b for a, b in zip(plaintext, MIME, strict=False)) <= 17


def test_random_bytes_are_malformed():
    rng = random.Random(99)
    for size in (1, 5, 20, 300):
        for _ in range(20):
            data = b"\x30" + bytes(rng.randrange(256) for _ in range(size))
            with pytest.raises(MalformedMessageError):
                load_content_info(data)


def test_looks_like_cms(der, nss_ber):
    assert looks_like_cms(der)
    assert looks_like_cms(nss_ber)
    assert looks_like_cms(base64.encodebytes(der))
    assert looks_like_cms(b"-----BEGIN PKCS7-----\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\n")
    assert not looks_like_cms(MIME)
    assert not looks_like_cms(b"")
    assert not looks_like_cms(b"-----BEGIN CERTIFICATE-----\nMIIB\n")
    assert not looks_like_cms(b"\x30\x82\x01\x00\x30\x82")  # a certificate's start
    assert not looks_like_cms(base64.encodebytes(os.urandom(300)))
    assert not looks_like_cms(os.urandom(300).replace(b"\x30", b"\x31"))


def test_signed_data_in_every_form_loads(alice, tmp_path_factory):
    """The MIME layer loads SignedData through the same function: opaque, detached, NSS BER."""
    from tests.support.tools import cms_sign, smime_sign

    db = NSSDB(tmp_path_factory.mktemp("nss-sign"))
    forms = {
        "openssl cms opaque": cms_sign(MIME, alice, smime=False),
        "openssl cms detached": cms_sign(MIME, alice, smime=False, detached=True),
        "nss opaque": db.sign(MIME, alice),
        "nss detached": db.sign(MIME, alice, detached=True),
    }
    signed = email.message_from_bytes(smime_sign(MIME, alice, detached=True))
    signature_part = signed.get_payload()[1]  # application/x-pkcs7-signature, base64 text
    forms["openssl smime signature part"] = signature_part.get_payload().encode()
    for name, data in forms.items():
        assert looks_like_cms(data), name
        ci = load_content_info(data)
        assert ci["content_type"].native == "signed_data", name
        assert ci["content"]["signer_infos"][0]["sid"].chosen["serial_number"].native == (
            alice.serial
        )


def test_a_damaged_issuer_name_is_caught_but_an_undecodable_value_is_not_damage(der):
    """Names are checked for their shape (every length, {type, value} pairs), not decoded.

    An attribute that lost its type OID is damage; a value of a type asn1crypto cannot
    decode (here INTEGER instead of a string; in real mail a T61String with Latin-1
    bytes) is only shown as its bytes, and the message still loads.
    """
    from asn1crypto import cms as acms

    from smime_archiver.crypto import der as derlib

    issuer = acms.ContentInfo.load(der)["content"]["recipient_infos"][0].chosen["rid"].chosen[
        "issuer"]
    sound = derlib.as_parsed(issuer)
    assert der.count(sound) == 1
    atv = derlib.as_parsed(issuer.chosen[-1][0])  # SEQUENCE {OID, value}
    oid = atv[2 : 2 + 2 + atv[3]]
    assert oid[0] == 0x06
    value = atv[2 + len(oid):]
    assert value[0] in (0x0C, 0x13)

    no_type = der.replace(sound, sound.replace(atv, atv[:2] + b"\x04" + atv[3:]))
    assert no_type != der  # the attribute's type is an OCTET STRING now, not an OID
    with pytest.raises(MalformedMessageError, match="garbled"):
        load_content_info(no_type)

    odd_value = der.replace(sound, sound.replace(value, b"\x02" + value[1:]))
    assert odd_value != der
    ci = load_content_info(odd_value)
    refs = recipients_of(ci)
    assert refs[0].issuer and value[2:].hex() in refs[0].issuer  # shown as its bytes

