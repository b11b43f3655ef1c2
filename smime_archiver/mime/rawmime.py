"""Byte-exact MIME: header blocks, multipart boundaries and part paths, without re-encoding.

Signatures are checked over the exact bytes of a part as they stand in the
message, and a part opened in place must leave every other byte of the message
alone.  Python's :mod:`email` re-serialises what it parses, so this module
keeps offsets into the original bytes instead: an :class:`Entity` is a header
block plus a body, a :class:`Multipart` the spans of its parts, and
:func:`walk` yields every entity of a message with its MIME path ("1", "2.3")
and where it lies, so :func:`replace_span` can rebuild the message around a
changed part.
"""

from __future__ import annotations

import base64
import binascii
import email.header
import email.message
import email.utils
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from smime_archiver.errors import MalformedMessageError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

CRLF = b"\r\n"
LF = b"\n"

# RFC 5322 field name (printable ASCII except colon); obsolete syntax allows WSP before ':'.
_FIELD_RE = re.compile(rb"([!-9;-~]+)[ \t]*:")
# every byte that is not in the base64 alphabet: dropped before decoding (line breaks, spaces)
NOT_BASE64 = bytes(sorted(set(range(256)) - set(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")))
_FOLD_RE = re.compile(rb"\r?\n(?=[ \t])")
# Entities nested deeper than this are not descended into (a hostile message could
# otherwise exhaust the recursion limit); no real mail comes close.  Such an entity is
# reported by structure.read_structure, and the rest of the message is opened as usual.
MAX_NESTING = 40
# Entities walked in one message, at most: a few bytes make a part, and each part costs
# every reader time (Python's email parser about 0.25 ms); real mail has a few dozen.
MAX_PARTS = 1000


@dataclass(frozen=True)
class Header:
    """One header field exactly as written: ``raw`` includes folded lines and the line end."""

    name: str
    raw: bytes

    @property
    def value(self) -> str:
        """The unfolded field body as text (UTF-8, undecodable bytes replaced)."""
        _name, _colon, rest = self.raw.partition(b":")
        return _FOLD_RE.sub(b"", rest).strip().decode("utf-8", "replace")

    def lower_name(self) -> str:
        return self.name.lower()


@dataclass
class Entity:
    """A header block and a body, with the offsets that let a caller cut it out again.

    ``separator`` is the empty line ending the header block (``b""`` when the
    headers run to the end or straight into the body, or when there is no
    header block at all: ``has_header_block`` is then False).
    """

    headers: list[Header]
    separator: bytes
    body: bytes
    eol: bytes = CRLF
    has_header_block: bool = True
    _params: email.message.Message | None = field(default=None, repr=False)

    @property
    def body_offset(self) -> int:
        return sum(len(h.raw) for h in self.headers) + len(self.separator)

    def header_bytes(self) -> bytes:
        return b"".join(h.raw for h in self.headers)

    def to_bytes(self) -> bytes:
        return self.header_bytes() + self.separator + self.body

    def get(self, name: str) -> str | None:
        """The first field called ``name`` (case-insensitive), unfolded; None if absent."""
        wanted = name.lower()
        for h in self.headers:
            if h.lower_name() == wanted:
                return h.value
        return None

    def _message(self) -> email.message.Message:
        if self._params is None:
            msg = email.message.Message()
            for name in ("Content-Type", "Content-Disposition"):
                value = self.get(name)
                if value is not None:
                    msg[name] = value
            self._params = msg
        return self._params

    @property
    def content_type(self) -> str:
        """Lower-case ``type/subtype``; ``text/plain`` when absent or unreadable."""
        return self._message().get_content_type()

    def param(self, name: str, header: str = "content-type") -> str | None:
        """A Content-Type (or Content-Disposition) parameter, RFC 2231 decoded."""
        value = self._message().get_param(name, header=header)
        if value is None:
            return None
        return email.utils.collapse_rfc2231_value(value)

    @property
    def filename(self) -> str | None:
        """Content-Disposition filename, else Content-Type name (RFC 2231 or 2047 decoded)."""
        name = self.param("filename", "content-disposition") or self.param("name")
        if not name:
            return None
        if "=?" in name:  # Outlook writes RFC 2047 encoded words inside quoted parameters
            try:
                name = str(email.header.make_header(email.header.decode_header(name)))
            except (ValueError, LookupError, UnicodeDecodeError):
                pass
        return name.strip()

    @property
    def transfer_encoding(self) -> str:
        value = self.get("Content-Transfer-Encoding")
        return (value or "7bit").strip().lower()


def line_ending_of(data: bytes) -> bytes:
    """The line ending of the first line: CRLF or LF (CRLF when there is no line end)."""
    nl = data.find(b"\n")
    if nl > 0 and data[nl - 1 : nl] == b"\r":
        return CRLF
    return LF if nl >= 0 else CRLF


def starts_with_header(data: bytes) -> bool:
    """Whether ``data`` opens with an RFC 5322 header field (``Name: value``)."""
    first = data[:1000].split(b"\n", 1)[0]
    return _FIELD_RE.match(first) is not None


def parse_entity(data: bytes) -> Entity:
    """Split ``data`` into header fields and body, keeping every byte.

    Data that does not open with a header field (nor an empty line) has no
    header block: the whole of it is the body.  A header block that is not
    closed by an empty line ends at the first line that is neither a field nor
    a continuation, as mail readers do.
    """
    if data.startswith((CRLF, LF)):
        sep = CRLF if data.startswith(CRLF) else LF
        return Entity([], sep, data[len(sep) :], sep, True)
    if not starts_with_header(data):
        return Entity([], b"", data, line_ending_of(data), False)
    headers: list[Header] = []
    pos = 0
    size = len(data)
    separator = b""
    while pos < size:
        nl = data.find(b"\n", pos)
        end = size if nl < 0 else nl + 1
        line = data[pos:end]
        if line in (CRLF, LF):
            separator = line
            pos = end
            break
        if line[:1] in (b" ", b"\t") and headers:
            last = headers[-1]
            headers[-1] = Header(last.name, last.raw + line)
        else:
            m = _FIELD_RE.match(line)
            if m is None:
                break  # body starts without an empty line
            headers.append(Header(m.group(1).decode("ascii"), line))
        pos = end
    return Entity(headers, separator, data[pos:], line_ending_of(data), True)


# --- multipart ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Multipart:
    """Where the parts of a multipart body lie: ``parts`` are ``(start, end)`` body offsets.

    A part's span excludes the line ending before the next delimiter line (RFC
    2046: it belongs to the delimiter).  ``closed`` tells whether the close
    delimiter ``--boundary--`` was found.
    """

    boundary: str
    parts: tuple[tuple[int, int], ...]
    closed: bool


def split_multipart(body: bytes, boundary: str) -> Multipart:
    """Find the parts of a multipart body delimited by ``boundary``.

    A delimiter is a line ``--boundary`` (``--boundary--`` closes), with spaces or tabs
    after it.  Without a close delimiter the last part runs to the end of the body
    (``closed`` is False), as mail readers show a truncated message.
    """
    token = b"--" + boundary.encode("utf-8", "replace")
    parts: list[tuple[int, int]] = []
    start: int | None = None
    closed = False
    pos = 0
    while (line_start := body.find(token, pos)) >= 0:  # bytes.find: no regex over big bodies
        after = line_start + len(token)
        if line_start > 0 and body[line_start - 1] != 0x0A:
            pos = line_start + 1
            continue
        close = body.startswith(b"--", after)
        end_of_line = _delimiter_end(body, after + 2) if close else -1
        if end_of_line < 0:
            close = False
            end_of_line = _delimiter_end(body, after)
        if end_of_line < 0:
            pos = line_start + 1
            continue
        if start is not None:
            end = line_start
            if end > 0 and body[end - 1 : end] == b"\n":
                end -= 2 if end > 1 and body[end - 2 : end - 1] == b"\r" else 1
            parts.append((start, max(end, start)))
        if close:
            closed = True
            start = None
            break
        start = pos = end_of_line
    if start is not None:
        parts.append((start, len(body)))
    return Multipart(boundary, tuple(parts), closed)


def _delimiter_end(body: bytes, at: int) -> int:
    """Where a delimiter line that goes on at ``at`` ends (after its line break): spaces
    and tabs, then CRLF, LF or the end of the body; -1 when something else follows."""
    size = len(body)
    while at < size and body[at] in (0x20, 0x09):
        at += 1
    if at == size:
        return at
    if body[at] == 0x0A:
        return at + 1
    if body[at] == 0x0D and at + 1 < size and body[at + 1] == 0x0A:
        return at + 2
    return -1


# --- walking a message ----------------------------------------------------------------------


@dataclass(frozen=True)
class PartRef:
    """One entity of a message: its MIME path, where its bytes lie, and the parsed entity.

    ``path`` is ``""`` for the whole message, ``"2"`` / ``"1.3"`` for parts
    (1-based, dotted).  The message encapsulated in a ``message/rfc822`` part
    has the part's own path and ``encapsulated=True`` (its children continue
    the path, as in IMAP).
    """

    path: str
    start: int
    end: int
    entity: Entity
    encapsulated: bool = False
    # nested :data:`MAX_NESTING` levels deep and holding parts of its own, which are not
    # walked (a hostile message could otherwise exhaust the recursion limit)
    too_deep: bool = False
    # the walk met :data:`MAX_PARTS` entities before this one: this span holds this part
    # and its later siblings, raw and unwalked (``entity`` is parsed from its start)
    too_many: bool = False

    @property
    def limited(self) -> bool:
        """Whether a limit kept the walk out of this entity's insides."""
        return self.too_deep or self.too_many


def walk(data: bytes) -> Iterator[PartRef]:
    """Every entity of the message, depth first, outermost first.

    At most :data:`MAX_PARTS` entities, nested at most :data:`MAX_NESTING` deep; past a
    limit one :class:`PartRef` flagged ``too_deep`` / ``too_many`` stands for what was not
    walked, and the rest of the message is walked as usual.
    """
    yield from _walk(data, "", 0, 0, False, [0])


def child_path(path: str, n: int) -> str:
    """The MIME path of the ``n``-th part of the part at ``path`` (``"2.1"``)."""
    return f"{path}.{n}" if path else str(n)


def _walk(data: bytes, path: str, base: int, depth: int, encapsulated: bool,
          seen: list[int]) -> Iterator[PartRef]:
    seen[0] += 1
    entity = parse_entity(data)
    ctype = entity.content_type
    if depth >= MAX_NESTING:  # the rest of the message is still walked
        holds = ctype.startswith("multipart/") or ctype == "message/rfc822"
        yield PartRef(path, base, base + len(data), entity, encapsulated, too_deep=holds)
        return
    yield PartRef(path, base, base + len(data), entity, encapsulated)
    body_base = base + entity.body_offset
    if ctype.startswith("multipart/"):
        boundary = entity.param("boundary")
        if not boundary:
            return
        mp = split_multipart(entity.body, boundary)
        for n, (s, e) in enumerate(mp.parts, 1):
            if seen[0] >= MAX_PARTS:
                rest = entity.body[s:mp.parts[-1][1]]
                yield PartRef(child_path(path, n), body_base + s, body_base + mp.parts[-1][1],
                              parse_entity(rest), False, too_many=True)
                return
            yield from _walk(entity.body[s:e], child_path(path, n), body_base + s, depth + 1,
                             False, seen)
    elif ctype == "message/rfc822" and entity.transfer_encoding in ("7bit", "8bit", "binary"):
        inner_path = path or "1"
        yield from _walk(entity.body, inner_path, body_base, depth + 1, True, seen)


def limit_text(ref: PartRef) -> str:
    """The sentence for a part the walk did not open because of a limit."""
    if ref.too_many:
        return _("The message has more than {n} parts; part {part} and the parts after it "
                 "are not opened or shown on their own (they stay in the original message "
                 "embedded in the PDF).").format(n=MAX_PARTS, part=ref.path)
    return _("Part {part} is nested more than {n} levels deep; the parts inside it are not "
             "opened or shown on their own (they stay in the original message embedded in "
             "the PDF).").format(part=ref.path, n=MAX_NESTING)


def replace_span(data: bytes, start: int, end: int, new: bytes) -> bytes:
    return data[:start] + new + data[end:]


# --- bodies and line endings ----------------------------------------------------------------


def decode_body(entity: Entity) -> bytes:
    """The body with its Content-Transfer-Encoding undone.

    Raises :class:`MalformedMessageError` for damaged base64 and unknown encodings.
    """
    cte = entity.transfer_encoding
    body = entity.body
    if cte in ("7bit", "8bit", "binary"):
        return body
    if cte == "base64":
        compact = body.translate(None, NOT_BASE64)
        try:
            return base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError) as e:
            raise MalformedMessageError(
                _("The base64 encoding of the part is damaged or truncated ({size} characters).")
                .format(size=len(compact))
            ) from e
    if cte == "quoted-printable":
        return binascii.a2b_qp(body)
    if cte in ("x-uuencode", "uuencode", "x-uue"):
        raise MalformedMessageError(
            _("The part uses the uuencode transfer encoding, which is not supported here.")
        )
    raise MalformedMessageError(
        _("The part has an unknown Content-Transfer-Encoding \u201c{cte}\u201d.").format(cte=cte)
    )


def canonicalize_crlf(data: bytes) -> bytes:
    """Every line ending as CRLF (bare LF and CRLF alike), as RFC 5751 signs text."""
    return _with_line_ending(data, CRLF)


def binary_spans(data: bytes) -> list[tuple[int, int]]:
    """Spans of leaf bodies sent with ``Content-Transfer-Encoding: binary``."""
    spans = []
    for ref in walk(data):
        ent = ref.entity
        ctype = ent.content_type
        if ent.transfer_encoding != "binary" or ctype.startswith("multipart/"):
            continue
        if ctype == "message/rfc822":
            continue
        start = ref.start + ent.body_offset
        spans.append((start, ref.end))
    return spans


def to_line_ending(data: bytes, eol: bytes) -> bytes:
    """``data`` with every line ending turned into ``eol``, except inside binary bodies.

    Returns ``data`` itself when every line outside binary bodies already ends in ``eol``.
    """
    if not _needs_conversion(data, eol):
        return data
    pieces: list[tuple[bytes, bool]] = []  # (bytes, convert?)
    pos = 0
    for start, end in sorted(binary_spans(data)):
        if start < pos:
            continue
        pieces.append((data[pos:start], True))
        pieces.append((data[start:end], False))
        pos = end
    pieces.append((data[pos:], True))
    if not any(convert and _needs_conversion(chunk, eol) for chunk, convert in pieces):
        return data
    return b"".join(_with_line_ending(chunk, eol) if convert else chunk
                    for chunk, convert in pieces)


def _with_line_ending(text: bytes, eol: bytes) -> bytes:
    """Every CRLF or LF in ``text`` as ``eol`` (a lone CR stays)."""
    lf = text.replace(CRLF, LF)
    return lf if eol == LF else lf.replace(LF, eol)


def _needs_conversion(data: bytes, eol: bytes) -> bool:
    crlf = data.count(CRLF)
    if eol == CRLF:
        return data.count(LF) != crlf
    return crlf > 0
