"""``load_key_file`` on PKCS#12 files: OpenSSL, cryptography, BER, odd passwords, bad files."""

from __future__ import annotations

import os
import unicodedata
import warnings
from pathlib import Path

import pytest
from asn1crypto import pkcs12 as ap
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12 as crypto_pkcs12

from smime_archiver.crypto.keys import keyfiles
from smime_archiver.crypto.keys.keyfiles import load_key_file, load_key_files
from smime_archiver.errors import DamagedKeyFileError, UnusableKeyError, WrongPasswordError
from tests.support.keyfiles import CountingSource, build_pkcs12, der_to_ber, never_asked
from tests.support.tools import p12_export

from .conftest import PASSWORD

NFD = unicodedata.normalize("NFD", PASSWORD)


def _cryptography_p12(ident, path: Path, pbes, password: str | None) -> Path:
    if password is None:
        encryption = serialization.NoEncryption()
    else:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pbes)
            .hmac_hash(hashes.SHA1() if pbes.name.startswith("PBESv1") else hashes.SHA256())
            .build(password.encode("utf-8"))
        )
    path.write_bytes(crypto_pkcs12.serialize_key_and_certificates(
        b"sikker-mail", ident.key, ident.cert, [ident.issuer.cert], encryption))
    return path


def _subject(ident) -> str:
    from smime_archiver.crypto.names import format_name

    return format_name(ident.cert.subject)


def _check_entry(result, ident, *, certs: int = 2):
    assert len(result.entries) == 1
    entry = result.entries[0]
    public = entry.private_key.public_key().public_numbers()
    assert public == ident.key.public_key().public_numbers()
    assert entry.certificate == ident.cert
    assert entry.description.subject == _subject(ident)
    assert ident.issuer.cert in entry.chain
    assert len(result.certificates) == certs


def test_openssl_legacy(legacy_p12, rsa_id):
    result = load_key_file(legacy_p12, [PASSWORD])
    _check_entry(result, rsa_id)
    assert result.source == str(legacy_p12)
    assert result.entries[0].description.friendly_name == "Søren"
    assert "Søren Ærø Åberg" in result.entries[0].description.subject
    assert result.warnings == []


def test_openssl_modern_typed_nfd(modern_p12, rsa_id):
    _check_entry(load_key_file(modern_p12, [NFD]), rsa_id)


@pytest.mark.parametrize("pbes", [crypto_pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC,
                                  crypto_pkcs12.PBES.PBESv2SHA256AndAES256CBC])
@pytest.mark.parametrize("typed", [PASSWORD, NFD], ids=["nfc", "nfd"])
def test_written_by_cryptography(rsa_id, tmp_path, pbes, typed):
    path = _cryptography_p12(rsa_id, tmp_path / "c.p12", pbes, PASSWORD)
    result = load_key_file(path, [typed])
    _check_entry(result, rsa_id)
    assert result.entries[0].description.friendly_name == "sikker-mail"


def _spy_on_cryptography(monkeypatch) -> list:
    calls = []
    real = crypto_pkcs12.load_pkcs12

    def spy(data, password, *args, **kw):
        calls.append(password)
        return real(data, password, *args, **kw)

    monkeypatch.setattr(keyfiles.crypto_pkcs12, "load_pkcs12", spy)
    return calls


def test_our_reader_alone_reads_a_file_it_understands(legacy_p12, rsa_id, monkeypatch):
    calls = _spy_on_cryptography(monkeypatch)
    _check_entry(load_key_file(legacy_p12, [PASSWORD]), rsa_id)
    assert calls == []  # the key is not read (and checked) a second time


def test_cryptography_reads_what_our_reader_cannot(legacy_p12, rsa_id, monkeypatch):
    from smime_archiver.crypto.keys import pkcs12
    from smime_archiver.errors import KeyFileError

    def refuse(self, feed, unlock):
        raise KeyFileError("not understood", source="x")

    monkeypatch.setattr(pkcs12.Pkcs12File, "read", refuse)
    calls = _spy_on_cryptography(monkeypatch)
    _check_entry(load_key_file(legacy_p12, [PASSWORD]), rsa_id)
    assert calls == [PASSWORD.encode("utf-8")]  # with the password our MAC check found


