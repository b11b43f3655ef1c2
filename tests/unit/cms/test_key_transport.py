"""RSA key transport recipients: every cipher OpenSSL writes, OAEP variants, NSS, vectors."""

from __future__ import annotations

from pathlib import Path

import cryptography_vectors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from smime_archiver.crypto.cms.envelope import decrypt_enveloped, load_content_info, recipients_of
from smime_archiver.crypto.keys.describe import make_entry
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.crypto.names import format_name
from smime_archiver.errors import MalformedMessageError, NoMatchingKeyError
from tests.support import cms as enc
from tests.support.keys import keystore_for
from tests.support.tools import NSSDB, cms_encrypt, smime_encrypt

from .conftest import MIME

VECTORS = Path(cryptography_vectors.__file__).parent


@pytest.mark.parametrize(
    "cipher, name, oid",
    [
        ("aes128", "aes128_cbc", "2.16.840.1.101.3.4.1.2"),
        ("aes192", "aes192_cbc", "2.16.840.1.101.3.4.1.22"),
        ("aes256", "aes256_cbc", "2.16.840.1.101.3.4.1.42"),
        ("des3", "des_ede3_cbc", "1.2.840.113549.3.7"),
        ("des", "des_cbc", "1.3.14.3.2.7"),
        ("rc2-40", "rc2_cbc/40", "1.2.840.113549.3.2"),
        ("rc2-64", "rc2_cbc/64", "1.2.840.113549.3.2"),
        ("rc2-128", "rc2_cbc/128", "1.2.840.113549.3.2"),
        ("aes-128-gcm", "aes128_gcm", "2.16.840.1.101.3.4.1.6"),
        ("aes-192-gcm", "aes192_gcm", "2.16.840.1.101.3.4.1.26"),
        ("aes-256-gcm", "aes256_gcm", "2.16.840.1.101.3.4.1.46"),
        ("camellia-128-cbc", "camellia128_cbc", "1.2.392.200011.61.1.1.1.2"),
        ("camellia-256-cbc", "camellia256_cbc", "1.2.392.200011.61.1.1.1.4"),
        ("cast5-cbc", "cast5_cbc", "1.2.840.113533.7.66.10"),
        ("seed-cbc", "seed_cbc", "1.2.410.200004.1.4"),
    ],
)
def test_openssl_ciphers(alice, alice_store, cipher, name, oid):
    data = cms_encrypt(MIME, [alice], cipher)
    plaintext, info = decrypt_enveloped(load_content_info(data), alice_store)
    assert plaintext == MIME
    assert info.content_algorithm == name
    assert info.content_oid == oid
    assert info.layer == ("auth_enveloped" if "gcm" in cipher else "enveloped")
    assert info.key_algorithm == "rsaes_pkcs1v15"
    assert info.recipient.kind == "ktri"
    assert info.recipient.serial == alice.cert.serial_number
    assert info.recipient.issuer == format_name(alice.cert.issuer)
    assert "TRUST2408 Systemtest XXII CA" in info.recipient.issuer
    assert info.key_source == str(alice.key_pem)
    assert info.key_subject is not None and "Søren Ærø Åberg" in info.key_subject
    assert info.recipients == (info.recipient,)


def test_binary_content_of_any_size(alice, alice_store):
    """Sizes around the block boundaries, and content that is not MIME but text."""
    for size in (0, 1, 7, 8, 15, 16, 17, 4095):
        content = (b"Lorem ipsum dolor sit amet, \xc3\xa6\xc3\xb8\xc3\xa5. " * 200)[:size]
        for cipher in ("aes128", "des3"):
            data = cms_encrypt(content, [alice], cipher)
            plaintext, _info = decrypt_enveloped(load_content_info(data), alice_store)
            assert plaintext == content


