"""Damaged, truncated, locked and unreadable databases: a clear error, never a crash."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from smime_archiver.crypto.keys.nss import load_nss_database, sdb
from smime_archiver.crypto.keys.nss.hashdb import read_pairs
from smime_archiver.errors import DamagedKeyFileError, KeyFileError, WrongPasswordError
from tests.support.keyfiles import never_asked

from .conftest import PASSWORD


def _copy(folder: Path, tmp_path: Path, name: str = "profile") -> Path:
    target = tmp_path / name
    shutil.copytree(folder, target)
    return target


# --- key3.db -------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.1])
def test_truncated_key3(profiles, tmp_path, cut):
    folder = _copy(profiles["dbm", True], tmp_path)
    data = (folder / "key3.db").read_bytes()
    (folder / "key3.db").write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(DamagedKeyFileError) as info:
        load_nss_database(folder, [PASSWORD])
    assert "key3.db" in str(info.value) and "truncated" in str(info.value)
    assert info.value.source == str(folder)


def test_random_bytes_as_key3(profiles, tmp_path):
    folder = _copy(profiles["dbm", False], tmp_path)
    size = (folder / "key3.db").stat().st_size
    (folder / "key3.db").write_bytes(random.Random(3).randbytes(size))
    with pytest.raises(DamagedKeyFileError, match="not a Berkeley DB hash file"):
        load_nss_database(folder, never_asked)


def test_one_damaged_key_in_key3_leaves_the_other(profiles, tmp_path, nss_ec):
    folder = _copy(profiles["dbm", True], tmp_path)
    path = folder / "key3.db"
    data = bytearray(path.read_bytes())
    rsa_entry = next(v for k, v in read_pairs(bytes(data)) if len(k) == 256)  # RSA modulus
    at = bytes(data).find(rsa_entry) + len(rsa_entry) - 100  # inside the ciphertext
    data[at] ^= 0x55
    path.write_bytes(bytes(data))
    result = load_nss_database(folder, [PASSWORD])
    assert [e.certificate for e in result.entries] == [nss_ec.cert]
    assert len(result.warnings) == 1
    assert "“nss-rsa”" in result.warnings[0] and "damaged" in result.warnings[0]


def test_key3_mutations_never_crash(profiles, tmp_path):
    """A hundred random byte changes: keys, a warning or a KeyFileError, nothing else."""
    folder = _copy(profiles["dbm", True], tmp_path)
    original = (profiles["dbm", True] / "key3.db").read_bytes()
    rng = random.Random(16)
    outcomes = {"loaded": 0, "error": 0}
    for _round in range(100):
        data = bytearray(original)
        for _flip in range(rng.choice((1, 2, 8))):
            data[rng.randrange(len(data))] = rng.randrange(256)
        (folder / "key3.db").write_bytes(bytes(data))
        try:
            load_nss_database(folder, [PASSWORD])
            outcomes["loaded"] += 1
        except KeyFileError:
            outcomes["error"] += 1
    assert outcomes["loaded"] and outcomes["error"]


# --- key4.db -------------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.5, 0.25])
def test_truncated_key4(profiles, tmp_path, cut):
    folder = _copy(profiles["sql", True], tmp_path)
    data = (folder / "key4.db").read_bytes()
    (folder / "key4.db").write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(DamagedKeyFileError) as info:
        load_nss_database(folder, [PASSWORD])
    assert "key4.db" in str(info.value) and "malformed" in str(info.value)


@pytest.mark.parametrize("content, detail", [
    (b"", "the file is empty"),
    (b"\x00" * 4096, "not an SQLite database"),
    (random.Random(4).randbytes(36864), "not an SQLite database"),
])
def test_not_sqlite_as_key4(profiles, tmp_path, content, detail):
    folder = _copy(profiles["sql", False], tmp_path)
    (folder / "key4.db").write_bytes(content)
    with pytest.raises(DamagedKeyFileError, match=detail):
        load_nss_database(folder, never_asked)


def test_sqlite_that_is_not_nss(profiles, tmp_path):
    folder = _copy(profiles["sql", False], tmp_path)
    (folder / "key4.db").unlink()
    with sqlite3.connect(folder / "key4.db") as conn:
        conn.execute("CREATE TABLE moz_places (id INTEGER)")
    with pytest.raises(DamagedKeyFileError, match="a table of the NSS database is missing"):
        load_nss_database(folder, never_asked)


def test_one_damaged_key_in_key4_leaves_the_other(profiles, tmp_path, nss_ec):
    folder = _copy(profiles["sql", True], tmp_path)
    with sqlite3.connect(folder / "key4.db") as conn:
        row_id, prime = conn.execute(
            "SELECT id, a124 FROM nssPrivate WHERE a124 IS NOT NULL").fetchone()
        damaged = bytearray(prime)
        damaged[-20] ^= 0x01  # the ciphertext's second-to-last block: the last block's
        conn.execute("UPDATE nssPrivate SET a124 = ? WHERE id = ?", (bytes(damaged), row_id))
    result = load_nss_database(folder, [PASSWORD])  # padding stays valid, the prime does not
    assert [e.certificate for e in result.entries] == [nss_ec.cert]
    assert len(result.warnings) == 1 and "damaged" in result.warnings[0]


def test_key4_locked_by_another_program(profiles, tmp_path, monkeypatch):
    folder = _copy(profiles["sql", False], tmp_path)
    monkeypatch.setattr(sdb, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(folder / "key4.db", isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(KeyFileError) as info:
            load_nss_database(folder, never_asked)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert not isinstance(info.value, (DamagedKeyFileError, WrongPasswordError))
    assert "in use by another program" in str(info.value)
    assert "Close Thunderbird and Firefox" in str(info.value)
    assert len(load_nss_database(folder, never_asked).entries) == 2  # free again


def test_reading_never_writes_next_to_the_database(profiles, tmp_path):
    folder = _copy(profiles["sql", True], tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    load_nss_database(folder, [PASSWORD])
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_unreadable_key3(profiles, tmp_path, monkeypatch):
    folder = _copy(profiles["dbm", False], tmp_path)
    real = Path.read_bytes

    def refuse(self):
        if self.name == "key3.db":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(KeyFileError, match=r"cannot be read \(Permission denied\)"):
        load_nss_database(folder, never_asked)


# --- one database bad, the other good --------------------------------------------------------


def test_damaged_old_database_does_not_stop_the_new_one(migrated, tmp_path, nss_rsa):
    folder = _copy(migrated, tmp_path)
    data = (folder / "key3.db").read_bytes()
    (folder / "key3.db").write_bytes(data[: len(data) // 2])
    result = load_nss_database(folder, [PASSWORD])
    assert [e.certificate for e in result.entries] == [nss_rsa.cert]
    assert len(result.warnings) == 1
    assert "key3.db" in result.warnings[0] and "could not be used" in result.warnings[0]


def test_damaged_cert9_leaves_the_keys(profiles, tmp_path, nss_rsa):
    folder = _copy(profiles["sql", False], tmp_path)
    (folder / "cert9.db").write_bytes(b"garbage" * 100)
    result = load_nss_database(folder, never_asked)
    assert len(result.entries) == 2
    assert all(e.certificate is None for e in result.entries)
    assert result.certificates == []
    assert len(result.warnings) == 1 and "cert9.db" in result.warnings[0]


def test_key4_without_its_password_entry(profiles, tmp_path):
    folder = _copy(profiles["sql", False], tmp_path)
    with sqlite3.connect(folder / "key4.db") as conn:
        conn.execute("DELETE FROM metaData WHERE id = 'password'")
    with pytest.raises(DamagedKeyFileError, match="the password entry is missing"):
        load_nss_database(folder, never_asked)


def _rename_key3_entry(folder: Path, old: bytes, new: bytes) -> None:
    """Rename a key in place (same length; the reader walks every bucket, hashes unchecked)."""
    assert len(old) == len(new)
    data = (folder / "key3.db").read_bytes()
    assert data.count(old) == 1
    (folder / "key3.db").write_bytes(data.replace(old, new))


def test_key3_without_a_password_check_is_opened_by_its_first_key(profiles, tmp_path, nss_rsa,
                                                                   nss_ec):
    """As NSS does for databases without the check entry: a key that decrypts decides."""
    folder = _copy(profiles["dbm", True], tmp_path)
    _rename_key3_entry(folder, b"password-check", b"password-chec_")
    result = load_nss_database(folder, ["forkert", PASSWORD])
    assert {e.certificate for e in result.entries} == {nss_rsa.cert, nss_ec.cert}
    # the renamed entry now reads as a key entry, and a damaged one
    assert len(result.warnings) == 1 and "damaged" in result.warnings[0]
    with pytest.raises(WrongPasswordError):
        load_nss_database(folder, ["forkert"])


def test_key3_without_its_global_salt(profiles, tmp_path):
    folder = _copy(profiles["dbm", True], tmp_path)
    _rename_key3_entry(folder, b"global-salt", b"global-sal_")
    with pytest.raises(DamagedKeyFileError, match="the global salt entry is missing"):
        load_nss_database(folder, [PASSWORD])
