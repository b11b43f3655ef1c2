"""Embedded font subsets made once per process and reused by every PDF.

For every document ReportLab makes a TrueType subset of each font used: it cuts the
glyphs out of the font file, compresses them, lists 256 widths and writes a ToUnicode
map.  For a short letter that costs more than laying out its pages.  The objects of a
subset depend only on its list of characters, so :class:`ArchiveFont` keeps their bytes,
keyed by that list, and writes them again into the next document.

For the list to repeat, the first subset of a text font always holds the same
characters: ASCII at its own codes (ReportLab's ``asciiReadable``) and :data:`COMMON`
(the non-ASCII letters and marks of Danish and Western mail) at codes 1-31, assigned
before the document's own text.  Every other character starts a second subset, so the
first one never changes.  A document therefore carries those glyphs even when it does
not use them (a few kilobytes per font).
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, SUBSETN, TTFont

# 31 characters: codes 1-31 of the first subset (code 0 is .notdef, 32-127 are ASCII).
COMMON = "æøåÆØÅéÉèàáäÄöÖüÜ–—‘’“”…€«»§°·×"
_FIRST_FREE = 256  # the code after the first subset: where other characters start
_MAX_CACHED = 24  # subsets kept per font (the common one is almost always the first)


def _utf16_hex(code: int) -> str:
    return code.to_bytes(4, "big").hex().upper()[4:] if code < 0x10000 else (
        chr(code).encode("utf-16-be").hex().upper())


def to_unicode_cmap(fontname: str, subset) -> str:
    """ReportLab's ToUnicode CMap, with characters beyond U+FFFF as UTF-16 surrogate pairs.

    ReportLab writes them as five hex digits, which readers take for a different BMP
    character (an emoji came back from pdftotext as a Greek letter).
    """
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{_utf16_hex(v)}>" for i, v in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]
    return "\n".join(lines)


class _Bytes(pdfdoc.PDFObject):
    """A PDF value written as it was formatted before (the widths array)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document) -> bytes:
        return self.data


def _packed_stream(packed: bytes, **entries: object) -> pdfdoc.PDFStream:
    """A stream whose content is already Flate-compressed (ReportLab applies no filter to
    a stream whose dictionary names one)."""
    return pdfdoc.PDFStream(pdfdoc.PDFDictionary(
        {"Filter": pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")]), **entries}), packed)


@dataclass(frozen=True)
class _Subset:
    """Everything of one subset that does not depend on the document."""

    widths: bytes  # the formatted /Widths array
    cmap: bytes  # the compressed ToUnicode CMap
    program: bytes  # the compressed TrueType subset
    program_length: int  # its uncompressed length (/Length1)


class ArchiveFont(TTFont):
    """A ReportLab TrueType font whose subsets are made once per process.

    ``common``: characters put in the first subset of every document (text fonts);
    empty for fallback fonts, which draw only what the text fonts lack.
    """

    def __init__(self, name: str, filename: str, *, common: str = "", subfontIndex: int = 0):
        super().__init__(name, filename, subfontIndex=subfontIndex)
        self._common = "".join(c for c in common if ord(c) in self.face.charToGlyph)
        self._subsets: dict[tuple[str, tuple[int, ...]], _Subset] = {}
        self._subsets_lock = threading.Lock()
        # characters whose code in the first subset is the same in every document, and
        # those codes: printable ASCII (asciiReadable), the common ones, no-break space
        self._home_chars: frozenset[str] = frozenset()
        self._home_codes: dict[int, int] = {}

    def splitString(self, text, doc, encoding="utf-8"):
        if doc not in self.state:
            state = self.state[doc] = TTFont.State(self._asciiReadable, self)
            if self._common:
                TTFont.splitString(self, self._common, doc)
                state.nextCode = max(state.nextCode, _FIRST_FREE)
                if not self._home_codes:
                    self._learn_home(state)
        if self._home_chars and isinstance(text, str) and text and \
                self._home_chars.issuperset(text):
            # what ReportLab's loop finds, at C speed
            return [(0, text.translate(self._home_codes).encode("latin-1"))]
        return TTFont.splitString(self, text, doc, encoding)

    def _learn_home(self, state) -> None:
        if not (self._asciiReadable and all(n in self.face.charToGlyph for n in range(32, 127))):
            return
        codes = {n: n for n in range(32, 127)}
        codes.update((ord(c), state.assignments[ord(c)]) for c in self._common)
        codes[0xA0] = 32  # ReportLab draws a no-break space as a space
        self._home_codes = codes
        self._home_chars = frozenset(map(chr, codes))

    def addObjects(self, doc):
        """ReportLab's ``TTFont.addObjects``, with the subset parts taken from the cache."""
        state = self.state.get(doc)
        if state is None:
            state = self.state[doc] = TTFont.State(self._asciiReadable, self)
        state.frozen = 1
        face = self.face
        for number, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(number, doc)[1:]
            base_name = b"".join((SUBSETN(number), b"+", face.name, face.subfontNameX)
                                 ).decode("pdfdoc")
            parts = self._subset(base_name, subset)
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {number}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = _Bytes(parts.widths)
            pdf_font.ToUnicode = doc.Reference(_packed_stream(parts.cmap),
                                               "toUnicodeCMap:" + base_name)
            program = doc.Reference(_packed_stream(parts.program, Length1=parts.program_length),
                                    f"fontFile:{face.filename}({base_name})")
            flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
                "Descent": face.descent, "Flags": flags, "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(base_name), "ItalicAngle": face.italicAngle,
                "StemV": face.stemV, "FontFile2": program, "MissingWidth": face.defaultWidth,
            })
            pdf_font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del self.state[doc]

    def _subset(self, base_name: str, subset: list[int]) -> _Subset:
        key = (base_name, tuple(subset))
        parts = self._subsets.get(key)
        if parts is not None:
            return parts
        program = self.face.makeSubset(subset)
        widths = pdfdoc.PDFArray(list(map(self.face.getCharWidth, subset))).format(None)
        parts = _Subset(widths=widths,
                        cmap=zlib.compress(to_unicode_cmap(base_name, subset).encode("ascii")),
                        program=zlib.compress(program), program_length=len(program))
        with self._subsets_lock:
            if len(self._subsets) < _MAX_CACHED:
                self._subsets[key] = parts
        return parts
