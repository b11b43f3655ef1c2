"""Decrypted message bytes -> :class:`~smime_archiver.model.MessageView` for the renderer.

Tolerant by design: a header that does not parse, a wrong charset or a broken
part never stops the message; the text is shown as well as it can be decoded.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from smime_archiver.i18n import _
from smime_archiver.model import Attachment, MessageView

log = logging.getLogger(__name__)

_POLICY = email.policy.default.clone(max_line_length=None)
_MAX_BODY_CHARS = 2_000_000  # a body longer than this is cut (with a note) to keep PDFs sane


def parse_message(data: bytes) -> MessageView:
    """Decode headers, pick the body text and list attachments of one message."""
    msg = email.message_from_bytes(data, policy=_POLICY)
    headers = tuple((name, _header_text(msg, name, value)) for name, value in _raw_items(msg))
    date_text = _get(msg, "Date")
    date = None
    if date_text:
        try:
            date = parsedate_to_datetime(date_text)
        except (TypeError, ValueError, IndexError):
            date = None
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    notes: list[str] = []
    _walk(msg, "", plain, html, attachments, notes)
    body_html = "\n".join(html) if html else None
    if plain:
        body = "\n\n".join(plain)
    elif body_html is not None:
        body = html_to_text(body_html)
    else:
        body = ""
    if len(body) > _MAX_BODY_CHARS:
        body = body[:_MAX_BODY_CHARS]
        notes.append(_("The message text is very long and was shortened in this view."))
    return MessageView(
        subject=_get(msg, "Subject"),
        sender=_addresses(msg, "From"),
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=date,
        date_text=date_text,
        message_id=_get(msg, "Message-ID"),
        body_text=body,
        body_html=body_html,
        attachments=tuple(attachments),
        headers=headers,
        notes=tuple(notes),
    )


_SURROGATES = re.compile(r"[\udc80-\udcff]")


def fix_8bit(text: str) -> str:
    """Undo the surrogate escapes ``email`` leaves for raw 8-bit header bytes.

    Old clients wrote æøå unencoded in headers, in UTF-8 or in Windows-1252.
    """
    if not _SURROGATES.search(text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("windows-1252", "replace")


def _raw_items(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(k, v) for k, v in msg._headers]  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return []


def _header_text(msg: Message, name: str, value: object) -> str:
    if isinstance(value, str) and _SURROGATES.search(value):
        return _decode_words(value)
    try:
        text = str(value)
    except (ValueError, TypeError, IndexError, AttributeError):
        text = repr(value)
    return " ".join(fix_8bit(text).split())


def _get(msg: Message, name: str) -> str:
    """A header as decoded text; RFC 2047 words decoded, damage tolerated."""
    raw = _raw_value(msg, name)
    if raw and _SURROGATES.search(raw):  # raw 8-bit bytes: decode them ourselves
        return _decode_words(raw)
    try:
        value = msg.get(name)
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        raw = _raw_value(msg, name)
        return _decode_words(raw) if raw else ""
    if value is None:
        return ""
    try:
        return " ".join(fix_8bit(str(value)).split())
    except (ValueError, TypeError, IndexError, LookupError):
        return _decode_words(_raw_value(msg, name) or "")


def _raw_value(msg: Message, name: str) -> str | None:
    for key, value in _raw_items(msg):
        if key.lower() == name.lower():
            return str(value)
    return None


def _decode_words(raw: str) -> str:
    from email.header import decode_header, make_header

    try:
        return " ".join(fix_8bit(str(make_header(decode_header(raw)))).split())
    except (ValueError, LookupError, UnicodeError):
        return " ".join(fix_8bit(raw).split())


def _addresses(msg: Message, name: str) -> str:
    text = _get(msg, name)
    if not text:
        return ""
    if _SURROGATES.search(_raw_value(msg, name) or ""):
        return text
    try:
        header = msg.get(name)
        addresses = getattr(header, "addresses", None)
        if addresses and all("@" in (a.addr_spec or "") for a in addresses):
            return fix_8bit(", ".join(_format_address(a) for a in addresses))
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        pass
    raw = _decode_words(_raw_value(msg, name) or text)
    pairs = getaddresses([raw])
    if pairs and all(addr and "@" in addr for _n, addr in pairs):
        return ", ".join(f"{n} <{a}>" if n else a for n, a in pairs)
    return raw


def _format_address(address: Address) -> str:
    if address.display_name and address.addr_spec:
        return f"{address.display_name} <{address.addr_spec}>"
    return address.addr_spec or address.display_name


def _walk(
    part: Message,
    path: str,
    plain: list[str],
    html: list[str],
    attachments: list[Attachment],
    notes: list[str],
) -> None:
    try:
        ctype = part.get_content_type()
    except (ValueError, TypeError, AttributeError):
        ctype = "application/octet-stream"
    if part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list):
            return
        if ctype == "multipart/alternative":
            _walk_alternative(children, path, plain, html, attachments, notes)
            return
        for i, child in enumerate(children, 1):
            _walk(child, f"{path}.{i}" if path else str(i), plain, html, attachments, notes)
        return
    disposition = _disposition(part)
    filename = _filename(part)
    if ctype.startswith("multipart/"):
        # A multipart whose boundary is missing or never occurs: keep its text visible.
        notes.append(_("Part {path} is a damaged multipart; its raw text is shown.").format(
            path=path or "1"))
        plain.append(decode_text(part))
        return
    if ctype == "message/rfc822":
        _add_attachment(part, path, attachments, filename or "message.eml", ctype)
        return
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = decode_text(part)
        (plain if ctype == "text/plain" else html).append(text)
        return
    _add_attachment(part, path, attachments, filename, ctype)


def _walk_alternative(children, path, plain, html, attachments, notes) -> None:
    """Take the plain text if there is one; keep the HTML for later rendering."""
    sub_plain: list[str] = []
    sub_html: list[str] = []
    for i, child in enumerate(children, 1):
        _walk(child, f"{path}.{i}" if path else str(i), sub_plain, sub_html, attachments, notes)
    plain.extend(sub_plain or ([html_to_text("\n".join(sub_html))] if sub_html else []))
    html.extend(sub_html)


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except (ValueError, TypeError, AttributeError, IndexError):
        return None


def _filename(part: Message) -> str | None:
    name: str | None
    try:
        name = part.get_filename()
    except (ValueError, TypeError, AttributeError, IndexError, LookupError):
        name = None
    if not name:
        try:
            param = part.get_param("name")
            # an RFC 2231 value arrives as a (charset, language, text) triple
            name = email.utils.collapse_rfc2231_value(param) if param else None
        except (ValueError, TypeError, AttributeError, IndexError, LookupError):
            name = None
    return " ".join(fix_8bit(str(name)).split()) if name else None


def _add_attachment(part: Message, path: str, attachments: list[Attachment],
                    filename: str | None, ctype: str) -> None:
    data = part_bytes(part)
    if not filename:
        ext = {"message/rfc822": ".eml", "text/plain": ".txt", "text/html": ".html"}.get(ctype, "")
        filename = _("part {path}").format(path=path or "1") + ext
    content_id = None
    try:
        cid = part.get("Content-ID")
        content_id = str(cid).strip("<> ") if cid else None
    except (ValueError, TypeError, AttributeError, IndexError):
        content_id = None
    attachments.append(
        Attachment(
            filename=filename,
            content_type=ctype,
            size=len(data),
            data=data,
            inline=_disposition(part) == "inline",
            content_id=content_id,
            part=path,
        )
    )


def part_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (base64/quoted-printable undone), never raising."""
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            try:
                return payload[0].as_bytes(policy=_POLICY)
            except (ValueError, TypeError, LookupError, UnicodeError):
                return str(payload[0]).encode("utf-8", "replace")
        return b""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError):
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def decode_text(part: Message) -> str:
    """Text of a text/* part in its declared charset, tolerating wrong declarations."""
    data = part_bytes(part)
    declared = None
    try:
        declared = part.get_content_charset()
    except (ValueError, TypeError, AttributeError, IndexError):
        declared = None
    return decode_bytes(data, declared)


def decode_bytes(data: bytes, declared: str | None) -> str:
    candidates = [c for c in (declared, "utf-8", "windows-1252") if c]
    if declared and declared.lower() in ("us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"):
        # Mail software often declared Latin-1 or ASCII but sent UTF-8 or cp1252.
        candidates = ["utf-8", "windows-1252"]
    for charset in candidates:
        try:
            text = data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
        return _normalise_newlines(text)
    return _normalise_newlines(data.decode("windows-1252", "replace"))


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _TextExtractor(HTMLParser):
    _BLOCK = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
              "blockquote", "pre", "hr"})
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("• ")
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("mailto:", "#", "cid:")):
                self._href = href

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "a" and getattr(self, "_href", None):
            self.parts.append(f" <{self._href}>")
            self._href = None

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """A readable plain-text rendering of an HTML body (structure kept as line breaks)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (ValueError, AssertionError):  # pragma: no cover - HTMLParser is very tolerant
        return re.sub(r"<[^>]+>", " ", html)
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def as_email(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=_POLICY)