def test_ber_file_loads_and_the_ber_warning_does_not_leak(legacy_p12, rsa_id, tmp_path):
    ber = tmp_path / "ber.p12"
    ber.write_bytes(der_to_ber(legacy_p12.read_bytes(), chunk=64))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            crypto_pkcs12.load_pkcs12(ber.read_bytes(), PASSWORD.encode())
            refused = False
        except ValueError:
            refused = True
    assert refused or any("parsed as DER" in str(w.message) for w in caught)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = load_key_file(ber, [PASSWORD])
    assert not [w for w in caught if "DER" in str(w.message)]
    _check_entry(result, rsa_id)


def test_when_cryptography_refuses_our_reader_loads(rsa_id, tmp_path):
    """A MAC algorithm OpenSSL does not know: cryptography refuses, we load with a warning."""
    data = build_pkcs12([(rsa_id.key, None)], [(rsa_id.cert, None)], PASSWORD)
    pfx = ap.Pfx.load(data)
    mac = pfx["mac_data"]
    odd = ap.Pfx({
        "version": "v3",
        "auth_safe": pfx["auth_safe"],
        "mac_data": {"mac": {"digest_algorithm": {"algorithm": "1.3.6.1.4.1.99999.1"},
                             "digest": mac["mac"]["digest"].native},
                     "mac_salt": mac["mac_salt"].native, "iterations": 2048},
    }).dump()
    with pytest.raises(ValueError):
        crypto_pkcs12.load_pkcs12(odd, PASSWORD.encode())
    path = tmp_path / "odd.p12"
    path.write_bytes(odd)
    result = load_key_file(path, [PASSWORD])
    assert len(result.entries) == 1 and result.entries[0].certificate == rsa_id.cert
    assert any("1.3.6.1.4.1.99999.1" in w for w in result.warnings)


def test_every_key_of_a_multi_key_file(rsa_id, rsa2_id, ec_id, tmp_path):
    path = tmp_path / "multi.p12"
    path.write_bytes(build_pkcs12(
        [(rsa_id.key, "a"), (rsa2_id.key, "b"), (ec_id.key, "c")],
        [(rsa_id.cert, "a"), (rsa2_id.cert, "b"), (ec_id.cert, "c"), (rsa_id.issuer.cert, None)],
        PASSWORD, key_scheme="pbes2-aes-256-cbc", cert_scheme="pbes2-aes-256-cbc",
        mac="sha256"))
    result = load_key_file(path, [PASSWORD])
    assert [e.certificate for e in result.entries] == [rsa_id.cert, rsa2_id.cert, ec_id.cert]
    assert [e.description.key_type for e in result.entries] == ["RSA", "RSA", "EC secp256r1"]
    assert len(result.certificates) == 4


def test_openssl_1_0_style_password(rsa_id, tmp_path):
    as_latin1 = PASSWORD.encode("utf-8").decode("latin-1")
    path = p12_export(rsa_id, tmp_path / "old.p12", as_latin1, legacy=True)
    _check_entry(load_key_file(path, [NFD]), rsa_id)


def test_no_password_and_empty_password_never_ask(rsa_id, tmp_path):
    empty = p12_export(rsa_id, tmp_path / "empty.p12", "", legacy=False)
    nothing = tmp_path / "none.p12"
    nothing.write_bytes(build_pkcs12([(rsa_id.key, None)], [(rsa_id.cert, None)], None))
    for path in (empty, nothing):
        assert len(load_key_file(path, never_asked).entries) == 1


def test_passwords_are_pulled_lazily(legacy_p12):
    source = CountingSource(PASSWORD, "never used")
    load_key_file(legacy_p12, source)
    assert source.calls == [str(legacy_p12)] and source.handed_out == 1
    source = CountingSource("wrong", NFD, "never used")
    load_key_file(legacy_p12, source)
    assert source.handed_out == 2


def test_wrong_password(legacy_p12):
    source = CountingSource("forkert", "Sikker aeoeaa 2009")
    with pytest.raises(WrongPasswordError) as err:
        load_key_file(legacy_p12, source)
    text = str(err.value)
    assert str(legacy_p12) in text and "forkert" not in text and "try again" in text
    assert err.value.source == str(legacy_p12)
    assert source.handed_out == 2


def test_truncated_file_is_damaged_and_asks_nothing(legacy_p12, tmp_path):
    cut = tmp_path / "cut.p12"
    cut.write_bytes(legacy_p12.read_bytes()[:700])
    with pytest.raises(DamagedKeyFileError) as err:
        load_key_file(cut, never_asked)
    assert str(cut) in str(err.value)


def test_random_bytes_are_not_a_key_file(tmp_path):
    for name, data in (("random.p12", os.urandom(3000)),
                       ("seq.p12", b"\x30\x82\x0b\xb8" + os.urandom(3000)),
                       ("empty.p12", b"")):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(DamagedKeyFileError) as err:
            load_key_file(path, never_asked)
        assert str(path) in str(err.value)


