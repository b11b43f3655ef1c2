"""One archival PDF per message: PDF/A-3b, the message and its attachments embedded.

``render_pdf(view, result, raw) -> bytes`` is the entry point the job calls.  If the
full layout of an HTML body cannot be drawn (ReportLab cannot split some table), the
message is drawn again with tables flattened, and at last with HTML as plain text, with
a note saying so: a message is never lost to its layout.
"""

from __future__ import annotations

import io
import logging

from reportlab.lib.colors import Color
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus.doctemplate import LayoutError

from smime_archiver import __version__
from smime_archiver.i18n import _
from smime_archiver.model import MessageView, RawMail, UnwrapResult
from smime_archiver.render.embedded import embedded_files
from smime_archiver.render.fonts import SANS, register_fonts, shown_text, string_width
from smime_archiver.render.lines import PlacedLine, draw_lines
from smime_archiver.render.pdfa import DocumentMetadata, EmbeddedFile, finish_pdfa
from smime_archiver.render.pdfwrite import install as install_fast_writer
from smime_archiver.render.story import Options, build_story
from smime_archiver.render.styles import BOTTOM, MARGIN, PAGE
from smime_archiver.texts import describe_locator

log = logging.getLogger(__name__)

_FOOTER_SIZE = 7.5
_FOOTER_GREY = Color(0.37, 0.39, 0.41)
# Flowables placed on one page before the layout is taken to be going round in circles
# (a real page holds a few hundred at most; a ReportLab split that makes no progress
# would otherwise draw until memory runs out).
_MAX_FLOWABLES_PER_PAGE = 5_000


class _GuardedDocTemplate(SimpleDocTemplate):
    """Stops a layout that makes no progress instead of letting it run for ever."""

    _guard_page = -1
    _guard_count = 0

    def handle_flowable(self, flowables):
        if self.page != self._guard_page:
            self._guard_page, self._guard_count = self.page, 0
        self._guard_count += 1
        if self._guard_count > _MAX_FLOWABLES_PER_PAGE:
            raise LayoutError(f"no layout progress on page {self.page}")
        return super().handle_flowable(flowables)


class ArchiveCanvas(rl_canvas.Canvas):
    """Defers page decorations until the page count is known ("page X of Y"), marks
    links printable and adds the PDF/A parts when the document is saved."""

    footer_text = ""
    meta: DocumentMetadata | None = None
    files: tuple[EmbeddedFile, ...] = ()

    def __init__(self, *args, **kwargs):
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = SANS  # never an unembedded standard font (PDF/A)
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict] = []

    def linkURL(self, url, rect, relative=0, thickness=0, color=None, dashArray=None,
                kind="URI", **kw):
        kw.setdefault("F", 4)  # PDF/A: annotations must print
        super().linkURL(url, rect, relative, thickness, color, dashArray, kind, **kw)

    def showPage(self):
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        if self.meta is not None:
            finish_pdfa(self._doc, self.meta, self.files)
        super().save()

    def _draw_footer(self, total: int) -> None:
        width, _height = self._pagesize
        page = _("page {page} of {total}").format(page=self._pageNumber, total=total)
        baseline = 10 * 2.834645669
        self.saveState()
        self.setFont(SANS, _FOOTER_SIZE)
        self.setFillColor(_FOOTER_GREY)
        self.drawRightString(width - MARGIN, baseline, page)
        room = width - 2 * MARGIN - self.stringWidth(page, SANS, _FOOTER_SIZE) - 12
        text = shown_text(_fitted(self.footer_text, room))
        draw_lines(self, [PlacedLine(MARGIN, baseline, text, SANS, _FOOTER_SIZE, _FOOTER_GREY)],
                   missing=None)
        self.restoreState()


def _fitted(text: str, room: float) -> str:
    """``text`` in one footer line of ``room`` points: its end kept (the message's place
    and ID), its start cut with an ellipsis."""
    if string_width(text, SANS, _FOOTER_SIZE) <= room:
        return text
    low, high = 1, len(text)  # the fewest leading characters to drop
    while low < high:
        middle = (low + high) // 2
        if string_width("…" + text[middle:], SANS, _FOOTER_SIZE) <= room:
            high = middle
        else:
            low = middle + 1
    return "…" + text[low:]


def render_pdf(view: MessageView, result: UnwrapResult, raw: RawMail, *,
               limits: list[str] | None = None) -> bytes:
    """The PDF/A-3b of one message as bytes (the archive writer stores them atomically).

    ``limits``, when given, receives one sentence for each thing a display limit kept
    off the pages (a picture too large to draw, a table too big to draw as a table).
    """
    register_fonts()
    install_fast_writer()
    attempts = (Options(), Options(simple=True, notes=[_(
        "The layout of the HTML text was too complex to draw; its tables are shown as "
        "plain lines.")]), Options(text_only=True, notes=[_(
            "The HTML text could not be drawn; it is shown as plain text. The original "
            "message is embedded in this PDF.")]))
    for i, options in enumerate(attempts):
        try:
            pdf = _render(view, result, raw, options)
            if limits is not None:
                limits.extend(dict.fromkeys(options.limits))
            return pdf
        except Exception:
            if i == len(attempts) - 1 or not _has_html(view):
                raise
            log.debug("layout attempt %d failed for %s %s", i, raw.source, raw.locator,
                      exc_info=True)
    raise AssertionError("unreachable")  # pragma: no cover


def _has_html(view: MessageView) -> bool:
    return any(p.kind == "html" or (p.message is not None and _has_html(p.message))
               for p in view.parts)


def _render(view: MessageView, result: UnwrapResult, raw: RawMail, options: Options) -> bytes:
    buf = io.BytesIO()
    subject = view.subject or _("(no subject)")
    doc = _GuardedDocTemplate(buf, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=BOTTOM)
    story = build_story(view, result, raw, options)
    footer = " · ".join(x for x in (_("Source: {source}").format(source=raw.source),
                                    describe_locator(raw), view.message_id) if x)

    class _Canvas(ArchiveCanvas):
        footer_text = footer
        meta = DocumentMetadata(
            title=subject, author=view.sender, subject=_("Archived e-mail"),
            keywords=", ".join(x for x in ("e-mail", "S/MIME", view.message_id) if x),
            creator=f"smime-archiver {__version__}", message_date=view.date)
        files = embedded_files(view, result)

    doc.build(story, canvasmaker=_Canvas)
    return buf.getvalue()
