"""Passwords, key material and decrypted text never land where the user did not ask.

``export``, ``keys`` and ``inspect`` run through ``cli.main`` with passwords that hold
æøå (a wrong one tried first), ``--verbose --log FILE``, worker processes started with
fork and with spawn (spawned workers get the passwords through their start-up pipe), and
a private temporary folder.  Afterwards every byte the runs left is searched: all files
in the output folder (PDFs, report.json/.csv, the resume journal), the log file, stdout
and stderr of every process (file descriptors, so workers are included), and whatever
is left in the temporary folder; for every spelling of the passwords the key-file reader
tries (UTF-8, UTF-16 as PKCS#12 uses it, Windows-1252, decomposed æøå) and for the
private key (PKCS#8 DER, PEM, its private numbers).  The keyring is never written.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path

import keyring
import pytest
from cryptography.hazmat.primitives import serialization

from smime_archiver import cli
from tests.support.mailbox import write_mbox
from tests.support.memory_keyring import MemoryKeyring
from tests.unit.hostile.conftest import OTHER_PASSWORD, PASSWORD, encrypted, headers

SECRET_TEXT = "Fortroligt-indhold-ÆØÅ-4711"  # only in the encrypted bodies


def _spellings(password: str) -> set[bytes]:
    forms = {password, unicodedata.normalize("NFD", password),
             unicodedata.normalize("NFC", password)}
    out: set[bytes] = set()
    for text in forms:
        for codec in ("utf-8", "utf-16-be", "utf-16-le", "cp1252", "latin-1", "mac-roman"):
            try:
                out.add(text.encode(codec))
            except UnicodeEncodeError:
                pass
    return {s for s in out if len(s) >= 8}


def _key_material(identity) -> set[bytes]:
    key = identity.key
    numbers = key.private_numbers()
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    ints = (numbers.d, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1, numbers.iqmp)
    raw = {n.to_bytes((n.bit_length() + 7) // 8, "big")[:32] for n in ints}
    hexed = {f"{n:x}"[:40].encode() for n in ints} | {f"{n:X}"[:40].encode() for n in ints}
    return {der[-64:], pem.splitlines()[5], *raw, *hexed}


def _everything_under(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            found[str(path)] = path.read_bytes()
    return found


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A temporary folder of its own for the runs (and their spawned workers)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    yield folder
    tempfile.tempdir = None


@pytest.fixture
def memory_keyring():
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_no_password_key_or_plaintext_reaches_any_output(key_file, tmp_path, private_tmp,
                                                         memory_keyring, capfd, monkeypatch):
    me = key_file.identity
    inner = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{SECRET_TEXT}\r\n".encode()
    share = tmp_path / "share"
    share.mkdir()
    (share / "Indbakke").write_bytes(write_mbox(
        [headers(f"Brev {n}", minute=n, mid=f"b{n}") + encrypted(me, inner) for n in range(6)]
        + [headers("Afkortet", minute=9) + encrypted(me, inner)[:300]]))
    password_file = tmp_path / "kodeord.txt"
    password_file.write_text(f"{OTHER_PASSWORD}\n{PASSWORD}\n", encoding="utf-8")
    log = tmp_path / "kørsel.log"
    outputs = []
    runs = [
        ["export", "--jobs", "2", "--start-method", "fork"],
        ["export", "--jobs", "2", "--start-method", "spawn"],
        ["export", "--jobs", "1"],
    ]
    for n, command in enumerate(runs):
        out = tmp_path / f"out{n}"
        outputs.append(out)
        code = cli.main(["--lang", "da", "--verbose", "--log", str(log), *command,
                         "--key", str(key_file.path), "--password-file", str(password_file),
                         "--out", str(out), str(share)])
        assert code == cli.EXIT_INCOMPLETE  # the cut-off message is listed, not archived
        assert len(list(out.rglob("*.pdf"))) == 6
        assert not list((out / ".smime-archiver").glob("tmp-*"))  # worker files gone
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)  # the other password source
    assert cli.main(["--verbose", "--log", str(log), "keys", "--json",
                     str(key_file.path)]) == cli.EXIT_OK
    assert cli.main(["--verbose", "--log", str(log), "inspect", "--jobs", "2", "--json",
                     "--key", str(key_file.path), str(share)]) == cli.EXIT_OK
    assert cli.main(["--verbose", "--log", str(log), "keys", "--password-file",
                     str(tmp_path / "missing.txt"), str(key_file.path)]) == cli.EXIT_USAGE
    captured = capfd.readouterr()

    haystack = {"stdout": captured.out.encode(), "stderr": captured.err.encode(),
                "log": log.read_bytes()}
    for out in outputs:
        haystack.update(_everything_under(out))
    haystack.update(_everything_under(private_tmp))
    assert any(name.endswith("journal.jsonl") for name in haystack)
    assert b"INFO" in haystack["log"] and b"DEBUG" in haystack["stderr"]  # they did log
    needles = {"password": _spellings(PASSWORD), "wrong password": _spellings(OTHER_PASSWORD),
               "private key": _key_material(me)}
    for what, forms in needles.items():
        for name, data in haystack.items():
            for form in forms:
                assert form not in data, f"{what} ({form!r}) found in {name}"
    # the decrypted text only in the PDFs (where the user asked for it), nowhere else
    plain = _spellings(SECRET_TEXT)
    for name, data in haystack.items():
        if not name.endswith(".pdf"):
            assert not any(form in data for form in plain), f"decrypted text in {name}"
    assert SECRET_TEXT not in captured.out  # inspect lists, it does not show contents
    assert memory_keyring.store == {}  # nothing was remembered without being asked


def test_eml_and_attachments_only_when_asked(key_file, tmp_path, private_tmp, monkeypatch):
    me = key_file.identity
    inner = f"Content-Type: text/plain; charset=utf-8\r\n\r\n{SECRET_TEXT}\r\n".encode()
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([headers("Brev", minute=1) + encrypted(me, inner)]))
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
    for extra, expect in (([], set()), (["--eml"], {".eml"})):
        out = tmp_path / ("out" + "".join(extra))
        assert cli.main(["export", "--quiet", "--key", str(key_file.path), "--out", str(out),
                         *extra, str(box)]) == cli.EXIT_OK
        suffixes = {p.suffix for p in out.rglob("*") if p.is_file()
                    and ".smime-archiver" not in p.parts}
        assert suffixes == {".pdf", ".json", ".csv"} | expect
        holding = [p for p in out.rglob("*") if p.is_file()
                   and SECRET_TEXT.encode() in p.read_bytes()]
        assert [p.suffix for p in holding] == sorted(expect)
    assert _everything_under(private_tmp) == {}


def test_only_the_password_vault_touches_the_keyring():
    root = Path(__file__).resolve().parents[3] / "smime_archiver"
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                   if "set_password" in p.read_text(encoding="utf-8")
                   or "import keyring" in p.read_text(encoding="utf-8"))
    assert users == ["secrets.py"]
    assert os.sep not in users[0]