def test_dsa_only_file_is_unusable(dsa_id, tmp_path):
    path = p12_export(dsa_id, tmp_path / "dsa.p12", PASSWORD, legacy=True)
    with pytest.raises(UnusableKeyError) as err:
        load_key_file(path, [PASSWORD])
    assert "DSA" in str(err.value) and str(path) in str(err.value)


def test_dsa_beside_rsa_is_a_warning(rsa_id, dsa_id, tmp_path):
    path = tmp_path / "mixed.p12"
    path.write_bytes(build_pkcs12([(dsa_id.key, "sign"), (rsa_id.key, "crypt")],
                                  [(dsa_id.cert, "sign"), (rsa_id.cert, "crypt")], PASSWORD))
    result = load_key_file(path, [PASSWORD])
    assert [e.certificate for e in result.entries] == [rsa_id.cert]
    assert len(result.warnings) == 1
    assert "DSA" in result.warnings[0] and "cannot decrypt mail" in result.warnings[0]


def test_unusable_file_in_load_key_files_does_not_stop_the_run(legacy_p12, dsa_id, tmp_path):
    dsa = p12_export(dsa_id, tmp_path / "dsa.p12", PASSWORD, legacy=True)
    store, errors = load_key_files([dsa, legacy_p12], [PASSWORD])
    assert len(store) == 1
    assert [type(e) for e in errors] == [UnusableKeyError]


# --- cryptography's test vectors -------------------------------------------------------------

VECTORS = Path(__import__("cryptography_vectors").__file__).parent / "pkcs12"
# file: (usable keys, certificates, needs a typed password)
EXPECTED = {
    "cert-aes256cbc-no-key.p12": (0, 1, True),
    "cert-key-aes256cbc.p12": (1, 1, True),
    "cert-none-key-none.p12": (1, 1, True),
    "cert-rc2-key-3des.p12": (1, 1, True),
    "java-truststore.p12": (0, 2, False),
    "no-cert-key-aes256cbc.p12": (1, 0, True),
    "no-password.p12": (1, 1, False),
}
for _name in ("name-1", "name-2", "name-3", "name-2-3", "name-all", "name-unicode", "no-name"):
    EXPECTED[f"{_name}-pwd.p12"] = (1, 3, True)
    EXPECTED[f"{_name}-no-pwd.p12"] = (1, 3, False)
for _name in ("name-2", "name-3", "name-all", "name-unicode", "no-name"):
    EXPECTED[f"no-cert-{_name}-pwd.p12"] = (0, 2, True)
    EXPECTED[f"no-cert-{_name}-no-pwd.p12"] = (0, 2, False)


def test_expectations_cover_every_vector():
    assert sorted(EXPECTED) == sorted(p.name for p in VECTORS.glob("*.p12"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cryptography_vectors(name):
    keys, certs, needs_password = EXPECTED[name]
    source = CountingSource("cryptography", "password")
    result = load_key_file(VECTORS / name, source)
    assert (len(result.entries), len(result.certificates)) == (keys, certs)
    assert bool(source.calls) == needs_password
    for entry in result.entries:
        assert entry.description.key_type.startswith("EC")
        if certs and "no-cert" not in name:
            assert entry.certificate is not None
            assert (entry.certificate.public_key().public_numbers()
                    == entry.private_key.public_key().public_numbers())


def test_certificates_without_key_warn_only_in_load_key_files():
    store, errors = load_key_files([VECTORS / "java-truststore.p12"], never_asked,
                                   on_warning=(seen := []).append)
    assert errors == [] and len(store) == 0 and len(store.certificates) == 2
    assert len(seen) == 1 and "java-truststore.p12" in seen[0] and "no private key" in seen[0]


def test_cryptography_is_asked_when_our_reader_finds_no_key(legacy_p12, rsa_id, monkeypatch):
    from smime_archiver.crypto.keys import pkcs12

    real = pkcs12.Pkcs12File.read

    def without_keys(self, feed, unlock):
        contents = real(self, feed, unlock)
        contents.skipped_keys.append("a key type our reader does not know")
        contents.keys.clear()
        return contents

    monkeypatch.setattr(pkcs12.Pkcs12File, "read", without_keys)
    calls = _spy_on_cryptography(monkeypatch)
    _check_entry(load_key_file(legacy_p12, [PASSWORD]), rsa_id)
    assert len(calls) == 1
