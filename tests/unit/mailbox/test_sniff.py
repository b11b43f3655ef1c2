"""Content detection."""

from __future__ import annotations

import base64
import os

import pytest

from smime_archiver.mailbox.sniff import Kind, sniff
from tests.support.mailbox import message, write_emlx, write_mbox

CMS_DER = bytes.fromhex("3080" "06092a864886f70d010703" "a080") + b"\x00" * 20


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"", Kind.EMPTY),
        (write_mbox([message("x")]), Kind.MBOX),
        (b"\xef\xbb\xbf" + message("bom"), Kind.MESSAGE),
        (message("crlf", crlf=True), Kind.MESSAGE),
        (b"Return-Path: <a@b>\nX-Original-To: c@d\n\nbody", Kind.MESSAGE),
        (write_emlx(message("e")), Kind.EMLX),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, Kind.OLE),
        (b"!BDN" + b"\x00" * 100, Kind.PST),
        (CMS_DER, Kind.CMS_DER),
        (b"-----BEGIN PKCS7-----\n" + base64.encodebytes(CMS_DER), Kind.CMS_PEM),
        (base64.encodebytes(CMS_DER + bytes(200)), Kind.CMS_BASE64),
        (b"PK\x03\x04rest", Kind.ZIP),
        (b"\x1f\x8b\x08", Kind.GZIP),
        (b'user_pref("mail.x", 1);\n', Kind.TEXT),
        (b"Name: value\nOther: thing\n\nnot mail headers", Kind.TEXT),
        (os.urandom(4000) + b"\x00", Kind.BINARY),
    ],
)
def test_kinds(head, kind):
    assert sniff(head) is kind
