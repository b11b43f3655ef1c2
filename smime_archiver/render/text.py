"""Plain text bodies -> flowables: paragraphs, quoted replies, aligned (monospace) blocks.

Line breaks are kept as the sender wrote them (format=flowed is already joined by the
MIME model); long lines wrap; quoted replies (``>``) get a grey bar per quote level;
blocks that rely on alignment (tabs, runs of spaces, box drawing) are set in monospace
with long lines broken and marked ``↪``.  Text with Hebrew or Arabic goes through
:mod:`smime_archiver.render.rtl`.
"""

from __future__ import annotations

import functools
import re

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from smime_archiver.render.fonts import MONO, markup
from smime_archiver.render.rtl import BidiParagraph, has_rtl
from smime_archiver.render.styles import FRAME_WIDTH, MONO_CHAR_WIDTH, QUOTE_BAR, styles

_QUOTE = re.compile(r"^((?:>[ \t]?)+)")
_ALIGNED = re.compile(r"\S(?: {3,}|\t+)\S|^[ \t]{2,}\S|[\u2500-\u257f]|[-=_+|]{5,}")
_MAX_LINES_PER_PARAGRAPH = 60  # long blocks are cut into pieces: splitting stays linear
_BAR_STEP = 7.0


class QuoteParagraph(Paragraph):
    """A paragraph with one vertical bar per quote level at its left."""

    depth = 1

    def draw(self) -> None:
        super().draw()
        canv = self.canv
        canv.saveState()
        canv.setStrokeColor(QUOTE_BAR)
        canv.setLineWidth(1.2)
        for level in range(self.depth):
            x = level * _BAR_STEP + 1
            canv.line(x, -2, x, self.height + 1)
        canv.restoreState()


@functools.cache
def quote_class(depth: int) -> type[QuoteParagraph]:
    return type(f"QuoteParagraph{depth}", (QuoteParagraph,), {"depth": depth})


@functools.cache
def quote_style(base: str, depth: int) -> ParagraphStyle:
    parent = styles()[base]
    return ParagraphStyle(f"{base}-q{depth}", parent=parent, leftIndent=depth * _BAR_STEP + 3,
                          textColor=styles()["quote"].textColor, spaceAfter=3)


def text_flowables(text: str, *, width: float = FRAME_WIDTH) -> list[Flowable]:
    """Flowables for a plain-text body."""
    out: list[Flowable] = []
    lines = text.replace("\r\n", "\n").split("\n")
    groups: list[tuple[int, list[str]]] = []  # (quote depth, lines); blank lines end a group
    for line in lines:
        match = _QUOTE.match(line)
        depth = match.group(1).count(">") if match else 0
        content = line[match.end():] if match else line
        if not content.strip():
            groups.append((depth, []))
            continue
        if groups and groups[-1][0] == depth and groups[-1][1]:
            groups[-1][1].append(content)
        else:
            groups.append((depth, [content]))
    for depth, block in groups:
        if not block:
            continue
        for start in range(0, len(block), _MAX_LINES_PER_PARAGRAPH):
            out.extend(_block(block[start:start + _MAX_LINES_PER_PARAGRAPH], depth, width))
    return out


def _block(lines: list[str], depth: int, width: float) -> list[Flowable]:
    aligned = any(_ALIGNED.search(line) for line in lines)
    base = "mono" if aligned else "body"
    style = quote_style(base, min(depth, 8)) if depth else styles()[base]
    if any(has_rtl(line) for line in lines):
        return [BidiParagraph("\n".join(lines), style)]
    if aligned:
        per_line = max(20, int((width - style.leftIndent) / MONO_CHAR_WIDTH) - 1)
        html = "<br/>".join(_mono_line(line, per_line) for line in lines)
    else:
        html = "<br/>".join(markup(line) for line in lines)
    if depth:
        return [quote_class(min(depth, 8))(html, style)]
    return [Paragraph(html, style)]


def _mono_line(line: str, per_line: int) -> str:
    line = line.expandtabs(8)
    pieces = [line[i:i + per_line] for i in range(0, max(len(line), 1), per_line)] or [""]
    shown = []
    for i, piece in enumerate(pieces):
        text = markup(piece, MONO, keep_spaces=True)
        shown.append(text if i == 0 else "↪" + text)
    return "<br/>".join(shown)
