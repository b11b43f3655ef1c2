"""What must never happen: a wrong key producing output, damage passing as content."""

from __future__ import annotations

import os

import pytest
from asn1crypto import cms as acms
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from smime_archiver.crypto.cms.envelope import decrypt_enveloped, load_content_info
from smime_archiver.crypto.keys.describe import make_entry
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import (
    MalformedMessageError,
    NoMatchingKeyError,
    UnsupportedAlgorithmError,
)
from tests.support import cms as enc
from tests.support.keys import keystore_for
from tests.support.tools import cms_encrypt

from .conftest import MIME

AES256_CBC = "2.16.840.1.101.3.4.1.42"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"


def _open(data: bytes, store: KeyStore):
    return decrypt_enveloped(load_content_info(data), store)


def test_mail_for_someone_else_names_the_certificates(alice, bob, carol):
    data = cms_encrypt(MIME, [bob, carol], "aes256")
    with pytest.raises(NoMatchingKeyError) as raised:
        _open(data, keystore_for(alice))
    error = raised.value
    assert error.status == "no_key"
    assert sorted(r.serial for r in error.recipients) == sorted([bob.serial, carol.serial])
    text = str(error)
    assert str(bob.serial) in text and str(carol.serial) in text
    assert "TRUST2408 Systemtest XXII CA" in text
    assert "Add the key file that holds that certificate" in text


def test_mail_for_someone_else_by_key_identifier(alice, bob):
    data = cms_encrypt(MIME, [bob], "aes256", keyid=True)
    with pytest.raises(NoMatchingKeyError) as raised:
        _open(data, keystore_for(alice))
    ski = enc.ski_of(bob).hex()
    assert raised.value.recipients[0].ski == ski
    assert ski in str(raised.value)


def test_no_keys_at_all(alice):
    with pytest.raises(NoMatchingKeyError):
        _open(cms_encrypt(MIME, [alice], "des3"), KeyStore())


def _encrypt_below_half_modulus(ident, cipher: str, content: bytes = MIME) -> tuple[bytes, bytes]:
    """Encrypt until the RSA ciphertext is below 2**2047.

    Any wrong 2048-bit key then "decrypts" it (a ciphertext above a wrong
    modulus fails outright, which would make the test meaningless).
    """
    while True:
        data = cms_encrypt(content, [ident], cipher)
        encrypted_key = (
            load_content_info(data)["content"]["recipient_infos"][0].chosen["encrypted_key"].native
        )
        if encrypted_key[0] < 0x80:
            return data, encrypted_key


def test_implicit_rejection_is_real_here_and_never_accepted(alice, bob):
    """OpenSSL 3.2+ turns a wrong-key PKCS#1 v1.5 decryption into random bytes."""
    while True:
        data, encrypted_key = _encrypt_below_half_modulus(alice, "rc2-40")  # RC2: any length
        fake = bob.key.decrypt(encrypted_key, padding.PKCS1v15())  # no exception: random
        # the synthetic message has a pseudo-random length, 0 included (about 1 ciphertext
        # in 250): such an empty "key" fails outright, so take one that is a usable key
        if fake:
            break
    assert fake != alice.key.decrypt(encrypted_key, padding.PKCS1v15())

    wrong = keystore_for(bob, without_cert=True)
    with pytest.raises(NoMatchingKeyError):
        _open(data, wrong)
    # the right key, loaded after the wrong one, wins
    for entry in keystore_for(alice, without_cert=True):
        wrong.add(entry)
    plaintext, info = _open(data, wrong)
    assert plaintext == MIME
    assert info.key_source == str(alice.key_pem)


@pytest.fixture(scope="session")
def wrong_rsa_keys(alice):
    """200 random RSA-2048 keys: every pair of 21 fresh primes (key generation is slow)."""
    primes = []
    for _ in range(11):
        numbers = rsa.generate_private_key(65537, 2048).private_numbers()
        primes += [numbers.p, numbers.q]
    keys = []
    for i, p in enumerate(primes):
        for q in primes[i + 1 :]:
            phi = (p - 1) * (q - 1)
            d = pow(65537, -1, phi)
            public = rsa.RSAPublicNumbers(65537, p * q)
            numbers = rsa.RSAPrivateNumbers(
                p,
                q,
                d,
                rsa.rsa_crt_dmp1(d, p),
                rsa.rsa_crt_dmq1(d, q),
                rsa.rsa_crt_iqmp(p, q),
                public,
            )
            keys.append(numbers.private_key(unsafe_skip_rsa_key_validation=True))
            if len(keys) == 200:
                return keys
    return keys


