"""Light flowables for the parts every message has: the title and headings, the header
block and the status panel.

:class:`FitLine` draws a short text that fits on one line without making a ReportLab
paragraph (parsing its markup, breaking lines, fragment by fragment drawing); a longer
text becomes a paragraph as before.  :class:`Rows` holds rows of those, with an optional
one-line label beside each.

A ReportLab ``Table`` would draw the same, but it wraps every cell two or three times,
works out a grid and styles each cell; for the few rows at the top of every message that
cost more than a millisecond per PDF.  :class:`Rows` wraps each paragraph once per width,
splits between whole rows at the foot of a page, and splits a row that is taller than a
page inside its paragraph (a To line with thousands of recipients), always with progress.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reportlab.lib.colors import Color
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from smime_archiver.render.fonts import shown_text, string_width
from smime_archiver.render.lines import PlacedLine, draw_lines
from smime_archiver.render.text import breakable


class FitLine(Flowable):
    """``text`` in ``style``, set in ``face`` (default: the style's font): drawn directly
    when it fits the width on one line, else as a wrapping paragraph."""

    def __init__(self, text: str, style: ParagraphStyle, face: str | None = None) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.face = face or style.fontName
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter
        self._paragraph: Paragraph | None = None
        self._line = False
        self._wrapped_for = 0.0
        self.width = self.height = 0.0

    def paragraph(self) -> Paragraph:
        if self._paragraph is None:
            style = self.style if self.face == self.style.fontName else _in_font(
                self.style, self.face)
            self._paragraph = Paragraph(breakable(self.text, self.face), style)
        return self._paragraph

    def wrap(self, availWidth, availHeight):
        style = self.style
        self._wrapped_for = availWidth
        room = availWidth - style.leftIndent - style.rightIndent
        self._line = "\n" not in self.text and string_width(
            self.text, self.face, style.fontSize) <= room
        if self._line:
            self.width, self.height = availWidth, style.leading
        else:
            self.width, self.height = self.paragraph().wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        availWidth = self._wrapped_for or availWidth  # see Rows.split
        self.wrap(availWidth, availHeight)
        return [] if self._line else self.paragraph().split(availWidth, availHeight)

    def draw(self) -> None:
        if not self._line:
            self.paragraph().drawOn(self.canv, 0, 0)
            return
        _draw_line(self.canv, self.style.leftIndent, self.height, self.text, self.style,
                   self.face)


def _placed(x: float, top: float, text: str, style: ParagraphStyle, face: str) -> PlacedLine:
    """``text`` as one line below ``top``, in the style's size and colour, set in ``face``;
    the baseline one font size below the top, as in ReportLab's paragraphs."""
    return PlacedLine(x, top - style.fontSize, shown_text(text), face, style.fontSize,
                      style.textColor)


def _draw_line(canv, x: float, top: float, text: str, style: ParagraphStyle,
               face: str) -> None:
    draw_lines(canv, [_placed(x, top, text, style, face)])


@functools.cache
def _in_font(style: ParagraphStyle, face: str) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-{face}", parent=style, fontName=face)


@dataclass(frozen=True)
class Row:
    paragraph: Flowable  # a Paragraph or a FitLine
    label: str = ""  # drawn in one line left of the paragraph


@dataclass(frozen=True)
class Look:
    """Geometry and colours of a block of rows (points)."""

    label_width: float = 0.0  # the paragraphs start this far right of the padding
    label_style: ParagraphStyle | None = None
    left: float = 0.0
    right: float = 0.0
    row_top: float = 0.0  # above and below every row
    row_bottom: float = 0.0
    first_top: float | None = None  # above the first row instead of row_top
    last_bottom: float | None = None  # below the last row instead of row_bottom
    background: Color | None = None
    border: Color | None = None
    border_width: float = 0.5


class Rows(Flowable):
    def __init__(self, rows: Sequence[Row], look: Look) -> None:
        super().__init__()
        self.rows = list(rows)
        self.look = look
        self._wrapped_for: float | None = None
        self._content: list[float] = []  # each row without padding
        self._heights: list[float] = []
        self.width = self.height = 0.0

    def _pads(self, index: int, count: int) -> tuple[float, float]:
        look = self.look
        top = look.first_top if index == 0 and look.first_top is not None else look.row_top
        bottom = (look.last_bottom if index == count - 1 and look.last_bottom is not None
                  else look.row_bottom)
        return top, bottom

    def _text_width(self, avail_width: float) -> float:
        look = self.look
        return max(1.0, avail_width - look.left - look.right - look.label_width)

    def _label_height(self, row: Row) -> float:
        style = self.look.label_style
        return style.leading if row.label and style is not None else 0.0

    def wrap(self, availWidth, availHeight):
        if self._wrapped_for != availWidth:
            text_width = self._text_width(availWidth)
            self._content = [max(row.paragraph.wrap(text_width, 1e9)[1], self._label_height(row))
                             for row in self.rows]
            self._heights = self._padded(self._content)
            self._wrapped_for = availWidth
        self.width, self.height = availWidth, sum(self._heights)
        return self.width, self.height

    def _padded(self, content: list[float]) -> list[float]:
        """Row heights with padding, for a block of exactly these rows."""
        return [sum(self._pads(i, len(content))) + h for i, h in enumerate(content)]

    def split(self, availWidth, availHeight):
        # the width of the last wrap: a frame asks with its full width, but wraps and draws
        # with the width its indenters leave
        availWidth = self._wrapped_for or availWidth
        self.wrap(availWidth, availHeight)
        look = self.look
        top, bottom = self._pads(0, 1)  # a block's first top and last bottom
        fit, content = 0, 0.0
        for count, h in enumerate(self._content, start=1):  # the first rows as a block
            content += h
            if content + top + bottom + (count - 1) * (look.row_top + look.row_bottom) \
                    > availHeight + 1e-6:
                break
            fit = count
        if fit == len(self.rows):
            return [self]
        if fit:
            return [Rows(self.rows[:fit], self.look), Rows(self.rows[fit:], self.look)]
        first = self.rows[0]
        room = availHeight - top - bottom
        if room < self._label_height(first) or room <= 0:
            return []
        text_width = self._text_width(availWidth)
        parts = first.paragraph.split(text_width, room)
        self._wrapped_for = None  # a paragraph that cannot split forgets its lines: wrap again
        if len(parts) < 2 or not 0 < parts[0].wrap(text_width, room)[1] <= room:
            return []
        return [Rows([replace(first, paragraph=parts[0])], self.look),
                Rows([Row(parts[1]), *self.rows[1:]], self.look)]

    def draw(self) -> None:
        canv, look = self.canv, self.look
        if look.background is not None or look.border is not None:
            canv.saveState()
            if look.background is not None:
                canv.setFillColor(look.background)
            if look.border is not None:
                canv.setStrokeColor(look.border)
                canv.setLineWidth(look.border_width)
            canv.rect(0, 0, self.width, self.height, stroke=int(look.border is not None),
                      fill=int(look.background is not None))
            canv.restoreState()
        y = self.height
        lines: list[PlacedLine] = []  # labels and one-line values: one text object
        x = look.left + look.label_width
        for i, (row, h) in enumerate(zip(self.rows, self._heights, strict=True)):
            top, _bottom = self._pads(i, len(self.rows))
            para = row.paragraph
            if isinstance(para, FitLine) and para._line:
                lines.append(_placed(x + para.style.leftIndent, y - top, para.text, para.style,
                                     para.face))
            else:
                para.drawOn(canv, x, y - top - para.height)
            if row.label and look.label_style is not None:
                lines.append(_placed(look.left, y - top, row.label, look.label_style,
                                     look.label_style.fontName))
            y -= h
        if lines:
            draw_lines(canv, lines)
