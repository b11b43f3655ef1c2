"""Our own PKCS#12 reader, used directly (not only as the fallback behind ``cryptography``)."""

from __future__ import annotations

import unicodedata
import warnings

import pytest
from asn1crypto import pkcs12 as ap
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from smime_archiver.crypto.keys.passwords import PasswordFeed
from smime_archiver.crypto.keys.pkcs12 import Pkcs12File, looks_like_pfx, read_pkcs12
from smime_archiver.errors import DamagedKeyFileError, KeyFileError, WrongPasswordError
from tests.support.keyfiles import (
    CountingSource,
    ber_pkcs12_deep,
    build_pkcs12,
    der_to_ber,
    never_asked,
)
from tests.support.tools import LEGACY, openssl, p12_export, run

from .conftest import PASSWORD


def _same_key(a, b) -> bool:
    return a.public_key().public_numbers() == b.public_key().public_numbers()


def openssl_accepts(path, password: str | None) -> bytes:
    """``openssl pkcs12 -info`` decrypts every part: proves a fixture is a valid PKCS#12."""
    return openssl("pkcs12", "-info", "-in", str(path), "-nodes", "-passin", "env:PW", *LEGACY,
                   env={"PW": password or ""})


def test_legacy_openssl_file(legacy_p12, rsa_id):
    contents = read_pkcs12(legacy_p12.read_bytes(), str(legacy_p12), [PASSWORD])
    assert len(contents.keys) == 1 and _same_key(contents.keys[0].private_key, rsa_id.key)
    assert contents.keys[0].friendly_name == "Søren"
    subjects = [c.certificate.subject for c in contents.certificates]
    assert subjects == [rsa_id.cert.subject, rsa_id.issuer.cert.subject]


def test_modern_openssl_file_with_nfd_typed_password(modern_p12, rsa_id):
    typed = unicodedata.normalize("NFD", PASSWORD)
    assert typed != PASSWORD
    contents = read_pkcs12(modern_p12.read_bytes(), "m.p12", [typed])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)
    assert len(contents.certificates) == 2


def test_wrong_password(legacy_p12):
    with pytest.raises(WrongPasswordError) as err:
        read_pkcs12(legacy_p12.read_bytes(), "legacy.p12", ["forkert", "Sikker aeoa 2009"])
    assert "legacy.p12" in str(err.value) and "forkert" not in str(err.value)


def test_no_password_given_says_one_is_needed(legacy_p12):
    with pytest.raises(WrongPasswordError) as err:
        read_pkcs12(legacy_p12.read_bytes(), "legacy.p12", [])
    assert "protected by a password" in str(err.value)


@pytest.mark.parametrize(("keypbe", "certpbe", "macalg"), [
    ("PBE-SHA1-RC2-128", "PBE-SHA1-RC2-128", "sha1"),
    ("PBE-SHA1-2DES", "PBE-SHA1-RC2-40", "sha1"),
    ("PBE-SHA1-RC4-128", "PBE-SHA1-RC4-40", "sha1"),
    ("des-ede3-cbc", "aes-128-cbc", "sha256"),  # PBES2 with 3DES and AES-128
    ("aes-192-cbc", "aes-256-cbc", "sha512"),
])
def test_pbe_variants_written_by_openssl(rsa_id, tmp_path, keypbe, certpbe, macalg):
    path = p12_export(rsa_id, tmp_path / "v.p12", PASSWORD, legacy=False,
                      extra_args=["-keypbe", keypbe, "-certpbe", certpbe, "-macalg", macalg,
                                  *LEGACY])
    contents = read_pkcs12(path.read_bytes(), "v.p12", [PASSWORD])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)
    assert len(contents.certificates) == 2


@pytest.mark.parametrize("legacy", [True, False])
def test_file_without_mac(rsa_id, tmp_path, legacy):
    path = p12_export(rsa_id, tmp_path / "nomac.p12", PASSWORD, legacy=legacy,
                      extra_args=["-nomac"])
    p12 = Pkcs12File(path.read_bytes(), "nomac.p12")
    assert not p12.has_mac
    source = CountingSource("wrong", PASSWORD)
    contents = read_pkcs12(path.read_bytes(), "nomac.p12", source)
    assert _same_key(contents.keys[0].private_key, rsa_id.key)
    with pytest.raises(WrongPasswordError):
        read_pkcs12(path.read_bytes(), "nomac.p12", ["wrong"])