def test_subject_key_identifier_recipient(alice, alice_store):
    data = cms_encrypt(MIME, [alice], "aes256", keyid=True)
    plaintext, info = decrypt_enveloped(load_content_info(data), alice_store)
    assert plaintext == MIME
    assert info.recipient.issuer is None and info.recipient.serial is None
    ski = alice.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert info.recipient.ski == ski.hex()


@pytest.mark.parametrize(
    "keyopts, expected",
    [
        (["rsa_padding_mode:oaep"], "rsaes_oaep(sha1,mgf1-sha1)"),
        (["rsa_padding_mode:oaep", "rsa_oaep_md:sha256"], "rsaes_oaep(sha256,mgf1-sha256)"),
        (["rsa_padding_mode:oaep", "rsa_oaep_md:sha384"], "rsaes_oaep(sha384,mgf1-sha384)"),
        (["rsa_padding_mode:oaep", "rsa_oaep_md:sha512"], "rsaes_oaep(sha512,mgf1-sha512)"),
        (
            ["rsa_padding_mode:oaep", "rsa_oaep_md:sha256", "rsa_mgf1_md:sha1"],
            "rsaes_oaep(sha256,mgf1-sha1)",
        ),
        (
            [
                "rsa_padding_mode:oaep",
                "rsa_oaep_md:sha224",
                "rsa_mgf1_md:sha384",
                "rsa_oaep_label:00c3a6c3b8c3a5ff",
            ],
            "rsaes_oaep(sha224,mgf1-sha384,label)",
        ),
    ],
)
def test_oaep(alice, alice_store, keyopts, expected):
    data = cms_encrypt(MIME, [alice], "aes128", keyopts=keyopts)
    plaintext, info = decrypt_enveloped(load_content_info(data), alice_store)
    assert plaintext == MIME
    assert info.key_algorithm == expected
    assert info.recipient.key_algorithm == "rsaes_oaep"


def test_oaep_label_matters(alice, alice_store):
    """A label other than the one encrypted under makes OAEP fail: the exact key is damaged."""
    cek = bytes(range(32))
    oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), label=b"one")
    params_other_label = enc.tlv(
        0x30,
        enc.tlv(0xA0, enc.algorithm_der("2.16.840.1.101.3.4.2.1"))
        + enc.tlv(
            0xA1,
            enc.algorithm_der("1.2.840.113549.1.1.8", enc.algorithm_der("2.16.840.1.101.3.4.2.1")),
        )
        + enc.tlv(0xA2, enc.algorithm_der("1.2.840.113549.1.1.9", enc.tlv(0x04, b"two"))),
    )
    data = enc.enveloped(
        MIME, [enc.ktri(alice, cek, oaep=oaep, oaep_params=params_other_label)], cek=cek
    )
    with pytest.raises(MalformedMessageError, match="key for this message was found"):
        decrypt_enveloped(load_content_info(data), alice_store)


def test_several_recipients_ours_at_every_position(alice, bob, carol):
    """DER sorts the recipient SET: whichever key sits first, in the middle or last opens it."""
    data = cms_encrypt(MIME, [bob, alice, carol], "aes256")
    ci = load_content_info(data)
    refs = recipients_of(ci)
    by_serial = {i.serial: i for i in (alice, bob, carol)}
    assert sorted(r.serial for r in refs) == sorted(by_serial)
    for position, ref in enumerate(refs):
        others = [i for s, i in by_serial.items() if s != ref.serial]
        store = keystore_for(*others, without_cert=True)  # wrong keys, tried too
        for entry in keystore_for(by_serial[ref.serial]):
            store.add(entry)
        plaintext, info = decrypt_enveloped(ci, store)
        assert plaintext == MIME, position
        assert info.recipient == ref
        assert info.recipients == refs


def test_key_without_certificate_still_opens_its_recipient(alice, bob, carol):
    data = cms_encrypt(MIME, [bob, alice, carol], "des3")
    plaintext, info = decrypt_enveloped(
        load_content_info(data), keystore_for(alice, without_cert=True)
    )
    assert plaintext == MIME
    assert info.recipient.serial == alice.serial
    assert info.key_subject is None


