"""``key3.db`` and ``cert8.db``: NSS's Berkeley DB databases (Thunderbird/Firefox until about 2018).

Both are hash files (:mod:`.hashdb`).  ``key3.db`` (NSS ``legacydb/keydb.c``):

* ``Version``: one byte (3; 2 in the RC4 databases of the 1990s);
* ``global-salt``: the salt of the password key (:func:`.nsspbe.password_key`);
* ``password-check``: an entry whose payload is ``oid length, oid, ciphertext``
  of the string ``password-check`` under the entry's salt, one iteration;
* every other key is a public key value (RSA modulus, EC point) whose entry
  holds that private key.  An entry is ``version, salt length, nickname
  length, salt, nickname (NUL-terminated), payload``; a private key's payload is
  a DER EncryptedPrivateKeyInfo (pbeWithSha1AndTripleDES-CBC) of PKCS#8.

``cert8.db`` (``legacydb/pcertdb.c``): keys start with a record type byte; a
certificate record (type 1) is ``version, type, flags``, three 16-bit trust
words, the certificate's and the nickname's 16-bit lengths, the DER
certificate and the nickname.
"""

from __future__ import annotations

import logging
from pathlib import Path

from asn1crypto import core

from smime_archiver.crypto.keys import privkeys
from smime_archiver.crypto.keys.nss import hashdb, nsspbe
from smime_archiver.crypto.keys.nss.records import (
    DatabaseDamaged,
    KeyDatabase,
    StoredCertificate,
    StoredKey,
    UnusableKey,
)
from smime_archiver.errors import KeyFileError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

_SPECIAL = {b"Version", b"global-salt", b"password-check", b"faux-password-check"}
CERT_RECORD = 1
BLOB_RECORD = 8
CERT_HEADER = 3 + 10
MAX_BLOB = 16 * 1024 * 1024


def _pairs(data: bytes) -> list[tuple[bytes, bytes]]:
    try:
        return hashdb.read_pairs(data)
    except hashdb.HashFileError as e:
        raise DatabaseDamaged(str(e)) from e


# --- key3.db -------------------------------------------------------------------------------


def _entry(data: bytes) -> tuple[int, bytes, bytes, bytes]:
    """(version, salt, nickname, payload) of a key3.db entry."""
    if len(data) < 3:
        raise DatabaseDamaged(_("an entry is too short"))
    version, salt_len, name_len = data[0], data[1], data[2]
    if 3 + salt_len + name_len > len(data):
        raise DatabaseDamaged(_("an entry is shorter than its header says"))
    salt = data[3 : 3 + salt_len]
    name = data[3 + salt_len : 3 + salt_len + name_len]
    return version, salt, name, data[3 + salt_len + name_len :]


def read_key_database(data: bytes) -> KeyDatabase:
    pairs = _pairs(data)
    if not pairs:
        raise DatabaseDamaged(_("the database is empty"))
    table = dict(pairs)
    if b"Version" not in table and b"global-salt" not in table:
        raise DatabaseDamaged(_("this hash file is not a key database"))
    salt = table.get(b"global-salt")
    check = _password_check(table[b"password-check"]) if b"password-check" in table else None
    db = KeyDatabase("key3.db", salt or b"", check, [])
    for key, value in pairs:
        if key in _SPECIAL:
            continue
        try:
            db.keys.append(_stored_key(key, value))
        except DatabaseDamaged as e:  # one bad entry: reported with the keys, not fatal
            db.keys.append(_damaged_key(e))
    if db.keys and salt is None:  # the salt of every key's password key is gone
        raise DatabaseDamaged(_("the global salt entry is missing"))
    return db


def _password_check(data: bytes) -> nsspbe.Item:
    _version, salt, _name, payload = _entry(data)
    if not payload or len(payload) < 1 + payload[0] + 14:
        raise DatabaseDamaged(_("the password check entry is too short"))
    oid_len = payload[0]
    try:
        oid = core.ObjectIdentifier.load(bytes((6, oid_len)) + payload[1 : 1 + oid_len]).dotted
    except ValueError as e:
        raise DatabaseDamaged(_("the password check entry names no algorithm")) from e
    return nsspbe.Item(None, oid, payload[1 + oid_len :], salt)


