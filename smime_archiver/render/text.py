"""Plain text bodies -> flowables: paragraphs, quoted replies, aligned (monospace) blocks.

Line breaks are kept as the sender wrote them (format=flowed is already joined by the
MIME model); long lines wrap; quoted replies keep their ``>`` marks and get a grey bar per
quote level;
blocks that rely on alignment (tabs, runs of spaces, box drawing) are set in monospace
with long lines broken and marked ``↪``.  Text with Hebrew or Arabic goes through
:mod:`smime_archiver.render.rtl`.
"""

from __future__ import annotations

import functools
import re

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from smime_archiver.render.fonts import SANS, clean_text, markup
from smime_archiver.render.lines import BAR_STEP, TextLines, draw_quote_bars
from smime_archiver.render.rtl import BidiParagraph, has_rtl
from smime_archiver.render.styles import FRAME_WIDTH, MONO_CHAR_WIDTH, styles

_QUOTE = re.compile(r"^((?:>[ \t]?)+)")
_ALIGNED = re.compile(r"\S(?: {3,}|\t+)\S|^[ \t]{2,}\S|[\u2500-\u257f]|[-=_+|]{5,}")
_MAX_LINES_PER_PARAGRAPH = 60  # long blocks are cut into pieces: splitting stays linear
_MAX_CHARS_PER_PARAGRAPH = 4000


class QuoteParagraph(Paragraph):
    """A paragraph with one vertical bar per quote level at its left (HTML blockquotes)."""

    depth = 1

    def draw(self) -> None:
        super().draw()
        draw_quote_bars(self.canv, self.depth, self.height)


@functools.cache
def quote_class(depth: int) -> type[QuoteParagraph]:
    return type(f"QuoteParagraph{depth}", (QuoteParagraph,), {"depth": depth})


@functools.cache
def quote_style(base: str, depth: int) -> ParagraphStyle:
    parent = styles()[base]
    return ParagraphStyle(f"{base}-q{depth}", parent=parent, leftIndent=depth * BAR_STEP + 3,
                          textColor=styles()["quote"].textColor, spaceAfter=3)


def text_flowables(text: str, *, width: float = FRAME_WIDTH) -> list[Flowable]:
    """Flowables for a plain-text body.

    Every character of the text is drawn: the ``>`` marks of a quoted reply stay in the
    line (so they are in the PDF's text, and ``> 50 kr.`` still says what it said), and a
    grey bar per quote level marks the quote as well.
    """
    out: list[Flowable] = []
    lines = text.replace("\r\n", "\n").split("\n")
    depths = quote_depths(lines)
    groups: list[tuple[int, list[str], bool]] = []  # (quote depth, lines, aligned)
    for line, depth in zip(lines, depths, strict=True):
        if not line.strip():  # blank lines end a group
            groups.append((depth, [], False))
            continue
        match = _QUOTE.match(line) if depth else None
        aligned = bool(_ALIGNED.search(line[match.end():] if match else line))
        if groups and groups[-1][0] == depth and groups[-1][1]:
            groups[-1][1].append(line)
            if aligned and not groups[-1][2]:
                groups[-1] = (depth, groups[-1][1], True)
        else:
            groups.append((depth, [line], aligned))
    for depth, block, aligned in groups:
        if block:
            out.extend(_block(block, depth, width, aligned))
    return out


def quote_depths(lines: list[str]) -> list[int]:
    """The quote level of each line: the number of its leading ``>`` marks.

    A ``>From `` line outside a quote is not a quote: mbox writers put the ``>`` before
    a line that began with ``From `` (it is drawn as it stands, without a bar).
    """
    depths = [match.group(1).count(">") if (match := _QUOTE.match(line)) else 0
              for line in lines]
    for i, line in enumerate(lines):
        if depths[i] == 1 and line.startswith(">From "):
            before = next((depths[j] for j in range(i - 1, -1, -1) if lines[j].strip()), 0)
            after = next((depths[j] for j in range(i + 1, len(lines)) if lines[j].strip()), 0)
            if not before and not after:
                depths[i] = 0
    return depths


def _block(lines: list[str], depth: int, width: float, aligned: bool) -> list[Flowable]:
    """One block of lines as flowables of at most ``_MAX_LINES_PER_PARAGRAPH`` source lines
    (each page break copies the rest of a flowable: long ones would be slow)."""
    base = "mono" if aligned else "body"
    depth = min(depth, 8)
    style = quote_style(base, depth) if depth else styles()[base]
    if any(has_rtl(line) for line in lines):
        return [BidiParagraph("\n".join(lines), style)]
    shown: list[str] = []
    if aligned:
        per_line = max(20, int((width - style.leftIndent) / MONO_CHAR_WIDTH) - 1)
        for line in lines:
            shown += _mono_lines(line, per_line)
    else:
        shown = lines
    chunks: list[list[str]] = [[]]
    size = 0
    for line in shown:
        if chunks[-1] and (len(chunks[-1]) >= _MAX_LINES_PER_PARAGRAPH
                           or size + len(line) > _MAX_CHARS_PER_PARAGRAPH):
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line)
    if len(chunks) == 1:
        return [TextLines(chunks[0], style, depth=depth, keep_spaces=aligned, cleaned=aligned)]
    inner = ParagraphStyle(f"{style.name}-cont", parent=style, spaceAfter=0, spaceBefore=0)
    return [TextLines(chunk, style if i == len(chunks) - 1 else inner, depth=depth,
                      keep_spaces=aligned, cleaned=aligned)  # _mono_lines cleaned them
            for i, chunk in enumerate(chunks)]


def breakable(text: str, face: str = SANS, *, piece: int = 40) -> str:
    """Paragraph markup for a one-line value (a header, a file name) in which words longer
    than ``piece`` characters are broken into lines short enough for a narrow column:
    ReportLab splits a word too wide for its line letter by letter, in time that grows
    with the square of the word's length."""
    if len(text) <= piece or max(map(len, text.split(" "))) <= piece:
        return markup(text, face)
    out = []
    for word in text.split(" "):
        if len(word) > piece:
            out.append("<br/>".join(markup(word[i:i + piece], face)
                                    for i in range(0, len(word), piece)))
        else:
            out.append(markup(word, face))
    return " ".join(out)


def _mono_lines(line: str, per_line: int) -> list[str]:
    """An aligned line broken every ``per_line`` characters; continuations marked ``↪``."""
    line = clean_text(line.expandtabs(8))
    pieces = [line[i:i + per_line] for i in range(0, max(len(line), 1), per_line)] or [""]
    return [("" if i == 0 else "↪") + piece for i, piece in enumerate(pieces)]
