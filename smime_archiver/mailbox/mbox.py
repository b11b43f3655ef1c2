"""Streaming mbox reader: mboxo, mboxrd, mboxcl/mboxcl2, Thunderbird; LF or CRLF.

The file is read line by line through a buffered reader; only the message
being assembled is held in memory, so a 4 GB mailbox is read in constant
memory (bounded by the largest single message).

**Separators.**  A message starts at a line beginning ``From `` that looks like
an envelope line: after the sender token it carries a time of day
(``From - Tue Mar  4 10:00:00 2008``, ``From MAILER-DAEMON Fri Jul 8 12:08:34
2011``, Google Takeout's ``From 1234@xxx Sat Dec 14 01:27:28 +0000 2013``).  The
first line of the file may be any ``From `` line.  A body line such as
``From my point of view`` is never a separator.  When a message's headers give
a ``Content-Length`` and the declared number of bytes ends exactly at the next
separator (or the end of the file, optionally after one empty line), that length
frames the message (mboxcl/mboxcl2), so unquoted ``From `` lines inside it are
body text.  The one empty line a writer puts before each separator is removed.

**Quoting** (``>From `` lines) is decided once per file by :func:`detect_quoting`,
from evidence in the file itself, scanned before the first message is read:

1. a body line ``>>From `` (two or more ``>``) exists: an mboxrd writer (which
   adds one ``>`` to every ``>*From `` line) wrote it -> remove one ``>`` from
   every line matching ``>+From ``;
2. else a ``From `` line that is not a separator exists inside a message: the
   writer did not quote at all (mboxcl2, some Thunderbird stores) -> change
   nothing;
3. else (no evidence either way) assume a quoting writer, as mutt, Thunderbird's
   POP3 store, Apple Mail's export and Google Takeout are -> turn ``>From `` back
   into ``From ``.  mboxo and mboxrd agree on these lines; a ``>>From `` line
   does not occur in such a file, by rule 1.

The lossy case left is mboxo's own: an original ``>From `` line that an mboxo
writer stored unchanged comes back as ``From ``.  Nothing in the file can tell.

**A cut-off last message.**  When the file ends inside the last message's
headers (no empty line after them), that message is reported as a
:class:`SourceProblem`; every earlier message is still yielded.  When it ends
inside the body (no final newline, a ``Content-Length`` longer than what is
left, or a multipart body whose closing boundary is missing) the message is
yielded with a :attr:`RawMail.note` saying it may be incomplete; the later
stages then report what they can and cannot read of it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from enum import Enum

from smime_archiver.i18n import _
from smime_archiver.model import RawMail, SourceProblem

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 512 * 1024 * 1024
_SCAN_CHUNK = 1024 * 1024
_BUFFER = 1024 * 1024

_ENVELOPE = re.compile(rb"From \S*[ \t][^\r\n]*?\d{1,2}:\d\d")
_RD_EVIDENCE = re.compile(rb"\n>>+From ")
_UNQUOTE_RD = re.compile(rb"(?m)^>(>*From )")
_UNQUOTE_O = re.compile(rb"(?m)^>(From )")
_CONTENT_LENGTH = re.compile(rb"content-length:[ \t]*(\d{1,15})[ \t]*\r?\n", re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"\r\n]+)"|([^\s;"]+))', re.IGNORECASE)
_BLANK = (b"\n", b"\r\n")


class Quoting(str, Enum):
    MBOXRD = "mboxrd"  # every >*From line got one more '>'
    MBOXO = "mboxo"  # only From lines got a '>'
    NONE = "none"  # nothing quoted (mboxcl2, some Thunderbird stores)

    def __str__(self) -> str:
        return self.value


def is_envelope(line: bytes) -> bool:
    """Whether ``line`` (inside a file) is an mbox ``From `` separator line."""
    return line.startswith(b"From ") and _ENVELOPE.match(line) is not None


def detect_quoting(path: str) -> Quoting:
    """The file's quoting rule, from the evidence described in the module docstring."""
    rd = raw = False
    carry = b""
    with open(path, "rb") as f:
        while not (rd and raw):
            chunk = f.read(_SCAN_CHUNK)
            if not chunk:
                break
            buf = carry + chunk
            cut = buf.rfind(b"\n")
            if cut < 0:
                carry = buf if len(buf) < _BUFFER else b""
                continue
            if not rd and _RD_EVIDENCE.search(buf) is not None:
                rd = True
            if not raw:
                raw = _has_raw_from_line(buf, cut)
            carry = buf[cut:]
    if rd:
        return Quoting.MBOXRD
    if raw:
        return Quoting.NONE
    return Quoting.MBOXO


