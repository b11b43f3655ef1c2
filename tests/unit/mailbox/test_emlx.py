"""Apple Mail .emlx and .partial.emlx."""

from __future__ import annotations

import base64
from pathlib import Path

from smime_archiver.mailbox import iter_messages
from smime_archiver.mime.rawmime import decode_body, walk
from smime_archiver.model import RawMail, SourceProblem
from tests.support.mailbox import PLIST, message, write_emlx


def _one(path: Path):
    [item] = list(iter_messages([path]))
    return item


def test_emlx_byte_count_and_plist_removed(tmp_path):
    original = message("apple", "Hej\n")
    path = tmp_path / "123.emlx"
    path.write_bytes(write_emlx(original))
    item = _one(path)
    assert isinstance(item, RawMail) and item.data == original and item.note == ""


def test_emlx_cut_off(tmp_path):
    original = message("apple", "Hej med dig\n" * 10)
    path = tmp_path / "5.emlx"
    path.write_bytes(write_emlx(original)[: -len(PLIST) - 20])
    item = _one(path)
    assert isinstance(item, RawMail) and "may be incomplete" in item.note
    path.write_bytes(write_emlx(original)[:40])
    item = _one(path)
    assert isinstance(item, SourceProblem) and "inside the message's headers" in item.detail


PARTIAL = (b"From: a@example.dk\nSubject: partial\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"XX\"\n\n"
           b"--XX\nContent-Type: text/plain\n\nsee attachment\n"
           b"--XX\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n"
           b"Content-Disposition: attachment; filename=a.pdf\nX-Apple-Content-Length: 6000\n\n"
           b"\n--XX--\n")


def test_partial_emlx_gets_its_stored_attachment_back(tmp_path):
    data_dir = tmp_path / "Data" / "0" / "1"
    messages = data_dir / "Messages"
    messages.mkdir(parents=True)
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 23
    stored = data_dir / "Attachments" / "77" / "2"
    stored.mkdir(parents=True)
    (stored / "a.pdf").write_bytes(pdf)
    path = messages / "77.partial.emlx"
    path.write_bytes(write_emlx(PARTIAL))
    item = _one(path)
    assert isinstance(item, RawMail) and item.note == ""
    head, _sep, rest = item.data.partition(b"X-Apple-Content-Length: 6000\n\n")
    assert head == PARTIAL.partition(b"X-Apple-Content-Length: 6000\n\n")[0]
    encoded, _sep, _tail = rest.partition(b"\n--XX--")
    assert base64.b64decode(encoded) == pdf
    assert item.data.startswith(PARTIAL.split(b"--XX\nContent-Type: application/pdf")[0])


def test_partial_emlx_without_its_attachment_says_so(tmp_path):
    messages = tmp_path / "Messages"
    messages.mkdir()
    path = messages / "78.partial.emlx"
    path.write_bytes(write_emlx(PARTIAL))
    item = _one(path)
    assert isinstance(item, RawMail) and item.data == PARTIAL
    assert "not found beside it: 2" in item.note


def test_partial_emlx_quoted_printable_part_keeps_every_byte(tmp_path):
    """A stored part declared quoted-printable is re-encoded so that it decodes to the stored
    file byte for byte (CR LF pairs, bare CR and LF, line-end whitespace included)."""
    data_dir = tmp_path / "Data"
    messages = data_dir / "Messages"
    messages.mkdir(parents=True)
    stored_bytes = bytes(range(256)) * 4 + b"a \r\nb\t\r\n\r\n=\n\r"
    stored = data_dir / "Attachments" / "79" / "2"
    stored.mkdir(parents=True)
    (stored / "a.bin").write_bytes(stored_bytes)
    partial = PARTIAL.replace(b"Content-Transfer-Encoding: base64",
                              b"Content-Transfer-Encoding: quoted-printable")
    for eol in (b"\n", b"\r\n"):
        path = messages / "79.partial.emlx"
        path.write_bytes(write_emlx(partial.replace(b"\n", eol)))
        item = _one(path)
        assert isinstance(item, RawMail) and item.note == ""
        part = next(ref for ref in walk(item.data) if ref.path == "2")
        assert decode_body(part.entity) == stored_bytes