def test_file_without_mac_and_without_encryption_needs_no_password(rsa_id, ec_id):
    data = build_pkcs12([(rsa_id.key, None)], [(rsa_id.cert, None)], None, key_scheme=None,
                        cert_scheme=None, mac=None)
    contents = read_pkcs12(data, "plain.p12", never_asked)
    assert len(contents.keys) == 1 and len(contents.certificates) == 1


@pytest.mark.parametrize("prf", ["sha1", "sha256", "sha512"])
@pytest.mark.parametrize("cipher", ["pbes2-des-ede3-cbc", "pbes2-aes-128-cbc",
                                    "pbes2-aes-192-cbc", "pbes2-aes-256-cbc"])
def test_pbes2_prfs_and_ciphers(rsa_id, tmp_path, prf, cipher):
    data = build_pkcs12([(rsa_id.key, "k")], [(rsa_id.cert, "k")], PASSWORD, key_scheme=cipher,
                        cert_scheme=cipher, prf=prf, mac="sha256")
    (tmp_path / "w.p12").write_bytes(data)
    assert b"BEGIN PRIVATE KEY" in openssl_accepts(tmp_path / "w.p12", PASSWORD)
    contents = read_pkcs12(data, "w.p12", [PASSWORD])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)


def test_several_keys_in_one_file(rsa_id, rsa2_id, ec_id, tmp_path):
    data = build_pkcs12(
        [(rsa_id.key, "rsa 1"), (rsa2_id.key, "rsa 2"), (ec_id.key, "ec")],
        [(rsa_id.cert, "rsa 1"), (rsa2_id.cert, "rsa 2"), (ec_id.cert, "ec")],
        PASSWORD,
    )
    (tmp_path / "multi.p12").write_bytes(data)
    assert openssl_accepts(tmp_path / "multi.p12", PASSWORD).count(b"BEGIN PRIVATE KEY") == 3
    # cryptography's loader returns only one of them ...
    one = crypto_pkcs12.load_pkcs12(data, PASSWORD.encode())
    assert one.key is not None and len(one.additional_certs) + 1 == 3
    # ... ours returns all three, in file order
    contents = read_pkcs12(data, "multi.p12", [PASSWORD])
    assert [k.friendly_name for k in contents.keys] == ["rsa 1", "rsa 2", "ec"]
    for got, ident in zip(contents.keys, (rsa_id, rsa2_id, ec_id), strict=True):
        assert _same_key(got.private_key, ident.key)


def test_openssl_1_0_widened_utf8_password(rsa_id, tmp_path):
    """OpenSSL < 1.1 made the BMPString by widening each UTF-8 byte (æ = 00 C3 00 A6)."""
    as_latin1 = PASSWORD.encode("utf-8").decode("latin-1")  # OpenSSL 3 widens this the same way
    path = p12_export(rsa_id, tmp_path / "old.p12", as_latin1, legacy=True)
    pfx = ap.Pfx.load(path.read_bytes())
    assert pfx["mac_data"] is not None
    contents = read_pkcs12(path.read_bytes(), "old.p12", [PASSWORD])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)
    # The same file, typed on a Mac (NFD) today: still found
    nfd = unicodedata.normalize("NFD", PASSWORD)
    assert read_pkcs12(path.read_bytes(), "old.p12", [nfd]).keys


def test_widened_password_via_our_writer(rsa_id):
    from smime_archiver.crypto.keys.passwords import widen

    data = build_pkcs12([(rsa_id.key, None)], [(rsa_id.cert, None)], None,
                        bmp_secret=widen(PASSWORD.encode("utf-8")))
    contents = read_pkcs12(data, "w.p12", [PASSWORD])
    assert len(contents.keys) == 1


def test_empty_and_no_password_are_told_apart(rsa_id, tmp_path):
    empty = p12_export(rsa_id, tmp_path / "empty.p12", "", legacy=True)
    none = build_pkcs12([(rsa_id.key, None)], [(rsa_id.cert, None)], None)
    (tmp_path / "none.p12").write_bytes(none)
    openssl_accepts(tmp_path / "none.p12", None)
    for data, label in ((empty.read_bytes(), "empty"), (none, "none")):
        p12 = Pkcs12File(data, label)
        unlock = p12.unlock(PasswordFeed(never_asked, label))
        assert unlock.mac_verified and unlock.secret.label == label
        assert len(p12.read(PasswordFeed(never_asked, label), unlock).keys) == 1


