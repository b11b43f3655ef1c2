"""gpgsm's armour (issue 13, point 4): ``-----BEGIN ENCRYPTED MESSAGE-----`` and friends are CMS.

Files that gpgsm (KMail, Kleopatra) wrote with ``--armor``, found while walking a
folder among other mail and when named directly, are decrypted or verified.
The real gpgsm writes some of them; the others are the same armour around CMS
made by OpenSSL and NSS, with the header lines and line endings the format allows.
"""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from smime_archiver import cli
from smime_archiver.crypto.cms.armour import decode_armour, find_armour
from smime_archiver.crypto.cms.sniff import is_cms_der
from smime_archiver.mailbox import iter_messages
from smime_archiver.mailbox.sniff import Kind, sniff
from smime_archiver.model import RawMail, SourceProblem
from tests.support import tools
from tests.support.gpgsm import GpgSM

PASSWORD = "Rødgrød-med-fløde"


def inner(text: str) -> bytes:
    return f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n".encode()


def armour(label: str, data: bytes, *, headers: str = "", eol: str = "\n") -> bytes:
    lines = [f"-----BEGIN {label}-----"]
    if headers:
        lines += [*headers.splitlines(), ""]
    body = base64.b64encode(data).decode()
    lines += [body[i : i + 64] for i in range(0, len(body), 64)]
    lines.append(f"-----END {label}-----")
    return (eol.join(lines) + eol).encode()


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture(scope="module")
def armoured(pki, tmp_path_factory):
    """A folder of armoured CMS files and other mail, and the user's key file."""
    d = tmp_path_factory.mktemp("armour")
    me = pki.identity("armour-me", "Karl Kleopatra")
    p12 = tools.p12_export(me, d / "karl.p12", PASSWORD)
    gpgsm = GpgSM(d / "gnupg")
    try:
        gpgsm.trust(pki.ca())
        fingerprint = gpgsm.add_key(me)
        gpgsm_encrypted = gpgsm.encrypt(inner("Krypteret af gpgsm"), fingerprint)
        gpgsm_signed = gpgsm.sign(inner("Underskrevet af gpgsm"), fingerprint)
    finally:
        gpgsm.close()
    nss_ber = tools.NSSDB(d / "nss").encrypt(inner("CMS OBJECT fra NSS"), [me])
    openssl_der = tools.cms_encrypt(inner("Med Version-linje"), [me], "aes256")
    signed_der = tools.cms_sign(inner("SIGNED MESSAGE fra OpenSSL"), me, smime=False)
    folder = d / "Mail"
    folder.mkdir()
    files = {
        "gpgsm-encrypted.asc": (gpgsm_encrypted, "decrypted", "Krypteret af gpgsm"),
        "gpgsm-signed.asc": (gpgsm_signed, "signed", "Underskrevet af gpgsm"),
        "object.txt": (armour("CMS OBJECT", nss_ber, headers="Version: GnuPG v2\n"
                              "Comment: KMail"), "decrypted", "CMS OBJECT fra NSS"),
        "brev": (b"\xef\xbb\xbf" + armour("ENCRYPTED MESSAGE", openssl_der,
                                          headers="Version: 1", eol="\r\n"),
                 "decrypted", "Med Version-linje"),
        "signed.p7m": (armour("SIGNED MESSAGE", signed_der), "signed",
                       "SIGNED MESSAGE fra OpenSSL"),
    }
    for name, (data, _status, _text) in files.items():
        (folder / name).write_bytes(data)
    other_mail = {
        "plain.eml": (b"From: a@example.dk\nSubject: Almindelig\nDate: Mon, 4 Mar 2013 "
                      b"10:00:00 +0100\n\nAlmindelig tekst.\n", "plain", "Almindelig tekst."),
        "encrypted.eml": (b"From: b@example.dk\nSubject: S/MIME\n"
                          + tools.cms_encrypt(inner("Almindelig S/MIME"), [me], smime=True),
                          "decrypted", "Almindelig S/MIME"),
    }
    for name, (data, _status, _text) in other_mail.items():
        (folder / name).write_bytes(data)
    # not mail: left alone while walking (no message, no problem line)
    (folder / "notes.txt").write_text("Husk at tage nøglefilen med.\n")
    (folder / "pgp.asc").write_bytes(armour("PGP MESSAGE", b"\xa3\x01not cms at all"))
    return {"dir": d, "folder": folder, "p12": p12, "armoured": files,
            "expected": {**files, **other_mail}}