def _has_raw_from_line(buf: bytes, limit: int) -> bool:
    pos = buf.find(b"\nFrom ")
    while 0 <= pos < limit:
        eol = buf.find(b"\n", pos + 1)
        line = buf[pos + 1 : eol if eol >= 0 else len(buf)]
        if _ENVELOPE.match(line) is None:
            return True
        pos = buf.find(b"\nFrom ", pos + 1)
    return False


def unquote(data: bytes, quoting: Quoting) -> bytes:
    """Undo the writer's ``>From `` quoting on one message's bytes."""
    if quoting is Quoting.NONE or b">From " not in data:
        return data
    pattern = _UNQUOTE_RD if quoting is Quoting.MBOXRD else _UNQUOTE_O
    return pattern.sub(rb"\1", data)


def iter_mbox(
    path: str, *, cancel: threading.Event | None = None
) -> Iterator[RawMail | SourceProblem]:
    """Yield every message of the mbox at ``path`` (see the module docstring)."""
    quoting = detect_quoting(path)
    log.debug("mbox %s: quoting %s", path, quoting)
    with open(path, "rb", buffering=_BUFFER) as f:
        yield from _MboxParser(path, f, quoting, cancel).messages()


_LOCATOR = re.compile(r"#(\d+)@(\d+)")


def is_mbox_locator(locator: str) -> bool:
    """Whether ``locator`` names a message of an mbox (``"#<index>@<byte offset>"``)."""
    return _LOCATOR.fullmatch(locator) is not None


def read_mbox_message(path: str, locator: str) -> RawMail | SourceProblem | None:
    """The message of the mbox at ``path`` that ``locator`` names, read from its offset.

    ``None`` when no envelope line starts there (the file changed since it was read).
    """
    m = _LOCATOR.fullmatch(locator)
    if m is None:
        return None
    index, start = int(m.group(1)), int(m.group(2))
    quoting = detect_quoting(path)
    with open(path, "rb", buffering=_BUFFER) as f:
        f.seek(start)
        line = f.readline()
        if not (is_envelope(line) or (index == 0 and line.startswith(b"From "))):
            return None
        item, _next = _MboxParser(path, f, quoting, None)._one_message(index, start)
    return item


