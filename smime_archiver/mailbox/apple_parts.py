"""Put back the attachments Apple Mail stored apart from a ``.partial.emlx`` message.

Apple Mail leaves a large part's headers in the message, with an
``X-Apple-Content-Length`` header and an empty body, and keeps the decoded
content in ``<Data folder>/Attachments/<message number>/<part>/<file name>``,
beside the ``Messages`` folder.  Parts are numbered as IMAP does: ``1``, ``2``,
``2.1`` ... (the body of a message that is not multipart is part ``1``).

Only the emptied parts are rewritten (re-encoded with their own
Content-Transfer-Encoding); every other byte of the message is kept as it was,
so signatures over the other parts still verify.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
from pathlib import Path

log = logging.getLogger(__name__)

_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]+)"|([^\s;"]+))', re.IGNORECASE)
_MAX_DEPTH = 20


def restore_parts(path: str, message: bytes) -> tuple[bytes, list[str]]:
    """``(message with the stored parts put back, numbers of parts not found)``."""
    number = os.path.basename(path).split(".")[0]
    folder = Path(path).parent.parent / "Attachments" / number
    missing: list[str] = []
    restored = _restore(message, "", folder, missing, 0)
    return restored, missing


def split_head(entity: bytes) -> tuple[bytes, bytes, bytes]:
    """``(headers, separator, body)`` of a MIME entity (separator is the empty line)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        pos = entity.find(sep)
        if pos >= 0:
            other = entity.find(b"\n\n" if sep == b"\r\n\r\n" else b"\r\n\r\n")
            if other >= 0 and other < pos:
                continue
            return entity[:pos], sep, entity[pos + len(sep) :]
    if entity.startswith((b"\r\n", b"\n")):
        nl = b"\r\n" if entity.startswith(b"\r\n") else b"\n"
        return b"", nl, entity[len(nl) :]
    return entity, b"", b""


def header_value(head: bytes, name: bytes) -> bytes | None:
    """The unfolded value of the first header ``name`` in ``head``."""
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    m = re.search(rb"(?im)^" + re.escape(name) + rb"[ \t]*:[ \t]*(.*?)\r?$", unfolded)
    return m.group(1) if m else None


def _restore(entity: bytes, part: str, folder: Path, missing: list[str], depth: int) -> bytes:
    head, sep, body = split_head(entity)
    ctype = (header_value(head, b"Content-Type") or b"text/plain").lower()
    if ctype.startswith(b"multipart/") and depth < _MAX_DEPTH:
        m = _BOUNDARY.search(header_value(head, b"Content-Type") or b"")
        if m:
            boundary = m.group(1) or m.group(2)
            return head + sep + _restore_multipart(body, boundary, part, folder, missing, depth)
    if header_value(head, b"X-Apple-Content-Length") is None or body.strip():
        return entity
    number = part or "1"
    stored = _stored_file(folder / number)
    if stored is None:
        missing.append(number)
        return entity
    newline = b"\r\n" if b"\r\n" in head else b"\n"
    encoding = (header_value(head, b"Content-Transfer-Encoding") or b"").strip().lower()
    if encoding == b"base64":
        encoded = base64.encodebytes(stored)
    elif encoding == b"quoted-printable":
        # binary-safe: CR and LF as =0D/=0A, so decoding gives back every stored byte (text
        # mode would turn a CR LF pair of a binary file into a line break and lose the CR)
        encoded = binascii.b2a_qp(stored, istext=False)
    else:
        encoded = stored
    if newline == b"\r\n" and encoding in (b"base64", b"quoted-printable"):
        encoded = encoded.replace(b"\n", b"\r\n")
    return head + sep + encoded


def _restore_multipart(body: bytes, boundary: bytes, part: str, folder: Path,
                       missing: list[str], depth: int) -> bytes:
    delimiter = re.compile(rb"(?m)^--" + re.escape(boundary) + rb"(--)?[ \t]*(\r?\n|\Z)")
    out: list[bytes] = []
    last = 0
    child = 0
    seg_start: int | None = None
    for m in delimiter.finditer(body):
        if seg_start is not None:
            end = m.start()
            nl = 2 if body[max(0, end - 2) : end] == b"\r\n" else (1 if end > seg_start else 0)
            child += 1
            number = f"{part}.{child}" if part else str(child)
            segment = body[seg_start : end - nl]
            out.append(_restore(segment, number, folder, missing, depth + 1))
            out.append(body[end - nl : m.end()])
        else:
            out.append(body[last : m.end()])
        last = m.end()
        seg_start = None if m.group(1) else m.end()
        if m.group(1):
            break
    out.append(body[last:])
    return b"".join(out)


def _stored_file(folder: Path) -> bytes | None:
    try:
        names = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError:
        return None
    if len(names) != 1:
        log.debug("Apple Mail attachment folder %s holds %d files", folder, len(names))
        return None
    try:
        return names[0].read_bytes()
    except OSError as e:
        log.debug("cannot read %s: %s", names[0], e)
        return None
