"""What a profile holds, told without its primary password (for a "Find my keys" list).

Only private values are encrypted in NSS databases: the certificates, each
key's CKA_ID and RSA modulus (key4.db) or public value (key3.db) are in the
clear.  So the certificates that have a private key can be listed before the
user is asked for anything, and whether a primary password is set is one
cheap check with the empty password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from smime_archiver.crypto.keys.nss import nsspbe
from smime_archiver.crypto.keys.nss.database import (
    KEY_DATABASES,
    database_folder,
    file_present,
    read_certificates,
    read_key_database,
)
from smime_archiver.crypto.keys.nss.records import (
    DatabaseDamaged,
    DatabaseLocked,
    KeyDatabase,
    StoredCertificate,
    StoredKey,
)


@dataclass(frozen=True)
class ProfileSummary:
    folder: Path
    databases: tuple[str, ...]  # the key databases that could be read
    key_count: int  # private keys stored (usable or not)
    own_certificates: tuple[x509.Certificate, ...]  # certificates with a private key here
    other_certificates: int  # correspondents', CAs' ...
    needs_password: bool  # a primary password is set (the empty one does not open it)
    problems: tuple[str, ...] = ()  # "key3.db: damaged", ... (short, for a tooltip/log)


def summarize_nss_database(path: str | os.PathLike) -> ProfileSummary | None:
    """The summary of the profile at ``path``, or None when it holds no NSS database.

    Never asks for a password and never raises for a damaged or locked file;
    such a file is named in ``problems``.
    """
    folder = database_folder(path)
    if folder is None:
        return None
    certificates, failures = read_certificates(folder)
    problems = [f"{name}: {type(e).__name__}" for name, e in failures]
    keys: list[StoredKey] = []
    databases: list[str] = []
    needs_password = False
    for name in KEY_DATABASES:
        if not file_present(folder / name):
            continue
        try:
            db = read_key_database(folder, name)
        except (DatabaseDamaged, DatabaseLocked, OSError) as e:
            problems.append(f"{name}: {type(e).__name__}")
            continue
        databases.append(name)
        keys += db.keys
        needs_password = needs_password or _needs_password(db)
    own = [c for c, stored in certificates if any(_belongs(stored, c, k) for k in keys)]
    return ProfileSummary(folder, tuple(databases), len(keys), tuple(own),
                          len(certificates) - len(own), needs_password, tuple(problems))


def _needs_password(db: KeyDatabase) -> bool:
    if db.password_check is None or not db.keys:
        return False
    try:
        return not db.opens(nsspbe.password_key(db.global_salt or b"", b""))
    except (nsspbe.ItemError, nsspbe.UnknownAlgorithm):
        return True


def _belongs(stored: StoredCertificate, cert: x509.Certificate, key: StoredKey) -> bool:
    if key.ckaid is not None and stored.ckaid == key.ckaid:
        return True
    if key.public_value is None:
        return False
    try:
        public = cert.public_key()
    except ValueError:
        return False
    if isinstance(public, rsa.RSAPublicKey):
        return int.from_bytes(key.public_value, "big") == public.public_numbers().n
    if isinstance(public, ec.EllipticCurvePublicKey):
        point = public.public_bytes(serialization.Encoding.X962,
                                    serialization.PublicFormat.UncompressedPoint)
        return key.public_value in (point, bytes((4, len(point))) + point)
    return False
