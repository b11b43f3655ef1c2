"""``load_nss_database`` on databases NSS made: both formats, with or without a primary password."""

from __future__ import annotations

import unicodedata

import pytest
from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto.keys.keyfiles import load_key_file
from smime_archiver.crypto.keys.nss import database_folder, is_nss_database, load_nss_database, sdb
from smime_archiver.crypto.keys.nss.hashdb import read_pairs
from smime_archiver.crypto.names import format_name
from smime_archiver.errors import KeyFileError, WrongPasswordError
from tests.support.keyfiles import CountingSource, never_asked
from tests.support.nssdb import P12_PASSWORD, downgrade_key4_to_3des, oid_of

from .conftest import PASSWORD

KINDS = ["sql", "dbm"]
KEY_DB = {"sql": "key4.db", "dbm": "key3.db"}


def _der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _by_subject(result):
    return {e.description.subject: e for e in result.entries}


def _check(result, folder, *identities, peer=None):
    """Every identity's key (same public numbers) with its own certificate and its CA."""
    entries = _by_subject(result)
    assert len(result.entries) == len(identities)
    for ident in identities:
        entry = entries[format_name(ident.cert.subject)]
        assert (entry.private_key.public_key().public_numbers()
                == ident.key.public_key().public_numbers())
        assert entry.private_key.private_numbers() == ident.key.private_numbers()
        assert _der(entry.certificate) == _der(ident.cert)
        assert [_der(c) for c in entry.chain] == [_der(ident.issuer.cert)]
        assert entry.description.source == str(folder)
        assert entry.description.origin == "nss_profile"
        assert entry.description.friendly_name == ident.label
        assert entry.description.to_json()["origin"] == "nss_profile"
    ders = {_der(c) for c in result.certificates}
    for ident in identities:
        assert _der(ident.cert) in ders and _der(ident.issuer.cert) in ders
    if peer is not None:  # a correspondent's certificate comes along (for signatures)
        assert _der(peer.cert) in ders
    assert result.source == str(folder)
    assert result.warnings == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_primary_password_is_never_asked_for(profiles, kind, nss_rsa, nss_ec, nss_peer):
    folder = profiles[kind, False]
    assert (folder / KEY_DB[kind]).is_file()
    result = load_nss_database(folder, never_asked)
    _check(result, folder, nss_rsa, nss_ec, peer=nss_peer)


@pytest.mark.parametrize("kind", KINDS)
def test_primary_password_with_danish_letters(profiles, kind, nss_rsa, nss_ec, nss_peer):
    folder = profiles[kind, True]
    source = CountingSource("forkert", PASSWORD)
    result = load_nss_database(folder, source)
    _check(result, folder, nss_rsa, nss_ec, peer=nss_peer)
    assert source.calls == [str(folder)]
    assert source.handed_out == 2


@pytest.mark.parametrize("kind", KINDS)
def test_password_typed_on_a_mac_is_nfd(profiles, kind, nss_rsa, nss_ec):
    nfd = unicodedata.normalize("NFD", PASSWORD)
    assert nfd != PASSWORD
    result = load_nss_database(profiles[kind, True], [nfd])
    assert len(result.entries) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_nss_keeps_the_password_as_utf8(profiles, kind):
    """The password file held UTF-8; the Latin-1 bytes of the same letters do not open it."""
    from smime_archiver.crypto.keys.nss import legacydb, nsspbe

    folder = profiles[kind, True]
    if kind == "sql":
        db = sdb.read_key_database(folder / "key4.db")
    else:
        db = legacydb.read_key_database((folder / "key3.db").read_bytes())
    assert db.opens(nsspbe.password_key(db.global_salt, PASSWORD.encode("utf-8")))
    assert not db.opens(nsspbe.password_key(db.global_salt, PASSWORD.encode("latin-1")))
    assert not db.opens(nsspbe.password_key(db.global_salt, b""))


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_primary_password(profiles, kind):
    folder = profiles[kind, True]
    with pytest.raises(WrongPasswordError) as info:
        load_nss_database(folder, ["forkert", P12_PASSWORD, "Hemmelig aeoeaa 2011"])
    message = str(info.value)
    assert "None of the 3 passwords given" in message and str(folder) in message
    assert info.value.source == str(folder)
    for password in ("forkert", P12_PASSWORD):
        assert password not in message


@pytest.mark.parametrize("kind", KINDS)
def test_no_password_given_for_a_protected_profile(profiles, kind):
    with pytest.raises(WrongPasswordError, match="protected by a primary password"):
        load_nss_database(profiles[kind, True])


def test_the_password_message_is_danish(profiles):
    from smime_archiver import i18n

    i18n.set_language("da")
    with pytest.raises(WrongPasswordError) as info:
        load_nss_database(profiles["sql", True], ["forkert"])
    assert "hovedadgangskode" in str(info.value)


@pytest.mark.parametrize("kind", KINDS)
def test_a_database_file_names_its_folder(profiles, kind, nss_rsa, nss_ec):
    folder = profiles[kind, False]
    assert database_folder(folder / KEY_DB[kind]) == folder
    assert is_nss_database(folder) and is_nss_database(folder / KEY_DB[kind])
    result = load_nss_database(folder / KEY_DB[kind])
    assert result.source == str(folder)
    assert len(result.entries) == 2


