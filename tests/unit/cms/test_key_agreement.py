"""EC key agreement recipients: OpenSSL's choices, forced KDFs and wraps, hand-built karis."""

from __future__ import annotations

import os

import pytest

from smime_archiver.crypto.cms import recipients
from smime_archiver.crypto.cms.envelope import decrypt_enveloped, load_content_info, recipients_of
from smime_archiver.errors import NoMatchingKeyError, UnsupportedAlgorithmError
from tests.support import cms as enc
from tests.support.keys import keystore_for
from tests.support.tools import cms_encrypt, openssl

from .conftest import MIME


def _open(data: bytes, *identities, **kw):
    return decrypt_enveloped(load_content_info(data), keystore_for(*identities, **kw))


@pytest.mark.parametrize(
    "ident, cipher, expected",
    [
        # OpenSSL's default: the SHA-1 KDF, and a key wrap as strong as the content cipher
        ("ec256", "aes128", "ecdh-stdDH-sha1kdf+aes128_wrap"),
        ("ec384", "aes192", "ecdh-stdDH-sha1kdf+aes192_wrap"),
        ("ec521", "aes256", "ecdh-stdDH-sha1kdf+aes256_wrap"),
        ("ec256", "des3", "ecdh-stdDH-sha1kdf+des3_wrap"),
        ("ec384", "aes-256-gcm", "ecdh-stdDH-sha1kdf+aes256_wrap"),
    ],
)
def test_openssl_defaults(request, ident, cipher, expected):
    identity = request.getfixturevalue(ident)
    plaintext, info = _open(cms_encrypt(MIME, [identity], cipher), identity)
    assert plaintext == MIME
    assert info.key_algorithm == expected
    assert info.recipient.kind == "kari"
    assert info.recipient.serial == identity.serial
    assert info.recipient.key_algorithm == "ecdh-stdDH-sha1kdf"


@pytest.mark.parametrize("md", ["sha224", "sha256", "sha384", "sha512"])
@pytest.mark.parametrize("cofactor", [False, True])
def test_openssl_kdf_digests_and_cofactor_mode(ec384, md, cofactor):
    keyopts = [f"ecdh_kdf_md:{md}"] + (["ecdh_cofactor_mode:1"] if cofactor else [])
    data = cms_encrypt(MIME, [ec384], "aes256", keyopts=keyopts)
    plaintext, info = _open(data, ec384)
    assert plaintext == MIME
    scheme = "cofactorDH" if cofactor else "stdDH"
    assert info.key_algorithm == f"ecdh-{scheme}-{md}kdf+aes256_wrap"


def test_openssl_cofactor_sha1(ec256):
    data = cms_encrypt(MIME, [ec256], "aes128", keyopts=["ecdh_cofactor_mode:1"])
    plaintext, info = _open(data, ec256)
    assert plaintext == MIME
    assert info.key_algorithm == "ecdh-cofactorDH-sha1kdf+aes128_wrap"


@pytest.mark.parametrize(
    "wrap, cipher, name",
    [
        ("-des3-wrap", "aes128", "des3_wrap"),
        ("-aes256-wrap", "aes128", "aes256_wrap"),
        ("-aes128-wrap", "aes256", "aes128_wrap"),
    ],
)
def test_openssl_key_wraps(ec256, wrap, cipher, name):
    data = cms_encrypt(MIME, [ec256], cipher, extra_args=[wrap], keyopts=["ecdh_kdf_md:sha256"])
    plaintext, info = _open(data, ec256)
    assert plaintext == MIME
    assert info.key_algorithm == f"ecdh-stdDH-sha256kdf+{name}"


def test_openssl_keyid_and_mixed_rsa_ec_recipients(alice, ec256, ec384):
    data = cms_encrypt(MIME, [alice, ec256, ec384], "aes256", keyid=True)
    refs = recipients_of(load_content_info(data))
    assert sorted(r.kind for r in refs) == ["kari", "kari", "ktri"]
    assert all(r.ski and r.issuer is None for r in refs)
    for ident in (alice, ec256, ec384):
        plaintext, info = _open(data, ident)
        assert plaintext == MIME
    plaintext, info = _open(data, ec384)
    assert info.recipient.kind == "kari"


def test_hand_built_kari_cross_checked_with_openssl(ec256, ec256_other, tmp_path):
    """ukm, 3DES key wrap (our RFC 3217 code), two keys in one kari with ours second.

    The KEK comes from the test's own X9.63 KDF and SharedInfo encoding; OpenSSL
    decrypting the same bytes proves both sides agree with a third party.
    """
    cek = os.urandom(24)
    ri = enc.kari(
        [ec256_other, ec256],
        cek,
        scheme="stdDH-sha256kdf",
        wrap="des3_wrap",
        ukm=b"\x01" * 64,
        curve_in_originator=False,
    )
    data = enc.enveloped(MIME, [ri], cipher="des_ede3_cbc", cek=cek)
    plaintext, info = _open(data, ec256)
    assert plaintext == MIME
    assert info.key_algorithm == "ecdh-stdDH-sha256kdf+des3_wrap"
    assert info.recipient.serial == ec256.serial
    assert [r.serial for r in info.recipients] == [ec256_other.serial, ec256.serial]

    src = tmp_path / "kari.der"
    src.write_bytes(data)
    out = openssl(
        "cms",
        "-decrypt",
        "-inform",
        "DER",
        "-in",
        str(src),
        "-inkey",
        str(ec256.key_pem),
        "-recip",
        str(ec256.cert_pem),
        "-binary",
    )
    assert out == MIME


