"""Text armour around a CMS structure: PEM as OpenSSL writes it, and gpgsm's.

``-----BEGIN PKCS7-----`` / ``-----BEGIN CMS-----`` (OpenSSL), ``-----BEGIN PKCS #7
SIGNED DATA-----`` (Windows), and gpgsm's (GnuPG's S/MIME tool, KMail's engine)
``-----BEGIN ENCRYPTED MESSAGE-----``, ``-----BEGIN SIGNED MESSAGE-----`` and
``-----BEGIN CMS OBJECT-----``.  Header lines (``Version: ...``, RFC 1421's
``Proc-Type: ...``) may come first and end with an empty line; then base64 up to
the ``-----END ...-----`` line.  The one reader of this armour for the mailbox
sniffer, the bare-file reader and the CMS loader.  No dependencies beyond the
standard library, so the mailbox side can use it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

# Labels whose content is CMS; anything else (CERTIFICATE, PGP MESSAGE, ...) is not.
CMS_LABELS = frozenset(
    {
        b"PKCS7",
        b"CMS",
        b"PKCS #7 SIGNED DATA",
        b"ENCRYPTED MESSAGE",
        b"SIGNED MESSAGE",
        b"CMS OBJECT",
    }
)

_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 #]{1,40})-----[ \t]*\r?\n")
_HEADER = re.compile(rb"[A-Za-z][A-Za-z0-9-]*:")
_BASE64 = re.compile(rb"[A-Za-z0-9+/=]+")
_PREFIX_CHARS = 64  # base64 characters decoded to recognise the start of the content


@dataclass(frozen=True)
class Armour:
    label: str
    headers: tuple[tuple[str, str], ...]
    text: bytes  # the base64 text, line breaks included
    complete: bool  # the END line was found


def find_armour(data: bytes) -> Armour | None:
    """The CMS armour ``data`` starts with (after a byte order mark and blank space), or None."""
    stripped = data.lstrip(b"\xef\xbb\xbf").lstrip()
    begin = _BEGIN.match(stripped)
    if begin is None or begin.group(1) not in CMS_LABELS:
        return None
    label = begin.group(1)
    rest = stripped[begin.end() :]
    headers: list[tuple[str, str]] = []
    if _HEADER.match(rest):
        block_end = re.search(rb"\r?\n[ \t]*\r?\n", rest)
        if block_end is None:
            return None  # header lines that never end: not armour we can read
        for line in rest[: block_end.start()].splitlines():
            text_line = line.decode("latin-1")
            if text_line[:1] in (" ", "\t") and headers:  # a folded header line
                name, value = headers[-1]
                headers[-1] = (name, value + " " + text_line.strip())
                continue
            name, _sep, value = text_line.partition(":")
            headers.append((name.strip(), value.strip()))
        rest = rest[block_end.end() :]
    end = re.search(rb"-----END " + re.escape(label) + rb"-----", rest)
    text = rest[: end.start()] if end else rest
    return Armour(label.decode("ascii"), tuple(headers), text, end is not None)


def decode_armour(armour: Armour) -> bytes:
    """The DER/BER bytes inside; ``ValueError`` when the base64 text is damaged."""
    compact = re.sub(rb"\s+", b"", armour.text)
    if not _BASE64.fullmatch(compact or b"="):
        raise ValueError("characters that are not base64 inside the armour")
    compact += b"=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as e:
        raise ValueError(f"damaged base64: {e}") from e


def decoded_prefix(armour: Armour) -> bytes:
    """The first bytes of the content (to recognise it without decoding it all)."""
    compact = re.sub(rb"\s+", b"", armour.text[: _PREFIX_CHARS * 2])[:_PREFIX_CHARS]
    compact = compact[: len(compact) - len(compact) % 4]
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return b""