def test_ber_outer_structure_keeps_the_mac(legacy_p12, rsa_id, tmp_path):
    ber = der_to_ber(legacy_p12.read_bytes(), chunk=64)
    assert ber[:2] == b"\x30\x80" and ber != legacy_p12.read_bytes()
    (tmp_path / "ber.p12").write_bytes(ber)
    openssl_accepts(tmp_path / "ber.p12", PASSWORD)
    contents = read_pkcs12(ber, "ber.p12", [PASSWORD])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)
    assert len(contents.certificates) == 2


def test_ber_all_the_way_down(legacy_p12, rsa_id, tmp_path):
    ber = ber_pkcs12_deep(legacy_p12.read_bytes(), PASSWORD, chunk=40)
    (tmp_path / "deep.p12").write_bytes(ber)
    assert b"BEGIN PRIVATE KEY" in openssl_accepts(tmp_path / "deep.p12", PASSWORD)
    contents = read_pkcs12(ber, "deep.p12", [PASSWORD])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            crypto_pkcs12.load_pkcs12(ber, PASSWORD.encode())
            refused = False
        except ValueError:
            refused = True
    assert refused or any("parsed as DER" in str(w.message) for w in caught)


def test_nss_pk12util_export(rsa_id, tmp_path):
    """NSS writes BER with indefinite lengths, PBES2 with 600000 iterations."""
    from tests.support.tools import NSSDB

    db = NSSDB(tmp_path / "nss")
    nick = db.add(rsa_id)
    out = tmp_path / "nss.p12"
    run(["pk12util", "-o", str(out), "-n", nick, "-d", f"sql:{db.dir}", "-W", PASSWORD, "-K", ""])
    data = out.read_bytes()
    assert data[:2] == b"\x30\x80"
    contents = read_pkcs12(data, "nss.p12", [PASSWORD])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)


