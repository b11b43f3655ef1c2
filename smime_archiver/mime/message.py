"""Decrypted message bytes -> :class:`~smime_archiver.model.MessageView` for the renderer.

Tolerant by design: a header that does not parse, a wrong charset or a broken
part never stops the message; the text is shown as well as it can be decoded.
"""

from __future__ import annotations

import base64
import email
import email.errors
import email.headerregistry
import email.policy
import logging
import mimetypes
import re
from collections.abc import Collection
from dataclasses import replace
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import cast

from smime_archiver.i18n import _, ngettext
from smime_archiver.mime import rawmime
from smime_archiver.mime.charsets import decode_bytes, decode_unlabelled
from smime_archiver.model import Attachment, BodyPart, MessageView, PartProblem, Status

log = logging.getLogger(__name__)


class _Policy(email.policy.EmailPolicy):
    """The default policy, with parsed header values kept for the next look.

    The email package parses a header again at every ``get()``: a part's Content-Type is
    read five or six times while it is walked, and most messages carry the same few
    Content-* values.  Header objects are immutable, so one parse serves every look.
    """

    def header_fetch_parse(self, name, value):
        if len(value) > _MAX_CACHED_VALUE:
            return super().header_fetch_parse(name, value)
        key = (name, value)
        header = _parsed_headers.get(key)
        if header is None:
            header = super().header_fetch_parse(name, value)
            if len(_parsed_headers) >= _MAX_CACHED_HEADERS:
                _parsed_headers.clear()
            _parsed_headers[key] = header
        return header