def test_hand_built_kari_aes_wrap_ukm_keyid_openssl_agrees(ec384, tmp_path):
    cek = os.urandom(32)
    ri = enc.kari(
        [ec384],
        cek,
        scheme="cofactorDH-sha256kdf",
        wrap="aes192_wrap",
        ukm=os.urandom(16),
        keyid=True,
    )
    data = enc.enveloped(MIME, [ri], cipher="aes256_cbc", cek=cek)
    plaintext, info = _open(data, ec384)
    assert plaintext == MIME
    assert info.recipient.ski is not None
    src = tmp_path / "kari.der"
    src.write_bytes(data)
    out = openssl(
        "cms",
        "-decrypt",
        "-inform",
        "DER",
        "-in",
        str(src),
        "-inkey",
        str(ec384.key_pem),
        "-binary",
    )
    assert out == MIME


def test_x963_kek_matches_a_hand_written_kdf():
    z = os.urandom(48)
    for digest, kek_len, wrap, ukm in (
        ("sha1", 16, "aes128_wrap", None),
        ("sha256", 24, "des3_wrap", b"ukm"),
        ("sha512", 32, "aes256_wrap", os.urandom(64)),
    ):
        wrap_der = enc.algorithm_der(enc.OIDS[wrap])
        expected = enc.x963_kdf(z, digest, kek_len, enc.shared_info(wrap_der, kek_len, ukm))
        assert recipients.x963_kek(z, digest, wrap_der, kek_len, ukm) == expected
        assert recipients.ecc_cms_shared_info(wrap_der, kek_len, ukm) == enc.shared_info(
            wrap_der, kek_len, ukm
        )


def test_static_originator_needs_its_certificate(ec256, ec256_other):
    cek = os.urandom(16)
    ri = enc.kari([ec256], cek, static_originator=ec256_other)
    data = enc.enveloped(MIME, [ri], cipher="aes128_cbc", cek=cek)
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(data, ec256)
    assert raised.value.oid == enc.OIDS["stdDH-sha256kdf"]
    assert str(ec256_other.serial) in str(raised.value)
    assert "not supported without it" in str(raised.value)

    store = keystore_for(ec256)
    store.certificates.append(ec256_other.cert)  # the sender's certificate, loaded
    plaintext, info = decrypt_enveloped(load_content_info(data), store)
    assert plaintext == MIME
    assert info.key_algorithm == "ecdh-stdDH-sha256kdf+aes128_wrap"


def test_static_originator_by_key_identifier(ec256, ec256_other):
    cek = os.urandom(16)
    ri = enc.kari([ec256], cek, static_originator=ec256_other, originator_by_ski=True)
    data = enc.enveloped(MIME, [ri], cipher="aes128_cbc", cek=cek)
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(data, ec256)
    assert enc.ski_of(ec256_other).hex() in str(raised.value)
    store = keystore_for(ec256)
    store.certificates.append(ec256_other.cert)
    plaintext, _info = decrypt_enveloped(load_content_info(data), store)
    assert plaintext == MIME


def test_ec_key_on_another_curve_does_not_open(ec256, ec384):
    data = cms_encrypt(MIME, [ec256], "aes128")
    with pytest.raises(NoMatchingKeyError) as raised:
        _open(data, ec384)
    assert raised.value.recipients[0].serial == ec256.serial


def test_wrong_ec_key_without_certificate(ec256, ec256_other):
    data = cms_encrypt(MIME, [ec256], "aes128")
    with pytest.raises(NoMatchingKeyError):
        _open(data, ec256_other, without_cert=True)
    # and with the right key added after the wrong one
    store = keystore_for(ec256_other, without_cert=True)
    for entry in keystore_for(ec256, without_cert=True):
        store.add(entry)
    plaintext, _info = decrypt_enveloped(load_content_info(data), store)
    assert plaintext == MIME


def test_unknown_key_agreement_scheme(ec256):
    cek = os.urandom(16)
    data = enc.enveloped(MIME, [enc.kari([ec256], cek)], cipher="aes128_cbc", cek=cek)
    mqv = "1.3.132.1.15.1"  # mqvSinglePass-sha256kdf-scheme: same encoded length
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(enc.patch_oid(data, enc.OIDS["stdDH-sha256kdf"], mqv), ec256)
    assert raised.value.oid == mqv
    assert "ecmqv-sha256kdf" in str(raised.value)


def test_unknown_key_wrap(ec256):
    cek = os.urandom(16)
    data = enc.enveloped(MIME, [enc.kari([ec256], cek)], cipher="aes128_cbc", cek=cek)
    odd_wrap = "2.16.840.1.101.3.4.1.99"
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(enc.patch_oid(data, enc.OIDS["aes128_wrap"], odd_wrap), ec256)
    assert raised.value.oid == odd_wrap
