"""Page geometry, colours and paragraph styles shared by the renderer's modules."""

from __future__ import annotations

import functools

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import TableStyle

from smime_archiver.render.fonts import MONO, SANS, SANS_BOLD

PAGE = A4
MARGIN = 18 * mm
BOTTOM = MARGIN + 6 * mm
FRAME_PADDING = 6  # platypus frames keep 6 pt inside their edges
FRAME_WIDTH = PAGE[0] - 2 * MARGIN - 2 * FRAME_PADDING
FRAME_HEIGHT = PAGE[1] - MARGIN - BOTTOM - 2 * FRAME_PADDING

GREY = colors.HexColor("#5f6368")
LIGHT_GREY = colors.HexColor("#dadce0")
QUOTE_BAR = colors.HexColor("#9aa0a6")
LINK = colors.HexColor("#1a0dab")
MONO_SIZE = 8.5
MONO_CHAR_WIDTH = 0.602 * MONO_SIZE  # DejaVu Sans Mono advance is 1233/2048 em


def table_style(commands: list[tuple]) -> TableStyle:
    """A TableStyle whose cells start in DejaVu: ReportLab's default Helvetica is not
    embedded, which PDF/A forbids even when no text is drawn in it."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *commands])


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=SANS, fontSize=10, leading=13.5, alignment=TA_LEFT,
                          splitLongWords=1)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=SANS_BOLD, fontSize=15,
                                leading=19, spaceAfter=6),
        "label": ParagraphStyle("label", parent=base, fontName=SANS_BOLD, fontSize=9,
                                textColor=GREY),
        "value": ParagraphStyle("value", parent=base, fontSize=9.5, leading=12.5),
        "status": ParagraphStyle("status", parent=base, fontSize=9, leading=12, spaceAfter=1),
        "section": ParagraphStyle("section", parent=base, fontName=SANS_BOLD, fontSize=11,
                                  leading=14, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", parent=base, spaceAfter=6),
        "quote": ParagraphStyle("quote", parent=base, textColor=GREY, spaceAfter=4),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO, fontSize=MONO_SIZE,
                               leading=11, spaceAfter=6),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "small_mono": ParagraphStyle("small_mono", parent=base, fontName=MONO, fontSize=6.5,
                                     leading=8.5),
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11, textColor=GREY,
                               spaceAfter=4),
    }