class _Registry(email.headerregistry.HeaderRegistry):
    """The stdlib's header registry, with the class it makes for a header name kept.

    The stdlib builds a new class (``type(...)``) every time it makes a header object,
    which took a third of the time spent on headers.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = super().__getitem__(name)
            if len(self._classes) < _MAX_CACHED_NAMES:  # names are the sender's choice
                self._classes[key] = cls
        return cls


_MAX_CACHED_VALUE = 1000
_MAX_CACHED_HEADERS = 2000
_MAX_CACHED_NAMES = 500
_parsed_headers: dict[tuple[str, str], object] = {}
_POLICY = cast("email.policy.EmailPolicy[EmailMessage]",
               _Policy(max_line_length=None, header_factory=_Registry()))
_MAX_BODY_CHARS = 2_000_000  # a body longer than this is cut (with a note) to keep PDFs sane
_MAX_MESSAGE_DEPTH = 5  # forwarded mail inside forwarded mail ... shown this deep
_MAX_MIME_DEPTH = 40  # multiparts nested deeper are kept as attachments, not walked
MAX_HEADER_CHARS = 32_000  # a header value longer than this is cut in the view (~20 pages)
MAX_HEADERS = 1000  # header fields listed in the view
MAX_MIME_FIELD = 8192  # a Content-* field longer than this is cut before parsing
MAX_PART_BYTES = 100 * 1024 * 1024  # a part larger than this (decoded) is not extracted
# What the email package raises for damaged headers and parameters (CharsetError for an
# unknown charset in an encoded word is an email.errors.MessageError, not a ValueError).
_DAMAGE = (ValueError, TypeError, IndexError, AttributeError, LookupError,
           email.errors.MessageError)


def parse_message(data: bytes, *, encrypted_parts: Collection[str] = ()) -> MessageView:
    """Decode headers, the body parts in reading order and the attachments of one message.

    ``encrypted_parts``: MIME paths of the parts that were encrypted on their own (the
    ``part`` of the opened encryption layers): body blocks from them say so, and
    alternatives encrypted separately are each shown (they need not say the same).

    Limits (:data:`rawmime.MAX_PARTS` parts, :data:`rawmime.MAX_NESTING` levels,
    :data:`MAX_HEADER_CHARS` per header, :data:`MAX_HEADERS` fields,
    :data:`MAX_PART_BYTES` per part) keep a hostile message from taking the run down;
    what they leave out is named in ``problems`` and the rest of the view is complete.
    """
    data, problems = _within_limits(data)
    msg = email.message_from_bytes(data, policy=_POLICY)
    view = _view(msg, "", 0, frozenset(encrypted_parts))
    if problems or view.problems:
        view = replace(view, problems=(*problems, *view.problems))
    return view


def _within_limits(data: bytes) -> tuple[bytes, list[PartProblem]]:
    """``data`` as the email parser may see it: every part a walk limit stops at replaced
    by an opaque attachment that holds its raw bytes (so the parser never meets more parts
    or levels than that), and Content-* fields longer than :data:`MAX_MIME_FIELD` cut
    (the parser reads them again at every look: a huge one makes each look slow)."""
    eol = rawmime.line_ending_of(data)
    edits: list[tuple[int, int, bytes, PartProblem]] = []
    for ref in rawmime.walk(data):
        if ref.limited:
            name = f"part {ref.path}.eml"
            opaque = (f'Content-Type: application/octet-stream; name="{name}"{eol.decode()}'
                      f'Content-Disposition: attachment; filename="{name}"{eol.decode()}'
                      f"Content-Transfer-Encoding: base64{eol.decode()}{eol.decode()}").encode()
            body = base64.encodebytes(data[ref.start:ref.end]).replace(b"\n", eol)
            edits.append((ref.start, ref.end, opaque + body, PartProblem(
                ref.path, Status.CORRUPT, rawmime.limit_text(ref))))
            continue
        offset = ref.start
        for header in ref.entity.headers:
            if len(header.raw) > MAX_MIME_FIELD and header.lower_name().startswith("content-"):
                edits.append((offset, offset + len(header.raw),
                              header.raw[:MAX_MIME_FIELD].rstrip(b"\r\n") + eol,
                              PartProblem(ref.path, Status.CORRUPT, _(
                                  "The {name} field of {part} is {size} characters long; only "
                                  "the first {limit} were read.").format(
                                      name=header.name, size=len(header.raw),
                                      limit=MAX_MIME_FIELD,
                                      part=_("part {path}").format(path=ref.path)
                                      if ref.path else _("the message")))))
            offset += len(header.raw)
    if not edits:
        return data, []
    problems = []
    limit = len(data) + 1
    for start, end, new, problem in sorted(edits, key=lambda e: e[0], reverse=True):
        if end > limit:
            continue  # inside a span already replaced
        data = rawmime.replace_span(data, start, end, new)
        problems.append(problem)
        limit = start
    problems.reverse()
    return data, problems


def _view(msg: Message, prefix: str, depth: int,
          encrypted: frozenset[str] = frozenset()) -> MessageView:
    """The view of ``msg``; ``prefix`` is its MIME path inside an enclosing message."""
    limits = _Limits(prefix)
    items = _raw_items(msg)
    if len(items) > MAX_HEADERS:
        limits.add(_("The message has {count} header fields; only the first {limit} are "
                     "listed (all of them are in the original message embedded in the PDF)."
                     ).format(count=len(items), limit=MAX_HEADERS))
    headers = tuple((name, limits.cap(name, _header_text(msg, name, value)))
                    for name, value in items[:MAX_HEADERS])
    date_text = _get(msg, "Date")
    date = None
    if date_text:
        try:
            date = parsedate_to_datetime(date_text)
        except _DAMAGE:
            date = None
    walk = _Walk(depth, encrypted)
    walk.walk(msg, prefix)
    plain = [p.text for p in walk.parts if p.kind == "text"]
    html = [p.text for p in walk.parts if p.kind == "html"]
    body_html = "\n".join(html) if html else None
    texts = [p for p in walk.parts if p.kind in ("text", "html")]
    if len({p.encrypted_part for p in texts}) > 1:  # encrypted apart: never one text
        body = "\n\n".join(_labelled(texts))
    elif walk.plain_alternatives or plain:
        body = "\n\n".join(walk.plain_alternatives or plain)
    elif body_html is not None:
        body = html_to_text(body_html)
    else:
        body = ""
    notes = walk.notes + _sealed_notes(walk)
    if len(body) > _MAX_BODY_CHARS:
        body = body[:_MAX_BODY_CHARS]
        notes.append(_("The message text is very long and was shortened in this view."))
    return MessageView(
        subject=limits.cap("Subject", _get(msg, "Subject")),
        sender=limits.cap("From", _addresses(msg, "From")),
        to=limits.cap("To", _addresses(msg, "To")),
        cc=limits.cap("Cc", _addresses(msg, "Cc")),
        date=date,
        date_text=limits.cap("Date", date_text),
        message_id=limits.cap("Message-ID", _get(msg, "Message-ID")),
        body_text=body,
        body_html=body_html,
        attachments=tuple(walk.attachments),
        headers=headers,
        notes=tuple(dict.fromkeys(notes)),
        parts=tuple(walk.parts),
        problems=(*limits.problems, *walk.problems),
    )


def _sealed_notes(walk: _Walk) -> list[str]:
    """A warning when the text holds parts encrypted apart from the rest: they can come
    from another message (an old encrypted mail put into a new one, as in EFAIL)."""
    notes = [ngettext(
        "Part {parts} is an alternative version of the text (multipart/alternative) that was "
        "encrypted separately. It need not say the same as the other versions, and it can "
        "come from another message (an old encrypted mail can be put into a new one): every "
        "version is shown, the encrypted one marked as its own encrypted part; read each one "
        "for itself.",
        "Parts {parts} are alternative versions of the text (multipart/alternative), each "
        "encrypted separately. Separately encrypted parts need not say the same, and one can "
        "come from another message (an old encrypted mail can be put into a new one): each "
        "is shown, marked as its own encrypted part; read each one for itself.",
        len(paths)).format(parts=", ".join(paths)) for paths in walk.sealed_alternatives]
    covered = {path for paths in walk.sealed_alternatives for path in paths}
    sealed = list(dict.fromkeys(p.encrypted_part for p in walk.parts if p.encrypted_part))
    if not sealed or (len(sealed) == 1 and all(p.encrypted_part for p in walk.parts)):
        return notes  # nothing encrypted apart, or one such part is all there is
    if not all(any(_within(s, c) for c in covered) for s in sealed):
        notes.append(ngettext(
            "Part {parts} of this message was encrypted separately from the rest and is "
            "shown on its own, marked as an encrypted part. A separately encrypted part can "
            "come from another message (an old encrypted mail can be put into a new one): "
            "read it for itself.",
            "Parts {parts} of this message were each encrypted on their own and are shown "
            "apart, marked as encrypted parts. A separately encrypted part can come from "
            "another message (an old encrypted mail can be put into a new one): read each "
            "one for itself.", len(sealed)).format(parts=", ".join(sealed)))
    return notes


def _labelled(parts: list[BodyPart]) -> list[str]:
    """The texts of ``parts`` (HTML as text), each from a separately encrypted part headed
    by its name, so that texts encrypted apart are never read as one."""
    out = []
    for part in parts:
        text = html_to_text(part.text) if part.kind == "html" else part.text
        if part.encrypted_part is not None:
            text = "[" + _("Encrypted part {part}").format(part=part.encrypted_part) + "]\n" \
                + text
        out.append(text)
    return out


class _Limits:
    """Header values cut at :data:`MAX_HEADER_CHARS`, each cut named once as a problem."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[PartProblem] = []
        self._named: set[str] = set()

    def add(self, text: str) -> None:
        self.problems.append(PartProblem(self.path, Status.CORRUPT, text))

    def cap(self, name: str, value: str) -> str:
        if len(value) <= MAX_HEADER_CHARS:
            return value
        if name.lower() not in self._named:
            self._named.add(name.lower())
            self.add(_("The header {name} is {size} characters long; only the first {limit} "
                       "are shown (the whole header is in the original message embedded in "
                       "the PDF).").format(name=name, size=len(value), limit=MAX_HEADER_CHARS))
        return value[:MAX_HEADER_CHARS] + "…"