def test_keys_equal_the_key_files_they_came_from(profiles, nss_dir, nss_rsa):
    """The key out of key3.db and key4.db is the key of the .p12 that was imported."""
    from_p12 = load_key_file(nss_dir / f"{nss_rsa.label}.legacy.p12", [P12_PASSWORD])
    p12_key = from_p12.entries[0].private_key
    for kind in KINDS:
        entry = _by_subject(load_nss_database(profiles[kind, False]))[
            format_name(nss_rsa.cert.subject)]
        assert entry.private_key.private_numbers() == p12_key.private_numbers()
        assert entry.certificate == from_p12.entries[0].certificate


def test_certificates_but_no_key_database(certs_only, nss_rsa, nss_peer):
    assert not (certs_only / "key4.db").exists()
    result = load_nss_database(certs_only, never_asked)
    assert result.entries == []
    assert {_der(c) for c in result.certificates} >= {_der(nss_rsa.cert), _der(nss_peer.cert)}
    assert len(result.warnings) == 1
    assert "no private key" in result.warnings[0] and str(certs_only) in result.warnings[0]


def test_not_a_profile(tmp_path):
    (tmp_path / "prefs.js").write_text("user_pref();")
    with pytest.raises(KeyFileError, match="holds no Thunderbird/Firefox key database"):
        load_nss_database(tmp_path)
    assert not is_nss_database(tmp_path)
    with pytest.raises(KeyFileError, match="cannot be read"):
        load_nss_database(tmp_path / "missing")


def test_migrated_profile_keeps_a_key_only_the_old_database_has(migrated, nss_rsa,
                                                                nss_rsa_old):
    """key4.db lost a key that the key3.db NSS left behind still holds: both are used."""
    key4_ids = [k.ckaid for k in sdb.read_key_database(migrated / "key4.db").keys]
    assert len(key4_ids) == 1
    assert len([k for k, _v in read_pairs((migrated / "key3.db").read_bytes())
                if k not in (b"Version", b"global-salt", b"password-check")]) == 2
    source = CountingSource(PASSWORD)
    result = load_nss_database(migrated, source)
    subjects = sorted(e.description.subject for e in result.entries)
    assert subjects == sorted(format_name(i.cert.subject) for i in (nss_rsa, nss_rsa_old))
    assert source.calls == [str(migrated)]  # asked once for both databases
    assert result.warnings == []


def test_stale_old_database_with_the_same_keys_is_not_opened(profiles, tmp_path, nss_rsa):
    """key3.db holding only keys key4.db has too needs no password of its own."""
    import shutil

    folder = tmp_path / "both"
    shutil.copytree(profiles["sql", False], folder)
    for name in ("key3.db", "cert8.db"):  # an old pair under another password
        shutil.copy(profiles["dbm", True] / name, folder / name)
    result = load_nss_database(folder, never_asked)
    assert len(result.entries) == 2
    assert result.warnings == []


def test_old_key4_with_triple_des(profiles, tmp_path, nss_rsa, nss_ec):
    """key4.db as NSS before 3.47 wrote it: pbeWithSha1AndTripleDES-CBC items."""
    import shutil
    import sqlite3

    folder = tmp_path / "old-key4"
    shutil.copytree(profiles["sql", True], folder)
    downgrade_key4_to_3des(folder / "key4.db", PASSWORD)
    with sqlite3.connect(folder / "key4.db") as conn:
        oids = {oid_of(v) for (v,) in conn.execute("SELECT a123 FROM nssPrivate")
                if v is not None}
    assert oids == {"1.2.840.113549.1.12.5.1.3"}
    result = load_nss_database(folder, [PASSWORD])
    _check(result, folder, nss_rsa, nss_ec, peer=None)
    with pytest.raises(WrongPasswordError):
        load_nss_database(folder, ["forkert"])


@pytest.mark.parametrize("kind", KINDS)
def test_keys_from_a_profile_open_mail(profiles, kind, nss_rsa, nss_ec, nss_peer):
    """Mail encrypted to the RSA (3DES, as in the NemID years) and the EC key opens."""
    from smime_archiver.crypto.cms.layers import unwrap_message
    from smime_archiver.crypto.keys.keystore import KeyStore
    from smime_archiver.model import Status
    from tests.support import tools
    from tests.support.layers import message, pkcs7_entity

    result = load_nss_database(profiles[kind, True], [PASSWORD])
    store = KeyStore(result.entries, certificates=result.certificates)
    for ident, cipher in ((nss_rsa, "des3"), (nss_ec, "aes256")):
        body = f"Hej fra {ident.label}".encode()
        der = tools.cms_encrypt(b"Content-Type: text/plain\r\n\r\n" + body, [ident],
                                cipher=cipher)
        opened = unwrap_message(message(pkcs7_entity(der)), store)
        assert opened.status is Status.DECRYPTED, opened.detail
        assert body in opened.message
        assert opened.encryption[0].key_source == str(profiles[kind, True])
    stranger = tools.cms_encrypt(b"Content-Type: text/plain\r\n\r\nx", [nss_peer])
    assert unwrap_message(message(pkcs7_entity(stranger)), store).status is Status.NO_KEY