@pytest.mark.parametrize("cipher", ["rc2-40", "des3", "aes128"])
def test_property_200_wrong_keys_never_yield_output(alice, wrong_rsa_keys, cipher):
    data, encrypted_key = _encrypt_below_half_modulus(alice, cipher)
    ci = load_content_info(data)
    assert len(wrong_rsa_keys) == 200
    fitting = 0  # wrong keys whose random "CEK" even has a length the cipher takes
    for key in wrong_rsa_keys:
        fake = key.decrypt(encrypted_key, padding.PKCS1v15())  # never raises: random bytes
        fitting += len(fake) in {"rc2-40": range(1, 129), "des3": (16, 24), "aes128": (16,)}[cipher]
        with pytest.raises(NoMatchingKeyError):
            decrypt_enveloped(ci, KeyStore([make_entry(key, None, "wrong.pem")]))
    if cipher == "rc2-40":
        assert fitting > 20  # these reached the padding and plausibility checks


def test_exact_key_but_damaged_encrypted_key(alice):
    data = bytearray(cms_encrypt(MIME, [alice], "des3"))
    ri = load_content_info(bytes(data))["content"]["recipient_infos"][0].chosen
    start = bytes(data).find(ri["encrypted_key"].native)
    data[start + 100] ^= 0x01
    with pytest.raises(MalformedMessageError, match="key for this message was found") as raised:
        _open(bytes(data), keystore_for(alice))
    assert str(alice.key_pem) in str(raised.value)


@pytest.mark.parametrize("cipher", ["aes128", "des3", "rc2-64"])
def test_bit_flip_in_last_ciphertext_block_breaks_padding(alice, cipher):
    data = bytearray(cms_encrypt(MIME, [alice], cipher))
    # The encrypted content ends the DER message.  A flip in the last byte of the block
    # before the last one flips the same bit of the padding byte after CBC decryption: a
    # pad of 1-16 becomes one of 0x4A-0x5F, never valid.  (Flipping the last byte itself makes
    # the whole last block random, and about 1 time in 256 that is valid padding.)
    block = 16 if cipher.startswith("aes") else 8
    data[-1 - block] ^= 0x5A
    with pytest.raises(MalformedMessageError, match="the message is damaged"):
        _open(bytes(data), keystore_for(alice))


def test_gcm_bit_flip_in_ciphertext(alice):
    data = bytearray(cms_encrypt(MIME, [alice], "aes-256-gcm"))
    env = load_content_info(bytes(data))["content"]
    ct = env["auth_encrypted_content_info"]["encrypted_content"].native
    data[bytes(data).find(ct) + 5] ^= 0x01
    with pytest.raises(MalformedMessageError, match="the message is damaged"):
        _open(bytes(data), keystore_for(alice))


def test_gcm_tag_mismatch(alice):
    data = bytearray(cms_encrypt(MIME, [alice], "aes-128-gcm"))
    tag = load_content_info(bytes(data))["content"]["mac"].native
    data[bytes(data).rfind(tag)] ^= 0x80
    with pytest.raises(MalformedMessageError, match="the message is damaged"):
        _open(bytes(data), keystore_for(alice))


def test_ciphertext_not_whole_blocks(alice):
    cek = os.urandom(32)
    data = enc.enveloped(MIME, [enc.ktri(alice, cek)], cek=cek)
    ci = acms.ContentInfo.load(data)
    eci = ci["content"]["encrypted_content_info"]
    eci["encrypted_content"] = eci["encrypted_content"].native[:-3]
    with pytest.raises(MalformedMessageError, match="not a whole number"):
        _open(ci.dump(force=True), keystore_for(alice))


def test_unknown_content_cipher_oid(alice):
    data = cms_encrypt(MIME, [alice], "aes256")
    patched = enc.patch_oid(data, AES256_CBC, "2.16.840.1.101.3.4.1.99")
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(patched, keystore_for(alice))
    assert raised.value.oid == "2.16.840.1.101.3.4.1.99"
    assert raised.value.name is None
    assert raised.value.status == "unsupported"
    assert "2.16.840.1.101.3.4.1.99" in str(raised.value)