_SURROGATES = re.compile(r"[\udc80-\udcff]")


def fix_8bit(text: str) -> str:
    """Undo the surrogate escapes ``email`` leaves for raw 8-bit header bytes.

    Old clients wrote æøå unencoded in headers, in UTF-8 or in Windows-1252.
    """
    if not _SURROGATES.search(text):
        return text
    return decode_unlabelled(text.encode("utf-8", "surrogateescape"))


def _raw_items(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(k, v) for k, v in msg._headers]  # type: ignore[attr-defined]
    except _DAMAGE:
        return []


def _header_text(msg: Message, name: str, value: object) -> str:
    if isinstance(value, str) and _SURROGATES.search(value):
        return _decode_words(value)
    try:
        text = str(value)
    except _DAMAGE:
        text = repr(value)
    return " ".join(fix_8bit(text).split())


def _get(msg: Message, name: str) -> str:
    """A header as decoded text; RFC 2047 words decoded, damage tolerated."""
    raw = _raw_value(msg, name)
    if raw and _SURROGATES.search(raw):  # raw 8-bit bytes: decode them ourselves
        return _decode_words(raw)
    try:
        value = msg.get(name)
    except _DAMAGE:
        raw = _raw_value(msg, name)
        return _decode_words(raw) if raw else ""
    if value is None:
        return ""
    try:
        return " ".join(fix_8bit(str(value)).split())
    except _DAMAGE:
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
    except _DAMAGE:
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
    except _DAMAGE:
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


