"""Is a decrypted content plausibly what a sender encrypted?

Decrypting with a wrong key does not always fail: RSA PKCS#1 v1.5 with
implicit rejection hands back a pseudo-random "key", and one CBC block in
about 256 then ends in valid-looking padding.  Real S/MIME content is always
one of three things, which random bytes essentially never resemble:

* a MIME entity: header lines ``Name: value`` (folded lines allowed), then an
  empty line (or the end of the content);
* a BER/DER ContentInfo with a known content type (signed data inside
  encrypted data, as Outlook and Thunderbird nest them);
* plain text: UTF-8 or Windows-1252 without control characters.
"""

from __future__ import annotations

import re

from smime_archiver.crypto.cms.sniff import looks_like_content_info
from smime_archiver.mime.charsets import mostly_utf8

SAMPLE_SIZE = 64 * 1024  # enough to see the header block and judge text

# field-name = 1*(%d33-57 / %d59-126), optional obsolete white space before the colon
_HEADER = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_BAD_IN_HEADER = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # CR/LF are stripped before
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # TAB, LF, FF, CR are fine in text
_HIGH = re.compile(rb"[\x80-\xff]")


def plausible_plaintext(data: bytes) -> bool:
    """``True`` when ``data`` looks like a MIME entity, a CMS ContentInfo or text."""
    if not data:
        return False
    sample = data[:SAMPLE_SIZE]
    return (
        looks_like_mime_entity(sample, complete=len(data) <= SAMPLE_SIZE)
        or looks_like_content_info(sample)
        or looks_like_text(sample, truncated=len(data) > SAMPLE_SIZE)
    )


def looks_like_mime_entity(data: bytes, *, complete: bool = True) -> bool:
    """Header lines, then an empty line (or, for a ``complete`` content, the end)."""
    lines = data.split(b"\n")
    headers = 0
    for index, raw in enumerate(lines):
        line = raw[:-1] if raw.endswith(b"\r") else raw
        if not line:
            # the blank line that ends the header block; or the end of a content
            # that holds headers only (it then ends with a line break)
            is_end = index == len(lines) - 1
            return headers > 0 and (not is_end or complete)
        if index == len(lines) - 1:
            return False  # the sample ends in the middle of the header block
        if _BAD_IN_HEADER.search(line):
            return False
        if line[:1] in (b" ", b"\t"):
            if headers == 0:
                return False  # a continuation line needs a header to continue
            continue
        if not _HEADER.match(line):
            return False
        headers += 1
    return False


def looks_like_text(data: bytes, *, truncated: bool = False) -> bool:
    """UTF-8 or Windows-1252 text without control characters (line breaks allowed).

    ``truncated``: ``data`` is the start of a longer content, so its last
    multi-byte UTF-8 character may be cut in two.
    """
    if _CONTROL.search(data):
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        if truncated and e.start >= len(data) - 3 and e.reason == "unexpected end of data":
            return True  # the sample cut a multi-byte character in two
    if mostly_utf8(data):
        return True  # UTF-8 text with a damaged byte or two (random bytes never are)
    # Windows-1252: Danish text has some æøå, random bytes have half their bytes >= 0x80
    # (a proportion that says nothing about a handful of bytes)
    high = len(_HIGH.findall(data))
    if len(data) < 16 or high * 4 > len(data):
        return False
    text = data.decode("cp1252", errors="replace")
    return all(ch.isalpha() or ch in "€–—‘’“”„…•«»°§½¼¾±×÷£¥©®µ·" for ch in text if ord(ch) > 0x7F)
