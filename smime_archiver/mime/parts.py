"""One MIME part of a parsed message: its type, name, decoded bytes and text, never raising.

What the body walk (:mod:`.body`) asks of each part; also RFC 3676 ``format=flowed``
(:func:`unflow`) and the :class:`~smime_archiver.model.Attachment` a part becomes.
"""

from __future__ import annotations

import email.utils
import mimetypes
import re
from email.message import Message

from smime_archiver.i18n import _
from smime_archiver.mime import headers
from smime_archiver.mime.charsets import decode_bytes
from smime_archiver.mime.headers import DAMAGE, fix_8bit
from smime_archiver.model import Attachment

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)""", re.I)



def part_payload(part: Message) -> object:
    """``part.get_payload()``, never raising: with 8-bit bytes in the payload the standard
    library decodes it with the declared charset, and a charset name with a NUL in it
    raises ValueError there.  The raw payload is what every caller wants anyway."""
    try:
        return part.get_payload()
    except DAMAGE:
        return getattr(part, "part_payload", None)  # undecoded: str, or a list of parts


def decoded_size(part: Message) -> int:
    """The size of the part's content once decoded, estimated without decoding it."""
    if part.is_multipart():
        return 0
    raw = part_payload(part)
    if not isinstance(raw, str):
        return 0
    try:
        cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    except DAMAGE:
        cte = ""
    return len(raw) * 3 // 4 if cte == "base64" else len(raw)


def within(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or lies inside it (``"2.1"`` inside ``"2"``)."""
    return path == root or path.startswith(root + ".")


_INVISIBLE_HTML = re.compile(rb"<(style|script|head|title)\b.*?</\1\s*>|<[^>]*>|&nbsp;|\s+",
                             re.I | re.S)


def has_content(part: Message) -> bool:
    """Whether a renderable part has something to show: not only white space (an HTML
    part: text outside its tags, or a picture)."""
    if part.is_multipart():
        children = part_payload(part)
        return isinstance(children, list) and any(
            isinstance(c, Message) and renderable(c) and has_content(c) for c in children)
    data = part_bytes(part)
    if part_content_type(part) != "text/html":
        return bool(data.strip())
    return bool(_INVISIBLE_HTML.sub(b"", data)) or b"<img" in data.lower()


def renderable(part: Message) -> bool:
    ctype = part_content_type(part)
    if ctype in ("text/plain", "text/html"):
        return part_disposition(part) != "attachment"
    if ctype in ("multipart/related", "multipart/mixed", "multipart/alternative"):
        children = part_payload(part)
        return isinstance(children, list) and any(
            isinstance(c, Message) and renderable(c) for c in children)
    return False


def part_content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except DAMAGE:
        return "application/octet-stream"


def part_content_id(part: Message) -> str | None:
    try:
        cid = part.get("Content-ID")
    except DAMAGE:
        return None
    text = " ".join(str(cid).split()).strip("<> ") if cid else ""
    return text or None


def is_flowed(part: Message) -> bool:
    try:
        return str(part.get_param("format") or "").lower() == "flowed"
    except DAMAGE:
        return False


def unflow(text: str, part: Message | None = None, *, delsp: bool | None = None) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines, keep quote depth as ``> ``.

    A line ending in a space continues on the next line of the same quote depth (with
    DelSp=yes that space is removed); space-stuffing is undone; ``-- `` stays a hard line.
    """
    if delsp is None:
        try:
            delsp = part is not None and str(part.get_param("delsp") or "").lower() == "yes"
        except DAMAGE:
            delsp = False
    out: list[str] = []
    para: list[str] = []
    para_depth = -1
    for raw in text.split("\n"):
        depth = len(raw) - len(raw.lstrip(">"))
        line = raw[depth:]
        if line.startswith(" "):
            line = line[1:]  # space-stuffing (or the space after the quote marks)
        if para and depth != para_depth:
            out.append(_quoted(para_depth, "".join(para)))
            para = []
        soft = line.endswith(" ") and line != "-- "
        if soft:
            para.append(line[:-1] if delsp else line)
            para_depth = depth
            continue
        para.append(line)
        out.append(_quoted(depth, "".join(para)))
        para = []
    if para:
        out.append(_quoted(para_depth, "".join(para)))
    return "\n".join(out)


def _quoted(depth: int, line: str) -> str:
    return (">" * depth + " " + line) if depth > 0 else line


def part_disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except DAMAGE:
        return None


def part_filename(part: Message) -> str | None:
    name: str | None
    try:
        name = part.get_filename()
    except DAMAGE:
        name = None
    if not name:
        try:
            param = part.get_param("name")
            # an RFC 2231 value arrives as a (charset, language, text) triple
            name = email.utils.collapse_rfc2231_value(param) if param else None
        except DAMAGE:
            name = None
    return " ".join(fix_8bit(str(name)).split()) if name else None


def make_attachment(part: Message, path: str, ctype: str, filename: str | None) -> Attachment:
    data = part_bytes(part)
    generated = not filename
    if not filename:
        ext = mimetypes.guess_extension(ctype) or ""
        ext = {"message/rfc822": ".eml", "text/plain": ".txt", ".jpe": ".jpg"}.get(ctype, ext)
        filename = _("part {path}").format(path=path or "1") + ext
    location = None
    try:
        loc = part.get("Content-Location")
        location = " ".join(str(loc).split()) if loc else None
    except DAMAGE:
        location = None
    return Attachment(
        filename=filename,
        content_type=ctype,
        size=len(data),
        data=data,
        inline=part_disposition(part) == "inline",
        content_id=part_content_id(part),
        part=path,
        content_location=location,
        generated_name=generated,
    )


def part_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (base64/quoted-printable undone), never raising."""
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = part_payload(part)
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            try:
                return payload[0].as_bytes(policy=headers.POLICY)
            except DAMAGE:
                return str(payload[0]).encode("utf-8", "replace")
        return b""
    try:
        data = part.get_payload(decode=True)
    except DAMAGE:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part_payload(part)
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def decode_text(part: Message) -> str:
    """Text of a text/* part in its declared charset, tolerating wrong declarations."""
    data = part_bytes(part)
    declared = None
    try:
        declared = part.get_content_charset()
    except DAMAGE:
        declared = None
    if not declared and part_content_type(part) == "text/html":
        match = _META_CHARSET.search(data[:4096])
        declared = match.group(1).decode("ascii", "replace") if match else None
    return decode_bytes(data, declared)
