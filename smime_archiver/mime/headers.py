"""Header fields of a message as text: tolerant decoding, addresses, the parser's policy.

Old clients wrote 8-bit bytes into headers, RFC 2047 words get mangled, and a
header that does not parse never stops the message: every value here is the
best text that can be read from it.
"""

from __future__ import annotations

import email
import email.errors
import email.headerregistry
import email.policy
import re
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import cast

from smime_archiver.i18n import _
from smime_archiver.mime.charsets import decode_unlabelled
from smime_archiver.model import PartProblem, Status


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
# the policy every parse of a message uses (read as ``headers.POLICY`` at each use)
POLICY = cast("email.policy.EmailPolicy[EmailMessage]",
              _Policy(max_line_length=None, header_factory=_Registry()))
MAX_HEADER_CHARS = 32_000  # a header value longer than this is cut in the view (~20 pages)
# What the email package raises for damaged headers and parameters (CharsetError for an
# unknown charset in an encoded word is an email.errors.MessageError, not a ValueError).
DAMAGE = (ValueError, TypeError, IndexError, AttributeError, LookupError,
          email.errors.MessageError)


class HeaderLimits:
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


def raw_items(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(k, v) for k, v in msg._headers]  # type: ignore[attr-defined]
    except DAMAGE:
        return []


def header_text(msg: Message, name: str, value: object) -> str:
    if isinstance(value, str) and _SURROGATES.search(value):
        return decode_words(value)
    try:
        text = str(value)
    except DAMAGE:
        text = repr(value)
    return " ".join(fix_8bit(text).split())


def get_header(msg: Message, name: str) -> str:
    """A header as decoded text; RFC 2047 words decoded, damage tolerated."""
    raw = raw_value(msg, name)
    if raw and _SURROGATES.search(raw):  # raw 8-bit bytes: decode them ourselves
        return decode_words(raw)
    try:
        value = msg.get(name)
    except DAMAGE:
        raw = raw_value(msg, name)
        return decode_words(raw) if raw else ""
    if value is None:
        return ""
    try:
        return " ".join(fix_8bit(str(value)).split())
    except DAMAGE:
        return decode_words(raw_value(msg, name) or "")


def raw_value(msg: Message, name: str) -> str | None:
    for key, value in raw_items(msg):
        if key.lower() == name.lower():
            return str(value)
    return None


def decode_words(raw: str) -> str:
    try:
        return " ".join(fix_8bit(str(make_header(decode_header(raw)))).split())
    except DAMAGE:
        return " ".join(fix_8bit(raw).split())


def addresses(msg: Message, name: str) -> str:
    text = get_header(msg, name)
    if not text:
        return ""
    if _SURROGATES.search(raw_value(msg, name) or ""):
        return text
    try:
        header = msg.get(name)
        addresses = getattr(header, "addresses", None)
        if addresses and all("@" in (a.addr_spec or "") for a in addresses):
            return fix_8bit(", ".join(_format_address(a) for a in addresses))
    except DAMAGE:
        pass
    raw = decode_words(raw_value(msg, name) or text)
    pairs = getaddresses([raw])
    if pairs and all(addr and "@" in addr for _n, addr in pairs):
        return ", ".join(f"{n} <{a}>" if n else a for n, a in pairs)
    return raw


def _format_address(address: Address) -> str:
    if address.display_name and address.addr_spec:
        return f"{address.display_name} <{address.addr_spec}>"
    return address.addr_spec or address.display_name


def as_email(data: bytes) -> EmailMessage:
    """``data`` parsed with :data:`POLICY`."""
    return email.message_from_bytes(data, policy=POLICY)
