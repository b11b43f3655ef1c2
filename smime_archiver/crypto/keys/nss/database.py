"""Loading the private keys of a Thunderbird/Firefox profile (an NSS database folder).

A profile folder holds ``key4.db`` + ``cert9.db`` (SQLite, since about 2018)
or ``key3.db`` + ``cert8.db`` (Berkeley DB), often both: NSS migrated old
profiles and left the old files behind.  The new pair is read first; the old
one only when it holds keys the new one does not (a key deleted from key4.db,
e.g. by "reset primary password", may live on in a forgotten key3.db).  Its
keys are recognised without a password: key3.db indexes each key by its public
value.

The primary password comes from the same password sources as a key file's;
the empty password (no primary password set) is tried first.  The result is a
:class:`~smime_archiver.crypto.keys.keyfiles.KeyFileResult` like a key file's, with
``source`` the folder and every key's ``description.origin == "nss_profile"``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from smime_archiver.crypto.certs import certificate_spki, public_key_spki
from smime_archiver.crypto.keys import keyerrors
from smime_archiver.crypto.keys.describe import key_type_and_size, make_entry
from smime_archiver.crypto.keys.keyfiles import KeyFileResult
from smime_archiver.crypto.keys.keystore import key_kind
from smime_archiver.crypto.keys.nss import legacydb, messages, nsspbe, sdb
from smime_archiver.crypto.keys.nss.records import (
    DatabaseDamaged,
    DatabaseLocked,
    KeyDatabase,
    StoredCertificate,
    StoredKey,
    UnusableKey,
)
from smime_archiver.crypto.keys.passwords import (
    PasswordFeed,
    PasswordSource,
    first_match,
    octet_secrets,
)
from smime_archiver.errors import KeyFileError, WrongPasswordError
from smime_archiver.i18n import _
from smime_archiver.model import PrivateKeyEntry

log = logging.getLogger(__name__)

ORIGIN = "nss_profile"
KEY_DATABASES = ("key4.db", "key3.db")  # in the order they are read
CERT_DATABASES = {"key4.db": "cert9.db", "key3.db": "cert8.db"}
DATABASE_FILES = ("key4.db", "cert9.db", "key3.db", "cert8.db")
MAX_FILE_SIZE = 512 * 1024 * 1024  # a cert8.db of a heavy user is a few megabytes


def database_folder(path: str | os.PathLike) -> Path | None:
    """The NSS database folder ``path`` names (the folder, or one of its database files)."""
    p = Path(os.fsdecode(path))
    try:
        if p.is_file() and p.name.lower() in DATABASE_FILES:
            p = p.parent
        if p.is_dir() and any(file_present(p / name) for name in DATABASE_FILES):
            return p
    except OSError:
        return None
    return None


def is_nss_database(path: str | os.PathLike) -> bool:
    """True for a profile folder (or a key database file in one) that NSS keeps keys in."""
    return database_folder(path) is not None


def load_nss_database(
    path: str | os.PathLike, passwords: PasswordSource | Iterable[str] = ()
) -> KeyFileResult:
    """Every private key of the profile at ``path`` with its certificate(s).

    ``path`` is a profile folder or one of its database files; ``passwords``
    a password source (called with the folder) or candidates.  Raises
    :class:`WrongPasswordError` (naming how many passwords were tried),
    :class:`DamagedKeyFileError` or :class:`KeyFileError` (no database, locked,
    unreadable, unsupported algorithm), each naming the folder.  A profile
    with certificates but no private key is not an error: the result has no
    entries and says so in its warnings.
    """
    given = os.fsdecode(path)
    folder = database_folder(given)
    if folder is None:
        if not Path(given).exists():
            raise keyerrors.unreadable(given, os.strerror(2))
        raise messages.no_database(given)
    source = given if Path(given).is_dir() else str(folder)
    loader = _Loader(folder, source, PasswordFeed(passwords, source))
    return loader.load()


def read_key_database(folder: Path, name: str) -> KeyDatabase:
    """``key4.db`` or ``key3.db`` of ``folder``, read but not decrypted.

    Raises DatabaseDamaged, DatabaseLocked or OSError.
    """
    if name == "key4.db":
        return sdb.read_key_database(folder / name)
    return legacydb.read_key_database(_read_bytes(folder / name))


def read_certificates(
    folder: Path,
) -> tuple[list[tuple[x509.Certificate, StoredCertificate]], list[tuple[str, Exception]]]:
    """Every certificate of cert9.db and cert8.db, and the files that could not be read."""
    out: list[tuple[x509.Certificate, StoredCertificate]] = []
    failures: list[tuple[str, Exception]] = []
    seen: set[bytes] = set()
    for key_name in KEY_DATABASES:
        name = CERT_DATABASES[key_name]
        path = folder / name
        if not file_present(path):
            continue
        try:
            if name == "cert9.db":
                stored = sdb.read_certificates(path)
            else:
                stored = legacydb.read_certificates(_read_bytes(path), folder / "cert8.dir")
        except (DatabaseDamaged, DatabaseLocked, OSError) as e:
            failures.append((name, e))
            continue
        for item in stored:
            if item.der in seen:
                continue
            seen.add(item.der)
            cert = _certificate(item.der)
            if cert is None:
                log.info("a certificate in %s/%s does not parse; left out", folder, name)
                continue
            out.append((cert, item))
    return out, failures


@dataclass
class _Outcome:
    """What one key database gave."""

    keys: list[tuple[object, StoredKey]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Loader:
    def __init__(self, folder: Path, source: str, feed: PasswordFeed):
        self.folder = folder
        self.source = source
        self.feed = feed
        self.warnings: list[str] = []

    def load(self) -> KeyFileResult:
        certificates = self._certificates()
        keys: list[tuple[object, StoredKey]] = []
        failures: list[tuple[str, KeyFileError]] = []
        present = [name for name in KEY_DATABASES if file_present(self.folder / name)]
        for name in present:
            try:
                db = self._read(name)
                outcome = self._open(db, already=[k for k, _s in keys])
            except KeyFileError as e:
                log.info("%s in %s not used: %s", name, self.source, type(e).__name__)
                failures.append((name, e))
                continue
            keys += outcome.keys
            self.warnings += outcome.warnings
        if failures and not keys:
            raise _most_telling([e for _n, e in failures])
        for name, failure in failures:
            self.warnings.append(messages.other_database_failed(self.source, name, str(failure)))
        entries = _entries(keys, certificates, self.source)
        if not entries:
            self.warnings.append(messages.no_private_keys(self.source, len(certificates)))
        return KeyFileResult(self.source, entries, [c for c, _s in certificates], self.warnings)

    # --- reading ---------------------------------------------------------------------------

    def _read(self, name: str) -> KeyDatabase:
        try:
            return read_key_database(self.folder, name)
        except (DatabaseDamaged, DatabaseLocked, OSError) as e:
            raise self._error(name, e) from e

    def _error(self, name: str, e: Exception) -> KeyFileError:
        if isinstance(e, DatabaseLocked):
            return messages.locked(self.source, name)
        if isinstance(e, OSError):
            return messages.unreadable(self.source, name, e.strerror or type(e).__name__)
        return messages.damaged(self.source, name, str(e))

    def _certificates(self) -> list[tuple[x509.Certificate, StoredCertificate]]:
        certificates, failures = read_certificates(self.folder)
        for name, e in failures:
            log.info("%s in %s not read: %s", name, self.source, type(e).__name__)
            self.warnings.append(str(self._error(name, e)))
        return certificates

    # --- opening ---------------------------------------------------------------------------

    def _open(self, db: KeyDatabase, *, already: list[object]) -> _Outcome:
        keys = [k for k in db.keys if not _known(k, already)]
        if not keys:
            if db.keys:
                log.info("%s in %s: every key is in the newer database too", db.name,
                         self.source)
            return _Outcome()
        try:
            password_key = self._unlock(db, keys)
        except (nsspbe.ItemError, DatabaseDamaged) as e:
            raise messages.damaged(self.source, db.name, _detail(e)) from e
        except nsspbe.UnknownAlgorithm as e:
            raise messages.unsupported(self.source, db.name, e.name) from e
        outcome = _Outcome()
        unsupported: list[nsspbe.UnknownAlgorithm] = []
        for stored in keys:
            try:
                key = stored.unlock(password_key)
            except UnusableKey as e:
                outcome.warnings.append(_unusable_text(self.source, e.key_type))
                continue
            except nsspbe.UnknownAlgorithm as e:
                unsupported.append(e)
                continue
            except (nsspbe.WrongKey, nsspbe.ItemError, DatabaseDamaged, ValueError):
                log.info("a key in %s/%s does not decrypt", self.source, db.name)
                outcome.warnings.append(messages.damaged_key(self.source, db.name, stored.label))
                continue
            if key_kind(key) not in ("rsa", "ec"):
                outcome.warnings.append(
                    keyerrors.unusable_warning(self.source, key_type_and_size(key)[0]))
                continue
            outcome.keys.append((key, stored))
        if unsupported:
            error = messages.unsupported(self.source, db.name, unsupported[0].name)
            if not outcome.keys:
                raise error
            outcome.warnings.append(str(error))
        return outcome

    def _unlock(self, db: KeyDatabase, keys: list[StoredKey]) -> bytes:
        """The password key that opens ``db``; WrongPasswordError when no candidate does."""
        salt = db.global_salt or b""

        def by_check(secret) -> bytes | None:
            candidate = nsspbe.password_key(salt, secret.data)
            return candidate if db.opens(candidate) else None

        def by_a_key(secret) -> bytes | None:  # no password check entry (as NSS: a key
            candidate = nsspbe.password_key(salt, secret.data)  # that decrypts decides)
            for stored in keys:
                try:
                    stored.unlock(candidate)
                except UnusableKey:
                    return candidate  # it decrypted; its kind is reported later
                except (nsspbe.WrongKey, nsspbe.ItemError, DatabaseDamaged, ValueError):
                    continue
                return candidate
            return None

        attempt = by_check if db.password_check is not None else by_a_key
        found = first_match(self.feed, octet_secrets, attempt)
        if found is None:
            raise messages.wrong_password(self.source, self.feed.typed_count)
        password_key, text, _secret = found
        self.feed.opened_with = text
        return password_key  # type: ignore[return-value]


def _detail(e: Exception) -> str:
    return e.detail if isinstance(e, DatabaseDamaged) else str(e)


def _most_telling(failures: list[KeyFileError]) -> KeyFileError:
    for e in failures:
        if isinstance(e, WrongPasswordError):
            return e
    return failures[0]


def file_present(path: Path) -> bool:
    """``path.is_file()``, but a file we may not even look at counts (and fails on reading)."""
    try:
        return path.is_file()
    except PermissionError:
        return True
    except OSError:
        return False


def _read_bytes(path: Path) -> bytes:
    if path.stat().st_size > MAX_FILE_SIZE:
        raise DatabaseDamaged(_("the file is far larger than any key database"))
    return path.read_bytes()


def _unusable_text(source: str, key_type: str) -> str:
    if key_type.startswith("EC "):
        return messages.unsupported_curve(source, key_type[3:])
    return keyerrors.unusable_warning(source, key_type)


def _certificate(der: bytes) -> x509.Certificate | None:
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.subject, cert.issuer, cert.serial_number  # noqa: B018 - parse them now
        cert.not_valid_before_utc, cert.not_valid_after_utc  # noqa: B018
        return cert
    except (ValueError, TypeError):
        return None


# --- matching keys with certificates -------------------------------------------------------


def _public_value_matches(value: bytes, key: object) -> bool:
    """Whether key3.db's index ``value`` (modulus or EC point) is ``key``'s public key."""
    if isinstance(key, rsa.RSAPrivateKey):
        return int.from_bytes(value, "big") == key.public_key().public_numbers().n
    if isinstance(key, ec.EllipticCurvePrivateKey):
        point = key.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
        if len(value) > 2 and value[0] == 0x04 and value[1] == len(value) - 2:
            return value[2:] == point or value == point  # DER OCTET STRING or a raw point
        return value == point
    return False


def _known(stored: StoredKey, loaded: list[object]) -> bool:
    if stored.public_value is None or not loaded:
        return False
    return any(_public_value_matches(stored.public_value, key) for key in loaded)


def _entries(
    keys: list[tuple[object, StoredKey]],
    certificates: list[tuple[x509.Certificate, StoredCertificate]],
    source: str,
) -> list[PrivateKeyEntry]:
    spkis = [certificate_spki(c) for c, _s in certificates]
    entries: list[PrivateKeyEntry] = []
    for key, stored in keys:
        spki = public_key_spki(key.public_key())  # type: ignore[attr-defined]
        mine = [i for i, s in enumerate(spkis) if spki is not None and s == spki]
        # CKA_ID links first (the order Thunderbird shows), then any other certificate
        # around the same public key; a CKA_ID match with another public key is not one
        mine.sort(key=lambda i: certificates[i][1].ckaid != stored.ckaid or stored.ckaid is None)
        for i in mine or [None]:  # type: ignore[list-item]
            cert = certificates[i][0] if i is not None else None
            nickname = certificates[i][1].nickname if i is not None else None
            chain = _issuers(cert, [c for c, _s in certificates]) if cert is not None else ()
            entries.append(make_entry(key, cert, source, chain,
                                      friendly_name=stored.label or nickname, origin=ORIGIN))
    return entries


def _issuers(cert: x509.Certificate, pool: list[x509.Certificate]) -> tuple:
    """The certificates above ``cert`` found in the same profile, nearest first."""
    chain: list[x509.Certificate] = []
    current = cert
    while len(chain) < 10 and current.issuer != current.subject:
        parent = next((c for c in pool if c.subject == current.issuer and c is not current
                       and c not in chain and c is not cert), None)
        if parent is None:
            break
        chain.append(parent)
        current = parent
    return tuple(chain)
