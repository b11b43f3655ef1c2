"""Our password-based decryption against keys OpenSSL encrypted (``openssl pkcs8 -topk8``)."""

from __future__ import annotations

import os

import pytest
from asn1crypto import algos, keys
from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto import der
from smime_archiver.crypto.keys import pbe
from smime_archiver.crypto.keys.passwords import bmp_string
from tests.support.keyfiles import encryption_algorithm
from tests.support.tools import LEGACY, openssl

from .conftest import PASSWORD

V1_SCHEMES = [
    # RFC 7292 appendix B/C schemes (BMPString password)
    "PBE-SHA1-3DES", "PBE-SHA1-2DES", "PBE-SHA1-RC2-40", "PBE-SHA1-RC2-128",
    "PBE-SHA1-RC4-128", "PBE-SHA1-RC4-40",
    # PKCS#5 v1.5 PBES1 (octet password, PBKDF1)
    "PBE-MD5-DES", "PBE-SHA1-DES", "PBE-SHA1-RC2-64", "PBE-MD5-RC2-64",
]
V2_CIPHERS = ["des", "des3", "aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "rc2", "rc2-40-cbc"]
V2_PRFS = ["hmacWithSHA1", "hmacWithSHA256", "hmacWithSHA512"]


def _encrypted(rsa_id, *scheme: str) -> keys.EncryptedPrivateKeyInfo:
    out = openssl("pkcs8", "-topk8", "-in", str(rsa_id.key_pem), "-outform", "DER",
                  "-passout", "env:PW", *scheme, *LEGACY, env={"PW": PASSWORD})
    return keys.EncryptedPrivateKeyInfo.load(out)


def _decrypt_and_compare(info: keys.EncryptedPrivateKeyInfo, rsa_id) -> pbe.Plan:
    plan = pbe.plan(info["encryption_algorithm"])
    secret = bmp_string(PASSWORD) if plan.secret_kind == "bmp" else PASSWORD.encode()
    plain = plan.decrypt(info["encrypted_data"].native, secret)
    key = serialization.load_der_private_key(plain, None)
    assert key.private_numbers() == rsa_id.key.private_numbers()
    return plan


@pytest.mark.parametrize("scheme", V1_SCHEMES)
def test_v1_schemes_decrypt_openssl_output(rsa_id, scheme):
    info = _encrypted(rsa_id, "-v1", scheme)
    plan = _decrypt_and_compare(info, rsa_id)
    assert plan.secret_kind == ("bmp" if info["encryption_algorithm"]["algorithm"].dotted
                                .startswith("1.2.840.113549.1.12.1.") else "octets")


@pytest.mark.parametrize("prf", V2_PRFS)
@pytest.mark.parametrize("cipher", V2_CIPHERS)
def test_pbes2_decrypts_openssl_output(rsa_id, cipher, prf):
    plan = _decrypt_and_compare(_encrypted(rsa_id, "-v2", cipher, "-v2prf", prf), rsa_id)
    assert plan.kdf == "pbkdf2"
    assert plan.hash_name == prf.removeprefix("hmacWith").lower()


@pytest.mark.parametrize("scheme", ["PBE-SHA1-3DES", "PBE-SHA1-RC4-128", "PBE-MD5-DES"])
def test_wrong_password_is_caught(rsa_id, scheme):
    info = _encrypted(rsa_id, "-v1", scheme)
    plan = pbe.plan(info["encryption_algorithm"])
    data = info["encrypted_data"].native
    for wrong in ("sikker æøå 2009", PASSWORD + " ", "", "x"):
        secret = bmp_string(wrong) if plan.secret_kind == "bmp" else wrong.encode()
        try:
            plain = plan.decrypt(data, secret)
        except pbe.DecryptionFailed:
            continue
        # RC4 has no padding, and a CBC pad can be valid by chance: the DER check decides
        assert not der.is_well_formed(plain)


def test_nfd_password_does_not_decrypt_nfc_file(rsa_id):
    import unicodedata

    info = _encrypted(rsa_id, "-v2", "aes-256-cbc")
    plan = pbe.plan(info["encryption_algorithm"])
    with pytest.raises(pbe.DecryptionFailed):
        plan.decrypt(info["encrypted_data"].native,
                     unicodedata.normalize("NFD", PASSWORD).encode())


@pytest.mark.parametrize("scheme", ["sha1-3des", "sha1-2des", "sha1-rc2-40", "sha1-rc2-128",
                                    "sha1-rc4-40", "sha1-rc4-128", "pbes2-aes-128-cbc",
                                    "pbes2-des-ede3-cbc"])
def test_encrypt_then_decrypt(scheme):
    plan = pbe.plan(encryption_algorithm(scheme, iterations=10))
    data = os.urandom(77)
    secret = b"\x00s\x00\xe6\x00\x00"
    encrypted = plan.encrypt(data, secret)
    assert encrypted != data
    assert plan.decrypt(encrypted, secret) == data


def test_pkcs12_mac_matches_openssl(legacy_p12, modern_p12):
    from asn1crypto import pkcs12 as ap

    for path, hash_name in ((legacy_p12, "sha1"), (modern_p12, "sha256")):
        pfx = ap.Pfx.load(path.read_bytes())
        mac = pfx["mac_data"]
        args = (mac["mac_salt"].native, mac["iterations"].native,
                pfx["auth_safe"]["content"].native, mac["mac"]["digest"].native)
        oid = mac["mac"]["digest_algorithm"]["algorithm"].dotted
        assert pbe.mac_hash_name(oid) == hash_name
        assert pbe.verify_mac(hash_name, bmp_string(PASSWORD), *args)
        assert not pbe.verify_mac(hash_name, PASSWORD.encode(), *args)
        assert not pbe.verify_mac(hash_name, b"", *args)


def test_kdf_output_lengths_and_purposes():
    salt = bytes(range(8))
    secret = bmp_string("smeg")
    key = pbe.pkcs12_kdf("sha1", secret, salt, 1, 1, 24)
    iv = pbe.pkcs12_kdf("sha1", secret, salt, 1, 2, 8)
    long = pbe.pkcs12_kdf("sha1", secret, salt, 1, 1, 50)  # needs three hash rounds
    assert len(key) == 24 and len(iv) == 8 and long[:24] == key
    assert iv != key[:8]
    assert pbe.pkcs12_kdf("sha1", b"", salt, 1, 1, 24) != pbe.pkcs12_kdf("sha1", b"\0\0", salt,
                                                                          1, 1, 24)


def test_kdf_known_answer():
    """The widely used PKCS#12 KDF vector (password "smeg", BouncyCastle's PKCS12Test)."""
    salt = bytes.fromhex("0A58CF64530D823F")
    key = pbe.pkcs12_kdf("sha1", bmp_string("smeg"), salt, 1, 1, 24)
    assert key.hex().upper() == "8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3"
    iv = pbe.pkcs12_kdf("sha1", bmp_string("smeg"), salt, 1, 2, 8)
    assert iv.hex().upper() == "79993DFE048D3B76"


def test_unsupported_schemes_name_the_oid():
    md2 = algos.EncryptionAlgorithm({
        "algorithm": "1.2.840.113549.1.5.1",
        "parameters": algos.Pbes1Params({"salt": b"12345678", "iterations": 1}),
    })
    with pytest.raises(pbe.UnsupportedPBEError) as err:
        pbe.plan(md2)
    assert err.value.oid == "1.2.840.113549.1.5.1"
    unknown = algos.EncryptionAlgorithm({"algorithm": "1.2.840.113549.3.9", "parameters": None})
    with pytest.raises(pbe.UnsupportedPBEError) as err:
        pbe.plan(unknown)
    assert err.value.oid == "1.2.840.113549.3.9"


def test_scrypt_is_reported_as_unsupported(rsa_id):
    info = _encrypted(rsa_id, "-scrypt")
    with pytest.raises(pbe.UnsupportedPBEError) as err:
        pbe.plan(info["encryption_algorithm"])
    assert err.value.oid == "1.3.6.1.4.1.11591.4.11" and err.value.name == "scrypt"


def test_absurd_iteration_count_is_refused():
    algorithm = encryption_algorithm("sha1-3des", iterations=pbe.MAX_ITERATIONS + 1)
    with pytest.raises(pbe.PBEError) as err:
        pbe.plan(algorithm)
    assert not isinstance(err.value, pbe.UnsupportedPBEError)


def test_ciphertext_of_wrong_length_is_damage_not_a_wrong_password():
    plan = pbe.plan(encryption_algorithm("sha1-3des", iterations=1))
    with pytest.raises(pbe.PBEError) as err:
        plan.decrypt(b"\x01" * 13, b"\0\0")
    assert not isinstance(err.value, pbe.DecryptionFailed)
