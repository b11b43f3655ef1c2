"""Bundled fonts, registered once per process, and per-character fallback between them.

Every font is a TrueType (glyf) font from ``resources/fonts`` (licences beside them);
ReportLab embeds a subset of each one used.  DejaVu is the main family (Latin with
æøå, Greek, Cyrillic, Hebrew, Arabic, many symbols); characters it lacks are drawn
with the first fallback that has them: WenQuanYi Micro Hei (Chinese, Japanese, Korean),
Noto Sans Arabic and Thai, Symbola (emoji and symbols, monochrome).  A character no
font has is written as its code point (``⟨U+1FAE8⟩``), never as an empty box.
"""

from __future__ import annotations

import re
import struct
import threading
import unicodedata
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from smime_archiver.render.direction import visual
from smime_archiver.render.subsets import COMMON, ArchiveFont, to_unicode_cmap
from smime_archiver.resources import resource_path

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SANS_ITALIC = "DejaVuSans-Oblique"
SANS_BOLD_ITALIC = "DejaVuSans-BoldOblique"
MONO = "DejaVuSansMono"
MONO_BOLD = "DejaVuSansMono-Bold"
CJK = "WenQuanYiMicroHei"
ARABIC = "NotoSansArabic"
THAI = "NotoSansThai"
SYMBOLS = "Symbola"
# A family that draws DejaVu Sans regular even inside <b>/<i> (for the few characters
# the bold or oblique faces lack).
SANS_PLAIN = "DejaVuSansPlain"
MISSING_GREY = "#80868b"  # the code points drawn for characters no font has

_FILES: dict[str, tuple[str, int]] = {
    SANS: ("DejaVuSans.ttf", 0),
    SANS_BOLD: ("DejaVuSans-Bold.ttf", 0),
    SANS_ITALIC: ("DejaVuSans-Oblique.ttf", 0),
    SANS_BOLD_ITALIC: ("DejaVuSans-BoldOblique.ttf", 0),
    MONO: ("DejaVuSansMono.ttf", 0),
    MONO_BOLD: ("DejaVuSansMono-Bold.ttf", 0),
    CJK: ("wqy-microhei.ttc", 0),
    ARABIC: ("NotoSansArabic-Regular.ttf", 0),
    THAI: ("NotoSansThai-Regular.ttf", 0),
    SYMBOLS: ("Symbola.ttf", 0),
}
FALLBACKS = (SANS, ARABIC, CJK, THAI, SYMBOLS)
# Fonts that set whole texts (registered at once; their first subset always holds the
# common Latin characters), and the fallbacks (registered when first needed).
_TEXT_FONTS = (SANS, SANS_BOLD, SANS_ITALIC, SANS_BOLD_ITALIC, MONO, MONO_BOLD)
_FALLBACK_FONTS = (CJK, ARABIC, THAI, SYMBOLS)
_FALLBACK_FAMILY = {SANS: SANS_PLAIN}

_lock = threading.Lock()
_registered = False
_fallbacks_registered = False
_coverage: dict[str, frozenset[int]] = {}
_coverage_chars: dict[str, frozenset[str]] = {}  # the same as characters, made when first asked
_choice_cache: dict[tuple[str, str], str | None] = {}
# Invisible formatting characters: dropped when the font has no glyph for them.
_INVISIBLE = frozenset(
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x034F, *range(0xFE00, 0xFE10),
     *range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0xE0100, 0xE01F0)])
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def _fix_trailing_advances(font: TTFont) -> None:
    """ReportLab keeps the advance of glyphs past ``numberOfHMetrics`` in PDF units (1/1000
    em) instead of font units, so subsets of fonts that share a trailing advance (DejaVu
    Sans Mono: every glyph) carry wrong widths, which PDF/A validators reject."""
    face = font.face
    count = struct.unpack(">H", face.get_table("hhea")[34:36])[0]
    if 0 < count < len(face.hmetrics):
        last = face.hmetrics[count - 1][0]
        face.hmetrics[count:] = [(last, lsb) for _aw, lsb in face.hmetrics[count:]]


def register_fonts() -> None:
    """Register the bundled fonts with ReportLab (idempotent, thread-safe)."""
    global _registered
    with _lock:
        if _registered:
            return
        # Plain Flate streams: ASCII85 on top only makes every page 25 % bigger.
        rl_config.useA85 = 0
        ttfonts.makeToUnicodeCMap = to_unicode_cmap
        for name in _TEXT_FONTS:
            _register(name, common=COMMON)
        addMapping(SANS, 0, 0, SANS)
        addMapping(SANS, 1, 0, SANS_BOLD)
        addMapping(SANS, 0, 1, SANS_ITALIC)
        addMapping(SANS, 1, 1, SANS_BOLD_ITALIC)
        addMapping(MONO, 0, 0, MONO)
        addMapping(MONO, 1, 0, MONO_BOLD)
        addMapping(MONO, 0, 1, MONO)
        addMapping(MONO, 1, 1, MONO_BOLD)
        _register(SANS_PLAIN, common=COMMON, file=_FILES[SANS])
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(SANS_PLAIN, bold, italic, SANS_PLAIN)
        _registered = True


