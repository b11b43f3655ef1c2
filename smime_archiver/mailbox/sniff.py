"""Tell what a file holds from its first bytes, whatever its name says.

:func:`sniff` looks at the head of a file (the first :data:`HEAD_SIZE` bytes)
and returns a :class:`Kind`.  Readers are chosen by kind; the extension only
decides whether an unrecognised file found while walking a folder is worth a
problem line in the report (``.eml`` full of binary garbage) or is quietly
left alone (``prefs.js`` in a Thunderbird profile).
"""

from __future__ import annotations

import os
import re
from enum import Enum

from smime_archiver.crypto.cms.armour import find_armour
from smime_archiver.crypto.cms.sniff import is_cms_der, looks_like_base64_cms

HEAD_SIZE = 64 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PST_MAGIC = b"!BDN"

# Extensions that claim to be mail: a file with one of these names is reported when it
# cannot be read, even when found while walking a folder.
MAIL_EXTENSIONS = frozenset(
    {".eml", ".msg", ".p7m", ".p7s", ".mbox", ".mbx", ".emlx", ".pst", ".ost", ".mbs", ".mail"}
)


class Kind(str, Enum):
    EMPTY = "empty"
    MBOX = "mbox"
    MESSAGE = "message"  # one RFC 5322 message (.eml, Maildir file, S/MIME .p7m with headers)
    EMLX = "emlx"  # Apple Mail: byte count line, message, plist
    OLE = "ole"  # compound file: Outlook .msg (or a Word document...)
    PST = "pst"  # Outlook .pst / .ost
    CMS_DER = "cms-der"  # a bare CMS ContentInfo (smime.p7m saved on its own)
    CMS_PEM = "cms-pem"  # CMS in text armour: PEM (PKCS7, CMS) or gpgsm's (ENCRYPTED MESSAGE...)
    CMS_BASE64 = "cms-base64"
    ZIP = "zip"
    GZIP = "gzip"
    TEXT = "text"  # readable text, but no mail
    BINARY = "binary"  # nothing we know

    def __str__(self) -> str:
        return self.value


MAIL_KINDS = frozenset(
    {Kind.MBOX, Kind.MESSAGE, Kind.EMLX, Kind.OLE, Kind.PST, Kind.CMS_DER, Kind.CMS_PEM,
     Kind.CMS_BASE64}
)

# Header names that make a block of "Name: value" lines an e-mail header.
_KNOWN_HEADERS = frozenset(
    b.lower()
    for b in (
        b"From", b"To", b"Cc", b"Subject", b"Date", b"Message-ID", b"Received", b"Return-Path",
        b"MIME-Version", b"Content-Type", b"Sender", b"Reply-To", b"Delivered-To",
        b"X-Mozilla-Status", b"X-Mozilla-Status2", b"In-Reply-To", b"References",
        b"Content-Transfer-Encoding", b"X-Mailer", b"User-Agent", b"Envelope-To",
        b"X-Original-To", b"Thread-Topic", b"X-MS-Has-Attach", b"X-Gmail-Labels", b"X-GM-THRID",
        b"Bcc", b"X-Account-Key", b"X-UIDL", b"Status", b"X-Status",
    )
)
_HEADER_LINE = re.compile(rb"([!-9;-~]+)[ \t]*:")  # RFC 5322 field name (printable, no colon)
_EMLX_COUNT = re.compile(rb"[ \t]*(\d{1,12})[ \t]*\r?\n")



def sniff(head: bytes) -> Kind:
    """The kind of file whose first bytes are ``head``."""
    if not head:
        return Kind.EMPTY
    if head.startswith(OLE_MAGIC):
        return Kind.OLE
    if head.startswith(PST_MAGIC):
        return Kind.PST
    if head.startswith(b"PK\x03\x04"):
        return Kind.ZIP
    if head.startswith(b"\x1f\x8b"):
        return Kind.GZIP
    if is_cms_der(head):
        return Kind.CMS_DER
    stripped = head.lstrip(b"\xef\xbb\xbf")  # a UTF-8 byte order mark some editors add
    if stripped.startswith(b"From "):
        return Kind.MBOX
    m = _EMLX_COUNT.match(stripped)
    if m and looks_like_header(stripped[m.end():]):
        return Kind.EMLX
    if looks_like_header(stripped):
        return Kind.MESSAGE
    text = stripped.lstrip()
    if find_armour(text) is not None:  # PEM, or gpgsm's armour (-----BEGIN SIGNED MESSAGE-----)
        return Kind.CMS_PEM
    if looks_like_base64_cms(text):
        return Kind.CMS_BASE64
    if looks_like_text(head):
        return Kind.TEXT
    return Kind.BINARY


def looks_like_header(data: bytes) -> bool:
    """Whether ``data`` starts with an RFC 5322 header block naming a known field.

    Most lines up to the first empty line (at most 200 looked at) must be
    ``Name: value`` fields or folded continuations, with no NUL byte, and at
    least one field must be one mail always has (From, Date, Received, ...).
    """
    if not _HEADER_LINE.match(data):
        return False
    end = data.find(b"\n\n")
    end_crlf = data.find(b"\r\n\r\n")
    ends = [e for e in (end, end_crlf) if e >= 0]
    block = data[: min(ends)] if ends else data
    if b"\x00" in block:
        return False
    lines = block.splitlines()[:200]
    if not ends and len(data) >= HEAD_SIZE and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle by the head's end
    known = 0
    bad = 0
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            continue
        m = _HEADER_LINE.match(line)
        if m is None:
            bad += 1
            continue
        if m.group(1).lower() in _KNOWN_HEADERS:
            known += 1
    return known > 0 and bad * 5 <= len(lines)


def looks_like_text(head: bytes) -> bool:
    """Printable text in some 8-bit or UTF-8 encoding: no NULs, few control bytes."""
    sample = head[:8192]
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls * 100 <= len(sample)


def read_head(path: str) -> bytes:
    """The first :data:`HEAD_SIZE` bytes of ``path`` (raises ``OSError``)."""
    with open(path, "rb", buffering=0) as f:
        # ask for no more than the file holds: a 64 KiB buffer shrunk to a small file's size
        # for every Maildir message fragments the C heap and grows the process
        size = os.fstat(f.fileno()).st_size
        return f.read(min(HEAD_SIZE, size) if size > 0 else HEAD_SIZE)