class _MboxParser:
    def __init__(self, path: str, f, quoting: Quoting, cancel: threading.Event | None):
        self.path = path
        self.f = f
        self.quoting = quoting
        self.cancel = cancel

    def messages(self) -> Iterator[RawMail | SourceProblem]:
        f = self.f
        line = f.readline()
        while line.lstrip(b"\xef\xbb\xbf") in _BLANK:  # leading empty lines (and a BOM)
            line = f.readline()
            if not line:
                return
        line = line.lstrip(b"\xef\xbb\xbf") if line.startswith(b"\xef\xbb\xbf") else line
        index = 0
        while line:
            if self.cancel is not None and self.cancel.is_set():
                return
            start = f.tell() - len(line)
            item, line = self._one_message(index, start)
            yield item
            index += 1

    def _problem(self, index: int, start: int, detail: str) -> SourceProblem:
        return SourceProblem(self.path, detail, f"#{index}@{start}", index)

    def _one_message(self, index: int, start: int) -> tuple[RawMail | SourceProblem, bytes]:
        """Read the message whose envelope line was just read; returns it and the next line."""
        f = self.f
        readline = f.readline
        lines: list[bytes] = []
        content_length: int | None = None
        line = readline()
        # --- headers
        while line and line not in _BLANK and not is_envelope(line):
            lines.append(line)
            if line[:15].lower() == b"content-length:":
                m = _CONTENT_LENGTH.match(line)
                content_length = int(m.group(1)) if m else None
            line = readline()
        number = index + 1
        if not line:
            if not lines:
                return self._problem(index, start, _(
                    "Message {number} in the mailbox is empty: the file ends right after its "
                    "\"From \" line.").format(number=number)), line
            return self._problem(index, start, _(
                "The mailbox ends in the middle of the headers of message {number} (the last "
                "one): the file was cut off, so this message is incomplete and was not "
                "archived. The messages before it are not affected.").format(number=number)), line
        if line not in _BLANK:  # the next envelope follows the headers directly
            return self._finish(index, start, lines, "", None), line
        lines.append(line)
        body_from = len(lines)
        header_size = sum(len(x) for x in lines)
        # --- body framed by Content-Length
        note = ""
        if content_length is not None:
            framed, line, short = self._read_framed(content_length)
            if framed is not None:
                lines.append(framed)
                if short:
                    note = _("The mailbox ends before the {length} bytes this message's "
                             "Content-Length header announces; the message may be "
                             "incomplete.").format(length=content_length)
                return self._finish(index, start, lines, note, None), line
        # --- body up to the next envelope line
        size = header_size
        oversized = False
        append = lines.append
        line = readline()
        while line:
            if line.startswith(b"From ") and _ENVELOPE.match(line) is not None:
                break
            size += len(line)
            if size > MAX_MESSAGE_BYTES:
                oversized = True
                lines.clear()
            else:
                append(line)
            line = readline()
        if oversized:
            return self._problem(index, start, _(
                "Message {number} in the mailbox is larger than {limit} MB and was skipped; "
                "the messages around it are not affected.").format(
                    number=number, limit=MAX_MESSAGE_BYTES // (1024 * 1024))), line
        if len(lines) > body_from and lines[-1] in _BLANK:
            lines.pop()  # the empty line the writer put before the next envelope
        at_end = not line
        return self._finish(index, start, lines, note, at_end), line

    def _read_framed(self, length: int) -> tuple[bytes | None, bytes, bool]:
        """Try Content-Length framing; on success (body, next line, cut short)."""
        f = self.f
        body_start = f.tell()
        if length > MAX_MESSAGE_BYTES:
            return None, b"", False
        body = f.read(length)
        if len(body) < length:
            if not _contains_envelope(body):
                return body, b"", True  # the file ends inside the announced body
            f.seek(body_start)
            return None, b"", False
        nxt = f.readline()
        if not nxt or is_envelope(nxt):
            return body, nxt, False
        if nxt in _BLANK:
            after = f.readline()
            if not after or is_envelope(after):
                return body, after, False
        f.seek(body_start)  # the length is wrong: fall back to envelope lines
        return None, b"", False

    def _finish(self, index: int, start: int, lines: list[bytes], note: str,
                at_end: bool | None) -> RawMail | SourceProblem:
        data = unquote(b"".join(lines), self.quoting)
        if not data.strip():
            return self._problem(index, start, _(
                "Message {number} in the mailbox is empty: its \"From \" line is followed by "
                "no headers and no text.").format(number=index + 1))
        if at_end and not note:
            note = _truncation_note(data)
        return RawMail(self.path, data, index=index, locator=f"#{index}@{start}",
                       offset=start, note=note)


def _contains_envelope(data: bytes) -> bool:
    pos = data.find(b"\nFrom ")
    while pos >= 0:
        if _ENVELOPE.match(data, pos + 1) is not None:
            return True
        pos = data.find(b"\nFrom ", pos + 1)
    return False


def _truncation_note(data: bytes) -> str:
    """A note when the last message of a file looks cut off in its body, else ""."""
    if data and not data.endswith(b"\n"):
        return _("The mailbox ends in the middle of this message (the last line is not "
                 "complete); the message may be incomplete.")
    head_end = data.find(b"\n\n")
    if head_end < 0:
        head_end = data.find(b"\r\n\r\n")
    headers = data[: head_end if head_end >= 0 else len(data)]
    ct = re.search(rb"(?im)^content-type:[ \t]*multipart/[^\n]*(?:\n[ \t][^\n]*)*", headers)
    if ct:
        m = _BOUNDARY.search(ct.group(0))
        if m:
            boundary = m.group(1) or m.group(2)
            if b"--" + boundary + b"--" not in data:
                return _("The mailbox ends inside this message: its last MIME part is never "
                         "closed, so the message may be incomplete.")
    return ""
