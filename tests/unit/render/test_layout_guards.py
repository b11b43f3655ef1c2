"""Layouts that would go round in circles end, one way or the other."""

from __future__ import annotations

import io

import pytest
from reportlab.platypus import Flowable, Paragraph, Spacer
from reportlab.platypus import Table as _Table
from reportlab.platypus.doctemplate import LayoutError

from smime_archiver.render import pdf
from smime_archiver.render.fonts import register_fonts
from smime_archiver.render.styles import styles
from smime_archiver.render.tables import Table


class _Stubborn(Flowable):
    """Never fits, and splits into nothing plus itself: the shape of ReportLab's
    in-row split bug."""

    def wrap(self, aw, ah):
        return aw, 10_000

    def split(self, aw, ah):
        return [Spacer(0, 0), _Stubborn()]


def test_a_layout_without_progress_is_stopped_not_run_for_ever():
    doc = pdf._GuardedDocTemplate(io.BytesIO())
    with pytest.raises(LayoutError, match="no layout progress"):
        doc.build([_Stubborn()])
    assert doc._guard_count == pdf._MAX_FLOWABLES_PER_PAGE + 1


def test_a_table_split_that_would_leave_an_empty_piece_is_refused(monkeypatch):
    """ReportLab 5 split the status panel of a damaged message (long lines, one row each)
    at the foot of a page into an empty piece and the whole rest, again and again (the
    message is kept as tests/fuzz/corpus/crashers/mime/status-line-split-at-the-foot-of-a-
    page.eml.gz).  Our Table refuses that split, so the panel moves to the next page."""
    register_fonts()
    st = styles()["status"]
    rows = [[Paragraph(f"line {n}", st)] for n in range(5)]
    table = Table(rows, colWidths=[400], splitInRow=1)

    def reportlab_bug(self, aw, ah):
        return [_Table([[()]]), _Table([[p] for [p] in rows])]

    monkeypatch.setattr(_Table, "split", reportlab_bug)
    assert table.split(400, 15.5) == []


def test_table_splits_that_make_progress_are_kept():
    register_fonts()
    st = styles()["status"]
    long = " ".join(["word"] * 400)
    rows = [[Paragraph(f"{n}: {long}", st)] for n in range(4)]
    table = Table(rows, colWidths=[400], splitInRow=1)
    table.wrap(400, 10_000)
    parts = table.split(400, 100)  # inside the first row: the row itself is split
    assert len(parts) == 2
    assert parts[0].wrap(400, 10_000)[1] <= 100
    buf = io.BytesIO()
    pdf._GuardedDocTemplate(buf).build([Spacer(1, 600), Table(rows, colWidths=[400],
                                                               splitInRow=1)])
    assert buf.getvalue().startswith(b"%PDF")
