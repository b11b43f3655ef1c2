"""The paragraph builder the HTML walk (:mod:`.html`) writes into, and its state.

:class:`Inline` is how the next text run looks, :class:`Block` where flowables
go and how paragraphs look, :class:`Context` what the whole body collects;
:class:`Builder` turns runs of text into ReportLab paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from smime_archiver.model import Attachment
from smime_archiver.render.fonts import (
    MONO,
    MONO_BOLD,
    SANS,
    SANS_BOLD,
    SANS_BOLD_ITALIC,
    SANS_ITALIC,
    markup,
)
from smime_archiver.render.htmlstyle import HEADING_SIZES
from smime_archiver.render.rtl import BidiParagraph, base_is_rtl, has_rtl
from smime_archiver.render.styles import LINK, styles
from smime_archiver.render.text import quote_class, quote_style

_RUN_PIECE = 1000  # long text nodes are added in pieces of about this many characters ...
_PARAGRAPH_PIECE = 3000  # ... so that paragraphs can be drawn in pieces of about this size


@dataclass(frozen=True)
class Inline:
    """The inline state while walking: what the next text run looks like."""

    bold: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    mono: bool = False
    color: str | None = None
    size: float | None = None
    href: str | None = None
    sup: bool = False
    sub: bool = False


@dataclass
class Block:
    """Where flowables go and how the paragraphs being built look."""

    width: float
    indent: float = 0.0
    align: int = TA_LEFT
    style: str = "body"
    quote: int = 0
    pre: bool = False
    background: str | None = None
    table_depth: int = 0


@dataclass
class Context:
    attachments: Sequence[Attachment]
    used_cids: set[str] = field(default_factory=set)
    remote_images: int = 0
    notes: list[str] = field(default_factory=list)
    # what a display limit kept from the page (a picture too large, a table too big): the
    # export adds these to the message's line in the report
    limits: list[str] = field(default_factory=list)


class Builder:
    """Flowables of one block of HTML, built paragraph by paragraph."""

    def __init__(self, ctx: Context, block: Block) -> None:
        self.ctx = ctx
        self.out: list[Flowable] = []
        self.buf: list[str] = []  # markup of the paragraph being built
        self.plain: list[str] = []  # its text, for direction detection
        self.block = block
        self.bullet: str | None = None

    # paragraphs -------------------------------------------------------------------------
    def flush(self) -> None:
        runs, plains = self.buf, self.plain
        self.buf, self.plain = [], []
        text = "".join(plains)
        if not text.strip():
            if self.bullet is None:
                return
            runs, plains = ["&nbsp;"], [" "]
        style = self._style()
        if has_rtl(text) and (base_is_rtl(text) or not self.block.pre):
            self.out.append(BidiParagraph(text.strip("\n"), style))
            self.bullet = None
            return
        # Very long paragraphs are cut into pieces between runs: ReportLab re-wraps the
        # rest of a paragraph at every page break, which is quadratic in its length.
        groups: list[list[str]] = [[]]
        size = 0
        for run, plain in zip(runs, plains, strict=True):
            if size > _PARAGRAPH_PIECE and groups[-1]:
                groups.append([])
                size = 0
            groups[-1].append(run)
            size += len(plain)
        cls = quote_class(min(self.block.quote, 8)) if self.block.quote else Paragraph
        for i, group in enumerate(groups):
            html = re.sub(r"^(<br/>)+|(<br/>)+$", "", "".join(group).strip())
            piece_style = style
            if len(groups) > 1:
                piece_style = ParagraphStyle(
                    f"{style.name}-piece", parent=style,
                    spaceBefore=style.spaceBefore if i == 0 else 0,
                    spaceAfter=style.spaceAfter if i == len(groups) - 1 else 0)
            self.out.append(cls(html, piece_style, bulletText=self.bullet if i == 0 else None))
        self.bullet = None

    def _style(self) -> ParagraphStyle:
        b = self.block
        base = styles()["mono" if b.pre else "body"]
        if b.style in HEADING_SIZES:
            size = HEADING_SIZES[b.style]
            base = ParagraphStyle(b.style, parent=base, fontName=SANS_BOLD, fontSize=size,
                                  leading=size * 1.3, spaceBefore=size * 0.5, spaceAfter=4)
        if b.quote:
            base = quote_style("mono" if b.pre else "body", min(b.quote, 8))
        indent = b.indent + (base.leftIndent if b.quote else 0)
        extra = {}
        if self.bullet is not None:
            extra = {"bulletIndent": max(0.0, indent - 12), "bulletFontName": SANS}
        return ParagraphStyle(f"{b.style}-{indent}-{b.align}", parent=base, leftIndent=indent,
                              alignment=b.align, spaceAfter=2 if b.style == "li" else
                              base.spaceAfter, backColor=None, **extra)

    def add_text(self, text: str, state: Inline) -> None:
        if not self.block.pre:
            text = re.sub(r"[ \t\r\n\f]+", " ", text)
            if not self.plain or self.plain[-1].endswith((" ", "\n")):
                text = text.lstrip(" ")
            if not text:
                return
        if len(text) > _RUN_PIECE and not self.block.pre:
            # in pieces, one after the other (a loop: a text node of millions of characters
            # would exhaust the recursion limit if each piece called this again for the rest)
            while len(text) > _RUN_PIECE:
                cut = text.rfind(" ", _RUN_PIECE // 2, _RUN_PIECE)
                cut = cut + 1 if cut > 0 else _RUN_PIECE
                self._add_run(text[:cut], state)
                text = text[cut:]
            if text:
                self._add_run(text, state)
            return
        if self.block.pre:
            # one run per line, so that long <pre> blocks can be drawn in pieces
            for i, line in enumerate(text.split("\n")):
                if i:
                    self.line_break()
                if line:
                    self.plain.append(line)
                    self.buf.append(_wrap(markup(line, _face(state, True), keep_spaces=True),
                                          state))
            return
        self._add_run(text, state)

    def _add_run(self, text: str, state: Inline) -> None:
        self.plain.append(text)
        self.buf.append(_wrap(markup(text, _face(state, False)), state))

    def line_break(self) -> None:
        self.buf.append("<br/>")
        self.plain.append("\n")

    def add_flowable(self, flowable: Flowable) -> None:
        self.flush()
        self.out.append(flowable)


def _face(state: Inline, pre: bool) -> str:
    if state.mono or pre:
        return MONO_BOLD if state.bold else MONO
    if state.bold and state.italic:
        return SANS_BOLD_ITALIC
    if state.bold:
        return SANS_BOLD
    if state.italic:
        return SANS_ITALIC
    return SANS


def _wrap(piece: str, state: Inline) -> str:
    """Wrap one run's markup in the tags of its state (each run closes its own tags)."""
    face = _face(state, False)
    attrs = [f'name="{face}"'] if face != SANS else []
    if state.color:
        attrs.append(f'color="{state.color}"')
    if state.size:
        attrs.append(f'size="{state.size:.1f}"')
    if attrs:
        piece = f"<font {' '.join(attrs)}>{piece}</font>"
    for flag, tag in ((state.underline, "u"), (state.strike, "strike"), (state.sup, "super"),
                      (state.sub, "sub")):
        if flag:
            piece = f"<{tag}>{piece}</{tag}>"
    if state.href:
        piece = (f'<a href="{escape(state.href, {chr(34): "&quot;"})}" color="{LINK.hexval()}">'
                 f"{piece}</a>")
    return piece


class Indented(Flowable):
    """A table shifted right by the list/quote indent (tables ignore paragraph indents)."""

    def __init__(self, inner: Flowable, indent: float) -> None:
        super().__init__()
        self.inner = inner
        self.indent = indent

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        w, h = self.inner.wrap(availWidth - self.indent, availHeight)
        return w + self.indent, h

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts = self.inner.split(availWidth - self.indent, availHeight)
        return [Indented(p, self.indent) for p in parts]

    def drawOn(self, canvas, x: float, y: float, _sW: float = 0) -> None:
        self.inner.drawOn(canvas, x + self.indent, y, _sW)
