"""Thunderbird/Firefox key databases made by NSS itself (``certutil``, ``pk12util``).

:func:`build_profile` makes a profile-like folder in either format:

* ``"sql"``: ``certutil -N -d sql:DIR`` -> ``cert9.db`` + ``key4.db``;
* ``"dbm"``: ``certutil -N -d dbm:DIR`` -> ``cert8.db`` + ``key3.db``;

with the primary password written to a password file in UTF-8 (NSS takes the
bytes as they are, which is what Thunderbird and Firefox hand it), then each
identity imported from a legacy NemID-like ``.p12`` file with ``pk12util``, and
other people's certificates added with ``certutil -A``.  Passwords travel in
files, never on the command line.

:func:`to_big_endian` turns a little-endian Berkeley DB hash file into the
byte order a PowerPC Mac wrote; :func:`downgrade_key4_to_3des` re-encrypts a
``key4.db`` the way NSS before 3.47 did (pbeWithSha1AndTripleDES-CBC), which no
NSS tool writes any more.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
from collections.abc import Sequence
from pathlib import Path

from asn1crypto import algos, keys

from smime_archiver.crypto.keys.nss import nsspbe

from .pki import Identity
from .tools import p12_export, run

P12_PASSWORD = "nøglefil 2012"


def have_nss_tools() -> bool:
    return shutil.which("certutil") is not None and shutil.which("pk12util") is not None


def _password_file(folder: Path, name: str, password: str) -> Path:
    path = folder.parent / f".{folder.name}.{name}"
    path.write_bytes(password.encode("utf-8") + b"\n")
    return path


def build_profile(
    folder: Path,
    kind: str,
    password: str | None,
    identities: Sequence[Identity] = (),
    *,
    certificates: Sequence[Identity] = (),
    work: Path | None = None,
) -> Path:
    """A new NSS database in ``folder`` holding ``identities`` (key + certificate chain)."""
    assert kind in ("sql", "dbm")
    folder.mkdir(parents=True, exist_ok=True)
    work = work or folder.parent
    db = f"{kind}:{folder}"
    pwfile = _password_file(folder, "pw", password or "")
    try:
        if password:
            run(["certutil", "-N", "-d", db, "-f", str(pwfile)])
        else:
            run(["certutil", "-N", "-d", db, "--empty-password"])
        for ident in identities:
            import_identity(folder, kind, password, ident, work=work)
        for ident in certificates:
            run(["certutil", "-A", "-d", db, "-n", ident.label, "-t", ",,", "-a",
                 "-i", str(ident.cert_pem), "-f", str(pwfile)])
    finally:
        pwfile.unlink()
    return folder


def import_identity(folder: Path, kind: str, password: str | None, ident: Identity, *,
                    work: Path) -> None:
    """``pk12util -i`` of a legacy p12 (RC2-40 certificates, 3DES key, SHA-1 MAC)."""
    p12 = work / f"{ident.label}.legacy.p12"
    if not p12.exists():
        p12_export(ident, p12, P12_PASSWORD, legacy=True, name=ident.label)
    pwfile = _password_file(folder, "import-pw", password or "")
    p12pw = _password_file(folder, "p12pw", P12_PASSWORD)
    try:
        run(["pk12util", "-i", str(p12), "-d", f"{kind}:{folder}", "-k", str(pwfile),
             "-w", str(p12pw)])
    finally:
        pwfile.unlink()
        p12pw.unlink()


def delete_key(folder: Path, kind: str, password: str | None, nickname: str) -> None:
    """``certutil -F``: remove a private key (and ``-D`` its certificate) from the database."""
    pwfile = _password_file(folder, "pw", password or "")
    try:
        run(["certutil", "-F", "-d", f"{kind}:{folder}", "-n", nickname, "-f", str(pwfile)])
    finally:
        pwfile.unlink()


def upgrade_to_sql(folder: Path, password: str | None, nickname: str) -> None:
    """Let NSS migrate ``cert8.db``/``key3.db`` to ``cert9.db``/``key4.db`` as Firefox 58+ did.

    Opening the folder read-write as ``sql:`` with the old files present makes
    NSS copy them over (here: setting ``nickname``'s trust); the old files stay
    behind, as in real migrated profiles.
    """
    pwfile = _password_file(folder, "pw", password or "")
    try:
        run(["certutil", "-M", "-d", f"sql:{folder}", "-n", nickname, "-t", "u,u,u",
             "-f", str(pwfile)])
    finally:
        pwfile.unlink()
    assert (folder / "key4.db").exists() and (folder / "key3.db").exists()


def copy_profile(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


# --- shapes no tool writes any more -------------------------------------------------------


def to_big_endian(data: bytes) -> bytes:
    """A little-endian NSS hash file as a big-endian machine wrote it.

    The header is big-endian already; its byte-order field becomes 4321.  Each
    page's 16-bit index (count, offsets, free space, free-space offset) is
    swapped; keys and data are bytes and stay.  Bitmap pages are left alone
    (their 32-bit words are never read).
    """
    out = bytearray(data)
    lorder_at = 8
    assert struct.unpack_from(">i", data, lorder_at)[0] == 1234
    struct.pack_into(">i", out, lorder_at, 4321)
    bsize = struct.unpack_from(">i", data, 12)[0]
    hdrpages = struct.unpack_from(">i", data, 60)[0]
    bitmap_pages = _bitmap_pages(data)
    for page in range(hdrpages, len(data) // bsize):
        if page in bitmap_pages:
            continue
        start = page * bsize
        n = struct.unpack_from("<H", data, start)[0]
        if n == 0:
            continue
        words = struct.unpack_from(f"<{n + 3}H", data, start)
        struct.pack_into(f">{n + 3}H", out, start, *words)
    return bytes(out)


def _bitmap_pages(data: bytes) -> set[int]:
    from smime_archiver.crypto.keys.nss.hashdb import _File

    f = _File(data)
    return {f.overflow_page(a) for a in f.header.bitmaps if a}


def downgrade_key4_to_3des(path: Path, password: str | None) -> None:
    """Re-encrypt every item of ``key4.db`` with pbeWithSha1AndTripleDES-CBC (NSS < 3.47)."""
    conn = sqlite3.connect(path)
    try:
        salt, check = conn.execute(
            "SELECT item1, item2 FROM metaData WHERE id = 'password'").fetchone()
        key = nsspbe.password_key(salt, (password or "").encode("utf-8"))

        def redo(item: bytes) -> bytes:
            plain = nsspbe.decrypt(nsspbe.parse_item(item), key)
            entry_salt = os.urandom(20)
            ciphertext = nsspbe.v1_encrypt(nsspbe.TRIPLE_DES_V1, entry_salt, 1, key, plain)
            algorithm = algos.EncryptionAlgorithm({
                "algorithm": nsspbe.TRIPLE_DES_V1,
                "parameters": algos.Pbes1Params({"salt": entry_salt, "iterations": 1}),
            })
            return keys.EncryptedPrivateKeyInfo({
                "encryption_algorithm": algorithm, "encrypted_data": ciphertext}).dump()

        conn.execute("UPDATE metaData SET item2 = ? WHERE id = 'password'", (redo(check),))
        columns = ["a11", "a123", "a124", "a125", "a126", "a127", "a128"]
        rows = conn.execute(f"SELECT id, {', '.join(columns)} FROM nssPrivate").fetchall()
        for row in rows:
            for column, value in zip(columns, row[1:], strict=True):
                if value is None or value == b"\xa5\x00\x5a":
                    continue
                conn.execute(f"UPDATE nssPrivate SET {column} = ? WHERE id = ?",
                             (redo(value), row[0]))
        # the integrity signatures are keyed by the same password; NSS < 3.47 used HMAC
        # over other parameters, and our reader does not check them: leave them out
        conn.execute("DELETE FROM metaData WHERE id LIKE 'sig_%'")
        conn.commit()
    finally:
        conn.close()


def oid_of(item: bytes) -> str:
    return keys.EncryptedPrivateKeyInfo.load(item)["encryption_algorithm"]["algorithm"].dotted