def _register(name: str, common: str = "", file: tuple[str, int] | None = None) -> None:
    filename, index = file or _FILES[name]
    font = ArchiveFont(name, str(resource_path("fonts", filename)), subfontIndex=index,
                       common=common)
    _fix_trailing_advances(font)
    pdfmetrics.registerFont(font)
    _coverage[name] = frozenset(font.face.charToGlyph)


def _register_fallbacks() -> None:
    """Register the fallback fonts, the first time a text needs a character DejaVu lacks
    (most mail never does; the CJK font alone takes 0.1 s and 20 MB to load)."""
    global _fallbacks_registered
    register_fonts()
    with _lock:
        if _fallbacks_registered:
            return
        for name in _FALLBACK_FONTS:
            _register(name)
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(name, bold, italic, name)
        _fallbacks_registered = True


def _coverage_of(font: str) -> frozenset[int]:
    """The code points ``font`` has; a fallback font is registered when first asked."""
    coverage = _coverage.get(font)
    if coverage is None:
        _register_fallbacks()
        coverage = _coverage[font]
    return coverage


def has_glyph(font: str, char: str) -> bool:
    register_fonts()
    return ord(char) in _coverage_of(font)


def font_for(char: str, face: str) -> str | None:
    """The font that draws ``char`` when the text is set in ``face``; ``None``: no font has it."""
    key = (face, char)
    try:
        return _choice_cache[key]
    except KeyError:
        pass
    code = ord(char)
    choice: str | None = None
    if code in _coverage_of(face):
        choice = face
    else:
        if not _fallbacks_registered:
            _register_fallbacks()
        for fallback in FALLBACKS:
            if fallback != face and code in _coverage[fallback]:
                choice = _FALLBACK_FAMILY.get(fallback, fallback)
                break
    if len(_choice_cache) < 200_000:
        _choice_cache[key] = choice
    return choice


def clean_text(text: str) -> str:
    """NFC, no control characters PDF text cannot carry (tabs become spaces)."""
    text = unicodedata.normalize("NFC", text.replace("\t", "    "))
    return _CONTROL.sub("", text)


def _all_in(text: str, face: str) -> bool:
    """Whether ``face`` has every character of ``text``."""
    chars = _coverage_chars.get(face)
    if chars is None:
        chars = _coverage_chars[face] = frozenset(map(chr, _coverage_of(face)))
    return set(text) <= chars


def runs(text: str, face: str) -> list[tuple[str | None, str]]:
    """Split ``text`` into ``(font, text)`` runs; font ``None`` marks characters no font has.

    Combining marks stay with the run before them when its font has them, so a base
    letter and its accent come from one font.
    """
    register_fonts()
    if _all_in(text, face):  # the usual case: one run, decided at C speed
        return [(face, text)] if text else []
    out: list[tuple[str | None, str]] = []
    current: str | None = face
    buf: list[str] = []
    for char in text:
        code = ord(char)
        if char == " " or char == "\n":
            font: str | None = current if current is not None else face
        else:
            font = font_for(char, face)
            if font is None and code in _INVISIBLE:
                continue
            if (current is not None and font != current and buf
                    and unicodedata.combining(char) and code in _coverage[current]):
                font = current
        if font != current and buf:
            out.append((current, "".join(buf)))
            buf = []
        current = font
        buf.append(char)
    if buf:
        out.append((current, "".join(buf)))
    return out


def markup(text: str, face: str = SANS, *, keep_spaces: bool = False) -> str:
    """Paragraph markup for plain ``text`` set in ``face``, with per-character fallback.

    ``keep_spaces``: every space is kept (non-breaking), for aligned monospace text.
    """
    text = shown_text(text)

    def esc(chunk: str) -> str:
        chunk = escape(chunk)
        # U+00A0 itself, not "&nbsp;": ReportLab makes a text fragment per entity (slow)
        return chunk.replace(" ", "\u00a0") if keep_spaces else chunk

    if text.isascii():
        return esc(text)
    parts = []
    for font, chunk in runs(text, face):
        if font == face:
            parts.append(esc(chunk))
        elif font is None:
            codes = code_points(chunk)
            parts.append(f'<font name="{SANS_PLAIN}" color="{MISSING_GREY}">{codes}</font>')
        else:
            parts.append(f'<font name="{font}">{esc(chunk)}</font>')
    return "".join(parts)


def string_width(text: str, face: str, size: float) -> float:
    """Width of ``text`` in points, each run measured in the font that will draw it.

    ``text`` is taken as it will be drawn (already in visual order)."""
    return shown_width(clean_text(text), face, size)


def shown_width(shown: str, face: str, size: float) -> float:
    """:func:`string_width` for a text already cleaned and in visual order."""
    if _all_in(shown, face):
        return pdfmetrics.stringWidth(shown, face, size)
    total = 0.0
    for font, chunk in runs(shown, face):
        if font is None:
            chunk, font = code_points(chunk), SANS_PLAIN
        total += pdfmetrics.stringWidth(chunk, font, size)
    return total


def shown_text(text: str) -> str:
    """``text`` as it is drawn: cleaned, one line in visual order."""
    return visual(clean_text(text))


def code_points(chars: str) -> str:
    """Characters no font has, as the text drawn in their place: ``⟨U+1FAE8⟩``."""
    return " ".join(f"⟨U+{ord(c):04X}⟩" for c in chars)
