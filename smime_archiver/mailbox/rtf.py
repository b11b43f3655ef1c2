"""Outlook's compressed RTF bodies: decompression (MS-OXRTFCP) and de-encapsulation (MS-OXRTFEX).

Outlook often stores only ``PR_RTF_COMPRESSED``.  That RTF usually
encapsulates the HTML (``\\fromhtml1``) or plain text (``\\fromtext``) the mail
was written in, which :func:`body_from_compressed` recovers.  Native RTF is
reduced to its text (and kept whole for an attachment by the caller).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from smime_archiver.mime.charsets import codepage_name

_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_LZFU = 0x75465A4C
_MELA = 0x414C454D
MAX_RTF_BYTES = 64 * 1024 * 1024

# Destinations whose text is not body text.
_SKIP_DESTINATIONS = frozenset(
    {"fonttbl", "colortbl", "stylesheet", "info", "pict", "object", "header", "footer",
     "headerl", "headerr", "footerl", "footerr", "listtable", "listoverridetable",
     "rsidtbl", "generator", "xmlnstbl", "themedata", "colorschememapping", "latentstyles",
     "datastore", "mmathPr", "filetbl", "revtbl", "pgdsctbl", "fldinst", "bkmkstart",
     "bkmkend"}
)
_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word with its argument
    rb"|\\'([0-9a-fA-F]{2})"  # \'hh: a byte in the document's code page
    rb"|\\(.)|([{}])|(\r\n|\n|\r)|([^\\{}\r\n]+)",
    re.DOTALL,
)


class RtfError(ValueError):
    """The compressed RTF is damaged."""


@dataclass(frozen=True)
class RtfBody:
    rtf: bytes
    html: str | None = None  # the HTML the RTF encapsulates
    text: str = ""  # the encapsulated or extracted text


def decompress(blob: bytes) -> bytes:
    """Decompress ``PR_RTF_COMPRESSED`` (LZFu, or MELA = stored uncompressed)."""
    if len(blob) < 16:
        raise RtfError("compressed RTF header is too short")
    comp_size, raw_size, kind, _crc = struct.unpack_from("<IIII", blob)
    if raw_size > MAX_RTF_BYTES:
        raise RtfError("RTF body is too large")
    data = blob[16 : 4 + comp_size]
    if kind == _MELA:
        return data[:raw_size]
    if kind != _LZFU:
        raise RtfError(f"unknown compressed RTF type 0x{kind:08x}")
    window = bytearray(4096)
    window[: len(_PREBUF)] = _PREBUF
    write = len(_PREBUF)
    out = bytearray()
    pos = 0
    end = len(data)
    while pos < end:
        control = data[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if control & (1 << bit):
                if pos + 1 >= end:
                    raise RtfError("compressed RTF ends inside a reference")
                ref = (data[pos] << 8) | data[pos + 1]
                pos += 2
                offset, length = ref >> 4, (ref & 0xF) + 2
                if offset == write:
                    return bytes(out[:raw_size])
                for i in range(length):
                    byte = window[(offset + i) & 0xFFF]
                    out.append(byte)
                    window[write] = byte
                    write = (write + 1) & 0xFFF
            else:
                byte = data[pos]
                pos += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) & 0xFFF
            if len(out) > MAX_RTF_BYTES:
                raise RtfError("RTF body is too large")
    return bytes(out[:raw_size])


def body_from_compressed(blob: bytes) -> RtfBody:
    """Decompress and de-encapsulate an RTF body."""
    raw = decompress(blob)
    head = raw[:1024]
    if b"\\fromhtml" in head:
        return RtfBody(raw, html=_convert(raw, html=True))
    return RtfBody(raw, text=_convert(raw, html=False))


@dataclass
class _Group:
    skip: bool = False  # inside a destination that is not body text
    htmltag: bool = False  # inside {\*\htmltag ...}
    suppress: bool = False  # \htmlrtf on: RTF-only content of an HTML-encapsulating file
    uc: int = 1  # characters to skip after \uN


# Control words that stand for one character (\par and \line, line breaks, are below).
_WORD_TEXT = {
    "tab": "\t",
    "emdash": "\u2014",
    "endash": "\u2013",
    "lquote": "\u2018",
    "rquote": "\u2019",
    "ldblquote": "\u201c",
    "rdblquote": "\u201d",
}


def _convert(raw: bytes, *, html: bool) -> str:
    """Text of an RTF document; with ``html`` the encapsulated HTML (MS-OXRTFEX 2.1.3)."""
    codepage = "cp1252"
    m = re.search(rb"\\ansicpg(\d+)", raw[:2048])
    if m:
        codepage = codepage_name(int(m.group(1)))
    converter = _Converter(codepage, html=html)
    for tok in _TOKEN.finditer(raw):
        converter.feed(*tok.groups())
    converter.flush()
    out = "".join(converter.out)
    return out.replace("\r\n", "\n") if not html else out


class _Converter:
    """The state of one :func:`_convert` run, fed one token at a time."""

    def __init__(self, codepage: str, *, html: bool) -> None:
        self.codepage = codepage
        self.html = html
        self.out: list[str] = []
        self.stack = [_Group()]
        self.pending_bytes = bytearray()  # \\'hh bytes, decoded together (multi-byte code pages)
        self.skip_chars = 0  # characters still to skip after \\uN
        self.star = False  # \\* seen: the next control word names an optional destination
        self.first_in_group = False

    def emit(self, text: str) -> None:
        g = self.stack[-1]
        if not g.skip and not g.suppress:
            self.out.append(text)

    def flush(self) -> None:
        if self.pending_bytes:
            self.emit(self.pending_bytes.decode(self.codepage, errors="replace"))
            self.pending_bytes.clear()

    def feed(
        self, word: bytes | None, arg: bytes | None, hexbyte: bytes | None,
        symbol: bytes | None, brace: bytes | None, newline: bytes | None, text: bytes | None,
    ) -> None:
        """One token of :data:`_TOKEN` (its groups, all but one ``None``)."""
        if self.skip_chars and (text or hexbyte):
            if not text:
                self.skip_chars -= 1
                return
            if len(text) <= self.skip_chars:
                self.skip_chars -= len(text)
                return
            text = text[self.skip_chars:]
            self.skip_chars = 0
        if hexbyte is None:
            self.flush()
        if brace is not None:
            self._brace(brace)
        elif word is not None:
            self._word(word.decode("ascii"), arg)
        elif symbol is not None:
            self._symbol(symbol)
        else:
            self.first_in_group = False
            g = self.stack[-1]
            if hexbyte is not None:
                if not g.skip and not g.suppress:
                    self.pending_bytes.append(int(hexbyte, 16))
            elif newline is None and text:
                self.emit(text.decode(self.codepage, errors="replace"))

    def _brace(self, brace: bytes) -> None:
        if brace == b"{":
            parent = self.stack[-1]
            self.stack.append(_Group(parent.skip, parent.htmltag, parent.suppress, parent.uc))
            self.star = False
            self.first_in_group = True
            return
        if len(self.stack) > 1:
            self.stack.pop()
        self.first_in_group = False

    def _word(self, name: str, arg: bytes | None) -> None:
        g = self.stack[-1]
        if self.first_in_group and self.star:
            if self.html and name.startswith("htmltag"):
                g.htmltag = True
                g.skip = False
                g.suppress = False
            else:
                g.skip = True
        elif self.first_in_group and name in _SKIP_DESTINATIONS:
            g.skip = True
        self.first_in_group = False
        self.star = False
        if name == "htmlrtf":
            g.suppress = arg != b"0"
        elif name in ("par", "line"):
            self.emit("\r\n" if self.html or g.htmltag else "\n")
        elif name in _WORD_TEXT:
            self.emit(_WORD_TEXT[name])
        elif name == "uc" and arg is not None:
            g.uc = int(arg)
        elif name == "u" and arg is not None:
            value = int(arg)
            self.emit(chr(value + 65536 if value < 0 else value))
            self.skip_chars = g.uc

    def _symbol(self, symbol: bytes) -> None:
        if symbol == b"*":
            self.star = True
            return
        self.first_in_group = False
        if symbol in (b"\\", b"{", b"}"):
            self.emit(symbol.decode())
        elif symbol == b"~":
            self.emit("\u00a0")
        elif symbol in (b"\n", b"\r"):
            self.emit("\r\n" if self.html else "\n")