@pytest.mark.parametrize(
    "cipher, oid, name",
    [
        ("aes-128-ofb", "2.16.840.1.101.3.4.1.3", "aes128_ofb"),
        ("bf-cbc", "1.3.6.1.4.1.3029.1.2", "blowfish_cbc"),
    ],
)
def test_known_but_unsupported_content_cipher_is_named(alice, cipher, oid, name):
    data = cms_encrypt(MIME, [alice], cipher)
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(data, keystore_for(alice))
    assert raised.value.oid == oid
    assert raised.value.name == name
    assert f"{name} ({oid})" in str(raised.value)


def test_unknown_key_encryption_oid(alice):
    data = cms_encrypt(MIME, [alice], "aes256")
    odd = "1.2.840.113549.1.1.99"
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(enc.patch_oid(data, RSA_ENCRYPTION, odd), keystore_for(alice))
    assert raised.value.oid == odd
    assert "key transport" in str(raised.value)


def test_unknown_key_encryption_oid_of_someone_else_is_no_key(alice, bob):
    data = cms_encrypt(MIME, [bob], "aes256")
    with pytest.raises(NoMatchingKeyError):
        _open(enc.patch_oid(data, RSA_ENCRYPTION, "1.2.840.113549.1.1.99"), keystore_for(alice))


def test_unsupported_oaep_hash(alice):
    data = cms_encrypt(
        MIME, [alice], "aes128", keyopts=["rsa_padding_mode:oaep", "rsa_oaep_md:sha256"]
    )
    odd_hash = "2.16.840.1.101.3.4.2.99"
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(enc.patch_oid(data, "2.16.840.1.101.3.4.2.1", odd_hash), keystore_for(alice))
    assert raised.value.oid == odd_hash


def test_signed_and_enveloped_is_unsupported(alice):
    cek = os.urandom(32)
    data = enc.signed_and_enveloped(enc.enveloped(MIME, [enc.ktri(alice, cek)], cek=cek))
    with pytest.raises(UnsupportedAlgorithmError) as raised:
        _open(data, keystore_for(alice))
    assert raised.value.oid == "1.2.840.113549.1.7.4"


def test_not_encrypted_content_type(alice):
    ci = acms.ContentInfo({"content_type": "data", "content": b"plain"})
    with pytest.raises(MalformedMessageError, match="not encrypted"):
        decrypt_enveloped(load_content_info(ci.dump()), keystore_for(alice))


def test_password_and_kek_recipients_only(alice, tmp_path):
    data = cms_encrypt(MIME, [], "aes128", extra_args=["-pwri_password", "hemmeligt"])
    with pytest.raises(NoMatchingKeyError, match="password or a shared secret") as raised:
        _open(data, keystore_for(alice))
    assert [r.kind for r in raised.value.recipients] == ["pwri"]


def test_large_rc2_message_wrong_keys_are_rejected_cheaply(alice, wrong_rsa_keys, monkeypatch):
    """Pure-Python RC2 takes a second a megabyte: wrong keys must not decrypt it all."""
    from smime_archiver.crypto.cms import rc2

    decrypted = []
    real = rc2.rc2_cbc_decrypt

    def counting(key, iv, data, bits):
        decrypted.append(len(data))
        return real(key, iv, data, bits)

    monkeypatch.setattr(rc2, "rc2_cbc_decrypt", counting)
    big = MIME + b"A" * (512 * 1024)
    data, _key = _encrypt_below_half_modulus(alice, "rc2-40", big)
    ci = load_content_info(data)
    store = KeyStore([make_entry(key, None, "wrong.pem") for key in wrong_rsa_keys[:40]])
    with pytest.raises(NoMatchingKeyError):
        decrypt_enveloped(ci, store)
    assert len(decrypted) > 10  # the random "keys" that fit RC2 were tried...
    assert sum(decrypted) < len(big) // 2  # ...on the last block (and rarely a prefix) only
    for entry in keystore_for(alice):
        store.add(entry)
    plaintext, info = decrypt_enveloped(ci, store)
    assert plaintext == big
    assert info.content_algorithm == "rc2_cbc/40"
