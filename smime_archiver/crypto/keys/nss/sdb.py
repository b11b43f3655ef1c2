"""``key4.db`` and ``cert9.db``: NSS's SQLite databases (Thunderbird/Firefox since about 2018).

Every PKCS#11 object is one row; its attributes are columns named ``a`` + the
attribute type in hex (``a0`` CKA_CLASS, ``a3`` CKA_LABEL, ``a11`` CKA_VALUE,
``a102`` CKA_ID, ``a120`` CKA_MODULUS, ...).  Numbers (CKA_CLASS,
CKA_KEY_TYPE) are 4-byte big-endian; an attribute that is present but empty
is the three bytes ``a5 00 5a``.  ``key4.db``'s ``nssPrivate`` table holds the
private keys, their secret attributes (CKA_PRIVATE_EXPONENT, the primes,
CKA_VALUE of an EC key) encrypted as described in :mod:`.nsspbe`; its
``metaData`` row ``password`` holds the global salt (``item1``) and the
encrypted password check (``item2``).  ``cert9.db``'s ``nssPublic`` table holds
the certificates (CKA_VALUE) and their CKA_ID.

The files are opened read-only through SQLite's URI form, so nothing is ever
written next to them (no journal), and a database that Thunderbird holds locked
is reported as such after a short wait.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from asn1crypto import keys as akeys
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ObjectIdentifier

from smime_archiver.crypto.keys.nss import nsspbe
from smime_archiver.crypto.keys.nss.records import (
    DatabaseDamaged,
    DatabaseLocked,
    KeyDatabase,
    StoredCertificate,
    StoredKey,
    UnusableKey,
)
from smime_archiver.i18n import _

BUSY_TIMEOUT = 5.0  # seconds to wait for a lock held by Thunderbird/Firefox
SQLITE_MAGIC = b"SQLite format 3\x00"
EXPLICIT_NULL = b"\xa5\x00\x5a"

CKA_CLASS, CKA_LABEL, CKA_VALUE, CKA_CERTIFICATE_TYPE = 0x0, 0x3, 0x11, 0x80
CKA_KEY_TYPE, CKA_ID = 0x100, 0x102
CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT = 0x120, 0x122, 0x123
CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT = range(0x124, 0x129)
CKA_EC_PARAMS = 0x180
CKO_CERTIFICATE, CKO_PRIVATE_KEY = 1, 3
CKC_X_509 = 0
CKK_RSA, CKK_EC = 0, 3
KEY_TYPE_NAMES = {1: "DSA", 2: "DH", 0x40: "EdDSA", 0x41: "X25519/X448"}


def _connect(path: Path) -> sqlite3.Connection:
    """Read-only, never creating a file; OSError and DatabaseDamaged as they apply."""
    with path.open("rb") as probe:  # OSError (missing, permission) before SQLite's vaguer text
        head = probe.read(len(SQLITE_MAGIC))
    if head != SQLITE_MAGIC:
        raise DatabaseDamaged(_("not an SQLite database") if head else _("the file is empty"))
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as e:
        raise _translate(e) from e


def _translate(e: sqlite3.Error) -> Exception:
    text = str(e).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(str(e))
    return DatabaseDamaged(_sqlite_detail(text))


def _sqlite_detail(text: str) -> str:
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return _("SQLite reports the file as malformed")
    if "no such table" in text:
        return _("a table of the NSS database is missing")
    return _("SQLite cannot read it")


def _rows(conn: sqlite3.Connection, table: str) -> Iterator[dict[int, bytes]]:
    """Each row of ``table`` as {attribute type: raw value}, empty values left out."""
    try:
        cursor = conn.execute(f"SELECT * FROM {table}")  # a fixed table name
        columns = [_attribute(d[0]) for d in cursor.description]
        for row in cursor:
            values: dict[int, bytes] = {}
            for column, value in zip(columns, row, strict=True):
                if column is None or value is None:
                    continue
                if isinstance(value, str):
                    value = value.encode("utf-8")
                if isinstance(value, int):
                    continue
                if value != EXPLICIT_NULL:
                    values[column] = bytes(value)
            yield values
    except sqlite3.Error as e:
        raise _translate(e) from e


def _attribute(column: str) -> int | None:
    if not column.startswith("a"):
        return None  # "id"
    try:
        return int(column[1:], 16)
    except ValueError:
        return None


def _ulong(values: dict[int, bytes], attribute: int) -> int | None:
    raw = values.get(attribute)
    if raw is None or len(raw) != 4:
        return None
    return int.from_bytes(raw, "big")


def _text(raw: bytes | None) -> str | None:
    if not raw:
        return None
    return raw.rstrip(b"\0").decode("utf-8", errors="replace") or None


# --- cert9.db ------------------------------------------------------------------------------


def read_certificates(path: Path) -> list[StoredCertificate]:
    conn = _connect(path)
    try:
        out = []
        for values in _rows(conn, "nssPublic"):
            if _ulong(values, CKA_CLASS) != CKO_CERTIFICATE:
                continue
            if _ulong(values, CKA_CERTIFICATE_TYPE) not in (None, CKC_X_509):
                continue
            der = values.get(CKA_VALUE)
            if der:
                out.append(StoredCertificate(der, _text(values.get(CKA_LABEL)),
                                             values.get(CKA_ID)))
        return out
    finally:
        conn.close()


# --- key4.db -------------------------------------------------------------------------------


def read_key_database(path: Path) -> KeyDatabase:
    conn = _connect(path)
    try:
        salt, check = _password_row(conn)
        db = KeyDatabase("key4.db", salt, check, [])
        for values in _rows(conn, "nssPrivate"):
            if _ulong(values, CKA_CLASS) != CKO_PRIVATE_KEY:
                continue  # secret keys (Firefox's saved-logins key), trust objects, ...
            db.keys.append(_stored_key(values))
        if db.keys and db.global_salt is None:  # NSS itself could not open these keys
            raise DatabaseDamaged(_("the password entry is missing"))
        return db
    finally:
        conn.close()


def _password_row(conn: sqlite3.Connection) -> tuple[bytes | None, nsspbe.Item | None]:
    try:
        row = conn.execute("SELECT item1, item2 FROM metaData WHERE id = 'password'").fetchone()
    except sqlite3.Error as e:
        raise _translate(e) from e
    if row is None:
        return None, None  # never given a password (not even the empty one)
    salt, check = row
    if not isinstance(salt, bytes) or not isinstance(check, bytes):
        raise DatabaseDamaged(_("the password entry is damaged"))
    try:
        return salt, nsspbe.parse_item(check)
    except nsspbe.ItemError as e:
        raise DatabaseDamaged(_("the password check entry does not parse")) from e


def _stored_key(values: dict[int, bytes]) -> StoredKey:
    key_type = _ulong(values, CKA_KEY_TYPE)
    label = _text(values.get(CKA_LABEL))
    ckaid = values.get(CKA_ID)
    if key_type == CKK_RSA:
        return StoredKey(lambda k: _rsa_key(values, k), label, ckaid, "RSA",
                         values.get(CKA_MODULUS))
    if key_type == CKK_EC:
        return StoredKey(lambda k: _ec_key(values, k), label, ckaid, "EC")
    name = KEY_TYPE_NAMES.get(key_type or -1, f"key type {key_type}")

    def unusable(_key: bytes) -> object:
        raise UnusableKey(name)

    return StoredKey(unusable, label, ckaid, name)


def _secret(values: dict[int, bytes], attribute: int, key: bytes) -> bytes:
    raw = values.get(attribute)
    if raw is None:
        raise DatabaseDamaged(_("a private key lacks one of its parts"))
    return nsspbe.decrypt(nsspbe.parse_item(raw), key)


def _integer(raw: bytes | None) -> int:
    if not raw:
        raise DatabaseDamaged(_("a private key lacks one of its parts"))
    return int.from_bytes(raw, "big")


def _rsa_key(values: dict[int, bytes], key: bytes) -> rsa.RSAPrivateKey:
    d = _integer(_secret(values, CKA_PRIVATE_EXPONENT, key))  # WrongKey first, if it is one
    parts = [_integer(_secret(values, a, key)) for a in
             (CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT)]
    p, q, dmp1, dmq1, iqmp = parts
    public = rsa.RSAPublicNumbers(_integer(values.get(CKA_PUBLIC_EXPONENT)),
                                  _integer(values.get(CKA_MODULUS)))
    try:  # checks that the parts belong together: a damaged part does not pass
        return rsa.RSAPrivateNumbers(p, q, d, dmp1, dmq1, iqmp, public).private_key()
    except ValueError as e:
        raise DatabaseDamaged(_("the parts of an RSA key do not fit together")) from e


def _ec_key(values: dict[int, bytes], key: bytes) -> ec.EllipticCurvePrivateKey:
    scalar = _integer(_secret(values, CKA_VALUE, key))
    curve = curve_from_params(values.get(CKA_EC_PARAMS))
    try:
        return ec.derive_private_key(scalar, curve)
    except ValueError as e:
        raise DatabaseDamaged(_("an EC private key is out of range")) from e


class UnsupportedCurve(UnusableKey):
    """An EC key on a curve ``cryptography`` does not offer (or explicit curve parameters)."""

    def __init__(self, name: str):
        super().__init__(f"EC {name}")


def curve_from_params(params: bytes | None) -> ec.EllipticCurve:
    """The named curve of DER ECParameters; UnsupportedCurve for explicit or unknown curves."""
    if not params:
        raise DatabaseDamaged(_("an EC key lacks its curve"))
    try:
        parsed = akeys.ECDomainParameters.load(params)
        if parsed.name != "named":
            raise UnsupportedCurve(parsed.name)
        oid = parsed.chosen.dotted
    except (ValueError, TypeError) as e:
        raise DatabaseDamaged(_("an EC key's curve does not parse")) from e
    try:
        return ec.get_curve_for_oid(ObjectIdentifier(oid))()
    except (LookupError, UnsupportedAlgorithm) as e:
        raise UnsupportedCurve(oid) from e


