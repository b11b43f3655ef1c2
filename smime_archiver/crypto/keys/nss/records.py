"""What a key database holds, in the same shape for both NSS database generations.

:mod:`.sdb` (``key4.db``/``cert9.db``) and :mod:`.legacydb`
(``key3.db``/``cert8.db``) read their files into these records; nothing here is
decrypted yet.  :mod:`.database` then finds the primary password and turns the
records into private keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from smime_archiver.crypto.keys.nss import nsspbe


class DatabaseDamaged(Exception):
    """The database file is not what it should be; ``detail`` says what (no secrets)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class DatabaseLocked(Exception):
    """Another program holds a lock on the database."""


@dataclass(frozen=True)
class StoredCertificate:
    der: bytes
    nickname: str | None = None
    ckaid: bytes | None = None  # cert9.db's CKA_ID, the link to the private key


@dataclass
class StoredKey:
    """One private key as stored: readable hints, and how to decrypt it.

    ``unlock(password_key)`` returns a ``cryptography`` private key, or raises
    :class:`nsspbe.WrongKey` (another password), :class:`nsspbe.ItemError` /
    :class:`DatabaseDamaged` (damaged), :class:`nsspbe.UnknownAlgorithm` or
    :class:`UnusableKey` (a key type that cannot decrypt mail).
    """

    unlock: Callable[[bytes], object] = field(repr=False)
    label: str | None = None
    ckaid: bytes | None = None
    key_type: str = "RSA"  # "RSA", "EC", "DSA", ...
    public_value: bytes | None = None  # RSA modulus or EC point, when stored in the clear


class UnusableKey(Exception):
    """A well-formed key of a kind that cannot decrypt mail (DSA, DH, EdDSA)."""

    def __init__(self, key_type: str):
        super().__init__(key_type)
        self.key_type = key_type


@dataclass
class KeyDatabase:
    """One key database file, read but not decrypted."""

    name: str  # "key4.db" | "key3.db"
    global_salt: bytes | None
    password_check: nsspbe.Item | None  # decrypts to b"password-check" with the right key
    keys: list[StoredKey]
    skipped: list[str] = field(default_factory=list)  # key types left out, for warnings

    def opens(self, password_key: bytes) -> bool | None:
        """Whether ``password_key`` passes the password check; None when there is no check."""
        if self.password_check is None:
            return None
        try:
            plain = nsspbe.decrypt(self.password_check, password_key)
        except nsspbe.WrongKey:
            return False
        # the 3DES check of key3.db carries its padding (NSS compares 14 bytes)
        return plain[:14] == b"password-check"


PASSWORD_CHECK = b"password-check"