def test_renewed_certificate_around_the_same_key(pki, alice):
    """Mail encrypted to the old certificate, key file holding the renewed one."""
    renewed = pki.identity("cms-alice-renewed", "Søren Ærø Åberg", private_key=alice.key)
    data = cms_encrypt(MIME, [alice], "aes128")
    plaintext, info = decrypt_enveloped(load_content_info(data), keystore_for(renewed))
    assert plaintext == MIME
    assert info.key_source == str(renewed.key_pem)


def test_nss_cmsutil_several_recipients(alice, bob, tmp_path_factory):
    db = NSSDB(tmp_path_factory.mktemp("nss-ktri"))
    data = db.encrypt(MIME, [bob, alice])
    assert data[:2] == b"\x30\x80"
    plaintext, info = decrypt_enveloped(load_content_info(data), keystore_for(alice))
    assert plaintext == MIME
    assert info.recipient.serial == alice.serial
    assert len(info.recipients) == 2


def test_pkcs7_openssl_smime_rc2_40(alice, alice_store):
    """``openssl smime`` as old Outlook wrote: PKCS#7 EnvelopedData with 40-bit RC2."""
    message = smime_encrypt(MIME, [alice], "rc2-40")
    body = message.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
    plaintext, info = decrypt_enveloped(load_content_info(body), alice_store)
    assert plaintext == MIME
    assert info.content_algorithm == "rc2_cbc/40"


# --- cryptography-vectors ----------------------------------------------------------------


@pytest.fixture(scope="session")
def vectors_store():
    """The key the pkcs7/enveloped-*.pem vectors were made for, with its certificate."""
    ca = VECTORS / "x509" / "custom" / "ca"
    key = serialization.load_pem_private_key((ca / "rsa_key.pem").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((ca / "rsa_ca.pem").read_bytes())
    return KeyStore([make_entry(key, cert, "rsa_key.pem")])


@pytest.mark.parametrize(
    "name, content, key_algorithm, cipher",
    [
        ("enveloped-triple-des.pem", b"Hello, World!\r\n", "rsaes_pkcs1v15", "des_ede3_cbc"),
        ("enveloped-rsa-oaep.pem", b"Hello, world!", "rsaes_oaep(sha1,mgf1-sha1)", "aes128_cbc"),
    ],
)
def test_cryptography_vectors(vectors_store, name, content, key_algorithm, cipher):
    ci = load_content_info((VECTORS / "pkcs7" / name).read_bytes())
    plaintext, info = decrypt_enveloped(ci, vectors_store)
    assert plaintext == content
    assert info.key_algorithm == key_algorithm
    assert info.content_algorithm == cipher
    assert info.recipient.issuer == "CN=cryptography CA"
    assert info.recipient.serial == 16650603459265877705


def test_vector_without_encrypted_content(vectors_store):
    ci = load_content_info((VECTORS / "pkcs7" / "enveloped-no-content.der").read_bytes())
    with pytest.raises(MalformedMessageError, match="no encrypted content"):
        decrypt_enveloped(ci, vectors_store)


def test_vector_for_other_recipients_with_a_certless_key(vectors_store):
    """RFC 9216's sample message is for two LAMPS keys; ours (no cert) must not open it."""
    certless = KeyStore([make_entry(next(iter(vectors_store)).private_key, None, "rsa_key.pem")])
    ci = load_content_info((VECTORS / "pkcs7" / "enveloped.pem").read_bytes())
    with pytest.raises(NoMatchingKeyError) as raised:
        decrypt_enveloped(ci, certless)
    refs = raised.value.recipients
    assert [r.issuer for r in refs] == ["CN=Sample LAMPS Certificate Authority"] * 2
    assert refs[0].serial == 0x2253EE306D020B1F02CDF5C9C13E3ADF79A61BC2
    assert "Sample LAMPS Certificate Authority" in str(raised.value)
