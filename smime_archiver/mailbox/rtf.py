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


def _convert(raw: bytes, *, html: bool) -> str:
    """Text of an RTF document; with ``html`` the encapsulated HTML (MS-OXRTFEX 2.1.3)."""
    codepage = "cp1252"
    m = re.search(rb"\\ansicpg(\d+)", raw[:2048])
    if m:
        from smime_archiver.mailbox.mapi import codepage_name

        codepage = codepage_name(int(m.group(1)))
    out: list[str] = []
    stack = [_Group()]
    pending_bytes = bytearray()
    skip_chars = 0
    star = False
    first_in_group = False

    def emit_text(text: str) -> None:
        g = stack[-1]
        if not g.skip and not g.suppress:
            out.append(text)

    def flush() -> None:
        if pending_bytes:
            emit_text(pending_bytes.decode(codepage, errors="replace"))
            pending_bytes.clear()

    for tok in _TOKEN.finditer(raw):
        word, arg, hexbyte, symbol, brace, newline, text = tok.groups()
        if skip_chars and (text or hexbyte):
            if text:
                if len(text) > skip_chars:
                    text = text[skip_chars:]
                    skip_chars = 0
                else:
                    skip_chars -= len(text)
                    continue
            else:
                skip_chars -= 1
                continue
        if hexbyte is None:
            flush()
        if brace == b"{":
            parent = stack[-1]
            stack.append(_Group(parent.skip, parent.htmltag, parent.suppress, parent.uc))
            star = False
            first_in_group = True
            continue
        if brace == b"}":
            if len(stack) > 1:
                stack.pop()
            first_in_group = False
            continue
        g = stack[-1]
        if word is not None:
            name = word.decode("ascii")
            if first_in_group and star:
                if html and name.startswith("htmltag"):
                    g.htmltag = True
                    g.skip = False
                    g.suppress = False
                else:
                    g.skip = True
            elif first_in_group and name in _SKIP_DESTINATIONS:
                g.skip = True
            first_in_group = False
            star = False
            if name == "htmlrtf":
                g.suppress = arg != b"0"
            elif name in ("par", "line") and not g.htmltag:
                emit_text("\r\n" if html else "\n")
            elif name in ("par", "line"):
                emit_text("\r\n")
            elif name == "tab":
                emit_text("\t")
            elif name == "uc" and arg is not None:
                g.uc = int(arg)
            elif name == "u" and arg is not None:
                value = int(arg)
                emit_text(chr(value + 65536 if value < 0 else value))
                skip_chars = g.uc
            elif name in ("emdash", "endash"):
                emit_text("—" if name == "emdash" else "–")
            elif name in ("lquote", "rquote"):
                emit_text("‘" if name == "lquote" else "’")
            elif name in ("ldblquote", "rdblquote"):
                emit_text("“" if name == "ldblquote" else "”")
            continue
        if symbol is not None:
            if symbol == b"*":
                star = True
                continue
            first_in_group = False
            if symbol in (b"\\", b"{", b"}"):
                emit_text(symbol.decode())
            elif symbol == b"~":
                emit_text("\u00a0")
            elif symbol in (b"\n", b"\r"):
                emit_text("\r\n" if html else "\n")
            continue
        first_in_group = False
        if hexbyte is not None:
            if not g.skip and not g.suppress:
                pending_bytes.append(int(hexbyte, 16))
            continue
        if newline is not None:
            continue
        if text:
            emit_text(text.decode(codepage, errors="replace"))
    flush()
    return "".join(out).replace("\r\n", "\n") if not html else "".join(out)
