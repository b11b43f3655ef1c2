"""Key material inside text: PEM blocks, and base64 key files in text or HTML pages.

Some backup tools saved the NemID key as a web page: a base64 PKCS#12 inside
an attribute, a ``data:`` URL, a ``<pre>`` with ``<br>`` line breaks, HTML
entities (``&#43;`` for ``+``), JSON escapes, or quoted-printable in a saved
``.mht``.  :func:`find_der_blobs` undoes those layers and returns each decoded
DER/BER element that starts like a key file; the caller decides what it is.
"""

from __future__ import annotations

import base64
import binascii
import html
import quopri
import re
import urllib.parse
from dataclasses import dataclass

from smime_archiver.crypto import der

MIN_BLOB_CHARS = 64  # shorter base64 runs cannot hold a key or certificate

_PEM_RE = re.compile(
    r"-----BEGIN ([A-Z0-9 ]{1,40})-----(.*?)-----END \1-----", re.DOTALL
)
_TAG_RE = re.compile(r"<[^<>]{0,4000}>")
_ATTRIBUTE_RE = re.compile(r"=\s*(?:\"([^\"]*)\"|'([^']*)')")
_DATA_URL_RE = re.compile(r"data:[^,;\s\"']*(?:;[^,;\s\"']*)*;base64,([A-Za-z0-9+/=%_\-\s]+)",
                          re.IGNORECASE)
# A base64 run that begins like a DER SEQUENCE (0x30 -> "M"), spaces and line breaks allowed.
_BLOB_RE = re.compile(r"(?<![A-Za-z0-9+/_\-])MI[A-Za-z0-9+/_\-]+(?:\s+[A-Za-z0-9+/_\-]+)*={0,2}")


@dataclass(frozen=True)
class PemBlock:
    label: str  # "PRIVATE KEY", "RSA PRIVATE KEY", "CERTIFICATE", ...
    headers: dict[str, str]  # e.g. {"Proc-Type": "4,ENCRYPTED", "DEK-Info": "DES-EDE3-CBC,..."}
    der: bytes
    pem: bytes  # the block re-armoured cleanly, for ``cryptography``'s PEM loaders


def decode_text(data: bytes) -> str | None:
    """The file as text, or None when it looks binary."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 0x09 or 0x0E <= b < 0x20 or b == 0x7F)
    if controls > len(sample) // 100:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def find_pem_blocks(text: str) -> tuple[list[PemBlock], str]:
    """Every PEM block, and the text with the blocks cut out."""
    blocks: list[PemBlock] = []
    for match in _PEM_RE.finditer(text):
        label, body = match.group(1).strip(), match.group(2)
        headers: dict[str, str] = {}
        lines = [line.strip() for line in _unmarkup(body).splitlines()]
        payload: list[str] = []
        for line in lines:
            if ":" in line and not payload:
                name, _sep, value = line.partition(":")
                headers[name.strip()] = value.strip()
            elif line:
                payload.append(line)
        joined = "".join(payload)
        try:
            raw = base64.b64decode(joined + "=" * (-len(joined) % 4))
        except (binascii.Error, ValueError):
            continue
        wrapped = "\n".join(joined[i : i + 64] for i in range(0, len(joined), 64))
        head = "".join(f"{k}: {v}\n" for k, v in headers.items())
        pem = f"-----BEGIN {label}-----\n{head}{chr(10) if head else ''}{wrapped}\n" \
              f"-----END {label}-----\n"
        blocks.append(PemBlock(label, headers, raw, pem.encode("ascii", errors="replace")))
    rest = _PEM_RE.sub("\n", text)
    return blocks, rest


def _unmarkup(text: str) -> str:
    """Tags become line breaks (keeping attribute values), entities and escapes are undone."""

    def tag(match: re.Match[str]) -> str:
        values = [a or b for a, b in _ATTRIBUTE_RE.findall(match.group(0))]
        return "\n" + "\n".join(values) + "\n"

    text = _TAG_RE.sub(tag, text)
    text = html.unescape(text)
    return text.replace("\\/", "/").replace("\\n", "\n").replace("\\r", "\n")


def _variants(text: str) -> list[str]:
    """The text as it is, without markup, and quoted-printable decoded (saved .mht pages)."""
    out = [text, _unmarkup(text)]
    if re.search(r"=\r?\n|=3D", text, re.IGNORECASE):
        decoded = quopri.decodestring(text.encode("utf-8", errors="replace"))
        out.append(_unmarkup(decoded.decode("utf-8", errors="replace")))
    return out


def _decode_run(run: str) -> bytes | None:
    """Base64 run -> the first complete DER/BER element in it, or None."""
    compact = re.sub(r"\s+", "", run).replace("-", "+").replace("_", "/").rstrip("=")
    usable = compact[: len(compact) // 4 * 4]
    rest = compact[len(usable):]
    if len(rest) >= 2:  # a final group that lost its padding
        usable += rest + "=" * (4 - len(rest))
    try:
        raw = base64.b64decode(usable)
    except (binascii.Error, ValueError):
        return None
    try:
        end = der.element_end(raw)
    except (der.DerError, IndexError):
        return None
    return raw[:end]


def find_der_blobs(text: str) -> list[bytes]:
    """Every base64 DER/BER element (SEQUENCE) of some size found in ``text``, first first."""
    found: list[bytes] = []
    for variant in _variants(text):
        for match in _DATA_URL_RE.finditer(variant):
            payload = urllib.parse.unquote(match.group(1))
            blob = _decode_run(payload)
            if blob is not None and blob not in found:
                found.append(blob)
        for match in _BLOB_RE.finditer(variant):
            if len(match.group(0)) < MIN_BLOB_CHARS:
                continue
            blob = _decode_run(match.group(0))
            if blob is not None and blob not in found:
                found.append(blob)
    return found