@pytest.mark.parametrize("label", ["ENCRYPTED MESSAGE", "SIGNED MESSAGE", "CMS OBJECT",
                                   "PKCS7", "CMS"])
@pytest.mark.parametrize("headers", ["", "Version: GnuPG v2.2.40\nComment: x"])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_the_armour_is_read(label, headers, eol):
    content = bytes.fromhex("3080" "06092a864886f70d010703" "a080") + bytes(range(256)) * 3
    data = armour(label, content, headers=headers, eol=eol)
    found = find_armour(data)
    assert found is not None and found.label == label and found.complete
    assert decode_armour(found) == content
    assert [name for name, _value in found.headers] == (
        ["Version", "Comment"] if headers else [])
    assert sniff(data) is Kind.CMS_PEM


@pytest.mark.parametrize("label", ["PGP MESSAGE", "PGP SIGNED MESSAGE", "CERTIFICATE",
                                   "ENCRYPTED PRIVATE KEY"])
def test_other_armour_is_not_cms(label):
    data = armour(label, b"\x30\x03\x02\x01\x00")
    assert find_armour(data) is None
    assert sniff(data) is Kind.TEXT


def test_a_cut_off_armour_is_incomplete():
    data = armour("ENCRYPTED MESSAGE", bytes(300))
    found = find_armour(data[: len(data) // 2])
    assert found is not None and not found.complete


def test_armoured_files_are_found_among_other_mail(armoured):
    items = list(iter_messages([str(armoured["folder"])]))
    assert not [i for i in items if isinstance(i, SourceProblem)]
    by_name = {i.source.rsplit("/", 1)[1]: i for i in items if isinstance(i, RawMail)}
    assert sorted(by_name) == sorted(armoured["expected"])
    for name in armoured["armoured"]:
        assert is_cms_der(by_name[name].data), name  # decoded: the decryptor gets DER/BER


def _export(argv, monkeypatch, tmp_path):
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
    out = tmp_path / "out"
    code = cli.main(["export", *argv, "--out", str(out)])
    report = json.loads((out / "report.json").read_text("utf-8"))
    return code, out, report


def test_a_folder_with_armoured_files_is_archived(armoured, monkeypatch, tmp_path):
    code, out, report = _export(["--key", str(armoured["p12"]), str(armoured["folder"])],
                                monkeypatch, tmp_path)
    assert code == cli.EXIT_OK
    got = {m["source"].rsplit("/", 1)[1]: m for m in report["messages"]}
    assert sorted(got) == sorted(armoured["expected"])
    for name, (_data, status, text) in armoured["expected"].items():
        assert got[name]["status"] == status, (name, got[name]["detail"])
        assert text in pdf_text(out / got[name]["pdf"]), name
    for name in ("gpgsm-signed.asc", "signed.p7m"):
        (signature,) = got[name]["signatures"]
        assert signature["valid"] is True and "Karl Kleopatra" in signature["signer"]


@pytest.mark.parametrize("name", ["gpgsm-encrypted.asc", "gpgsm-signed.asc", "object.txt",
                                  "brev", "signed.p7m"])
def test_an_armoured_file_named_directly(armoured, name, monkeypatch, tmp_path):
    _data, status, text = armoured["armoured"][name]
    code, out, report = _export(["-k", str(armoured["p12"]), str(armoured["folder"] / name)],
                                monkeypatch, tmp_path)
    assert code == cli.EXIT_OK
    (msg,) = report["messages"]
    assert msg["status"] == status, msg["detail"]
    assert text in pdf_text(out / msg["pdf"])


def test_a_damaged_armour_is_reported_not_skipped(armoured, monkeypatch, tmp_path):
    data, _status, _text = armoured["armoured"]["object.txt"]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cut.asc").write_bytes(data[: len(data) // 2])  # no END line
    body_at = data.index(b"\n\n") + 2  # after the header lines
    bad = data[:body_at] + b"*" + data[body_at + 1 :]  # not base64 any more
    (folder / "bad.asc").write_bytes(bad)
    items = list(iter_messages([str(folder)]))
    assert sorted(type(i).__name__ for i in items) == ["SourceProblem", "SourceProblem"]
    details = " ".join(i.detail for i in items)
    assert "cut off" in details and "damaged" in details
