"""Right-to-left text (Hebrew, Arabic): wrapped in logical order, drawn in visual order.

ReportLab's own bidi support needs a library that is not on PyPI, so lines are broken
here (words in reading order, measured in the fonts that draw them), then each line is
reordered with the Unicode bidi algorithm (python-bidi) and Arabic letters get their
joined forms (arabic-reshaper).  pdftotext and PDF readers give the text back in
reading order.
"""

from __future__ import annotations

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from smime_archiver.render.direction import base_is_rtl, has_rtl, visual
from smime_archiver.render.fonts import clean_text, string_width
from smime_archiver.render.lines import PlacedLine, draw_lines

__all__ = ["BidiParagraph", "base_is_rtl", "has_rtl"]


class BidiParagraph(Flowable):
    """Plain text with right-to-left parts, wrapped to the width, one font per run."""

    def __init__(self, text: str, style: ParagraphStyle, face: str | None = None) -> None:
        super().__init__()
        self.text = clean_text(text)
        self.style = style
        self.face = face or style.fontName
        self.lines: list[tuple[str, bool]] = []  # (logical text, right-to-left)
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter

    def _wrap_lines(self, width: float) -> list[tuple[str, bool]]:
        """Each source line is a bidi paragraph of its own (its own direction)."""
        size = self.style.fontSize
        lines: list[tuple[str, bool]] = []
        for source in self.text.split("\n"):
            rtl = base_is_rtl(source)
            current = ""
            for word in source.split(" "):
                candidate = f"{current} {word}" if current else word
                if current and string_width(visual(candidate, rtl), self.face, size) > width:
                    lines.append((current, rtl))
                    current = word
                else:
                    current = candidate
            lines.append((current, rtl))
        return lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth - self.style.leftIndent - self.style.rightIndent
        self.lines = self._wrap_lines(self.width)
        self.height = len(self.lines) * self.style.leading
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        fit = int(availHeight // self.style.leading)
        if fit <= 0 or fit >= len(self.lines):
            return [] if fit <= 0 else [self]
        first = BidiParagraph("\n".join(t for t, _r in self.lines[:fit]), self.style, self.face)
        rest = BidiParagraph("\n".join(t for t, _r in self.lines[fit:]), self.style, self.face)
        first.spaceAfter = 0
        rest.spaceBefore = 0
        return [first, rest]

    def draw(self) -> None:
        size = self.style.fontSize
        y = self.height - self.style.fontSize
        placed = []
        for line, rtl in self.lines:
            align = self.style.alignment
            if align == TA_LEFT and rtl:
                align = TA_RIGHT
            shown = visual(line, rtl)
            width = string_width(shown, self.face, size)
            if align == TA_RIGHT:
                x = self.style.leftIndent + self.width - width
            elif align == TA_CENTER:
                x = self.style.leftIndent + (self.width - width) / 2
            else:
                x = self.style.leftIndent
            placed.append(PlacedLine(x, y, shown, self.face, size, self.style.textColor))
            y -= self.style.leading
        draw_lines(self.canv, placed, missing=None)
