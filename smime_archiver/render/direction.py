"""Writing direction: which text is right-to-left, and its drawing order.

ReportLab draws glyphs left to right in the order given.  Hebrew and Arabic are stored
in reading order, so each line is reordered with the Unicode bidi algorithm
(python-bidi) and Arabic letters get their joined forms (arabic-reshaper) just before
drawing.  PDF readers and pdftotext give the text back in reading order.
"""

from __future__ import annotations

import re
import unicodedata

import arabic_reshaper
from bidi import get_display

_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff"
                        "\U0001e800-\U0001efff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")


def has_rtl(text: str) -> bool:
    return bool(_RTL_CHARS.search(text))


def base_is_rtl(text: str) -> bool:
    """The paragraph direction by its first strong character (Unicode rule P2)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def visual(line: str, rtl: bool | None = None) -> str:
    """One line in drawing order, Arabic letters in their joined forms."""
    if not has_rtl(line):
        return line
    if rtl is None:
        rtl = base_is_rtl(line)
    if _ARABIC.search(line):
        line = arabic_reshaper.reshape(line)
    return get_display(line, base_dir="R" if rtl else "L")
