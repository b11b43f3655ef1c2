"""One readable PDF per message: headers, protection status, body text, attachments."""

from __future__ import annotations

import hashlib
import io
import logging
import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from smime_archiver import __version__
from smime_archiver.i18n import _
from smime_archiver.model import MessageView, RawMail, Status, UnwrapResult
from smime_archiver.render.fonts import MONO, SANS, SANS_BOLD, register_fonts
from smime_archiver.render.status import protection_lines, status_label

log = logging.getLogger(__name__)

_MARGIN = 18 * mm
_STATUS_COLOURS = {
    Status.DECRYPTED: colors.HexColor("#e6f4ea"),
    Status.SIGNED: colors.HexColor("#e8f0fe"),
    Status.PLAIN: colors.HexColor("#f1f3f4"),
}
_PROBLEM_COLOUR = colors.HexColor("#fce8e6")


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=SANS, fontSize=10, leading=13.5, alignment=TA_LEFT)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=SANS_BOLD, fontSize=15,
                                leading=19, spaceAfter=6),
        "label": ParagraphStyle("label", parent=base, fontName=SANS_BOLD, fontSize=9,
                                textColor=colors.HexColor("#5f6368")),
        "value": ParagraphStyle("value", parent=base, fontSize=9.5, leading=12.5),
        "section": ParagraphStyle("section", parent=base, fontName=SANS_BOLD, fontSize=11,
                                  spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", parent=base, spaceAfter=6),
        "quote": ParagraphStyle("quote", parent=base, textColor=colors.HexColor("#5f6368"),
                                leftIndent=8, spaceAfter=6),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO, fontSize=8.5, leading=11,
                               spaceAfter=6),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
    }


class _NumberedCanvas(rl_canvas.Canvas):
    """Defers page decorations until the page count is known ("page X of Y")."""

    footer_text = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def showPage(self):
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        width, _height = self._pagesize
        self.saveState()
        self.setFont(SANS, 7.5)
        self.setFillColor(colors.HexColor("#5f6368"))
        page = _("page {page} of {total}").format(page=self._pageNumber, total=total)
        self.drawRightString(width - _MARGIN, 10 * mm, page)
        text = self.footer_text
        max_width = width - 2 * _MARGIN - self.stringWidth(page, SANS, 7.5) - 10
        while text and self.stringWidth(text, SANS, 7.5) > max_width:
            text = text[:-4] + "…"
        self.drawString(_MARGIN, 10 * mm, text)
        self.restoreState()


def render_pdf(view: MessageView, result: UnwrapResult, raw: RawMail) -> bytes:
    """The PDF of one message as bytes (the archive writer stores them atomically)."""
    register_fonts()
    styles = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=_MARGIN + 4 * mm,
        title=view.subject or _("(no subject)"),
        author=view.sender,
        subject=_("Archived e-mail"),
        creator=f"smime-archiver {__version__}",
    )
    story: list = []
    story.append(Paragraph(_p(view.subject or _("(no subject)")), styles["title"]))
    story.append(_header_table(view, styles))
    story.append(Spacer(1, 4 * mm))
    story.append(_status_panel(result, view, styles))
    story.append(Paragraph(_p(_("Message")), styles["section"]))
    story.extend(_body(view.body_text, styles))
    if view.attachments:
        story.append(Paragraph(_p(_("Attachments")), styles["section"]))
        story.append(_attachment_table(view, styles))
    footer = " · ".join(
        x
        for x in (
            _("Source: {source}").format(source=raw.source),
            raw.locator,
            view.message_id,
        )
        if x
    )

    class _Canvas(_NumberedCanvas):
        footer_text = footer

    doc.build(story, canvasmaker=_Canvas)
    return buf.getvalue()


def _p(text: str) -> str:
    """Escape text for a ReportLab paragraph; drop characters PDF text cannot carry."""
    text = _CONTROL.sub("", text)
    return escape(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _header_table(view: MessageView, styles) -> Table:
    rows = []
    for label, value in (
        (_("From"), view.sender),
        (_("To"), view.to),
        (_("Cc"), view.cc),
        (_("Date"), view.date.strftime("%Y-%m-%d %H:%M %z") if view.date else view.date_text),
        (_("Subject"), view.subject),
    ):
        if value:
            rows.append([Paragraph(_p(label), styles["label"]), Paragraph(_p(value),
                                                                          styles["value"])])
    if not rows:
        rows.append([Paragraph(_p(_("Headers")), styles["label"]),
                     Paragraph(_p(_("(none)")), styles["value"])])
    table = Table(rows, colWidths=[24 * mm, None])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
    ]))
    return table


def _status_panel(result: UnwrapResult, view: MessageView, styles) -> Table:
    lines = [f"<b>{_p(status_label(result.status))}</b>"]
    lines += [_p(line) for line in protection_lines(result)]
    lines += [_p(note) for note in view.notes]
    body = "<br/>".join(lines)
    table = Table([[Paragraph(body, styles["value"])]], colWidths=[None])
    background = _STATUS_COLOURS.get(result.status, _PROBLEM_COLOUR)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), background),
        ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#dadce0")),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return table


def _body(text: str, styles) -> list:
    """Paragraphs at blank lines; quoted replies grey; tabular text in monospace."""
    if not text.strip():
        return [Paragraph(_p(_("(This message has no text.)")), styles["quote"])]
    flowables = []
    for block in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = block.split("\n")
        if all(line.lstrip().startswith(">") for line in lines if line.strip()):
            style = styles["quote"]
        elif any("\t" in line or "  " in line.strip() for line in lines):
            style = styles["mono"]
        else:
            style = styles["body"]
        if style is styles["mono"]:
            html = "<br/>".join(_p(line.expandtabs(8)).replace(" ", "&nbsp;") for line in lines)
        else:
            html = "<br/>".join(_p(line) for line in lines)
        flowables.append(Paragraph(html, style))
    return flowables


def _attachment_table(view: MessageView, styles) -> KeepTogether:
    rows = [[Paragraph(_p(h), styles["label"]) for h in (_("Name"), _("Type"), _("Size"),
                                                          _("SHA-256"))]]
    for att in view.attachments:
        rows.append([
            Paragraph(_p(att.filename), styles["small"]),
            Paragraph(_p(att.content_type), styles["small"]),
            Paragraph(_p(_format_size(att.size)), styles["small"]),
            Paragraph(_p(hashlib.sha256(att.data).hexdigest()[:16] + "…"), styles["small"]),
        ])
    table = Table(rows, colWidths=[70 * mm, 40 * mm, 20 * mm, None], repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.HexColor("#dadce0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return KeepTogether([table])


def _format_size(size: int) -> str:
    if size < 1024:
        return _("{n} bytes").format(n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