class _Walk:
    """Collects body parts (reading order), attachments and notes from a MIME tree."""

    def __init__(self, depth: int, encrypted: frozenset[str] = frozenset()) -> None:
        self.depth = depth  # nesting of message/rfc822 views
        self.encrypted = encrypted  # paths of the parts encrypted on their own
        self.parts: list[BodyPart] = []
        self.attachments: list[Attachment] = []
        self.notes: list[str] = []
        self.problems: list[PartProblem] = []  # limits hit
        self.plain_alternatives: list[str] = []  # text/plain twins of shown HTML (GUI text)
        # alternatives all shown because they were encrypted separately (their paths)
        self.sealed_alternatives: list[list[str]] = []

    def walk(self, part: Message, path: str, *, shown: bool = True, level: int = 0) -> None:
        """``shown``: False inside an alternative that is not displayed (only files kept)."""
        ctype = _content_type(part)
        if level > _MAX_MIME_DEPTH:
            self.notes.append(_("Part {path} is nested too deeply to be shown; it is kept as "
                                "an attachment.").format(path=path))
            self._attach(part, path, ctype, _filename(part))
            return
        if ctype == "message/rfc822":
            self._message(part, path, shown)
            return
        if part.is_multipart():
            children = _payload(part)
            if not isinstance(children, list):
                return
            kids = [(c, f"{path}.{i}" if path else str(i)) for i, c in enumerate(children, 1)]
            if ctype == "multipart/alternative":
                self._alternative(kids, shown, level)
            elif ctype == "multipart/related":
                self._related(part, kids, shown, level)
            else:
                for child, child_path in kids:
                    self.walk(child, child_path, shown=shown, level=level + 1)
            return
        disposition = _disposition(part)
        filename = _filename(part)
        if ctype.startswith("multipart/"):
            # A multipart whose boundary is missing or never occurs: keep its text visible.
            self.notes.append(_("Part {path} is a damaged multipart; its raw text is shown."
                                ).format(path=path or "1"))
            if shown:
                self._add(BodyPart("text", path or "1", decode_text(part)))
            return
        is_body = disposition != "attachment" and not filename
        if ctype in ("text/plain", "text/html") and is_body:
            if shown:
                text = decode_text(part)
                if "\ufffd" in text:
                    self._note_damage(part, path, text)
                if len(text) > _MAX_BODY_CHARS:
                    text = text[:_MAX_BODY_CHARS]
                    self.notes.append(_("Part {path} is very long and was shortened in this "
                                        "view; the whole message is embedded in the PDF."
                                        ).format(path=path or "1"))
                if ctype == "text/plain":
                    text = unflow(text, part) if _is_flowed(part) else text
                    self._add(BodyPart("text", path or "1", text))
                else:
                    self._add(BodyPart("html", path or "1", text))
            return
        att = self._attach(part, path, ctype, filename)
        if att is not None and shown and ctype.startswith("image/") \
                and disposition != "attachment":
            self._add(BodyPart("image", path or "1", attachment=att))

    def _message(self, part: Message, path: str, shown: bool) -> None:
        """A forwarded message: kept as an .eml attachment and shown with its own view."""
        inner = _payload(part)
        name = _filename(part)
        if not name and isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject = " ".join(_get(inner[0], "Subject").replace("/", "-").split())[:100]
            name = f"{subject}.eml" if subject else None
        att = self._attach(part, path, "message/rfc822", name)
        if (att is not None and shown and isinstance(inner, list) and inner
                and isinstance(inner[0], Message) and self.depth < _MAX_MESSAGE_DEPTH):
            view = _view(inner[0], path or "1", self.depth + 1, self.encrypted)
            self.problems.extend(view.problems)
            self._add(BodyPart("message", path or "1", attachment=att, message=view))

    def _note_damage(self, part: Message, path: str, text: str) -> None:
        """A note when bytes of a text part could not be decoded (shown as U+FFFD), so the
        reader knows the mark stands for damage in the mail, not in the archive."""
        damaged = text.count("\ufffd") - part_bytes(part).count("\ufffd".encode())
        if damaged > 0:
            self.notes.append(ngettext(
                "Part {path} has {n} damaged character that could not be decoded; it is "
                "shown as \ufffd.",
                "Part {path} has {n} damaged characters that could not be decoded; they are "
                "shown as \ufffd.", damaged).format(path=path or "1", n=damaged))

    def _add(self, part: BodyPart) -> None:
        """Append a body block, naming the separately encrypted part it lies in (the
        innermost, when such parts are nested)."""
        sealed = [p for p in self.encrypted if _within(part.part, p)]
        if sealed:
            part = replace(part, encrypted_part=max(sealed, key=len))
        self.parts.append(part)

    def _holds_encrypted(self, path: str) -> bool:
        """Whether the part at ``path`` is, or holds, a part encrypted on its own."""
        return any(_within(p, path) for p in self.encrypted)

    def _alternative(self, kids: list[tuple[Message, str]], shown: bool, level: int) -> None:
        """Show the richest alternative we can draw that has something to show (the last
        one, RFC 2046; an empty part, as a multipart cut after a boundary line ends with,
        does not count); keep the files of the others; remember a plain-text twin for the
        GUI's text view.

        Alternatives encrypted separately from each other are not known to say the same
        (an old encrypted mail can be put beside a harmless one, as in the EFAIL attacks):
        each of them that has content is shown too, marked as its own encrypted part.
        """
        drawable = [(child, path) for child, path in kids if _renderable(child)]
        chosen = next(((c, p) for c, p in reversed(drawable) if _has_content(c)),
                      drawable[-1] if drawable else None)
        sealed = {path for child, path in drawable
                  if self._holds_encrypted(path) and _has_content(child)}
        for child, child_path in kids:
            is_shown = (chosen is not None and child is chosen[0]) or child_path in sealed
            self.walk(child, child_path, shown=shown and is_shown, level=level + 1)
            if shown and not is_shown and _content_type(child) == "text/plain":
                twin = decode_text(child)
                if twin.strip():
                    self.plain_alternatives.append(twin)
        if shown and chosen is not None and sealed - {chosen[1]}:
            self.sealed_alternatives.append(sorted(sealed))

    def _related(self, part: Message, kids: list[tuple[Message, str]], shown: bool,
                 level: int) -> None:
        """The root part (``start`` parameter, else the first) is the body; the others are
        resources it refers to (images by Content-ID) and become attachments."""
        if not kids:
            return
        start = None
        try:
            start = part.get_param("start")
        except _DAMAGE:
            start = None
        root = kids[0]
        if isinstance(start, str) and start.strip("<> "):
            for child, child_path in kids:
                if _content_id(child) == start.strip("<> "):
                    root = (child, child_path)
                    break
        self.walk(root[0], root[1], shown=shown, level=level + 1)
        for child, child_path in kids:
            if child is root[0]:
                continue
            if child.is_multipart():
                self.walk(child, child_path, shown=shown, level=level + 1)
            else:
                self._attach(child, child_path, _content_type(child), _filename(child))

    def _attach(self, part: Message, path: str, ctype: str,
                filename: str | None) -> Attachment | None:
        size = _decoded_size(part)
        if size > MAX_PART_BYTES:
            self.problems.append(PartProblem(path or "1", Status.CORRUPT, _(
                "Part {part} ({name}) is about {size} MB when decoded, more than the {limit} MB "
                "one part may have; it is not extracted (it is in the original message "
                "embedded in the PDF).").format(
                    part=path or "1", name=filename or ctype, size=size // (1024 * 1024),
                    limit=MAX_PART_BYTES // (1024 * 1024))))
            return None
        att = make_attachment(part, path, ctype, filename)
        self.attachments.append(att)
        return att


def _payload(part: Message) -> object:
    """``part.get_payload()``, never raising: with 8-bit bytes in the payload the standard
    library decodes it with the declared charset, and a charset name with a NUL in it
    raises ValueError there.  The raw payload is what every caller wants anyway."""
    try:
        return part.get_payload()
    except _DAMAGE:
        return getattr(part, "_payload", None)  # undecoded: str, or a list of parts


def _decoded_size(part: Message) -> int:
    """The size of the part's content once decoded, estimated without decoding it."""
    if part.is_multipart():
        return 0
    raw = _payload(part)
    if not isinstance(raw, str):
        return 0
    try:
        cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    except _DAMAGE:
        cte = ""
    return len(raw) * 3 // 4 if cte == "base64" else len(raw)


def _within(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or lies inside it (``"2.1"`` inside ``"2"``)."""
    return path == root or path.startswith(root + ".")


_INVISIBLE_HTML = re.compile(rb"<(style|script|head|title)\b.*?</\1\s*>|<[^>]*>|&nbsp;|\s+",
                             re.I | re.S)


def _has_content(part: Message) -> bool:
    """Whether a renderable part has something to show: not only white space (an HTML
    part: text outside its tags, or a picture)."""
    if part.is_multipart():
        children = _payload(part)
        return isinstance(children, list) and any(
            isinstance(c, Message) and _renderable(c) and _has_content(c) for c in children)
    data = part_bytes(part)
    if _content_type(part) != "text/html":
        return bool(data.strip())
    return bool(_INVISIBLE_HTML.sub(b"", data)) or b"<img" in data.lower()


def _renderable(part: Message) -> bool:
    ctype = _content_type(part)
    if ctype in ("text/plain", "text/html"):
        return _disposition(part) != "attachment"
    if ctype in ("multipart/related", "multipart/mixed", "multipart/alternative"):
        children = _payload(part)
        return isinstance(children, list) and any(
            isinstance(c, Message) and _renderable(c) for c in children)
    return False


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except _DAMAGE:
        return "application/octet-stream"


def _content_id(part: Message) -> str | None:
    try:
        cid = part.get("Content-ID")
    except _DAMAGE:
        return None
    text = " ".join(str(cid).split()).strip("<> ") if cid else ""
    return text or None


def _is_flowed(part: Message) -> bool:
    try:
        return str(part.get_param("format") or "").lower() == "flowed"
    except _DAMAGE:
        return False


def unflow(text: str, part: Message | None = None, *, delsp: bool | None = None) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines, keep quote depth as ``> ``.

    A line ending in a space continues on the next line of the same quote depth (with
    DelSp=yes that space is removed); space-stuffing is undone; ``-- `` stays a hard line.
    """
    if delsp is None:
        try:
            delsp = part is not None and str(part.get_param("delsp") or "").lower() == "yes"
        except _DAMAGE:
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


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except _DAMAGE:
        return None


def _filename(part: Message) -> str | None:
    name: str | None
    try:
        name = part.get_filename()
    except _DAMAGE:
        name = None
    if not name:
        try:
            param = part.get_param("name")
            # an RFC 2231 value arrives as a (charset, language, text) triple
            name = email.utils.collapse_rfc2231_value(param) if param else None
        except _DAMAGE:
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
    except _DAMAGE:
        location = None
    return Attachment(
        filename=filename,
        content_type=ctype,
        size=len(data),
        data=data,
        inline=_disposition(part) == "inline",
        content_id=_content_id(part),
        part=path,
        content_location=location,
        generated_name=generated,
    )


def part_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (base64/quoted-printable undone), never raising."""
    if part.get_content_type() == "message/rfc822" or part.is_multipart():
        payload = _payload(part)
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            try:
                return payload[0].as_bytes(policy=_POLICY)
            except _DAMAGE:
                return str(payload[0]).encode("utf-8", "replace")
        return b""
    try:
        data = part.get_payload(decode=True)
    except _DAMAGE:
        data = None
    if isinstance(data, bytes):
        return data
    raw = _payload(part)
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def decode_text(part: Message) -> str:
    """Text of a text/* part in its declared charset, tolerating wrong declarations."""
    data = part_bytes(part)
    declared = None
    try:
        declared = part.get_content_charset()
    except _DAMAGE:
        declared = None
    if not declared and _content_type(part) == "text/html":
        match = _META_CHARSET.search(data[:4096])
        declared = match.group(1).decode("ascii", "replace") if match else None
    return decode_bytes(data, declared)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_:.-]+)""", re.I)


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
