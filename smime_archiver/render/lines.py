"""Plain text drawn as lines: our own line breaking instead of a ReportLab paragraph.

A plain-text body has no markup, one font and one size, so a ReportLab ``Paragraph`` (parse
the markup into fragments, measure and break fragment by fragment, draw fragment by
fragment) does far more work than needed: it was the largest part of rendering a typical
message.  :class:`TextLines` keeps each source line as a line; one that is wider than the
column breaks at spaces, and a word wider than the column breaks between characters.
Characters DejaVu lacks are measured and drawn in the fallback font that has them, as
everywhere else (:func:`smime_archiver.render.fonts.runs`).

Text with right-to-left parts goes through :class:`smime_archiver.render.rtl.BidiParagraph`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable

from smime_archiver.render.fonts import (
    MISSING_GREY,
    SANS_PLAIN,
    clean_text,
    code_points,
    runs,
    shown_width,
)
from smime_archiver.render.styles import QUOTE_BAR

BAR_STEP = 7.0  # between the bars of nested quotes
_REMEMBERED_WORD = 40  # characters: longer words are measured each time
_REMEMBERED_WORDS = 50_000  # per font and size
_word_widths: dict[tuple[str, float], dict[str, float]] = {}
_MISSING = HexColor(MISSING_GREY)


class TextLines(Flowable):
    """Lines of plain text in ``style``: kept as the sender broke them, wrapped when too wide.

    ``depth``: quote level, drawn as that many grey bars at the left (the style's left
    indent leaves room for them).  ``keep_spaces``: every space is kept and lines break only
    between characters (aligned monospace text, already cut to the column by the caller).
    """

    def __init__(self, lines: Sequence[str], style: ParagraphStyle, *, depth: int = 0,
                 keep_spaces: bool = False, cleaned: bool = False) -> None:
        super().__init__()
        self.source = list(lines) if cleaned else [clean_text(line) for line in lines]
        self.style = style
        self.depth = depth
        self.keep_spaces = keep_spaces
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter
        self.lines: list[str] = []
        self._wrapped_for: float | None = None
        self.width = self.height = 0.0

    # --- measuring and breaking ------------------------------------------------------------

    def _width(self, text: str) -> float:
        return shown_width(text, self.style.fontName, self.style.fontSize)

    def _word_width(self, word: str) -> float:
        """:meth:`_width` of one word, remembered: the words of mail repeat a lot."""
        key = (self.style.fontName, self.style.fontSize)
        known = _word_widths.get(key)
        if known is None:
            known = _word_widths.setdefault(key, {})
        width = known.get(word)
        if width is None:
            width = self._width(word)
            if len(word) <= _REMEMBERED_WORD and len(known) < _REMEMBERED_WORDS:
                known[word] = width
        return width

    def _break(self, line: str, room: float) -> list[str]:
        """``line`` as drawn lines no wider than ``room`` (a single character may be wider)."""
        if self.keep_spaces:
            return [line] if self._width(line) <= room else self._cut(line, room)
        words = [w for w in line.split(" ") if w]
        if not words:
            return [""]
        joined = " ".join(words)
        if self._width(joined) <= room:
            return [joined]
        space = self._width(" ")
        # as ReportLab's paragraphs: a line may overrun by its spaces' allowed shrinkage
        shrink = getattr(self.style, "spaceShrinkage", 0.0) * space
        out: list[str] = []
        current: list[str] = []
        used = 0.0
        for word in words:
            width = self._word_width(word)
            if current and used + space + width <= room + shrink * len(current):
                current.append(word)
                used += space + width
            elif width <= room:
                if current:
                    out.append(" ".join(current))
                current, used = [word], width
            else:  # a word wider than the column: it starts in the rest of this line
                pieces = self._cut(word, room, first=room - used - space if current else room)
                if pieces[0]:
                    current.append(pieces[0])
                if current:
                    out.append(" ".join(current))
                out += pieces[1:-1]
                current, used = [pieces[-1]], self._width(pieces[-1])
        out.append(" ".join(current))
        return out

    def _cut(self, text: str, room: float, first: float | None = None) -> list[str]:
        """``text`` cut between characters into pieces no wider than ``room``; the first
        piece no wider than ``first`` (it may be empty then)."""
        pieces: list[str] = []
        limit = room if first is None else first
        guess = max(8, int(room / (0.25 * self.style.fontSize)))  # more than fit, mostly
        start, end = 0, len(text)
        while start < end:
            high = min(end - start, guess)  # characters from start
            while start + high < end and self._width(text[start:start + high]) <= limit:
                high = min(end - start, 2 * high)  # very narrow characters
            low = 0  # the longest run that fits
            while low < high:
                mid = (low + high + 1) // 2
                if self._width(text[start:start + mid]) <= limit:
                    low = mid
                else:
                    high = mid - 1
            while 1 < low < end - start and unicodedata.combining(text[start + low]):
                low -= 1  # keep an accent with its letter
            if not low and (first is None or pieces):
                low = 1  # a character wider than a whole line gets a line of its own
            pieces.append(text[start:start + low])
            start += low
            limit = room
        return pieces or [""]

    # --- the Flowable interface -------------------------------------------------------------

    def wrap(self, availWidth, availHeight):
        if self._wrapped_for != availWidth:
            room = max(1.0, availWidth - self.style.leftIndent - self.style.rightIndent)
            self.lines = [piece for line in self.source for piece in self._break(line, room)]
            self._wrapped_for = availWidth
        self.width = availWidth
        self.height = len(self.lines) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        # the width of the last wrap: a frame asks with its full width, but wraps and draws
        # with the width its indenters leave (as ReportLab's paragraphs, lines are kept)
        self.wrap(self._wrapped_for or availWidth, availHeight)
        fit = int(availHeight / self.style.leading)
        if fit >= len(self.lines):
            return [self]
        if fit <= 1:  # no room, or room for a lone first line: the text moves on whole
            return []
        return [self._part(self.lines[:fit]), self._part(self.lines[fit:])]

    def _part(self, lines: list[str]) -> TextLines:
        part = TextLines(lines, self.style, depth=self.depth, keep_spaces=self.keep_spaces,
                         cleaned=True)
        part.lines, part._wrapped_for = lines, self._wrapped_for
        return part

    def draw(self) -> None:
        style = self.style
        y = self.height - style.fontSize  # the first baseline, as in ReportLab's paragraphs
        draw_lines(self.canv, (
            PlacedLine(style.leftIndent, y - i * style.leading, line, style.fontName,
                       style.fontSize, style.textColor)
            for i, line in enumerate(self.lines)))
        draw_quote_bars(self.canv, self.depth, self.height)


class PlacedLine(NamedTuple):
    """One line of text to draw: its baseline's start, the text as shown (cleaned, in
    visual order), its font, size and colour."""

    x: float
    y: float
    shown: str
    face: str
    size: float
    colour: Color


def draw_lines(canv, lines: Iterable[PlacedLine], *, missing: Color | None = _MISSING) -> None:
    """Draw ``lines`` in one text object, each run in the font that has its characters;
    characters no font has as their code points, in ``missing`` (None: the line's colour).
    The canvas state is kept."""
    canv.saveState()
    text = canv.beginText()
    font_now: tuple[str, float] | None = None
    colour_now = None
    for line in lines:
        if line.colour is not colour_now:
            text.setFillColor(line.colour)
            colour_now = line.colour
        text.setTextOrigin(line.x, line.y)
        for found, chunk in runs(line.shown, line.face):
            recolour = found is None and missing is not None
            font = SANS_PLAIN if found is None else found
            if found is None:
                chunk = code_points(chunk)
            if recolour:
                text.setFillColor(missing)
            if (font, line.size) != font_now:
                font_now = (font, line.size)
                text.setFont(font, line.size)
            text.textOut(chunk)
            if recolour:
                text.setFillColor(line.colour)
    canv.drawText(text)
    canv.restoreState()


def draw_quote_bars(canv, depth: int, height: float) -> None:
    """One vertical grey bar per quote level at the left of a block ``height`` tall."""
    if not depth:
        return
    canv.saveState()
    canv.setStrokeColor(QUOTE_BAR)
    canv.setLineWidth(1.2)
    for level in range(depth):
        x = level * BAR_STEP + 1
        canv.line(x, -2, x, height + 1)
    canv.restoreState()