def _damaged_key(error: DatabaseDamaged) -> StoredKey:
    def unlock(_password_key: bytes) -> object:
        raise DatabaseDamaged(error.detail)

    return StoredKey(unlock)


def _stored_key(public_value: bytes, data: bytes) -> StoredKey:
    _version, salt, name, payload = _entry(data)
    label = name.rstrip(b"\0").decode("utf-8", errors="replace") or None
    try:
        item = nsspbe.parse_item(payload)
    except nsspbe.ItemError as e:
        raise DatabaseDamaged(_("a key entry does not parse")) from e
    if item.oid == nsspbe.RC4:  # version-2 databases: the entry's salt keys RC4
        item = nsspbe.Item(item.algorithm, item.oid, item.ciphertext, salt)

    def unlock(password_key: bytes) -> object:
        plain = nsspbe.decrypt(item, password_key)
        try:
            return privkeys.load_plain_key(plain, "key3.db")
        except privkeys.SkippedKey as e:
            raise UnusableKey(e.key_type) from e
        except KeyFileError as e:  # the bytes did not parse as a private key
            if item.oid == nsspbe.RC4:
                raise nsspbe.WrongKey() from e  # a stream cipher has no padding to check
            raise DatabaseDamaged(_("a private key does not parse")) from e

    return StoredKey(unlock, label, None, "", public_value)


# --- cert8.db ------------------------------------------------------------------------------


def read_certificates(data: bytes, blob_folder: Path | None = None) -> list[StoredCertificate]:
    """Every certificate record; a record NSS kept outside the hash file (a "blob": over
    about 14 KB) is read from ``blob_folder`` (``cert8.dir``).

    A damaged hash file raises :class:`DatabaseDamaged`; one damaged record is
    left out (and logged): the other certificates are still good.
    """
    out: list[StoredCertificate] = []
    for key, value in _pairs(data):
        if key[:1] != bytes((CERT_RECORD,)) or len(value) < 3:
            continue
        try:
            out.append(_certificate_record(value, blob_folder))
        except DatabaseDamaged as e:
            log.info("cert8.db: a certificate record left out: %s", e.detail)
    return out


def _certificate_record(value: bytes, blob_folder: Path | None) -> StoredCertificate:
    if value[1] == BLOB_RECORD:
        value = _blob(value, blob_folder)
    if len(value) < CERT_HEADER:
        raise DatabaseDamaged(_("a certificate record is shorter than its header says"))
    if value[1] != CERT_RECORD:
        raise DatabaseDamaged(_("a certificate record has the wrong type"))
    cert_len = int.from_bytes(value[9:11], "big")
    name_len = int.from_bytes(value[11:13], "big")
    spare = len(value) - CERT_HEADER - cert_len - name_len
    if spare < 0 or spare % 0x10000:
        raise DatabaseDamaged(_("a certificate record is shorter than its header says"))
    cert_len += spare  # a certificate over 64 KB: NSS keeps only the low 16 bits
    der = value[CERT_HEADER : CERT_HEADER + cert_len]
    name = value[CERT_HEADER + cert_len :].rstrip(b"\0").decode("utf-8", errors="replace")
    return StoredCertificate(der, name or None)


def _blob(value: bytes, folder: Path | None) -> bytes:
    """NSS's ``dbmshim``: 4 header bytes, a little-endian length, a file name, NUL."""
    if len(value) < 9 or folder is None:
        raise DatabaseDamaged(_("a certificate kept in a separate file cannot be found"))
    length = int.from_bytes(value[4:8], "little")
    name = value[8:].split(b"\0", 1)[0].decode("ascii", errors="replace")
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise DatabaseDamaged(_("a certificate kept in a separate file cannot be found"))
    path = folder / name
    try:
        if not path.is_file() or path.stat().st_size > MAX_BLOB:
            raise DatabaseDamaged(_("a certificate kept in a separate file cannot be found"))
        blob = path.read_bytes()
    except OSError as e:
        raise DatabaseDamaged(_("a certificate kept in a separate file cannot be read")) from e
    if len(blob) != length:
        raise DatabaseDamaged(_("a certificate kept in a separate file is truncated"))
    return blob