def test_damaged_files_are_damaged_before_any_password_is_asked(legacy_p12):
    data = legacy_p12.read_bytes()
    for broken in (data[: len(data) // 2], data[:40], data[:-1]):
        with pytest.raises(DamagedKeyFileError) as err:
            read_pkcs12(broken, "cut.p12", never_asked)
        assert "cut.p12" in str(err.value)


def test_flipped_byte_inside_is_a_wrong_mac_not_a_crash(legacy_p12):
    data = bytearray(legacy_p12.read_bytes())
    data[len(data) // 2] ^= 0x01
    with pytest.raises(KeyFileError):
        read_pkcs12(bytes(data), "flip.p12", [PASSWORD])


def test_looks_like_pfx(legacy_p12, rsa_id):
    assert looks_like_pfx(legacy_p12.read_bytes())
    assert looks_like_pfx(der_to_ber(legacy_p12.read_bytes()))
    assert not looks_like_pfx(rsa_id.cert_pem.read_bytes())
    assert not looks_like_pfx(b"\x30\x03\x02\x01\x03")


def test_unknown_mac_algorithm_is_a_warning(rsa_id):
    data = build_pkcs12([(rsa_id.key, None)], [(rsa_id.cert, None)], PASSWORD)
    pfx = ap.Pfx.load(data)
    mac = pfx["mac_data"]
    changed = ap.Pfx({
        "version": "v3",
        "auth_safe": pfx["auth_safe"],
        "mac_data": {"mac": {"digest_algorithm": {"algorithm": "1.2.3.4.5"},
                             "digest": mac["mac"]["digest"].native},
                     "mac_salt": mac["mac_salt"].native,
                     "iterations": mac["iterations"].native},
    }).dump()
    contents = read_pkcs12(changed, "odd.p12", [PASSWORD])
    assert len(contents.keys) == 1
    assert any("1.2.3.4.5" in w for w in contents.warnings)


def test_unsupported_key_encryption_names_the_oid(rsa_id):
    data = build_pkcs12([(rsa_id.key, None)], [], None, mac=None)
    # rebuild the file with the key bag claiming pbeWithMD2AndRC2-CBC (MD2 is gone everywhere)
    pfx = ap.Pfx.load(data)
    safes = pfx.authenticated_safe
    bags = ap.SafeContents.load(safes[0]["content"].native)
    epki = bags[0]["bag_value"]
    from asn1crypto import algos, cms, keys

    epki2 = keys.EncryptedPrivateKeyInfo({
        "encryption_algorithm": algos.EncryptionAlgorithm(
            {"algorithm": "1.2.840.113549.1.5.4",  # pbeWithMD2AndRC2-CBC
             "parameters": algos.Pbes1Params({"salt": b"12345678", "iterations": 1})}),
        "encrypted_data": epki["encrypted_data"].native,
    })
    new_bags = ap.SafeContents([{"bag_id": "pkcs8_shrouded_key_bag", "bag_value": epki2}])
    content = ap.AuthenticatedSafe([cms.ContentInfo({"content_type": "data",
                                                     "content": new_bags.dump()})]).dump()
    rebuilt = ap.Pfx({"version": "v3",
                      "auth_safe": {"content_type": "data", "content": content}}).dump()
    with pytest.raises(KeyFileError) as err:
        read_pkcs12(rebuilt, "md2.p12", ["x"])
    assert "1.2.840.113549.1.5.4" in str(err.value)
    assert not isinstance(err.value, (WrongPasswordError, DamagedKeyFileError))


def _rebuild(infos, *, signed: bool = False) -> bytes:
    from asn1crypto import cms

    content = ap.AuthenticatedSafe(infos).dump()
    if signed:  # public-key integrity mode: the AuthenticatedSafe inside a SignedData
        auth_safe = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData({
            "version": "v1", "digest_algorithms": [],
            "encap_content_info": {"content_type": "data", "content": content},
            "signer_infos": []})})
    else:
        auth_safe = cms.ContentInfo({"content_type": "data", "content": content})
    return ap.Pfx({"version": "v3", "auth_safe": auth_safe}).dump()


def _plain_infos(ident):
    data = build_pkcs12([(ident.key, "k")], [(ident.cert, "c")], None, key_scheme=None,
                        cert_scheme=None, mac=None)
    return list(ap.Pfx.load(data).authenticated_safe)


def test_nested_safe_contents_bag(rsa_id):
    from asn1crypto import cms

    bags = [bag for info in _plain_infos(rsa_id)
            for bag in ap.SafeContents.load(info["content"].native)]
    nested = ap.SafeContents([{"bag_id": "safe_contents", "bag_value": ap.SafeContents(bags)}])
    data = _rebuild([cms.ContentInfo({"content_type": "data", "content": nested.dump()})])
    contents = read_pkcs12(data, "nested.p12", never_asked)
    assert len(contents.keys) == 1 and len(contents.certificates) == 1
    assert contents.keys[0].friendly_name == "k"


def test_signed_data_integrity_mode(rsa_id):
    contents = read_pkcs12(_rebuild(_plain_infos(rsa_id), signed=True), "signed.p12",
                           never_asked)
    assert len(contents.keys) == 1 and len(contents.certificates) == 1


def test_enveloped_part_is_skipped_with_a_warning(rsa_id):
    from asn1crypto import cms

    enveloped = cms.ContentInfo({"content_type": "enveloped_data", "content": cms.EnvelopedData({
        "version": "v0", "recipient_infos": [],
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": "aes128_cbc",
                                             "parameters": b"\x00" * 16},
            "encrypted_content": b"\x00" * 32}})})
    contents = read_pkcs12(_rebuild([*_plain_infos(rsa_id), enveloped]), "env.p12",
                           never_asked)
    assert len(contents.keys) == 1
    assert len(contents.warnings) == 1 and "1.2.840.113549.1.7.3" in contents.warnings[0]


def test_pbes2_fed_with_the_bmpstring(rsa_id):
    """Some writers gave PBKDF2 the PKCS#12 BMPString instead of UTF-8: tried last."""
    from smime_archiver.crypto.keys.passwords import bmp_string

    data = build_pkcs12([(rsa_id.key, None)], [(rsa_id.cert, None)], PASSWORD,
                        key_scheme="pbes2-aes-256-cbc", cert_scheme="pbes2-aes-256-cbc",
                        octet_secret=bmp_string(PASSWORD))
    contents = read_pkcs12(data, "bmp.p12", [PASSWORD])
    assert _same_key(contents.keys[0].private_key, rsa_id.key)
